provider "alicloud" {
  region = "cn-hangzhou"
}

resource "alicloud_eip_address" "e" {
  address_name = "d04"
  deletion_protection = true
}
