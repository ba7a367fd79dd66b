//! Contiguous EIP groups: `AllocateEipSegmentAddress`, `DescribeEipSegment`,
//! `ReleaseEipSegmentAddress`. A group (kind `eip_segment`) reserves an aligned block of its
//! region's address space; its usable addresses become member EIPs (kind `eip`, with
//! `SegmentInstanceId`). Rules: G01 (here), G02-G04 (`rules/groups.rs`), G05 (release here and
//! in `rules/release.rs`), G06 (`rules/associations.rs`), G07 (members are ordinary EIPs).

use ipnet::Ipv4Net;
use serde_json::{Value, json};

use super::eip::{self, answer, paging, region};
use super::rules::groups::{self, SegmentRequest};
use super::rules::{allocation::Billing, release};
use super::{Ctx, Obj, account, addresses, clock, regions};
use crate::cloud::{CloudError, Params, optional, required};

/// AllocateEipSegmentAddress.
pub fn allocate(ctx: &mut Ctx<'_>, p: &Params) -> Result<Value, CloudError> {
    let region = region(p)?;
    // G01: unavailable to accounts created on or after the cut-off that never used groups.
    if !account::may_use_segments(ctx)? {
        return Err(CloudError::new(
            "Forbidden.AllocateEipSegmentAddress",
            "Failed to apply for continuous EIP. The service has been offline. Please use the IP address pool service: contiguous EIP groups are unavailable to accounts created on or after 2024-08-06 00:00:00 (UTC+8) that did not use them before; use an IP address pool (alicloud_vpc_public_ip_address_pool) instead",
        )
        .rule("G01"));
    }
    let req = SegmentRequest {
        region,
        mask: optional(p, "EipMask"),
        bandwidth: optional(p, "Bandwidth"),
        internet_charge_type: optional(p, "InternetChargeType"),
        isp: optional(p, "Isp").or_else(|| optional(p, "ISP")),
        netmode: optional(p, "Netmode"),
        charge_type: optional(p, "InstanceChargeType"),
    };
    if optional(p, "EipMask").is_none() {
        required(p, "EipMask")?;
    }
    let (checked, errs) = groups::violations(&req);
    let Some(c) = checked else {
        return Err(errs
            .into_iter()
            .next()
            .unwrap_or_else(|| CloudError::new("InvalidParameter", "invalid request")));
    };
    if regions::needs_whitelist(c.isp) && !account::flag(ctx, "single_isp_whitelist")? {
        return Err(CloudError::new(
            "IllegalParam.Isp",
            format!(
                "line type {} is available only to accounts on the single-ISP whitelist",
                c.isp
            ),
        )
        .rule("A06"));
    }
    let rg = match optional(p, "ResourceGroupId") {
        Some(rg) => {
            account::check_resource_group(ctx, rg)?;
            rg.to_string()
        }
        None => account::default_resource_group(ctx)?,
    };
    let id = ctx.new_id("eipsg-")?;
    let block = addresses::reserve_aligned(ctx, region, c.isp, c.mask, &id)?;
    let (size, reserved) = groups::layout(c.mask);
    let now = clock::now_str(ctx)?;
    let base = regions::ip_to_int(block.network());
    let mut count = 0;
    for off in (0..size).filter(|o| !reserved.contains(o)) {
        let ip = regions::int_to_ip(base + i64::from(off));
        let member_id = ctx.new_id("eip-")?;
        addresses::take(ctx, ip, region, &member_id, "eip")?;
        let mut m = eip::new_eip(
            ctx,
            &member_id,
            ip,
            region,
            Billing::PostPaid,
            c.metering,
            c.bandwidth,
            c.isp,
        )?;
        m.attrs.insert("SegmentInstanceId".into(), json!(id));
        m.attrs.insert("ResourceGroupId".into(), json!(rg));
        m.attrs
            .insert("Zone".into(), json!(optional(p, "Zone").unwrap_or("")));
        ctx.insert(&m)?;
        count += 1;
    }
    let group = Obj {
        id: id.clone(),
        kind: "eip_segment".into(),
        region: region.to_string(),
        status: "Allocated".into(),
        attrs: json!({
            "InstanceId": id,
            "Segment": block.to_string(),
            "IpCount": count.to_string(),
            "Mask": c.mask,
            "Name": "",
            "Description": "",
            "Bandwidth": c.bandwidth.to_string(),
            "InternetChargeType": c.metering,
            "Isp": c.isp,
            "Netmode": "public",
            "ResourceGroupId": rg,
            "Zone": optional(p, "Zone").unwrap_or(""),
            "CreationTime": now,
        })
        .as_object()
        .cloned()
        .unwrap_or_default(),
        created_at: now,
        client_token: eip::fresh_token(ctx, "eip_segment", p)?,
    };
    ctx.insert(&group)?;
    Ok(answer(json!({"EipSegmentInstanceId": id, "OrderId": 0})))
}

fn present(g: &Obj) -> Value {
    let mut out = g.attrs.clone();
    out.insert("Status".into(), json!(g.status));
    out.insert("RegionId".into(), json!(g.region));
    Value::Object(out)
}

/// DescribeEipSegment.
pub fn describe(ctx: &mut Ctx<'_>, p: &Params) -> Result<Value, CloudError> {
    let region = region(p)?;
    let (num, size) = paging(p, 50, 10)?;
    let found: Vec<Obj> = match optional(p, "SegmentInstanceId") {
        Some(id) => ctx
            .get_kind(id, "eip_segment")?
            .into_iter()
            .filter(|g| g.region == region)
            .collect(),
        None => ctx.list("eip_segment", Some(region))?,
    };
    let items: Vec<Value> = found
        .iter()
        .skip((num - 1).saturating_mul(size) as usize)
        .take(size as usize)
        .map(present)
        .collect();
    Ok(answer(super::eip::with_list(
        json!({"TotalCount": found.len(), "PageNumber": num, "PageSize": size}),
        &["EipSegments", "EipSegment"],
        items,
    )))
}

/// The members of group `id`.
pub fn members(ctx: &Ctx<'_>, id: &str) -> Result<Vec<Obj>, CloudError> {
    ctx.select(super::store::EIP_GROUPED, &[&id])
}

/// ReleaseEipSegmentAddress (G05: all or nothing, every member unassociated; D04).
pub fn release(ctx: &mut Ctx<'_>, p: &Params) -> Result<Value, CloudError> {
    let region = region(p)?;
    let id = required(p, "SegmentInstanceId")?;
    let group = ctx
        .get_kind(id, "eip_segment")?
        .filter(|g| g.region == region)
        .ok_or_else(|| {
            CloudError::new(
                "OperationFailed.InstanceNotExist",
                format!("contiguous EIP group {id} does not exist"),
            )
        })?;
    let members = members(ctx, id)?;
    if let Some(busy) = members.iter().find(|m| m.status != "Available") {
        return Err(CloudError::new(
            "OperationFailed.EipStatusInvalid",
            format!(
                "member {} ({}) of contiguous group {id} is {} (associated with {} {}); every member must be unassociated before the group is released",
                busy.id,
                busy.str("IpAddress"),
                busy.status,
                busy.str("InstanceType"),
                busy.str("InstanceId")
            ),
        )
        .rule("G05"));
    }
    for m in &members {
        release::check_deletion_protection(m)?;
    }
    for m in &members {
        eip::release_now(ctx, m)?;
    }
    if let Ok(block) = group.str("Segment").parse::<Ipv4Net>() {
        addresses::unreserve(ctx, &block)?;
    }
    ctx.delete(id)?;
    Ok(answer(json!({})))
}
