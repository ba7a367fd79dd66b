# EIP billing methods (rules A01-A04, A06, A13), in two regions.
#
# The default provider configuration buys in Hangzhou; the one aliased "hk" buys in Hong Kong,
# where the BGP (Multi-ISP) Pro line is offered. Resources choose it with `provider = alicloud.hk`.

provider "alicloud" {
  region = "cn-hangzhou"
}

provider "alicloud" {
  alias  = "hk"
  region = "cn-hongkong"
}

variable "name" {
  description = "Prefix of every EIP name."
  type        = string
  default     = "eipform-billing"
}

# Pay-as-you-go, metered by bandwidth: billed per day on the maximum bandwidth (1-500 Mbit/s).
resource "alicloud_eip_address" "by_bandwidth" {
  address_name         = "${var.name}-bandwidth"
  payment_type         = "PayAsYouGo"
  internet_charge_type = "PayByBandwidth"
  bandwidth            = "100"
  isp                  = "BGP"
}

# Pay-as-you-go, metered by data transfer: billed per hour on the traffic (1-200 Mbit/s cap).
resource "alicloud_eip_address" "by_traffic" {
  address_name         = "${var.name}-traffic"
  payment_type         = "PayAsYouGo"
  internet_charge_type = "PayByTraffic"
  bandwidth            = "50"
  isp                  = "BGP"
}

# Subscription: paid in advance for `period` months, always metered by bandwidth (1-1000 Mbit/s).
# A subscription EIP cannot be released: `destroy` stops managing it and warns that it stays
# billed until it expires (rule D03).
resource "alicloud_eip_address" "subscription" {
  payment_type         = "Subscription"
  internet_charge_type = "PayByBandwidth"
  bandwidth            = "20"
  period               = 1
  pricing_cycle        = "Month"
  auto_pay             = true
}

# Hong Kong, pay-as-you-go on the BGP (Multi-ISP) Pro line.
resource "alicloud_eip_address" "hk_pro" {
  provider             = alicloud.hk
  address_name         = "${var.name}-hk-pro"
  payment_type         = "PayAsYouGo"
  internet_charge_type = "PayByTraffic"
  bandwidth            = "10"
  isp                  = "BGP_PRO"
}

# Hong Kong, subscription for three months.
resource "alicloud_eip_address" "hk_subscription" {
  provider             = alicloud.hk
  payment_type         = "Subscription"
  internet_charge_type = "PayByBandwidth"
  bandwidth            = "5"
  isp                  = "BGP"
  period               = 3
  pricing_cycle        = "Month"
}

output "addresses" {
  description = "Public address of each EIP."
  value = {
    by_bandwidth    = alicloud_eip_address.by_bandwidth.ip_address
    by_traffic      = alicloud_eip_address.by_traffic.ip_address
    subscription    = alicloud_eip_address.subscription.ip_address
    hk_pro          = alicloud_eip_address.hk_pro.ip_address
    hk_subscription = alicloud_eip_address.hk_subscription.ip_address
  }
}
