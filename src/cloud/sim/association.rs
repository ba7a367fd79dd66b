//! `AssociateEipAddress` and `UnassociateEipAddress`. The rules (S01-S10, G06, D07) are in
//! `rules/associations.rs` and `rules/release.rs`; this file moves the EIP between `Available` and
//! `InUse` (through `Associating`/`Unassociating` when the account's `transition_ms` > 0).

use chrono::Duration;
use serde_json::{Value, json};

use super::eip::{answer, clear_binding, load, region};
use super::rules::associations::{self, AssocRequest};
use super::rules::release;
use super::{Ctx, account, clock};
use crate::cloud::{CloudError, Params, optional, required};

fn transition_until(ctx: &Ctx<'_>) -> Result<Option<String>, CloudError> {
    let ms = account::int(ctx, "transition_ms")?;
    if ms <= 0 {
        return Ok(None);
    }
    Ok(Some(clock::format_time(
        clock::now(ctx)? + Duration::milliseconds(ms),
    )))
}

/// AssociateEipAddress.
pub fn associate(ctx: &mut Ctx<'_>, p: &Params) -> Result<Value, CloudError> {
    let region = region(p)?;
    let mut eip = load(ctx, required(p, "AllocationId")?, region)?;
    // An ENI association without Mode keeps the EIP's current mode (NAT by default).
    let current_mode = match eip.str("Mode") {
        "" => "NAT".to_string(),
        m => m.to_string(),
    };
    let mut req = AssocRequest {
        instance_id: required(p, "InstanceId")?,
        instance_type: optional(p, "InstanceType"),
        mode: optional(p, "Mode"),
        private_ip: optional(p, "PrivateIpAddress"),
        vpc_id: optional(p, "VpcId"),
    };
    let ty = associations::check_request(&req)?;
    if ty == "NetworkInterface" && req.mode.is_none() {
        req.mode = Some(&current_mode);
    }
    release::check_not_transitional(&eip, "AssociateEipAddress")?;
    // S03: one resource at a time; only an Available EIP can be associated.
    if eip.status != "Available" {
        return Err(CloudError::new(
            "IncorrectEipStatus",
            format!(
                "EIP {} is {} (associated with {} {}); an EIP is associated with one resource at a time and must be Available to be associated",
                eip.id,
                eip.status,
                eip.str("InstanceType"),
                eip.str("InstanceId")
            ),
        )
        .rule("S03"));
    }
    let binding = associations::check_target(ctx, &eip, ty, &req)?;
    let set = |k: &str, v: &str, eip: &mut super::Obj| {
        eip.attrs.insert(k.to_string(), json!(v));
    };
    set("InstanceId", &binding.instance_id, &mut eip);
    set("InstanceType", binding.instance_type, &mut eip);
    set("PrivateIpAddress", &binding.private_ip, &mut eip);
    set("VpcId", &binding.vpc_id, &mut eip);
    set("InstanceRegionId", region, &mut eip);
    if binding.instance_type == "NetworkInterface" || req.mode.is_some() {
        set("Mode", &binding.mode, &mut eip);
    }
    match transition_until(ctx)? {
        Some(until) => {
            eip.status = "Associating".into();
            eip.attrs.insert("_TransitionUntil".into(), json!(until));
        }
        None => eip.status = "InUse".into(),
    }
    ctx.update(&eip)?;
    Ok(answer(json!({})))
}

/// UnassociateEipAddress.
pub fn unassociate(ctx: &mut Ctx<'_>, p: &Params) -> Result<Value, CloudError> {
    let region = region(p)?;
    let mut eip = load(ctx, required(p, "AllocationId")?, region)?;
    release::check_not_transitional(&eip, "UnassociateEipAddress")?;
    if eip.status != "InUse" {
        return Err(CloudError::new(
            "IncorrectEipStatus",
            format!(
                "EIP {} is {}; it is not associated with any resource",
                eip.id, eip.status
            ),
        ));
    }
    if let Some(inst) = optional(p, "InstanceId")
        && inst != eip.str("InstanceId")
    {
        return Err(CloudError::new(
            "InvalidInstanceId.NotFound",
            format!(
                "EIP {} is associated with {}, not with {inst}",
                eip.id,
                eip.str("InstanceId")
            ),
        ));
    }
    match transition_until(ctx)? {
        Some(until) => {
            eip.status = "Unassociating".into();
            eip.attrs.insert("_TransitionUntil".into(), json!(until));
        }
        None => {
            clear_binding(&mut eip);
            eip.status = "Available".into();
        }
    }
    ctx.update(&eip)?;
    Ok(answer(json!({})))
}
