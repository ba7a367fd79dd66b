provider "alicloud" {
  region = "cn-hangzhou"
}

resource "alicloud_eip_address" "post" {
  address_name = "a01-post"
  instance_charge_type = "PostPaid"
}

resource "alicloud_eip_address" "pre" {
  address_name = "a01-pre"
  payment_type = "PrePaid"
  period = 1
}
