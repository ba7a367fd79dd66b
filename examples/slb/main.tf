# An EIP on an internal-facing Classic Load Balancer (CLB) in a VPC (rules S01, S08): the EIP gives
# the private load balancer a public address without making it Internet-facing.

provider "alicloud" {
  region = "cn-hangzhou"
}

variable "name" {
  description = "Prefix of every resource name."
  type        = string
  default     = "eipform-slb"
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

resource "alicloud_slb_load_balancer" "main" {
  load_balancer_name = "${var.name}-clb"
  address_type       = "intranet"
  vswitch_id         = alicloud_vswitch.main.id
  load_balancer_spec = "slb.s2.small"
  payment_type       = "PayAsYouGo"
}

resource "alicloud_eip_address" "clb" {
  address_name         = "${var.name}-eip"
  internet_charge_type = "PayByTraffic"
  bandwidth            = "50"
}

# A CLB instance holds one EIP. The `lb-` id would imply the type; it is written out here.
resource "alicloud_eip_association" "clb" {
  allocation_id = alicloud_eip_address.clb.id
  instance_id   = alicloud_slb_load_balancer.main.id
  instance_type = "SlbInstance"
}

output "clb_private_address" {
  value = alicloud_slb_load_balancer.main.address
}

output "eip_address" {
  value = alicloud_eip_address.clb.ip_address
}
