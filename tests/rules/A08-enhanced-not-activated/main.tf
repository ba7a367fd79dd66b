provider "alicloud" {
  region = "cn-hangzhou"
}

resource "alicloud_eip_address" "e" {
  address_name = "a08"
  security_protection_types = ["AntiDDoS_Enhanced"]
}
