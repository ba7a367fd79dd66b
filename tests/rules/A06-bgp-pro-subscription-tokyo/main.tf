provider "alicloud" {
  region = "ap-northeast-1"
}

resource "alicloud_eip_address" "e" {
  address_name = "a06"
  isp = "BGP_PRO"
  payment_type = "Subscription"
}
