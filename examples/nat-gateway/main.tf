# An EIP on an Internet NAT gateway (rules S01, S08): the gateway's public address for SNAT/DNAT.

provider "alicloud" {
  region = "cn-hangzhou"
}

variable "name" {
  description = "Prefix of every resource name."
  type        = string
  default     = "eipform-nat"
}

resource "alicloud_vpc" "main" {
  vpc_name   = "${var.name}-vpc"
  cidr_block = "10.0.0.0/16"
}

# Enhanced NAT gateways need a vSwitch in a zone that offers them.
resource "alicloud_vswitch" "main" {
  vswitch_name = "${var.name}-vsw"
  vpc_id       = alicloud_vpc.main.id
  cidr_block   = "10.0.1.0/24"
  zone_id      = "cn-hangzhou-i"
}

resource "alicloud_nat_gateway" "main" {
  nat_gateway_name     = "${var.name}-ngw"
  vpc_id               = alicloud_vpc.main.id
  vswitch_id           = alicloud_vswitch.main.id
  nat_type             = "Enhanced"
  network_type         = "internet"
  payment_type         = "PayAsYouGo"
  internet_charge_type = "PayByLcu"
}

resource "alicloud_eip_address" "nat" {
  address_name         = "${var.name}-eip"
  internet_charge_type = "PayByTraffic"
  bandwidth            = "100"
}

# No instance_type: an `ngw-` id implies "Nat". A NAT gateway holds up to 20 EIPs.
resource "alicloud_eip_association" "nat" {
  allocation_id = alicloud_eip_address.nat.id
  instance_id   = alicloud_nat_gateway.main.id
}

output "nat_gateway_id" {
  value = alicloud_nat_gateway.main.id
}

output "eip_address" {
  value = alicloud_eip_address.nat.ip_address
}
