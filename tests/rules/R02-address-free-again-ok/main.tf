provider "alicloud" {
  region = "cn-hangzhou"
}

resource "alicloud_eip_address" "back" {
  address_name = "back"
  ip_address   = "{{ip}}"
}
