provider "alicloud" {
  region = "cn-hangzhou"
}

resource "alicloud_eip_address" "e" {
  address_name = "a11"
  resource_group_id = "rg-acfmprod00002"
}
