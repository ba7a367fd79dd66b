//! Tags and resource groups of EIPs and IP address pools: `TagResources`, `UnTagResources`,
//! `ListTagResources` and `MoveResourceGroup` with `ResourceType` `EIP` or `PUBLICIPADDRESSPOOL`.
//! Other resource types are left to the target families (`None`).

use serde_json::{Value, json};

use super::eip::{answer, region, tag_params, tags_of};
use super::rules::release;
use super::{Ctx, Obj, account};
use crate::cloud::{CloudError, Params, optional, repeated, required};

/// The object kind of an EIP-family `ResourceType`.
fn kind(p: &Params) -> Option<&'static str> {
    let t = optional(p, "ResourceType")?;
    if t.eq_ignore_ascii_case("EIP") {
        Some("eip")
    } else if t.eq_ignore_ascii_case("PUBLICIPADDRESSPOOL") {
        Some("pool")
    } else {
        None
    }
}

fn resource_type(kind: &str) -> &'static str {
    if kind == "eip" {
        "EIP"
    } else {
        "PUBLICIPADDRESSPOOL"
    }
}

fn load(ctx: &Ctx<'_>, kind: &str, id: &str, region: &str) -> Result<Obj, CloudError> {
    ctx.get_kind(id, kind)?
        .filter(|o| o.region == region)
        .ok_or_else(|| {
            CloudError::not_found(
                "InvalidResourceId.NotFound",
                format!("The specified resource {id} does not exist"),
            )
        })
}

fn save_tags(obj: &mut Obj, tags: Vec<(String, String)>) {
    let mut tags = tags;
    tags.sort();
    let list: Vec<Value> = tags
        .into_iter()
        .map(|(k, v)| json!({"Key": k, "Value": v}))
        .collect();
    obj.attrs.insert("Tags".into(), json!({"Tag": list}));
}

fn check_tag_key(key: &str) -> Result<(), CloudError> {
    let bad = key.is_empty()
        || key.chars().count() > 128
        || key.starts_with("acs:")
        || key.starts_with("aliyun")
        || key.contains("http://")
        || key.contains("https://");
    if bad {
        return Err(CloudError::new(
            "InvalidTagKey",
            format!(
                "tag key {key:?} is not valid: 1-128 characters, not starting with acs: or aliyun, without http:// or https://"
            ),
        ));
    }
    Ok(())
}

/// Runs `f` for each named resource after the D07 check of EIPs.
fn each(
    ctx: &mut Ctx<'_>,
    p: &Params,
    action: &str,
    mut f: impl FnMut(&mut Obj) -> Result<(), CloudError>,
) -> Option<Result<Value, CloudError>> {
    let kind = kind(p)?;
    Some((|| {
        let region = region(p)?;
        let ids = repeated(p, "ResourceId");
        if ids.is_empty() {
            required(p, "ResourceId.1")?;
        }
        for id in &ids {
            let mut obj = load(ctx, kind, id, region)?;
            if kind == "eip" {
                release::check_not_transitional(&obj, action)?;
            }
            f(&mut obj)?;
            ctx.update(&obj)?;
        }
        Ok(answer(json!({})))
    })())
}

/// TagResources.
pub fn tag(ctx: &mut Ctx<'_>, p: &Params) -> Option<Result<Value, CloudError>> {
    let new = tag_params(p);
    each(ctx, p, "TagResources", |obj| {
        let mut tags = tags_of(obj);
        for (k, v) in &new {
            check_tag_key(k)?;
            tags.retain(|(have, _)| have != k);
            tags.push((k.clone(), v.clone()));
        }
        if tags.len() > 20 {
            return Err(CloudError::new(
                "QuotaExceeded.TagNum",
                format!(
                    "{} would have {} tags; at most 20 are allowed",
                    obj.id,
                    tags.len()
                ),
            ));
        }
        save_tags(obj, tags);
        Ok(())
    })
}

/// UnTagResources (`TagKey.N`, or `All=true`).
pub fn untag(ctx: &mut Ctx<'_>, p: &Params) -> Option<Result<Value, CloudError>> {
    let keys = repeated(p, "TagKey");
    let all = optional(p, "All") == Some("true");
    each(ctx, p, "UnTagResources", |obj| {
        let tags = tags_of(obj)
            .into_iter()
            .filter(|(k, _)| !all && !keys.contains(k))
            .collect();
        save_tags(obj, tags);
        Ok(())
    })
}

/// ListTagResources.
pub fn list(ctx: &mut Ctx<'_>, p: &Params) -> Option<Result<Value, CloudError>> {
    let kind = kind(p)?;
    Some((|| {
        let region = region(p)?;
        let ids = repeated(p, "ResourceId");
        let wanted = tag_params(p);
        let objs = if ids.is_empty() {
            ctx.list(kind, Some(region))?
        } else {
            let mut v = Vec::new();
            for id in &ids {
                v.extend(ctx.get_kind(id, kind)?.filter(|o| o.region == region));
            }
            v
        };
        let mut out = Vec::new();
        for o in &objs {
            for (k, v) in tags_of(o) {
                if wanted.is_empty()
                    || wanted
                        .iter()
                        .any(|(wk, wv)| *wk == k && (wv.is_empty() || *wv == v))
                {
                    out.push(
                        json!({"ResourceId": o.id, "ResourceType": resource_type(kind), "TagKey": k, "TagValue": v}),
                    );
                }
            }
        }
        Ok(answer(
            json!({"TagResources": {"TagResource": out}, "NextToken": ""}),
        ))
    })())
}

/// MoveResourceGroup (A11).
pub fn move_group(ctx: &mut Ctx<'_>, p: &Params) -> Option<Result<Value, CloudError>> {
    let kind = kind(p)?;
    Some((|| {
        let region = region(p)?;
        let id = required(p, "ResourceId")?;
        let rg = required(p, "NewResourceGroupId")?;
        let mut obj = load(ctx, kind, id, region)?;
        if kind == "eip" {
            release::check_not_transitional(&obj, "MoveResourceGroup")?;
        }
        account::check_resource_group(ctx, rg)?;
        obj.attrs.insert("ResourceGroupId".into(), json!(rg));
        ctx.update(&obj)?;
        Ok(answer(json!({})))
    })())
}
