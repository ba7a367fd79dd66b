provider "alicloud" {
  region = "cn-hangzhou"
}

resource "alicloud_eip_address" "bw" {
  address_name = "a04-bw"
  bandwidth = "500"
}

resource "alicloud_eip_address" "tr" {
  address_name = "a04-tr"
  internet_charge_type = "PayByTraffic"
  bandwidth = 200
}

resource "alicloud_eip_address" "sub" {
  address_name = "a04-sub"
  payment_type = "Subscription"
  bandwidth = 1000
}
