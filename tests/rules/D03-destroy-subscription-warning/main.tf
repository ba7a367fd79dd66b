provider "alicloud" {
  region = "cn-hangzhou"
}
