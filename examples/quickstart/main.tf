# Quickstart: an ECS instance in a VPC, reachable on the Internet through an Elastic IP.
#
#   cargo run --release -- --chdir examples/quickstart apply --auto-approve
#
# The simulated cloud lives in .eipform/cloud.db and the state in .eipform/state.db.

terraform {
  backend "sqlite" {
    path = ".eipform/state.db"
  }
}

provider "alicloud" {
  region = "cn-hangzhou"
}

variable "name" {
  description = "Prefix of every resource name."
  type        = string
  default     = "eipform-quickstart"
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

resource "alicloud_instance" "web" {
  instance_name   = "${var.name}-web"
  image_id        = "ubuntu_18_04_64_20G_alibase_20190624.vhd"
  instance_type   = "ecs.g6.large"
  vswitch_id      = alicloud_vswitch.main.id
  security_groups = [alicloud_security_group.main.id]

  # No static public IP: the EIP becomes the instance's public address (rule S06).
  internet_max_bandwidth_out = 0
}

resource "alicloud_eip_address" "web" {
  address_name         = "${var.name}-eip"
  bandwidth            = "10"
  internet_charge_type = "PayByTraffic"
  payment_type         = "PayAsYouGo"
  isp                  = "BGP"
}

resource "alicloud_eip_association" "web" {
  allocation_id = alicloud_eip_address.web.id
  instance_id   = alicloud_instance.web.id
}

output "eip_address" {
  description = "Public address of the web instance."
  value       = alicloud_eip_address.web.ip_address
}

output "eip_id" {
  description = "Allocation id of the EIP."
  value       = alicloud_eip_address.web.id
}

output "instance_id" {
  description = "Id of the ECS instance."
  value       = alicloud_instance.web.id
}
