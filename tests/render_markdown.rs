//! Markdown plan and drift comments: snapshots plus checks of the parts a reviewer relies on.

mod render_support;

use eipform::plan::model::PlanMode;
use eipform::render::markdown;
use render_support::*;
use serde_json::json;

#[test]
fn mixed_plan_comment() {
    let text = markdown::plan(&mixed_plan());
    insta::assert_snapshot!("mixed", text);
    assert!(
        text.starts_with("## eipform plan\n\n**Plan: 3 to add, 1 to change, 3 to destroy.**\n")
    );
    assert!(text.contains("| add | change | destroy | replace | drifted |\n|---:|---:|---:|---:|---:|\n| 3 | 1 | 3 | 1 | 0 |\n"));
    // Destroys and replaces are called out before any details.
    let warning = text.find("> [!WARNING]").unwrap();
    assert!(warning < text.find("<details>").unwrap());
    assert!(text.contains(
        "> - <code>alicloud_eip_address.api</code> must be replaced (forced by <code>isp</code>)\n"
    ));
    assert!(text.contains("> - <code>alicloud_eip_address.old</code> will be destroyed (because alicloud_eip_address.old is not in configuration)\n"));
    // The first details section is a destroy.
    let first = &text[text.find("<details>").unwrap()..];
    assert!(first.starts_with(
        "<details><summary><code>alicloud_eip_address.old</code> will be destroyed</summary>\n\n"
    ));
    assert!(text.contains("| ~ <code>isp</code> **# forces replacement** | <code>\"BGP\"</code> | <code>\"BGP_PRO\"</code> |\n"));
    assert!(text.contains(
        "| ~ <code>id</code> | <code>\"eip-bp1web000000000001\"</code> | _(known after apply)_ |\n"
    ));
    assert!(text.contains("### Warnings\n\n- <code>alicloud_eip_address.nat[\"b\"]</code>: D01:"));
    assert!(text.contains("- Resource targeting is in effect\n"));
    assert!(!text.contains("alicloud_eip_address.same"));
    assert_eq!(
        text.matches("<details>").count(),
        text.matches("</details>").count()
    );
}

#[test]
fn values_are_escaped_and_masked() {
    let mut p = sensitive_plan();
    let mut c = change(
        "alicloud_eip_address.x",
        eipform::plan::model::Action::Create,
        None,
        Some(json!({ "description": "<script>alert(1)</script> | a | b" })),
    );
    c.warnings = vec!["D09: <b>bold</b> | pipe".into()];
    p.changes.push(c);
    let text = markdown::plan(&p);
    insta::assert_snapshot!("sensitive_escaped", text);
    assert!(!text.contains("hunter2") && !text.contains("<script>") && !text.contains("<b>"));
    assert!(
        text.contains("<code>\"&lt;script&gt;alert(1)&lt;/script&gt; &#124; a &#124; b\"</code>")
    );
    assert!(text.contains("| + <code>secret</code> |  | _(sensitive value)_ |"));
    assert!(text.contains("D09: &lt;b&gt;bold&lt;/b&gt; &#124; pipe"));
    // Every row of a table has as many separators as its header: no value leaked a `|`.
    let mut header_pipes = None;
    for line in text.lines() {
        if !line.starts_with('|') {
            header_pipes = None;
            continue;
        }
        let pipes = line.matches('|').count();
        assert_eq!(*header_pipes.get_or_insert(pipes), pipes, "{line}");
    }
}

#[test]
fn drift_and_no_changes() {
    let text = markdown::plan(&drift_plan(PlanMode::Normal));
    insta::assert_snapshot!("drift_plan", text);
    assert!(text.contains("**No changes.** Your infrastructure matches the configuration."));
    assert!(text.contains("| 0 | 0 | 0 | 0 | 3 |"));
    assert!(text.contains("### Drift\n"));
    assert!(
        text.contains(
            "<details><summary><code>alicloud_eip_address.web</code> has changed</summary>"
        )
    );
    assert!(text.contains("| attribute | recorded | actual |"));
    assert!(text.contains(
        "- <code>alicloud_eip_address.web</code> associated with i-bp1outside outside eipform\n"
    ));
    assert!(text.contains("Drift: 1 changed, 2 deleted, 2 associations changed outside eipform."));
    assert!(!text.contains("[!WARNING]"));

    let none = markdown::plan(&no_changes_plan(PlanMode::Destroy));
    assert!(none.contains("**No changes.** No objects need to be destroyed."));
}

#[test]
fn drift_report() {
    let text = markdown::drift(&drift_entries());
    insta::assert_snapshot!("drift_report", text);
    assert!(text.starts_with("## eipform drift\n\n| changed | deleted | associations |\n|---:|---:|---:|\n| 1 | 2 | 2 |\n"));
    assert_eq!(
        markdown::drift(&[]),
        "## eipform drift\n\nNo drift: the cloud matches the state.\n"
    );
}

#[test]
fn outputs_table() {
    let text = markdown::plan(&outputs_only_plan());
    assert!(text.contains("### Output changes\n\n| output | before | after |\n|---|---|---|\n"));
    assert!(text.contains("| + <code>web_ip</code> |  | <code>\"47.96.10.1\"</code> |"));
    assert!(!text.contains("unchanged</code>"));
}
