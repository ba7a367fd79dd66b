provider "alicloud" {
  region = "cn-hangzhou"
}

resource "alicloud_eip_address" "e" {
  count        = 2
  address_name = "a12-${count.index}"
}

resource "alicloud_eip_address" "more" {
  address_name = "a12-more"
}
