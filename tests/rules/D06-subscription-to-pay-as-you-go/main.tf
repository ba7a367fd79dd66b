provider "alicloud" {
  region = "cn-hangzhou"
}

resource "alicloud_eip_address" "e" {
  address_name = "d06"
  payment_type = "PayAsYouGo"
}
