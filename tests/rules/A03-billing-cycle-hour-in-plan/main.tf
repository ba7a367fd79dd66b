provider "alicloud" {
  region = "cn-hangzhou"
}

resource "alicloud_eip_address" "e" {
  address_name = "a03"
  internet_charge_type = "PayByTraffic"
}
