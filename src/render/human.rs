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
const GREEN: &str = "32";
const YELLOW: &str = "33";
const RED: &str = "31";
const CYAN: &str = "36";
const BOLD: &str = "1";

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
                let name = padded(&o.name, width);
                let _ = writeln!(
                    out,
                    "{}",
                    r.entry(
                        0,
                        action,
                        &name,
                        before,
                        after,
                        Marks::sensitive(o.sensitive)
                    )
                );
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
            let _ = writeln!(
                out,
                "{}",
                r.entry(
                    0,
                    Action::NoOp,
                    &o.name,
                    &o.value,
                    &o.value,
                    Marks::sensitive(o.sensitive)
                )
            );
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

fn pad(level: usize) -> String {
    " ".repeat(level * 4)
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("{n} {word}")
    } else {
        format!("{n} {word}s")
    }
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

    /// The three-column symbol of `action`, coloured.
    fn symbol(&self, action: Action) -> String {
        let symbol = action.symbol();
        let mut raw = " ".repeat(3usize.saturating_sub(symbol.chars().count()));
        raw.push_str(symbol);
        if !self.color {
            return raw;
        }
        if action == Action::Read {
            return format!(" {}", self.paint(CYAN, "<="));
        }
        raw.chars()
            .map(|c| match c {
                '+' => self.paint(GREEN, "+"),
                '-' => self.paint(RED, "-"),
                '~' => self.paint(YELLOW, "~"),
                c => c.to_string(),
            })
            .collect()
    }

    /// Indentation plus symbol column for a line at `level`.
    fn prefix(&self, level: usize, action: Action) -> String {
        if self.hide_symbols {
            pad(level)
        } else {
            format!("{}{} ", pad(level), self.symbol(action))
        }
    }

    /// The line closing a list or map opened at `level`.
    fn close(&self, level: usize, bracket: char) -> String {
        if self.hide_symbols {
            format!("{}{bracket}", pad(level))
        } else {
            format!("{}    {bracket}", pad(level))
        }
    }

    /// A comment line (`# (2 unchanged elements hidden)`) inside a block at `level`.
    fn comment(&self, level: usize, text: &str) -> String {
        format!("{}# {text}", self.prefix(level, Action::NoOp))
    }

    /// `v` in full, every element marked with `action` (`Create`, `Delete` or `NoOp`).
    fn whole(&self, v: &Value, level: usize, action: Action) -> String {
        match v {
            Value::Object(o) if !o.is_empty() => {
                let mut keys: Vec<&String> = o.keys().collect();
                keys.sort();
                let width = keys
                    .iter()
                    .map(|k| value::key(k).chars().count())
                    .max()
                    .unwrap_or(0);
                let mut s = String::from("{\n");
                for k in keys {
                    let key = padded(&value::key(k), width);
                    let _ = writeln!(
                        s,
                        "{}{key} = {}",
                        self.prefix(level + 1, action),
                        self.whole(&o[k.as_str()], level + 1, action)
                    );
                }
                s.push_str(&self.close(level, '}'));
                s
            }
            Value::Array(a) if !a.is_empty() => {
                let mut s = String::from("[\n");
                for x in a {
                    let _ = writeln!(
                        s,
                        "{}{},",
                        self.prefix(level + 1, action),
                        self.whole(x, level + 1, action)
                    );
                }
                s.push_str(&self.close(level, ']'));
                s
            }
            _ => value::inline(v),
        }
    }

    /// One `name = value` line (and the lines of a list or map value), `name` already padded.
    fn entry(
        &self,
        level: usize,
        action: Action,
        name: &str,
        before: &Value,
        after: &Value,
        marks: Marks,
    ) -> String {
        let action = if action == Action::Read {
            Action::Create
        } else {
            action
        };
        let value = match (action, marks.sensitive) {
            (Action::Update, true) => SENSITIVE.to_string(),
            (Action::Update, false) => self.update(before, after, level),
            (Action::Delete, true) => format!("{SENSITIVE} -> null"),
            (Action::Delete, false) => {
                format!("{} -> null", self.whole(before, level, Action::Delete))
            }
            (_, true) => SENSITIVE.to_string(),
            // An unchanged value that is null on one side (null equals empty) shows the other.
            (Action::NoOp, false) if after.is_null() => self.whole(before, level, action),
            (_, false) => self.whole(after, level, action),
        };
        let mut line = format!("{}{name} = {value}", self.prefix(level, action));
        if marks.forces {
            let suffix = format!(" {}", self.paint(RED, "# forces replacement"));
            match line.find('\n') {
                Some(i) => line.insert_str(i, &suffix),
                None => line.push_str(&suffix),
            }
        }
        line
    }

    /// The value part of an updated entry: `old -> new`, or a nested diff of a list or map.
    fn update(&self, before: &Value, after: &Value, level: usize) -> String {
        if value::is_unknown_leaf(after) {
            return format!(
                "{} -> {KNOWN_AFTER_APPLY}",
                self.whole(before, level, Action::Delete)
            );
        }
        match (before, after) {
            (Value::Object(b), Value::Object(a)) => self.map_diff(b, a, level),
            (Value::Array(b), Value::Array(a)) if !b.is_empty() && !a.is_empty() => {
                self.list_diff(b, a, level)
            }
            _ => format!(
                "{} -> {}",
                self.whole(before, level, Action::Delete),
                self.whole(after, level, Action::Create)
            ),
        }
    }

    fn map_diff(
        &self,
        before: &Map<String, Value>,
        after: &Map<String, Value>,
        level: usize,
    ) -> String {
        let mut keys: Vec<&String> = before.keys().chain(after.keys()).collect();
        keys.sort();
        keys.dedup();
        let width = keys
            .iter()
            .map(|k| value::key(k).chars().count())
            .max()
            .unwrap_or(0);
        let mut s = String::from("{\n");
        let mut hidden = 0;
        for k in keys {
            let b = before.get(k.as_str()).unwrap_or(&NULL);
            let a = after.get(k.as_str()).unwrap_or(&NULL);
            match attr_action(b, a) {
                Action::NoOp => hidden += 1,
                action => {
                    let key = padded(&value::key(k), width);
                    let _ = writeln!(
                        s,
                        "{}",
                        self.entry(level + 1, action, &key, b, a, Marks::default())
                    );
                }
            }
        }
        if hidden > 0 {
            let _ = writeln!(
                s,
                "{}",
                self.comment(
                    level + 1,
                    &format!("({} hidden)", plural(hidden, "unchanged element"))
                )
            );
        }
        s.push_str(&self.close(level, '}'));
        s
    }

    fn list_diff(&self, before: &[Value], after: &[Value], level: usize) -> String {
        let b_keys: Vec<String> = before.iter().map(value::inline).collect();
        let a_keys: Vec<String> = after.iter().map(value::inline).collect();
        let mut s = String::from("[\n");
        let mut hidden = 0;
        for op in capture_diff_slices(Algorithm::Myers, &b_keys, &a_keys) {
            let (tag, old, new) = op.as_tag_tuple();
            if tag == DiffTag::Equal {
                hidden += old.len();
                continue;
            }
            for x in &before[old] {
                let _ = writeln!(
                    s,
                    "{}{},",
                    self.prefix(level + 1, Action::Delete),
                    self.whole(x, level + 1, Action::Delete)
                );
            }
            for x in &after[new] {
                let _ = writeln!(
                    s,
                    "{}{},",
                    self.prefix(level + 1, Action::Create),
                    self.whole(x, level + 1, Action::Create)
                );
            }
        }
        if hidden > 0 {
            let _ = writeln!(
                s,
                "{}",
                self.comment(
                    level + 1,
                    &format!("({} hidden)", plural(hidden, "unchanged element"))
                )
            );
        }
        s.push_str(&self.close(level, ']'));
        s
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
        let keyword = if addr.block.mode == Mode::Data {
            "data"
        } else {
            "resource"
        };
        let head = format!(
            "{keyword} {} {} {{",
            value::quote(&addr.block.rtype),
            value::quote(&addr.block.name)
        );
        if self.hide_symbols {
            let _ = writeln!(out, "{head}");
        } else {
            let _ = writeln!(out, "{} {head}", self.symbol(action));
        }
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
            let name = padded(d.name, width);
            let _ = writeln!(
                out,
                "{}",
                self.entry(1, d.action, &name, d.before, d.after, flags.marks(d.name))
            );
        }
        if hidden > 0 {
            let _ = writeln!(
                out,
                "{}",
                self.comment(
                    1,
                    &format!("({} hidden)", plural(hidden, "unchanged attribute"))
                )
            );
        }
        let _ = writeln!(out, "{}", self.close(0, '}'));
    }

    fn header(&self, out: &mut String, text: &str) {
        let _ = writeln!(out, "{}", self.paint(BOLD, &format!("  # {text}")));
    }

    /// One planned change: header comment, reasons, warnings, block.
    fn change(&self, out: &mut String, c: &ResourceChange) {
        match (&c.moved_from, &c.import_id) {
            (Some(from), _) if c.action == Action::NoOp => {
                self.header(out, &format!("{from} has moved to {}", c.addr))
            }
            (Some(from), _) => {
                self.header(out, &format!("{} {}", c.addr, header_phrase(c.action)));
                let _ = writeln!(out, "  # (moved from {from})");
            }
            (None, Some(_)) if c.action == Action::NoOp => {
                self.header(out, &format!("{} will be imported", c.addr))
            }
            (None, Some(_)) => self.header(
                out,
                &format!(
                    "{} will be {} and imported",
                    c.addr,
                    header_phrase(c.action).trim_start_matches("will be ")
                ),
            ),
            (None, None) => self.header(out, &format!("{} {}", c.addr, header_phrase(c.action))),
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
                self.header(out, &format!("{} has changed", d.addr));
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
                self.header(out, &format!("{} has been deleted", d.addr));
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

/// `s` followed by spaces up to `width` characters: `format!("{s:<width$}")` writes its padding
/// one `char` at a time through the formatter, which was a fifth of rendering a large plan.
fn padded(s: &str, width: usize) -> String {
    let fill = width.saturating_sub(s.chars().count());
    let mut out = String::with_capacity(s.len() + fill);
    out.push_str(s);
    out.extend(std::iter::repeat_n(' ', fill));
    out
}
