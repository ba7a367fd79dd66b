provider "alicloud" {
  region = "cn-hangzhou"
}

resource "alicloud_eip_address" "e" {
  address_name = "a14"
}

output "ip" {
  value = alicloud_eip_address.e.ip_address
}
