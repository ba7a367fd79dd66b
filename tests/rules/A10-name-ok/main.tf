provider "alicloud" {
  region = "cn-hangzhou"
}

resource "alicloud_eip_address" "e" {
  address_name = "web-1.prod_a"
  description = "Front door of the shop"
}
