provider "alicloud" {
  region = "cn-hangzhou"
}

resource "alicloud_eip_association" "a" {
  allocation_id = "eip-literal0000000001"
  instance_id   = "i-literal000000000001"
  instance_type = "Vpn"
}
