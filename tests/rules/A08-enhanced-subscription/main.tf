provider "alicloud" {
  region = "cn-hangzhou"
}

resource "alicloud_eip_address" "e" {
  address_name = "a08"
  payment_type = "Subscription"
  security_protection_types = ["AntiDDoS_Enhanced"]
}
