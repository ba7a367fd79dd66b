provider "alicloud" {
  region = "cn-hangzhou"
}

resource "alicloud_vpc_public_ip_address_pool_cidr_block" "c" {
  public_ip_address_pool_id = "pippool-literal000000000001"
  cidr_mask                 = 29
}
