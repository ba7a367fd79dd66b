provider "alicloud" {
  region = "cn-hongkong"
}

resource "alicloud_eip_address" "e" {
  address_name = "a06"
  isp = "BGP_PRO"
  payment_type = "Subscription"
}
provider "alicloud" {
  region = "ap-southeast-1"
  alias  = "sg"
}

resource "alicloud_eip_address" "sg" {
  provider     = alicloud.sg
  address_name = "a06-sg"
  isp          = "BGP_PRO"
}
