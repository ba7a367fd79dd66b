provider "alicloud" {
  region = "cn-hangzhou"
}

resource "alicloud_eip_address" "e" {
  address_name = "a03"
  internet_charge_type = "PayByBandwidth"
}

resource "alicloud_eip_address" "tr" {
  address_name = "a03-tr"
  internet_charge_type = "PayByTraffic"
}

resource "alicloud_eip_address" "sub" {
  address_name = "a03-sub"
  payment_type = "Subscription"
}

output "cycles" {
  value = [alicloud_eip_address.e.billing_cycle, alicloud_eip_address.tr.billing_cycle, alicloud_eip_address.sub.billing_cycle]
}
