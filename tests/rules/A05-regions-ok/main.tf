provider "alicloud" {
  region = "cn-hangzhou"
}
provider "alicloud" {
  region = "eu-central-1"
  alias  = "fra"
}

resource "alicloud_eip_address" "e" {
  address_name = "a05"
}

resource "alicloud_eip_address" "fra" {
  provider     = alicloud.fra
  address_name = "a05-fra"
}
