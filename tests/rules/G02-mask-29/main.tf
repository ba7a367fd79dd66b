provider "alicloud" {
  region = "cn-hangzhou"
}

resource "alicloud_eip_segment_address" "g" {
  eip_mask             = "29"
  bandwidth            = "5"
  internet_charge_type = "PayByBandwidth"
}
