provider "alicloud" {
  region = "cn-hangzhou"
}

resource "alicloud_eip_address" "e" {
  address_name = "s"
}

resource "alicloud_eip_association" "a" {
  allocation_id = alicloud_eip_address.e.id
  instance_id   = "i-doesnotexist0000000"
}
