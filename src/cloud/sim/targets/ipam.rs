//! Private IP bookkeeping inside vSwitches: which addresses of a vSwitch's CIDR block are taken,
//! by whom, and which free address comes next.
//!
//! Each taken address is an object of kind `private_ip` with id `ip:<vswitch id>:<address>`, so a
//! lookup is one primary-key read; the vSwitch keeps a cursor (`NextIpOffset`) and its
//! `AvailableIpAddressCount`. As in Alibaba Cloud, the first address and the last three of each
//! vSwitch CIDR block are reserved.

use std::net::Ipv4Addr;

use ipnet::Ipv4Net;
use serde_json::{Value, json};

use crate::cloud::CloudError;
use crate::cloud::sim::{Ctx, Obj};

const KIND: &str = "private_ip";

fn key(vswitch_id: &str, ip: &str) -> String {
    format!("ip:{vswitch_id}:{ip}")
}

/// The usable offsets `[first, last]` of a vSwitch block (first address and last three reserved).
fn usable(net: &Ipv4Net) -> Option<(u32, u32)> {
    let size = 1u64 << (32 - net.prefix_len());
    if size < 8 {
        return None;
    }
    Some((1, (size - 4) as u32))
}

/// How many addresses of `cidr` a vSwitch can hand out.
pub fn capacity(cidr: &str) -> i64 {
    cidr.parse::<Ipv4Net>()
        .ok()
        .and_then(|n| usable(&n))
        .map(|(a, b)| i64::from(b - a + 1))
        .unwrap_or(0)
}

fn vswitch(ctx: &Ctx<'_>, vswitch_id: &str) -> Result<(Obj, Ipv4Net), CloudError> {
    let vsw = ctx.get_kind(vswitch_id, "vswitch")?.ok_or_else(|| {
        CloudError::not_found(
            "InvalidVSwitchId.NotFound",
            format!("The specified vSwitch {vswitch_id:?} does not exist."),
        )
    })?;
    let net = vsw.str("CidrBlock").parse::<Ipv4Net>().map_err(|_| {
        CloudError::new(
            "InternalError",
            format!("vSwitch {vswitch_id} has no valid CIDR block"),
        )
        .status(500)
    })?;
    Ok((vsw, net))
}

fn adjust_available(
    ctx: &Ctx<'_>,
    mut vsw: Obj,
    delta: i64,
    cursor: Option<u32>,
) -> Result<(), CloudError> {
    let n = vsw
        .attrs
        .get("AvailableIpAddressCount")
        .and_then(Value::as_i64)
        .unwrap_or(0);
    vsw.attrs
        .insert("AvailableIpAddressCount".into(), json!((n + delta).max(0)));
    if let Some(c) = cursor {
        vsw.attrs.insert("NextIpOffset".into(), json!(c));
    }
    ctx.update(&vsw)
}

fn take(ctx: &Ctx<'_>, vsw: &Obj, ip: &str, owner: &str) -> Result<(), CloudError> {
    let mut attrs = serde_json::Map::new();
    attrs.insert("IpAddress".into(), json!(ip));
    attrs.insert("VSwitchId".into(), json!(vsw.id));
    attrs.insert("Owner".into(), json!(owner));
    ctx.insert(&Obj {
        id: key(&vsw.id, ip),
        kind: KIND.into(),
        region: vsw.region.clone(),
        status: "InUse".into(),
        attrs,
        created_at: vsw.created_at.clone(),
        client_token: None,
    })
}

/// Takes the specific address `ip` of `vswitch_id` for `owner`.
pub fn reserve(ctx: &Ctx<'_>, vswitch_id: &str, ip: &str, owner: &str) -> Result<(), CloudError> {
    let (vsw, net) = vswitch(ctx, vswitch_id)?;
    let addr: Ipv4Addr = ip.trim().parse().map_err(|_| {
        CloudError::new(
            "InvalidPrivateIpAddress.Malformed",
            format!("Specified private IP address {ip:?} is not a valid IPv4 address."),
        )
    })?;
    let offset = u32::from(addr).wrapping_sub(u32::from(net.network()));
    let in_range =
        net.contains(&addr) && usable(&net).is_some_and(|(a, b)| (a..=b).contains(&offset));
    if !in_range {
        return Err(CloudError::new(
            "InvalidPrivateIpAddress",
            format!(
                "Specified private IP address {ip} is not in the usable range of vSwitch {vswitch_id} ({}; the first and the last three addresses are reserved).",
                vsw.str("CidrBlock")
            ),
        ));
    }
    let ip = addr.to_string();
    if let Some(taken) = ctx.get(&key(vswitch_id, &ip))? {
        return Err(CloudError::new(
            "InvalidPrivateIpAddress.Duplicated",
            format!(
                "Specified private IP address {ip} is already in use by {}.",
                taken.str("Owner")
            ),
        ));
    }
    take(ctx, &vsw, &ip, owner)?;
    adjust_available(ctx, vsw, -1, None)
}

/// Takes the next free address of `vswitch_id` for `owner`.
pub fn allocate(ctx: &Ctx<'_>, vswitch_id: &str, owner: &str) -> Result<String, CloudError> {
    let (vsw, net) = vswitch(ctx, vswitch_id)?;
    let exhausted = || {
        CloudError::new(
            "InvalidVSwitchId.IpNotEnough",
            format!("The specified vSwitch {vswitch_id} has no free private IP address."),
        )
    };
    let (first, last) = usable(&net).ok_or_else(exhausted)?;
    let span = last - first + 1;
    let start = vsw
        .attrs
        .get("NextIpOffset")
        .and_then(Value::as_u64)
        .map(|c| c as u32)
        .filter(|c| (first..=last).contains(c))
        .unwrap_or(first);
    let base = u32::from(net.network());
    for step in 0..span {
        let offset = first + (start - first + step) % span;
        let ip = Ipv4Addr::from(base + offset).to_string();
        if ctx.get(&key(vswitch_id, &ip))?.is_none() {
            take(ctx, &vsw, &ip, owner)?;
            let next = if offset >= last { first } else { offset + 1 };
            adjust_available(ctx, vsw, -1, Some(next))?;
            return Ok(ip);
        }
    }
    Err(exhausted())
}

/// Gives `ip` back to `vswitch_id` (no-op when it was not taken).
pub fn release(ctx: &Ctx<'_>, vswitch_id: &str, ip: &str) -> Result<(), CloudError> {
    let id = key(vswitch_id, ip);
    if ctx.get(&id)?.is_none() {
        return Ok(());
    }
    ctx.delete(&id)?;
    if let Some(vsw) = ctx.get_kind(vswitch_id, "vswitch")? {
        adjust_available(ctx, vsw, 1, None)?;
    }
    Ok(())
}

/// Whether `ip` lies inside the CIDR block `cidr`.
pub fn contains(cidr: &str, ip: &str) -> bool {
    match (cidr.parse::<Ipv4Net>(), ip.parse::<Ipv4Addr>()) {
        (Ok(net), Ok(addr)) => net.contains(&addr),
        _ => false,
    }
}
