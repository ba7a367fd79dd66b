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

resource "alicloud_vpc_ipv4_gateway" "gw" {
  vpc_id            = alicloud_vpc.main.id
  ipv4_gateway_name = "gw"
  enabled           = true
}

resource "alicloud_eip_address" "e" {
  address_name = "s"
}

resource "alicloud_eip_association" "a" {
  allocation_id = alicloud_eip_address.e.id
  instance_id   = "web-server"
  instance_type = "IpAddress"
  vpc_id        = alicloud_vpc.main.id
}
