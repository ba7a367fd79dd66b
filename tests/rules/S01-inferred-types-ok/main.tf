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

resource "alicloud_slb_load_balancer" "lb" {
  load_balancer_name = "lb"
  address_type       = "intranet"
  vswitch_id         = alicloud_vswitch.main.id
  load_balancer_spec = "slb.s2.small"
}

resource "alicloud_nat_gateway" "nat" {
  vpc_id           = alicloud_vpc.main.id
  vswitch_id       = alicloud_vswitch.main.id
  nat_gateway_name = "nat"
  nat_type         = "Enhanced"
  payment_type     = "PayAsYouGo"
}

resource "alicloud_eip_address" "e" {
  address_name = "s"
}

resource "alicloud_eip_address" "n" {
  address_name = "s-nat"
}

resource "alicloud_eip_association" "a" {
  allocation_id = alicloud_eip_address.e.id
  instance_id   = alicloud_slb_load_balancer.lb.id
}

resource "alicloud_eip_association" "n" {
  allocation_id = alicloud_eip_address.n.id
  instance_id   = alicloud_nat_gateway.nat.id
}
