//! Machine-readable plans and state in the shape of `terraform show -json`, so that tools built
//! for Terraform (OPA/conftest, terraform-compliance, tfcmt, Atlantis) read them unchanged.
//!
//! Plan JSON is `format_version` 1.2; state JSON 1.0. Unknown values appear as `null` in
//! `after`/`values` with a `true` leaf in `after_unknown`; sensitive values are kept (as
//! Terraform keeps them) and marked with `true` leaves in `before_sensitive`/`after_sensitive`/
//! `sensitive_values`. The shape is described by `schemas/plan.schema.json`.

use foldhash::HashMap;

use serde_json::{Map, Value, json};

use super::changes::{output_action, sorted_drift};
use crate::addr::{InstanceKey, Mode, ResourceAddress};
use crate::eval::is_unknown;
use crate::plan::model::{Action, OutputChange, Plan, PlanMode, ResourceChange};
use crate::provider::Attrs;
use crate::state::{OutputState, ResourceState};

use super::value::is_unknown_leaf;

/// `provider_name` of every resource.
pub const PROVIDER_NAME: &str = "registry.terraform.io/aliyun/alicloud";
/// `format_version` of plan JSON.
pub const PLAN_FORMAT_VERSION: &str = "1.2";
/// `format_version` of state JSON.
pub const STATE_FORMAT_VERSION: &str = "1.0";

/// The plan as `terraform show -json PLANFILE` prints it. `prior` and `outputs_prior` are the
/// (refreshed) state the plan was made against.
pub fn plan(plan: &Plan, prior: &[ResourceState], outputs_prior: &[OutputState]) -> Value {
    let sensitive: HashMap<&ResourceAddress, &[String]> = plan
        .changes
        .iter()
        .map(|c| (&c.addr, c.sensitive.as_slice()))
        .collect();
    let sensitive_of = |addr: &ResourceAddress| sensitive.get(addr).copied().unwrap_or(&[]);

    let mut changes: Vec<&ResourceChange> = plan.changes.iter().collect();
    changes.sort_by(|a, b| a.addr.cmp(&b.addr));

    let planned: Vec<Value> = changes
        .iter()
        .filter(|c| c.action != Action::Delete)
        .filter_map(|c| {
            let after = c.after.as_ref()?;
            let mut r = address_fields(&c.addr);
            r.insert("schema_version".into(), json!(0));
            r.insert("values".into(), Value::Object(known_values(after)));
            r.insert(
                "sensitive_values".into(),
                sensitive_shape(after, &c.sensitive),
            );
            Some(Value::Object(r))
        })
        .collect();
    let mut planned_outputs = Map::new();
    for o in &plan.outputs {
        let Some(after) = o.after.as_ref().filter(|v| !v.is_null()) else {
            continue;
        };
        let mut entry = Map::new();
        entry.insert("sensitive".into(), json!(o.sensitive));
        if !is_unknown(after) {
            entry.insert("type".into(), type_of(after));
            entry.insert("value".into(), after.clone());
        }
        planned_outputs.insert(o.name.clone(), Value::Object(entry));
    }

    let resource_changes: Vec<Value> = changes
        .iter()
        .map(|c| {
            let mut r = address_fields(&c.addr);
            r.insert(
                "change".into(),
                change(
                    c.action,
                    c.before.as_deref(),
                    c.after.as_deref(),
                    &c.sensitive,
                    &c.replace_paths,
                ),
            );
            if let Some(reason) = action_reason(c, plan.mode) {
                r.insert("action_reason".into(), json!(reason));
            }
            Value::Object(r)
        })
        .collect();

    let resource_drift: Vec<Value> = sorted_drift(&plan.drift)
        .into_iter()
        .map(|d| {
            let action = if d.after.is_some() {
                Action::Update
            } else {
                Action::Delete
            };
            let mut r = address_fields(&d.addr);
            r.insert(
                "change".into(),
                change(
                    action,
                    Some(&d.before),
                    d.after.as_deref(),
                    sensitive_of(&d.addr),
                    &[],
                ),
            );
            Value::Object(r)
        })
        .collect();

    let mut outputs: Vec<&OutputChange> = plan.outputs.iter().collect();
    outputs.sort_by(|a, b| a.name.cmp(&b.name));
    let output_changes: Map<String, Value> = outputs
        .into_iter()
        .map(|o| (o.name.clone(), output_change(o)))
        .collect();

    let prior_resources: Vec<Value> = prior
        .iter()
        .map(|r| state_resource(r, sensitive_of(&r.addr)))
        .collect();
    let applyable = plan.has_actions()
        || plan
            .outputs
            .iter()
            .any(|o| output_action(o) != Action::NoOp)
        || (plan.mode == PlanMode::RefreshOnly && !plan.drift.is_empty());

    json!({
        "format_version": PLAN_FORMAT_VERSION,
        "terraform_version": env!("CARGO_PKG_VERSION"),
        "planned_values": {
            "outputs": planned_outputs,
            "root_module": { "resources": planned },
        },
        "resource_drift": resource_drift,
        "resource_changes": resource_changes,
        "output_changes": output_changes,
        "prior_state": {
            "format_version": STATE_FORMAT_VERSION,
            "terraform_version": env!("CARGO_PKG_VERSION"),
            "values": {
                "outputs": state_outputs(outputs_prior),
                "root_module": { "resources": prior_resources },
            },
        },
        "applyable": applyable,
        "complete": true,
        "errored": false,
    })
}

/// State as `terraform show -json` prints it (plus the `lineage` and `serial` of the state).
pub fn state(
    resources: &[ResourceState],
    outputs: &[OutputState],
    lineage: &str,
    serial: u64,
) -> Value {
    let list: Vec<Value> = resources
        .iter()
        .map(|r| state_resource(r, &r.sensitive))
        .collect();
    json!({
        "format_version": STATE_FORMAT_VERSION,
        "terraform_version": env!("CARGO_PKG_VERSION"),
        "lineage": lineage,
        "serial": serial,
        "values": {
            "outputs": state_outputs(outputs),
            "root_module": { "resources": list },
        },
    })
}

/// `address`, `mode`, `type`, `name`, `index` (when keyed) and `provider_name`.
fn address_fields(addr: &ResourceAddress) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("address".into(), json!(addr.to_string()));
    m.insert(
        "mode".into(),
        json!(if addr.block.mode == Mode::Data {
            "data"
        } else {
            "managed"
        }),
    );
    m.insert("type".into(), json!(addr.block.rtype));
    m.insert("name".into(), json!(addr.block.name));
    match &addr.key {
        Some(InstanceKey::Int(i)) => {
            m.insert("index".into(), json!(i));
        }
        Some(InstanceKey::Str(s)) => {
            m.insert("index".into(), json!(s));
        }
        None => {}
    }
    m.insert("provider_name".into(), json!(PROVIDER_NAME));
    m
}

/// A `change` object.
fn change(
    action: Action,
    before: Option<&Attrs>,
    after: Option<&Attrs>,
    sensitive: &[String],
    replace_paths: &[String],
) -> Value {
    let mut m = Map::new();
    m.insert("actions".into(), json!(action.json_actions()));
    m.insert(
        "before".into(),
        before.map_or(Value::Null, |b| Value::Object(b.to_map())),
    );
    m.insert(
        "after".into(),
        after.map_or(Value::Null, |a| unknown_to_null(&Value::Object(a.to_map()))),
    );
    m.insert(
        "after_unknown".into(),
        after.map_or(json!({}), |a| unknown_shape(&Value::Object(a.to_map()))),
    );
    m.insert(
        "before_sensitive".into(),
        before.map_or(json!(false), |b| sensitive_shape(b, sensitive)),
    );
    m.insert(
        "after_sensitive".into(),
        after.map_or(json!(false), |a| sensitive_shape(a, sensitive)),
    );
    if !replace_paths.is_empty() {
        let paths: Vec<Value> = replace_paths.iter().map(|p| json!([p])).collect();
        m.insert("replace_paths".into(), Value::Array(paths));
    }
    Value::Object(m)
}

fn output_change(o: &OutputChange) -> Value {
    let before = o.before.clone().unwrap_or(Value::Null);
    let after = o.after.clone().unwrap_or(Value::Null);
    json!({
        "actions": output_action(o).json_actions(),
        "before": before,
        "after": unknown_to_null(&after),
        "after_unknown": is_unknown(&after),
        "before_sensitive": o.sensitive && !before.is_null(),
        "after_sensitive": o.sensitive && !after.is_null(),
    })
}

/// Terraform's `action_reason` for a change, from its action and reason text.
fn action_reason(c: &ResourceChange, mode: PlanMode) -> Option<&'static str> {
    let reason = c.reason.as_deref().unwrap_or_default();
    match c.action {
        a if a.is_replace() => Some(if reason.contains("tainted") {
            "replace_because_tainted"
        } else if reason.contains("as requested") {
            "replace_by_request"
        } else if reason.contains("replace_triggered_by") {
            "replace_by_triggers"
        } else {
            "replace_because_cannot_update"
        }),
        Action::Delete if mode == PlanMode::Destroy => None,
        Action::Delete => Some(if reason.contains("out of range for count") {
            "delete_because_count_index"
        } else if reason.contains("not in for_each map") {
            "delete_because_each_key"
        } else if reason.contains("does not use count") || reason.contains("does not use for_each")
        {
            "delete_because_wrong_repetition"
        } else {
            "delete_because_no_resource_config"
        }),
        Action::Read if reason.contains("not yet known") => Some("read_because_config_unknown"),
        Action::Read if reason.contains("depends on") => Some("read_because_dependency_pending"),
        _ => None,
    }
}

/// A recorded instance as it appears in `values.root_module.resources`.
fn state_resource(r: &ResourceState, sensitive: &[String]) -> Value {
    let mut values = crate::provider::Attrs::clone(&r.attrs);
    if !r.id.is_empty() && !values.contains_key("id") {
        values.insert("id", json!(r.id));
    }
    let mut m = address_fields(&r.addr);
    m.insert("schema_version".into(), json!(0));
    m.insert(
        "sensitive_values".into(),
        sensitive_shape(&values, sensitive),
    );
    m.insert("values".into(), Value::from(values));
    if !r.deps.is_empty() {
        let deps: Vec<String> = r.deps.iter().map(ToString::to_string).collect();
        m.insert("depends_on".into(), json!(deps));
    }
    Value::Object(m)
}

fn state_outputs(outputs: &[OutputState]) -> Value {
    let mut sorted: Vec<&OutputState> = outputs.iter().collect();
    sorted.sort_by(|a, b| a.name.cmp(&b.name));
    let m: Map<String, Value> = sorted
        .into_iter()
        .map(|o| {
            (
                o.name.clone(),
                json!({ "sensitive": o.sensitive, "value": o.value, "type": type_of(&o.value) }),
            )
        })
        .collect();
    Value::Object(m)
}

/// The value with every unknown leaf replaced by `null`.
fn unknown_to_null(v: &Value) -> Value {
    match v {
        _ if is_unknown_leaf(v) => Value::Null,
        Value::Array(a) => Value::Array(a.iter().map(unknown_to_null).collect()),
        Value::Object(o) => Value::Object(
            o.iter()
                .map(|(k, x)| (k.clone(), unknown_to_null(x)))
                .collect(),
        ),
        _ => v.clone(),
    }
}

/// The attributes without those that are unknown (planned `values` omit them).
fn known_values(attrs: &Attrs) -> Map<String, Value> {
    attrs
        .iter()
        .filter(|(_, v)| !is_unknown_leaf(v))
        .map(|(k, v)| (k.to_string(), unknown_to_null(v)))
        .collect()
}

/// `after_unknown`: `true` where unknown; objects keep only keys that are unknown or hold
/// collections, lists have one entry per element.
fn unknown_shape(v: &Value) -> Value {
    match v {
        _ if is_unknown_leaf(v) => Value::Bool(true),
        Value::Array(a) => Value::Array(a.iter().map(unknown_shape).collect()),
        Value::Object(o) => Value::Object(
            o.iter()
                .filter(|(_, x)| is_unknown_leaf(x) || x.is_array() || x.is_object())
                .map(|(k, x)| (k.clone(), unknown_shape(x)))
                .collect(),
        ),
        _ => Value::Bool(false),
    }
}

/// `*_sensitive` / `sensitive_values`: `true` for sensitive attributes, an empty shape for
/// other collections.
fn sensitive_shape(attrs: &Attrs, sensitive: &[String]) -> Value {
    let mut m = Map::new();
    for (k, v) in attrs {
        if sensitive.iter().any(|s| s == k) {
            m.insert(k.to_string(), Value::Bool(true));
        } else if let Some(shape) = empty_shape(v) {
            m.insert(k.to_string(), shape);
        }
    }
    Value::Object(m)
}

fn empty_shape(v: &Value) -> Option<Value> {
    match v {
        Value::Array(a) => Some(Value::Array(
            a.iter()
                .map(|x| empty_shape(x).unwrap_or(Value::Bool(false)))
                .collect(),
        )),
        Value::Object(o) => Some(Value::Object(
            o.iter()
                .filter_map(|(k, x)| Some((k.clone(), empty_shape(x)?)))
                .collect(),
        )),
        _ => None,
    }
}

/// The type of a known value in Terraform's JSON type notation.
fn type_of(v: &Value) -> Value {
    match v {
        Value::Null => json!("dynamic"),
        Value::Bool(_) => json!("bool"),
        Value::Number(_) => json!("number"),
        Value::String(_) => json!("string"),
        Value::Array(a) => json!(["tuple", a.iter().map(type_of).collect::<Vec<_>>()]),
        Value::Object(o) => {
            let fields: Map<String, Value> =
                o.iter().map(|(k, x)| (k.clone(), type_of(x))).collect();
            json!(["object", fields])
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes() {
        let v = json!({"id": crate::eval::UNKNOWN, "tags": {"a": "b"}, "n": 1, "l": ["x", crate::eval::UNKNOWN]});
        assert_eq!(
            unknown_shape(&v),
            json!({"id": true, "tags": {}, "l": [false, true]})
        );
        assert_eq!(
            unknown_to_null(&v),
            json!({"id": null, "tags": {"a": "b"}, "n": 1, "l": ["x", null]})
        );
        let attrs = &Attrs::from(v.as_object().unwrap().clone());
        assert_eq!(known_values(attrs).get("id"), None);
        assert_eq!(
            sensitive_shape(attrs, &["n".to_string()]),
            json!({"tags": {}, "n": true, "l": [false, false]})
        );
        assert_eq!(
            type_of(&json!({"a": [1]})),
            json!(["object", {"a": ["tuple", ["number"]]}])
        );
    }
}
