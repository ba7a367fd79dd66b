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

resource "alicloud_vpc_ha_vip" "h" {
  vswitch_id  = alicloud_vswitch.main.id
  ha_vip_name = "h"
}

resource "alicloud_eip_address" "e" {
  count        = 2
  address_name = "s-${count.index}"
}

resource "alicloud_eip_association" "a" {
  allocation_id = alicloud_eip_address.e[0].id
  instance_id   = alicloud_vpc_ha_vip.h.id
  instance_type = "HaVip"
}

resource "alicloud_eip_association" "b" {
  allocation_id = alicloud_eip_address.e[1].id
  instance_id   = alicloud_vpc_ha_vip.h.id
  instance_type = "HaVip"
  depends_on    = [alicloud_eip_association.a]
}
