//! IPv4 gateways: `CreateIpv4Gateway`, `EnableVpcIpv4Gateway`, `DisableVpcIpv4Gateway`,
//! `GetIpv4GatewayAttribute`, `ListIpv4Gateways`, `UpdateIpv4GatewayAttribute`,
//! `DeleteIpv4Gateway`.
//!
//! Object kind `ipv4_gateway` {Ipv4GatewayId, VpcId, Enabled, Ipv4GatewayName,
//! Ipv4GatewayDescription, Ipv4GatewayRouteTableId, ResourceGroupId}. The VPC's `Ipv4GatewayId`
//! names the gateway while it is enabled and is "" otherwise: the `IpAddress` association
//! target (rule S10) reads it.

use serde_json::{Map, Value, json};

use super::common::{self, copy_params, new_obj, ok, region, replay};
use super::{catalog, vpc};
use crate::cloud::sim::{Ctx, Obj};
use crate::cloud::{CloudError, Params, optional, required};

pub const KIND: &str = "ipv4_gateway";

fn get(ctx: &Ctx<'_>, region: &str, id: &str) -> Result<Obj, CloudError> {
    common::must_get(
        ctx,
        KIND,
        region,
        id,
        "ResourceNotFound.Ipv4Gateway",
        "IPv4 gateway",
    )
}

pub fn create(ctx: &mut Ctx<'_>, params: &Params) -> Result<Value, CloudError> {
    let region = region(params)?;
    if let Some(existing) = replay(ctx, KIND, params)? {
        return Ok(created(&existing));
    }
    let vpc = vpc::get(ctx, &region, required(params, "VpcId")?)?;
    if let Some(other) = common::find_by_attr(ctx, KIND, &region, "VpcId", &vpc.id)?.first() {
        return Err(CloudError::new(
            "ResourceAlreadyExist.Ipv4Gateway",
            format!(
                "The VPC {} already has the IPv4 gateway {}; a VPC holds at most one.",
                vpc.id, other.id
            ),
        ));
    }
    let id = ctx.new_id("ipv4gw-")?;
    let mut attrs = Map::new();
    attrs.insert("Ipv4GatewayId".into(), json!(id));
    attrs.insert("VpcId".into(), json!(vpc.id));
    attrs.insert("Enabled".into(), json!(false));
    attrs.insert(
        "Ipv4GatewayName".into(),
        json!(optional(params, "Ipv4GatewayName").unwrap_or("")),
    );
    attrs.insert(
        "Ipv4GatewayDescription".into(),
        json!(optional(params, "Ipv4GatewayDescription").unwrap_or("")),
    );
    attrs.insert("Ipv4GatewayRouteTableId".into(), json!(""));
    attrs.insert(
        "InternetMode".into(),
        json!(optional(params, "InternetMode").unwrap_or("public")),
    );
    attrs.insert(
        "ResourceGroupId".into(),
        json!(catalog::resource_group_param(ctx, params)?),
    );
    attrs.insert(
        "Tags".into(),
        Value::Object(common::tags_from_params(params)),
    );
    let obj = new_obj(ctx, id, KIND, &region, "Created", attrs, params);
    ctx.insert(&obj)?;
    Ok(created(&obj))
}

fn created(obj: &Obj) -> Value {
    ok(json!({"Ipv4GatewayId": obj.id, "ResourceGroupId": obj.str("ResourceGroupId")}))
}

fn set_enabled(ctx: &mut Ctx<'_>, params: &Params, enabled: bool) -> Result<Value, CloudError> {
    let region = region(params)?;
    let mut gw = get(ctx, &region, required(params, "Ipv4GatewayId")?)?;
    gw.attrs.insert("Enabled".into(), json!(enabled));
    ctx.update(&gw)?;
    if let Some(mut vpc) = ctx.get_kind(gw.str("VpcId"), vpc::KIND)? {
        vpc.attrs.insert(
            "Ipv4GatewayId".into(),
            json!(if enabled { gw.id.as_str() } else { "" }),
        );
        ctx.update(&vpc)?;
    }
    Ok(common::ok_empty())
}

pub fn enable(ctx: &mut Ctx<'_>, params: &Params) -> Result<Value, CloudError> {
    set_enabled(ctx, params, true)
}

pub fn disable(ctx: &mut Ctx<'_>, params: &Params) -> Result<Value, CloudError> {
    set_enabled(ctx, params, false)
}

fn item(obj: &Obj) -> Value {
    json!({
        "Ipv4GatewayId": obj.id,
        "Ipv4GatewayName": obj.str("Ipv4GatewayName"),
        "Ipv4GatewayDescription": obj.str("Ipv4GatewayDescription"),
        "Ipv4GatewayRouteTableId": obj.str("Ipv4GatewayRouteTableId"),
        "VpcId": obj.str("VpcId"),
        "Status": obj.status,
        "Enabled": obj.attrs.get("Enabled").and_then(Value::as_bool).unwrap_or(false),
        "CreateTime": obj.created_at,
        "GmtCreate": obj.created_at,
        "ResourceGroupId": obj.str("ResourceGroupId"),
        "InternetMode": obj.str("InternetMode"),
        "Tags": obj.attrs.get("Tags").and_then(Value::as_object)
            .map(|m| m.iter().map(|(k, v)| json!({"Key": k, "Value": v})).collect::<Vec<_>>())
            .unwrap_or_default(),
    })
}

pub fn get_attribute(ctx: &mut Ctx<'_>, params: &Params) -> Result<Value, CloudError> {
    let region = region(params)?;
    let gw = get(ctx, &region, required(params, "Ipv4GatewayId")?)?;
    Ok(ok(item(&gw)))
}

pub fn list(ctx: &mut Ctx<'_>, params: &Params) -> Result<Value, CloudError> {
    let region = region(params)?;
    let objs: Vec<Obj> = if let Some(token) = optional(params, "ClientToken") {
        ctx.by_token(KIND, token)?
            .filter(|o| o.region == region)
            .into_iter()
            .collect()
    } else if optional(params, "Ipv4GatewayId").is_some() {
        common::select(
            ctx,
            KIND,
            &region,
            &common::id_list(params, "Ipv4GatewayId"),
        )?
    } else if let Some(vpc_id) = optional(params, "VpcId") {
        common::find_by_attr(ctx, KIND, &region, "VpcId", vpc_id)?
    } else {
        ctx.list(KIND, Some(&region))?
    };
    let name = optional(params, "Ipv4GatewayName");
    let items: Vec<Value> = objs
        .iter()
        .filter(|o| name.is_none_or(|n| o.str("Ipv4GatewayName") == n))
        .map(item)
        .collect();
    Ok(ok(
        json!({"TotalCount": items.len(), "Ipv4GatewayModels": items, "NextToken": ""}),
    ))
}

pub fn update(ctx: &mut Ctx<'_>, params: &Params) -> Result<Value, CloudError> {
    let region = region(params)?;
    let mut gw = get(ctx, &region, required(params, "Ipv4GatewayId")?)?;
    copy_params(
        &mut gw.attrs,
        params,
        &["Ipv4GatewayName", "Ipv4GatewayDescription"],
    );
    ctx.update(&gw)?;
    Ok(common::ok_empty())
}

pub fn delete(ctx: &mut Ctx<'_>, params: &Params) -> Result<Value, CloudError> {
    let region = region(params)?;
    let gw = get(ctx, &region, required(params, "Ipv4GatewayId")?)?;
    ctx.delete(&gw.id)?;
    if let Some(mut vpc) = ctx.get_kind(gw.str("VpcId"), vpc::KIND)?
        && vpc.str("Ipv4GatewayId") == gw.id
    {
        vpc.attrs.insert("Ipv4GatewayId".into(), json!(""));
        ctx.update(&vpc)?;
    }
    Ok(common::ok_empty())
}
