//! Classic Load Balancer (CLB) instances: `CreateLoadBalancer`, `DescribeLoadBalancers`,
//! `DescribeLoadBalancerAttribute`, `SetLoadBalancerName`, `SetLoadBalancerStatus`,
//! `SetLoadBalancerDeleteProtection`, `SetLoadBalancerModificationProtection`,
//! `ModifyLoadBalancerInternetSpec`, `ModifyLoadBalancerInstanceSpec`, `DeleteLoadBalancer`.
//!
//! Object kind `slb` (status active/inactive) {LoadBalancerId, AddressType ("internet"/
//! "intranet"), NetworkType ("vpc" with a vSwitch, "classic" without), VpcId, VSwitchId, Address,
//! LoadBalancerSpec, PayType, ...}. Internet-facing instances get a public address of the
//! region's BGP space (through `addresses`); internal ones a private IP of their vSwitch.

use serde_json::{Map, Value, json};

use super::common::{self, copy_params, int, new_obj, ok, region, replay};
use super::{catalog, eni, instance, ipam, vswitch};
use crate::cloud::sim::{Ctx, Obj, addresses};
use crate::cloud::{CloudError, Params, optional, required};

pub const KIND: &str = "slb";

const SPECS: &[&str] = &[
    "slb.s1.small",
    "slb.s2.small",
    "slb.s2.medium",
    "slb.s3.small",
    "slb.s3.medium",
    "slb.s3.large",
    "slb.s3.xlarge",
    "slb.s3.xxlarge",
    "slb.lcu.elastic",
];

pub fn get(ctx: &Ctx<'_>, region: &str, id: &str) -> Result<Obj, CloudError> {
    common::must_get(
        ctx,
        KIND,
        region,
        id,
        "InvalidLoadBalancerId.NotFound",
        "load balancer",
    )
}

pub fn create(ctx: &mut Ctx<'_>, params: &Params) -> Result<Value, CloudError> {
    let region = region(params)?;
    if let Some(existing) = replay(ctx, KIND, params)? {
        return Ok(created(&existing));
    }
    let address_type = optional(params, "AddressType").unwrap_or("internet");
    if !matches!(address_type, "internet" | "intranet") {
        return Err(CloudError::new(
            "InvalidParameter.AddressType",
            format!("AddressType must be internet or intranet, not {address_type:?}."),
        ));
    }
    let spec = optional(params, "LoadBalancerSpec").unwrap_or("");
    if !spec.is_empty() && !SPECS.contains(&spec) {
        return Err(CloudError::new(
            "InvalidParameter.LoadBalancerSpec",
            format!("LoadBalancerSpec {spec:?} is not supported."),
        ));
    }
    let pay = optional(params, "PayType").unwrap_or("PayOnDemand");
    if !matches!(pay, "PayOnDemand" | "PrePay") {
        return Err(CloudError::new(
            "InvalidParameter.PayType",
            format!("PayType must be PayOnDemand or PrePay, not {pay:?}."),
        ));
    }
    let charge = optional(params, "InternetChargeType")
        .unwrap_or("paybytraffic")
        .to_lowercase();
    if !matches!(charge.as_str(), "paybytraffic" | "paybybandwidth") {
        return Err(CloudError::new(
            "InvalidParameter.InternetChargeType",
            format!("InternetChargeType {charge:?} is not supported."),
        ));
    }
    let bandwidth =
        int(params, "Bandwidth")?.unwrap_or(if charge == "paybybandwidth" { 5 } else { 5120 });
    let vsw = match optional(params, "VSwitchId") {
        Some(id) => Some(vswitch::get(ctx, &region, id)?),
        None => None,
    };
    let zones = catalog::zones(&region);
    let master = optional(params, "MasterZoneId")
        .map(str::to_string)
        .or_else(|| vsw.as_ref().map(|v| v.str("ZoneId").to_string()))
        .unwrap_or_else(|| zones[0].clone());
    catalog::check_zone(&region, &master)?;
    let slave = optional(params, "SlaveZoneId")
        .map(str::to_string)
        .unwrap_or_else(|| {
            zones
                .iter()
                .find(|z| **z != master)
                .cloned()
                .unwrap_or_default()
        });
    common::check_name(params, "LoadBalancerName")?;
    let id = ctx.new_id("lb-")?;
    let address = match (address_type, &vsw) {
        ("intranet", Some(v)) => match optional(params, "Address") {
            Some(ip) => {
                ipam::reserve(ctx, &v.id, ip, &id)?;
                ip.to_string()
            }
            None => ipam::allocate(ctx, &v.id, &id)?,
        },
        ("intranet", None) => instance::classic_private_ip(ctx, &region)?,
        _ => addresses::allocate(ctx, &region, "BGP", &id, addresses::origin::CLASSIC)?.to_string(),
    };
    let mut attrs = Map::new();
    attrs.insert("LoadBalancerId".into(), json!(id));
    attrs.insert(
        "LoadBalancerName".into(),
        json!(
            optional(params, "LoadBalancerName")
                .map(str::to_string)
                .unwrap_or_else(|| format!("auto_named_slb_{}", id.trim_start_matches("lb-")))
        ),
    );
    attrs.insert("AddressType".into(), json!(address_type));
    attrs.insert(
        "NetworkType".into(),
        json!(if vsw.is_some() { "vpc" } else { "classic" }),
    );
    attrs.insert(
        "VpcId".into(),
        json!(vsw.as_ref().map(|v| v.str("VpcId")).unwrap_or("")),
    );
    attrs.insert(
        "VSwitchId".into(),
        json!(vsw.as_ref().map(|v| v.id.as_str()).unwrap_or("")),
    );
    attrs.insert("Address".into(), json!(address));
    attrs.insert(
        "AddressIPVersion".into(),
        json!(optional(params, "AddressIPVersion").unwrap_or("ipv4")),
    );
    attrs.insert("LoadBalancerSpec".into(), json!(spec));
    attrs.insert("PayType".into(), json!(pay));
    attrs.insert(
        "InstanceChargeType".into(),
        json!(
            optional(params, "InstanceChargeType").unwrap_or(if spec.is_empty() {
                "PayByCLCU"
            } else {
                "PayBySpec"
            })
        ),
    );
    attrs.insert("InternetChargeType".into(), json!(charge));
    attrs.insert("Bandwidth".into(), json!(bandwidth));
    attrs.insert("MasterZoneId".into(), json!(master));
    attrs.insert("SlaveZoneId".into(), json!(slave));
    attrs.insert(
        "DeleteProtection".into(),
        json!(optional(params, "DeleteProtection").unwrap_or("off")),
    );
    attrs.insert(
        "ModificationProtectionStatus".into(),
        json!(optional(params, "ModificationProtectionStatus").unwrap_or("NonProtection")),
    );
    attrs.insert(
        "ModificationProtectionReason".into(),
        json!(optional(params, "ModificationProtectionReason").unwrap_or("")),
    );
    attrs.insert(
        "ResourceGroupId".into(),
        json!(catalog::resource_group_param(ctx, params)?),
    );
    attrs.insert(
        "Tags".into(),
        Value::Object(common::tags_from_params(params)),
    );
    let obj = new_obj(ctx, id, KIND, &region, "active", attrs, params);
    ctx.insert(&obj)?;
    Ok(created(&obj))
}

fn created(obj: &Obj) -> Value {
    ok(json!({
        "LoadBalancerId": obj.id,
        "Address": obj.str("Address"),
        "VpcId": obj.str("VpcId"),
        "VSwitchId": obj.str("VSwitchId"),
        "NetworkType": obj.str("NetworkType"),
        "LoadBalancerName": obj.str("LoadBalancerName"),
        "AddressIPVersion": obj.str("AddressIPVersion"),
        "ResourceGroupId": obj.str("ResourceGroupId"),
    }))
}

fn describe_item(obj: &Obj) -> Value {
    let mut item = Map::new();
    for key in [
        "LoadBalancerName",
        "AddressType",
        "NetworkType",
        "VpcId",
        "VSwitchId",
        "Address",
        "AddressIPVersion",
        "LoadBalancerSpec",
        "PayType",
        "InstanceChargeType",
        "InternetChargeType",
        "Bandwidth",
        "MasterZoneId",
        "SlaveZoneId",
        "DeleteProtection",
        "ModificationProtectionStatus",
        "ModificationProtectionReason",
        "ResourceGroupId",
    ] {
        item.insert(key.into(), obj.attrs.get(key).cloned().unwrap_or(json!("")));
    }
    item.insert("LoadBalancerId".into(), json!(obj.id));
    item.insert("LoadBalancerStatus".into(), json!(obj.status));
    item.insert("RegionId".into(), json!(obj.region));
    item.insert("CreateTime".into(), json!(obj.created_at));
    item.insert("Tags".into(), common::ecs_tags_out(obj));
    Value::Object(item)
}

pub fn describe(ctx: &mut Ctx<'_>, params: &Params) -> Result<Value, CloudError> {
    let region = region(params)?;
    let (number, size) = common::paging(params, 100)?;
    let objs = match optional(params, "ClientToken") {
        Some(token) => ctx
            .by_token(KIND, token)?
            .filter(|o| o.region == region)
            .into_iter()
            .collect(),
        None => common::select(
            ctx,
            KIND,
            &region,
            &common::id_list(params, "LoadBalancerId"),
        )?,
    };
    let filters = [
        ("LoadBalancerName", optional(params, "LoadBalancerName")),
        ("AddressType", optional(params, "AddressType")),
        ("VpcId", optional(params, "VpcId")),
        ("VSwitchId", optional(params, "VSwitchId")),
        ("NetworkType", optional(params, "NetworkType")),
        ("Address", optional(params, "Address")),
        ("ResourceGroupId", optional(params, "ResourceGroupId")),
    ];
    let items = objs
        .iter()
        .filter(|o| filters.iter().all(|(k, v)| v.is_none_or(|v| o.str(k) == v)))
        .map(describe_item)
        .collect();
    Ok(common::page_of(
        items,
        number,
        size,
        "LoadBalancers",
        "LoadBalancer",
    ))
}

pub fn describe_attribute(ctx: &mut Ctx<'_>, params: &Params) -> Result<Value, CloudError> {
    let region = region(params)?;
    let obj = get(ctx, &region, required(params, "LoadBalancerId")?)?;
    Ok(ok(describe_item(&obj)))
}

/// Sets the attributes `names` from the same-named parameters of a `Set...`/`Modify...` call.
pub fn set(ctx: &mut Ctx<'_>, params: &Params, names: &[&str]) -> Result<Value, CloudError> {
    let region = region(params)?;
    let mut obj = get(ctx, &region, required(params, "LoadBalancerId")?)?;
    common::check_name(params, "LoadBalancerName")?;
    if let Some(spec) = optional(params, "LoadBalancerSpec")
        && !SPECS.contains(&spec)
    {
        return Err(CloudError::new(
            "InvalidParameter.LoadBalancerSpec",
            format!("LoadBalancerSpec {spec:?} is not supported."),
        ));
    }
    copy_params(&mut obj.attrs, params, names);
    if let Some(bw) = int(params, "Bandwidth")? {
        obj.attrs.insert("Bandwidth".into(), json!(bw));
    }
    if let Some(status) = optional(params, "LoadBalancerStatus") {
        if !matches!(status, "active" | "inactive") {
            return Err(CloudError::new(
                "InvalidParameter.LoadBalancerStatus",
                format!("LoadBalancerStatus must be active or inactive, not {status:?}."),
            ));
        }
        obj.status = status.into();
    }
    ctx.update(&obj)?;
    Ok(common::ok_empty())
}

pub fn delete(ctx: &mut Ctx<'_>, params: &Params) -> Result<Value, CloudError> {
    let region = region(params)?;
    let obj = get(ctx, &region, required(params, "LoadBalancerId")?)?;
    if obj.str("DeleteProtection") == "on" {
        return Err(CloudError::new(
            "OperationFailed.DeleteProtection",
            format!("The load balancer {} has deletion protection on.", obj.id),
        ));
    }
    if let Some(eip) = eni::eips_of(ctx, &region, &obj.id)?.first() {
        return Err(CloudError::new(
            "DependencyViolation.EipBinding",
            format!(
                "The load balancer {} is still associated with EIP {}; disassociate it first.",
                obj.id, eip.id
            ),
        ));
    }
    if obj.str("AddressType") == "intranet" {
        if !obj.str("VSwitchId").is_empty() {
            ipam::release(ctx, obj.str("VSwitchId"), obj.str("Address"))?;
        }
    } else {
        instance::release_static_ip(ctx, obj.str("Address"), &obj.id, true)?;
    }
    ctx.delete(&obj.id)?;
    Ok(common::ok_empty())
}
