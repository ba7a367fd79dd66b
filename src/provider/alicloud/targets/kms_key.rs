//! `alicloud_kms_key`: `CreateKey` (then `DisableKey` / `SetDeletionProtection` when asked),
//! `DescribeKey` (one call per key; a key pending deletion counts as gone),
//! `UpdateKeyDescription`, `EnableKey`/`DisableKey`, `UpdateRotationPolicy`,
//! `SetDeletionProtection`, `TagResource`/`UntagResource`, and `ScheduleKeyDeletion` with the
//! pending window on delete.

use serde_json::{Value, json};

use super::common::{self as c, Out};
use crate::cloud::Params;
use crate::provider::alicloud::{Api, ResourceOps};
use crate::provider::{Attrs, Deleted, OpContext, ProviderError, ReadItem};

pub struct KmsKey;

const TYPE: &str = "alicloud_kms_key";

fn to_attrs(answer: &Value, src: &Attrs) -> Attrs {
    let m = answer.get("KeyMetadata").cloned().unwrap_or(Value::Null);
    let mut o = Out::new(&c::js(&m, "KeyId"), src);
    let protection = m
        .get("DeletionProtectionConfig")
        .cloned()
        .unwrap_or(Value::Null);
    let state = c::js(&m, "KeyState");
    o.opt("description", c::js(&m, "Description"))
        .set("key_usage", c::js(&m, "KeyUsage"))
        .set("key_spec", c::js(&m, "KeySpec"))
        .set("origin", c::js(&m, "Origin"))
        .set("protection_level", c::js(&m, "ProtectionLevel"))
        .set("status", state.clone())
        .set("key_state", state)
        .echo("is_enabled")
        .echo_or(
            "pending_window_in_days",
            src.get("deletion_window_in_days")
                .cloned()
                .unwrap_or(Value::Null),
        )
        .set("automatic_rotation", c::js(&m, "AutomaticRotation"))
        .opt("rotation_interval", c::js(&m, "RotationInterval"))
        .opt("dkms_instance_id", c::js(&m, "DKMSInstanceId"))
        .set("policy", c::js(answer, "Policy"))
        .set(
            "deletion_protection",
            if c::jb(&protection, "Enabled") {
                "Enabled"
            } else {
                "Disabled"
            },
        )
        .opt(
            "deletion_protection_description",
            c::js(&protection, "Description"),
        )
        .opt("tags", c::jtags(answer))
        .set("arn", c::js(&m, "Arn"))
        .set("creation_date", c::js(&m, "CreationDate"))
        .set("creator", c::js(&m, "Creator"))
        .set("delete_date", c::js(&m, "DeleteDate"))
        .set("last_rotation_date", c::js(&m, "LastRotationDate"))
        .set("material_expire_time", c::js(&m, "MaterialExpireTime"))
        .set("next_rotation_date", c::js(&m, "NextRotationDate"))
        .set("primary_key_version", c::js(&m, "PrimaryKeyVersion"));
    o.finish(TYPE, false)
}

/// The key, or `None` when it is gone or pending deletion.
fn get(api: &Api, ctx: &OpContext, id: &str) -> Result<Option<Value>, ProviderError> {
    match api.call(ctx, "DescribeKey", c::params(&[("KeyId", id)])) {
        Ok(v)
            if c::js(v.get("KeyMetadata").unwrap_or(&Value::Null), "KeyState")
                == "PendingDeletion" =>
        {
            Ok(None)
        }
        Ok(v) => Ok(Some(v)),
        Err(e) if c::is_not_found(&e) => Ok(None),
        Err(e) => Err(e),
    }
}

fn item(api: &Api, ctx: &OpContext, id: &str) -> Result<Value, ProviderError> {
    get(api, ctx, id)?.ok_or_else(|| {
        ProviderError::Invalid(format!(
            "KMS key {id} disappeared right after it was changed"
        ))
    })
}

/// The wanted key state: `status`, else the deprecated `is_enabled`.
fn wanted_state(config: &Attrs) -> Option<String> {
    c::ne(config, &["status", "key_state"]).or_else(|| {
        c::b(config, &["is_enabled"]).map(|on| if on { "Enabled" } else { "Disabled" }.to_string())
    })
}

fn set_protection(
    api: &Api,
    ctx: &OpContext,
    arn: &str,
    config: &Attrs,
) -> Result<(), ProviderError> {
    let on = c::s(config, &["deletion_protection"]).as_deref() == Some("Enabled");
    let mut p = c::params(&[
        ("ProtectedResourceArn", arn),
        (
            "EnableDeletionProtection",
            if on { "true" } else { "false" },
        ),
    ]);
    c::put(
        &mut p,
        "DeletionProtectionDescription",
        c::ne(config, &["deletion_protection_description"]),
    );
    api.call(ctx, "SetDeletionProtection", p)?;
    Ok(())
}

fn tags_json(tags: &serde_json::Map<String, Value>) -> String {
    let list: Vec<Value> = tags
        .iter()
        .map(|(k, v)| json!({"TagKey": k, "TagValue": v}))
        .collect();
    Value::Array(list).to_string()
}

impl ResourceOps for KmsKey {
    fn create(&self, api: &Api, ctx: &OpContext, config: &Attrs) -> Result<Attrs, ProviderError> {
        let mut p = Params::new();
        c::put(&mut p, "Description", c::ne(config, &["description"]));
        c::put(&mut p, "KeyUsage", c::ne(config, &["key_usage"]));
        c::put(&mut p, "KeySpec", c::ne(config, &["key_spec"]));
        c::put(&mut p, "Origin", c::ne(config, &["origin"]));
        c::put(
            &mut p,
            "ProtectionLevel",
            c::ne(config, &["protection_level"]),
        );
        c::put(
            &mut p,
            "EnableAutomaticRotation",
            c::s(config, &["automatic_rotation"]).map(|v| v == "Enabled"),
        );
        c::put(
            &mut p,
            "RotationInterval",
            c::ne(config, &["rotation_interval"]),
        );
        c::put(
            &mut p,
            "DKMSInstanceId",
            c::ne(config, &["dkms_instance_id"]),
        );
        c::put(&mut p, "Policy", c::ne(config, &["policy"]));
        if let Some(tags) = c::map(config, "tags").filter(|t| !t.is_empty()) {
            p.insert("Tags".into(), tags_json(&tags));
        }
        let answer = api.mutate(ctx, "CreateKey", "", p)?;
        let id = c::js(answer.get("KeyMetadata").unwrap_or(&Value::Null), "KeyId");
        if wanted_state(config).as_deref() == Some("Disabled") {
            api.call(ctx, "DisableKey", c::params(&[("KeyId", &id)]))?;
        }
        if c::s(config, &["deletion_protection"]).as_deref() == Some("Enabled") {
            let arn = c::js(answer.get("KeyMetadata").unwrap_or(&Value::Null), "Arn");
            set_protection(api, ctx, &arn, config)?;
        }
        Ok(to_attrs(&item(api, ctx, &id)?, config))
    }

    fn read(
        &self,
        api: &Api,
        ctx: &OpContext,
        items: &[ReadItem],
    ) -> Result<Vec<Option<Attrs>>, ProviderError> {
        items
            .iter()
            .map(|(id, prior)| Ok(get(api, ctx, id)?.map(|item| to_attrs(&item, prior))))
            .collect()
    }

    fn update(
        &self,
        api: &Api,
        ctx: &OpContext,
        id: &str,
        prior: &Attrs,
        config: &Attrs,
        changed: &[String],
    ) -> Result<Attrs, ProviderError> {
        if c::any(changed, &["description"]) {
            let d = c::s(config, &["description"]).unwrap_or_default();
            api.call(
                ctx,
                "UpdateKeyDescription",
                c::params(&[("KeyId", id), ("Description", &d)]),
            )?;
        }
        if c::any(changed, &["status", "key_state", "is_enabled"])
            && let Some(state) = wanted_state(config)
        {
            let action = if state == "Disabled" {
                "DisableKey"
            } else {
                "EnableKey"
            };
            api.call(ctx, action, c::params(&[("KeyId", id)]))?;
        }
        if c::any(changed, &["automatic_rotation", "rotation_interval"]) {
            let on = c::s(config, &["automatic_rotation"]).as_deref() == Some("Enabled");
            let mut p = c::params(&[
                ("KeyId", id),
                ("EnableAutomaticRotation", if on { "true" } else { "false" }),
            ]);
            c::put(
                &mut p,
                "RotationInterval",
                c::ne(config, &["rotation_interval"]),
            );
            api.call(ctx, "UpdateRotationPolicy", p)?;
        }
        if c::any(
            changed,
            &["deletion_protection", "deletion_protection_description"],
        ) {
            let arn = c::s(prior, &["arn"]).unwrap_or_else(|| id.to_string());
            set_protection(api, ctx, &arn, config)?;
        }
        if c::any(changed, &["tags"]) {
            let old = c::map(prior, "tags").unwrap_or_default();
            let new = c::map(config, "tags").unwrap_or_default();
            let removed: Vec<&String> = old.keys().filter(|k| !new.contains_key(*k)).collect();
            if !removed.is_empty() {
                let keys = serde_json::to_string(&removed).unwrap_or_default();
                api.call(
                    ctx,
                    "UntagResource",
                    c::params(&[("KeyId", id), ("TagKeys", &keys)]),
                )?;
            }
            if !new.is_empty() {
                api.call(
                    ctx,
                    "TagResource",
                    c::params(&[("KeyId", id), ("Tags", &tags_json(&new))]),
                )?;
            }
        }
        Ok(to_attrs(&item(api, ctx, id)?, config))
    }

    fn delete(
        &self,
        api: &Api,
        ctx: &OpContext,
        id: &str,
        prior: &Attrs,
    ) -> Result<Deleted, ProviderError> {
        let days = c::n(
            prior,
            &["pending_window_in_days", "deletion_window_in_days"],
        )
        .unwrap_or(30);
        let p = c::params(&[("KeyId", id), ("PendingWindowInDays", &days.to_string())]);
        match api.call(ctx, "ScheduleKeyDeletion", p) {
            Ok(_) => Ok(Deleted::Released),
            Err(e) if c::is_not_found(&e) => Ok(Deleted::Released),
            Err(e) => Err(e),
        }
    }

    fn import(&self, api: &Api, ctx: &OpContext, id: &str) -> Result<Option<Attrs>, ProviderError> {
        Ok(get(api, ctx, id)?.map(|item| to_attrs(&item, &Attrs::new())))
    }

    fn find_by_token(
        &self,
        api: &Api,
        ctx: &OpContext,
        token: &str,
    ) -> Result<Option<Attrs>, ProviderError> {
        match api.call(ctx, "DescribeKey", c::params(&[("ClientToken", token)])) {
            Ok(v) => Ok(Some(to_attrs(&v, &Attrs::new()))),
            Err(e) if c::is_not_found(&e) => Ok(None),
            Err(e) => Err(e),
        }
    }
}
