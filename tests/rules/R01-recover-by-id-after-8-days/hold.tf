provider "alicloud" {
  region = "cn-hangzhou"
}

resource "alicloud_eip_address" "e" {
  address_name = "held"
}

output "ip" {
  value = alicloud_eip_address.e.ip_address
}

output "id" {
  value = alicloud_eip_address.e.id
}
