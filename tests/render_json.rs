//! Plan and state JSON: the Terraform `show -json` shape, checked against
//! `schemas/plan.schema.json` with a small validator for the keywords that schema uses
//! (`type`, `required`, `properties`, `additionalProperties`, `items`, `enum`, `const`,
//! `pattern` prefix, `minLength`, `minItems`, `minimum`, `allOf`, `$ref` to `#/$defs/...`).

mod render_support;

use eipform::plan::model::PlanMode;
use eipform::render::json;
use render_support::*;
use serde_json::{Value, json};

fn schema() -> Value {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/schemas/plan.schema.json"
    ))
    .unwrap();
    serde_json::from_str(&text).unwrap()
}

fn type_matches(t: &str, v: &Value) -> bool {
    match t {
        "object" => v.is_object(),
        "array" => v.is_array(),
        "string" => v.is_string(),
        "boolean" => v.is_boolean(),
        "integer" => v.is_i64() || v.is_u64(),
        "number" => v.is_number(),
        "null" => v.is_null(),
        other => panic!("schema type {other} not supported by the test validator"),
    }
}

/// Validates `v` against `s`; pushes one message per violation.
fn validate(root: &Value, s: &Value, v: &Value, path: &str, errors: &mut Vec<String>) {
    let Some(s) = s.as_object() else { return };
    if let Some(r) = s.get("$ref").and_then(Value::as_str) {
        let name = r.strip_prefix("#/$defs/").expect("only local $defs refs");
        validate(root, &root["$defs"][name], v, path, errors);
    }
    for sub in s
        .get("allOf")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        validate(root, sub, v, path, errors);
    }
    match s.get("type") {
        Some(Value::String(t)) if !type_matches(t, v) => {
            errors.push(format!("{path}: expected {t}, got {v}"))
        }
        Some(Value::Array(ts)) if !ts.iter().any(|t| type_matches(t.as_str().unwrap(), v)) => {
            errors.push(format!("{path}: expected one of {ts:?}, got {v}"))
        }
        _ => {}
    }
    if let Some(e) = s.get("enum").and_then(Value::as_array)
        && !e.contains(v)
    {
        errors.push(format!("{path}: {v} not in enum"));
    }
    if let Some(c) = s.get("const")
        && c != v
    {
        errors.push(format!("{path}: {v} is not {c}"));
    }
    if let (Some(min), Some(x)) = (s.get("minLength").and_then(Value::as_u64), v.as_str())
        && (x.chars().count() as u64) < min
    {
        errors.push(format!("{path}: shorter than {min}"));
    }
    if let (Some(p), Some(x)) = (s.get("pattern").and_then(Value::as_str), v.as_str()) {
        // The schema's only pattern is `^1\.[0-9]+$`.
        assert_eq!(p, "^1\\.[0-9]+$");
        let ok = x
            .strip_prefix("1.")
            .is_some_and(|r| !r.is_empty() && r.chars().all(|c| c.is_ascii_digit()));
        if !ok {
            errors.push(format!("{path}: {x} does not match {p}"));
        }
    }
    if let (Some(min), Some(x)) = (s.get("minimum").and_then(Value::as_i64), v.as_i64())
        && x < min
    {
        errors.push(format!("{path}: below {min}"));
    }
    if let Some(o) = v.as_object() {
        for r in s
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if !o.contains_key(r.as_str().unwrap()) {
                errors.push(format!("{path}: missing required key {r}"));
            }
        }
        let props = s.get("properties").and_then(Value::as_object);
        for (k, x) in o {
            match props.and_then(|p| p.get(k)) {
                Some(ps) => validate(root, ps, x, &format!("{path}.{k}"), errors),
                None => {
                    if let Some(ap) = s.get("additionalProperties") {
                        validate(root, ap, x, &format!("{path}.{k}"), errors);
                    }
                }
            }
        }
    }
    if let Some(a) = v.as_array() {
        if let Some(min) = s.get("minItems").and_then(Value::as_u64)
            && (a.len() as u64) < min
        {
            errors.push(format!("{path}: fewer than {min} items"));
        }
        if let Some(items) = s.get("items") {
            for (i, x) in a.iter().enumerate() {
                validate(root, items, x, &format!("{path}[{i}]"), errors);
            }
        }
    }
}

fn assert_valid(plan_json: &Value) {
    let root = schema();
    let mut errors = Vec::new();
    validate(&root, &root, plan_json, "$", &mut errors);
    assert!(
        errors.is_empty(),
        "plan JSON does not match schemas/plan.schema.json:\n{}",
        errors.join("\n")
    );
}

fn all_plans() -> Vec<(&'static str, eipform::plan::model::Plan)> {
    vec![
        ("create", create_plan()),
        ("update", update_plan()),
        ("replace", replace_plan()),
        ("delete", delete_plan()),
        ("mixed", mixed_plan()),
        ("sensitive", sensitive_plan()),
        ("drift", drift_plan(PlanMode::Normal)),
        ("drift_refresh_only", drift_plan(PlanMode::RefreshOnly)),
        ("no_changes", no_changes_plan(PlanMode::Normal)),
        ("destroy_nothing", no_changes_plan(PlanMode::Destroy)),
        ("outputs_only", outputs_only_plan()),
    ]
}

#[test]
fn every_plan_matches_the_schema() {
    for (name, p) in all_plans() {
        let v = json::plan(&p, &recorded_state(), &recorded_outputs());
        let root = schema();
        let mut errors = Vec::new();
        validate(&root, &root, &v, "$", &mut errors);
        assert!(errors.is_empty(), "{name}: {}", errors.join("\n"));
    }
}

#[test]
fn validator_rejects_broken_plans() {
    let good = json::plan(&mixed_plan(), &recorded_state(), &recorded_outputs());
    assert_valid(&good);
    let root = schema();
    let broken = |f: &dyn Fn(&mut Value)| {
        let mut v = good.clone();
        f(&mut v);
        let mut errors = Vec::new();
        validate(&root, &root, &v, "$", &mut errors);
        errors
    };
    assert!(
        !broken(&|v| {
            v.as_object_mut().unwrap().remove("resource_changes");
        })
        .is_empty()
    );
    assert!(
        !broken(&|v| v["resource_changes"][0]["change"]["actions"] = json!(["replace"])).is_empty()
    );
    assert!(!broken(&|v| v["resource_changes"][0]["mode"] = json!("resource")).is_empty());
    assert!(!broken(&|v| v["format_version"] = json!("2.0")).is_empty());
    assert!(!broken(&|v| v["errored"] = json!("no")).is_empty());
}

#[test]
fn top_level_shape() {
    let v = json::plan(&mixed_plan(), &recorded_state(), &recorded_outputs());
    assert_eq!(v["format_version"], "1.2");
    assert_eq!(v["terraform_version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(v["errored"], false);
    assert_eq!(v["applyable"], true);
    // Objects are written with their keys sorted, as Go's encoder writes Terraform's maps.
    let keys: Vec<&String> = v.as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        [
            "applyable",
            "complete",
            "errored",
            "format_version",
            "output_changes",
            "planned_values",
            "prior_state",
            "resource_changes",
            "resource_drift",
            "terraform_version",
        ]
    );
    let addresses: Vec<&str> = v["resource_changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["address"].as_str().unwrap())
        .collect();
    assert_eq!(
        addresses,
        [
            "alicloud_eip_address.api",
            "alicloud_eip_address.nat[\"b\"]",
            "alicloud_eip_address.old",
            "alicloud_eip_address.pool[2]",
            "alicloud_eip_address.same",
            "alicloud_eip_address.web",
            "alicloud_eip_association.web",
            "data.alicloud_eip_addresses.all"
        ]
    );
}

fn change_of<'a>(v: &'a Value, address: &str) -> &'a Value {
    v["resource_changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["address"] == address)
        .unwrap_or_else(|| panic!("no {address}"))
}

#[test]
fn resource_changes() {
    let v = json::plan(&mixed_plan(), &recorded_state(), &recorded_outputs());

    let created = change_of(&v, "alicloud_eip_address.nat[\"b\"]");
    assert_eq!(created["mode"], "managed");
    assert_eq!(created["type"], "alicloud_eip_address");
    assert_eq!(created["name"], "nat");
    assert_eq!(created["index"], "b");
    assert_eq!(
        created["provider_name"],
        "registry.terraform.io/aliyun/alicloud"
    );
    assert_eq!(created["change"]["actions"], json!(["create"]));
    assert_eq!(created["change"]["before"], Value::Null);
    assert_eq!(created["change"]["before_sensitive"], false);
    assert_eq!(
        created["change"]["after"]["id"],
        Value::Null,
        "unknown values are null in after"
    );
    assert_eq!(created["change"]["after"]["isp"], "BGP");
    assert_eq!(
        created["change"]["after_unknown"],
        json!({"id": true, "ip_address": true, "security_protection_types": [false], "status": true, "tags": {}})
    );
    assert!(created.get("action_reason").is_none());
    assert!(created["change"].get("replace_paths").is_none());

    let replaced = change_of(&v, "alicloud_eip_address.api");
    assert_eq!(replaced["change"]["actions"], json!(["delete", "create"]));
    assert_eq!(replaced["change"]["replace_paths"], json!([["isp"]]));
    assert_eq!(replaced["action_reason"], "replace_because_cannot_update");
    assert_eq!(replaced["change"]["before"]["id"], "eip-bp1web000000000001");

    let deleted = change_of(&v, "alicloud_eip_address.old");
    assert_eq!(deleted["change"]["actions"], json!(["delete"]));
    assert_eq!(deleted["change"]["after"], Value::Null);
    assert_eq!(deleted["change"]["after_unknown"], json!({}));
    assert_eq!(deleted["change"]["after_sensitive"], false);
    assert_eq!(
        deleted["action_reason"],
        "delete_because_no_resource_config"
    );
    assert_eq!(
        change_of(&v, "alicloud_eip_address.pool[2]")["action_reason"],
        "delete_because_count_index"
    );
    assert_eq!(change_of(&v, "alicloud_eip_address.pool[2]")["index"], 2);

    assert_eq!(
        change_of(&v, "alicloud_eip_address.same")["change"]["actions"],
        json!(["no-op"])
    );
    let read = change_of(&v, "data.alicloud_eip_addresses.all");
    assert_eq!(read["mode"], "data");
    assert_eq!(read["change"]["actions"], json!(["read"]));
    assert_eq!(read["action_reason"], "read_because_config_unknown");

    // planned_values: everything that exists after apply, unknown attributes left out.
    let planned: Vec<&Value> = v["planned_values"]["root_module"]["resources"]
        .as_array()
        .unwrap()
        .iter()
        .collect();
    assert!(
        planned
            .iter()
            .all(|r| r["address"] != "alicloud_eip_address.old")
    );
    let nat = planned
        .iter()
        .find(|r| r["address"] == "alicloud_eip_address.nat[\"b\"]")
        .unwrap();
    assert!(nat["values"].get("id").is_none());
    assert_eq!(nat["values"]["bandwidth"], "5");
}

#[test]
fn destroy_mode_deletes_have_no_reason() {
    let mut p = delete_plan();
    p.mode = PlanMode::Destroy;
    let v = json::plan(&p, &[], &[]);
    assert!(
        v["resource_changes"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c.get("action_reason").is_none())
    );
}

#[test]
fn sensitive_values_are_kept_and_marked() {
    let v = json::plan(&sensitive_plan(), &[], &[]);
    let created = change_of(&v, "alicloud_kms_key.k");
    assert_eq!(created["change"]["after"]["secret"], "hunter2");
    assert_eq!(
        created["change"]["after_sensitive"],
        json!({"secret": true})
    );
    let updated = change_of(&v, "alicloud_kms_key.j");
    assert_eq!(
        updated["change"]["before_sensitive"],
        json!({"secret": true})
    );
    assert_eq!(v["output_changes"]["secret"]["after_sensitive"], true);
    assert_eq!(v["output_changes"]["secret"]["before_sensitive"], false);
    assert_eq!(v["output_changes"]["secret"]["actions"], json!(["create"]));
    assert_eq!(v["planned_values"]["outputs"]["secret"]["sensitive"], true);
}

#[test]
fn drift_and_outputs() {
    let v = json::plan(
        &drift_plan(PlanMode::RefreshOnly),
        &recorded_state(),
        &recorded_outputs(),
    );
    let drift = v["resource_drift"].as_array().unwrap();
    assert_eq!(drift.len(), 3);
    assert_eq!(drift[0]["address"], "alicloud_eip_address.old");
    assert_eq!(drift[0]["change"]["actions"], json!(["delete"]));
    assert_eq!(drift[1]["change"]["actions"], json!(["update"]));
    assert_eq!(drift[1]["change"]["after"]["instance_id"], "i-bp1outside");
    assert_eq!(v["resource_changes"], json!([]));
    assert_eq!(
        v["applyable"], true,
        "a refresh-only plan with drift is applyable"
    );

    let v = json::plan(&replace_plan(), &[], &[]);
    let out = &v["output_changes"]["web_ip"];
    assert_eq!(out["actions"], json!(["update"]));
    assert_eq!(out["before"], "47.96.10.1");
    assert_eq!(out["after"], Value::Null);
    assert_eq!(out["after_unknown"], true);
    assert!(
        v["planned_values"]["outputs"]["web_ip"]
            .get("value")
            .is_none()
    );

    let v = json::plan(&no_changes_plan(PlanMode::Normal), &[], &[]);
    assert_eq!(v["applyable"], false);
}

#[test]
fn prior_state_and_state() {
    let v = json::plan(&sensitive_plan(), &recorded_state(), &recorded_outputs());
    let prior = &v["prior_state"];
    assert_eq!(prior["format_version"], "1.0");
    let resources = prior["values"]["root_module"]["resources"]
        .as_array()
        .unwrap();
    assert_eq!(resources[1]["address"], "alicloud_eip_association.web[0]");
    assert_eq!(resources[1]["index"], 0);
    assert_eq!(
        resources[1]["values"]["id"], "eip-bp1web000000000001:i-bp1abc",
        "the id is among the values"
    );
    assert_eq!(
        resources[1]["depends_on"],
        json!(["alicloud_eip_address.web"])
    );
    assert_eq!(
        prior["values"]["outputs"]["secret"],
        json!({"sensitive": true, "value": "hunter2", "type": "string"})
    );

    let s = json::state(
        &recorded_state(),
        &recorded_outputs(),
        "3f0c5a9e-lineage",
        7,
    );
    insta::assert_json_snapshot!("state", s);
    assert_eq!(s["format_version"], "1.0");
    assert_eq!(s["lineage"], "3f0c5a9e-lineage");
    assert_eq!(s["serial"], 7);
    assert_eq!(
        s["values"]["root_module"]["resources"][0]["type"],
        "alicloud_eip_address"
    );
}

#[test]
fn snapshots() {
    insta::assert_json_snapshot!(
        "mixed",
        json::plan(&mixed_plan(), &recorded_state(), &recorded_outputs())
    );
    insta::assert_json_snapshot!(
        "drift",
        json::plan(
            &drift_plan(PlanMode::Normal),
            &recorded_state(),
            &recorded_outputs()
        )
    );
}
