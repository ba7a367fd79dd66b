//! Elastic network interfaces: `CreateNetworkInterface`, `DescribeNetworkInterfaces`,
//! `AttachNetworkInterface`, `DetachNetworkInterface`, `AssignPrivateIpAddresses`,
//! `UnassignPrivateIpAddresses`, `ModifyNetworkInterfaceAttribute`, `DeleteNetworkInterface`.
//!
//! Object kind `eni` {NetworkInterfaceId, VpcId, VSwitchId, ZoneId, PrimaryIpAddress,
//! PrivateIpSets (every private IP, primary first), InstanceId ("" when detached), Type
//! ("Primary"/"Secondary"), SecurityGroupIds, ...}; status `Available` (detached) or `InUse`.
//! An instance's primary interface is made by `RunInstances` through [`create_eni`].

use serde_json::{Map, Value, json};

use super::common::{self, copy_params, int, new_obj, ok, region, replay};
use super::{catalog, ipam, security_group, vswitch};
use crate::cloud::sim::{Ctx, Obj};
use crate::cloud::{CloudError, Params, optional, repeated, required};

pub const KIND: &str = "eni";

/// At most this many private IPs on one interface.
const MAX_PRIVATE_IPS: usize = 50;

pub fn get(ctx: &Ctx<'_>, region: &str, id: &str) -> Result<Obj, CloudError> {
    common::must_get(
        ctx,
        KIND,
        region,
        id,
        "InvalidEniId.NotFound",
        "network interface",
    )
}

/// Every private IP of `eni`, primary first.
pub fn private_ips(eni: &Obj) -> Vec<String> {
    eni.attrs
        .get("PrivateIpSets")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

pub fn security_groups(obj: &Obj) -> Vec<String> {
    obj.attrs
        .get("SecurityGroupIds")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// What a new interface needs.
pub struct EniSpec<'a> {
    pub vswitch: &'a Obj,
    pub security_groups: Vec<String>,
    pub primary_ip: Option<String>,
    pub secondary_ips: Vec<String>,
    pub secondary_count: usize,
    pub eni_type: &'static str,
    pub instance_id: String,
}

fn mac_for(id: &str) -> String {
    let h = id.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    });
    format!(
        "00:16:3e:{:02x}:{:02x}:{:02x}",
        (h >> 16) & 0xff,
        (h >> 8) & 0xff,
        h & 0xff
    )
}

/// Creates (and inserts) an interface in `spec.vswitch`, taking its private IPs.
pub fn create_eni(
    ctx: &Ctx<'_>,
    region: &str,
    spec: EniSpec<'_>,
    params: &Params,
) -> Result<Obj, CloudError> {
    let vsw = spec.vswitch;
    security_group::check_groups(ctx, region, &spec.security_groups, vsw.str("VpcId"))?;
    if 1 + spec.secondary_ips.len() + spec.secondary_count > MAX_PRIVATE_IPS {
        return Err(CloudError::new(
            "InvalidParameter.PrivateIpCount",
            format!("A network interface holds at most {MAX_PRIVATE_IPS} private IP addresses."),
        ));
    }
    let id = ctx.new_id("eni-")?;
    let primary = match &spec.primary_ip {
        Some(ip) => {
            ipam::reserve(ctx, &vsw.id, ip, &id)?;
            ip.trim().to_string()
        }
        None => ipam::allocate(ctx, &vsw.id, &id)?,
    };
    let mut ips = vec![primary.clone()];
    for ip in &spec.secondary_ips {
        ipam::reserve(ctx, &vsw.id, ip, &id)?;
        ips.push(ip.trim().to_string());
    }
    for _ in 0..spec.secondary_count {
        ips.push(ipam::allocate(ctx, &vsw.id, &id)?);
    }
    security_group::count_refs(ctx, &spec.security_groups, 1)?;
    let mut attrs = Map::new();
    attrs.insert("NetworkInterfaceId".into(), json!(id));
    attrs.insert("VpcId".into(), json!(vsw.str("VpcId")));
    attrs.insert("VSwitchId".into(), json!(vsw.id));
    attrs.insert("ZoneId".into(), json!(vsw.str("ZoneId")));
    attrs.insert("PrimaryIpAddress".into(), json!(primary));
    attrs.insert("PrivateIpSets".into(), json!(ips));
    attrs.insert("InstanceId".into(), json!(spec.instance_id));
    attrs.insert("Type".into(), json!(spec.eni_type));
    attrs.insert("SecurityGroupIds".into(), json!(spec.security_groups));
    attrs.insert("MacAddress".into(), json!(mac_for(&id)));
    attrs.insert(
        "NetworkInterfaceName".into(),
        json!(optional(params, "NetworkInterfaceName").unwrap_or("")),
    );
    attrs.insert(
        "Description".into(),
        json!(optional(params, "Description").unwrap_or("")),
    );
    attrs.insert(
        "ResourceGroupId".into(),
        json!(catalog::resource_group_param(ctx, params)?),
    );
    attrs.insert(
        "NetworkInterfaceTrafficMode".into(),
        json!(optional(params, "NetworkInterfaceTrafficMode").unwrap_or("Standard")),
    );
    attrs.insert(
        "QueueNumber".into(),
        json!(int(params, "QueueNumber")?.unwrap_or(1)),
    );
    attrs.insert(
        "SourceDestCheck".into(),
        json!(common::flag(params, "SourceDestCheck").unwrap_or(false)),
    );
    attrs.insert(
        "DeleteOnRelease".into(),
        json!(common::flag(params, "DeleteOnRelease").unwrap_or(spec.eni_type == "Primary")),
    );
    attrs.insert(
        "Ipv6Sets".into(),
        json!(ipv6_for(&id, int(params, "Ipv6AddressCount")?.unwrap_or(0))),
    );
    attrs.insert(
        "Tags".into(),
        Value::Object(common::tags_from_params(params)),
    );
    let status = if spec.instance_id.is_empty() {
        "Available"
    } else {
        "InUse"
    };
    let obj = new_obj(ctx, id, KIND, region, status, attrs, params);
    ctx.insert(&obj)?;
    Ok(obj)
}

fn ipv6_for(id: &str, count: i64) -> Vec<String> {
    let h = id
        .bytes()
        .fold(7u32, |h, b| h.wrapping_mul(31).wrapping_add(u32::from(b)))
        & 0xffff;
    (1..=count.clamp(0, 10))
        .map(|i| format!("2408:4000:{h:x}::{i:x}"))
        .collect()
}

/// Deletes `eni` and gives its private IPs back.
pub fn destroy(ctx: &Ctx<'_>, eni: &Obj) -> Result<(), CloudError> {
    for ip in private_ips(eni) {
        ipam::release(ctx, eni.str("VSwitchId"), &ip)?;
    }
    security_group::count_refs(ctx, &security_groups(eni), -1)?;
    ctx.delete(&eni.id)
}

fn group_params(params: &Params) -> Vec<String> {
    let mut groups = repeated(params, "SecurityGroupIds");
    groups.extend(repeated(params, "SecurityGroupId"));
    groups.extend(common::id_list(params, "SecurityGroupId"));
    let mut seen = std::collections::HashSet::new();
    groups.retain(|g| seen.insert(g.clone()));
    groups
}

pub fn create(ctx: &mut Ctx<'_>, params: &Params) -> Result<Value, CloudError> {
    let region = region(params)?;
    if let Some(existing) = replay(ctx, KIND, params)? {
        return Ok(created(&existing));
    }
    let vsw = vswitch::get(ctx, &region, required(params, "VSwitchId")?)?;
    let groups = group_params(params);
    if groups.is_empty() {
        return Err(CloudError::new(
            "MissingParameter",
            "The input parameter \"SecurityGroupId\" that is mandatory for processing this request is not supplied.",
        ));
    }
    let eni_type = match optional(params, "InstanceType") {
        None | Some("Secondary") => "Secondary",
        Some("Trunk") => "Trunk",
        Some(other) => {
            return Err(CloudError::new(
                "InvalidParameter",
                format!("InstanceType must be Secondary or Trunk, not {other:?}."),
            ));
        }
    };
    let count = int(params, "SecondaryPrivateIpAddressCount")?.unwrap_or(0);
    let secondary = repeated(params, "PrivateIpAddress");
    if count > 0 && !secondary.is_empty() {
        return Err(CloudError::new(
            "InvalidParameter.Conflict",
            "PrivateIpAddress.N and SecondaryPrivateIpAddressCount cannot be given together.",
        ));
    }
    let spec = EniSpec {
        vswitch: &vsw,
        security_groups: groups,
        primary_ip: optional(params, "PrimaryIpAddress").map(str::to_string),
        secondary_ips: secondary,
        secondary_count: count.clamp(0, MAX_PRIVATE_IPS as i64) as usize,
        eni_type,
        instance_id: String::new(),
    };
    let obj = create_eni(ctx, &region, spec, params)?;
    Ok(created(&obj))
}

fn created(obj: &Obj) -> Value {
    ok(json!({
        "NetworkInterfaceId": obj.id,
        "Status": obj.status,
        "Type": obj.str("Type"),
        "VpcId": obj.str("VpcId"),
        "VSwitchId": obj.str("VSwitchId"),
        "ZoneId": obj.str("ZoneId"),
        "PrivateIpAddress": obj.str("PrimaryIpAddress"),
        "MacAddress": obj.str("MacAddress"),
        "NetworkInterfaceName": obj.str("NetworkInterfaceName"),
        "ResourceGroupId": obj.str("ResourceGroupId"),
    }))
}

/// The `NetworkInterfaceSet` item of `DescribeNetworkInterfaces`.
pub fn describe_item(obj: &Obj) -> Value {
    let primary = obj.str("PrimaryIpAddress");
    let ip_sets: Vec<Value> = private_ips(obj)
        .iter()
        .map(|ip| json!({"PrivateIpAddress": ip, "Primary": ip == primary, "AssociatedPublicIp": {}}))
        .collect();
    let ipv6: Vec<Value> = obj
        .attrs
        .get("Ipv6Sets")
        .and_then(Value::as_array)
        .map(|a| a.iter().map(|v| json!({"Ipv6Address": v})).collect())
        .unwrap_or_default();
    json!({
        "NetworkInterfaceId": obj.id,
        "Status": obj.status,
        "Type": obj.str("Type"),
        "VpcId": obj.str("VpcId"),
        "VSwitchId": obj.str("VSwitchId"),
        "ZoneId": obj.str("ZoneId"),
        "PrivateIpAddress": primary,
        "MacAddress": obj.str("MacAddress"),
        "NetworkInterfaceName": obj.str("NetworkInterfaceName"),
        "Description": obj.str("Description"),
        "InstanceId": obj.str("InstanceId"),
        "CreationTime": obj.created_at,
        "ResourceGroupId": obj.str("ResourceGroupId"),
        "NetworkInterfaceTrafficMode": obj.str("NetworkInterfaceTrafficMode"),
        "QueueNumber": obj.attrs.get("QueueNumber").cloned().unwrap_or(json!(1)),
        "SourceDestCheck": obj.attrs.get("SourceDestCheck").cloned().unwrap_or(json!(false)),
        "DeleteOnRelease": obj.attrs.get("DeleteOnRelease").cloned().unwrap_or(json!(false)),
        "SecurityGroupIds": {"SecurityGroupId": security_groups(obj)},
        "PrivateIpSets": {"PrivateIpSet": ip_sets},
        "Ipv6Sets": {"Ipv6Set": ipv6},
        "Ipv4PrefixSets": {"Ipv4PrefixSet": []},
        "AssociatedPublicIp": {},
        "Tags": common::ecs_tags_out(obj),
    })
}

pub fn describe(ctx: &mut Ctx<'_>, params: &Params) -> Result<Value, CloudError> {
    let region = region(params)?;
    let (number, size) = common::paging(params, 500)?;
    let mut ids = repeated(params, "NetworkInterfaceId");
    ids.extend(common::id_list(params, "NetworkInterfaceIds"));
    let objs = if let Some(token) = optional(params, "ClientToken") {
        ctx.by_token(KIND, token)?
            .filter(|o| o.region == region)
            .into_iter()
            .collect()
    } else if ids.is_empty()
        && let Some(instance) = optional(params, "InstanceId")
    {
        common::find_by_attr(ctx, KIND, &region, "InstanceId", instance)?
    } else {
        common::select(ctx, KIND, &region, &ids)?
    };
    let filters = [
        ("VSwitchId", optional(params, "VSwitchId")),
        ("VpcId", optional(params, "VpcId")),
        ("InstanceId", optional(params, "InstanceId")),
        ("Type", optional(params, "Type")),
        (
            "NetworkInterfaceName",
            optional(params, "NetworkInterfaceName"),
        ),
        ("PrimaryIpAddress", optional(params, "PrimaryIpAddress")),
        ("ResourceGroupId", optional(params, "ResourceGroupId")),
    ];
    let status = optional(params, "Status");
    let tags = common::tags_from_params(params);
    let items = objs
        .iter()
        .filter(|o| filters.iter().all(|(k, v)| v.is_none_or(|v| o.str(k) == v)))
        .filter(|o| status.is_none_or(|s| o.status == s))
        .filter(|o| common::tags_match(o, &tags))
        .map(describe_item)
        .collect();
    let mut page = common::page_of(
        items,
        number,
        size,
        "NetworkInterfaceSets",
        "NetworkInterfaceSet",
    );
    if let Value::Object(m) = &mut page {
        m.insert("NextToken".into(), json!(""));
    }
    Ok(page)
}

pub fn attach(ctx: &mut Ctx<'_>, params: &Params) -> Result<Value, CloudError> {
    let region = region(params)?;
    let mut eni = get(ctx, &region, required(params, "NetworkInterfaceId")?)?;
    let mut instance = super::instance::get(ctx, &region, required(params, "InstanceId")?)?;
    if eni.status != "Available" || eni.str("Type") == "Primary" {
        return Err(CloudError::new(
            "InvalidOperation.InvalidEniState",
            format!(
                "The network interface {} is {} ({}); only a detached secondary interface can be attached.",
                eni.id,
                eni.status,
                eni.str("Type")
            ),
        ));
    }
    if !matches!(instance.status.as_str(), "Running" | "Stopped") {
        return Err(CloudError::new(
            "IncorrectInstanceStatus",
            format!(
                "The instance {} is {}; an interface can be attached only to a Running or Stopped instance.",
                instance.id, instance.status
            ),
        ));
    }
    if instance.str("VpcId") != eni.str("VpcId") {
        return Err(CloudError::new(
            "InvalidOperation.VpcMismatch",
            format!(
                "The network interface {} is in VPC {}, the instance {} in VPC {:?}.",
                eni.id,
                eni.str("VpcId"),
                instance.id,
                instance.str("VpcId")
            ),
        ));
    }
    if instance.str("ZoneId") != eni.str("ZoneId") {
        return Err(CloudError::new(
            "InvalidOperation.ZoneMismatch",
            format!(
                "The network interface {} is in zone {}, the instance {} in zone {}.",
                eni.id,
                eni.str("ZoneId"),
                instance.id,
                instance.str("ZoneId")
            ),
        ));
    }
    let mut attached: Vec<Value> = instance
        .attrs
        .get("SecondaryEniIds")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let limit = catalog::instance_type(instance.str("InstanceType"))
        .map(|t| t.enis)
        .unwrap_or(2);
    if attached.len() as i64 + 1 >= limit.max(2) {
        return Err(CloudError::new(
            "InvalidOperation.EniCountExceeded",
            format!(
                "The instance {} ({}) already holds the most network interfaces its type allows ({}).",
                instance.id,
                instance.str("InstanceType"),
                limit.max(2)
            ),
        ));
    }
    attached.push(json!(eni.id));
    instance
        .attrs
        .insert("SecondaryEniIds".into(), Value::Array(attached));
    ctx.update(&instance)?;
    eni.status = "InUse".into();
    eni.attrs.insert("InstanceId".into(), json!(instance.id));
    ctx.update(&eni)?;
    Ok(common::ok_empty())
}

/// Detaches `eni` from its instance (the instance's list is updated when it still exists).
pub fn detach_from(ctx: &Ctx<'_>, mut eni: Obj) -> Result<(), CloudError> {
    if let Some(mut instance) = ctx.get_kind(eni.str("InstanceId"), super::instance::KIND)? {
        let mut attached: Vec<Value> = instance
            .attrs
            .get("SecondaryEniIds")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        attached.retain(|v| v.as_str() != Some(eni.id.as_str()));
        instance
            .attrs
            .insert("SecondaryEniIds".into(), Value::Array(attached));
        ctx.update(&instance)?;
    }
    eni.status = "Available".into();
    eni.attrs.insert("InstanceId".into(), json!(""));
    ctx.update(&eni)
}

pub fn detach(ctx: &mut Ctx<'_>, params: &Params) -> Result<Value, CloudError> {
    let region = region(params)?;
    let eni = get(ctx, &region, required(params, "NetworkInterfaceId")?)?;
    let instance_id = required(params, "InstanceId")?;
    if eni.str("Type") == "Primary" {
        return Err(CloudError::new(
            "InvalidOperation.DetachPrimaryEniNotAllowed",
            format!(
                "The network interface {} is the primary interface of {instance_id} and cannot be detached.",
                eni.id
            ),
        ));
    }
    if eni.str("InstanceId") != instance_id {
        return Err(CloudError::new(
            "InvalidEniId.NotAttached",
            format!(
                "The network interface {} is not attached to instance {instance_id}.",
                eni.id
            ),
        ));
    }
    detach_from(ctx, eni)?;
    Ok(common::ok_empty())
}

pub fn assign_ips(ctx: &mut Ctx<'_>, params: &Params) -> Result<Value, CloudError> {
    let region = region(params)?;
    let mut eni = get(ctx, &region, required(params, "NetworkInterfaceId")?)?;
    let wanted = repeated(params, "PrivateIpAddress");
    let count = int(params, "SecondaryPrivateIpAddressCount")?
        .unwrap_or(0)
        .max(0) as usize;
    let mut ips = private_ips(&eni);
    if ips.len() + wanted.len() + count > MAX_PRIVATE_IPS {
        return Err(CloudError::new(
            "InvalidParameter.PrivateIpCount",
            format!("A network interface holds at most {MAX_PRIVATE_IPS} private IP addresses."),
        ));
    }
    let vsw = eni.str("VSwitchId").to_string();
    let mut assigned = Vec::new();
    for ip in &wanted {
        ipam::reserve(ctx, &vsw, ip, &eni.id)?;
        assigned.push(ip.trim().to_string());
    }
    for _ in 0..count {
        assigned.push(ipam::allocate(ctx, &vsw, &eni.id)?);
    }
    ips.extend(assigned.iter().cloned());
    eni.attrs.insert("PrivateIpSets".into(), json!(ips));
    ctx.update(&eni)?;
    Ok(ok(json!({
        "AssignedPrivateIpAddressesSet": {"NetworkInterfaceId": eni.id, "PrivateIpSet": {"PrivateIpAddress": assigned}}
    })))
}

pub fn unassign_ips(ctx: &mut Ctx<'_>, params: &Params) -> Result<Value, CloudError> {
    let region = region(params)?;
    let mut eni = get(ctx, &region, required(params, "NetworkInterfaceId")?)?;
    let remove = repeated(params, "PrivateIpAddress");
    let mut ips = private_ips(&eni);
    let bound = eips_of(ctx, &region, &eni.id)?;
    for ip in &remove {
        if ip == eni.str("PrimaryIpAddress") {
            return Err(CloudError::new(
                "InvalidOperation.PrimaryIpAddress",
                format!(
                    "{ip} is the primary private IP of {} and cannot be unassigned.",
                    eni.id
                ),
            ));
        }
        if !ips.contains(ip) {
            return Err(CloudError::new(
                "InvalidIp.NotFound",
                format!("{ip} is not a private IP of {}.", eni.id),
            ));
        }
        if let Some(eip) = bound.iter().find(|e| e.str("PrivateIpAddress") == ip) {
            return Err(CloudError::new(
                "InvalidOperation.IpAddressHasEip",
                format!(
                    "The private IP {ip} of {} is mapped to EIP {}; disassociate it first.",
                    eni.id, eip.id
                ),
            ));
        }
    }
    for ip in &remove {
        ipam::release(ctx, eni.str("VSwitchId"), ip)?;
    }
    ips.retain(|ip| !remove.contains(ip));
    eni.attrs.insert("PrivateIpSets".into(), json!(ips));
    ctx.update(&eni)?;
    Ok(common::ok_empty())
}

/// EIPs associated with `target` (an instance, interface, NAT gateway, ... id).
pub fn eips_of(ctx: &Ctx<'_>, region: &str, target: &str) -> Result<Vec<Obj>, CloudError> {
    let mut stmt = ctx
        .db()
        .prepare_cached(&format!(
            "SELECT id FROM objects WHERE {}",
            crate::cloud::sim::store::EIP_BOUND
        ))
        .map_err(common::db_error)?;
    let ids = stmt
        .query_map([target], |r| r.get::<_, String>(0))
        .map_err(common::db_error)?
        .collect::<rusqlite::Result<Vec<_>>>()
        .map_err(common::db_error)?;
    let mut out = Vec::new();
    for id in ids {
        if let Some(o) = ctx.get(&id)?
            && o.region == region
        {
            out.push(o);
        }
    }
    Ok(out)
}

/// Disassociates every EIP of `target`: they stay allocated, `Available` (instance release,
/// NAT gateway deleted with `Force`).
pub fn disassociate_all(ctx: &Ctx<'_>, region: &str, target: &str) -> Result<(), CloudError> {
    for mut eip in eips_of(ctx, region, target)? {
        crate::cloud::sim::eip::clear_binding(&mut eip);
        eip.attrs.remove("_TransitionUntil");
        eip.status = "Available".into();
        ctx.update(&eip)?;
    }
    Ok(())
}

pub fn modify(ctx: &mut Ctx<'_>, params: &Params) -> Result<Value, CloudError> {
    let region = region(params)?;
    let mut eni = get(ctx, &region, required(params, "NetworkInterfaceId")?)?;
    copy_params(
        &mut eni.attrs,
        params,
        &["NetworkInterfaceName", "Description"],
    );
    let groups = group_params(params);
    if !groups.is_empty() {
        security_group::check_groups(ctx, &region, &groups, eni.str("VpcId"))?;
        security_group::count_refs(ctx, &security_groups(&eni), -1)?;
        security_group::count_refs(ctx, &groups, 1)?;
        eni.attrs.insert("SecurityGroupIds".into(), json!(groups));
    }
    if let Some(q) = int(params, "QueueNumber")? {
        eni.attrs.insert("QueueNumber".into(), json!(q));
    }
    for key in ["SourceDestCheck", "DeleteOnRelease"] {
        if let Some(b) = common::flag(params, key) {
            eni.attrs.insert(key.into(), json!(b));
        }
    }
    ctx.update(&eni)?;
    Ok(common::ok_empty())
}

pub fn delete(ctx: &mut Ctx<'_>, params: &Params) -> Result<Value, CloudError> {
    let region = region(params)?;
    let eni = get(ctx, &region, required(params, "NetworkInterfaceId")?)?;
    if eni.str("Type") == "Primary" || eni.status != "Available" {
        return Err(CloudError::new(
            "InvalidOperation.InvalidEniState",
            format!(
                "The network interface {} is {} ({} interface of {:?}); only a detached secondary interface can be deleted.",
                eni.id,
                eni.status,
                eni.str("Type"),
                eni.str("InstanceId")
            ),
        ));
    }
    if let Some(eip) = eips_of(ctx, &region, &eni.id)?.first() {
        return Err(CloudError::new(
            "DependencyViolation.EipBinding",
            format!(
                "The network interface {} is still associated with EIP {}; disassociate it first.",
                eni.id, eip.id
            ),
        ));
    }
    destroy(ctx, &eni)?;
    Ok(common::ok_empty())
}
