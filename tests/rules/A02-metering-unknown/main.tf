provider "alicloud" {
  region = "cn-hangzhou"
}

resource "alicloud_eip_address" "e" {
  address_name = "a02"
  internet_charge_type = "PayByDominantTraffic"
}
