//! End-to-end tests of the configuration language: each feature through the built binary in a
//! temporary directory, asserting the plan text, the exit code, and what the state and the
//! simulated cloud hold afterwards.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

fn eipform_env(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_eipform"));
    c.arg("--chdir")
        .arg(dir)
        .arg("--no-color")
        .args(args)
        .env_remove("EIPFORM_CLOUD")
        .env_remove("EIPFORM_SIM_FAULTS")
        .env("ALICLOUD_REGION", "cn-hangzhou");
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().expect("run eipform")
}

fn eipform(dir: &Path, args: &[&str]) -> Output {
    eipform_env(dir, args, &[])
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn code(o: &Output) -> i32 {
    o.status.code().unwrap_or(-1)
}

fn write(dir: &Path, main: &str) {
    std::fs::write(dir.join("main.tf"), main).unwrap();
}

fn eips(dir: &Path) -> Vec<Value> {
    let o = eipform(dir, &["cloud", "list", "--type", "eip", "--json"]);
    assert_eq!(code(&o), 0, "{}", text(&o));
    serde_json::from_slice(&o.stdout).expect("cloud list --json")
}

fn state_list(dir: &Path) -> Vec<String> {
    let o = eipform(dir, &["state", "list"]);
    assert_eq!(code(&o), 0, "{}", text(&o));
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(str::to_string)
        .collect()
}

fn apply_ok(dir: &Path) -> String {
    let o = eipform(dir, &["apply", "--auto-approve"]);
    assert_eq!(code(&o), 0, "{}", text(&o));
    text(&o)
}

const TWO_EIPS: &str = r#"
resource "alicloud_eip_address" "a" {
  address_name = "first"
  bandwidth    = "BW"
}

resource "alicloud_eip_address" "b" {
  address_name = "second"
  lifecycle {
    replace_triggered_by = [alicloud_eip_address.a]
  }
}
"#;

#[test]
fn replace_triggered_by_replaces_when_the_referenced_resource_changes() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    write(dir, &TWO_EIPS.replace("BW", "5"));
    apply_ok(dir);
    let before: Vec<String> = eips(dir)
        .iter()
        .map(|e| e["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(before.len(), 2);

    // No change to a: b is left alone.
    let o = eipform(dir, &["plan", "--detailed-exitcode"]);
    assert_eq!(code(&o), 0, "{}", text(&o));

    write(dir, &TWO_EIPS.replace("BW", "6"));
    let o = eipform(dir, &["plan"]);
    let t = text(&o);
    assert_eq!(code(&o), 0, "{t}");
    assert!(
        t.contains("# alicloud_eip_address.a will be updated in-place"),
        "{t}"
    );
    assert!(
        t.contains("# alicloud_eip_address.b must be replaced"),
        "{t}"
    );
    assert!(
        t.contains("replace_triggered_by (alicloud_eip_address.a)"),
        "{t}"
    );
    assert!(
        t.contains("Plan: 1 to add, 1 to change, 1 to destroy."),
        "{t}"
    );
    let t = apply_ok(dir);
    assert!(
        t.contains("alicloud_eip_address.b: Replacement complete"),
        "{t}"
    );
    let after: Vec<Value> = eips(dir)
        .into_iter()
        .filter(|e| e["status"] != "Released")
        .collect();
    let b_id = after.iter().find(|e| {
        e["attributes"]["Name"] == "second" || e["attributes"]["AddressName"] == "second"
    });
    let ids: Vec<&str> = after.iter().map(|e| e["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), 2, "{after:?}");
    assert!(
        ids.iter()
            .filter(|i| before.iter().any(|b| b == *i))
            .count()
            == 1,
        "exactly one EIP (a) kept its id: {ids:?} vs {before:?}"
    );
    let _ = b_id;
}

const CONDITIONS: &str = r#"
variable "bandwidth" {
  default = "5"
}

resource "alicloud_eip_address" "web" {
  address_name = "web"
  bandwidth    = var.bandwidth
  lifecycle {
    precondition {
      condition     = tonumber(var.bandwidth) <= 50
      error_message = "Bandwidth above 50 Mbit/s needs approval."
    }
    postcondition {
      condition     = self.status == "Available"
      error_message = "The EIP must be Available after creation."
    }
    postcondition {
      condition     = self.bandwidth == var.bandwidth
      error_message = "The cloud did not apply the bandwidth."
    }
  }
}
"#;

#[test]
fn preconditions_and_postconditions() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    write(dir, CONDITIONS);
    let o = eipform(dir, &["plan", "--var", "bandwidth=80"]);
    let t = text(&o);
    assert_eq!(code(&o), 1, "{t}");
    assert!(t.contains("Resource precondition failed"), "{t}");
    assert!(t.contains("alicloud_eip_address.web"), "{t}");
    assert!(
        t.contains("Bandwidth above 50 Mbit/s needs approval."),
        "{t}"
    );
    assert!(eips(dir).is_empty());

    // Postconditions read `self`; after apply they hold.
    apply_ok(dir);
    assert_eq!(eips(dir).len(), 1);

    // A postcondition that fails at plan time (self known) is an error naming the resource.
    write(
        dir,
        &CONDITIONS.replace("self.status == \"Available\"", "self.status == \"InUse\""),
    );
    let o = eipform(dir, &["plan"]);
    let t = text(&o);
    assert_eq!(code(&o), 1, "{t}");
    assert!(t.contains("Resource postcondition failed"), "{t}");
    assert!(t.contains("alicloud_eip_address.web"), "{t}");
    assert!(
        t.contains("The EIP must be Available after creation."),
        "{t}"
    );
}

#[test]
fn postcondition_on_values_known_only_after_apply_is_checked_before_anything_changes() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    write(
        dir,
        r#"
resource "alicloud_eip_address" "web" {
  address_name = "web"
  lifecycle {
    postcondition {
      condition     = startswith(self.ip_address, "10.")
      error_message = "Expected a private address."
    }
  }
}
"#,
    );
    let o = eipform(dir, &["apply", "--auto-approve"]);
    let t = text(&o);
    assert_eq!(code(&o), 1, "{t}");
    assert!(t.contains("Resource postcondition failed"), "{t}");
    assert!(t.contains("alicloud_eip_address.web"), "{t}");
    assert!(t.contains("Expected a private address."), "{t}");
    // The address is known only once the cloud assigns it: the dry run of the plan against a
    // scratch copy of the cloud checks it there, so nothing is created or recorded.
    assert!(eips(dir).is_empty());
    assert!(state_list(dir).is_empty());
}

#[test]
fn moved_block_renames_without_destroying() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    write(
        dir,
        "resource \"alicloud_eip_address\" \"old\" {\n  address_name = \"kept\"\n}\n",
    );
    apply_ok(dir);
    let id = eips(dir)[0]["id"].as_str().unwrap().to_string();

    write(
        dir,
        "resource \"alicloud_eip_address\" \"new\" {\n  address_name = \"kept\"\n}\n\nmoved {\n  from = alicloud_eip_address.old\n  to   = alicloud_eip_address.new\n}\n",
    );
    let o = eipform(dir, &["plan", "--detailed-exitcode"]);
    let t = text(&o);
    assert_eq!(code(&o), 2, "{t}");
    assert!(
        t.contains("# alicloud_eip_address.old has moved to alicloud_eip_address.new"),
        "{t}"
    );
    assert!(
        t.contains("Plan: 0 to add, 0 to change, 0 to destroy."),
        "{t}"
    );
    assert!(!t.contains("will be destroyed"), "{t}");
    apply_ok(dir);
    assert_eq!(state_list(dir), vec!["alicloud_eip_address.new"]);
    let now = eips(dir);
    assert_eq!(now.len(), 1);
    assert_eq!(now[0]["id"], id.as_str());
    assert_eq!(now[0]["status"], "Available");
    let o = eipform(dir, &["plan", "--detailed-exitcode"]);
    assert_eq!(code(&o), 0, "{}", text(&o));

    // A single resource moved into a count list keeps its object too.
    write(
        dir,
        "resource \"alicloud_eip_address\" \"new\" {\n  count        = 1\n  address_name = \"kept\"\n}\n\nmoved {\n  from = alicloud_eip_address.new\n  to   = alicloud_eip_address.new[0]\n}\n",
    );
    let t = apply_ok(dir);
    assert!(
        t.contains("Resources: 0 added, 0 changed, 0 destroyed."),
        "{t}"
    );
    assert_eq!(state_list(dir), vec!["alicloud_eip_address.new[0]"]);
    assert_eq!(eips(dir)[0]["id"], id.as_str());
}

#[test]
fn moved_block_with_a_type_change_is_an_error() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    write(dir, "resource \"alicloud_eip_address\" \"a\" {}\n");
    apply_ok(dir);
    write(
        dir,
        "resource \"alicloud_vpc\" \"a\" {\n  cidr_block = \"10.0.0.0/16\"\n}\nmoved {\n  from = alicloud_eip_address.a\n  to   = alicloud_vpc.a\n}\n",
    );
    let o = eipform(dir, &["plan"]);
    assert_eq!(code(&o), 1, "{}", text(&o));
    assert!(text(&o).contains("Resource type mismatch"), "{}", text(&o));
}

/// An EIP created through a second working directory that shares the cloud, so the first
/// directory's state does not know it.
fn foreign_eip(cloud: &str) -> String {
    let other = tempfile::tempdir().unwrap();
    write(
        other.path(),
        "resource \"alicloud_eip_address\" \"x\" {\n  address_name = \"adopt-me\"\n  bandwidth    = \"7\"\n}\n",
    );
    let o = eipform_env(
        other.path(),
        &["apply", "--auto-approve"],
        &[("EIPFORM_CLOUD", cloud)],
    );
    assert_eq!(code(&o), 0, "{}", text(&o));
    let o = eipform_env(
        other.path(),
        &["cloud", "list", "--type", "eip", "--json"],
        &[("EIPFORM_CLOUD", cloud)],
    );
    let list: Vec<Value> = serde_json::from_slice(&o.stdout).unwrap();
    list[0]["id"].as_str().unwrap().to_string()
}

#[test]
fn import_block_adopts_an_existing_object() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let cloud = format!("sim:{}", dir.join("shared-cloud.db").display());
    let id = foreign_eip(&cloud);
    let env = [("EIPFORM_CLOUD", cloud.as_str())];
    write(
        dir,
        &format!(
            "import {{\n  to = alicloud_eip_address.web\n  id = \"{id}\"\n}}\n\nresource \"alicloud_eip_address\" \"web\" {{\n  address_name = \"adopt-me\"\n  bandwidth    = \"7\"\n}}\n"
        ),
    );
    let o = eipform_env(dir, &["plan", "--detailed-exitcode"], &env);
    let t = text(&o);
    assert_eq!(code(&o), 2, "{t}");
    assert!(
        t.contains("# alicloud_eip_address.web will be imported"),
        "{t}"
    );
    assert!(
        t.contains("Plan: 1 to import, 0 to add, 0 to change, 0 to destroy."),
        "{t}"
    );
    let o = eipform_env(dir, &["apply", "--auto-approve"], &env);
    assert_eq!(code(&o), 0, "{}", text(&o));
    assert_eq!(state_list(dir), vec!["alicloud_eip_address.web"]);
    let o = eipform_env(dir, &["state", "show", "alicloud_eip_address.web"], &env);
    assert!(text(&o).contains(&id), "{}", text(&o));
    // Imported and in line with the configuration: nothing left to do.
    let o = eipform_env(dir, &["plan", "--detailed-exitcode"], &env);
    assert_eq!(code(&o), 0, "{}", text(&o));

    // An import with a changed argument plans the import and the update together.
    write(
        dir,
        &format!(
            "import {{\n  to = alicloud_eip_address.web\n  id = \"{id}\"\n}}\n\nresource \"alicloud_eip_address\" \"web\" {{\n  address_name = \"adopt-me\"\n  bandwidth    = \"9\"\n}}\n"
        ),
    );
    let o = eipform_env(dir, &["plan"], &env);
    assert!(
        text(&o).contains("Plan: 0 to add, 1 to change, 0 to destroy."),
        "already imported: {}",
        text(&o)
    );
}

#[test]
fn import_block_for_a_missing_object_is_an_error() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    write(
        dir,
        "import {\n  to = alicloud_eip_address.web\n  id = \"eip-doesnotexist0000000\"\n}\n\nresource \"alicloud_eip_address\" \"web\" {}\n",
    );
    let o = eipform(dir, &["plan"]);
    let t = text(&o);
    assert_eq!(code(&o), 1, "{t}");
    assert!(
        t.contains("Cannot import non-existent remote object"),
        "{t}"
    );
    assert!(t.contains("eip-doesnotexist0000000"), "{t}");
}

#[test]
fn import_command_records_the_object() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let cloud = format!("sim:{}", dir.join("shared-cloud.db").display());
    let id = foreign_eip(&cloud);
    let env = [("EIPFORM_CLOUD", cloud.as_str())];
    write(
        dir,
        "resource \"alicloud_eip_address\" \"web\" {\n  address_name = \"adopt-me\"\n  bandwidth    = \"7\"\n}\n",
    );

    // Not declared in the configuration.
    let o = eipform_env(dir, &["import", "alicloud_eip_address.other", &id], &env);
    assert_eq!(code(&o), 1, "{}", text(&o));
    assert!(
        text(&o).contains("Configuration for import target does not exist"),
        "{}",
        text(&o)
    );

    let o = eipform_env(dir, &["import", "alicloud_eip_address.web", &id], &env);
    let t = text(&o);
    assert_eq!(code(&o), 0, "{t}");
    assert!(t.contains("Import successful!"), "{t}");
    assert_eq!(state_list(dir), vec!["alicloud_eip_address.web"]);
    let o = eipform_env(dir, &["plan", "--detailed-exitcode"], &env);
    assert_eq!(code(&o), 0, "{}", text(&o));

    // A second import to the same address is refused.
    let o = eipform_env(dir, &["import", "alicloud_eip_address.web", &id], &env);
    assert_eq!(code(&o), 1, "{}", text(&o));
    assert!(text(&o).contains("already managed"), "{}", text(&o));

    // An unknown id is an error, never a silent success.
    write(
        dir,
        "resource \"alicloud_eip_address\" \"web\" {}\nresource \"alicloud_eip_address\" \"two\" {}\n",
    );
    let o = eipform_env(
        dir,
        &[
            "import",
            "alicloud_eip_address.two",
            "eip-nothere00000000000",
        ],
        &env,
    );
    assert_eq!(code(&o), 1, "{}", text(&o));
    assert!(
        text(&o).contains("Cannot import non-existent remote object"),
        "{}",
        text(&o)
    );
}

const SENSITIVE: &str = r#"
variable "label" {
  default   = "tf-hidden-label"
  sensitive = true
}

resource "alicloud_eip_address" "web" {
  address_name = var.label
  description  = "public description"
}

output "label" {
  value     = alicloud_eip_address.web.address_name
  sensitive = true
}

output "ip" {
  value = alicloud_eip_address.web.description
}
"#;

#[test]
fn sensitive_values_are_hidden_in_plans_and_outputs() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    write(dir, SENSITIVE);
    let o = eipform(dir, &["plan"]);
    let t = text(&o);
    assert_eq!(code(&o), 0, "{t}");
    assert!(!t.contains("tf-hidden-label"), "{t}");
    assert!(
        t.contains("address_name") && t.contains("(sensitive value)"),
        "{t}"
    );
    assert!(t.contains("+ label = (sensitive value)"), "{t}");
    assert!(t.contains("public description"), "{t}");
    let o = eipform(dir, &["plan", "--json"]);
    let plan: Value = serde_json::from_slice(&o.stdout).expect("plan --json");
    let rc = &plan["resource_changes"][0];
    assert_eq!(
        rc["change"]["after_sensitive"]["address_name"], true,
        "{rc}"
    );
    let t = apply_ok(dir);
    assert!(!t.contains("tf-hidden-label"), "{t}");
    assert!(t.contains("label = <sensitive>"), "{t}");
    // The state views mask it too.
    for args in [
        &["show"][..],
        &["state", "show", "alicloud_eip_address.web"][..],
    ] {
        let o = eipform(dir, args);
        let t = text(&o);
        assert_eq!(code(&o), 0, "{t}");
        assert!(!t.contains("tf-hidden-label"), "{args:?}: {t}");
        assert!(t.contains("(sensitive value)"), "{args:?}: {t}");
    }

    // An output showing a sensitive value without sensitive = true is an error.
    write(
        dir,
        &SENSITIVE.replace(
            "value     = alicloud_eip_address.web.address_name\n  sensitive = true",
            "value = var.label",
        ),
    );
    let o = eipform(dir, &["plan"]);
    let t = text(&o);
    assert_eq!(code(&o), 1, "{t}");
    assert!(t.contains("Output refers to sensitive values"), "{t}");
    assert!(t.contains("sensitive = true"), "{t}");
}

#[test]
fn required_variable_without_a_value_is_an_error_naming_it() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    write(
        dir,
        "variable \"eip_name\" {\n  type = string\n}\n\nresource \"alicloud_eip_address\" \"web\" {\n  address_name = var.eip_name\n}\n",
    );
    // stdin is not a terminal: no prompt, an error.
    let o = eipform(dir, &["plan"]);
    let t = text(&o);
    assert_eq!(code(&o), 1, "{t}");
    assert!(t.contains("No value for required variable"), "{t}");
    assert!(t.contains("\"eip_name\""), "{t}");
    let o = eipform_env(dir, &["plan"], &[("TF_VAR_eip_name", "from-env")]);
    assert_eq!(code(&o), 0, "{}", text(&o));
    assert!(text(&o).contains("\"from-env\""), "{}", text(&o));
}

#[test]
fn try_and_can_in_expressions_and_templates() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    write(
        dir,
        r#"
locals {
  settings = { name = "from-map" }
  name     = try(local.settings.missing, local.settings.name)
  label    = "${try(local.settings.nope, "fallback")}-${can(local.settings.name)}"
  tags     = { for k in ["a", "b"] : k => "%{ if can(local.settings.zz) }yes%{ else }no%{ endif }" }
}

resource "alicloud_eip_address" "web" {
  address_name = local.name
  description  = local.label
  tags         = local.tags
}
"#,
    );
    let o = eipform(dir, &["plan"]);
    let t = text(&o);
    assert_eq!(code(&o), 0, "{t}");
    assert!(t.contains("\"from-map\""), "{t}");
    assert!(t.contains("\"fallback-true\""), "{t}");
    assert!(t.contains("\"a\" = \"no\""), "{t}");
}

#[test]
fn unsupported_types_and_arguments_are_named() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    write(
        dir,
        "resource \"alicloud_oss_bucket\" \"b\" {}\n\nresource \"alicloud_eip_address\" \"e\" {\n  bandwith = 5\n}\n",
    );
    let o = eipform(dir, &["validate"]);
    let t = text(&o);
    assert_eq!(code(&o), 1, "{t}");
    assert!(
        t.contains("Unsupported resource type \"alicloud_oss_bucket\""),
        "{t}"
    );
    assert!(
        t.contains("An argument named \"bandwith\" is not expected"),
        "{t}"
    );
    assert!(t.contains("Did you mean \"bandwidth\"?"), "{t}");
    let o = eipform(dir, &["plan"]);
    assert_eq!(code(&o), 1);
    assert!(text(&o).contains("alicloud_oss_bucket"), "{}", text(&o));
}

#[test]
fn literal_argument_values_are_checked_by_validate() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    write(
        dir,
        "data \"alicloud_resource_manager_resource_groups\" \"g\" {}\n\nresource \"alicloud_eip_address\" \"e\" {\n  internet_charge_type = \"PayByDominantTraffic\"\n  resource_group_id    = data.alicloud_resource_manager_resource_groups.g.ids.0\n}\n",
    );
    let o = eipform(dir, &["validate", "--json"]);
    assert_eq!(code(&o), 1, "{}", text(&o));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["valid"], false);
    let d = &v["diagnostics"][0];
    assert!(
        d["summary"]
            .as_str()
            .unwrap()
            .ends_with("Invalid value for argument (rule A02)"),
        "{d}"
    );
    assert_eq!(d["rule"], "A02", "{d}");
    assert_eq!(d["code"], "InvalidParameter", "{d}");
    assert!(
        d["detail"]
            .as_str()
            .unwrap()
            .contains("PayByDominantTraffic"),
        "{d}"
    );
    assert_eq!(d["range"]["start"]["line"], 4, "{d}");
}

#[test]
fn count_for_each_splat_and_legacy_index() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    write(
        dir,
        r#"
variable "names" {
  type    = map(object({ bw = optional(number, 3) }))
  default = { a = {}, b = { bw = 4 } }
}

resource "alicloud_eip_address" "each" {
  for_each     = var.names
  address_name = "e-${each.key}"
  bandwidth    = each.value.bw
}

resource "alicloud_eip_address" "counted" {
  count        = 2
  address_name = format("c-%d", count.index)
}

output "ids" {
  value = length(alicloud_eip_address.counted[*].id)
}

output "legacy" {
  value = alicloud_eip_address.counted.*.address_name
}

output "first" {
  value = alicloud_eip_address.counted.0.address_name
}

output "each_bw" {
  value = { for k, v in alicloud_eip_address.each : k => v.bandwidth }
}
"#,
    );
    let t = apply_ok(dir);
    assert!(t.contains("Resources: 4 added"), "{t}");
    let mut addrs = state_list(dir);
    addrs.sort();
    assert_eq!(
        addrs,
        vec![
            "alicloud_eip_address.counted[0]",
            "alicloud_eip_address.counted[1]",
            "alicloud_eip_address.each[\"a\"]",
            "alicloud_eip_address.each[\"b\"]"
        ]
    );
    let o = eipform(dir, &["output", "--json"]);
    let out: Value = serde_json::from_slice(&o.stdout).unwrap_or(Value::Null);
    assert_eq!(out["ids"]["value"], 2, "{}", text(&o));
    assert_eq!(
        out["legacy"]["value"],
        serde_json::json!(["c-0", "c-1"]),
        "{}",
        text(&o)
    );
    assert_eq!(out["first"]["value"], "c-0", "{}", text(&o));
    assert_eq!(out["each_bw"]["value"]["a"], "3", "{}", text(&o));
    assert_eq!(eips(dir).len(), 4);
}
