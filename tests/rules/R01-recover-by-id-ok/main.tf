provider "alicloud" {
  region = "cn-hangzhou"
}

resource "alicloud_eip_address" "back" {
  address_name  = "back"
  allocation_id = "{{id}}"
}

output "same" {
  value = alicloud_eip_address.back.ip_address == "{{ip}}"
}
