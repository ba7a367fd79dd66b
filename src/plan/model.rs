//! The plan model: what a plan decided, independent of how it is rendered.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::addr::{Name, ResourceAddress};
use crate::provider::Attrs;

/// What will happen to one resource instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    NoOp,
    Create,
    Update,
    /// Destroy, then create the replacement.
    DeleteThenCreate,
    /// Create the replacement, then destroy (lifecycle create_before_destroy).
    CreateThenDelete,
    Delete,
    /// Data source read during apply.
    Read,
}

impl Action {
    /// Terraform's symbol: `+`, `~`, `-/+`, `+/-`, `-`, `<=`.
    pub fn symbol(self) -> &'static str {
        match self {
            Action::NoOp => " ",
            Action::Create => "+",
            Action::Update => "~",
            Action::DeleteThenCreate => "-/+",
            Action::CreateThenDelete => "+/-",
            Action::Delete => "-",
            Action::Read => "<=",
        }
    }

    /// The plan-JSON `change.actions` list.
    pub fn json_actions(self) -> Vec<&'static str> {
        match self {
            Action::NoOp => vec!["no-op"],
            Action::Create => vec!["create"],
            Action::Update => vec!["update"],
            Action::DeleteThenCreate => vec!["delete", "create"],
            Action::CreateThenDelete => vec!["create", "delete"],
            Action::Delete => vec!["delete"],
            Action::Read => vec!["read"],
        }
    }

    pub fn is_replace(self) -> bool {
        matches!(self, Action::DeleteThenCreate | Action::CreateThenDelete)
    }
}

/// One planned change.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ResourceChange {
    pub addr: ResourceAddress,
    /// The schema's primary type name.
    pub schema_type: Name,
    /// `alicloud` or `alicloud.ALIAS`.
    pub provider: Name,
    pub region: Name,
    pub action: Action,
    /// Attributes before (the refreshed state); `None` for a create.
    pub before: Option<Arc<Attrs>>,
    /// Planned attributes after; `None` for a delete. Unknown values are [`crate::eval::UNKNOWN`].
    pub after: Option<Arc<Attrs>>,
    /// Top-level attributes that force the replacement.
    pub replace_paths: Vec<String>,
    /// Why a delete or replace happens (`because alicloud_eip_address.x is not in configuration`).
    pub reason: Option<String>,
    /// Attributes whose values are sensitive (shown as `(sensitive value)`).
    pub sensitive: Vec<String>,
    /// Rule warnings (D01, D03, ...) attached to this change.
    pub warnings: Vec<String>,
    /// The address the object had in state before a `moved` block renamed it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub moved_from: Option<Box<ResourceAddress>>,
    /// The cloud id an `import` block adopts into this address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub import_id: Option<String>,
}

impl ResourceChange {
    /// The names of attributes that differ between before and after, in schema order of `after`.
    pub fn changed_attributes(&self) -> Vec<String> {
        let empty = Attrs::new();
        let before = self.before.as_deref().unwrap_or(&empty);
        let after = self.after.as_deref().unwrap_or(&empty);
        let mut names: Vec<String> = after.keys().map(|k| k.to_string()).collect();
        names.extend(
            before
                .keys()
                .filter(|k| !after.contains_key(k))
                .map(|k| k.to_string()),
        );
        names
            .into_iter()
            .filter(|k| {
                !crate::plan::diff::values_equal(
                    before.get(k).unwrap_or(&Value::Null),
                    after.get(k).unwrap_or(&Value::Null),
                )
            })
            .collect()
    }
}

/// A change made outside eipform, found by refresh.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Drift {
    pub addr: ResourceAddress,
    pub schema_type: Name,
    pub provider: Name,
    /// The recorded attributes.
    pub before: Arc<Attrs>,
    /// What the cloud holds now; `None` when the object was deleted outside eipform.
    pub after: Option<Arc<Attrs>>,
}

/// A change of a root output.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OutputChange {
    pub name: String,
    pub before: Option<Value>,
    pub after: Option<Value>,
    pub sensitive: bool,
}

/// What kind of plan this is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlanMode {
    Normal,
    Destroy,
    RefreshOnly,
}

/// A whole plan.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Plan {
    pub mode: PlanMode,
    /// Every instance in configuration or state, NoOps included, in apply order of creation.
    pub changes: Vec<ResourceChange>,
    pub drift: Vec<Drift>,
    pub outputs: Vec<OutputChange>,
    /// The state this plan was made against.
    pub lineage: String,
    pub serial: u64,
    /// Warnings to show with the plan (rule warnings, deprecations).
    pub warnings: Vec<String>,
}

impl Plan {
    /// Counts for the summary line: (add, change, destroy).
    pub fn counts(&self) -> (usize, usize, usize) {
        let mut add = 0;
        let mut change = 0;
        let mut destroy = 0;
        for c in &self.changes {
            match c.action {
                Action::Create => add += 1,
                Action::Update => change += 1,
                Action::Delete => destroy += 1,
                Action::DeleteThenCreate | Action::CreateThenDelete => {
                    add += 1;
                    destroy += 1;
                }
                Action::NoOp | Action::Read => {}
            }
        }
        (add, change, destroy)
    }

    /// Whether applying the plan would change infrastructure (what `--detailed-exitcode` reports).
    pub fn has_actions(&self) -> bool {
        self.changes.iter().any(|c| {
            !matches!(c.action, Action::NoOp | Action::Read)
                || c.moved_from.is_some()
                || c.import_id.is_some()
        })
    }
}
