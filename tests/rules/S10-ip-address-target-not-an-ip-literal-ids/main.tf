provider "alicloud" {
  region = "cn-hangzhou"
}

resource "alicloud_eip_association" "a" {
  allocation_id = "eip-literal0000000001"
  instance_id   = "web-server"
  instance_type = "IpAddress"
  vpc_id        = "vpc-literal0000000001"
}
