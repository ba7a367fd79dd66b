provider "alicloud" {
  region = "cn-hangzhou"
}

resource "alicloud_vpc" "main" {
  vpc_name   = "rules"
  cidr_block = "10.0.0.0/16"
}

resource "alicloud_vswitch" "main" {
  vpc_id       = alicloud_vpc.main.id
  cidr_block   = "10.0.1.0/24"
  zone_id      = "cn-hangzhou-i"
  vswitch_name = "rules"
}

resource "alicloud_security_group" "main" {
  security_group_name = "rules"
  vpc_id              = alicloud_vpc.main.id
}

resource "alicloud_nat_gateway" "nat" {
  vpc_id           = alicloud_vpc.main.id
  vswitch_id       = alicloud_vswitch.main.id
  nat_gateway_name = "nat"
  nat_type         = "Enhanced"
  payment_type     = "PayAsYouGo"
}

resource "alicloud_vpc_ha_vip" "h" {
  vswitch_id  = alicloud_vswitch.main.id
  ha_vip_name = "h"
}

resource "alicloud_slb_load_balancer" "lb" {
  load_balancer_name = "lb"
  address_type       = "intranet"
  vswitch_id         = alicloud_vswitch.main.id
  load_balancer_spec = "slb.s2.small"
}

resource "alicloud_eip_address" "e" {
  count        = 22
  address_name = "s-${count.index}"
}

resource "alicloud_eip_association" "a" {
  count         = 20
  allocation_id = alicloud_eip_address.e[count.index].id
  instance_id   = alicloud_nat_gateway.nat.id
}

resource "alicloud_eip_association" "h" {
  allocation_id = alicloud_eip_address.e[20].id
  instance_id   = alicloud_vpc_ha_vip.h.id
  instance_type = "HaVip"
}

resource "alicloud_eip_association" "lb" {
  allocation_id = alicloud_eip_address.e[21].id
  instance_id   = alicloud_slb_load_balancer.lb.id
}
