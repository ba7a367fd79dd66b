//! EIP actions: `AllocateEipAddress` (and `AllocateEipAddressPro`: a requested `IpAddress` or EIP
//! id `InstanceId` is a recovery), `DescribeEipAddresses`, `ModifyEipAddressAttribute`,
//! `DeletionProtection` (Type EIP), `ModifyEipForwardMode`, `SetHighDefinitionMonitorLogStatus`,
//! `DescribeHighDefinitionMonitorLogAttribute`, `ModifyInstanceChargeType` (for EIP ids: the
//! pay-as-you-go to subscription conversion of D06, `InstanceChargeType=PrePaid` with `Period`,
//! `PricingCycle`, `AutoPay`) and `ReleaseEipAddress`.
//!
//! EIP objects have kind `eip`; their attributes use Alibaba's names. Internal attributes start
//! with `_` and are never answered. Pay-as-you-go standard EIPs are counted in the `eip.postpaid`
//! counter (A12).

use std::net::Ipv4Addr;

use chrono::Months;
use serde_json::{Map, Value, json};

use super::rules::allocation::{self, Billing, EipRequest};
use super::rules::{associations, pools as pool_rules, recovery, release};
use super::{Ctx, Obj, account, addresses, clock, regions, store};
use crate::cloud::{CloudError, Params, optional, repeated, required};

/// The counter of pay-as-you-go standard EIPs (A12).
pub const POSTPAID_COUNTER: &str = "eip.postpaid";

/// A fresh RequestId.
pub fn request_id() -> String {
    crate::host::new_uuid().to_string().to_uppercase()
}

/// `{"RequestId": ...}` plus `fields`.
pub fn answer(fields: Value) -> Value {
    let mut out = Map::new();
    out.insert("RequestId".into(), Value::String(request_id()));
    if let Value::Object(m) = fields {
        out.extend(m);
    }
    Value::Object(out)
}

/// `fields` (an object) with the list `items` moved in under the nested keys `path`
/// (`["EipAddresses", "EipAddress"]`). `json!` would copy every item through serde.
pub fn with_list(mut fields: Value, path: &[&str], items: Vec<Value>) -> Value {
    let Some((first, rest)) = path.split_first() else {
        return fields;
    };
    let mut nested = Value::Array(items);
    for key in rest.iter().rev() {
        let mut m = Map::new();
        m.insert((*key).to_string(), nested);
        nested = Value::Object(m);
    }
    if let Value::Object(m) = &mut fields {
        m.insert((*first).to_string(), nested);
    }
    fields
}

/// The `RegionId` of a request (required, A05).
pub fn region(p: &Params) -> Result<&str, CloudError> {
    let r = required(p, "RegionId")?;
    regions::check(r)?;
    Ok(r)
}

/// The `N` values of `Name.N` plus a JSON-array or comma-separated `Name` (both shapes occur).
pub fn multi(p: &Params, name: &str) -> Vec<String> {
    let mut out = repeated(p, name);
    if let Some(v) = optional(p, name) {
        if v.trim_start().starts_with('[') {
            out.extend(serde_json::from_str::<Vec<String>>(v).unwrap_or_default());
        } else {
            out.extend(
                v.split(',')
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty()),
            );
        }
    }
    out
}

fn not_found(id: &str) -> CloudError {
    CloudError::not_found(
        "InvalidAllocationId.NotFound",
        format!("Specified allocation ID {id} is not found"),
    )
}

/// Settles EIPs whose association or disassociation has finished, and instances that finished
/// stopping or starting (`transition_ms`). Runs before every call; when no object in transition
/// can be due it reads nothing (see `store::Transitions`).
pub fn settle_due(ctx: &Ctx<'_>) -> Result<(), CloudError> {
    let Some(earliest) = ctx.earliest_transition()? else {
        return Ok(());
    };
    let now = clock::now(ctx)?;
    if earliest > now.timestamp_millis() {
        return Ok(());
    }
    let pending = ctx.select(store::IN_TRANSITION, &[])?;
    // The earliest due time of the objects that stay in transition.
    let mut next: Option<i64> = None;
    for mut eip in pending {
        let due = eip
            .attrs
            .get("_TransitionUntil")
            .and_then(Value::as_str)
            .and_then(clock::parse_time);
        if let Some(d) = due.filter(|d| *d > now) {
            let ms = d.timestamp_millis();
            next = Some(next.map_or(ms, |n| n.min(ms)));
            continue;
        }
        eip.attrs.remove("_TransitionUntil");
        if eip.kind == "instance" {
            eip.status = if eip.status == "Stopping" {
                "Stopped"
            } else {
                "Running"
            }
            .into();
        } else if eip.status == "Unassociating" {
            clear_binding(&mut eip);
            eip.status = "Available".into();
        } else {
            eip.status = "InUse".into();
        }
        ctx.update(&eip)?;
    }
    ctx.set_earliest_transition(next);
    Ok(())
}

/// Whether no object in transition is due now, so that a call may skip [`settle_due`] (a read
/// connection, which cannot settle). Reads nothing while what the connection knows still holds;
/// else looks at the objects in transition once and records the earliest due time.
pub fn nothing_due(ctx: &Ctx<'_>) -> Result<bool, CloudError> {
    let Some(mut earliest) = ctx.earliest_transition()? else {
        return Ok(true);
    };
    let now = clock::now(ctx)?.timestamp_millis();
    if earliest > now {
        return Ok(true);
    }
    if earliest == i64::MIN {
        let pending = ctx.select(store::IN_TRANSITION, &[])?;
        let next = pending.iter().map(store::transition_due).min();
        ctx.set_earliest_transition(next);
        let Some(next) = next else {
            return Ok(true);
        };
        earliest = next;
    }
    Ok(earliest > now)
}

/// Removes an EIP's association attributes.
pub fn clear_binding(eip: &mut Obj) {
    for k in [
        "InstanceId",
        "InstanceType",
        "PrivateIpAddress",
        "VpcId",
        "InstanceRegionId",
    ] {
        eip.attrs.insert(k.into(), json!(""));
    }
}

/// EIP `id` in `region`, or `InvalidAllocationId.NotFound`.
pub fn load(ctx: &Ctx<'_>, id: &str, region: &str) -> Result<Obj, CloudError> {
    ctx.get_kind(id, "eip")?
        .filter(|o| o.region == region)
        .ok_or_else(|| not_found(id))
}

/// The EIP as DescribeEipAddresses answers it.
pub fn present(eip: &Obj) -> Value {
    into_answer(eip.clone())
}

/// [`present`], taking the EIP's attributes instead of copying them.
pub fn into_answer(mut eip: Obj) -> Value {
    let bandwidth = json!(eip.str("Bandwidth"));
    // A03: billing method, metering and billing cycle; A08: protection edition.
    let cycle = json!(allocation::billing_cycle(
        eip.str("ChargeType"),
        eip.str("InternetChargeType")
    ));
    let edition = json!(allocation::protection_edition(&protection_types(&eip)));
    let mut out = std::mem::take(&mut eip.attrs);
    out.retain(|k, _| !k.starts_with('_'));
    out.insert("Status".into(), Value::String(eip.status));
    out.insert("RegionId".into(), Value::String(eip.region));
    out.insert("EipBandwidth".into(), bandwidth);
    out.insert("BillingCycle".into(), cycle);
    out.insert("ProtectionEdition".into(), edition);
    Value::Object(out)
}

/// The EIP's security protection types.
pub fn protection_types(eip: &Obj) -> Vec<String> {
    eip.attrs
        .get("SecurityProtectionTypes")
        .map(protection_types_of)
        .unwrap_or_default()
}

/// The types listed in a `SecurityProtectionTypes` attribute.
pub fn protection_types_of(types: &Value) -> Vec<String> {
    types
        .get("SecurityProtectionType")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// The attributes of a new EIP.
#[allow(clippy::too_many_arguments)]
pub fn new_eip(
    ctx: &Ctx<'_>,
    id: &str,
    ip: Ipv4Addr,
    region: &str,
    billing: Billing,
    metering: &str,
    bandwidth: i64,
    isp: &str,
) -> Result<Obj, CloudError> {
    let now = clock::now_str(ctx)?;
    let group = account::default_resource_group(ctx)?;
    let s = |v: &str| Value::String(v.to_string());
    // In name order: the map is built in one pass, without a search per attribute.
    let attrs: Map<String, Value> = [
        ("AllocationId", s(id)),
        ("AllocationTime", s(&now)),
        ("AvailableRegions", json!({"AvailableRegion": [region]})),
        ("Bandwidth", Value::String(bandwidth.to_string())),
        ("BandwidthPackageBandwidth", s("")),
        ("BandwidthPackageId", s("")),
        ("BandwidthPackageType", s("")),
        ("BizType", s("Default")),
        ("BusinessStatus", s("Normal")),
        ("ChargeType", s(billing.api())),
        ("DeletionProtection", Value::Bool(false)),
        ("Description", s("")),
        ("ExpiredTime", s("")),
        ("HDMonitorStatus", s("OFF")),
        ("HasReservationData", s("false")),
        ("ISP", s(isp)),
        ("InstanceId", s("")),
        ("InstanceRegionId", s("")),
        ("InstanceType", s("")),
        ("InternetChargeType", s(metering)),
        ("IpAddress", Value::String(ip.to_string())),
        ("Mode", s("NAT")),
        ("Name", s("")),
        ("Netmode", s("public")),
        ("OperationLocks", json!({"LockReason": []})),
        ("PrivateIpAddress", s("")),
        ("PublicIpAddressPoolId", s("")),
        ("ResourceGroupId", Value::String(group)),
        ("SecondLimited", Value::Bool(false)),
        (
            "SecurityProtectionTypes",
            json!({"SecurityProtectionType": []}),
        ),
        ("SegmentInstanceId", s("")),
        ("ServiceManaged", json!(0)),
        ("Tags", json!({"Tag": []})),
        ("VpcId", s("")),
        ("Zone", s("")),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    Ok(Obj {
        id: id.to_string(),
        kind: "eip".into(),
        region: region.to_string(),
        status: "Available".into(),
        attrs,
        created_at: now,
        client_token: None,
    })
}

/// The expiry of a subscription that starts now.
fn expiry(ctx: &Ctx<'_>, period: i64, cycle: &str) -> Result<String, CloudError> {
    let months = if cycle == "Year" { period * 12 } else { period };
    let now = clock::now(ctx)?;
    let end = now
        .checked_add_months(Months::new(months.max(0) as u32))
        .unwrap_or(now);
    Ok(clock::format_time(end))
}

/// Counts a new pay-as-you-go EIP against the quota (A12), or refuses it. Counted at the check:
/// a call refused by a later check is rolled back with its count.
fn take_quota(ctx: &Ctx<'_>) -> Result<(), CloudError> {
    let quota = account::int(ctx, "eip_quota")?;
    if let Err(used) = ctx.add_one_below(POSTPAID_COUNTER, quota)? {
        return Err(CloudError::new(
            "QuotaExceeded.Eip",
            format!("Elastic IP address quota exceeded: the account holds {used} pay-as-you-go EIPs and its quota is {quota} (subscription EIPs are not counted)"),
        )
        .rule("A12"));
    }
    Ok(())
}

/// A pool an EIP is allocated from (A09, with R06 for recoveries).
fn check_pool(
    ctx: &Ctx<'_>,
    pool_id: &str,
    region: &str,
    isp: &str,
    protection: &[String],
) -> Result<Obj, CloudError> {
    if !account::flag(ctx, "pool_privilege")? {
        return Err(pool_rules::not_opened("A09"));
    }
    let pool = ctx
        .get_kind(pool_id, "pool")?
        .filter(|p| p.region == region)
        .ok_or_else(|| {
            CloudError::new(
                "ResourceNotFound.PublicIpAddressPool",
                format!("IP address pool {pool_id} does not exist in region {region}"),
            )
            .rule("A09")
        })?;
    if pool.status != "Created" {
        return Err(CloudError::new(
            "IncorrectStatus.PublicIpAddressPool",
            format!("IP address pool {pool_id} is {}", pool.status),
        )
        .rule("A09"));
    }
    if pool.str("Isp") != isp {
        return Err(CloudError::new(
            "Mismatch.IspAndPublicIpAddressPool",
            format!(
                "IP address pool {pool_id} has line type {}, the EIP asks for {isp}",
                pool.str("Isp")
            ),
        )
        .rule("A09"));
    }
    let pool_edition = allocation::protection_edition(&super::pool::protection_types(&pool));
    let eip_edition = allocation::protection_edition(protection);
    if pool_edition != eip_edition {
        return Err(CloudError::new(
            "Mismatch.EipSecurityProtectionTypeAndPoolSecurityProtectionType",
            format!("IP address pool {pool_id} has protection {pool_edition}, the EIP asks for {eip_edition}"),
        )
        .rule("A09"));
    }
    Ok(pool)
}

/// The request's `ClientToken` to record on a new object of `kind`, unless another object of
/// that kind already holds it (a token reused with other parameters makes a new object).
pub fn fresh_token(ctx: &Ctx<'_>, kind: &str, p: &Params) -> Result<Option<String>, CloudError> {
    match optional(p, "ClientToken") {
        Some(t) if ctx.by_token(kind, t)?.is_none() => Ok(Some(t.to_string())),
        _ => Ok(None),
    }
}

/// AllocateEipAddress / AllocateEipAddressPro.
pub fn allocate(ctx: &mut Ctx<'_>, p: &Params) -> Result<Value, CloudError> {
    let region = region(p)?;
    let ask_ip = optional(p, "IpAddress");
    let ask_id = optional(p, "InstanceId");
    let recovery = ask_ip.is_some() || ask_id.is_some();
    let req = EipRequest {
        region,
        charge_type: optional(p, "InstanceChargeType"),
        internet_charge_type: optional(p, "InternetChargeType"),
        bandwidth: optional(p, "Bandwidth"),
        isp: optional(p, "ISP").or_else(|| optional(p, "Isp")),
        netmode: optional(p, "Netmode"),
        name: optional(p, "Name"),
        description: optional(p, "Description"),
        protection: repeated(p, "SecurityProtectionTypes"),
        pool_id: optional(p, "PublicIpAddressPoolId"),
        zone: optional(p, "Zone"),
        period: optional(p, "Period"),
        pricing_cycle: optional(p, "PricingCycle"),
        auto_pay: optional(p, "AutoPay"),
        recovery,
    };
    let (checked, errs) = allocation::violations(&req);
    let Some(c) = checked else {
        return Err(errs
            .into_iter()
            .next()
            .unwrap_or_else(|| CloudError::new("InvalidParameter", "invalid request")));
    };
    // A06: single-ISP lines need the account's whitelist.
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
    // A08: Anti-DDoS (Enhanced) needs Anti-DDoS Origin on the account.
    if allocation::protection_edition(&req.protection) == "AntiDDoS_Enhanced"
        && !account::flag(ctx, "anti_ddos_origin")?
    {
        return Err(CloudError::new(
            "OperationDenied.NotOpenDdosOriginProtectService",
            "Anti-DDoS Origin (pay-as-you-go) is not activated for this account; activate it before allocating an Anti-DDoS (Enhanced) EIP",
        )
        .rule("A08"));
    }
    if let Some(rg) = optional(p, "ResourceGroupId") {
        account::check_resource_group(ctx, rg)?;
    }
    let pool = match req.pool_id {
        Some(id) => Some(check_pool(ctx, id, region, c.isp, &req.protection)?),
        None => None,
    };
    if c.billing == Billing::PostPaid {
        take_quota(ctx)?;
    }
    let (id, ip, pool_id) = if recovery {
        let rel = recovery::check(
            ctx,
            &recovery::RecoveryAsk {
                ip: ask_ip,
                allocation_id: ask_id,
                region,
                pool_id: req.pool_id,
            },
        )?;
        let id = if ctx.get(&rel.allocation_id)?.is_none() && rel.allocation_id.starts_with("eip-")
        {
            rel.allocation_id.clone()
        } else {
            ctx.new_id("eip-")?
        };
        addresses::take(ctx, rel.ip, region, &id, "eip")?;
        addresses::forget_release(ctx, rel.ip)?;
        recovery::record(ctx, rel.ip, &id)?;
        let pool_id = addresses::reserved_owner(ctx, rel.ip)?.filter(|o| o.starts_with("pippool-"));
        (id, rel.ip, pool_id.unwrap_or_default())
    } else {
        let id = ctx.new_id("eip-")?;
        let ip = match &pool {
            Some(pool) => {
                let blocks = super::pool::blocks(ctx, &pool.id)?;
                addresses::allocate_in(ctx, &blocks, region, &id)?.ok_or_else(|| {
                    CloudError::new(
                        "ResourceNotEnough.PublicIpAddressPool",
                        format!("IP address pool {} has no free address left", pool.id),
                    )
                    .rule("A09")
                })?
            }
            None => addresses::allocate(ctx, region, c.isp, &id, "eip")?,
        };
        (id, ip, pool.map(|p| p.id).unwrap_or_default())
    };
    let mut eip = new_eip(
        ctx,
        &id,
        ip,
        region,
        c.billing,
        c.metering,
        c.bandwidth,
        c.isp,
    )?;
    let set = |eip: &mut Obj, k: &str, v: Value| {
        eip.attrs.insert(k.to_string(), v);
    };
    set(&mut eip, "Name", json!(req.name.unwrap_or("")));
    set(
        &mut eip,
        "Description",
        json!(req.description.unwrap_or("")),
    );
    set(&mut eip, "PublicIpAddressPoolId", json!(pool_id));
    set(&mut eip, "Zone", json!(req.zone.unwrap_or("")));
    if let Some(rg) = optional(p, "ResourceGroupId") {
        set(&mut eip, "ResourceGroupId", json!(rg));
    }
    let editions: Vec<&String> = req.protection.iter().filter(|t| !t.is_empty()).collect();
    set(
        &mut eip,
        "SecurityProtectionTypes",
        json!({"SecurityProtectionType": editions}),
    );
    if c.billing == Billing::PrePaid {
        let period = req.period.and_then(|v| v.parse::<i64>().ok()).unwrap_or(1);
        let cycle = req.pricing_cycle.unwrap_or("Month");
        set(&mut eip, "ExpiredTime", json!(expiry(ctx, period, cycle)?));
        set(
            &mut eip,
            "_AutoPay",
            json!(req.auto_pay.unwrap_or("false") == "true"),
        );
    }
    eip.client_token = fresh_token(ctx, "eip", p)?;
    ctx.insert(&eip)?;
    let mut out = json!({"AllocationId": id});
    if c.billing == Billing::PrePaid {
        out["OrderId"] = json!(format!(
            "{}",
            200_000_000_000u64 + ctx.bump("order", 1)? as u64
        ));
    } else {
        out["EipAddress"] = json!(ip.to_string());
        out["ResourceGroupId"] = eip.attrs["ResourceGroupId"].clone();
    }
    Ok(answer(out))
}

fn page(p: &Params, max: i64, default: i64) -> Result<(i64, i64), CloudError> {
    let num = optional(p, "PageNumber")
        .map(|v| v.parse::<i64>().ok().filter(|n| *n >= 1))
        .unwrap_or(Some(1));
    let size = optional(p, "PageSize")
        .map(|v| v.parse::<i64>().ok().filter(|n| (1..=max).contains(n)))
        .unwrap_or(Some(default));
    match (num, size) {
        (Some(n), Some(s)) => Ok((n, s)),
        _ => Err(CloudError::new(
            "InvalidParameter",
            format!("PageNumber must be at least 1 and PageSize 1-{max}"),
        )),
    }
}

/// Paging of `DescribeX` calls: `(PageNumber, PageSize)`.
pub fn paging(p: &Params, max: i64, default: i64) -> Result<(i64, i64), CloudError> {
    page(p, max, default)
}

/// The tags of an object as `(key, value)` pairs.
pub fn tags_of(o: &Obj) -> Vec<(String, String)> {
    o.attrs
        .get("Tags")
        .and_then(|t| t.get("Tag"))
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .map(|t| {
                    let s = |k: &str| t.get(k).and_then(Value::as_str).unwrap_or("").to_string();
                    (s("Key"), s("Value"))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// `Tag.N.Key`/`Tag.N.Value` filters.
pub fn tag_params(p: &Params) -> Vec<(String, String)> {
    (1..)
        .map_while(|i| {
            let key = p.get(&format!("Tag.{i}.Key"))?;
            Some((
                key.clone(),
                p.get(&format!("Tag.{i}.Value"))
                    .cloned()
                    .unwrap_or_default(),
            ))
        })
        .collect()
}

/// DescribeEipAddresses.
pub fn describe(ctx: &mut Ctx<'_>, p: &Params) -> Result<Value, CloudError> {
    let region = region(p)?;
    let (num, size) = page(p, 100, 10)?;
    let ids = multi(p, "AllocationId");
    let ips = multi(p, "EipAddress");
    for (name, list) in [("AllocationId", &ids), ("EipAddress", &ips)] {
        if list.len() > 50 {
            return Err(CloudError::new(
                "InvalidParameter",
                format!(
                    "{name} takes at most 50 comma-separated values, got {}",
                    list.len()
                ),
            ));
        }
    }
    let charge = optional(p, "ChargeType");
    if let Some(c) = charge.filter(|c| !matches!(*c, "PostPaid" | "PrePaid")) {
        return Err(CloudError::new(
            "InvalidChargeType.ValueNotSupported",
            format!("ChargeType {c:?} is not PostPaid or PrePaid"),
        ));
    }
    if let Some(t) =
        optional(p, "AssociatedInstanceType").filter(|t| !associations::INSTANCE_TYPES.contains(t))
    {
        return Err(CloudError::new(
            "InvalidIAssociatedInstanceType.ValueNotSupported",
            format!("AssociatedInstanceType {t:?} is not supported"),
        ));
    }
    // No filter but the region: page in SQL (the region index), without loading every EIP.
    let filters = [
        "Status",
        "AssociatedInstanceId",
        "AssociatedInstanceType",
        "SegmentInstanceId",
        "PublicIpAddressPoolId",
        "ResourceGroupId",
        "ISP",
        "ChargeType",
        "EipName",
        "LockReason",
        "Tag.1.Key",
    ];
    if ids.is_empty() && ips.is_empty() && filters.iter().all(|f| optional(p, f).is_none()) {
        let filter = "type = 'eip' AND region = ?1";
        let total = ctx.count(filter, &[&region])?;
        let page = ctx.select_page(filter, &[&region], size, (num - 1).saturating_mul(size))?;
        let items: Vec<Value> = page.into_iter().map(into_answer).collect();
        return Ok(answer(with_list(
            json!({"TotalCount": total, "PageNumber": num, "PageSize": size}),
            &["EipAddresses", "EipAddress"],
            items,
        )));
    }
    // Candidates through the most selective index, then every filter.
    let mut found: Vec<Obj> = if !ids.is_empty() {
        let mut v = Vec::new();
        for id in &ids {
            if let Some(o) = ctx.get_kind(id, "eip")? {
                v.push(o);
            }
        }
        v
    } else if !ips.is_empty() {
        let mut v = Vec::new();
        for ip in &ips {
            let Ok(addr) = ip.parse::<Ipv4Addr>() else {
                continue;
            };
            if let Some((owner, _)) = addresses::holder(ctx, addr)?
                && let Some(o) = ctx.get_kind(&owner, "eip")?
            {
                v.push(o);
            }
        }
        v
    } else if let Some(inst) = optional(p, "AssociatedInstanceId") {
        associations::eips_on(ctx, inst)?
    } else if let Some(sg) = optional(p, "SegmentInstanceId") {
        ctx.select(store::EIP_GROUPED, &[&sg])?
    } else if let Some(pool) = optional(p, "PublicIpAddressPoolId") {
        ctx.select(store::EIP_POOLED, &[&pool])?
    } else {
        ctx.list("eip", Some(region))?
    };
    let eq = |o: &Obj, key: &str, param: &str| optional(p, param).is_none_or(|v| o.str(key) == v);
    let tags = tag_params(p);
    found.retain(|o| {
        o.region == region
            && (ips.is_empty() || ips.iter().any(|ip| ip == o.str("IpAddress")))
            && optional(p, "Status").is_none_or(|s| o.status == s)
            && eq(o, "InstanceId", "AssociatedInstanceId")
            && eq(o, "InstanceType", "AssociatedInstanceType")
            && eq(o, "SegmentInstanceId", "SegmentInstanceId")
            && eq(o, "PublicIpAddressPoolId", "PublicIpAddressPoolId")
            && eq(o, "ResourceGroupId", "ResourceGroupId")
            && eq(o, "ISP", "ISP")
            && eq(o, "ChargeType", "ChargeType")
            && eq(o, "Name", "EipName")
            && optional(p, "LockReason").is_none()
            && {
                let have = tags_of(o);
                tags.iter().all(|t| have.contains(t))
            }
    });
    let total = found.len() as i64;
    let items: Vec<Value> = found
        .into_iter()
        .skip((num - 1).saturating_mul(size) as usize)
        .take(size as usize)
        .map(into_answer)
        .collect();
    Ok(answer(with_list(
        json!({"TotalCount": total, "PageNumber": num, "PageSize": size}),
        &["EipAddresses", "EipAddress"],
        items,
    )))
}

/// ModifyEipAddressAttribute: Bandwidth (A04, G04 for group members), Name, Description (A10).
pub fn modify(ctx: &mut Ctx<'_>, p: &Params) -> Result<Value, CloudError> {
    let region = region(p)?;
    let mut eip = load(ctx, required(p, "AllocationId")?, region)?;
    release::check_not_transitional(&eip, "ModifyEipAddressAttribute")?;
    if let Some(bw) = optional(p, "Bandwidth") {
        let n = if eip.str("SegmentInstanceId").is_empty() {
            let billing = allocation::billing(Some(eip.str("ChargeType")))?;
            let metering = eip.str("InternetChargeType").to_string();
            let range = allocation::bandwidth_range(billing, &metering);
            allocation::bandwidth(
                Some(bw),
                range,
                &format!("a {} {metering} EIP", billing.api()),
                "A04",
            )?
        } else {
            allocation::bandwidth(
                Some(bw),
                super::rules::groups::BANDWIDTH_RANGE,
                "a member of a contiguous EIP group",
                "G04",
            )?
        };
        eip.attrs.insert("Bandwidth".into(), json!(n.to_string()));
    }
    if let Some(name) = p.get("Name") {
        if !name.is_empty() {
            allocation::name(Some(name), "A10")?;
        }
        eip.attrs.insert("Name".into(), json!(name));
    }
    if let Some(desc) = p.get("Description") {
        if !desc.is_empty() {
            allocation::description(Some(desc), "A10")?;
        }
        eip.attrs.insert("Description".into(), json!(desc));
    }
    ctx.update(&eip)?;
    Ok(answer(json!({})))
}

/// DeletionProtection (Type EIP); `None` for other types.
pub fn deletion_protection(ctx: &mut Ctx<'_>, p: &Params) -> Option<Result<Value, CloudError>> {
    if !optional(p, "Type").is_some_and(|t| t.eq_ignore_ascii_case("EIP")) {
        return None;
    }
    Some((|| {
        let region = region(p)?;
        let id = required(p, "InstanceId")?;
        let mut eip = ctx
            .get_kind(id, "eip")?
            .filter(|o| o.region == region)
            .ok_or_else(|| {
                CloudError::new(
                    "DeletionProtection.ResourceNotExist",
                    format!("EIP {id} does not exist"),
                )
            })?;
        release::check_not_transitional(&eip, "DeletionProtection")?;
        let enable = match required(p, "ProtectionEnable")? {
            "true" => true,
            "false" => false,
            other => {
                return Err(CloudError::new(
                    "InvalidParameter",
                    format!("ProtectionEnable {other:?} is not true or false"),
                ));
            }
        };
        if enable && eip.str("ChargeType") == "PrePaid" {
            return Err(CloudError::new(
                "DeletionProtection.PrePaidNotSupport",
                format!(
                    "EIP {id} is a subscription EIP; deletion protection applies to pay-as-you-go EIPs"
                ),
            ));
        }
        eip.attrs.insert("DeletionProtection".into(), json!(enable));
        ctx.update(&eip)?;
        Ok(answer(json!({})))
    })())
}

/// ModifyEipForwardMode (S07 when the EIP is on an ENI).
pub fn forward_mode(ctx: &mut Ctx<'_>, p: &Params) -> Result<Value, CloudError> {
    let region = region(p)?;
    let mut eip = load(ctx, required(p, "InstanceId")?, region)?;
    let mode = required(p, "Mode")?;
    associations::check_request(&associations::AssocRequest {
        instance_id: "",
        mode: Some(mode),
        instance_type: Some("NetworkInterface"),
        ..Default::default()
    })?;
    release::check_not_transitional(&eip, "ModifyEipForwardMode")?;
    match eip.str("InstanceType") {
        "" => {}
        "NetworkInterface" => {
            let eni_id = eip.str("InstanceId").to_string();
            let on = associations::eips_on(ctx, &eni_id)?;
            associations::check_mode_change(ctx, &eip, &eni_id, mode, &on)?;
        }
        other if mode != "NAT" => {
            return Err(CloudError::new(
                "Mode.NotSupport",
                format!(
                    "EIP {} is associated with a {other}; BINDED and MULTI_BINDED modes apply to secondary ENIs only",
                    eip.id
                ),
            )
            .rule("S07"));
        }
        _ => {}
    }
    eip.attrs.insert("Mode".into(), json!(mode));
    ctx.update(&eip)?;
    Ok(answer(json!({})))
}

/// SetHighDefinitionMonitorLogStatus (InstanceType EIP).
pub fn set_hd_monitor(ctx: &mut Ctx<'_>, p: &Params) -> Result<Value, CloudError> {
    let region = region(p)?;
    let mut eip = load(ctx, required(p, "InstanceId")?, region)?;
    release::check_not_transitional(&eip, "SetHighDefinitionMonitorLogStatus")?;
    let status = required(p, "Status")?;
    if !matches!(status, "ON" | "OFF") {
        return Err(CloudError::new(
            "InvalidParameter",
            format!("Status {status:?} is not ON or OFF"),
        ));
    }
    let (project, store) = if status == "ON" {
        (required(p, "LogProject")?, required(p, "LogStore")?)
    } else {
        ("", "")
    };
    eip.attrs.insert("HDMonitorStatus".into(), json!(status));
    eip.attrs.insert("_LogProject".into(), json!(project));
    eip.attrs.insert("_LogStore".into(), json!(store));
    ctx.update(&eip)?;
    Ok(answer(json!({})))
}

/// DescribeHighDefinitionMonitorLogAttribute.
pub fn describe_hd_monitor(ctx: &mut Ctx<'_>, p: &Params) -> Result<Value, CloudError> {
    let region = region(p)?;
    let eip = load(ctx, required(p, "InstanceId")?, region)?;
    Ok(answer(json!({
        "InstanceId": eip.id,
        "InstanceType": "EIP",
        "Status": eip.str("HDMonitorStatus"),
        "LogProject": eip.str("_LogProject"),
        "LogStore": eip.str("_LogStore"),
    })))
}

/// ModifyInstanceChargeType for EIP ids (D06); `None` when the ids are not EIPs.
pub fn modify_charge_type(ctx: &mut Ctx<'_>, p: &Params) -> Option<Result<Value, CloudError>> {
    let mut ids = multi(p, "InstanceIds");
    ids.extend(multi(p, "InstanceId"));
    if ids.is_empty() || !ids.iter().all(|i| i.starts_with("eip-")) {
        return None;
    }
    Some((|| {
        let region = region(p)?;
        let target = optional(p, "InstanceChargeType").unwrap_or("PrePaid");
        let cycle = optional(p, "PricingCycle").or_else(|| optional(p, "PeriodUnit"));
        allocation::subscription(
            Billing::PrePaid,
            Some(optional(p, "Period").unwrap_or("1")),
            cycle,
            optional(p, "AutoPay"),
            3,
        )?;
        let period = optional(p, "Period")
            .and_then(|v| v.parse::<i64>().ok())
            .unwrap_or(1);
        for id in &ids {
            let mut eip = load(ctx, id, region)?;
            release::check_not_transitional(&eip, "ModifyInstanceChargeType")?;
            release::check_charge_change(&eip, target)?;
            if eip.str("ChargeType") == target {
                continue;
            }
            eip.attrs.insert("ChargeType".into(), json!("PrePaid"));
            eip.attrs.insert(
                "ExpiredTime".into(),
                json!(expiry(ctx, period, cycle.unwrap_or("Month"))?),
            );
            eip.attrs.insert("DeletionProtection".into(), json!(false));
            ctx.update(&eip)?;
            ctx.add(POSTPAID_COUNTER, -1)?;
        }
        Ok(answer(
            json!({"OrderId": format!("{}", 200_000_000_000u64 + ctx.bump("order", 1)? as u64)}),
        ))
    })())
}

/// Releases `eip` (checks done): frees the address and remembers it for recovery.
pub fn release_now(ctx: &Ctx<'_>, eip: &Obj) -> Result<(), CloudError> {
    let ip: Option<Ipv4Addr> = eip.str("IpAddress").parse().ok();
    if let Some(ip) = ip {
        addresses::free(ctx, ip)?;
        addresses::remember_release(
            ctx,
            ip,
            &eip.id,
            &eip.region,
            addresses::origin::EIP,
            eip.str("ISP"),
            eip.str("PublicIpAddressPoolId"),
        )?;
    }
    if eip.str("ChargeType") == "PostPaid" && eip.str("SegmentInstanceId").is_empty() {
        ctx.add(POSTPAID_COUNTER, -1)?;
    }
    ctx.delete(&eip.id)
}

/// ReleaseEipAddress (G05, D02, D03, D04, D07).
pub fn release(ctx: &mut Ctx<'_>, p: &Params) -> Result<Value, CloudError> {
    let region = region(p)?;
    let eip = load(ctx, required(p, "AllocationId")?, region)?;
    release::check_release(&eip)?;
    release_now(ctx, &eip)?;
    Ok(answer(json!({})))
}
