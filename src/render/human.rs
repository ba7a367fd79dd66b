//! Human-readable text, laid out exactly like Terraform's: plans (`eipform plan`), state
//! (`eipform show`, `state show`, `state list`) and drift reports (`eipform drift`).
//!
//! Layout rules copied from Terraform's renderer: every line of a block is indented by four
//! spaces per nesting level followed by a three-column action symbol (`  +`, `  ~`, `  -`, `-/+`,
//! ` <=`, or three spaces) and a space; attribute names are sorted and padded so that the `=`
//! line up; lists and maps open on the attribute's line and close four columns further in.
//! Colour (ANSI) is used only when asked for.

use std::fmt::Write as _;

use serde_json::{Map, Value};
use similar::{Algorithm, DiffTag, capture_diff_slices};

use super::changes::{
    AttrDiff, association_changes, attr_action, attribute_diffs, drift_summary, header_phrase,
    output_action, reason_lines, sorted_drift, visible_changes, visible_outputs,
};
use super::value::{self, KNOWN_AFTER_APPLY, SENSITIVE};
use crate::addr::{Mode, ResourceAddress};
use crate::plan::model::{Action, Drift, Plan, PlanMode, ResourceChange};
use crate::state::{OutputState, ResourceState};

/// Attributes shown in an update even when unchanged, as Terraform does.
const IMPORTANT: [&str; 3] = ["id", "name", "tags"];
const RULE_WIDTH: usize = 78;
const YELLOW: &str = "33";
const BOLD: &str = "1";

/// `$s` in the colour `$code`, as a literal: what [`Renderer::paint`] writes.
macro_rules! painted {
    ($code:literal, $s:literal) => {
        concat!("\x1b[", $code, "m", $s, "\x1b[0m")
    };
}

static NULL: Value = Value::Null;

/// Renders a plan as Terraform prints it: drift, legend, one block per change, the summary line,
/// output changes and warnings (or the "No changes." message).
pub fn plan(plan: &Plan, color: bool) -> String {
    let mut out = String::new();
    let _ = plan_to(plan, color, &mut out);
    out
}

/// [`plan`], written to `to` one change at a time: a plan of 50,000 creates is ~85 MB of text,
/// which need not be held in memory at once.
pub fn plan_to(plan: &Plan, color: bool, to: &mut dyn std::fmt::Write) -> std::fmt::Result {
    let r = Renderer {
        color,
        hide_symbols: false,
    };
    let mut out = String::new();
    let changes = visible_changes(plan);
    let outputs = visible_outputs(plan);

    if !plan.drift.is_empty() {
        r.drift_section(&mut out, plan);
    }

    if changes.is_empty() && outputs.is_empty() {
        if plan.mode != PlanMode::RefreshOnly || plan.drift.is_empty() {
            r.no_changes(&mut out, plan);
        }
    } else {
        if !changes.is_empty() {
            r.legend(&mut out, &changes);
            out.push_str("eipform will perform the following actions:\n\n");
            for c in &changes {
                r.change(&mut out, c);
                out.push('\n');
                to.write_str(&out)?;
                out.clear();
            }
            let (add, change, destroy) = plan.counts();
            let imports = plan
                .changes
                .iter()
                .filter(|c| c.import_id.is_some())
                .count();
            let import = if imports > 0 {
                format!("{imports} to import, ")
            } else {
                String::new()
            };
            let summary =
                format!("Plan: {import}{add} to add, {change} to change, {destroy} to destroy.");
            let _ = writeln!(out, "{}", r.paint(BOLD, &summary));
        }
        if !outputs.is_empty() {
            if !changes.is_empty() {
                out.push('\n');
            }
            out.push_str("Changes to Outputs:\n");
            let width = outputs
                .iter()
                .map(|o| o.name.chars().count())
                .max()
                .unwrap_or(0);
            for o in &outputs {
                let action = output_action(o);
                let before = o.before.as_ref().unwrap_or(&NULL);
                let after = o.after.as_ref().unwrap_or(&NULL);
                let diff = AttrDiff {
                    name: &o.name,
                    action,
                    before,
                    after,
                };
                r.entry(&mut out, 0, diff, width, Marks::sensitive(o.sensitive));
            }
            if changes.is_empty() {
                out.push_str(
                    "\nYou can apply this plan to save these new output values to the eipform state, without changing any real infrastructure.\n",
                );
            }
        }
    }

    for w in &plan.warnings {
        let _ = write!(out, "\n{}: {w}\n", r.paint(YELLOW, "Warning"));
    }
    to.write_str(&out)
}

/// Renders state as `eipform show` does: one `resource` block per instance, then the outputs.
pub fn state(resources: &[ResourceState], outputs: &[OutputState]) -> String {
    if resources.is_empty() && outputs.is_empty() {
        return "The state file is empty. No resources are represented.\n".to_string();
    }
    let mut out = String::new();
    for r in resources {
        out.push_str(&resource_state(r));
        out.push('\n');
    }
    if !outputs.is_empty() {
        if !resources.is_empty() {
            out.push('\n');
        }
        out.push_str("Outputs:\n\n");
        let r = Renderer {
            color: false,
            hide_symbols: true,
        };
        let mut sorted: Vec<&OutputState> = outputs.iter().collect();
        sorted.sort_by(|a, b| a.name.cmp(&b.name));
        for o in sorted {
            let diff = AttrDiff {
                name: &o.name,
                action: Action::NoOp,
                before: &o.value,
                after: &o.value,
            };
            r.entry(&mut out, 0, diff, 0, Marks::sensitive(o.sensitive));
        }
    }
    out
}

/// Renders one recorded instance as `eipform state show ADDR` does.
pub fn resource_state(r: &ResourceState) -> String {
    let renderer = Renderer {
        color: false,
        hide_symbols: true,
    };
    let attrs = with_id(r);
    let diffs = attribute_diffs(Some(&attrs), Some(&attrs), Some(Action::NoOp));
    let mut out = format!("# {}:\n", r.addr);
    renderer.block(
        &mut out,
        Action::NoOp,
        &r.addr,
        &diffs,
        Flags {
            sensitive: &r.sensitive,
            replace_paths: &[],
        },
        true,
    );
    out
}

/// One address per line, as `eipform state list` prints them.
pub fn state_list(resources: &[ResourceState]) -> String {
    resources.iter().map(|r| format!("{}\n", r.addr)).collect()
}

/// Renders the report of `eipform drift`: each drifted object with its `recorded -> actual`
/// values, objects deleted outside eipform, associations made or removed outside eipform, and a
/// one-line summary.
pub fn drift(plan_drift: &[Drift]) -> String {
    if plan_drift.is_empty() {
        return "No drift: the cloud matches the state.\n".to_string();
    }
    let r = Renderer {
        color: false,
        hide_symbols: false,
    };
    let mut out = String::from(
        "eipform detected the following changes made outside of eipform since the last \"eipform apply\" (values are shown as recorded -> actual):\n\n",
    );
    let sorted = sorted_drift(plan_drift);
    for d in &sorted {
        r.drifted(&mut out, d);
        out.push('\n');
    }
    let associations = association_changes(&sorted);
    if !associations.is_empty() {
        out.push_str("Associations changed outside eipform:\n");
        for (d, a) in associations {
            let _ = writeln!(out, "{} {} {}", r.symbol(a.symbol()), d.addr, a.describe());
        }
        out.push('\n');
    }
    let _ = writeln!(out, "{}", drift_summary(plan_drift));
    out
}

/// A resource's attributes with its `id` (kept apart in state) included.
fn with_id(r: &ResourceState) -> crate::provider::Attrs {
    let mut attrs = crate::provider::Attrs::clone(&r.attrs);
    if !r.id.is_empty() && !attrs.contains_key("id") {
        attrs.insert("id".to_string(), Value::String(r.id.clone()));
    }
    attrs
}

/// Pushes `n` spaces.
fn spaces(out: &mut String, mut n: usize) {
    const SPACES: &str = "                                ";
    while n > 0 {
        let k = n.min(SPACES.len());
        out.push_str(&SPACES[..k]);
        n -= k;
    }
}

/// Pushes `s` followed by spaces up to `width` characters.
fn padded(out: &mut String, s: &str, width: usize) {
    out.push_str(s);
    spaces(out, width.saturating_sub(s.chars().count()));
}

/// How an attribute line is marked besides its values.
#[derive(Debug, Clone, Copy, Default)]
struct Marks {
    /// Shown as `(sensitive value)`.
    sensitive: bool,
    /// Suffixed with `# forces replacement`.
    forces: bool,
}

impl Marks {
    fn sensitive(sensitive: bool) -> Marks {
        Marks {
            sensitive,
            forces: false,
        }
    }
}

/// The attributes of one block that are sensitive or force its replacement.
#[derive(Debug, Clone, Copy, Default)]
struct Flags<'a> {
    sensitive: &'a [String],
    replace_paths: &'a [String],
}

impl Flags<'_> {
    fn marks(&self, name: &str) -> Marks {
        Marks {
            sensitive: self.sensitive.iter().any(|s| s == name),
            forces: self.replace_paths.iter().any(|p| p == name),
        }
    }
}

/// Writes blocks and values; holds the colour and symbol settings.
struct Renderer {
    color: bool,
    /// State display: no symbol column at all.
    hide_symbols: bool,
}

impl Renderer {
    fn paint(&self, code: &str, s: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }

    /// The three-column symbol of `action`: with colour, each `+`, `-` and `~` painted apart.
    fn symbol(&self, action: Action) -> &'static str {
        match (action, self.color) {
            (Action::NoOp, _) => "   ",
            (Action::Create, false) => "  +",
            (Action::Update, false) => "  ~",
            (Action::Delete, false) => "  -",
            (Action::DeleteThenCreate, false) => "-/+",
            (Action::CreateThenDelete, false) => "+/-",
            (Action::Read, false) => " <=",
            (Action::Create, true) => concat!("  ", painted!("32", "+")),
            (Action::Update, true) => concat!("  ", painted!("33", "~")),
            (Action::Delete, true) => concat!("  ", painted!("31", "-")),
            (Action::DeleteThenCreate, true) => {
                concat!(painted!("31", "-"), "/", painted!("32", "+"))
            }
            (Action::CreateThenDelete, true) => {
                concat!(painted!("32", "+"), "/", painted!("31", "-"))
            }
            (Action::Read, true) => concat!(" ", painted!("36", "<=")),
        }
    }

    /// Indentation plus symbol column for a line at `level`.
    fn prefix(&self, out: &mut String, level: usize, action: Action) {
        spaces(out, level * 4);
        if !self.hide_symbols {
            out.push_str(self.symbol(action));
            out.push(' ');
        }
    }

    /// The line closing a list or map opened at `level`, without its newline.
    fn close(&self, out: &mut String, level: usize, bracket: char) {
        spaces(out, level * 4);
        if !self.hide_symbols {
            out.push_str("    ");
        }
        out.push(bracket);
    }

    /// The comment line `# (2 unchanged elements hidden)` inside a block at `level`.
    fn hidden(&self, out: &mut String, level: usize, count: usize, what: &str) {
        self.prefix(out, level, Action::NoOp);
        let s = if count == 1 { "" } else { "s" };
        let _ = writeln!(out, "# ({count} {what}{s} hidden)");
    }

    /// `v` in full, every element marked with `action` (`Create`, `Delete` or `NoOp`).
    fn whole(&self, out: &mut String, v: &Value, level: usize, action: Action) {
        match v {
            Value::Object(o) if !o.is_empty() => {
                let mut keys: Vec<&String> = o.keys().collect();
                keys.sort();
                let width = keys
                    .iter()
                    .map(|k| value::key(k).chars().count())
                    .max()
                    .unwrap_or(0);
                out.push_str("{\n");
                for k in keys {
                    self.prefix(out, level + 1, action);
                    padded(out, &value::key(k), width);
                    out.push_str(" = ");
                    self.whole(out, &o[k.as_str()], level + 1, action);
                    out.push('\n');
                }
                self.close(out, level, '}');
            }
            Value::Array(a) if !a.is_empty() => {
                out.push_str("[\n");
                for x in a {
                    self.prefix(out, level + 1, action);
                    self.whole(out, x, level + 1, action);
                    out.push_str(",\n");
                }
                self.close(out, level, ']');
            }
            _ => value::write_inline(out, v),
        }
    }

    /// The line `name = value` (and the lines of a list or map value), `name` padded to `width`.
    fn entry(&self, out: &mut String, level: usize, d: AttrDiff<'_>, width: usize, marks: Marks) {
        let action = if d.action == Action::Read {
            Action::Create
        } else {
            d.action
        };
        self.prefix(out, level, action);
        padded(out, d.name, width);
        out.push_str(" = ");
        let start = out.len();
        if marks.sensitive {
            out.push_str(SENSITIVE);
        } else {
            match action {
                Action::Delete => self.whole(out, d.before, level, action),
                Action::Update => self.update(out, d.before, d.after, level),
                // An unchanged value that is null on one side (null equals empty) shows the other.
                Action::NoOp if d.after.is_null() => self.whole(out, d.before, level, action),
                _ => self.whole(out, d.after, level, action),
            }
        }
        if action == Action::Delete {
            out.push_str(" -> null");
        }
        out.push('\n');
        if marks.forces {
            // At the end of the first line: after the `[` or `{` that opens a list or map.
            if let Some(i) = out[start..].find('\n') {
                out.insert_str(start + i, self.forces_replacement());
            }
        }
    }

    fn forces_replacement(&self) -> &'static str {
        if self.color {
            concat!(" ", painted!("31", "# forces replacement"))
        } else {
            " # forces replacement"
        }
    }

    /// The value part of an updated entry: `old -> new`, or a nested diff of a list or map.
    fn update(&self, out: &mut String, before: &Value, after: &Value, level: usize) {
        if value::is_unknown_leaf(after) {
            self.whole(out, before, level, Action::Delete);
            out.push_str(" -> ");
            out.push_str(KNOWN_AFTER_APPLY);
            return;
        }
        match (before, after) {
            (Value::Object(b), Value::Object(a)) => self.map_diff(out, b, a, level),
            (Value::Array(b), Value::Array(a)) if !b.is_empty() && !a.is_empty() => {
                self.list_diff(out, b, a, level)
            }
            _ => {
                self.whole(out, before, level, Action::Delete);
                out.push_str(" -> ");
                self.whole(out, after, level, Action::Create);
            }
        }
    }

    fn map_diff(
        &self,
        out: &mut String,
        before: &Map<String, Value>,
        after: &Map<String, Value>,
        level: usize,
    ) {
        let mut keys: Vec<&String> = before.keys().chain(after.keys()).collect();
        keys.sort();
        keys.dedup();
        let width = keys
            .iter()
            .map(|k| value::key(k).chars().count())
            .max()
            .unwrap_or(0);
        out.push_str("{\n");
        let mut hidden = 0;
        for k in keys {
            let b = before.get(k.as_str()).unwrap_or(&NULL);
            let a = after.get(k.as_str()).unwrap_or(&NULL);
            match attr_action(b, a) {
                Action::NoOp => hidden += 1,
                action => {
                    let key = value::key(k);
                    let diff = AttrDiff {
                        name: &key,
                        action,
                        before: b,
                        after: a,
                    };
                    self.entry(out, level + 1, diff, width, Marks::default());
                }
            }
        }
        if hidden > 0 {
            self.hidden(out, level + 1, hidden, "unchanged element");
        }
        self.close(out, level, '}');
    }

    fn list_diff(&self, out: &mut String, before: &[Value], after: &[Value], level: usize) {
        let b_keys: Vec<String> = before.iter().map(value::inline).collect();
        let a_keys: Vec<String> = after.iter().map(value::inline).collect();
        out.push_str("[\n");
        let mut hidden = 0;
        for op in capture_diff_slices(Algorithm::Myers, &b_keys, &a_keys) {
            let (tag, old, new) = op.as_tag_tuple();
            if tag == DiffTag::Equal {
                hidden += old.len();
                continue;
            }
            let removed = before[old].iter().map(|x| (x, Action::Delete));
            let added = after[new].iter().map(|x| (x, Action::Create));
            for (x, action) in removed.chain(added) {
                self.prefix(out, level + 1, action);
                self.whole(out, x, level + 1, action);
                out.push_str(",\n");
            }
        }
        if hidden > 0 {
            self.hidden(out, level + 1, hidden, "unchanged element");
        }
        self.close(out, level, ']');
    }

    /// `  + resource "T" "N" {`, the attribute lines, the hidden count and `    }`.
    fn block(
        &self,
        out: &mut String,
        action: Action,
        addr: &ResourceAddress,
        diffs: &[AttrDiff<'_>],
        flags: Flags<'_>,
        show_all: bool,
    ) {
        if !self.hide_symbols {
            out.push_str(self.symbol(action));
            out.push(' ');
        }
        out.push_str(if addr.block.mode == Mode::Data {
            "data "
        } else {
            "resource "
        });
        value::write_quoted(out, &addr.block.rtype);
        out.push(' ');
        value::write_quoted(out, &addr.block.name);
        out.push_str(" {\n");
        let width = diffs
            .iter()
            .map(|d| d.name.chars().count())
            .max()
            .unwrap_or(0);
        let mut hidden = 0;
        for d in diffs {
            if d.action == Action::NoOp && !show_all && !IMPORTANT.contains(&d.name) {
                hidden += 1;
                continue;
            }
            self.entry(out, 1, *d, width, flags.marks(d.name));
        }
        if hidden > 0 {
            self.hidden(out, 1, hidden, "unchanged attribute");
        }
        self.close(out, 0, '}');
        out.push('\n');
    }

    /// The bold comment line `  # TEXT` above a block.
    fn header(&self, out: &mut String, text: std::fmt::Arguments<'_>) {
        if self.color {
            let _ = writeln!(out, "\x1b[{BOLD}m  # {text}\x1b[0m");
        } else {
            let _ = writeln!(out, "  # {text}");
        }
    }

    /// One planned change: header comment, reasons, warnings, block.
    fn change(&self, out: &mut String, c: &ResourceChange) {
        match (&c.moved_from, &c.import_id) {
            (Some(from), _) if c.action == Action::NoOp => {
                self.header(out, format_args!("{from} has moved to {}", c.addr))
            }
            (Some(from), _) => {
                self.header(out, format_args!("{} {}", c.addr, header_phrase(c.action)));
                let _ = writeln!(out, "  # (moved from {from})");
            }
            (None, Some(_)) if c.action == Action::NoOp => {
                self.header(out, format_args!("{} will be imported", c.addr))
            }
            (None, Some(_)) => self.header(
                out,
                format_args!(
                    "{} will be {} and imported",
                    c.addr,
                    header_phrase(c.action).trim_start_matches("will be ")
                ),
            ),
            (None, None) => {
                self.header(out, format_args!("{} {}", c.addr, header_phrase(c.action)))
            }
        }
        for line in c.reason.as_deref().map(reason_lines).unwrap_or_default() {
            let _ = writeln!(out, "  # {line}");
        }
        for w in &c.warnings {
            for (i, line) in w.lines().enumerate() {
                if i == 0 {
                    let _ = writeln!(out, "  # {}: {line}", self.paint(YELLOW, "Warning"));
                } else {
                    let _ = writeln!(out, "  #   {line}");
                }
            }
        }
        let whole = match c.action {
            Action::Create | Action::Read => Some(Action::Create),
            Action::Delete => Some(Action::Delete),
            _ => None,
        };
        let diffs = attribute_diffs(c.before.as_deref(), c.after.as_deref(), whole);
        let flags = Flags {
            sensitive: &c.sensitive,
            replace_paths: &c.replace_paths,
        };
        self.block(out, c.action, &c.addr, &diffs, flags, false);
    }

    /// One drift entry: `# ADDR has changed` / `has been deleted` and its block.
    fn drifted(&self, out: &mut String, d: &Drift) {
        match &d.after {
            Some(after) => {
                self.header(out, format_args!("{} has changed", d.addr));
                let diffs = attribute_diffs(Some(&d.before), Some(after), None);
                self.block(
                    out,
                    Action::Update,
                    &d.addr,
                    &diffs,
                    Flags::default(),
                    false,
                );
            }
            None => {
                self.header(out, format_args!("{} has been deleted", d.addr));
                let diffs = attribute_diffs(Some(&d.before), None, Some(Action::Delete));
                self.block(
                    out,
                    Action::Delete,
                    &d.addr,
                    &diffs,
                    Flags::default(),
                    false,
                );
            }
        }
    }

    fn drift_section(&self, out: &mut String, plan: &Plan) {
        let _ = writeln!(
            out,
            "{}\n",
            self.paint(BOLD, "Note: Objects have changed outside of eipform")
        );
        out.push_str(
            "eipform detected the following changes made outside of eipform since the last \"eipform apply\" which may have affected this plan:\n\n",
        );
        for d in sorted_drift(&plan.drift) {
            self.drifted(out, d);
            out.push('\n');
        }
        if plan.mode == PlanMode::RefreshOnly {
            out.push_str(
                "This is a refresh-only plan, so eipform will not take any actions to undo these. If you were expecting these changes then you can apply this plan to record the updated values in the eipform state without changing any remote objects.\n\n",
            );
        } else {
            out.push_str(
                "Unless you have made equivalent changes to your configuration, or ignored the relevant attributes using ignore_changes, the following plan may include actions to undo or respond to these changes.\n\n",
            );
            let _ = writeln!(out, "{}\n", "─".repeat(RULE_WIDTH));
        }
    }

    fn no_changes(&self, out: &mut String, plan: &Plan) {
        let (headline, rest) = match plan.mode {
            PlanMode::Normal => (
                "Your infrastructure matches the configuration.",
                if plan.drift.is_empty() {
                    "eipform has compared your real infrastructure against your configuration and found no differences, so no changes are needed."
                } else {
                    "Your configuration already matches the changes detected above. If you'd like to update the eipform state to match, create and apply a refresh-only plan:\n  eipform apply --refresh-only"
                },
            ),
            PlanMode::RefreshOnly => (
                "Your infrastructure still matches the configuration.",
                "eipform has checked that the real remote objects still match the result of your most recent changes, and found no differences.",
            ),
            PlanMode::Destroy => (
                "No objects need to be destroyed.",
                "Either you have not created any objects yet or the existing objects were already deleted outside of eipform.",
            ),
        };
        let first = if self.color {
            format!("\x1b[1m\x1b[32mNo changes.\x1b[0m\x1b[1m {headline}\x1b[0m")
        } else {
            format!("No changes. {headline}")
        };
        let _ = writeln!(out, "{first}\n\n{rest}");
    }

    /// The legend: only the symbols of actions present, in Terraform's order.
    fn legend(&self, out: &mut String, changes: &[&ResourceChange]) {
        out.push_str(
            "eipform used the selected providers to generate the following execution plan. Resource actions are indicated with the following symbols:\n",
        );
        let entries = [
            (Action::Create, "create"),
            (Action::Update, "update in-place"),
            (Action::Delete, "destroy"),
            (
                Action::DeleteThenCreate,
                "destroy and then create replacement",
            ),
            (
                Action::CreateThenDelete,
                "create replacement and then destroy",
            ),
            (Action::Read, "read (data resources)"),
        ];
        for (action, text) in entries {
            if changes.iter().any(|c| c.action == action) {
                let _ = writeln!(out, "{} {text}", self.symbol(action));
            }
        }
        out.push('\n');
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use serde_json::json;

    use super::*;
    use crate::eval::unknown;
    use crate::plan::model::OutputChange;

    fn attrs(v: Value) -> Option<Arc<crate::provider::Attrs>> {
        match v {
            Value::Object(m) => Some(Arc::new(m.into())),
            other => panic!("not an object: {other}"),
        }
    }

    fn change(addr: &str, action: Action, before: Value, after: Value) -> ResourceChange {
        let addr: ResourceAddress = addr.parse().unwrap();
        ResourceChange {
            schema_type: addr.block.rtype.clone(),
            addr,
            provider: "alicloud".into(),
            region: "cn-hangzhou".into(),
            action,
            before: if before.is_null() {
                None
            } else {
                attrs(before)
            },
            after: if after.is_null() { None } else { attrs(after) },
            replace_paths: vec![],
            reason: None,
            sensitive: vec!["secret".into()],
            warnings: vec![],
            moved_from: None,
            import_id: None,
        }
    }

    /// Every action, sensitive values, nested and unknown values, and a forced replacement by a
    /// scalar, a list and a map.
    fn every_kind_plan() -> Plan {
        let recorded = json!({
            "id": "eip-1", "name": "a\"b", "bandwidth": 5, "secret": "pw",
            "tags": { "Env": "prod", "Team": "x", "Old": "y" },
            "list": ["a", "b", "c"], "types": [], "nested": { "k": [1, { "z": null }] },
            "isp": "BGP"
        });
        let mut created = change(
            "alicloud_eip_address.new",
            Action::Create,
            Value::Null,
            json!({ "id": unknown(), "name": "n", "secret": "pw", "tags": { "A": "1" },
                    "list": [1, [2], {}], "empty": [], "flag": true }),
        );
        created.warnings = vec!["D01: first line\nsecond line".into()];
        let updated = change(
            "alicloud_eip_address.upd",
            Action::Update,
            recorded.clone(),
            json!({
                "id": "eip-1", "name": "a\"b", "bandwidth": 10, "secret": "pw2",
                "tags": { "Env": "staging", "Team": "x", "New": "z" },
                "list": ["a", "x", "c", "d"], "types": ["t"], "nested": unknown(), "isp": "BGP"
            }),
        );
        let mut deleted = change(
            "alicloud_eip_address.del",
            Action::Delete,
            recorded.clone(),
            Value::Null,
        );
        deleted.reason = Some("alicloud_eip_address.del is not in configuration".into());
        let mut replaced = change(
            "alicloud_eip_address.rep",
            Action::DeleteThenCreate,
            recorded.clone(),
            json!({
                "id": unknown(), "name": "a\"b", "bandwidth": 5, "secret": "pw",
                "tags": { "Env": "prod", "Team": "y" }, "list": ["a", "b", "c"],
                "types": ["AntiDDoS_Enhanced", "WAF"], "nested": { "k": [1, { "z": 2 }] },
                "isp": "BGP_PRO"
            }),
        );
        replaced.replace_paths = vec!["isp".into(), "types".into(), "tags".into(), "secret".into()];
        let mut cbd = replaced.clone();
        cbd.addr = "alicloud_eip_address.cbd".parse().unwrap();
        cbd.action = Action::CreateThenDelete;
        cbd.replace_paths = vec!["nested".into()];
        let read = change(
            "data.alicloud_eip_addresses.all",
            Action::Read,
            Value::Null,
            json!({ "ids": unknown(), "status": "Available" }),
        );
        let mut moved = change(
            "alicloud_eip_address.moved",
            Action::NoOp,
            recorded.clone(),
            recorded.clone(),
        );
        moved.moved_from = Some(Box::new("alicloud_eip_address.old".parse().unwrap()));
        let mut imported = change(
            "alicloud_eip_address.imp",
            Action::Update,
            recorded.clone(),
            recorded,
        );
        imported.import_id = Some("eip-9".into());
        let output =
            |name: &str, before: Option<Value>, after: Option<Value>, sensitive| OutputChange {
                name: name.into(),
                before,
                after,
                sensitive,
            };
        Plan {
            mode: PlanMode::Normal,
            changes: vec![
                created, updated, deleted, replaced, cbd, read, moved, imported,
            ],
            drift: vec![],
            outputs: vec![
                output("added", None, Some(json!(["x", { "a": 1 }])), false),
                output("changed", Some(json!("a")), Some(unknown()), false),
                output("gone", Some(json!({ "k": "v" })), None, false),
                output("secret_output", Some(json!("a")), Some(json!("b")), true),
            ],
            lineage: "lineage".into(),
            serial: 1,
            warnings: vec!["Resource targeting is in effect".into()],
        }
    }

    fn recorded() -> Value {
        json!({
            "id": "eip-1", "secret": "pw", "instance_id": "i-1",
            "tags": { "Env": "prod", "Team": "x" }, "list": ["a", { "b": [] }]
        })
    }

    /// One EIP changed outside eipform (and moved to another instance), one deleted.
    fn drift_entries() -> Vec<Drift> {
        let entry = |addr: &str, after: Option<Value>| Drift {
            addr: addr.parse().unwrap(),
            schema_type: "alicloud_eip_address".into(),
            provider: "alicloud".into(),
            before: attrs(recorded()).unwrap(),
            after: after.and_then(attrs),
        };
        let mut changed = recorded();
        changed["instance_id"] = json!("i-2");
        changed["tags"]["Env"] = json!("dev");
        vec![
            entry("alicloud_eip_address.changed", Some(changed)),
            entry("alicloud_eip_address.deleted", None),
        ]
    }

    fn recorded_state() -> (Vec<ResourceState>, Vec<OutputState>) {
        let resource = ResourceState {
            addr: "alicloud_eip_address.web".parse().unwrap(),
            schema_type: "alicloud_eip_address".into(),
            provider: "alicloud".into(),
            region: "cn-hangzhou".into(),
            id: "eip-1".into(),
            attrs: attrs(recorded()).unwrap(),
            deps: vec![],
            create_before_destroy: false,
            sensitive: vec!["secret".into()],
            read: None,
        };
        let output = |name: &str, value: Value, sensitive| OutputState {
            name: name.into(),
            value,
            sensitive,
        };
        let outputs = vec![
            output("ip", json!("47.96.10.1"), false),
            output("map", json!({ "a": [1, 2] }), false),
            output("secret", json!("pw"), true),
        ];
        (vec![resource], outputs)
    }

    /// Removes the ANSI colour sequences `\x1b[...m`.
    fn without_colour(s: &str) -> String {
        let mut out = String::new();
        let mut rest = s;
        while let Some(i) = rest.find('\x1b') {
            out.push_str(&rest[..i]);
            rest = &rest[i + rest[i..].find('m').unwrap() + 1..];
        }
        out.push_str(rest);
        out
    }

    #[test]
    fn coloured_plan_of_every_kind() {
        let mut p = every_kind_plan();
        p.drift = drift_entries();
        assert_eq!(plan(&p, true), COLOURED_PLAN);
    }

    #[test]
    fn plain_plan_is_the_coloured_one_without_colour() {
        let mut p = every_kind_plan();
        p.drift = drift_entries();
        assert_eq!(plan(&p, false), without_colour(COLOURED_PLAN));
        let p = every_kind_plan();
        assert_eq!(without_colour(&plan(&p, true)), plan(&p, false));
    }

    #[test]
    fn drift_report_of_every_kind() {
        assert_eq!(drift(&drift_entries()), DRIFT_REPORT);
    }

    #[test]
    fn state_with_nested_and_sensitive_values() {
        let (resources, outputs) = recorded_state();
        assert_eq!(state(&resources, &outputs), STATE);
    }

    const COLOURED_PLAN: &str = "\
\x1b[1mNote: Objects have changed outside of eipform\x1b[0m

eipform detected the following changes made outside of eipform since the last \"eipform apply\" which may have affected this plan:

\x1b[1m  # alicloud_eip_address.changed has changed\x1b[0m
  \x1b[33m~\x1b[0m resource \"alicloud_eip_address\" \"changed\" {
        id          = \"eip-1\"
      \x1b[33m~\x1b[0m instance_id = \"i-1\" -> \"i-2\"
      \x1b[33m~\x1b[0m tags        = {
          \x1b[33m~\x1b[0m \"Env\"  = \"prod\" -> \"dev\"
            # (1 unchanged element hidden)
        }
        # (2 unchanged attributes hidden)
    }

\x1b[1m  # alicloud_eip_address.deleted has been deleted\x1b[0m
  \x1b[31m-\x1b[0m resource \"alicloud_eip_address\" \"deleted\" {
      \x1b[31m-\x1b[0m id          = \"eip-1\" -> null
      \x1b[31m-\x1b[0m instance_id = \"i-1\" -> null
      \x1b[31m-\x1b[0m list        = [
          \x1b[31m-\x1b[0m \"a\",
          \x1b[31m-\x1b[0m {
              \x1b[31m-\x1b[0m \"b\" = []
            },
        ] -> null
      \x1b[31m-\x1b[0m secret      = \"pw\" -> null
      \x1b[31m-\x1b[0m tags        = {
          \x1b[31m-\x1b[0m \"Env\"  = \"prod\"
          \x1b[31m-\x1b[0m \"Team\" = \"x\"
        } -> null
    }

Unless you have made equivalent changes to your configuration, or ignored the relevant attributes using ignore_changes, the following plan may include actions to undo or respond to these changes.

──────────────────────────────────────────────────────────────────────────────

eipform used the selected providers to generate the following execution plan. Resource actions are indicated with the following symbols:
  \x1b[32m+\x1b[0m create
  \x1b[33m~\x1b[0m update in-place
  \x1b[31m-\x1b[0m destroy
\x1b[31m-\x1b[0m/\x1b[32m+\x1b[0m destroy and then create replacement
\x1b[32m+\x1b[0m/\x1b[31m-\x1b[0m create replacement and then destroy
 \x1b[36m<=\x1b[0m read (data resources)

eipform will perform the following actions:

\x1b[1m  # alicloud_eip_address.cbd must be replaced\x1b[0m
\x1b[32m+\x1b[0m/\x1b[31m-\x1b[0m resource \"alicloud_eip_address\" \"cbd\" {
      \x1b[33m~\x1b[0m id        = \"eip-1\" -> (known after apply)
      \x1b[33m~\x1b[0m isp       = \"BGP\" -> \"BGP_PRO\"
        name      = \"a\\\"b\"
      \x1b[33m~\x1b[0m nested    = { \x1b[31m# forces replacement\x1b[0m
          \x1b[33m~\x1b[0m \"k\" = [
              \x1b[31m-\x1b[0m {
                  \x1b[31m-\x1b[0m \"z\" = null
                },
              \x1b[32m+\x1b[0m {
                  \x1b[32m+\x1b[0m \"z\" = 2
                },
                # (1 unchanged element hidden)
            ]
        }
      \x1b[33m~\x1b[0m tags      = {
          \x1b[31m-\x1b[0m \"Old\"  = \"y\" -> null
          \x1b[33m~\x1b[0m \"Team\" = \"x\" -> \"y\"
            # (1 unchanged element hidden)
        }
      \x1b[33m~\x1b[0m types     = [] -> [
          \x1b[32m+\x1b[0m \"AntiDDoS_Enhanced\",
          \x1b[32m+\x1b[0m \"WAF\",
        ]
        # (3 unchanged attributes hidden)
    }

\x1b[1m  # alicloud_eip_address.del will be destroyed\x1b[0m
  # (because alicloud_eip_address.del is not in configuration)
  \x1b[31m-\x1b[0m resource \"alicloud_eip_address\" \"del\" {
      \x1b[31m-\x1b[0m bandwidth = 5 -> null
      \x1b[31m-\x1b[0m id        = \"eip-1\" -> null
      \x1b[31m-\x1b[0m isp       = \"BGP\" -> null
      \x1b[31m-\x1b[0m list      = [
          \x1b[31m-\x1b[0m \"a\",
          \x1b[31m-\x1b[0m \"b\",
          \x1b[31m-\x1b[0m \"c\",
        ] -> null
      \x1b[31m-\x1b[0m name      = \"a\\\"b\" -> null
      \x1b[31m-\x1b[0m nested    = {
          \x1b[31m-\x1b[0m \"k\" = [
              \x1b[31m-\x1b[0m 1,
              \x1b[31m-\x1b[0m {
                  \x1b[31m-\x1b[0m \"z\" = null
                },
            ]
        } -> null
      \x1b[31m-\x1b[0m secret    = (sensitive value) -> null
      \x1b[31m-\x1b[0m tags      = {
          \x1b[31m-\x1b[0m \"Env\"  = \"prod\"
          \x1b[31m-\x1b[0m \"Old\"  = \"y\"
          \x1b[31m-\x1b[0m \"Team\" = \"x\"
        } -> null
      \x1b[31m-\x1b[0m types     = [] -> null
    }

\x1b[1m  # alicloud_eip_address.imp will be updated in-place and imported\x1b[0m
  \x1b[33m~\x1b[0m resource \"alicloud_eip_address\" \"imp\" {
        id        = \"eip-1\"
        name      = \"a\\\"b\"
        tags      = {
            \"Env\"  = \"prod\"
            \"Old\"  = \"y\"
            \"Team\" = \"x\"
        }
        # (6 unchanged attributes hidden)
    }

\x1b[1m  # alicloud_eip_address.old has moved to alicloud_eip_address.moved\x1b[0m
    resource \"alicloud_eip_address\" \"moved\" {
        id        = \"eip-1\"
        name      = \"a\\\"b\"
        tags      = {
            \"Env\"  = \"prod\"
            \"Old\"  = \"y\"
            \"Team\" = \"x\"
        }
        # (6 unchanged attributes hidden)
    }

\x1b[1m  # alicloud_eip_address.new will be created\x1b[0m
  # \x1b[33mWarning\x1b[0m: D01: first line
  #   second line
  \x1b[32m+\x1b[0m resource \"alicloud_eip_address\" \"new\" {
      \x1b[32m+\x1b[0m empty  = []
      \x1b[32m+\x1b[0m flag   = true
      \x1b[32m+\x1b[0m id     = (known after apply)
      \x1b[32m+\x1b[0m list   = [
          \x1b[32m+\x1b[0m 1,
          \x1b[32m+\x1b[0m [
              \x1b[32m+\x1b[0m 2,
            ],
          \x1b[32m+\x1b[0m {},
        ]
      \x1b[32m+\x1b[0m name   = \"n\"
      \x1b[32m+\x1b[0m secret = (sensitive value)
      \x1b[32m+\x1b[0m tags   = {
          \x1b[32m+\x1b[0m \"A\" = \"1\"
        }
    }

\x1b[1m  # alicloud_eip_address.rep must be replaced\x1b[0m
\x1b[31m-\x1b[0m/\x1b[32m+\x1b[0m resource \"alicloud_eip_address\" \"rep\" {
      \x1b[33m~\x1b[0m id        = \"eip-1\" -> (known after apply)
      \x1b[33m~\x1b[0m isp       = \"BGP\" -> \"BGP_PRO\" \x1b[31m# forces replacement\x1b[0m
        name      = \"a\\\"b\"
      \x1b[33m~\x1b[0m nested    = {
          \x1b[33m~\x1b[0m \"k\" = [
              \x1b[31m-\x1b[0m {
                  \x1b[31m-\x1b[0m \"z\" = null
                },
              \x1b[32m+\x1b[0m {
                  \x1b[32m+\x1b[0m \"z\" = 2
                },
                # (1 unchanged element hidden)
            ]
        }
      \x1b[33m~\x1b[0m tags      = { \x1b[31m# forces replacement\x1b[0m
          \x1b[31m-\x1b[0m \"Old\"  = \"y\" -> null
          \x1b[33m~\x1b[0m \"Team\" = \"x\" -> \"y\"
            # (1 unchanged element hidden)
        }
      \x1b[33m~\x1b[0m types     = [] -> [ \x1b[31m# forces replacement\x1b[0m
          \x1b[32m+\x1b[0m \"AntiDDoS_Enhanced\",
          \x1b[32m+\x1b[0m \"WAF\",
        ]
        # (3 unchanged attributes hidden)
    }

\x1b[1m  # alicloud_eip_address.upd will be updated in-place\x1b[0m
  \x1b[33m~\x1b[0m resource \"alicloud_eip_address\" \"upd\" {
      \x1b[33m~\x1b[0m bandwidth = 5 -> 10
        id        = \"eip-1\"
      \x1b[33m~\x1b[0m list      = [
          \x1b[31m-\x1b[0m \"b\",
          \x1b[32m+\x1b[0m \"x\",
          \x1b[32m+\x1b[0m \"d\",
            # (2 unchanged elements hidden)
        ]
        name      = \"a\\\"b\"
      \x1b[33m~\x1b[0m nested    = {
          \x1b[31m-\x1b[0m \"k\" = [
              \x1b[31m-\x1b[0m 1,
              \x1b[31m-\x1b[0m {
                  \x1b[31m-\x1b[0m \"z\" = null
                },
            ]
        } -> (known after apply)
      \x1b[33m~\x1b[0m secret    = (sensitive value)
      \x1b[33m~\x1b[0m tags      = {
          \x1b[33m~\x1b[0m \"Env\"  = \"prod\" -> \"staging\"
          \x1b[32m+\x1b[0m \"New\"  = \"z\"
          \x1b[31m-\x1b[0m \"Old\"  = \"y\" -> null
            # (1 unchanged element hidden)
        }
      \x1b[33m~\x1b[0m types     = [] -> [
          \x1b[32m+\x1b[0m \"t\",
        ]
        # (1 unchanged attribute hidden)
    }

\x1b[1m  # data.alicloud_eip_addresses.all will be read during apply\x1b[0m
 \x1b[36m<=\x1b[0m data \"alicloud_eip_addresses\" \"all\" {
      \x1b[32m+\x1b[0m ids    = (known after apply)
      \x1b[32m+\x1b[0m status = \"Available\"
    }

\x1b[1mPlan: 1 to import, 3 to add, 2 to change, 3 to destroy.\x1b[0m

Changes to Outputs:
  \x1b[32m+\x1b[0m added         = [
      \x1b[32m+\x1b[0m \"x\",
      \x1b[32m+\x1b[0m {
          \x1b[32m+\x1b[0m \"a\" = 1
        },
    ]
  \x1b[33m~\x1b[0m changed       = \"a\" -> (known after apply)
  \x1b[31m-\x1b[0m gone          = {
      \x1b[31m-\x1b[0m \"k\" = \"v\"
    } -> null
  \x1b[33m~\x1b[0m secret_output = (sensitive value)

\x1b[33mWarning\x1b[0m: Resource targeting is in effect
";

    const DRIFT_REPORT: &str = "\
eipform detected the following changes made outside of eipform since the last \"eipform apply\" (values are shown as recorded -> actual):

  # alicloud_eip_address.changed has changed
  ~ resource \"alicloud_eip_address\" \"changed\" {
        id          = \"eip-1\"
      ~ instance_id = \"i-1\" -> \"i-2\"
      ~ tags        = {
          ~ \"Env\"  = \"prod\" -> \"dev\"
            # (1 unchanged element hidden)
        }
        # (2 unchanged attributes hidden)
    }

  # alicloud_eip_address.deleted has been deleted
  - resource \"alicloud_eip_address\" \"deleted\" {
      - id          = \"eip-1\" -> null
      - instance_id = \"i-1\" -> null
      - list        = [
          - \"a\",
          - {
              - \"b\" = []
            },
        ] -> null
      - secret      = \"pw\" -> null
      - tags        = {
          - \"Env\"  = \"prod\"
          - \"Team\" = \"x\"
        } -> null
    }

Associations changed outside eipform:
  ~ alicloud_eip_address.changed moved from i-1 to i-2

Drift: 1 changed, 1 deleted, 1 association changed outside eipform.
";

    const STATE: &str = "\
# alicloud_eip_address.web:
resource \"alicloud_eip_address\" \"web\" {
    id          = \"eip-1\"
    instance_id = \"i-1\"
    list        = [
        \"a\",
        {
            \"b\" = []
        },
    ]
    secret      = (sensitive value)
    tags        = {
        \"Env\"  = \"prod\"
        \"Team\" = \"x\"
    }
}


Outputs:

ip = \"47.96.10.1\"
map = {
    \"a\" = [
        1,
        2,
    ]
}
secret = (sensitive value)
";
}
