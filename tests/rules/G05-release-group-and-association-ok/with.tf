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

resource "alicloud_instance" "web" {
  instance_name   = "web"
  image_id        = "ubuntu_18_04_64_20G_alibase_20190624.vhd"
  instance_type   = "ecs.g6.large"
  security_groups = [alicloud_security_group.main.id]
  vswitch_id      = alicloud_vswitch.main.id
}

resource "alicloud_eip_segment_address" "g" {
  eip_mask             = "28"
  bandwidth            = "5"
  internet_charge_type = "PayByBandwidth"
}

resource "alicloud_eip_association" "a" {
  allocation_id = alicloud_eip_segment_address.g.eips[0].id
  instance_id   = alicloud_instance.web.id
}
