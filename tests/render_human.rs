//! Human plan, state and drift text: snapshots plus direct checks of the lines tools match on.

mod render_support;

use eipform::plan::model::PlanMode;
use eipform::render::human;
use render_support::*;

fn line_with<'a>(text: &'a str, needle: &str) -> &'a str {
    text.lines()
        .find(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("no line with {needle:?} in:\n{text}"))
}

#[test]
fn create() {
    let text = human::plan(&create_plan(), false);
    insta::assert_snapshot!("create", text);
    assert!(text.contains("  # alicloud_eip_address.web will be created\n  + resource \"alicloud_eip_address\" \"web\" {\n"));
    assert_eq!(
        line_with(&text, " id "),
        "      + id                        = (known after apply)"
    );
    assert!(text.contains("Plan: 1 to add, 0 to change, 0 to destroy.\n"));
    assert!(text.contains("Changes to Outputs:\n  + web_ip = (known after apply)\n"));
    assert!(
        !text.contains("description"),
        "null attributes are not shown on create"
    );
    assert!(
        text.contains("  + create\n\neipform will perform"),
        "legend lists only the actions present"
    );
}

#[test]
fn update_in_place() {
    let text = human::plan(&update_plan(), false);
    insta::assert_snapshot!("update", text);
    assert!(text.contains("  # alicloud_eip_address.web will be updated in-place\n  ~ resource"));
    // `=` is aligned over every attribute, hidden ones included (as Terraform does).
    assert_eq!(
        line_with(&text, "bandwidth"),
        "      ~ bandwidth            = \"5\" -> \"10\""
    );
    assert_eq!(
        line_with(&text, "description"),
        "      + description          = \"front end\""
    );
    assert_eq!(
        line_with(&text, " id "),
        "        id                   = \"eip-bp1web000000000001\""
    );
    assert!(text.contains("        # (7 unchanged attributes hidden)\n    }\n"));
    assert!(text.contains("          ~ \"Env\"   = \"prod\" -> \"staging\"\n          + \"Owner\" = \"alice\"\n            # (1 unchanged element hidden)\n        }\n"));
    assert!(text.contains("Plan: 0 to add, 1 to change, 0 to destroy."));
}

#[test]
fn replace_marks_forcing_attribute() {
    let text = human::plan(&replace_plan(), false);
    insta::assert_snapshot!("replace", text);
    assert!(text.contains("  # alicloud_eip_address.web must be replaced\n-/+ resource \"alicloud_eip_address\" \"web\" {"));
    assert_eq!(
        line_with(&text, "isp"),
        "      ~ isp                  = \"BGP\" -> \"BGP_PRO\" # forces replacement"
    );
    assert_eq!(
        line_with(&text, " id "),
        "      ~ id                   = \"eip-bp1web000000000001\" -> (known after apply)"
    );
    assert_eq!(text.matches("# forces replacement").count(), 1);
    assert!(text.contains("-/+ destroy and then create replacement\n"));
    assert!(text.contains("Plan: 1 to add, 0 to change, 1 to destroy."));
    assert!(text.contains("  ~ web_ip = \"47.96.10.1\" -> (known after apply)"));
}

#[test]
fn delete_with_reason() {
    let text = human::plan(&delete_plan(), false);
    insta::assert_snapshot!("delete", text);
    assert!(text.contains(
        "  # alicloud_eip_address.old will be destroyed\n  # (because alicloud_eip_address.old is not in configuration)\n  - resource"
    ));
    assert!(text.contains("  # (because index [2] is out of range for count)"));
    assert_eq!(
        line_with(&text, "bandwidth"),
        "      - bandwidth            = \"5\" -> null"
    );
    assert!(text.contains("      - tags                 = {\n          - \"Env\"  = \"prod\"\n          - \"Team\" = \"net\"\n        } -> null\n"));
    assert!(
        text.find("pool[2]").unwrap() > text.find(".old").unwrap(),
        "changes are sorted by address"
    );
    assert!(text.contains("Plan: 0 to add, 0 to change, 2 to destroy."));
    assert!(text.contains("  - old_ip = \"47.96.10.1\" -> null"));
}

#[test]
fn mixed_with_rule_warnings() {
    let p = mixed_plan();
    let text = human::plan(&p, false);
    insta::assert_snapshot!("mixed", text);
    assert!(text.contains(
        "symbols:\n  + create\n  ~ update in-place\n  - destroy\n-/+ destroy and then create replacement\n <= read (data resources)\n\n"
    ));
    assert!(text.contains(
        "  # alicloud_eip_address.nat[\"b\"] will be created\n  # Warning: D01: bandwidth above 200"
    ));
    assert!(text.contains("  # data.alicloud_eip_addresses.all will be read during apply\n  # (config refers to values not yet known)\n <= data \"alicloud_eip_addresses\" \"all\" {"));
    assert!(
        !text.contains("alicloud_eip_address.same"),
        "no-ops are not shown"
    );
    assert!(text.contains("Plan: 3 to add, 1 to change, 3 to destroy.\n"));
    assert!(text.ends_with("\nWarning: Resource targeting is in effect\n"));
}

#[test]
fn unchanged_empty_is_shown_from_the_side_that_has_it() {
    let mut after = web_recorded();
    after["tags"] = serde_json::Value::Null;
    after["bandwidth"] = serde_json::json!("10");
    let mut before = web_recorded();
    before["tags"] = serde_json::json!({});
    let p = plan(vec![change(
        "alicloud_eip_address.web",
        eipform::plan::model::Action::Update,
        Some(before),
        Some(after),
    )]);
    let text = human::plan(&p, false);
    assert_eq!(
        line_with(&text, "tags"),
        "        tags                 = {}"
    );
}

#[test]
fn sensitive_values_are_masked() {
    let text = human::plan(&sensitive_plan(), false);
    insta::assert_snapshot!("sensitive", text);
    assert!(!text.contains("hunter2") && !text.contains("\"old\"") && !text.contains("\"new\""));
    assert!(text.contains("      + secret      = (sensitive value)\n"));
    assert!(text.contains("      ~ secret      = (sensitive value)\n"));
    assert!(text.contains("      - secret = (sensitive value) -> null\n"));
    assert!(text.contains("  + secret = (sensitive value)\n"));
}

#[test]
fn drift_then_no_changes() {
    let text = human::plan(&drift_plan(PlanMode::Normal), false);
    insta::assert_snapshot!("drift_normal", text);
    assert!(text.starts_with("Note: Objects have changed outside of eipform\n\n"));
    assert!(text.contains("  # alicloud_eip_address.web has changed\n  ~ resource"));
    assert!(text.contains("  # alicloud_eip_address.old has been deleted\n  - resource"));
    assert_eq!(
        line_with(&text, "-> \"20\""),
        "      ~ bandwidth            = \"5\" -> \"20\""
    );
    assert!(text.contains("No changes. Your infrastructure matches the configuration.\n"));
    assert!(text.contains("eipform apply --refresh-only"));

    let refresh = human::plan(&drift_plan(PlanMode::RefreshOnly), false);
    insta::assert_snapshot!("drift_refresh_only", refresh);
    assert!(refresh.contains("This is a refresh-only plan"));
    assert!(!refresh.contains("No changes."));
}

#[test]
fn no_changes_wording() {
    let normal = human::plan(&no_changes_plan(PlanMode::Normal), false);
    insta::assert_snapshot!("no_changes", normal);
    assert!(normal.starts_with("No changes. Your infrastructure matches the configuration.\n"));
    assert!(
        human::plan(&no_changes_plan(PlanMode::RefreshOnly), false)
            .starts_with("No changes. Your infrastructure still matches the configuration.\n")
    );
    assert!(
        human::plan(&no_changes_plan(PlanMode::Destroy), false)
            .starts_with("No changes. No objects need to be destroyed.\n")
    );
}

#[test]
fn outputs_only() {
    let text = human::plan(&outputs_only_plan(), false);
    insta::assert_snapshot!("outputs_only", text);
    assert!(text.starts_with("Changes to Outputs:\n"));
    assert!(!text.contains("Plan:") && !text.contains("unchanged ="));
    assert!(text.contains("You can apply this plan to save these new output values"));
}

#[test]
fn colour_only_when_asked() {
    let p = mixed_plan();
    let plain = human::plan(&p, false);
    let coloured = human::plan(&p, true);
    assert!(!plain.contains('\x1b'));
    assert!(
        coloured.contains("\x1b[32m+\x1b[0m")
            && coloured.contains("\x1b[33m~\x1b[0m")
            && coloured.contains("\x1b[31m-\x1b[0m")
    );
    assert_eq!(strip_ansi(&coloured), plain);
    let none = human::plan(&no_changes_plan(PlanMode::Normal), true);
    assert_eq!(
        strip_ansi(&none),
        human::plan(&no_changes_plan(PlanMode::Normal), false)
    );
}

#[test]
fn state_views() {
    let resources = recorded_state();
    let outputs = recorded_outputs();
    let shown = human::state(&resources, &outputs);
    insta::assert_snapshot!("state_show", shown);
    assert!(
        shown.starts_with(
            "# alicloud_eip_address.web:\nresource \"alicloud_eip_address\" \"web\" {\n"
        )
    );
    assert!(
        shown.contains("    id = \"eip-bp1web000000000001:i-bp1abc\"")
            || shown.contains("    id            = \"eip-bp1web000000000001:i-bp1abc\"")
    );
    assert!(shown.contains("Outputs:\n\nsecret = (sensitive value)\nweb_ip = \"47.96.10.1\"\n"));
    assert!(!shown.contains("hunter2"));
    let one = human::resource_state(&resources[1]);
    insta::assert_snapshot!("state_show_one", one);
    assert!(one.starts_with("# alicloud_eip_association.web[0]:\n"));
    assert_eq!(
        human::state_list(&resources),
        "alicloud_eip_address.web\nalicloud_eip_association.web[0]\n"
    );
    assert_eq!(
        human::state(&[], &[]),
        "The state file is empty. No resources are represented.\n"
    );
}

#[test]
fn drift_report() {
    let text = human::drift(&drift_entries());
    insta::assert_snapshot!("drift_report", text);
    assert!(text.contains("  + alicloud_eip_address.web associated with i-bp1outside\n"));
    assert!(text.contains("  - alicloud_eip_association.db disassociated from i-bp1db\n"));
    assert!(
        text.ends_with("Drift: 1 changed, 2 deleted, 2 associations changed outside eipform.\n")
    );
    assert_eq!(
        human::drift(&[]),
        "No drift: the cloud matches the state.\n"
    );
}
