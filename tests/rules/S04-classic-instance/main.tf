provider "alicloud" {
  region = "cn-hangzhou"
}

resource "alicloud_security_group" "classic" {
  security_group_name = "classic"
}

resource "alicloud_instance" "classic" {
  instance_name     = "classic"
  image_id          = "ubuntu_18_04_64_20G_alibase_20190624.vhd"
  instance_type     = "ecs.g6.large"
  availability_zone = "cn-hangzhou-i"
  security_groups   = [alicloud_security_group.classic.id]
}

resource "alicloud_eip_address" "e" {
  address_name = "s"
}

resource "alicloud_eip_association" "a" {
  allocation_id = alicloud_eip_address.e.id
  instance_id   = alicloud_instance.classic.id
}
