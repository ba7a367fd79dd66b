provider "alicloud" {
  region = "cn-hangzhou"
}

resource "alicloud_eip_address" "e" {
  address_name = "a14"
  allocation_id = "eip-neverexisted0000001"
}
