//! IP address pools: `CreatePublicIpAddressPool`, `ListPublicIpAddressPools`,
//! `UpdatePublicIpAddressPoolAttribute`, `DeletePublicIpAddressPool`,
//! `AddPublicIpAddressPoolCidrBlock`, `ListPublicIpAddressPoolCidrBlocks`,
//! `DeletePublicIpAddressPoolCidrBlock`.
//!
//! A pool has kind `pool`; each CIDR block has kind `pool_cidr` and id `<pool id>:<cidr>` (so a
//! pool's blocks are an id-range lookup) and reserves its addresses in `reserved`. Rules: P01-P03
//! (`rules/pools.rs`), A06/A08 for the pool's line and protection, A11 for its resource group.

use ipnet::Ipv4Net;
use serde_json::{Value, json};

use super::eip::{answer, multi, region, tag_params, tags_of};
use super::rules::pools::{self as rules, CidrAsk};
use super::rules::{allocation, pool_protection};
use super::{Ctx, Obj, account, addresses, clock, regions};
use crate::cloud::{CloudError, Params, optional, repeated, required};

/// The CIDR blocks of pool `pool_id`, in id order.
pub fn blocks(ctx: &Ctx<'_>, pool_id: &str) -> Result<Vec<Ipv4Net>, CloudError> {
    Ok(block_objects(ctx, pool_id)?
        .iter()
        .filter_map(|b| b.str("CidrBlock").parse().ok())
        .collect())
}

fn block_objects(ctx: &Ctx<'_>, pool_id: &str) -> Result<Vec<Obj>, CloudError> {
    let lo = format!("{pool_id}:");
    let hi = format!("{pool_id};");
    ctx.select("type = 'pool_cidr' AND id > ?1 AND id < ?2", &[&lo, &hi])
}

/// The pool's security protection types.
pub fn protection_types(pool: &Obj) -> Vec<String> {
    pool.attrs
        .get("SecurityProtectionTypes")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

fn pool_not_found(id: &str) -> CloudError {
    CloudError::new(
        "ResourceNotFound.PublicIpAddressPool",
        format!("IP address pool {id} does not exist"),
    )
    .status(404)
}

fn load(ctx: &Ctx<'_>, id: &str, region: &str) -> Result<Obj, CloudError> {
    ctx.get_kind(id, "pool")?
        .filter(|p| p.region == region)
        .ok_or_else(|| pool_not_found(id))
}

fn privilege(ctx: &Ctx<'_>) -> Result<(), CloudError> {
    // P01: pools need the account's pool privilege.
    if !account::flag(ctx, "pool_privilege")? {
        return Err(rules::not_opened("P01"));
    }
    Ok(())
}

fn counts(ctx: &Ctx<'_>, net: &Ipv4Net) -> Result<(i64, i64), CloudError> {
    let total = 1i64 << (32 - i64::from(net.prefix_len()));
    Ok((total, addresses::held_in(ctx, net)?))
}

fn present(ctx: &Ctx<'_>, pool: &Obj) -> Result<Value, CloudError> {
    let (mut total, mut used) = (0, 0);
    for b in blocks(ctx, &pool.id)? {
        let (t, u) = counts(ctx, &b)?;
        total += t;
        used += u;
    }
    let mut out = pool.attrs.clone();
    out.insert("Status".into(), json!(pool.status));
    out.insert("RegionId".into(), json!(pool.region));
    out.insert("TotalIpNum".into(), json!(total));
    out.insert("UsedIpNum".into(), json!(used));
    out.insert("IpAddressRemaining".into(), json!(used < total));
    let tags: Vec<Value> = tags_of(pool)
        .into_iter()
        .map(|(k, v)| json!({"Key": k, "Value": v}))
        .collect();
    out.insert("Tags".into(), json!(tags));
    Ok(Value::Object(out))
}

/// CreatePublicIpAddressPool (P01, A06, A08, A10, A11).
pub fn create(ctx: &mut Ctx<'_>, p: &Params) -> Result<Value, CloudError> {
    let region = region(p)?;
    privilege(ctx)?;
    let isp = allocation::isp(
        optional(p, "Isp").or_else(|| optional(p, "ISP")),
        region,
        allocation::Billing::PostPaid,
    )?;
    if regions::needs_whitelist(isp) && !account::flag(ctx, "single_isp_whitelist")? {
        return Err(CloudError::new(
            "IllegalParam.Isp",
            format!("line type {isp} is available only to accounts on the single-ISP whitelist"),
        )
        .rule("A06"));
    }
    let protection: Vec<String> = repeated(p, "SecurityProtectionTypes")
        .into_iter()
        .filter(|t| !t.is_empty())
        .collect();
    pool_protection(&protection, region, isp)?;
    allocation::name(optional(p, "Name"), "A10")?;
    allocation::description(optional(p, "Description"), "A10")?;
    let biz = optional(p, "BizType").unwrap_or("Default");
    if !matches!(biz, "Default" | "CloudBox") {
        return Err(CloudError::new(
            "InvalidParameter",
            format!("BizType {biz:?} is not Default or CloudBox"),
        ));
    }
    let rg = match optional(p, "ResourceGroupId") {
        Some(rg) => {
            account::check_resource_group(ctx, rg)?;
            rg.to_string()
        }
        None => account::default_resource_group(ctx)?,
    };
    if ctx.list("pool", Some(region))?.len() >= rules::MAX_POOLS_PER_REGION {
        return Err(CloudError::new(
            "QuotaExceeded.PublicIpAddressPool",
            format!(
                "region {region} already has {} IP address pools, the most a region allows",
                rules::MAX_POOLS_PER_REGION
            ),
        )
        .rule("P01"));
    }
    let id = ctx.new_id("pippool-")?;
    let now = clock::now_str(ctx)?;
    let tags: Vec<Value> = tag_params(p)
        .into_iter()
        .map(|(k, v)| json!({"Key": k, "Value": v}))
        .collect();
    let pool = Obj {
        id: id.clone(),
        kind: "pool".into(),
        region: region.to_string(),
        status: "Created".into(),
        attrs: json!({
            "PublicIpAddressPoolId": id,
            "Name": optional(p, "Name").unwrap_or(""),
            "Description": optional(p, "Description").unwrap_or(""),
            "Isp": isp,
            "BizType": biz,
            "ResourceGroupId": rg,
            "SecurityProtectionTypes": protection,
            "Zones": multi(p, "Zones"),
            "CreationTime": now,
            "BusinessStatus": "Normal",
            "Tags": {"Tag": tags},
        })
        .as_object()
        .cloned()
        .unwrap_or_default(),
        created_at: now,
        client_token: super::eip::fresh_token(ctx, "pool", p)?,
    };
    ctx.insert(&pool)?;
    Ok(answer(
        json!({"PulbicIpAddressPoolId": id, "PublicIpAddressPoolId": id, "ResourceGroupId": rg}),
    ))
}

fn token_page(p: &Params) -> Result<(usize, usize), CloudError> {
    let start = match optional(p, "NextToken") {
        Some(t) => t.parse::<usize>().map_err(|_| {
            CloudError::new("InvalidParameter", format!("NextToken {t:?} is not valid"))
        })?,
        None => 0,
    };
    let max = match optional(p, "MaxResults") {
        Some(m) => m
            .parse::<usize>()
            .ok()
            .filter(|m| (1..=100).contains(m))
            .ok_or_else(|| {
                CloudError::new(
                    "InvalidParameter",
                    format!("MaxResults {m:?} must be 1-100"),
                )
            })?,
        None => 20,
    };
    Ok((start, max))
}

/// ListPublicIpAddressPools.
pub fn list(ctx: &mut Ctx<'_>, p: &Params) -> Result<Value, CloudError> {
    let region = region(p)?;
    let (start, max) = token_page(p)?;
    let ids = multi(p, "PublicIpAddressPoolIds");
    let mut pools = if ids.is_empty() {
        ctx.list("pool", Some(region))?
    } else {
        let mut v = Vec::new();
        for id in &ids {
            v.extend(ctx.get_kind(id, "pool")?.filter(|o| o.region == region));
        }
        v
    };
    let tags = tag_params(p)
        .into_iter()
        .chain((1..).map_while(|i| {
            let k = p.get(&format!("Tags.{i}.Key"))?;
            Some((
                k.clone(),
                p.get(&format!("Tags.{i}.Value"))
                    .cloned()
                    .unwrap_or_default(),
            ))
        }))
        .collect::<Vec<_>>();
    let eq = |o: &Obj, key: &str, param: &str| optional(p, param).is_none_or(|v| o.str(key) == v);
    pools.retain(|o| {
        eq(o, "Name", "Name")
            && eq(o, "Isp", "Isp")
            && eq(o, "ResourceGroupId", "ResourceGroupId")
            && optional(p, "Status").is_none_or(|s| o.status == s)
            && {
                let have = tags_of(o);
                tags.iter().all(|t| have.contains(t))
            }
    });
    let total = pools.len();
    let mut items = Vec::new();
    for pool in pools.iter().skip(start).take(max) {
        items.push(present(ctx, pool)?);
    }
    let next = if start + max < total {
        (start + max).to_string()
    } else {
        String::new()
    };
    Ok(answer(super::eip::with_list(
        json!({"TotalCount": total, "NextToken": next, "MaxResults": max}),
        &["PublicIpAddressPoolList"],
        items,
    )))
}

/// UpdatePublicIpAddressPoolAttribute (Name, Description).
pub fn update(ctx: &mut Ctx<'_>, p: &Params) -> Result<Value, CloudError> {
    let region = region(p)?;
    let mut pool = load(ctx, required(p, "PublicIpAddressPoolId")?, region)?;
    if let Some(name) = p.get("Name") {
        if !name.is_empty() {
            allocation::name(Some(name), "A10")?;
        }
        pool.attrs.insert("Name".into(), json!(name));
    }
    if let Some(desc) = p.get("Description") {
        if !desc.is_empty() {
            allocation::description(Some(desc), "A10")?;
        }
        pool.attrs.insert("Description".into(), json!(desc));
    }
    ctx.update(&pool)?;
    Ok(answer(json!({})))
}

/// DeletePublicIpAddressPool (P03).
pub fn delete(ctx: &mut Ctx<'_>, p: &Params) -> Result<Value, CloudError> {
    let region = region(p)?;
    let pool = load(ctx, required(p, "PublicIpAddressPoolId")?, region)?;
    let mut used = 0;
    for b in blocks(ctx, &pool.id)? {
        used += addresses::held_in(ctx, &b)?;
    }
    rules::in_use(&format!("IP address pool {}", pool.id), used)?;
    for b in block_objects(ctx, &pool.id)? {
        if let Ok(net) = b.str("CidrBlock").parse::<Ipv4Net>() {
            addresses::unreserve(ctx, &net)?;
        }
        ctx.delete(&b.id)?;
    }
    ctx.delete(&pool.id)?;
    Ok(answer(json!({})))
}

/// AddPublicIpAddressPoolCidrBlock (P01 address quota, P02).
pub fn add_cidr(ctx: &mut Ctx<'_>, p: &Params) -> Result<Value, CloudError> {
    let region = region(p)?;
    let pool = load(ctx, required(p, "PublicIpAddressPoolId")?, region)?;
    privilege(ctx)?;
    let ask = rules::cidr_request(optional(p, "CidrBlock"), optional(p, "CidrMask"), region)?;
    let isp = pool.str("Isp").to_string();
    let size = match &ask {
        CidrAsk::Block(net) => 1i64 << (32 - i64::from(net.prefix_len())),
        CidrAsk::Mask(m) => 1i64 << (32 - i64::from(*m)),
    };
    let mut in_region = 0;
    for b in ctx.list("pool_cidr", Some(region))? {
        if let Ok(net) = b.str("CidrBlock").parse::<Ipv4Net>() {
            in_region += 1i64 << (32 - i64::from(net.prefix_len()));
        }
    }
    if in_region + size > rules::MAX_POOL_ADDRESSES_PER_REGION {
        return Err(CloudError::new(
            "QuotaExceeded.PublicIpAddressPool",
            format!(
                "the IP address pools of region {region} hold {in_region} addresses; adding {size} would pass the limit of {} addresses per region",
                rules::MAX_POOL_ADDRESSES_PER_REGION
            ),
        )
        .rule("P01"));
    }
    let net = match ask {
        CidrAsk::Block(net) => {
            rules::fits_pool(&net, region, &isp)?;
            addresses::reserve(ctx, &net, region, &pool.id).map_err(|e| e.rule("P02"))?;
            net
        }
        CidrAsk::Mask(m) => {
            let inv = regions::pool_inventory(region, &isp).ok_or_else(|| {
                CloudError::new(
                    "ResourceNotEnough.PublicIpAddressPool",
                    format!("no CIDR blocks of line type {isp} are available in {region}"),
                )
            })?;
            let from = regions::ip_to_int(inv.network());
            addresses::reserve_aligned_in(ctx, &inv, from, m, region, &pool.id)?.ok_or_else(
                || {
                    CloudError::new(
                        "ResourceNotEnough.PublicIpAddressPool",
                        format!("no free /{m} CIDR block of line type {isp} is left in {region}"),
                    )
                },
            )?
        }
    };
    let now = clock::now_str(ctx)?;
    let block = Obj {
        id: format!("{}:{net}", pool.id),
        kind: "pool_cidr".into(),
        region: region.to_string(),
        status: "Created".into(),
        attrs: json!({
            "PublicIpAddressPoolId": pool.id,
            "CidrBlock": net.to_string(),
            "CreationTime": now,
        })
        .as_object()
        .cloned()
        .unwrap_or_default(),
        created_at: now,
        client_token: None,
    };
    ctx.insert(&block)?;
    Ok(answer(json!({"CidrBlock": net.to_string()})))
}

/// ListPublicIpAddressPoolCidrBlocks.
pub fn list_cidrs(ctx: &mut Ctx<'_>, p: &Params) -> Result<Value, CloudError> {
    let region = region(p)?;
    let pool = load(ctx, required(p, "PublicIpAddressPoolId")?, region)?;
    let (start, max) = token_page(p)?;
    let mut found = block_objects(ctx, &pool.id)?;
    if let Some(c) = optional(p, "CidrBlock") {
        found.retain(|b| b.str("CidrBlock") == c);
    }
    let mut items = Vec::new();
    for b in found.iter().skip(start).take(max) {
        let net: Option<Ipv4Net> = b.str("CidrBlock").parse().ok();
        let (total, used) = match net {
            Some(n) => counts(ctx, &n)?,
            None => (0, 0),
        };
        let mut out = b.attrs.clone();
        out.insert("Status".into(), json!(b.status));
        out.insert("TotalIpNum".into(), json!(total));
        out.insert("UsedIpNum".into(), json!(used));
        items.push(Value::Object(out));
    }
    let next = if start + max < found.len() {
        (start + max).to_string()
    } else {
        String::new()
    };
    Ok(answer(super::eip::with_list(
        json!({"TotalCount": found.len(), "NextToken": next, "MaxResults": max}),
        &["PublicIpPoolCidrBlockList"],
        items,
    )))
}

/// DeletePublicIpAddressPoolCidrBlock (P03).
pub fn delete_cidr(ctx: &mut Ctx<'_>, p: &Params) -> Result<Value, CloudError> {
    let region = region(p)?;
    let pool = load(ctx, required(p, "PublicIpAddressPoolId")?, region)?;
    let cidr = required(p, "CidrBlock")?;
    let id = format!("{}:{cidr}", pool.id);
    let block = ctx.get_kind(&id, "pool_cidr")?.ok_or_else(|| {
        CloudError::new(
            "ResourceNotFound.CidrBlock",
            format!("IP address pool {} has no CIDR block {cidr}", pool.id),
        )
        .status(404)
    })?;
    if let Ok(net) = block.str("CidrBlock").parse::<Ipv4Net>() {
        rules::in_use(
            &format!("CIDR block {net} of IP address pool {}", pool.id),
            addresses::held_in(ctx, &net)?,
        )?;
        addresses::unreserve(ctx, &net)?;
    }
    ctx.delete(&id)?;
    Ok(answer(json!({})))
}
