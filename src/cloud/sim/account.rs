//! The simulated account: the settings rules read, kept in `meta` as `account.<key>` (JSON).
//!
//! Defaults let every feature the product guide documents work; tests change them (through
//! [`set`] or `eipform cloud account set`) to exercise each rule:
//!
//! | key | default | rule |
//! |---|---|---|
//! | `created_at` | `2020-01-01T00:00:00+08:00` | G01 (accounts created on or after 2024-08-06 00:00 UTC+8) |
//! | `used_segments_before_cutoff` | `true` | G01 |
//! | `pool_privilege` | `true` | P01, A09 |
//! | `anti_ddos_origin` | `true` | A08 |
//! | `single_isp_whitelist` | `false` | A06: single-ISP lines (`ChinaTelecom`, ...) and `BGP_International` are whitelist-only; the guide offers only BGP and BGP Pro, so the whitelist is off and the rule can be exercised |
//! | `multi_binded_whitelist` | `false` | S07: MULTI_BINDED accepts no new applications (legacy whitelist only) |
//! | `eip_quota` | `20` | A12 (pay-as-you-go EIPs, members of contiguous groups not counted) |
//! | `recovery_quota_per_month` | `20` | R05 |
//! | `resource_groups` | `["rg-acfmdefault0001", "rg-acfmprod00002", "rg-acfmtest00003"]` | A11 (the first is the default group) |
//! | `transition_ms` | `0` | D07: how long associations stay `Associating`/`Unassociating` (0 = they finish at once) |

use serde_json::{Value, json};

use super::{Ctx, clock};
use crate::cloud::CloudError;

/// The cut-off of G01: 2024-08-06 00:00:00 UTC+8.
pub const SEGMENT_CUTOFF: &str = "2024-08-06T00:00:00+08:00";

#[derive(Clone, Copy)]
enum Kind {
    Time,
    Bool,
    Int,
    List,
}

const SETTINGS: &[(&str, Kind)] = &[
    ("created_at", Kind::Time),
    ("used_segments_before_cutoff", Kind::Bool),
    ("pool_privilege", Kind::Bool),
    ("anti_ddos_origin", Kind::Bool),
    ("single_isp_whitelist", Kind::Bool),
    ("multi_binded_whitelist", Kind::Bool),
    ("eip_quota", Kind::Int),
    ("recovery_quota_per_month", Kind::Int),
    ("resource_groups", Kind::List),
    ("transition_ms", Kind::Int),
];

fn default(key: &str) -> Value {
    match key {
        "created_at" => json!("2020-01-01T00:00:00+08:00"),
        "used_segments_before_cutoff" | "pool_privilege" | "anti_ddos_origin" => json!(true),
        "single_isp_whitelist" | "multi_binded_whitelist" => json!(false),
        "eip_quota" | "recovery_quota_per_month" => json!(20),
        "resource_groups" => json!(["rg-acfmdefault0001", "rg-acfmprod00002", "rg-acfmtest00003"]),
        _ => json!(0),
    }
}

fn get(ctx: &Ctx<'_>, key: &str) -> Result<Value, CloudError> {
    let stored = ctx.meta(&format!("account.{key}"))?;
    Ok(stored
        .and_then(|s| serde_json::from_str(&s).ok())
        .unwrap_or_else(|| default(key)))
}

/// A boolean setting.
pub fn flag(ctx: &Ctx<'_>, key: &str) -> Result<bool, CloudError> {
    Ok(get(ctx, key)?.as_bool().unwrap_or(false))
}

/// An integer setting.
pub fn int(ctx: &Ctx<'_>, key: &str) -> Result<i64, CloudError> {
    Ok(get(ctx, key)?.as_i64().unwrap_or(0))
}

/// The account's resource groups (A11); the first is the default group.
pub fn resource_groups(ctx: &Ctx<'_>) -> Result<Vec<String>, CloudError> {
    Ok(get(ctx, "resource_groups")?
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default())
}

/// The group new resources land in when the request names none.
pub fn default_resource_group(ctx: &Ctx<'_>) -> Result<String, CloudError> {
    Ok(resource_groups(ctx)?.into_iter().next().unwrap_or_default())
}

/// A11: `id` must be one of the account's resource groups.
pub fn check_resource_group(ctx: &Ctx<'_>, id: &str) -> Result<(), CloudError> {
    if resource_groups(ctx)?.iter().any(|g| g == id) {
        return Ok(());
    }
    Err(CloudError::new(
        "InvalidResourceGroupId",
        format!("The resource group {id} does not exist in this account"),
    )
    .rule("A11"))
}

/// G01: whether the account may still use contiguous EIP groups.
pub fn may_use_segments(ctx: &Ctx<'_>) -> Result<bool, CloudError> {
    let created = get(ctx, "created_at")?;
    let created = created.as_str().and_then(clock::parse_time);
    let cutoff = clock::parse_time(SEGMENT_CUTOFF);
    let new_account = matches!((created, cutoff), (Some(c), Some(cut)) if c >= cut);
    Ok(!new_account || flag(ctx, "used_segments_before_cutoff")?)
}

/// Every setting with its current value.
pub fn show(ctx: &Ctx<'_>) -> Result<Value, CloudError> {
    let mut out = serde_json::Map::new();
    for (key, _) in SETTINGS {
        out.insert((*key).to_string(), get(ctx, key)?);
    }
    Ok(Value::Object(out))
}

fn invalid(key: &str, value: &str, want: &str) -> CloudError {
    CloudError::new(
        "InvalidParameter",
        format!("account setting {key} takes {want}, not {value:?}"),
    )
}

/// Changes setting `key` to `value` (written as on the command line: `true`, `50`,
/// `2024-09-01T00:00:00+08:00`, `rg-a,rg-b` or a JSON array).
pub fn set(ctx: &Ctx<'_>, key: &str, value: &str) -> Result<(), CloudError> {
    let Some((_, kind)) = SETTINGS.iter().find(|(k, _)| *k == key) else {
        let known: Vec<&str> = SETTINGS.iter().map(|(k, _)| *k).collect();
        return Err(CloudError::new(
            "InvalidParameter",
            format!(
                "unknown account setting {key:?}; known settings: {}",
                known.join(", ")
            ),
        ));
    };
    let value = value.trim();
    let parsed = match kind {
        Kind::Bool => match value {
            "true" => json!(true),
            "false" => json!(false),
            _ => return Err(invalid(key, value, "true or false")),
        },
        Kind::Int => match value.parse::<i64>() {
            Ok(n) if n >= 0 => json!(n),
            _ => return Err(invalid(key, value, "a whole number >= 0")),
        },
        Kind::Time => match clock::parse_time(value) {
            Some(_) => json!(value),
            None => return Err(invalid(key, value, "an RFC 3339 time")),
        },
        Kind::List => {
            let items: Vec<String> = if value.starts_with('[') {
                serde_json::from_str(value)
                    .map_err(|_| invalid(key, value, "a JSON array of strings"))?
            } else {
                value
                    .split(',')
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty())
                    .collect()
            };
            if items.is_empty() || items.iter().any(|g| !g.starts_with("rg-")) {
                return Err(invalid(
                    key,
                    value,
                    "one or more resource group ids (rg-...)",
                ));
            }
            json!(items)
        }
    };
    ctx.set_meta(&format!("account.{key}"), &parsed.to_string())
}
