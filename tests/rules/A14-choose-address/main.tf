provider "alicloud" {
  region = "cn-hangzhou"
}

resource "alicloud_eip_address" "e" {
  address_name = "a14"
  ip_address = "47.96.0.77"
}
