provider "alicloud" {
  region = "cn-hangzhou"
}

resource "alicloud_eip_address" "e" {
  address_name = "a02"
  payment_type = "Subscription"
  internet_charge_type = "PayByTraffic"
}
