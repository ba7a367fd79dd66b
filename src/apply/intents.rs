//! Intent bookkeeping of the apply walk: before a mutating provider call the walk records an
//! [`Intent`] (address, action, client token) in the state; when the call returns, the result is
//! committed and the intent cleared in one transaction. A crash in between leaves the intent
//! behind for [`super::reconcile`] to settle against the cloud by its client token.
//!
//! The plan-time dry run uses a sink that records nothing, so it makes no intents.

use serde_json::Value;

use super::order::{Node, Op};
use crate::addr::Mode;
use crate::plan::model::{Action, ResourceChange};
use crate::plan::planner::Planned;
use crate::state::{Intent, IntentAction, ResourceState};

/// What is recorded before each mutating call, if anything.
pub(super) fn intent_for(
    planned: &Planned,
    node: &Node,
    change: &ResourceChange,
    token: &str,
    command: &str,
) -> Option<Intent> {
    let op = node.op()?;
    let action = match op {
        Op::Create => IntentAction::Create,
        Op::Update => IntentAction::Update,
        Op::Delete => IntentAction::Delete,
        Op::Read => return None,
    };
    let (provider, region, deps) = match (
        planned.instances.get(&change.addr),
        planned.prior.get(&change.addr),
    ) {
        (Some(inst), _) if op != Op::Delete => (
            inst.provider.clone(),
            inst.region.clone(),
            inst.deps
                .iter()
                .filter(|d| d.block.mode == Mode::Managed)
                .cloned()
                .collect(),
        ),
        (_, Some(prior)) => (
            prior.provider.clone(),
            prior.region.clone(),
            prior.deps.clone(),
        ),
        (Some(inst), None) => (inst.provider.clone(), inst.region.clone(), Vec::new()),
        (None, None) => ("alicloud".into(), change.region.clone(), Vec::new()),
    };
    let object_id = match op {
        Op::Create => String::new(),
        _ => change
            .before
            .as_ref()
            .and_then(|b| b.get("id"))
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string(),
    };
    Some(Intent {
        id: 0,
        addr: change.addr.clone(),
        action,
        client_token: token.to_string(),
        schema_type: change.schema_type.clone(),
        provider,
        region,
        object_id,
        prior: Default::default(),
        deps,
        create_before_destroy: change.action == Action::CreateThenDelete,
        at: String::new(),
        command: command.to_string(),
    })
}

/// For a create-before-destroy replace: the old object, which leaves the state when the new one
/// is committed and must still be deleted. Recorded in the same transaction as the commit, so a
/// crash before the delete cannot orphan it.
pub(super) fn deposed(
    change: &ResourceChange,
    prior: Option<&ResourceState>,
    command: &str,
) -> Option<Intent> {
    if change.action != Action::CreateThenDelete {
        return None;
    }
    let prior = prior?;
    Some(Intent {
        id: 0,
        addr: change.addr.clone(),
        action: IntentAction::DeleteDeposed,
        client_token: crate::host::new_client_token(),
        schema_type: prior.schema_type.clone(),
        provider: prior.provider.clone(),
        region: prior.region.clone(),
        object_id: prior.id.clone(),
        prior: prior.attrs.clone(),
        deps: prior.deps.clone(),
        create_before_destroy: true,
        at: String::new(),
        command: command.to_string(),
    })
}
