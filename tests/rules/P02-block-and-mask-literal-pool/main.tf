provider "alicloud" {
  region = "cn-hangzhou"
}

resource "alicloud_vpc_public_ip_address_pool_cidr_block" "c" {
  public_ip_address_pool_id = "pippool-literal000000000001"
  cidr_block                = "47.118.126.0/28"
  cidr_mask                 = 28
}
