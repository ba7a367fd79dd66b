# A contiguous EIP group (rules G01-G07): a /28 of consecutive public addresses, whose members are
# associated one by one like standard EIPs. Here two members go to two ECS instances.

provider "alicloud" {
  region = "cn-hangzhou"
}

variable "name" {
  description = "Prefix of every resource name."
  type        = string
  default     = "eipform-group"
}

resource "alicloud_vpc" "main" {
  vpc_name   = "${var.name}-vpc"
  cidr_block = "10.0.0.0/16"
}

resource "alicloud_vswitch" "main" {
  vswitch_name = "${var.name}-vsw"
  vpc_id       = alicloud_vpc.main.id
  cidr_block   = "10.0.1.0/24"
  zone_id      = "cn-hangzhou-i"
}

resource "alicloud_security_group" "main" {
  security_group_name = "${var.name}-sg"
  vpc_id              = alicloud_vpc.main.id
}

resource "alicloud_instance" "a" {
  instance_name              = "${var.name}-a"
  image_id                   = "ubuntu_18_04_64_20G_alibase_20190624.vhd"
  instance_type              = "ecs.g6.large"
  vswitch_id                 = alicloud_vswitch.main.id
  security_groups            = [alicloud_security_group.main.id]
  internet_max_bandwidth_out = 0
}

resource "alicloud_instance" "b" {
  instance_name              = "${var.name}-b"
  image_id                   = "ubuntu_18_04_64_20G_alibase_20190624.vhd"
  instance_type              = "ecs.g6.large"
  vswitch_id                 = alicloud_vswitch.main.id
  security_groups            = [alicloud_security_group.main.id]
  internet_max_bandwidth_out = 0
}

# 16 addresses, some of which the cloud may reserve; pay-as-you-go only (G03), 1-200 Mbit/s (G04).
resource "alicloud_eip_segment_address" "group" {
  eip_mask             = "28"
  bandwidth            = "5"
  internet_charge_type = "PayByBandwidth"
  isp                  = "BGP"
  netmode              = "public"
}

# Members are exported as `eips`, each with `id` (usable as allocation_id) and `ip_address`.
# Releasing the group needs every member unassociated first (G05): destroy orders it so.
resource "alicloud_eip_association" "a" {
  allocation_id = alicloud_eip_segment_address.group.eips[0].id
  instance_id   = alicloud_instance.a.id
}

resource "alicloud_eip_association" "b" {
  allocation_id = alicloud_eip_segment_address.group.eips[1].id
  instance_id   = alicloud_instance.b.id
}

output "segment" {
  description = "The group's CIDR block."
  value       = alicloud_eip_segment_address.group.segment_address
}

output "member_addresses" {
  description = "Public addresses of the two associated members."
  value = [
    alicloud_eip_segment_address.group.eips[0].ip_address,
    alicloud_eip_segment_address.group.eips[1].ip_address,
  ]
}
