provider "alicloud" {
  region = "cn-hangzhou"
}

resource "alicloud_eip_address" "back" {
  address_name  = "back"
  allocation_id = "{{id}}"
}
