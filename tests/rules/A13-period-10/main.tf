provider "alicloud" {
  region = "cn-hangzhou"
}

resource "alicloud_eip_address" "e" {
  address_name = "a13"
  payment_type = "Subscription"
  period = 10
}
