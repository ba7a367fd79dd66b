# An EIP mapped to a private IP address of a VPC through its IPv4 gateway (rules S01, S10):
# instance_type "IpAddress", instance_id and private_ip_address the private IP, vpc_id the VPC.

provider "alicloud" {
  region = "cn-hangzhou"
}

variable "name" {
  description = "Prefix of every resource name."
  type        = string
  default     = "eipform-ipv4gw"
}

locals {
  vswitch_cidr = "10.0.1.0/24"
  target_ip    = cidrhost(local.vswitch_cidr, 100)
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

# The VPC needs an active IPv4 gateway before an EIP can map to one of its addresses (S10).
resource "alicloud_vpc_ipv4_gateway" "main" {
  ipv4_gateway_name        = "${var.name}-gw"
  ipv4_gateway_description = "Internet access of the VPC"
  vpc_id                   = alicloud_vpc.main.id
  enabled                  = true
}

resource "alicloud_eip_address" "ip" {
  address_name         = "${var.name}-eip"
  internet_charge_type = "PayByTraffic"
  bandwidth            = "10"
}

# One EIP per IP address. The association refers to the gateway only through the VPC, so the
# dependency on the gateway (and on the vSwitch that holds the address) is written out.
resource "alicloud_eip_association" "ip" {
  allocation_id      = alicloud_eip_address.ip.id
  instance_type      = "IpAddress"
  instance_id        = local.target_ip
  private_ip_address = local.target_ip
  vpc_id             = alicloud_vpc.main.id

  depends_on = [alicloud_vpc_ipv4_gateway.main, alicloud_vswitch.main]
}

output "mapping" {
  value = "${alicloud_eip_address.ip.ip_address} -> ${local.target_ip}"
}
