//! vSwitches: `CreateVSwitch`, `DescribeVSwitches`, `ModifyVSwitchAttribute`, `DeleteVSwitch`.
//!
//! Object kind `vswitch` {VSwitchId, VpcId, CidrBlock, ZoneId, VSwitchName, Description,
//! AvailableIpAddressCount, ...}. A vSwitch's block lies inside its VPC's block and overlaps no
//! sibling; its addresses are handed out by [`super::ipam`].

use serde_json::{Map, Value, json};

use super::common::{self, copy_params, new_obj, ok, region, replay};
use super::{catalog, ipam, vpc};
use crate::cloud::sim::{Ctx, Obj};
use crate::cloud::{CloudError, Params, optional, required};

pub const KIND: &str = "vswitch";

/// The vSwitch `id` of `region`, or `InvalidVSwitchId.NotFound`.
pub fn get(ctx: &Ctx<'_>, region: &str, id: &str) -> Result<Obj, CloudError> {
    common::must_get(
        ctx,
        KIND,
        region,
        id,
        "InvalidVSwitchId.NotFound",
        "vSwitch",
    )
}

pub fn create(ctx: &mut Ctx<'_>, params: &Params) -> Result<Value, CloudError> {
    let region = region(params)?;
    if let Some(existing) = replay(ctx, KIND, params)? {
        return Ok(ok(json!({"VSwitchId": existing.id})));
    }
    let vpc = vpc::get(ctx, &region, required(params, "VpcId")?)?;
    let zone = required(params, "ZoneId")?;
    catalog::check_zone(&region, zone)?;
    let net = vpc::parse_cidr(required(params, "CidrBlock")?, 16, 29)?;
    let vpc_net = vpc::parse_cidr(vpc.str("CidrBlock"), 8, 28)?;
    if !vpc_net.contains(&net) {
        return Err(CloudError::new(
            "InvalidCidrBlock.Malformed",
            format!(
                "The vSwitch CIDR block {net} must lie inside the CIDR block {vpc_net} of VPC {}.",
                vpc.id
            ),
        ));
    }
    let siblings: Vec<String> = vpc
        .attrs
        .get("VSwitchIds")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    for sibling in siblings {
        if let Some(other) = ctx.get_kind(&sibling, KIND)?
            && let Ok(other_net) = other.str("CidrBlock").parse::<ipnet::Ipv4Net>()
            && (other_net.contains(&net) || net.contains(&other_net))
        {
            return Err(CloudError::new(
                "InvalidCidrBlock.Overlapped",
                format!(
                    "The vSwitch CIDR block {net} overlaps the block {other_net} of vSwitch {} in VPC {}.",
                    other.id, vpc.id
                ),
            ));
        }
    }
    common::check_name(params, "VSwitchName")?;
    common::check_name(params, "Description")?;
    let id = ctx.new_id("vsw-")?;
    let mut attrs = Map::new();
    attrs.insert("VSwitchId".into(), json!(id));
    attrs.insert("VpcId".into(), json!(vpc.id));
    attrs.insert("CidrBlock".into(), json!(net.to_string()));
    attrs.insert("ZoneId".into(), json!(zone));
    attrs.insert(
        "VSwitchName".into(),
        json!(optional(params, "VSwitchName").unwrap_or("")),
    );
    attrs.insert(
        "Description".into(),
        json!(optional(params, "Description").unwrap_or("")),
    );
    attrs.insert(
        "AvailableIpAddressCount".into(),
        json!(ipam::capacity(&net.to_string())),
    );
    attrs.insert("ResourceGroupId".into(), json!(vpc.str("ResourceGroupId")));
    attrs.insert("RouteTableId".into(), json!(vpc.str("RouteTableId")));
    attrs.insert("Ipv6CidrBlock".into(), json!(""));
    attrs.insert("EnableIpv6".into(), json!(false));
    attrs.insert(
        "Tags".into(),
        Value::Object(common::tags_from_params(params)),
    );
    let obj = new_obj(ctx, id, KIND, &region, "Available", attrs, params);
    ctx.insert(&obj)?;
    vpc::track_vswitch(ctx, &vpc.id, &obj.id, true)?;
    Ok(ok(json!({"VSwitchId": obj.id})))
}

/// The `VSwitch` item of `DescribeVSwitches`.
pub fn describe_item(obj: &Obj) -> Value {
    json!({
        "VSwitchId": obj.id,
        "VpcId": obj.str("VpcId"),
        "Status": obj.status,
        "CidrBlock": obj.str("CidrBlock"),
        "Ipv6CidrBlock": obj.str("Ipv6CidrBlock"),
        "ZoneId": obj.str("ZoneId"),
        "AvailableIpAddressCount": obj.attrs.get("AvailableIpAddressCount").cloned().unwrap_or(json!(0)),
        "Description": obj.str("Description"),
        "VSwitchName": obj.str("VSwitchName"),
        "CreationTime": obj.created_at,
        "IsDefault": false,
        "ResourceGroupId": obj.str("ResourceGroupId"),
        "RouteTable": {"RouteTableId": obj.str("RouteTableId"), "RouteTableType": "System"},
        "NetworkAclId": "",
        "ShareType": "Sharing",
        "Tags": common::tags_out(obj),
    })
}

pub fn describe(ctx: &mut Ctx<'_>, params: &Params) -> Result<Value, CloudError> {
    let region = region(params)?;
    let (number, size) = common::paging(params, 50)?;
    let ids = common::id_list(params, "VSwitchId");
    let objs = if let Some(token) = optional(params, "ClientToken") {
        ctx.by_token(KIND, token)?
            .filter(|o| o.region == region)
            .into_iter()
            .collect()
    } else if ids.is_empty()
        && let Some(vpc_id) = optional(params, "VpcId")
    {
        match ctx.get_kind(vpc_id, vpc::KIND)? {
            Some(vpc) => {
                let listed: Vec<String> = vpc
                    .attrs
                    .get("VSwitchIds")
                    .and_then(Value::as_array)
                    .map(|a| {
                        a.iter()
                            .filter_map(|v| v.as_str().map(str::to_string))
                            .collect()
                    })
                    .unwrap_or_default();
                if listed.is_empty() {
                    Vec::new()
                } else {
                    common::select(ctx, KIND, &region, &listed)?
                }
            }
            None => Vec::new(),
        }
    } else {
        common::select(ctx, KIND, &region, &ids)?
    };
    let vpc_id = optional(params, "VpcId");
    let zone = optional(params, "ZoneId");
    let name = optional(params, "VSwitchName");
    let rg = optional(params, "ResourceGroupId");
    let tags = common::tags_from_params(params);
    let items = objs
        .iter()
        .filter(|o| vpc_id.is_none_or(|v| o.str("VpcId") == v))
        .filter(|o| zone.is_none_or(|z| o.str("ZoneId") == z))
        .filter(|o| name.is_none_or(|n| o.str("VSwitchName") == n))
        .filter(|o| rg.is_none_or(|g| o.str("ResourceGroupId") == g))
        .filter(|o| common::tags_match(o, &tags))
        .map(describe_item)
        .collect();
    Ok(common::page_of(items, number, size, "VSwitches", "VSwitch"))
}

pub fn modify(ctx: &mut Ctx<'_>, params: &Params) -> Result<Value, CloudError> {
    let region = region(params)?;
    let mut obj = get(ctx, &region, required(params, "VSwitchId")?)?;
    common::check_name(params, "VSwitchName")?;
    common::check_name(params, "Description")?;
    copy_params(&mut obj.attrs, params, &["VSwitchName", "Description"]);
    ctx.update(&obj)?;
    Ok(common::ok_empty())
}

pub fn delete(ctx: &mut Ctx<'_>, params: &Params) -> Result<Value, CloudError> {
    let region = region(params)?;
    let obj = get(ctx, &region, required(params, "VSwitchId")?)?;
    let free = obj
        .attrs
        .get("AvailableIpAddressCount")
        .and_then(Value::as_i64)
        .unwrap_or(0);
    let used = ipam::capacity(obj.str("CidrBlock")) - free;
    if used > 0 {
        let owner = common::find_by_attr(ctx, "private_ip", &region, "VSwitchId", &obj.id)?
            .first()
            .map(|o| o.str("Owner").to_string())
            .unwrap_or_default();
        return Err(CloudError::new(
            "DependencyViolation",
            format!(
                "The vSwitch {} still has {used} private IP address(es) in use (for example by {owner}); delete those resources first.",
                obj.id
            ),
        ));
    }
    ctx.delete(&obj.id)?;
    vpc::track_vswitch(ctx, obj.str("VpcId"), &obj.id, false)?;
    Ok(common::ok_empty())
}
