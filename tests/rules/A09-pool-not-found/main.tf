provider "alicloud" {
  region = "cn-hangzhou"
}

resource "alicloud_eip_address" "e" {
  address_name = "a09"
  public_ip_address_pool_id = "pippool-doesnotexist0000001"
}
