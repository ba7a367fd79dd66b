provider "alicloud" {
  region = "cn-hangzhou"
}

resource "alicloud_eip_address" "e" {
  address_name = "d03"
  payment_type = "Subscription"
}
