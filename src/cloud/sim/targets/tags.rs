//! Tags and resource groups of the target resources: `TagResources`, `UntagResources` (and
//! VPC's spelling `UnTagResources`), `MoveResourceGroup`, `JoinResourceGroup`,
//! `ChangeResourceGroup`.
//!
//! These actions exist for EIPs too. This module answers only when every `ResourceId.N` (or
//! `ResourceId`) names an object of one of the target kinds, and returns `None` otherwise so the
//! EIP family answers.

use serde_json::{Map, Value, json};

use super::common::{self, region};
use crate::cloud::sim::{Ctx, Obj};
use crate::cloud::{CloudError, Params, optional, repeated, required};

/// The object kinds this family owns.
pub const KINDS: &[&str] = &[
    "vpc",
    "vswitch",
    "security_group",
    "instance",
    "eni",
    "nat_gateway",
    "slb",
    "havip",
    "ipv4_gateway",
    "kms_key",
];

fn resource_ids(params: &Params) -> Vec<String> {
    let mut ids = repeated(params, "ResourceId");
    if let Some(id) = optional(params, "ResourceId") {
        ids.push(id.to_string());
    }
    ids
}

/// The objects named by the request when all of them are target kinds; `None` otherwise.
fn targets(ctx: &Ctx<'_>, params: &Params) -> Option<Vec<Obj>> {
    let ids = resource_ids(params);
    if ids.is_empty() {
        return None;
    }
    let mut out = Vec::new();
    for id in ids {
        let obj = ctx.get(&id).ok().flatten()?;
        if !KINDS.contains(&obj.kind.as_str()) {
            return None;
        }
        out.push(obj);
    }
    Some(out)
}

/// Runs `f` on each named object (in the request's region) when the request is for target kinds.
fn for_targets(
    ctx: &mut Ctx<'_>,
    params: &Params,
    f: impl Fn(&mut Obj) -> Result<(), CloudError>,
) -> Option<Result<Value, CloudError>> {
    let objs = targets(ctx, params)?;
    Some((|| {
        let region = match optional(params, "RegionId") {
            Some(_) => Some(region(params)?),
            None => None,
        };
        for mut obj in objs {
            if region.as_ref().is_some_and(|r| *r != obj.region) {
                return Err(CloudError::not_found(
                    "InvalidResourceId.NotFound",
                    format!(
                        "The resource {} does not exist in region {}.",
                        obj.id,
                        region.as_deref().unwrap_or("")
                    ),
                ));
            }
            f(&mut obj)?;
            ctx.update(&obj)?;
        }
        Ok(common::ok_empty())
    })())
}

pub fn tag(ctx: &mut Ctx<'_>, params: &Params) -> Option<Result<Value, CloudError>> {
    let add = common::tags_from_params(params);
    for_targets(ctx, params, |obj| {
        let mut tags = obj
            .attrs
            .get("Tags")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        if tags.len() + add.keys().filter(|k| !tags.contains_key(*k)).count() > 20 {
            return Err(CloudError::new(
                "QuotaExceeded.TagNum",
                format!("The resource {} would hold more than 20 tags.", obj.id),
            ));
        }
        tags.extend(add.clone());
        obj.attrs.insert("Tags".into(), Value::Object(tags));
        Ok(())
    })
}

pub fn untag(ctx: &mut Ctx<'_>, params: &Params) -> Option<Result<Value, CloudError>> {
    let keys = repeated(params, "TagKey");
    let all = common::flag(params, "All").unwrap_or(false);
    for_targets(ctx, params, |obj| {
        let mut tags = obj
            .attrs
            .get("Tags")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        if all {
            tags = Map::new();
        }
        for k in &keys {
            tags.remove(k);
        }
        obj.attrs.insert("Tags".into(), Value::Object(tags));
        Ok(())
    })
}

pub fn move_resource_group(
    ctx: &mut Ctx<'_>,
    params: &Params,
) -> Option<Result<Value, CloudError>> {
    let group = optional(params, "NewResourceGroupId")
        .or_else(|| optional(params, "ResourceGroupId"))
        .map(str::to_string);
    let known: Vec<String> = super::catalog::resource_groups(ctx)
        .into_iter()
        .map(|g| g.0)
        .collect();
    for_targets(ctx, params, |obj| {
        let group = match &group {
            Some(g) => g.clone(),
            None => required(params, "NewResourceGroupId")?.to_string(),
        };
        if !known.contains(&group) {
            // A11: the group must be one of the account's.
            return Err(CloudError::new(
                "InvalidResourceGroupId",
                format!("The resource group {group} does not exist in this account"),
            )
            .rule("A11"));
        }
        obj.attrs.insert("ResourceGroupId".into(), json!(group));
        Ok(())
    })
}
