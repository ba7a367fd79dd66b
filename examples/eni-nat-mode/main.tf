# Several EIPs for one ECS instance (rule S07): a secondary elastic network interface (ENI) with
# two secondary private IPs, and one EIP mapped to each private IP in NAT mode.
#
# eipform has no ENI attachment resource yet, so the ENI stays detached (status Available); in NAT
# mode the associations work the same way, and attaching it to the instance later keeps them.

provider "alicloud" {
  region = "cn-hangzhou"
}

variable "name" {
  description = "Prefix of every resource name."
  type        = string
  default     = "eipform-eni"
}

locals {
  vswitch_cidr = "10.0.1.0/24"

  # Two fixed secondary IPs, far from the low addresses the cloud hands out on its own.
  eni_ips = [cidrhost(local.vswitch_cidr, 200), cidrhost(local.vswitch_cidr, 201)]
}

resource "alicloud_vpc" "main" {
  vpc_name   = "${var.name}-vpc"
  cidr_block = "10.0.0.0/16"
}

resource "alicloud_vswitch" "main" {
  vswitch_name = "${var.name}-vsw"
  vpc_id       = alicloud_vpc.main.id
  cidr_block   = local.vswitch_cidr
  zone_id      = "cn-hangzhou-i"
}

resource "alicloud_security_group" "main" {
  security_group_name = "${var.name}-sg"
  vpc_id              = alicloud_vpc.main.id
}

resource "alicloud_instance" "app" {
  instance_name              = "${var.name}-app"
  image_id                   = "ubuntu_18_04_64_20G_alibase_20190624.vhd"
  instance_type              = "ecs.g6.large"
  vswitch_id                 = alicloud_vswitch.main.id
  security_groups            = [alicloud_security_group.main.id]
  internet_max_bandwidth_out = 0
}

resource "alicloud_ecs_network_interface" "secondary" {
  network_interface_name = "${var.name}-eni"
  vswitch_id             = alicloud_vswitch.main.id
  security_group_ids     = [alicloud_security_group.main.id]
  private_ip_addresses   = local.eni_ips
}

resource "alicloud_eip_address" "first" {
  address_name         = "${var.name}-eip-1"
  internet_charge_type = "PayByTraffic"
  bandwidth            = "10"
}

resource "alicloud_eip_address" "second" {
  address_name         = "${var.name}-eip-2"
  internet_charge_type = "PayByTraffic"
  bandwidth            = "10"
}

# NAT mode: at most one EIP per private IP of the ENI, and private_ip_address must be one of them.
resource "alicloud_eip_association" "first" {
  allocation_id      = alicloud_eip_address.first.id
  instance_id        = alicloud_ecs_network_interface.secondary.id
  instance_type      = "NetworkInterface"
  mode               = "NAT"
  private_ip_address = local.eni_ips[0]
}

resource "alicloud_eip_association" "second" {
  allocation_id      = alicloud_eip_address.second.id
  instance_id        = alicloud_ecs_network_interface.secondary.id
  instance_type      = "NetworkInterface"
  mode               = "NAT"
  private_ip_address = local.eni_ips[1]
}

output "eni_id" {
  value = alicloud_ecs_network_interface.secondary.id
}

output "mappings" {
  description = "Each public address and the private IP of the ENI it maps to."
  value = [
    "${alicloud_eip_address.first.ip_address} -> ${local.eni_ips[0]}",
    "${alicloud_eip_address.second.ip_address} -> ${local.eni_ips[1]}",
  ]
}
