//! Markdown for pull-request comments (GitHub flavour): a summary table, destroys and replaces
//! called out first in a `> [!WARNING]` alert, one collapsible `<details>` section per change with
//! a `| attribute | before | after |` table, rule warnings, drift and output changes.
//!
//! Values are HCL literals (see [`super::value`]) inside `<code>`, with HTML and `|` escaped so
//! that no value can break the table or inject markup; sensitive values are masked.

use std::fmt::Write as _;

use serde_json::Value;

use super::changes::{
    AttrDiff, association_changes, attribute_diffs, drift_counts, drift_summary, header_phrase,
    output_action, reason_lines, sorted_drift, visible_changes, visible_outputs,
};
use super::value::{self, KNOWN_AFTER_APPLY, SENSITIVE};
use crate::plan::model::{Action, Drift, Plan, PlanMode, ResourceChange};
use crate::state::{OutputState, ResourceState};

/// A plan as a pull-request comment.
pub fn plan(plan: &Plan) -> String {
    let mut out = String::from("## eipform plan\n\n");
    let changes = visible_changes(plan);
    let outputs = visible_outputs(plan);
    let (add, change, destroy) = plan.counts();
    let replace = plan
        .changes
        .iter()
        .filter(|c| c.action.is_replace())
        .count();

    if changes.is_empty() && outputs.is_empty() {
        let text = match plan.mode {
            PlanMode::Normal => "Your infrastructure matches the configuration.",
            PlanMode::RefreshOnly => "Your infrastructure still matches the configuration.",
            PlanMode::Destroy => "No objects need to be destroyed.",
        };
        let _ = writeln!(out, "**No changes.** {text}\n");
    } else {
        let _ = writeln!(
            out,
            "**Plan: {add} to add, {change} to change, {destroy} to destroy.**\n"
        );
    }
    out.push_str("| add | change | destroy | replace | drifted |\n|---:|---:|---:|---:|---:|\n");
    let _ = writeln!(
        out,
        "| {add} | {change} | {destroy} | {replace} | {} |\n",
        plan.drift.len()
    );

    let dangerous: Vec<&&ResourceChange> = changes
        .iter()
        .filter(|c| c.action == Action::Delete || c.action.is_replace())
        .collect();
    if !dangerous.is_empty() {
        out.push_str("> [!WARNING]\n");
        let _ = writeln!(
            out,
            "> **This plan destroys or replaces {}:**",
            objects(dangerous.len())
        );
        for c in &dangerous {
            let _ = write!(
                out,
                "> - <code>{}</code> {}",
                escape(&c.addr.to_string()),
                header_phrase(c.action)
            );
            if !c.replace_paths.is_empty() {
                let paths: Vec<String> = c
                    .replace_paths
                    .iter()
                    .map(|p| format!("<code>{}</code>", escape(p)))
                    .collect();
                let _ = write!(out, " (forced by {})", paths.join(", "));
            }
            for r in c.reason.as_deref().map(reason_lines).unwrap_or_default() {
                let _ = write!(out, " {}", escape(&r));
            }
            out.push('\n');
        }
        out.push('\n');
    }

    if !changes.is_empty() {
        out.push_str("### Resource changes\n\n");
        let mut ordered = changes.clone();
        ordered.sort_by_key(|c| danger_rank(c.action));
        for c in ordered {
            change_details(&mut out, c);
        }
    }

    let warnings: Vec<String> = changes
        .iter()
        .flat_map(|c| {
            c.warnings.iter().map(move |w| {
                format!(
                    "<code>{}</code>: {}",
                    escape(&c.addr.to_string()),
                    escape(w)
                )
            })
        })
        .chain(plan.warnings.iter().map(|w| escape(w)))
        .collect();
    if !warnings.is_empty() {
        out.push_str("### Warnings\n\n");
        for w in warnings {
            let _ = writeln!(out, "- {}", w.replace('\n', "<br>"));
        }
        out.push('\n');
    }

    if !plan.drift.is_empty() {
        out.push_str("### Drift\n\n");
        out.push_str("Objects have changed outside of eipform; the plan may include actions to undo or respond to these changes.\n\n");
        drift_body(&mut out, &plan.drift);
    }

    if !outputs.is_empty() {
        out.push_str("### Output changes\n\n| output | before | after |\n|---|---|---|\n");
        for o in outputs {
            let action = output_action(o);
            let before = if action == Action::Create {
                String::new()
            } else {
                cell(o.before.as_ref(), o.sensitive)
            };
            let after = if action == Action::Delete {
                String::new()
            } else {
                cell(o.after.as_ref(), o.sensitive)
            };
            let _ = writeln!(
                out,
                "| {} <code>{}</code> | {before} | {after} |",
                action.symbol(),
                escape(&o.name)
            );
        }
        out.push('\n');
    }
    out
}

/// A drift report (`eipform drift -format=markdown`) as a pull-request or issue comment.
pub fn drift(drift: &[Drift]) -> String {
    let mut out = String::from("## eipform drift\n\n");
    if drift.is_empty() {
        out.push_str("No drift: the cloud matches the state.\n");
        return out;
    }
    let c = drift_counts(drift);
    out.push_str("| changed | deleted | associations |\n|---:|---:|---:|\n");
    let _ = writeln!(
        out,
        "| {} | {} | {} |\n",
        c.changed, c.deleted, c.associations
    );
    drift_body(&mut out, drift);
    out
}

/// The state (`eipform show --format markdown`): one table row per resource instance (address,
/// type, id, region), then the outputs (sensitive values masked).
pub fn state(resources: &[ResourceState], outputs: &[OutputState]) -> String {
    let mut out = String::from("## eipform state\n\n");
    if resources.is_empty() && outputs.is_empty() {
        out.push_str("The state is empty. No resources are represented.\n");
        return out;
    }
    let _ = writeln!(
        out,
        "{} recorded.\n",
        objects(resources.len()).replace("object", "resource")
    );
    if !resources.is_empty() {
        out.push_str("| address | type | id | region |\n|---|---|---|---|\n");
        for r in resources {
            let _ = writeln!(
                out,
                "| <code>{}</code> | <code>{}</code> | <code>{}</code> | {} |",
                escape(&r.addr.to_string()),
                escape(&r.schema_type),
                escape(&r.id),
                escape(&r.region)
            );
        }
        out.push('\n');
    }
    if !outputs.is_empty() {
        out.push_str("### Outputs\n\n| output | value |\n|---|---|\n");
        let mut sorted: Vec<&OutputState> = outputs.iter().collect();
        sorted.sort_by(|a, b| a.name.cmp(&b.name));
        for o in sorted {
            let _ = writeln!(
                out,
                "| <code>{}</code> | {} |",
                escape(&o.name),
                cell(Some(&o.value), o.sensitive)
            );
        }
        out.push('\n');
    }
    out
}

/// Drifted objects (tables of recorded -> actual), association changes and the summary line.
fn drift_body(out: &mut String, drift: &[Drift]) {
    let sorted = sorted_drift(drift);
    for d in &sorted {
        let addr = escape(&d.addr.to_string());
        let (phrase, diffs) = match &d.after {
            Some(after) => (
                "has changed",
                attribute_diffs(Some(&d.before), Some(after), None),
            ),
            None => (
                "has been deleted",
                attribute_diffs(Some(&d.before), None, Some(Action::Delete)),
            ),
        };
        let _ = writeln!(
            out,
            "<details><summary><code>{addr}</code> {phrase}</summary>\n"
        );
        attribute_table(out, ("recorded", "actual"), &diffs, &[], &[]);
        out.push_str("</details>\n\n");
    }
    let associations: Vec<String> = association_changes(&sorted)
        .into_iter()
        .map(|(d, a)| {
            format!(
                "- <code>{}</code> {} outside eipform",
                escape(&d.addr.to_string()),
                escape(&a.describe())
            )
        })
        .collect();
    if !associations.is_empty() {
        out.push_str("**Associations changed outside eipform:**\n\n");
        for a in associations {
            let _ = writeln!(out, "{a}");
        }
        out.push('\n');
    }
    let _ = writeln!(out, "{}\n", drift_summary(drift));
}

/// One collapsible section for a change.
fn change_details(out: &mut String, c: &ResourceChange) {
    let verb = match c.action {
        Action::Create => "will be created",
        Action::Update => "will be updated in-place",
        Action::DeleteThenCreate | Action::CreateThenDelete => "will be replaced",
        Action::Delete => "will be destroyed",
        Action::Read => "will be read during apply",
        Action::NoOp => "has no changes",
    };
    let _ = writeln!(
        out,
        "<details><summary><code>{}</code> {verb}</summary>\n",
        escape(&c.addr.to_string())
    );
    for r in c.reason.as_deref().map(reason_lines).unwrap_or_default() {
        let _ = writeln!(out, "_{}_\n", escape(&r));
    }
    let whole = match c.action {
        Action::Create | Action::Read => Some(Action::Create),
        Action::Delete => Some(Action::Delete),
        _ => None,
    };
    let diffs = attribute_diffs(c.before.as_deref(), c.after.as_deref(), whole);
    attribute_table(
        out,
        ("before", "after"),
        &diffs,
        &c.replace_paths,
        &c.sensitive,
    );
    out.push_str("</details>\n\n");
}

/// `| attribute | before | after |` for the attributes that change, and a count of the others.
fn attribute_table(
    out: &mut String,
    columns: (&str, &str),
    diffs: &[AttrDiff<'_>],
    replace_paths: &[String],
    sensitive: &[String],
) {
    let shown: Vec<&AttrDiff<'_>> = diffs.iter().filter(|d| d.action != Action::NoOp).collect();
    let hidden = diffs.len() - shown.len();
    if !shown.is_empty() {
        let _ = writeln!(
            out,
            "| attribute | {} | {} |\n|---|---|---|",
            columns.0, columns.1
        );
        for d in shown {
            let masked = sensitive.iter().any(|s| s == d.name);
            let before = if d.action == Action::Create {
                String::new()
            } else {
                cell(Some(d.before), masked)
            };
            let after = if d.action == Action::Delete {
                String::new()
            } else {
                cell(Some(d.after), masked)
            };
            let forces = if replace_paths.iter().any(|p| p == d.name) {
                " **# forces replacement**"
            } else {
                ""
            };
            let _ = writeln!(
                out,
                "| {} <code>{}</code>{forces} | {before} | {after} |",
                d.action.symbol(),
                escape(d.name)
            );
        }
        out.push('\n');
    }
    if hidden > 0 {
        let _ = writeln!(
            out,
            "_{hidden} unchanged attribute{} hidden_\n",
            if hidden == 1 { "" } else { "s" }
        );
    }
}

/// A table cell for a value: `<code>…</code>`, `_(known after apply)_`, `_(sensitive value)_`, or
/// empty for null.
fn cell(v: Option<&Value>, sensitive: bool) -> String {
    match v {
        None | Some(Value::Null) => String::new(),
        Some(_) if sensitive => format!("_{SENSITIVE}_"),
        Some(v) if value::is_unknown_leaf(v) => format!("_{KNOWN_AFTER_APPLY}_"),
        Some(v) => format!("<code>{}</code>", escape(&value::inline(v))),
    }
}

/// Escapes HTML (`&`, `<`, `>`) and the table separator `|`; newlines become `<br>`. Values only
/// ever appear as element text, never inside attributes, so quotes stay as they are.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '|' => out.push_str("&#124;"),
            '\n' => out.push_str("<br>"),
            c => out.push(c),
        }
    }
    out
}

fn objects(n: usize) -> String {
    if n == 1 {
        "1 object".to_string()
    } else {
        format!("{n} objects")
    }
}

/// Destroys first, then replaces, updates, creates and reads.
fn danger_rank(a: Action) -> u8 {
    match a {
        Action::Delete => 0,
        Action::DeleteThenCreate | Action::CreateThenDelete => 1,
        Action::Update => 2,
        Action::Create => 3,
        Action::Read => 4,
        Action::NoOp => 5,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_html_and_pipes() {
        assert_eq!(
            escape("<b>a|b</b> & \"c\"\nd"),
            "&lt;b&gt;a&#124;b&lt;/b&gt; &amp; \"c\"<br>d"
        );
        assert_eq!(
            cell(Some(&serde_json::json!("x|y")), false),
            "<code>\"x&#124;y\"</code>"
        );
        assert_eq!(
            cell(Some(&serde_json::json!("pw")), true),
            "_(sensitive value)_"
        );
        assert_eq!(cell(None, false), "");
    }
}
