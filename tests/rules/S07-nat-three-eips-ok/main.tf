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

resource "alicloud_ecs_network_interface" "eni" {
  network_interface_name             = "eni"
  vswitch_id                         = alicloud_vswitch.main.id
  security_group_ids                 = [alicloud_security_group.main.id]
  secondary_private_ip_address_count = 2
}

resource "alicloud_eip_address" "e" {
  count        = 3
  address_name = "s-${count.index}"
}

resource "alicloud_eip_association" "a" {
  allocation_id = alicloud_eip_address.e[0].id
  instance_id   = alicloud_ecs_network_interface.eni.id
  instance_type      = "NetworkInterface"
  mode               = "NAT"
  private_ip_address = alicloud_ecs_network_interface.eni.primary_ip_address
}

resource "alicloud_eip_association" "b" {
  allocation_id = alicloud_eip_address.e[1].id
  instance_id   = alicloud_ecs_network_interface.eni.id
  instance_type      = "NetworkInterface"
  mode               = "NAT"
  private_ip_address = tolist(alicloud_ecs_network_interface.eni.private_ip_addresses)[0]
}

resource "alicloud_eip_association" "c" {
  allocation_id = alicloud_eip_address.e[2].id
  instance_id   = alicloud_ecs_network_interface.eni.id
  instance_type      = "NetworkInterface"
  mode               = "NAT"
  private_ip_address = tolist(alicloud_ecs_network_interface.eni.private_ip_addresses)[1]
}
