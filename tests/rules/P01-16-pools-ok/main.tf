provider "alicloud" {
  region = "cn-hangzhou"
}

resource "alicloud_vpc_public_ip_address_pool" "p" {
  count                       = 16
  public_ip_address_pool_name = "pool-${count.index}"
}
