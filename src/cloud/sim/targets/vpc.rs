//! VPCs: `CreateVpc`, `DescribeVpcs`, `ModifyVpcAttribute`, `DeleteVpc`.
//!
//! Object kind `vpc` {VpcId, CidrBlock, VpcName, Description, ResourceGroupId, VRouterId,
//! RouteTableId, Ipv4GatewayId ("" unless an enabled IPv4 gateway exists), VSwitchIds, Tags, ...}.

use ipnet::Ipv4Net;
use serde_json::{Map, Value, json};

use super::common::{self, copy_params, flag, new_obj, ok, region, replay};
use crate::cloud::sim::{Ctx, Obj};
use crate::cloud::{CloudError, Params, optional};

pub const KIND: &str = "vpc";

/// The VPC `id` of `region`, or `InvalidVpcId.NotFound`.
pub fn get(ctx: &Ctx<'_>, region: &str, id: &str) -> Result<Obj, CloudError> {
    common::must_get(ctx, KIND, region, id, "InvalidVpcId.NotFound", "VPC")
}

/// Parses an IPv4 CIDR block, or `InvalidCidrBlock.Malformed`.
pub fn parse_cidr(cidr: &str, min_prefix: u8, max_prefix: u8) -> Result<Ipv4Net, CloudError> {
    let malformed = || {
        CloudError::new(
            "InvalidCidrBlock.Malformed",
            format!(
                "Specified CIDR block {cidr:?} is not valid: expected an IPv4 network such as 192.168.0.0/16 with a mask of {min_prefix}-{max_prefix}."
            ),
        )
    };
    let net: Ipv4Net = cidr.trim().parse().map_err(|_| malformed())?;
    if net.network() != net.addr() || net.prefix_len() < min_prefix || net.prefix_len() > max_prefix
    {
        return Err(malformed());
    }
    Ok(net)
}

pub fn create(ctx: &mut Ctx<'_>, params: &Params) -> Result<Value, CloudError> {
    let region = region(params)?;
    if let Some(existing) = replay(ctx, KIND, params)? {
        return Ok(created(&existing));
    }
    let cidr = optional(params, "CidrBlock").unwrap_or("172.16.0.0/12");
    let net = parse_cidr(cidr, 8, 28)?;
    common::check_name(params, "VpcName")?;
    common::check_name(params, "Description")?;
    let id = ctx.new_id("vpc-")?;
    let suffix = id.trim_start_matches("vpc-").to_string();
    let mut attrs = Map::new();
    attrs.insert("VpcId".into(), json!(id));
    attrs.insert("CidrBlock".into(), json!(net.to_string()));
    attrs.insert(
        "VpcName".into(),
        json!(optional(params, "VpcName").unwrap_or("")),
    );
    attrs.insert(
        "Description".into(),
        json!(optional(params, "Description").unwrap_or("")),
    );
    attrs.insert(
        "ResourceGroupId".into(),
        json!(super::catalog::resource_group_param(ctx, params)?),
    );
    attrs.insert("VRouterId".into(), json!(format!("vrt-{suffix}")));
    attrs.insert("RouteTableId".into(), json!(format!("vtb-{suffix}")));
    attrs.insert("Ipv4GatewayId".into(), json!(""));
    attrs.insert(
        "IsDefault".into(),
        json!(flag(params, "IsDefault").unwrap_or(false)),
    );
    let ipv6 = flag(params, "EnableIpv6").unwrap_or(false);
    attrs.insert("EnableIpv6".into(), json!(ipv6));
    attrs.insert(
        "Ipv6CidrBlock".into(),
        json!(if ipv6 {
            ipv6_block(&suffix)
        } else {
            String::new()
        }),
    );
    attrs.insert(
        "Ipv6Isp".into(),
        json!(optional(params, "Ipv6Isp").unwrap_or("BGP")),
    );
    attrs.insert(
        "UserCidrs".into(),
        json!(common::id_list(params, "UserCidr")),
    );
    attrs.insert("VSwitchIds".into(), json!([]));
    attrs.insert(
        "Tags".into(),
        Value::Object(common::tags_from_params(params)),
    );
    copy_params(&mut attrs, params, &["ClassicLinkEnabled"]);
    let obj = new_obj(ctx, id, KIND, &region, "Available", attrs, params);
    ctx.insert(&obj)?;
    Ok(created(&obj))
}

fn ipv6_block(suffix: &str) -> String {
    let n = suffix
        .bytes()
        .fold(0u32, |h, b| h.wrapping_mul(31).wrapping_add(u32::from(b)))
        & 0xffff;
    format!("2408:4000:{n:x}::/56")
}

fn created(obj: &Obj) -> Value {
    ok(json!({
        "VpcId": obj.id,
        "VRouterId": obj.str("VRouterId"),
        "RouteTableId": obj.str("RouteTableId"),
        "ResourceGroupId": obj.str("ResourceGroupId"),
    }))
}

/// The `Vpc` item of `DescribeVpcs`.
pub fn describe_item(obj: &Obj) -> Value {
    let list = |k: &str| obj.attrs.get(k).cloned().unwrap_or_else(|| json!([]));
    json!({
        "VpcId": obj.id,
        "RegionId": obj.region,
        "Status": obj.status,
        "VpcName": obj.str("VpcName"),
        "CreationTime": obj.created_at,
        "CidrBlock": obj.str("CidrBlock"),
        "Ipv6CidrBlock": obj.str("Ipv6CidrBlock"),
        "Ipv6CidrBlocks": {"Ipv6CidrBlock": if obj.str("Ipv6CidrBlock").is_empty() { json!([]) } else {
            json!([{"Ipv6CidrBlock": obj.str("Ipv6CidrBlock"), "Ipv6Isp": obj.str("Ipv6Isp")}]) }},
        "EnabledIpv6": obj.attrs.get("EnableIpv6").cloned().unwrap_or(json!(false)),
        "VRouterId": obj.str("VRouterId"),
        "RouterTableIds": {"RouterTableIds": [obj.str("RouteTableId")]},
        "RouteTableId": obj.str("RouteTableId"),
        "Description": obj.str("Description"),
        "IsDefault": obj.attrs.get("IsDefault").cloned().unwrap_or(json!(false)),
        "ResourceGroupId": obj.str("ResourceGroupId"),
        "Ipv4GatewayId": obj.str("Ipv4GatewayId"),
        "ClassicLinkEnabled": obj.str("ClassicLinkEnabled") == "true",
        "VSwitchIds": {"VSwitchId": list("VSwitchIds")},
        "UserCidrs": {"UserCidr": list("UserCidrs")},
        "SecondaryCidrBlocks": {"SecondaryCidrBlock": []},
        "NatGatewayIds": {"NatGatewayIds": []},
        "Tags": common::tags_out(obj),
    })
}

pub fn describe(ctx: &mut Ctx<'_>, params: &Params) -> Result<Value, CloudError> {
    let region = region(params)?;
    let (number, size) = common::paging(params, 50)?;
    let objs = match optional(params, "ClientToken") {
        Some(token) => ctx
            .by_token(KIND, token)?
            .filter(|o| o.region == region)
            .into_iter()
            .collect(),
        None => common::select(ctx, KIND, &region, &common::id_list(params, "VpcId"))?,
    };
    let name = optional(params, "VpcName");
    let rg = optional(params, "ResourceGroupId");
    let is_default = common::flag(params, "IsDefault");
    let tags = common::tags_from_params(params);
    let items = objs
        .iter()
        .filter(|o| name.is_none_or(|n| o.str("VpcName") == n))
        .filter(|o| rg.is_none_or(|g| o.str("ResourceGroupId") == g))
        .filter(|o| {
            is_default.is_none_or(|d| o.attrs.get("IsDefault").and_then(Value::as_bool) == Some(d))
        })
        .filter(|o| common::tags_match(o, &tags))
        .map(describe_item)
        .collect();
    Ok(common::page_of(items, number, size, "Vpcs", "Vpc"))
}

pub fn modify(ctx: &mut Ctx<'_>, params: &Params) -> Result<Value, CloudError> {
    let region = region(params)?;
    let mut obj = get(ctx, &region, crate::cloud::required(params, "VpcId")?)?;
    common::check_name(params, "VpcName")?;
    common::check_name(params, "Description")?;
    copy_params(&mut obj.attrs, params, &["VpcName", "Description"]);
    if let Some(ipv6) = flag(params, "EnableIPv6").or_else(|| flag(params, "EnableIpv6")) {
        obj.attrs.insert("EnableIpv6".into(), json!(ipv6));
        let block = if ipv6 {
            ipv6_block(obj.id.trim_start_matches("vpc-"))
        } else {
            String::new()
        };
        obj.attrs.insert("Ipv6CidrBlock".into(), json!(block));
    }
    ctx.update(&obj)?;
    Ok(common::ok_empty())
}

/// Kinds besides vSwitches whose objects keep a VPC from being deleted (instances, interfaces,
/// NAT gateways, internal CLBs and HAVIPs all live in vSwitches).
const DEPENDENTS: &[(&str, &str, &str)] = &[
    (
        "security_group",
        "DependencyViolation.SecurityGroup",
        "security groups",
    ),
    (
        "ipv4_gateway",
        "DependencyViolation.Ipv4Gateway",
        "IPv4 gateways",
    ),
];

pub fn delete(ctx: &mut Ctx<'_>, params: &Params) -> Result<Value, CloudError> {
    let region = region(params)?;
    let obj = get(ctx, &region, crate::cloud::required(params, "VpcId")?)?;
    let vswitches = obj
        .attrs
        .get("VSwitchIds")
        .and_then(Value::as_array)
        .map_or(0, Vec::len);
    if vswitches > 0 {
        return Err(CloudError::new(
            "DependencyViolation.VSwitch",
            format!(
                "The VPC {} still has {vswitches} vSwitch(es); delete them before the VPC.",
                obj.id
            ),
        ));
    }
    for (kind, code, what) in DEPENDENTS {
        let n = common::count_by_attr(ctx, kind, &region, "VpcId", &obj.id)?;
        if n > 0 {
            return Err(CloudError::new(
                *code,
                format!(
                    "The VPC {} still has {n} dependent {what}; delete them before the VPC.",
                    obj.id
                ),
            ));
        }
    }
    ctx.delete(&obj.id)?;
    Ok(common::ok_empty())
}

/// Records `vswitch_id` in (or removes it from) the VPC's `VSwitchIds`.
pub fn track_vswitch(
    ctx: &Ctx<'_>,
    vpc_id: &str,
    vswitch_id: &str,
    add: bool,
) -> Result<(), CloudError> {
    let Some(mut vpc) = ctx.get_kind(vpc_id, KIND)? else {
        return Ok(());
    };
    let mut ids: Vec<Value> = vpc
        .attrs
        .get("VSwitchIds")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    ids.retain(|v| v.as_str() != Some(vswitch_id));
    if add {
        ids.push(json!(vswitch_id));
    }
    vpc.attrs.insert("VSwitchIds".into(), Value::Array(ids));
    ctx.update(&vpc)
}
