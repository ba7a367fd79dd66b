provider "alicloud" {
  region = "cn-hangzhou"
}

resource "alicloud_eip_segment_address" "g" {
  eip_mask             = "28"
  bandwidth            = "300"
  internet_charge_type = "PayByBandwidth"
}
