provider "alicloud" {
  region = "atlantis-1"
}

resource "alicloud_eip_address" "e" {
  address_name = "a05"
}
