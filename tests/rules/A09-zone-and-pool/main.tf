provider "alicloud" {
  region = "cn-hangzhou"
}

resource "alicloud_eip_address" "e" {
  address_name = "a09"
  zone = "cn-hangzhou-i"
  public_ip_address_pool_id = "pippool-0000000000000000001"
}
