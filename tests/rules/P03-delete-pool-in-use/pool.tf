provider "alicloud" {
  region = "cn-hangzhou"
}

resource "alicloud_vpc_public_ip_address_pool" "p" {
  public_ip_address_pool_name = "pool"
  isp                         = "BGP"
}

resource "alicloud_vpc_public_ip_address_pool_cidr_block" "c" {
  public_ip_address_pool_id = alicloud_vpc_public_ip_address_pool.p.id
  cidr_mask                 = 28
}

resource "alicloud_eip_address" "e" {
  address_name = "p03"
  public_ip_address_pool_id = alicloud_vpc_public_ip_address_pool.p.id
  depends_on = [alicloud_vpc_public_ip_address_pool_cidr_block.c]
}
