//! Security groups: `CreateSecurityGroup`, `DescribeSecurityGroups`,
//! `ModifySecurityGroupAttribute`, `ModifySecurityGroupPolicy`, `DeleteSecurityGroup`.
//!
//! Object kind `security_group` {SecurityGroupId, VpcId, SecurityGroupName, Description,
//! SecurityGroupType, InnerAccessPolicy, ResourceGroupId, Tags, EniCount}. `EniCount` counts the
//! network interfaces (primary ones included) in the group; a group in use cannot be deleted.

use serde_json::{Map, Value, json};

use super::common::{self, copy_params, new_obj, ok, region, replay};
use super::{catalog, vpc};
use crate::cloud::sim::{Ctx, Obj};
use crate::cloud::{CloudError, Params, optional, required};

pub const KIND: &str = "security_group";

pub fn get(ctx: &Ctx<'_>, region: &str, id: &str) -> Result<Obj, CloudError> {
    common::must_get(
        ctx,
        KIND,
        region,
        id,
        "InvalidSecurityGroupId.NotFound",
        "security group",
    )
}

/// Checks that every group of `ids` exists in `region` and belongs to `vpc_id`.
pub fn check_groups(
    ctx: &Ctx<'_>,
    region: &str,
    ids: &[String],
    vpc_id: &str,
) -> Result<(), CloudError> {
    for id in ids {
        let sg = get(ctx, region, id)?;
        if !sg.str("VpcId").is_empty() && sg.str("VpcId") != vpc_id {
            return Err(CloudError::new(
                "InvalidSecurityGroupId.VPCMismatch",
                format!(
                    "The security group {id} belongs to VPC {}, not to VPC {vpc_id} of the vSwitch.",
                    sg.str("VpcId")
                ),
            ));
        }
    }
    Ok(())
}

/// Adds `delta` to the interface count of each group of `ids`.
pub fn count_refs(ctx: &Ctx<'_>, ids: &[String], delta: i64) -> Result<(), CloudError> {
    for id in ids {
        if let Some(mut sg) = ctx.get_kind(id, KIND)? {
            let n = sg
                .attrs
                .get("EniCount")
                .and_then(Value::as_i64)
                .unwrap_or(0);
            sg.attrs
                .insert("EniCount".into(), json!((n + delta).max(0)));
            ctx.update(&sg)?;
        }
    }
    Ok(())
}

pub fn create(ctx: &mut Ctx<'_>, params: &Params) -> Result<Value, CloudError> {
    let region = region(params)?;
    if let Some(existing) = replay(ctx, KIND, params)? {
        return Ok(ok(json!({"SecurityGroupId": existing.id})));
    }
    let vpc_id = match optional(params, "VpcId") {
        Some(id) => vpc::get(ctx, &region, id)?.id,
        None => String::new(),
    };
    let sg_type = optional(params, "SecurityGroupType").unwrap_or("normal");
    if !matches!(sg_type, "normal" | "enterprise") {
        return Err(CloudError::new(
            "InvalidSecurityGroupType.Malformed",
            format!("SecurityGroupType must be normal or enterprise, not {sg_type:?}."),
        ));
    }
    common::check_name(params, "SecurityGroupName")?;
    let id = ctx.new_id("sg-")?;
    let mut attrs = Map::new();
    attrs.insert("SecurityGroupId".into(), json!(id));
    attrs.insert("VpcId".into(), json!(vpc_id));
    attrs.insert(
        "SecurityGroupName".into(),
        json!(optional(params, "SecurityGroupName").unwrap_or("")),
    );
    attrs.insert(
        "Description".into(),
        json!(optional(params, "Description").unwrap_or("")),
    );
    attrs.insert("SecurityGroupType".into(), json!(sg_type));
    attrs.insert(
        "InnerAccessPolicy".into(),
        json!(if sg_type == "normal" {
            "Accept"
        } else {
            "Drop"
        }),
    );
    attrs.insert(
        "ResourceGroupId".into(),
        json!(catalog::resource_group_param(ctx, params)?),
    );
    attrs.insert("EniCount".into(), json!(0));
    attrs.insert(
        "Tags".into(),
        Value::Object(common::tags_from_params(params)),
    );
    let obj = new_obj(ctx, id, KIND, &region, "Available", attrs, params);
    ctx.insert(&obj)?;
    Ok(ok(json!({"SecurityGroupId": obj.id})))
}

pub fn describe_item(obj: &Obj) -> Value {
    json!({
        "SecurityGroupId": obj.id,
        "SecurityGroupName": obj.str("SecurityGroupName"),
        "Description": obj.str("Description"),
        "VpcId": obj.str("VpcId"),
        "SecurityGroupType": obj.str("SecurityGroupType"),
        "InnerAccessPolicy": obj.str("InnerAccessPolicy"),
        "CreationTime": obj.created_at,
        "ResourceGroupId": obj.str("ResourceGroupId"),
        "EcsCount": obj.attrs.get("EniCount").cloned().unwrap_or(json!(0)),
        "ServiceManaged": false,
        "Tags": common::ecs_tags_out(obj),
    })
}

pub fn describe(ctx: &mut Ctx<'_>, params: &Params) -> Result<Value, CloudError> {
    let region = region(params)?;
    let (number, size) = common::paging(params, 100)?;
    let mut ids = common::id_list(params, "SecurityGroupIds");
    ids.extend(common::id_list(params, "SecurityGroupId"));
    let objs = match optional(params, "ClientToken") {
        Some(token) => ctx
            .by_token(KIND, token)?
            .filter(|o| o.region == region)
            .into_iter()
            .collect(),
        None => common::select(ctx, KIND, &region, &ids)?,
    };
    let vpc_id = optional(params, "VpcId");
    let name = optional(params, "SecurityGroupName");
    let tags = common::tags_from_params(params);
    let items = objs
        .iter()
        .filter(|o| vpc_id.is_none_or(|v| o.str("VpcId") == v))
        .filter(|o| name.is_none_or(|n| o.str("SecurityGroupName") == n))
        .filter(|o| common::tags_match(o, &tags))
        .map(describe_item)
        .collect();
    Ok(common::page_of(
        items,
        number,
        size,
        "SecurityGroups",
        "SecurityGroup",
    ))
}

/// `DescribeSecurityGroupAttribute`: one group with its (empty) rule list.
pub fn describe_attribute(ctx: &mut Ctx<'_>, params: &Params) -> Result<Value, CloudError> {
    let region = region(params)?;
    let obj = get(ctx, &region, required(params, "SecurityGroupId")?)?;
    let mut item = describe_item(&obj);
    if let Value::Object(m) = &mut item {
        m.insert("RegionId".into(), json!(region));
        m.insert("Permissions".into(), json!({"Permission": []}));
    }
    Ok(ok(item))
}

pub fn modify(ctx: &mut Ctx<'_>, params: &Params) -> Result<Value, CloudError> {
    let region = region(params)?;
    let mut obj = get(ctx, &region, required(params, "SecurityGroupId")?)?;
    common::check_name(params, "SecurityGroupName")?;
    copy_params(
        &mut obj.attrs,
        params,
        &["SecurityGroupName", "Description"],
    );
    ctx.update(&obj)?;
    Ok(common::ok_empty())
}

pub fn modify_policy(ctx: &mut Ctx<'_>, params: &Params) -> Result<Value, CloudError> {
    let region = region(params)?;
    let mut obj = get(ctx, &region, required(params, "SecurityGroupId")?)?;
    let policy = required(params, "InnerAccessPolicy")?;
    if !matches!(policy, "Accept" | "Drop") {
        return Err(CloudError::new(
            "InvalidParameter",
            format!("InnerAccessPolicy must be Accept or Drop, not {policy:?}."),
        ));
    }
    obj.attrs.insert("InnerAccessPolicy".into(), json!(policy));
    ctx.update(&obj)?;
    Ok(common::ok_empty())
}

pub fn delete(ctx: &mut Ctx<'_>, params: &Params) -> Result<Value, CloudError> {
    let region = region(params)?;
    let obj = get(ctx, &region, required(params, "SecurityGroupId")?)?;
    let n = obj
        .attrs
        .get("EniCount")
        .and_then(Value::as_i64)
        .unwrap_or(0);
    if n > 0 {
        return Err(CloudError::new(
            "DependencyViolation",
            format!(
                "There are still {n} instance(s) or network interface(s) in the security group {}.",
                obj.id
            ),
        ));
    }
    ctx.delete(&obj.id)?;
    Ok(common::ok_empty())
}
