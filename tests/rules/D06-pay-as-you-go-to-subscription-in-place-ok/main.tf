provider "alicloud" {
  region = "cn-hangzhou"
}

resource "alicloud_eip_address" "e" {
  address_name = "d06"
  payment_type = "Subscription"
}

output "ip" {
  value = alicloud_eip_address.e.ip_address
}
