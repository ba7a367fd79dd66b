//! Comparing configuration with recorded attributes: which arguments changed, and whether a
//! change forces replacement (from the schema's force-new flags).

use std::sync::Arc;

use serde_json::Value;

use crate::attrs::{Key, name_order};
use crate::config::IgnoreChanges;
use crate::eval::{UNKNOWN, is_unknown, unknown};
use crate::provider::Attrs;
use crate::schema::ResourceSchema;

/// Equality as a plan sees it: null equals an empty string, list or map; a number equals its
/// string form (`"10"` and `10`); lists and maps compare element-wise.
pub fn values_equal(a: &Value, b: &Value) -> bool {
    let empty = |v: &Value| match v {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        _ => false,
    };
    match (a, b) {
        _ if empty(a) && empty(b) => true,
        (Value::Number(x), Value::String(s)) | (Value::String(s), Value::Number(x)) => {
            s.parse::<f64>().ok() == x.as_f64()
        }
        (Value::Bool(x), Value::String(s)) | (Value::String(s), Value::Bool(x)) => {
            s.parse::<bool>().ok() == Some(*x)
        }
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| values_equal(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| values_equal(v, w)))
        }
        _ => a == b,
    }
}

/// The outcome of diffing one instance.
#[derive(Debug, Default)]
pub struct InstanceDiff {
    /// The planned attributes: the prior map itself (shared) when nothing changes.
    pub after: Arc<Attrs>,
    /// Arguments whose value changes.
    pub changed: Vec<String>,
    /// Changed arguments that force replacement.
    pub forces: Vec<String>,
}

/// Planned attributes for a new object: the configuration, the computed values the provider can
/// predict (`known`), and every other computed attribute unknown.
pub fn planned_create_with(schema: &ResourceSchema, config: &Attrs, known: &Attrs) -> Attrs {
    let mut after = planned_create(schema, config);
    for (k, v) in known {
        if !config.contains_key(k) && after.get(k).is_some_and(is_unknown) {
            after.insert(k.clone(), v.clone());
        }
    }
    after
}

/// Planned attributes for a new object: the configuration plus every computed attribute unknown.
pub fn planned_create(schema: &ResourceSchema, config: &Attrs) -> Attrs {
    // Collected, then built in one pass (sorted, full B-tree nodes): less memory for a map
    // every planned create keeps, and fewer instructions than inserting key by key.
    let mut after = Vec::with_capacity(1 + schema.attributes.len() + schema.blocks.len());
    after.push((Key::from("id"), unknown()));
    for (name, a) in &schema.attributes {
        let v = match config.get(name) {
            Some(v) => v.clone(),
            None if a.computed => {
                let aliased_by = schema.deprecated_aliases.iter();
                let aliased_by = aliased_by
                    .filter(|(_, t)| t == name)
                    .map(|(a, _)| a.as_str());
                alias_value(a.alias_of.as_deref(), aliased_by, config).unwrap_or_else(unknown)
            }
            None => a.default.clone().unwrap_or(Value::Null),
        };
        after.push((Key::from(name.as_str()), v));
    }
    for (name, _) in &schema.blocks {
        after.push((
            Key::from(name.as_str()),
            config.get(name).cloned().unwrap_or(Value::Array(vec![])),
        ));
    }
    after.into_iter().collect()
}

/// A deprecated alias takes its target's configured value, and the reverse (`name` <-> `address_name`).
/// `alias_of` is the argument `name` mirrors, `aliased_by` the arguments that mirror it.
fn alias_value<'a>(
    alias_of: Option<&str>,
    mut aliased_by: impl Iterator<Item = &'a str>,
    config: &Attrs,
) -> Option<Value> {
    if let Some(v) = alias_of.and_then(|target| config.get(target)) {
        return Some(v.clone());
    }
    aliased_by.find_map(|alias| config.get(alias).cloned())
}

/// Diffs `config` against the recorded `prior` attributes.
pub fn diff(
    schema: &ResourceSchema,
    prior: &Arc<Attrs>,
    config: &Attrs,
    ignore: &IgnoreChanges,
) -> InstanceDiff {
    let mut out = InstanceDiff {
        after: Arc::clone(prior),
        changed: Vec::new(),
        forces: Vec::new(),
    };
    let ignored = |name: &str| match ignore {
        IgnoreChanges::None => false,
        IgnoreChanges::All => true,
        IgnoreChanges::List(l) => l.iter().any(|i| {
            i == name || i.starts_with(&format!("{name}.")) || i.starts_with(&format!("{name}["))
        }),
    };
    // Arguments and blocks in name order, walked in step with the attributes (also in name
    // order): a comparison or two per name instead of two searches. Changes are reported in
    // the schema's order.
    let mut changes: Vec<(usize, &str, bool, Value)> = Vec::new();
    let (mut prior_at, mut config_at) = (prior.iter().peekable(), config.iter().peekable());
    for arg in &schema.diffed {
        let old = seek(&mut prior_at, &arg.name).unwrap_or(&Value::Null);
        let configured = seek(&mut config_at, &arg.name);
        if ignored(&arg.name) {
            continue;
        }
        let aliased;
        let new = match configured {
            Some(v) => v,
            // An unset Optional+Computed argument keeps what the cloud chose.
            None if arg.computed => continue,
            None => {
                let aliased_by = arg.aliased_by.iter().map(String::as_str);
                aliased =
                    alias_value(arg.alias_of.as_deref(), aliased_by, config).unwrap_or(Value::Null);
                &aliased
            }
        };
        if !values_equal(old, new) {
            let forces = arg.force_new && !in_place_billing_switch(schema, &arg.name, old, new);
            changes.push((arg.position, &arg.name, forces, new.clone()));
        }
    }
    changes.sort_by_key(|c| c.0);
    for (_, name, forces, new) in changes {
        out.changed.push(name.to_string());
        if forces {
            out.forces.push(name.to_string());
        }
        Arc::make_mut(&mut out.after).insert(name, new);
    }
    if !out.forces.is_empty() {
        let after = Arc::make_mut(&mut out.after);
        for (name, a) in &schema.attributes {
            if a.computed && !config.contains_key(name) && !a.is_argument() {
                after.insert(name.clone(), unknown());
            }
        }
        after.insert("id", unknown());
    } else if !out.changed.is_empty() {
        // Aliases follow their targets (`name` mirrors `address_name`).
        for (name, a) in &schema.attributes {
            if let Some(target) = &a.alias_of
                && out.changed.contains(target)
                && !config.contains_key(name)
                && let Some(v) = out.after.get(target).cloned()
            {
                Arc::make_mut(&mut out.after).insert(name.clone(), v);
            }
        }
    }
    // An alias whose own value changed only because its target changed is not a separate change.
    let all_changed = out.changed.clone();
    out.changed.retain(|n| {
        let follows_target = schema
            .attributes
            .get(n)
            .and_then(|a| a.alias_of.as_ref())
            .is_some_and(|t| all_changed.contains(t));
        !follows_target || config.contains_key(n)
    });
    out
}

/// The value of `name` among `entries` (in name order), which are advanced past the names
/// before it; names are asked for in order.
fn seek<'a>(
    entries: &mut std::iter::Peekable<crate::attrs::Iter<'a>>,
    name: &str,
) -> Option<&'a Value> {
    while let Some((k, v)) = entries.peek() {
        match name_order(k, name) {
            std::cmp::Ordering::Less => {
                entries.next();
            }
            std::cmp::Ordering::Equal => return Some(v),
            std::cmp::Ordering::Greater => return None,
        }
    }
    None
}

/// Rule D06: a standard EIP switches from pay-as-you-go to subscription in place and keeps its
/// address. The schema marks the billing method force-new, as the public provider does; for a
/// standard EIP a change of billing method is planned as an update, so that the cloud's
/// ModifyInstanceChargeType decides it: it converts pay-as-you-go to subscription and refuses
/// the reverse with `OperationFailed.ChargeTypeInvalid` (D06), which plan reports.
fn in_place_billing_switch(schema: &ResourceSchema, name: &str, old: &Value, new: &Value) -> bool {
    let billing = |v: &Value| {
        matches!(
            v.as_str(),
            Some("PayAsYouGo" | "PostPaid" | "Subscription" | "PrePaid")
        )
    };
    schema.type_name == "alicloud_eip_address"
        && matches!(name, "payment_type" | "instance_charge_type")
        && billing(old)
        && billing(new)
}

/// Whether any value in `attrs` is unknown.
pub fn has_unknown(attrs: &Attrs) -> bool {
    attrs.values().any(is_unknown)
}

/// Replaces unknown values by null (for JSON `after`).
pub fn strip_unknown(v: &Value) -> Value {
    match v {
        Value::String(s) if s.contains(UNKNOWN) => Value::Null,
        Value::Array(a) => Value::Array(a.iter().map(strip_unknown).collect()),
        Value::Object(o) => Value::Object(
            o.iter()
                .map(|(k, v)| (k.clone(), strip_unknown(v)))
                .collect(),
        ),
        other => other.clone(),
    }
}
