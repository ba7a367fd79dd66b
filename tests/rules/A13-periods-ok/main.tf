provider "alicloud" {
  region = "cn-hangzhou"
}

resource "alicloud_eip_address" "m" {
  address_name = "a13-m"
  payment_type = "Subscription"
  period = 9
  auto_pay = true
}

resource "alicloud_eip_address" "y" {
  address_name = "a13-y"
  payment_type = "Subscription"
  period = 24
}
