//! What every view needs to know about a plan before laying it out: which attributes of a change
//! to show and how each changed, the order of changes, the header phrases, and how an EIP's
//! association changed in a drift. Shared by the human, markdown and JSON renderers so that they
//! never disagree.

use std::cmp::Ordering;

use serde_json::Value;

use crate::attrs::name_order;
use crate::plan::diff::values_equal;
use crate::plan::model::{Action, Drift, OutputChange, Plan, ResourceChange};
use crate::provider::Attrs;

static NULL: Value = Value::Null;

/// How one top-level attribute changes.
#[derive(Debug, Clone, Copy)]
pub(crate) struct AttrDiff<'a> {
    pub name: &'a str,
    /// `NoOp`, `Create`, `Update` or `Delete`.
    pub action: Action,
    pub before: &'a Value,
    pub after: &'a Value,
}

/// The attributes of `before`/`after`, sorted by name, without those null on both sides.
///
/// `whole` forces one action on every attribute (`Create` for a create, `Delete` for a destroy,
/// `NoOp` to show a state); a forced `Delete` shows `before`, any other forced action `after`;
/// otherwise each attribute's action comes from comparing its two values.
pub(crate) fn attribute_diffs<'a>(
    before: Option<&'a Attrs>,
    after: Option<&'a Attrs>,
    whole: Option<Action>,
) -> Vec<AttrDiff<'a>> {
    let len = |m: Option<&Attrs>| m.map_or(0, Attrs::len);
    let mut diffs = Vec::with_capacity(len(before).max(len(after)));
    // Both iterate in name order: merged, not collected, sorted and looked up.
    let mut b = before.into_iter().flat_map(Attrs::iter).peekable();
    let mut a = after.into_iter().flat_map(Attrs::iter).peekable();
    loop {
        let order = match (b.peek(), a.peek()) {
            (Some((bk, _)), Some((ak, _))) => name_order(bk, ak),
            (Some(_), None) => Ordering::Less,
            (None, _) => Ordering::Greater,
        };
        let b_next = if order.is_le() { b.next() } else { None };
        let a_next = if order.is_ge() { a.next() } else { None };
        let Some((name, _)) = b_next.or(a_next) else {
            break;
        };
        let value = |next: Option<(_, &'a Value)>| next.map_or(&NULL, |(_, v)| v);
        let (bv, av) = (value(b_next), value(a_next));
        if let Some(action) = diff_action(bv, av, whole) {
            diffs.push(AttrDiff {
                name,
                action,
                before: bv,
                after: av,
            });
        }
    }
    diffs
}

/// How an attribute with these values is shown, given the action forced on all (see
/// [`attribute_diffs`]); `None` when it is not shown.
fn diff_action(before: &Value, after: &Value, whole: Option<Action>) -> Option<Action> {
    match whole {
        Some(Action::Delete) if before.is_null() => None,
        Some(Action::Delete) => Some(Action::Delete),
        Some(_) if after.is_null() => None,
        Some(w) => Some(w),
        None if before.is_null() && after.is_null() => None,
        None => Some(attr_action(before, after)),
    }
}

/// The action that turns `before` into `after`.
pub(crate) fn attr_action(before: &Value, after: &Value) -> Action {
    if values_equal(before, after) {
        Action::NoOp
    } else if before.is_null() {
        Action::Create
    } else if after.is_null() {
        Action::Delete
    } else {
        Action::Update
    }
}

/// The changes that do something (everything but no-ops), ordered by address.
pub(crate) fn visible_changes(plan: &Plan) -> Vec<&ResourceChange> {
    let mut changes: Vec<&ResourceChange> = plan
        .changes
        .iter()
        .filter(|c| c.action != Action::NoOp || c.moved_from.is_some() || c.import_id.is_some())
        .collect();
    changes.sort_by(|a, b| a.addr.cmp(&b.addr));
    changes
}

/// Drift entries ordered by address.
pub(crate) fn sorted_drift(drift: &[Drift]) -> Vec<&Drift> {
    let mut d: Vec<&Drift> = drift.iter().collect();
    d.sort_by(|a, b| a.addr.cmp(&b.addr));
    d
}

/// Output changes that change something, ordered by name.
pub(crate) fn visible_outputs(plan: &Plan) -> Vec<&OutputChange> {
    let mut o: Vec<&OutputChange> = plan
        .outputs
        .iter()
        .filter(|o| output_action(o) != Action::NoOp)
        .collect();
    o.sort_by(|a, b| a.name.cmp(&b.name));
    o
}

/// What happens to an output.
pub(crate) fn output_action(o: &OutputChange) -> Action {
    match (&o.before, &o.after) {
        (None | Some(Value::Null), None | Some(Value::Null)) => Action::NoOp,
        (None | Some(Value::Null), Some(_)) => Action::Create,
        (Some(_), None | Some(Value::Null)) => Action::Delete,
        (Some(b), Some(a)) if values_equal(b, a) => Action::NoOp,
        _ => Action::Update,
    }
}

/// The words after the address in a change's header comment.
pub(crate) fn header_phrase(action: Action) -> &'static str {
    match action {
        Action::Create => "will be created",
        Action::Update => "will be updated in-place",
        Action::DeleteThenCreate | Action::CreateThenDelete => "must be replaced",
        Action::Delete => "will be destroyed",
        Action::Read => "will be read during apply",
        Action::NoOp => "has no changes",
    }
}

/// The reason as comment text: `(because X is not in configuration)`, one entry per line.
pub(crate) fn reason_lines(reason: &str) -> Vec<String> {
    reason
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|l| {
            if l.starts_with('(') {
                l.to_string()
            } else if l.starts_with("because ") {
                format!("({l})")
            } else {
                format!("(because {l})")
            }
        })
        .collect()
}

/// How an association of an EIP changed outside eipform.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Association {
    /// Bound to a target (its id when known).
    Added(Option<String>),
    /// Unbound from a target (its id when known).
    Removed(Option<String>),
    /// Moved from one target to another.
    Moved(String, String),
}

impl Association {
    /// `associated with i-123`, `disassociated from i-123`, `moved from i-1 to i-2`.
    pub(crate) fn describe(&self) -> String {
        match self {
            Association::Added(Some(t)) => format!("associated with {t}"),
            Association::Added(None) => "associated with a target".to_string(),
            Association::Removed(Some(t)) => format!("disassociated from {t}"),
            Association::Removed(None) => "disassociated from its target".to_string(),
            Association::Moved(f, t) => format!("moved from {f} to {t}"),
        }
    }

    pub(crate) fn symbol(&self) -> Action {
        match self {
            Association::Added(_) => Action::Create,
            Association::Removed(_) => Action::Delete,
            Association::Moved(..) => Action::Update,
        }
    }
}

fn non_empty_str(attrs: Option<&Attrs>, name: &str) -> Option<String> {
    match attrs?.get(name)? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        _ => None,
    }
}

/// The association change a drift entry amounts to: an EIP whose `instance_id` (or, without it,
/// whose `status` between `Available` and `InUse`) changed, or an `alicloud_eip_association`
/// deleted outside eipform.
pub(crate) fn association_change(d: &Drift) -> Option<Association> {
    let before_target = non_empty_str(Some(&d.before), "instance_id");
    let Some(after) = d.after.as_ref() else {
        return (d.schema_type == "alicloud_eip_association")
            .then_some(Association::Removed(before_target));
    };
    let after_target = non_empty_str(Some(after), "instance_id");
    match (before_target, after_target) {
        (None, Some(t)) => return Some(Association::Added(Some(t))),
        (Some(f), None) if after.contains_key("instance_id") => {
            return Some(Association::Removed(Some(f)));
        }
        (Some(f), Some(t)) if f != t => return Some(Association::Moved(f, t)),
        (Some(_), _) => return None,
        (None, None) => {}
    }
    match (
        non_empty_str(Some(&d.before), "status").as_deref(),
        non_empty_str(Some(after), "status").as_deref(),
    ) {
        (Some("Available"), Some("InUse" | "Associating")) => Some(Association::Added(None)),
        (Some("InUse"), Some("Available" | "Unassociating")) => Some(Association::Removed(None)),
        _ => None,
    }
}

/// The association changes of a drift report, in the order of `drift`. An EIP whose status
/// changed only because a recorded `alicloud_eip_association` of it changed is not listed again:
/// the association's own entry says it.
pub(crate) fn association_changes<'a>(drift: &[&'a Drift]) -> Vec<(&'a Drift, Association)> {
    let explained: foldhash::HashSet<&str> = drift
        .iter()
        .filter(|d| d.schema_type == "alicloud_eip_association")
        .filter_map(|d| d.before.get("allocation_id").and_then(Value::as_str))
        .collect();
    drift
        .iter()
        .filter_map(|d| association_change(d).map(|a| (*d, a)))
        .filter(|(d, a)| {
            let status_only = matches!(a, Association::Added(None) | Association::Removed(None));
            let id = d
                .before
                .get("id")
                .and_then(Value::as_str)
                .unwrap_or_default();
            !(status_only && d.schema_type == "alicloud_eip_address" && explained.contains(id))
        })
        .collect()
}

/// Counts for a drift summary.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct DriftCounts {
    pub changed: usize,
    pub deleted: usize,
    pub associations: usize,
}

pub(crate) fn drift_counts(drift: &[Drift]) -> DriftCounts {
    let mut c = DriftCounts::default();
    for d in drift {
        if d.after.is_some() {
            c.changed += 1;
        } else {
            c.deleted += 1;
        }
    }
    let all: Vec<&Drift> = drift.iter().collect();
    c.associations = association_changes(&all).len();
    c
}

/// `Drift: 1 changed, 1 deleted, 1 association changed outside eipform.`
pub(crate) fn drift_summary(drift: &[Drift]) -> String {
    let c = drift_counts(drift);
    let assoc = if c.associations == 1 {
        "association"
    } else {
        "associations"
    };
    format!(
        "Drift: {} changed, {} deleted, {} {assoc} changed outside eipform.",
        c.changed, c.deleted, c.associations
    )
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn attrs(v: Value) -> Attrs {
        match v {
            Value::Object(m) => m.into(),
            other => panic!("not an object: {other}"),
        }
    }

    #[test]
    fn attribute_diffs_merge_both_sides_in_name_order() {
        let before = attrs(json!({ "a": 1, "c": 3, "d": 4, "e": null, "f": 6 }));
        let after = attrs(json!({ "b": 2, "c": 3, "d": 5, "e": null, "g": 7 }));
        let shown = |whole| {
            attribute_diffs(Some(&before), Some(&after), whole)
                .iter()
                .map(|d| format!("{} {:?} {} {}", d.name, d.action, d.before, d.after))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            shown(None),
            [
                "a Delete 1 null",
                "b Create null 2",
                "c NoOp 3 3",
                "d Update 4 5",
                "f Delete 6 null",
                "g Create null 7",
            ]
        );
        assert_eq!(
            shown(Some(Action::Delete)),
            [
                "a Delete 1 null",
                "c Delete 3 3",
                "d Delete 4 5",
                "f Delete 6 null",
            ]
        );
        let created = attribute_diffs(None, Some(&after), Some(Action::Create));
        let names: Vec<&str> = created.iter().map(|d| d.name).collect();
        assert_eq!(names, ["b", "c", "d", "g"]);
    }
}
