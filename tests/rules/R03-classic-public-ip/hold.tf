provider "alicloud" {
  region = "cn-hangzhou"
}

resource "alicloud_security_group" "classic" {
  security_group_name = "classic"
}

resource "alicloud_instance" "classic" {
  instance_name              = "classic"
  image_id                   = "ubuntu_18_04_64_20G_alibase_20190624.vhd"
  instance_type              = "ecs.g6.large"
  availability_zone          = "cn-hangzhou-i"
  security_groups            = [alicloud_security_group.classic.id]
  internet_max_bandwidth_out = 5
}

output "ip" {
  value = alicloud_instance.classic.public_ip
}

output "id" {
  value = alicloud_instance.classic.id
}
