# An EIP on a high-availability virtual IP (HAVIP) (rules S01, S08): the public address follows the
# HAVIP to whichever instance currently holds it.

provider "alicloud" {
  region = "cn-hangzhou"
}

variable "name" {
  description = "Prefix of every resource name."
  type        = string
  default     = "eipform-havip"
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

# The private IP is assigned from the vSwitch when ip_address is not set.
resource "alicloud_vpc_ha_vip" "main" {
  ha_vip_name = "${var.name}-havip"
  vswitch_id  = alicloud_vswitch.main.id
  description = "Floating address of the database pair"
}

resource "alicloud_eip_address" "havip" {
  address_name         = "${var.name}-eip"
  internet_charge_type = "PayByTraffic"
  bandwidth            = "10"
}

# A HAVIP holds one EIP.
resource "alicloud_eip_association" "havip" {
  allocation_id = alicloud_eip_address.havip.id
  instance_id   = alicloud_vpc_ha_vip.main.id
  instance_type = "HaVip"
}

output "havip_private_address" {
  value = alicloud_vpc_ha_vip.main.ip_address
}

output "eip_address" {
  value = alicloud_eip_address.havip.ip_address
}
