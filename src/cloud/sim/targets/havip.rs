//! High-availability virtual IPs: `CreateHaVip`, `DescribeHaVips`, `ModifyHaVipAttribute`,
//! `DeleteHaVip`.
//!
//! Object kind `havip` (status Available) {HaVipId, VpcId, VSwitchId, IpAddress, Name,
//! Description, ResourceGroupId, Tags}. The EIPs associated with a HAVIP are the `eip` objects
//! whose `InstanceId` is the HAVIP's id; `DescribeHaVips` lists them.

use serde_json::{Map, Value, json};

use super::common::{self, copy_params, new_obj, ok, region, replay};
use super::{catalog, eni, ipam, vswitch};
use crate::cloud::sim::{Ctx, Obj};
use crate::cloud::{CloudError, Params, optional, repeated, required};

pub const KIND: &str = "havip";

pub fn get(ctx: &Ctx<'_>, region: &str, id: &str) -> Result<Obj, CloudError> {
    common::must_get(ctx, KIND, region, id, "InvalidHaVipId.NotFound", "HAVIP")
}

pub fn create(ctx: &mut Ctx<'_>, params: &Params) -> Result<Value, CloudError> {
    let region = region(params)?;
    if let Some(existing) = replay(ctx, KIND, params)? {
        return Ok(ok(
            json!({"HaVipId": existing.id, "IpAddress": existing.str("IpAddress")}),
        ));
    }
    let vsw = vswitch::get(ctx, &region, required(params, "VSwitchId")?)?;
    if let Some(d) = optional(params, "Description")
        && (d.chars().count() > 256 || d.starts_with("http://") || d.starts_with("https://"))
    {
        return Err(CloudError::new(
            "InvalidDescription.Malformed",
            "The HAVIP description must have at most 256 characters and must not start with http:// or https://.",
        ));
    }
    let id = ctx.new_id("havip-")?;
    let ip = match optional(params, "IpAddress") {
        Some(ip) => {
            ipam::reserve(ctx, &vsw.id, ip, &id)?;
            ip.trim().to_string()
        }
        None => ipam::allocate(ctx, &vsw.id, &id)?,
    };
    let mut attrs = Map::new();
    attrs.insert("HaVipId".into(), json!(id));
    attrs.insert("VpcId".into(), json!(vsw.str("VpcId")));
    attrs.insert("VSwitchId".into(), json!(vsw.id));
    attrs.insert("IpAddress".into(), json!(ip));
    attrs.insert("Name".into(), json!(optional(params, "Name").unwrap_or("")));
    attrs.insert(
        "Description".into(),
        json!(optional(params, "Description").unwrap_or("")),
    );
    attrs.insert("MasterInstanceId".into(), json!(""));
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
    Ok(ok(
        json!({"HaVipId": obj.id, "IpAddress": obj.str("IpAddress")}),
    ))
}

fn describe_item(ctx: &Ctx<'_>, obj: &Obj) -> Result<Value, CloudError> {
    let eips: Vec<String> = eni::eips_of(ctx, &obj.region, &obj.id)?
        .iter()
        .map(|e| e.str("IpAddress").to_string())
        .collect();
    Ok(json!({
        "HaVipId": obj.id,
        "RegionId": obj.region,
        "VpcId": obj.str("VpcId"),
        "VSwitchId": obj.str("VSwitchId"),
        "IpAddress": obj.str("IpAddress"),
        "Status": obj.status,
        "MasterInstanceId": obj.str("MasterInstanceId"),
        "Description": obj.str("Description"),
        "Name": obj.str("Name"),
        "HaVipName": obj.str("Name"),
        "CreateTime": obj.created_at,
        "ResourceGroupId": obj.str("ResourceGroupId"),
        "AssociatedInstanceType": "",
        "AssociatedEipAddresses": {"associatedEipAddresse": eips},
        "AssociatedInstances": {"associatedInstance": []},
        "Tags": common::tags_out(obj),
    }))
}

/// Filters given as `Filter.N.Key` / `Filter.N.Value.M` (the HAVIP API's style), plus `HaVipId`.
fn filters(params: &Params) -> Vec<(String, Vec<String>)> {
    let mut out = Vec::new();
    for i in 1.. {
        let Some(key) = params.get(&format!("Filter.{i}.Key")) else {
            break;
        };
        out.push((key.clone(), repeated(params, &format!("Filter.{i}.Value"))));
    }
    out
}

pub fn describe(ctx: &mut Ctx<'_>, params: &Params) -> Result<Value, CloudError> {
    let region = region(params)?;
    let (number, size) = common::paging(params, 50)?;
    let filters = filters(params);
    let mut ids = common::id_list(params, "HaVipId");
    for (k, v) in &filters {
        if k == "HaVipId" {
            ids.extend(v.iter().cloned());
        }
    }
    let objs = match optional(params, "ClientToken") {
        Some(token) => ctx
            .by_token(KIND, token)?
            .filter(|o| o.region == region)
            .into_iter()
            .collect(),
        None => common::select(ctx, KIND, &region, &ids)?,
    };
    let mut items = Vec::new();
    for o in &objs {
        let keep = filters.iter().all(|(k, v)| match k.as_str() {
            "VpcId" | "VSwitchId" | "IpAddress" | "Name" => {
                v.is_empty() || v.iter().any(|x| x == o.str(k))
            }
            "Status" => v.is_empty() || v.contains(&o.status),
            _ => true,
        });
        if keep {
            items.push(describe_item(ctx, o)?);
        }
    }
    Ok(common::page_of(items, number, size, "HaVips", "HaVip"))
}

pub fn modify(ctx: &mut Ctx<'_>, params: &Params) -> Result<Value, CloudError> {
    let region = region(params)?;
    let mut obj = get(ctx, &region, required(params, "HaVipId")?)?;
    copy_params(&mut obj.attrs, params, &["Name", "Description"]);
    ctx.update(&obj)?;
    Ok(common::ok_empty())
}

pub fn delete(ctx: &mut Ctx<'_>, params: &Params) -> Result<Value, CloudError> {
    let region = region(params)?;
    let obj = get(ctx, &region, required(params, "HaVipId")?)?;
    if let Some(eip) = eni::eips_of(ctx, &region, &obj.id)?.first() {
        return Err(CloudError::new(
            "DependencyViolation.HaVipBoundEip",
            format!(
                "The HAVIP {} is still associated with EIP {}; disassociate it first.",
                obj.id, eip.id
            ),
        ));
    }
    ipam::release(ctx, obj.str("VSwitchId"), obj.str("IpAddress"))?;
    ctx.delete(&obj.id)?;
    Ok(common::ok_empty())
}
