//! NAT gateways: `CreateNatGateway`, `DescribeNatGateways`, `ModifyNatGatewayAttribute`,
//! `ModifyNatGatewaySpec`, `DeleteNatGateway`, and `DeletionProtection` with `Type=NATGW`.
//!
//! Object kind `nat_gateway` {NatGatewayId, VpcId, VSwitchId, NetworkType ("internet"/"intranet"),
//! EipBindMode ("MULTI_BINDED"/"NAT"), NatType, Spec, InternetChargeType, InstanceChargeType,
//! PrivateIpAddress, SnatTableId, ForwardTableId, ...}. An enhanced gateway takes one private IP
//! of its vSwitch.

use serde_json::{Map, Value, json};

use super::common::{self, copy_params, flag, new_obj, ok, region, replay};
use super::{catalog, eni, ipam, vpc, vswitch};
use crate::cloud::sim::{Ctx, Obj};
use crate::cloud::{CloudError, Params, optional, required};

pub const KIND: &str = "nat_gateway";

pub fn get(ctx: &Ctx<'_>, region: &str, id: &str) -> Result<Obj, CloudError> {
    common::must_get(
        ctx,
        KIND,
        region,
        id,
        "InvalidNatGatewayId.NotFound",
        "NAT gateway",
    )
}

fn one_of(
    params: &Params,
    name: &str,
    allowed: &[&str],
    default: &str,
) -> Result<String, CloudError> {
    let v = optional(params, name).unwrap_or(default);
    if allowed.contains(&v) {
        Ok(v.to_string())
    } else {
        Err(CloudError::new(
            format!("InvalidParameter.{name}"),
            format!(
                "Specified value of \"{name}\" is not valid: {v:?} (expected one of {}).",
                allowed.join(", ")
            ),
        ))
    }
}

pub fn create(ctx: &mut Ctx<'_>, params: &Params) -> Result<Value, CloudError> {
    let region = region(params)?;
    if let Some(existing) = replay(ctx, KIND, params)? {
        return Ok(created(&existing));
    }
    let vpc = vpc::get(ctx, &region, required(params, "VpcId")?)?;
    let nat_type = one_of(params, "NatType", &["Enhanced", "Normal"], "Enhanced")?;
    if nat_type == "Normal" {
        return Err(CloudError::new(
            "OperationUnsupported.NormalNatGateway",
            "Normal NAT gateways can no longer be created; use NatType=Enhanced.",
        ));
    }
    let network_type = one_of(params, "NetworkType", &["internet", "intranet"], "internet")?;
    let bind_mode = one_of(
        params,
        "EipBindMode",
        &["MULTI_BINDED", "NAT"],
        "MULTI_BINDED",
    )?;
    let charge = one_of(
        params,
        "InternetChargeType",
        &["PayByLcu", "PayBySpec"],
        "PayByLcu",
    )?;
    let pay = one_of(
        params,
        "InstanceChargeType",
        &["PostPaid", "PrePaid"],
        "PostPaid",
    )?;
    let spec = one_of(
        params,
        "Spec",
        &["Small", "Middle", "Large", "XLarge.1", ""],
        "",
    )?;
    let vsw_id = required(params, "VSwitchId")?;
    let vsw = vswitch::get(ctx, &region, vsw_id)?;
    if vsw.str("VpcId") != vpc.id {
        return Err(CloudError::new(
            "InvalidVSwitchId.VpcMismatch",
            format!(
                "The vSwitch {} belongs to VPC {}, not to {}.",
                vsw.id,
                vsw.str("VpcId"),
                vpc.id
            ),
        ));
    }
    if !catalog::nat_zones(&region)
        .iter()
        .any(|z| z == vsw.str("ZoneId"))
    {
        return Err(CloudError::new(
            "OperationUnsupported.ZoneNotSupportEnhancedNat",
            format!(
                "Zone {} does not offer enhanced NAT gateways (see ListEnhanhcedNatGatewayAvailableZones).",
                vsw.str("ZoneId")
            ),
        ));
    }
    common::check_name(params, "Name")?;
    let id = ctx.new_id("ngw-")?;
    let private_ip = ipam::allocate(ctx, &vsw.id, &id)?;
    let suffix = id.trim_start_matches("ngw-");
    let mut attrs = Map::new();
    attrs.insert("NatGatewayId".into(), json!(id));
    attrs.insert("VpcId".into(), json!(vpc.id));
    attrs.insert("VSwitchId".into(), json!(vsw.id));
    attrs.insert("ZoneId".into(), json!(vsw.str("ZoneId")));
    attrs.insert("PrivateIpAddress".into(), json!(private_ip));
    attrs.insert("NetworkType".into(), json!(network_type));
    attrs.insert("EipBindMode".into(), json!(bind_mode));
    attrs.insert("NatType".into(), json!(nat_type));
    attrs.insert("Spec".into(), json!(spec));
    attrs.insert("InternetChargeType".into(), json!(charge));
    attrs.insert("InstanceChargeType".into(), json!(pay));
    attrs.insert("Name".into(), json!(optional(params, "Name").unwrap_or("")));
    attrs.insert(
        "Description".into(),
        json!(optional(params, "Description").unwrap_or("")),
    );
    attrs.insert(
        "IcmpReplyEnabled".into(),
        json!(flag(params, "IcmpReplyEnabled").unwrap_or(true)),
    );
    attrs.insert(
        "PrivateLinkEnabled".into(),
        json!(flag(params, "PrivateLinkEnabled").unwrap_or(false)),
    );
    attrs.insert("DeletionProtection".into(), json!(false));
    attrs.insert("SnatTableId".into(), json!(format!("stb-{suffix}")));
    attrs.insert("ForwardTableId".into(), json!(format!("ftb-{suffix}")));
    attrs.insert(
        "ResourceGroupId".into(),
        json!(catalog::resource_group_param(ctx, params)?),
    );
    attrs.insert(
        "Tags".into(),
        Value::Object(common::tags_from_params(params)),
    );
    let obj = new_obj(ctx, id, KIND, &region, "Available", attrs, params);
    ctx.insert(&obj)?;
    Ok(created(&obj))
}

fn created(obj: &Obj) -> Value {
    ok(json!({
        "NatGatewayId": obj.id,
        "ForwardTableIds": {"ForwardTableId": [obj.str("ForwardTableId")]},
        "SnatTableIds": {"SnatTableId": [obj.str("SnatTableId")]},
        "BandwidthPackageIds": {"BandwidthPackageId": []},
    }))
}

fn describe_item(ctx: &Ctx<'_>, obj: &Obj) -> Result<Value, CloudError> {
    let ips: Vec<Value> = eni::eips_of(ctx, &obj.region, &obj.id)?
        .iter()
        .map(|e| json!({"AllocationId": e.id, "IpAddress": e.str("IpAddress"), "UsingStatus": "Idle", "SnatEntryEnabled": false}))
        .collect();
    Ok(json!({
        "NatGatewayId": obj.id,
        "Name": obj.str("Name"),
        "Description": obj.str("Description"),
        "VpcId": obj.str("VpcId"),
        "RegionId": obj.region,
        "Spec": obj.str("Spec"),
        "NatType": obj.str("NatType"),
        "NetworkType": obj.str("NetworkType"),
        "EipBindMode": obj.str("EipBindMode"),
        "InternetChargeType": obj.str("InternetChargeType"),
        "InstanceChargeType": obj.str("InstanceChargeType"),
        "Status": obj.status,
        "BusinessStatus": "Normal",
        "CreationTime": obj.created_at,
        "ExpiredTime": "",
        "DeletionProtection": obj.attrs.get("DeletionProtection").cloned().unwrap_or(json!(false)),
        "IcmpReplyEnabled": obj.attrs.get("IcmpReplyEnabled").cloned().unwrap_or(json!(true)),
        "PrivateLinkEnabled": obj.attrs.get("PrivateLinkEnabled").cloned().unwrap_or(json!(false)),
        "ResourceGroupId": obj.str("ResourceGroupId"),
        "ForwardTableIds": {"ForwardTableId": [obj.str("ForwardTableId")]},
        "SnatTableIds": {"SnatTableId": [obj.str("SnatTableId")]},
        "FullNatTableIds": {"FullNatTableId": []},
        "NatGatewayPrivateInfo": {
            "VswitchId": obj.str("VSwitchId"),
            "PrivateIpAddress": obj.str("PrivateIpAddress"),
            "IzNo": obj.str("ZoneId"),
            "EniInstanceId": "",
            "MaxBandwidth": 5120,
        },
        "IpLists": {"IpList": ips},
        "Tags": common::tags_out(obj),
    }))
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
        None => common::select(ctx, KIND, &region, &common::id_list(params, "NatGatewayId"))?,
    };
    let filters = [
        ("VpcId", optional(params, "VpcId")),
        ("Name", optional(params, "Name")),
        ("NatType", optional(params, "NatType")),
        ("NetworkType", optional(params, "NetworkType")),
        ("InstanceChargeType", optional(params, "InstanceChargeType")),
        ("ResourceGroupId", optional(params, "ResourceGroupId")),
        ("ZoneId", optional(params, "ZoneId")),
    ];
    let mut items = Vec::new();
    for o in objs
        .iter()
        .filter(|o| filters.iter().all(|(k, v)| v.is_none_or(|v| o.str(k) == v)))
    {
        items.push(describe_item(ctx, o)?);
    }
    Ok(common::page_of(
        items,
        number,
        size,
        "NatGateways",
        "NatGateway",
    ))
}

pub fn modify(ctx: &mut Ctx<'_>, params: &Params) -> Result<Value, CloudError> {
    let region = region(params)?;
    let mut obj = get(ctx, &region, required(params, "NatGatewayId")?)?;
    common::check_name(params, "Name")?;
    copy_params(&mut obj.attrs, params, &["Name", "Description"]);
    if let Some(mode) = optional(params, "EipBindMode") {
        if !matches!(mode, "MULTI_BINDED" | "NAT") {
            return Err(CloudError::new(
                "InvalidParameter.EipBindMode",
                format!("EipBindMode must be MULTI_BINDED or NAT, not {mode:?}."),
            ));
        }
        if obj.str("EipBindMode") == "NAT" && mode == "MULTI_BINDED" {
            return Err(CloudError::new(
                "OperationUnsupported.EipBindMode",
                format!(
                    "The NAT gateway {} can switch its EIP bind mode from MULTI_BINDED to NAT, not back.",
                    obj.id
                ),
            ));
        }
        obj.attrs.insert("EipBindMode".into(), json!(mode));
    }
    if let Some(b) = flag(params, "IcmpReplyEnabled") {
        obj.attrs.insert("IcmpReplyEnabled".into(), json!(b));
    }
    ctx.update(&obj)?;
    Ok(common::ok_empty())
}

pub fn modify_spec(ctx: &mut Ctx<'_>, params: &Params) -> Result<Value, CloudError> {
    let region = region(params)?;
    let mut obj = get(ctx, &region, required(params, "NatGatewayId")?)?;
    let spec = one_of(
        params,
        "Spec",
        &["Small", "Middle", "Large", "XLarge.1"],
        "Small",
    )?;
    obj.attrs.insert("Spec".into(), json!(spec));
    ctx.update(&obj)?;
    Ok(common::ok_empty())
}

/// `DeletionProtection` with `Type=NATGW`; `None` for other types (the EIP family answers those).
pub fn deletion_protection(
    ctx: &mut Ctx<'_>,
    params: &Params,
) -> Option<Result<Value, CloudError>> {
    if optional(params, "Type") != Some("NATGW") {
        return None;
    }
    Some((|| {
        let region = region(params)?;
        let mut obj = get(ctx, &region, required(params, "InstanceId")?)?;
        let enable = required(params, "ProtectionEnable")?.eq_ignore_ascii_case("true");
        obj.attrs.insert("DeletionProtection".into(), json!(enable));
        ctx.update(&obj)?;
        Ok(common::ok_empty())
    })())
}

pub fn delete(ctx: &mut Ctx<'_>, params: &Params) -> Result<Value, CloudError> {
    let region = region(params)?;
    let obj = get(ctx, &region, required(params, "NatGatewayId")?)?;
    if obj.attrs.get("DeletionProtection").and_then(Value::as_bool) == Some(true) {
        return Err(CloudError::new(
            "DependencyViolation.DeletionProtection",
            format!(
                "The NAT gateway {} has deletion protection enabled.",
                obj.id
            ),
        ));
    }
    let eips = eni::eips_of(ctx, &region, &obj.id)?;
    if !eips.is_empty() && !flag(params, "Force").unwrap_or(false) {
        return Err(CloudError::new(
            "DependencyViolation.EIPS",
            format!(
                "The NAT gateway {} still has {} EIP(s) associated ({}); disassociate them or delete with Force=true.",
                obj.id,
                eips.len(),
                eips.iter()
                    .map(|e| e.id.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ));
    }
    eni::disassociate_all(ctx, &region, &obj.id)?;
    ipam::release(ctx, obj.str("VSwitchId"), obj.str("PrivateIpAddress"))?;
    ctx.delete(&obj.id)?;
    Ok(common::ok_empty())
}
