//! KMS keys: `CreateKey`, `DescribeKey`, `UpdateKeyDescription`, `EnableKey`, `DisableKey`,
//! `UpdateRotationPolicy`, `SetDeletionProtection`, `ScheduleKeyDeletion`, `CancelKeyDeletion`,
//! `TagResource`, `UntagResource`.
//!
//! Object kind `kms_key` (status Enabled/Disabled/PendingDeletion) {KeyId, Arn, Description,
//! KeyUsage, KeySpec, Origin, ProtectionLevel, AutomaticRotation, RotationInterval, DeleteDate, ...}.
//! A key scheduled for deletion disappears once its pending window has passed on the clock.

use chrono::{DateTime, Duration, Utc};
use serde_json::{Map, Value, json};

use super::common::{self, int, new_obj, ok, region, replay};
use crate::cloud::sim::{Ctx, Obj};
use crate::cloud::{CloudError, Params, optional, required};

pub const KIND: &str = "kms_key";

fn not_found(id: &str) -> CloudError {
    CloudError::not_found(
        "Forbidden.KeyNotFound",
        format!("The specified key {id:?} is not found."),
    )
}

/// The key `id`; a key whose deletion date has passed is deleted and reported as not found.
fn get(ctx: &Ctx<'_>, region: &str, id: &str) -> Result<Obj, CloudError> {
    let obj = match ctx.get_kind(id, KIND)? {
        Some(o) if o.region == region => o,
        _ => return Err(not_found(id)),
    };
    if obj.status == "PendingDeletion"
        && let Ok(due) = DateTime::parse_from_rfc3339(obj.str("DeleteDate"))
        && let Ok(now) = DateTime::parse_from_rfc3339(&common::now(ctx))
        && now >= due
    {
        ctx.delete(&obj.id)?;
        return Err(not_found(id));
    }
    Ok(obj)
}

fn rotation_interval(params: &Params) -> Result<Option<String>, CloudError> {
    let Some(v) = optional(params, "RotationInterval") else {
        return Ok(None);
    };
    let secs = v
        .strip_suffix('s')
        .and_then(|n| n.parse::<i64>().ok())
        .or_else(|| {
            v.strip_suffix('d')
                .and_then(|n| n.parse::<i64>().ok())
                .map(|d| d * 86_400)
        });
    match secs {
        Some(s) if (7 * 86_400..=365 * 86_400).contains(&s) => Ok(Some(format!("{s}s"))),
        _ => Err(CloudError::new(
            "InvalidParameter.RotationInterval",
            format!(
                "RotationInterval must lie between 7 and 365 days (e.g. 604800s or 7d), not {v:?}."
            ),
        )),
    }
}

pub fn create(ctx: &mut Ctx<'_>, params: &Params) -> Result<Value, CloudError> {
    let region = region(params)?;
    if let Some(existing) = replay(ctx, KIND, params)? {
        return Ok(ok(json!({"KeyMetadata": metadata(&existing)})));
    }
    let usage = optional(params, "KeyUsage").unwrap_or("ENCRYPT/DECRYPT");
    if !matches!(usage, "ENCRYPT/DECRYPT" | "SIGN/VERIFY") {
        return Err(CloudError::new(
            "InvalidParameter.KeyUsage",
            format!("KeyUsage must be ENCRYPT/DECRYPT or SIGN/VERIFY, not {usage:?}."),
        ));
    }
    let spec = optional(params, "KeySpec").unwrap_or("Aliyun_AES_256");
    let origin = optional(params, "Origin").unwrap_or("Aliyun_KMS");
    if !matches!(origin, "Aliyun_KMS" | "EXTERNAL") {
        return Err(CloudError::new(
            "InvalidParameter.Origin",
            format!("Origin must be Aliyun_KMS or EXTERNAL, not {origin:?}."),
        ));
    }
    let level = optional(params, "ProtectionLevel").unwrap_or("SOFTWARE");
    if !matches!(level, "SOFTWARE" | "HSM") {
        return Err(CloudError::new(
            "InvalidParameter.ProtectionLevel",
            format!("ProtectionLevel must be SOFTWARE or HSM, not {level:?}."),
        ));
    }
    let rotate = common::flag(params, "EnableAutomaticRotation").unwrap_or(false);
    let interval = rotation_interval(params)?;
    let id = ctx.new_id("key-")?;
    let now = common::now(ctx);
    let mut attrs = Map::new();
    attrs.insert("KeyId".into(), json!(id));
    attrs.insert(
        "Arn".into(),
        json!(format!("acs:kms:{region}:1234567890123456:key/{id}")),
    );
    attrs.insert(
        "Description".into(),
        json!(optional(params, "Description").unwrap_or("")),
    );
    attrs.insert("KeyUsage".into(), json!(usage));
    attrs.insert("KeySpec".into(), json!(spec));
    attrs.insert("Origin".into(), json!(origin));
    attrs.insert("ProtectionLevel".into(), json!(level));
    attrs.insert(
        "AutomaticRotation".into(),
        json!(if rotate { "Enabled" } else { "Disabled" }),
    );
    attrs.insert(
        "RotationInterval".into(),
        json!(if rotate {
            interval.clone().unwrap_or_else(|| "31536000s".into())
        } else {
            interval.clone().unwrap_or_default()
        }),
    );
    attrs.insert(
        "DKMSInstanceId".into(),
        json!(optional(params, "DKMSInstanceId").unwrap_or("")),
    );
    attrs.insert(
        "Policy".into(),
        json!(optional(params, "Policy").unwrap_or("")),
    );
    attrs.insert("Creator".into(), json!("1234567890123456"));
    attrs.insert("CreationDate".into(), json!(now));
    attrs.insert("DeleteDate".into(), json!(""));
    attrs.insert("LastRotationDate".into(), json!(now));
    attrs.insert("NextRotationDate".into(), json!(""));
    attrs.insert("MaterialExpireTime".into(), json!(""));
    attrs.insert(
        "PrimaryKeyVersion".into(),
        json!(uuid::Uuid::new_v4().to_string()),
    );
    attrs.insert("DeletionProtection".into(), json!("Disabled"));
    attrs.insert("DeletionProtectionDescription".into(), json!(""));
    attrs.insert(
        "Tags".into(),
        Value::Object(tags_json(optional(params, "Tags"))),
    );
    let status = if origin == "EXTERNAL" {
        "PendingImport"
    } else {
        "Enabled"
    };
    let obj = new_obj(ctx, id, KIND, &region, status, attrs, params);
    ctx.insert(&obj)?;
    Ok(ok(json!({"KeyMetadata": metadata(&obj)})))
}

/// Tags given as KMS's JSON list `[{"TagKey":..,"TagValue":..}]`.
fn tags_json(raw: Option<&str>) -> Map<String, Value> {
    let mut out = Map::new();
    if let Some(Value::Array(items)) = raw.and_then(|r| serde_json::from_str::<Value>(r).ok()) {
        for t in items {
            if let Some(k) = t
                .get("TagKey")
                .or_else(|| t.get("Key"))
                .and_then(Value::as_str)
            {
                let v = t
                    .get("TagValue")
                    .or_else(|| t.get("Value"))
                    .and_then(Value::as_str)
                    .unwrap_or("");
                out.insert(k.into(), json!(v));
            }
        }
    }
    out
}

fn metadata(obj: &Obj) -> Value {
    let mut m = Map::new();
    for key in [
        "KeyId",
        "Arn",
        "Description",
        "KeyUsage",
        "KeySpec",
        "Origin",
        "ProtectionLevel",
        "AutomaticRotation",
        "RotationInterval",
        "DKMSInstanceId",
        "Creator",
        "CreationDate",
        "DeleteDate",
        "LastRotationDate",
        "NextRotationDate",
        "MaterialExpireTime",
        "PrimaryKeyVersion",
    ] {
        m.insert(key.into(), obj.attrs.get(key).cloned().unwrap_or(json!("")));
    }
    m.insert("KeyState".into(), json!(obj.status));
    m.insert(
        "DeletionProtectionConfig".into(),
        json!({"Enabled": obj.str("DeletionProtection") == "Enabled", "Description": obj.str("DeletionProtectionDescription")}),
    );
    Value::Object(m)
}

pub fn describe(ctx: &mut Ctx<'_>, params: &Params) -> Result<Value, CloudError> {
    let region = region(params)?;
    let obj = match optional(params, "ClientToken") {
        Some(token) => ctx
            .by_token(KIND, token)?
            .filter(|o| o.region == region)
            .ok_or_else(|| not_found(token))?,
        None => get(ctx, &region, required(params, "KeyId")?)?,
    };
    let tags: Vec<Value> = obj
        .attrs
        .get("Tags")
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .map(|(k, v)| json!({"TagKey": k, "TagValue": v}))
                .collect()
        })
        .unwrap_or_default();
    Ok(ok(
        json!({"KeyMetadata": metadata(&obj), "Tags": {"Tag": tags}, "Policy": obj.str("Policy")}),
    ))
}

fn with_key(
    ctx: &mut Ctx<'_>,
    params: &Params,
    f: impl FnOnce(&Ctx<'_>, &mut Obj) -> Result<(), CloudError>,
) -> Result<Value, CloudError> {
    let region = region(params)?;
    let mut obj = get(ctx, &region, required(params, "KeyId")?)?;
    f(ctx, &mut obj)?;
    ctx.update(&obj)?;
    Ok(common::ok_empty())
}

fn not_pending(obj: &Obj) -> Result<(), CloudError> {
    if obj.status == "PendingDeletion" {
        return Err(CloudError::new(
            "Forbidden.KeyNotFound",
            format!(
                "The key {} is pending deletion; cancel the deletion first.",
                obj.id
            ),
        ));
    }
    Ok(())
}

pub fn update_description(ctx: &mut Ctx<'_>, params: &Params) -> Result<Value, CloudError> {
    let description = params.get("Description").cloned().unwrap_or_default();
    with_key(ctx, params, |_, obj| {
        obj.attrs.insert("Description".into(), json!(description));
        Ok(())
    })
}

pub fn set_enabled(ctx: &mut Ctx<'_>, params: &Params, enabled: bool) -> Result<Value, CloudError> {
    with_key(ctx, params, |_, obj| {
        not_pending(obj)?;
        obj.status = if enabled { "Enabled" } else { "Disabled" }.into();
        Ok(())
    })
}

pub fn update_rotation(ctx: &mut Ctx<'_>, params: &Params) -> Result<Value, CloudError> {
    let enable = required(params, "EnableAutomaticRotation")?.eq_ignore_ascii_case("true");
    let interval = rotation_interval(params)?;
    with_key(ctx, params, |_, obj| {
        obj.attrs.insert(
            "AutomaticRotation".into(),
            json!(if enable { "Enabled" } else { "Disabled" }),
        );
        if let Some(i) = interval {
            obj.attrs.insert("RotationInterval".into(), json!(i));
        }
        Ok(())
    })
}

pub fn set_deletion_protection(ctx: &mut Ctx<'_>, params: &Params) -> Result<Value, CloudError> {
    let region = region(params)?;
    let arn = required(params, "ProtectedResourceArn")?;
    let id = arn.rsplit('/').next().unwrap_or(arn);
    let mut obj = get(ctx, &region, id)?;
    let enable = required(params, "EnableDeletionProtection")?.eq_ignore_ascii_case("true");
    obj.attrs.insert(
        "DeletionProtection".into(),
        json!(if enable { "Enabled" } else { "Disabled" }),
    );
    obj.attrs.insert(
        "DeletionProtectionDescription".into(),
        json!(optional(params, "DeletionProtectionDescription").unwrap_or("")),
    );
    ctx.update(&obj)?;
    Ok(common::ok_empty())
}

pub fn schedule_deletion(ctx: &mut Ctx<'_>, params: &Params) -> Result<Value, CloudError> {
    let days = int(params, "PendingWindowInDays")?.ok_or_else(|| {
        CloudError::new(
            "MissingParameter",
            "The input parameter \"PendingWindowInDays\" is not supplied.",
        )
    })?;
    if !(7..=366).contains(&days) {
        return Err(CloudError::new(
            "InvalidParameter.PendingWindowInDays",
            format!("PendingWindowInDays must lie between 7 and 366, not {days}."),
        ));
    }
    with_key(ctx, params, |ctx, obj| {
        if obj.str("DeletionProtection") == "Enabled" {
            return Err(CloudError::new(
                "Forbidden.DeletionProtection",
                format!("The key {} has deletion protection enabled.", obj.id),
            ));
        }
        let now = DateTime::parse_from_rfc3339(&common::now(ctx))
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_else(|_| Utc::now());
        let due = now + Duration::days(days);
        obj.status = "PendingDeletion".into();
        obj.attrs.insert(
            "DeleteDate".into(),
            json!(due.format("%Y-%m-%dT%H:%M:%SZ").to_string()),
        );
        Ok(())
    })
}

pub fn cancel_deletion(ctx: &mut Ctx<'_>, params: &Params) -> Result<Value, CloudError> {
    with_key(ctx, params, |_, obj| {
        if obj.status != "PendingDeletion" {
            return Err(CloudError::new(
                "Forbidden.KeyNotPendingDeletion",
                format!("The key {} is not pending deletion.", obj.id),
            ));
        }
        obj.status = "Disabled".into();
        obj.attrs.insert("DeleteDate".into(), json!(""));
        Ok(())
    })
}

pub fn tag(ctx: &mut Ctx<'_>, params: &Params) -> Result<Value, CloudError> {
    let add = tags_json(optional(params, "Tags"));
    with_key(ctx, params, |_, obj| {
        let mut tags = obj
            .attrs
            .get("Tags")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        tags.extend(add);
        obj.attrs.insert("Tags".into(), Value::Object(tags));
        Ok(())
    })
}

pub fn untag(ctx: &mut Ctx<'_>, params: &Params) -> Result<Value, CloudError> {
    let keys: Vec<String> = optional(params, "TagKeys")
        .and_then(|r| serde_json::from_str::<Vec<String>>(r).ok())
        .unwrap_or_default();
    with_key(ctx, params, |_, obj| {
        let mut tags = obj
            .attrs
            .get("Tags")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        for k in &keys {
            tags.remove(k);
        }
        obj.attrs.insert("Tags".into(), Value::Object(tags));
        Ok(())
    })
}
