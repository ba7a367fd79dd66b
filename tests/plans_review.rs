//! Plans people review and drift checks CI can trust (issue 4), end to end: the built binary in
//! temporary directories against the simulated cloud.
//!
//! Covers the three renderings (human, Markdown, JSON) of real plans for creates, in-place
//! updates, replaces, deletes, drift and rule warnings (insta snapshots, with cloud ids, IP
//! addresses, timestamps and lineages redacted); every JSON output validated against
//! `schemas/plan.schema.json` (plan JSON, and `#/$defs/state` for state JSON); saved plans
//! (`plan --out`, `show FILE`, `apply FILE`) and their refusals; the exit codes of
//! `plan --detailed-exitcode` and `drift`; `--refresh-only`; the out-of-band `cloud` commands;
//! `output` and `graph`.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::{Value, json};

fn eipform_env(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_eipform"));
    c.arg("--chdir")
        .arg(dir)
        .arg("--no-color")
        .args(args)
        .env_remove("EIPFORM_CLOUD")
        .env_remove("EIPFORM_SIM_FAULTS")
        .env_remove("NO_COLOR")
        .env("ALICLOUD_REGION", "cn-hangzhou");
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().expect("run eipform")
}

fn eipform(dir: &Path, args: &[&str]) -> Output {
    eipform_env(dir, args, &[])
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn text(o: &Output) -> String {
    format!("{}{}", stdout(o), stderr(o))
}

fn code(o: &Output) -> i32 {
    o.status.code().unwrap_or(-1)
}

/// Runs and asserts the exit code; returns stdout.
fn ok(dir: &Path, args: &[&str], expect: i32) -> String {
    let o = eipform(dir, args);
    assert_eq!(code(&o), expect, "eipform {args:?}:\n{}", text(&o));
    stdout(&o)
}

fn apply(dir: &Path) {
    let out = ok(dir, &["apply", "--auto-approve", "--parallelism", "1"], 0);
    assert!(out.contains("Apply complete!"), "{out}");
}

/// The world: a VPC with a vSwitch, a security group and two ENIs; EIP `web` associated with
/// `nic`, EIP `spare` unassociated, optionally EIP `old` and a subscription EIP `sub`.
#[derive(Clone)]
struct World {
    bandwidth: &'static str,
    spare_charge: &'static str,
    old: bool,
    sub: bool,
    assoc: bool,
    extra_output: bool,
}

impl Default for World {
    fn default() -> Self {
        World {
            bandwidth: "5",
            spare_charge: "PayByTraffic",
            old: true,
            sub: true,
            assoc: true,
            extra_output: false,
        }
    }
}

impl World {
    fn tf(&self) -> String {
        let mut s = format!(
            r#"provider "alicloud" {{
  region = "cn-hangzhou"
}}

variable "name" {{
  default = "review"
}}

resource "alicloud_vpc" "main" {{
  vpc_name   = var.name
  cidr_block = "10.0.0.0/16"
}}

resource "alicloud_vswitch" "main" {{
  vpc_id       = alicloud_vpc.main.id
  cidr_block   = "10.0.1.0/24"
  zone_id      = "cn-hangzhou-i"
  vswitch_name = var.name
}}

resource "alicloud_security_group" "main" {{
  security_group_name = var.name
  vpc_id              = alicloud_vpc.main.id
}}

resource "alicloud_ecs_network_interface" "nic" {{
  network_interface_name = "${{var.name}}-nic"
  vswitch_id             = alicloud_vswitch.main.id
  security_group_ids     = [alicloud_security_group.main.id]
}}

resource "alicloud_ecs_network_interface" "nic2" {{
  network_interface_name = "${{var.name}}-nic2"
  vswitch_id             = alicloud_vswitch.main.id
  security_group_ids     = [alicloud_security_group.main.id]
}}

resource "alicloud_eip_address" "web" {{
  address_name         = "${{var.name}}-web"
  bandwidth            = "{}"
  internet_charge_type = "PayByTraffic"
}}

resource "alicloud_eip_address" "spare" {{
  address_name         = "${{var.name}}-spare"
  bandwidth            = "1"
  internet_charge_type = "{}"
}}

output "web_bandwidth" {{
  value = alicloud_eip_address.web.bandwidth
}}
"#,
            self.bandwidth, self.spare_charge
        );
        if self.old {
            s.push_str(
                r#"
resource "alicloud_eip_address" "old" {
  address_name         = "${var.name}-old"
  bandwidth            = "1"
  internet_charge_type = "PayByTraffic"
}
"#,
            );
        }
        if self.sub {
            s.push_str(
                r#"
resource "alicloud_eip_address" "sub" {
  address_name = "${var.name}-sub"
  bandwidth    = "5"
  payment_type = "Subscription"
  period       = 1
}
"#,
            );
        }
        if self.assoc {
            s.push_str(
                r#"
resource "alicloud_eip_association" "web" {
  allocation_id = alicloud_eip_address.web.id
  instance_id   = alicloud_ecs_network_interface.nic.id
  instance_type = "NetworkInterface"
}
"#,
            );
        }
        if self.extra_output {
            s.push_str("\noutput \"region\" {\n  value = \"cn-hangzhou\"\n}\n");
        }
        s
    }

    fn write(&self, dir: &Path) {
        std::fs::write(dir.join("main.tf"), self.tf()).unwrap();
    }
}

fn world(w: &World) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    w.write(dir.path());
    dir
}

/// The id recorded for `addr`.
fn id_of(dir: &Path, addr: &str) -> String {
    let v: Value = serde_json::from_str(&ok(dir, &["show", "--json"], 0)).unwrap();
    v["values"]["root_module"]["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["address"] == addr)
        .and_then(|r| r["values"]["id"].as_str())
        .unwrap_or_else(|| panic!("{addr} not in state"))
        .to_string()
}

fn serial(dir: &Path) -> u64 {
    let v: Value = serde_json::from_str(&ok(dir, &["show", "--json"], 0)).unwrap();
    v["serial"].as_u64().unwrap()
}

fn cloud_json(dir: &Path) -> Value {
    serde_json::from_str(&ok(dir, &["cloud", "list", "--json"], 0)).unwrap()
}

fn state_list(dir: &Path) -> Vec<String> {
    ok(dir, &["state", "list"], 0)
        .lines()
        .map(str::to_string)
        .collect()
}

// ---------------------------------------------------------------------------------------------
// JSON Schema validation.

fn plan_schema() -> Value {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/schemas/plan.schema.json"
    ))
    .unwrap();
    serde_json::from_str(&text).unwrap()
}

fn validate_with(schema: &Value, v: &Value) {
    let validator = jsonschema::validator_for(schema).expect("schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(v)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "JSON does not match the schema:\n{}\n\n{}",
        errors.join("\n"),
        serde_json::to_string_pretty(v).unwrap()
    );
}

/// Parses `text` as plan JSON and validates it against `schemas/plan.schema.json`.
fn valid_plan_json(text: &str) -> Value {
    let v: Value = serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}):\n{text}"));
    validate_with(&plan_schema(), &v);
    v
}

/// Parses `text` as state JSON and validates it against `plan.schema.json#/$defs/state`.
fn valid_state_json(text: &str) -> Value {
    let v: Value = serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}):\n{text}"));
    let plan = plan_schema();
    let schema =
        json!({ "$schema": plan["$schema"], "$defs": plan["$defs"], "$ref": "#/$defs/state" });
    validate_with(&schema, &v);
    v
}

#[test]
fn the_validator_rejects_what_the_schema_forbids() {
    let schema = plan_schema();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let mut bad = json!({
        "format_version": "1.2", "terraform_version": "x",
        "planned_values": { "root_module": { "resources": [] } },
        "resource_changes": [{ "address": "a.b", "mode": "managed", "type": "a", "name": "b",
            "provider_name": "p", "change": { "actions": ["explode"], "before": null, "after": null,
            "after_unknown": {}, "before_sensitive": false, "after_sensitive": false } }],
        "output_changes": {}, "prior_state": { "format_version": "1.0", "values": { "root_module": { "resources": [] } } },
        "errored": false
    });
    assert!(!validator.is_valid(&bad));
    bad["resource_changes"][0]["change"]["actions"] = json!(["create"]);
    assert!(validator.is_valid(&bad));
}

// ---------------------------------------------------------------------------------------------
// Snapshots.

macro_rules! snap {
    ($name:expr, $value:expr) => {
        insta::with_settings!({
            filters => vec![
                (r"\b([a-z]+)-bp1[a-z0-9]{10,}\b", "$1-[ID]"),
                (r"\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\b", "[IP]"),
                (r"\b([0-9a-f]{2}:){5}[0-9a-f]{2}\b", "[MAC]"),
                (r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?", "[TIME]"),
                (r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "[UUID]"),
                (r#""terraform_version": "[^"]+""#, r#""terraform_version": "[VERSION]""#),
            ],
        }, {
            insta::assert_snapshot!($name, $value);
        });
    };
}

/// Snapshots the plan of `dir` in the three formats; validates the JSON.
fn snap_plan(dir: &Path, name: &str, extra: &[&str], expect: i32) -> (String, String, Value) {
    let mut args = vec!["plan"];
    args.extend_from_slice(extra);
    let human = ok(dir, &args, expect);
    let mut md_args = args.clone();
    md_args.extend_from_slice(&["--format", "markdown"]);
    let md = ok(dir, &md_args, expect);
    let mut json_args = args.clone();
    json_args.push("--json");
    let json_text = ok(dir, &json_args, expect);
    let json = valid_plan_json(&json_text);
    snap!(format!("{name}_human"), human.clone());
    snap!(format!("{name}_markdown"), md.clone());
    snap!(format!("{name}_json"), json_text);
    (human, md, json)
}

fn actions_of(v: &Value) -> Vec<(String, Value)> {
    v["resource_changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["change"]["actions"] != json!(["no-op"]))
        .map(|r| {
            (
                r["address"].as_str().unwrap().to_string(),
                r["change"]["actions"].clone(),
            )
        })
        .collect()
}

#[test]
fn create_plan_in_three_formats() {
    let w = World::default();
    let dir = world(&w);
    let (human, md, json) = snap_plan(dir.path(), "create", &["--detailed-exitcode"], 2);
    assert!(
        human.contains("  # alicloud_eip_address.web will be created"),
        "{human}"
    );
    assert!(
        human.contains("Plan: 10 to add, 0 to change, 0 to destroy."),
        "{human}"
    );
    assert!(
        md.contains("**Plan: 10 to add, 0 to change, 0 to destroy.**"),
        "{md}"
    );
    assert_eq!(json["format_version"], "1.2");
    assert!(
        actions_of(&json)
            .iter()
            .all(|(_, a)| a == &json!(["create"]))
    );
    assert_eq!(actions_of(&json).len(), 10);
    // Planning changed nothing.
    assert_eq!(cloud_json(dir.path()), json!([]));
}

#[test]
fn update_replace_and_delete_in_three_formats() {
    let mut w = World::default();
    let dir = world(&w);
    apply(dir.path());
    w.bandwidth = "10";
    w.spare_charge = "PayByBandwidth";
    w.old = false;
    w.write(dir.path());
    let (human, md, json) = snap_plan(dir.path(), "changes", &["--detailed-exitcode"], 2);
    assert!(
        human.contains("  # alicloud_eip_address.web will be updated in-place"),
        "{human}"
    );
    assert!(human.contains("      ~ bandwidth "), "{human}");
    assert!(
        human.contains("  # alicloud_eip_address.spare must be replaced"),
        "{human}"
    );
    assert!(human.contains("# forces replacement"), "{human}");
    assert!(human.contains("  # alicloud_eip_address.old will be destroyed\n  # (because alicloud_eip_address.old is not in configuration)"), "{human}");
    assert!(
        human.contains("Plan: 1 to add, 1 to change, 2 to destroy."),
        "{human}"
    );
    assert!(
        human.contains("Changes to Outputs:\n  ~ web_bandwidth = \"5\" -> \"10\""),
        "{human}"
    );
    // Markdown: destroys and replaces first, one <details> per resource.
    let warn = md.find("> [!WARNING]").expect("warning block");
    assert!(warn < md.find("### Resource changes").unwrap(), "{md}");
    assert_eq!(md.matches("<details>").count(), 3, "{md}");
    let old = md
        .find("<summary><code>alicloud_eip_address.old</code>")
        .unwrap();
    let spare = md
        .find("<summary><code>alicloud_eip_address.spare</code>")
        .unwrap();
    let web = md
        .find("<summary><code>alicloud_eip_address.web</code>")
        .unwrap();
    assert!(old < spare && spare < web, "{md}");
    let actions = actions_of(&json);
    assert_eq!(
        actions,
        vec![
            ("alicloud_eip_address.old".to_string(), json!(["delete"])),
            (
                "alicloud_eip_address.spare".to_string(),
                json!(["delete", "create"])
            ),
            ("alicloud_eip_address.web".to_string(), json!(["update"])),
        ]
    );
    let spare = json["resource_changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["address"] == "alicloud_eip_address.spare")
        .unwrap();
    assert_eq!(
        spare["change"]["replace_paths"],
        json!([["internet_charge_type"]])
    );
    assert_eq!(spare["action_reason"], "replace_because_cannot_update");
    let old = json["resource_changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["address"] == "alicloud_eip_address.old")
        .unwrap();
    assert_eq!(old["action_reason"], "delete_because_no_resource_config");
}

#[test]
fn rule_warnings_in_three_formats() {
    let mut w = World::default();
    let dir = world(&w);
    apply(dir.path());
    w.assoc = false;
    w.sub = false;
    w.write(dir.path());
    let (human, md, _json) = snap_plan(dir.path(), "warnings", &[], 0);
    let web = id_of(dir.path(), "alicloud_eip_address.web");
    assert!(
        human.contains(&format!(
            "# Warning: EIP {web} stays allocated after it is disassociated and keeps being charged"
        )),
        "{human}"
    );
    assert!(
        human.contains("(rule D01)") && human.contains("(rule D03)"),
        "{human}"
    );
    assert!(
        human.contains("a subscription EIP cannot be released"),
        "{human}"
    );
    assert!(
        md.contains("### Warnings") && md.contains("(rule D01)") && md.contains("(rule D03)"),
        "{md}"
    );
}

/// Applies the default world, then changes it outside eipform: `web`'s bandwidth to 10, `web`
/// disassociated (the association is gone), `old` released, `spare` associated with `nic2`.
fn drifted_world() -> tempfile::TempDir {
    let dir = world(&World::default());
    let d = dir.path();
    apply(d);
    let web = id_of(d, "alicloud_eip_address.web");
    let spare = id_of(d, "alicloud_eip_address.spare");
    let old = id_of(d, "alicloud_eip_address.old");
    let nic2 = id_of(d, "alicloud_ecs_network_interface.nic2");
    assert!(
        ok(d, &["cloud", "eip", "modify", &web, "--bandwidth", "10"], 0)
            .contains("ModifyEipAddressAttribute done")
    );
    ok(d, &["cloud", "eip", "unassociate", &web], 0);
    ok(d, &["cloud", "eip", "release", &old], 0);
    ok(
        d,
        &[
            "cloud",
            "eip",
            "associate",
            &spare,
            "--instance",
            &nic2,
            "--type",
            "NetworkInterface",
        ],
        0,
    );
    dir
}

#[test]
fn drift_report_in_three_formats() {
    let dir = drifted_world();
    let d = dir.path();
    let state_before = ok(d, &["show", "--json"], 0);
    let cloud_before = cloud_json(d);
    let human = ok(d, &["drift"], 2);
    let md = ok(d, &["drift", "--format", "markdown"], 2);
    let json_text = ok(d, &["drift", "--json"], 2);
    let json = valid_plan_json(&json_text);
    snap!("drift_human", human.clone());
    snap!("drift_markdown", md.clone());
    snap!("drift_json", json_text);
    assert!(
        human.contains("  # alicloud_eip_address.web has changed"),
        "{human}"
    );
    assert!(
        human.contains("~ bandwidth ") && human.contains("\"5\" -> \"10\""),
        "{human}"
    );
    assert!(
        human.contains("  # alicloud_eip_address.old has been deleted"),
        "{human}"
    );
    assert!(
        human.contains("  # alicloud_eip_association.web has been deleted"),
        "{human}"
    );
    assert!(
        human.contains("Associations changed outside eipform:"),
        "{human}"
    );
    assert!(
        human.contains("+ alicloud_eip_address.spare associated with a target"),
        "{human}"
    );
    assert!(
        human.contains("- alicloud_eip_association.web disassociated from eni-"),
        "{human}"
    );
    assert!(
        human.contains("Drift: 2 changed, 2 deleted, 2 associations changed outside eipform."),
        "{human}"
    );
    assert!(md.starts_with("## eipform drift\n"), "{md}");
    let drifted: Vec<&str> = json["resource_drift"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["address"].as_str().unwrap())
        .collect();
    assert_eq!(
        drifted,
        [
            "alicloud_eip_address.old",
            "alicloud_eip_address.spare",
            "alicloud_eip_address.web",
            "alicloud_eip_association.web"
        ]
    );
    // Read-only: neither the state nor the cloud changed.
    assert_eq!(ok(d, &["show", "--json"], 0), state_before);
    assert_eq!(cloud_json(d), cloud_before);
}

#[test]
fn plans_show_drift_before_the_changes_and_refresh_only_plans_none() {
    let dir = drifted_world();
    let d = dir.path();
    let human = ok(d, &["plan", "--detailed-exitcode"], 2);
    snap!("drift_plan_human", human.clone());
    let note = human
        .find("Note: Objects have changed outside of eipform")
        .expect("drift section");
    let actions = human
        .find("eipform will perform the following actions:")
        .expect("changes");
    assert!(note < actions, "{human}");
    assert!(
        human.contains("Plan: 2 to add, 1 to change, 0 to destroy."),
        "{human}"
    );
    let md = ok(d, &["plan", "--format", "markdown"], 0);
    snap!("drift_plan_markdown", md.clone());
    assert!(md.contains("### Drift"), "{md}");
    let json = valid_plan_json(&ok(d, &["plan", "--json"], 0));
    assert_eq!(json["resource_drift"].as_array().unwrap().len(), 4);

    let refresh_only = ok(d, &["plan", "--refresh-only", "--detailed-exitcode"], 0);
    snap!("refresh_only_plan_human", refresh_only.clone());
    assert!(
        refresh_only.contains(
            "This is a refresh-only plan, so eipform will not take any actions to undo these."
        ),
        "{refresh_only}"
    );
    assert!(
        !refresh_only.contains("will perform the following actions"),
        "{refresh_only}"
    );
    let json = valid_plan_json(&ok(d, &["plan", "--refresh-only", "--json"], 0));
    assert!(actions_of(&json).is_empty());
    assert_eq!(json["applyable"], true);
}

#[test]
fn apply_refresh_only_accepts_drift_into_the_state() {
    let dir = drifted_world();
    let d = dir.path();
    let cloud_before = cloud_json(d);
    let serial_before = serial(d);
    let out = ok(d, &["apply", "--refresh-only", "--auto-approve"], 0);
    assert!(
        out.contains(
            "State updated from the cloud: 2 refreshed, 2 removed (deleted outside eipform)."
        ),
        "{out}"
    );
    // The cloud is untouched; the state took the drift in one run (one serial).
    assert_eq!(cloud_json(d), cloud_before);
    assert_eq!(serial(d), serial_before + 1);
    let list = state_list(d);
    assert!(
        !list.contains(&"alicloud_eip_address.old".to_string()),
        "{list:?}"
    );
    assert!(
        !list.contains(&"alicloud_eip_association.web".to_string()),
        "{list:?}"
    );
    let web = ok(d, &["state", "show", "alicloud_eip_address.web"], 0);
    assert!(web.contains("bandwidth") && web.contains("\"10\""), "{web}");
    // Nothing drifted any more; a normal plan now undoes the accepted changes.
    assert!(ok(d, &["drift"], 0).contains("No drift: the cloud matches the state."));
    let plan = ok(d, &["plan", "--detailed-exitcode"], 2);
    assert!(
        !plan.contains("Objects have changed outside of eipform"),
        "{plan}"
    );
    assert!(
        plan.contains("Plan: 2 to add, 1 to change, 0 to destroy."),
        "{plan}"
    );
    // Without drift, a refresh-only apply writes nothing.
    let serial_now = serial(d);
    ok(d, &["apply", "--refresh-only", "--auto-approve"], 0);
    assert_eq!(serial(d), serial_now);
    // Refresh-only without a terminal and without --auto-approve asks nobody and refuses.
    let dir2 = drifted_world();
    let o = eipform(dir2.path(), &["apply", "--refresh-only"]);
    assert_eq!(code(&o), 1, "{}", text(&o));
    assert!(stderr(&o).contains("needs confirmation"), "{}", text(&o));
    let o = eipform(dir2.path(), &["plan", "--refresh-only", "--refresh=false"]);
    assert_eq!(code(&o), 1);
    assert!(
        stderr(&o).contains("--refresh=false and --refresh-only cannot be used together"),
        "{}",
        text(&o)
    );
}

#[test]
fn exit_codes_of_detailed_exitcode_and_drift() {
    let mut w = World::default();
    let dir = world(&w);
    let d = dir.path();
    // Changes to apply: 2.
    ok(d, &["plan", "--detailed-exitcode"], 2);
    // Without the flag a successful plan is 0 whatever it holds.
    ok(d, &["plan"], 0);
    apply(d);
    // No changes: 0 and 0.
    let o = eipform(d, &["plan", "--detailed-exitcode"]);
    assert_eq!(code(&o), 0, "{}", text(&o));
    assert!(stdout(&o).contains("No changes. Your infrastructure matches the configuration."));
    assert!(!stderr(&o).contains("Note:"), "{}", text(&o));
    ok(d, &["drift"], 0);
    // An output-only change: 0, with a note saying why.
    w.extra_output = true;
    w.write(d);
    let o = eipform(d, &["plan", "--detailed-exitcode"]);
    assert_eq!(code(&o), 0, "{}", text(&o));
    assert!(
        stdout(&o).contains("Changes to Outputs:\n  + region = \"cn-hangzhou\""),
        "{}",
        text(&o)
    );
    assert!(
        stderr(&o)
            .contains("Note: --detailed-exitcode reports 0 because only output values change"),
        "{}",
        text(&o)
    );
    ok(d, &["drift"], 0);
    apply(d);
    ok(d, &["plan", "--detailed-exitcode"], 0);
    // Drift that needs no action (spare associated outside eipform, and no configuration
    // manages its association): drift 2, plan 0 with a note.
    let spare = id_of(d, "alicloud_eip_address.spare");
    let nic2 = id_of(d, "alicloud_ecs_network_interface.nic2");
    ok(
        d,
        &[
            "cloud",
            "eip",
            "associate",
            &spare,
            "--instance",
            &nic2,
            "--type",
            "NetworkInterface",
        ],
        0,
    );
    ok(d, &["drift"], 2);
    let o = eipform(d, &["plan", "--detailed-exitcode"]);
    assert_eq!(code(&o), 0, "{}", text(&o));
    assert!(
        stdout(&o).contains("Note: Objects have changed outside of eipform"),
        "{}",
        text(&o)
    );
    assert!(
        stdout(&o).contains("No changes. Your infrastructure matches the configuration."),
        "{}",
        text(&o)
    );
    assert!(
        stderr(&o).contains("the only differences are changes made outside eipform (drift)"),
        "{}",
        text(&o)
    );
    ok(d, &["plan", "--refresh-only", "--detailed-exitcode"], 0);
    // Drift that the configuration undoes: drift 2, plan 2.
    let web = id_of(d, "alicloud_eip_address.web");
    ok(d, &["cloud", "eip", "modify", &web, "--bandwidth", "20"], 0);
    ok(d, &["drift"], 2);
    ok(d, &["plan", "--detailed-exitcode"], 2);
    // Errors: 1.
    let o = eipform_env(d, &["drift"], &[("EIPFORM_CLOUD", "ftp://nowhere")]);
    assert_eq!(code(&o), 1, "{}", text(&o));
    let o = eipform_env(
        d,
        &["plan", "--detailed-exitcode"],
        &[("EIPFORM_CLOUD", "ftp://nowhere")],
    );
    assert_eq!(code(&o), 1, "{}", text(&o));
    std::fs::write(d.join("broken.tf"), "resource \"alicloud_vpc\" {\n").unwrap();
    ok(d, &["plan", "--detailed-exitcode"], 1);
    std::fs::remove_file(d.join("broken.tf")).unwrap();
    // Drift with no state at all: nothing can have drifted, and nothing is created.
    let empty = tempfile::tempdir().unwrap();
    assert!(ok(empty.path(), &["drift"], 0).contains("No drift"));
    assert!(!empty.path().join(".eipform/state.db").exists());
}

#[test]
fn saved_plan_shows_and_applies_exactly() {
    let mut w = World::default();
    let dir = world(&w);
    let d = dir.path();
    apply(d);
    w.bandwidth = "10";
    w.old = false;
    w.write(d);
    let plan_out = ok(
        d,
        &["plan", "--out", "review.plan", "--detailed-exitcode"],
        2,
    );
    assert!(
        plan_out.contains("Saved the plan to: review.plan"),
        "{plan_out}"
    );
    assert!(
        plan_out.contains("    eipform apply review.plan"),
        "{plan_out}"
    );
    let file: Value =
        serde_json::from_slice(&std::fs::read(d.join("review.plan")).unwrap()).unwrap();
    assert_eq!(file["format"], "eipform-plan");
    assert_eq!(file["format_version"], 1);
    assert!(file["digest"].as_str().unwrap().starts_with("sha256:"));
    assert_eq!(file["serial"].as_u64(), Some(serial(d)));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(d.join("review.plan"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    // show FILE renders the saved plan as plan did.
    let shown = ok(d, &["show", "review.plan"], 0);
    assert_eq!(
        plan_out.split("\nSaved the plan to:").next().unwrap(),
        shown
    );
    assert_eq!(
        ok(d, &["show", "review.plan", "--format", "markdown"], 0),
        ok(d, &["plan", "--format", "markdown"], 0)
    );
    let json = valid_plan_json(&ok(d, &["show", "review.plan", "--json"], 0));
    assert_eq!(
        actions_of(&json),
        vec![
            ("alicloud_eip_address.old".to_string(), json!(["delete"])),
            ("alicloud_eip_address.web".to_string(), json!(["update"]))
        ]
    );
    // --json with --out keeps stdout pure JSON.
    let o = eipform(d, &["plan", "--out", "again.plan", "--json"]);
    assert_eq!(code(&o), 0);
    valid_plan_json(&stdout(&o));
    assert!(stderr(&o).contains("Saved the plan to: again.plan"));
    // apply FILE applies exactly that plan, without asking (no terminal here).
    let before = serial(d);
    let out = ok(d, &["apply", "review.plan"], 0);
    assert!(
        out.contains("Apply complete! Resources: 0 added, 1 changed, 1 destroyed."),
        "{out}"
    );
    assert_eq!(serial(d), before + 1);
    assert!(!state_list(d).contains(&"alicloud_eip_address.old".to_string()));
    let web = id_of(d, "alicloud_eip_address.web");
    let eip: Value = serde_json::from_str(&ok(d, &["cloud", "show", &web, "--json"], 0)).unwrap();
    assert_eq!(
        eip["attributes"]["Bandwidth"].to_string().trim_matches('"'),
        "10",
        "{eip}"
    );
    ok(d, &["plan", "--detailed-exitcode"], 0);
    // The same file again: the state moved on.
    let o = eipform(d, &["apply", "review.plan"]);
    assert_eq!(code(&o), 1);
    assert!(stderr(&o).contains("Saved plan is stale"), "{}", text(&o));
}

#[test]
fn saved_plan_refusals() {
    let mut w = World::default();
    let dir = world(&w);
    let d = dir.path();
    apply(d);
    w.bandwidth = "10";
    w.write(d);
    ok(d, &["plan", "--out", "p.plan"], 0);
    let cloud_before = cloud_json(d);
    let refused = |d: &Path, args: &[&str], needle: &str| {
        let o = eipform(d, args);
        assert_eq!(code(&o), 1, "{}", text(&o));
        assert!(
            stderr(&o).contains(needle),
            "expected {needle:?}:\n{}",
            text(&o)
        );
    };

    // Configuration changed since the plan.
    std::fs::write(
        d.join("main.tf"),
        w.tf().replace(
            "cidr_block = \"10.0.0.0/16\"\n",
            "cidr_block = \"10.0.0.0/16\"\n  description = \"edited\"\n",
        ),
    )
    .unwrap();
    refused(
        d,
        &["apply", "p.plan"],
        "Saved plan does not match the configuration",
    );
    w.write(d);
    // Variables changed since the plan (terraform.tfvars is read again).
    std::fs::write(d.join("terraform.tfvars"), "name = \"other\"\n").unwrap();
    refused(
        d,
        &["apply", "p.plan"],
        "Saved plan does not match the configuration",
    );
    std::fs::remove_file(d.join("terraform.tfvars")).unwrap();
    // Variables cannot be set for a saved plan.
    refused(
        d,
        &["apply", "p.plan", "--var", "name=x"],
        "Can't set variables when applying a saved plan",
    );
    // Not a plan file.
    std::fs::write(d.join("junk.plan"), "{\"format\": \"something\"}").unwrap();
    refused(d, &["apply", "junk.plan"], "is not a saved eipform plan");
    refused(
        d,
        &["show", "missing.plan"],
        "Failed to load the saved plan",
    );
    let mut other_version: Value =
        serde_json::from_slice(&std::fs::read(d.join("p.plan")).unwrap()).unwrap();
    other_version["format_version"] = json!(99);
    std::fs::write(d.join("v99.plan"), other_version.to_string()).unwrap();
    refused(d, &["apply", "v99.plan"], "has plan format version 99");
    assert_eq!(
        cloud_json(d),
        cloud_before,
        "refused applies change nothing"
    );

    // Another state (another lineage), same configuration.
    let other = world(&w);
    std::fs::copy(d.join("p.plan"), other.path().join("p.plan")).unwrap();
    refused(
        other.path(),
        &["apply", "p.plan"],
        "Saved plan does not match the given state",
    );

    // The state moved on (serial) since the plan.
    let web = id_of(d, "alicloud_eip_address.web");
    ok(d, &["cloud", "eip", "modify", &web, "--bandwidth", "7"], 0);
    ok(d, &["apply", "--refresh-only", "--auto-approve"], 0);
    refused(d, &["apply", "p.plan"], "Saved plan is stale");
    let eip: Value = serde_json::from_str(&ok(d, &["cloud", "show", &web, "--json"], 0)).unwrap();
    assert_eq!(
        eip["attributes"]["Bandwidth"].to_string().trim_matches('"'),
        "7",
        "the stale plan changed nothing"
    );

    // A plan made with --var replays the same value at apply.
    let v = world(&w);
    ok(
        v.path(),
        &["plan", "--var", "name=fromvar", "--out", "v.plan"],
        0,
    );
    let out = ok(v.path(), &["apply", "v.plan"], 0);
    assert!(out.contains("Apply complete! Resources: 10 added"), "{out}");
    let vpc = id_of(v.path(), "alicloud_vpc.main");
    let obj: Value =
        serde_json::from_str(&ok(v.path(), &["cloud", "show", &vpc, "--json"], 0)).unwrap();
    assert!(obj.to_string().contains("fromvar"), "{obj}");
}

#[test]
fn refresh_only_plans_can_be_saved_and_applied() {
    let dir = drifted_world();
    let d = dir.path();
    let cloud_before = cloud_json(d);
    ok(d, &["plan", "--refresh-only", "--out", "r.plan"], 0);
    let out = ok(d, &["apply", "r.plan"], 0);
    assert!(out.contains("2 refreshed, 2 removed"), "{out}");
    assert_eq!(cloud_json(d), cloud_before);
    ok(d, &["drift"], 0);
}

#[test]
fn show_state_as_json_and_markdown() {
    let dir = world(&World::default());
    let d = dir.path();
    let empty = valid_state_json(&ok(d, &["show", "--json"], 0));
    assert_eq!(empty["values"]["root_module"]["resources"], json!([]));
    apply(d);
    let v = valid_state_json(&ok(d, &["show", "--json"], 0));
    assert_eq!(v["format_version"], "1.0");
    assert_eq!(v["serial"], 1);
    assert_eq!(
        v["values"]["root_module"]["resources"]
            .as_array()
            .unwrap()
            .len(),
        10
    );
    assert_eq!(v["values"]["outputs"]["web_bandwidth"]["value"], "5");
    let md = ok(d, &["show", "--format", "markdown"], 0);
    snap!("state_markdown", md.clone());
    assert!(md.contains("| <code>alicloud_eip_address.web</code> | <code>alicloud_eip_address</code> | <code>eip-"), "{md}");
    let human = ok(d, &["show"], 0);
    assert!(human.contains("# alicloud_eip_address.web:"), "{human}");
    let o = eipform(d, &["show", "--json", "--format", "markdown"]);
    assert_eq!(code(&o), 2, "clap rejects conflicting flags: {}", text(&o));
    let o = eipform(d, &["show", "--format", "yaml"]);
    assert_ne!(code(&o), 0);
    assert!(
        stderr(&o).contains("expected human, json or markdown"),
        "{}",
        text(&o)
    );
}

#[test]
fn output_command() {
    let dir = world(&World {
        extra_output: true,
        ..World::default()
    });
    let d = dir.path();
    let o = eipform(d, &["output"]);
    assert_eq!(code(&o), 0);
    assert!(stderr(&o).contains("No outputs found"), "{}", text(&o));
    apply(d);
    assert_eq!(
        ok(d, &["output"], 0),
        "region = \"cn-hangzhou\"\nweb_bandwidth = \"5\"\n"
    );
    assert_eq!(ok(d, &["output", "region"], 0), "\"cn-hangzhou\"\n");
    assert_eq!(
        ok(d, &["output", "--json", "region"], 0),
        "\"cn-hangzhou\"\n"
    );
    let all: Value = serde_json::from_str(&ok(d, &["output", "--json"], 0)).unwrap();
    assert_eq!(
        all,
        json!({"region": {"sensitive": false, "value": "cn-hangzhou"}, "web_bandwidth": {"sensitive": false, "value": "5"}})
    );
    let o = eipform(d, &["output", "nope"]);
    assert_eq!(code(&o), 1);
    assert!(
        stderr(&o).contains("Output \"nope\" not found"),
        "{}",
        text(&o)
    );
}

#[test]
fn graph_prints_dot() {
    let dir = world(&World::default());
    let d = dir.path();
    let dot = ok(d, &["graph"], 0);
    assert!(
        dot.starts_with(
            "digraph G {\n  rankdir = \"RL\";\n  node [shape = rect, fontname = \"sans-serif\"];\n"
        ),
        "{dot}"
    );
    for edge in [
        "\"alicloud_vswitch.main\" -> \"alicloud_vpc.main\";",
        "\"alicloud_eip_association.web\" -> \"alicloud_eip_address.web\";",
        "\"alicloud_eip_association.web\" -> \"alicloud_ecs_network_interface.nic\";",
        "\"alicloud_ecs_network_interface.nic\" -> \"alicloud_security_group.main\";",
    ] {
        assert!(dot.contains(edge), "{edge} missing:\n{dot}");
    }
    assert_eq!(dot.matches(" -> ").count(), 8, "{dot}");
    assert_eq!(dot.matches("[label=").count(), 10, "{dot}");
    assert!(dot.ends_with("}\n"));
    std::fs::write(
        d.join("bad.tf"),
        "resource \"alicloud_vpc\" \"x\" {\n  vpc_name = alicloud_vpc.nope.id\n}\n",
    )
    .unwrap();
    ok(d, &["graph"], 1);
}

#[test]
fn out_of_band_commands() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(
        d.join("main.tf"),
        r#"
resource "alicloud_vpc" "main" {
  cidr_block = "10.0.0.0/16"
}
resource "alicloud_vswitch" "main" {
  vpc_id     = alicloud_vpc.main.id
  cidr_block = "10.0.1.0/24"
  zone_id    = "cn-hangzhou-i"
}
resource "alicloud_security_group" "main" {
  vpc_id = alicloud_vpc.main.id
}
resource "alicloud_instance" "web" {
  image_id        = "ubuntu_18_04_64_20G_alibase_20190624.vhd"
  instance_type   = "ecs.g6.large"
  security_groups = [alicloud_security_group.main.id]
  vswitch_id      = alicloud_vswitch.main.id
  data_disks {
    size = 20
  }
}
"#,
    )
    .unwrap();
    apply(d);
    let i = id_of(d, "alicloud_instance.web");
    ok(d, &["drift"], 0);
    assert!(ok(d, &["cloud", "instance", "stop", &i], 0).contains("StopInstance done"));
    let report = ok(d, &["drift"], 2);
    assert!(
        report.contains("  # alicloud_instance.web has changed")
            && report.contains("\"Running\" -> \"Stopped\""),
        "{report}"
    );
    let o = eipform(d, &["cloud", "instance", "stop", &i]);
    assert_eq!(code(&o), 1);
    assert!(
        stderr(&o).contains("IncorrectInstanceStatus"),
        "{}",
        text(&o)
    );
    ok(d, &["cloud", "instance", "start", &i], 0);
    let obj: Value = serde_json::from_str(&ok(d, &["cloud", "show", &i, "--json"], 0)).unwrap();
    assert_eq!(obj["status"], "Running");
    for args in [
        vec!["cloud", "eip", "modify", "eip-nothere", "--bandwidth", "3"],
        vec!["cloud", "eip", "release", "eip-nothere"],
        vec!["cloud", "instance", "start", "i-nothere"],
    ] {
        let o = eipform(d, &args);
        assert_eq!(code(&o), 1, "{args:?}: {}", text(&o));
        assert!(stderr(&o).contains("NotFound"), "{args:?}: {}", text(&o));
    }
}

/// An apply records, with each EIP it read back, what the answer was (its read memo); later
/// refreshes keep the recorded attributes of EIPs whose answer is unchanged. Every change made
/// outside eipform is still seen, including a change back to what an earlier read recorded.
#[test]
fn refresh_after_apply_sees_every_change_made_outside_eipform() {
    let dir = world(&World::default());
    let d = dir.path();
    apply(d);
    let memos = || -> Vec<String> {
        let db = rusqlite::Connection::open(d.join(".eipform/state.db")).unwrap();
        let mut q = db
            .prepare("SELECT body FROM resources WHERE address LIKE 'alicloud_eip_address.%' ORDER BY address")
            .unwrap();
        q.query_map([], |r| r.get::<_, String>(0))
            .unwrap()
            .map(|b| {
                let body: Value = serde_json::from_str(&b.unwrap()).unwrap();
                body["read"].as_str().unwrap_or_default().to_string()
            })
            .collect()
    };
    let recorded = memos();
    assert!(recorded.len() >= 3, "{recorded:?}");
    assert!(recorded.iter().all(|m| m.len() == 32), "{recorded:?}");
    ok(d, &["drift"], 0);
    ok(d, &["plan", "--detailed-exitcode"], 0);
    let web = id_of(d, "alicloud_eip_address.web");
    ok(d, &["cloud", "eip", "modify", &web, "--bandwidth", "10"], 0);
    let drift = ok(d, &["drift"], 2);
    assert!(drift.contains("\"5\" -> \"10\""), "{drift}");
    // Accepted into the state: read again, with a new memo for `web` only.
    ok(d, &["apply", "--refresh-only", "--auto-approve"], 0);
    ok(d, &["drift"], 0);
    let accepted = memos();
    let changed: Vec<usize> = (0..recorded.len())
        .filter(|&i| recorded[i] != accepted[i])
        .collect();
    assert_eq!(changed.len(), 1, "{recorded:?} {accepted:?}");
    // Back to the bandwidth of the first read: its answer is the one the first memo recorded,
    // but the state now holds 10, so this is drift too.
    ok(d, &["cloud", "eip", "modify", &web, "--bandwidth", "5"], 0);
    let drift = ok(d, &["drift"], 2);
    assert!(drift.contains("\"10\" -> \"5\""), "{drift}");
    ok(d, &["plan", "--detailed-exitcode"], 0);
}
