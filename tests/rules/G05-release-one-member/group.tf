provider "alicloud" {
  region = "cn-hangzhou"
}

resource "alicloud_eip_segment_address" "g" {
  eip_mask             = "28"
  bandwidth            = "5"
  internet_charge_type = "PayByBandwidth"
}

output "m0" {
  value = alicloud_eip_segment_address.g.eips[0].id
}
