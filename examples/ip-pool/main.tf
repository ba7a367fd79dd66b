# An IP address pool (rules P01-P03, A09): the account's own block of public addresses, from which
# EIPs are then allocated instead of from the region's shared ranges.

provider "alicloud" {
  region = "cn-hangzhou"
}

variable "name" {
  description = "Prefix of every resource name."
  type        = string
  default     = "eipform-pool"
}

resource "alicloud_vpc_public_ip_address_pool" "pool" {
  public_ip_address_pool_name = "${var.name}-pool"
  description                 = "Addresses reserved for the web tier"
  isp                         = "BGP"
}

# A /28 (16 addresses) chosen by the cloud; `cidr_block` would name a specific block instead.
resource "alicloud_vpc_public_ip_address_pool_cidr_block" "block" {
  public_ip_address_pool_id = alicloud_vpc_public_ip_address_pool.pool.id
  cidr_mask                 = 28
}

# Pay-as-you-go only, same line type as the pool. The pool needs a CIDR block before it can hand
# out an address, hence the explicit dependency.
resource "alicloud_eip_address" "from_pool" {
  address_name              = "${var.name}-eip"
  payment_type              = "PayAsYouGo"
  internet_charge_type      = "PayByTraffic"
  bandwidth                 = "10"
  isp                       = "BGP"
  public_ip_address_pool_id = alicloud_vpc_public_ip_address_pool.pool.id

  depends_on = [alicloud_vpc_public_ip_address_pool_cidr_block.block]
}

output "pool_id" {
  value = alicloud_vpc_public_ip_address_pool.pool.id
}

output "cidr_block" {
  description = "The block the cloud added to the pool."
  value       = alicloud_vpc_public_ip_address_pool_cidr_block.block.cidr_block
}

output "eip_address" {
  description = "An address from inside cidr_block."
  value       = alicloud_eip_address.from_pool.ip_address
}
