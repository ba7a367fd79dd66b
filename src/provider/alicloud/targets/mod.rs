//! Association targets and their supporting resources (VPC, vSwitch, security group, ECS
//! instance, ENI, NAT gateway, CLB, HAVIP, IPv4 gateway, KMS key) and the non-EIP data sources.

use super::{DataOps, ResourceOps};

pub fn resource_ops(rtype: &str) -> Option<&'static dyn ResourceOps> {
    let _ = rtype;
    None
}

pub fn data_ops(dtype: &str) -> Option<&'static dyn DataOps> {
    let _ = dtype;
    None
}
