//! Reconciliation of unfinished intents: what a crash (or a second Ctrl-C) left between a
//! mutating provider call and the commit of its result.
//!
//! Each intent is settled against the cloud before anything is planned:
//! - create: the cloud is asked for the object made with the intent's client token
//!   ([`Provider::find_by_token`]); an object that was created is adopted into the state, one that
//!   was not is simply forgotten (the planner plans it again);
//! - update: the object is read and its current attributes recorded (or it is forgotten when it
//!   is gone);
//! - delete: when the object is gone it leaves the state; otherwise it stays (and is planned for
//!   deletion again);
//! - delete of a deposed object (the old half of a create-before-destroy replace): deleted when
//!   the caller may change the cloud (apply, destroy), otherwise reported as pending.
//!
//! Each settlement commits its state change and clears its intent in one transaction. When the
//! cloud cannot be asked, reconciliation stops with an error and the intents stay: planning
//! without them could create objects twice.

#![allow(clippy::result_large_err)] // Diagnostic is the error, as in the rest of apply.

use std::sync::Arc;
use std::time::Duration;

use crate::addr::ResourceAddress;
use crate::diag::Diagnostic;
use crate::provider::{Attrs, OpContext, Provider};
use crate::state::{Intent, IntentAction, ResourceState, StateStore};

/// What reconciliation did, one line per intent.
#[derive(Debug, Default)]
pub struct Report {
    /// Objects found in the cloud and recorded: (address, id).
    pub adopted: Vec<(ResourceAddress, String)>,
    /// Creates that never happened: planned again.
    pub replanned: Vec<ResourceAddress>,
    /// Updates and deletes whose outcome was read back from the cloud.
    pub refreshed: Vec<ResourceAddress>,
    /// Deposed objects deleted now: (address, id).
    pub deposed_deleted: Vec<(ResourceAddress, String)>,
    /// Deposed objects still to delete (the caller may not change the cloud): (address, id).
    pub deposed_pending: Vec<(ResourceAddress, String)>,
}

impl Report {
    pub fn is_empty(&self) -> bool {
        self.adopted.is_empty()
            && self.replanned.is_empty()
            && self.refreshed.is_empty()
            && self.deposed_deleted.is_empty()
            && self.deposed_pending.is_empty()
    }

    /// The report for the terminal.
    pub fn lines(&self) -> Vec<String> {
        let mut out = Vec::new();
        for (a, id) in &self.adopted {
            out.push(format!(
                "  {a}: created before the interruption as {id}; recorded in the state"
            ));
        }
        for a in &self.replanned {
            out.push(format!("  {a}: was not created; planned again"));
        }
        for a in &self.refreshed {
            out.push(format!("  {a}: read back from the cloud"));
        }
        for (a, id) in &self.deposed_deleted {
            out.push(format!("  {a}: deposed object {id} destroyed"));
        }
        for (a, id) in &self.deposed_pending {
            out.push(format!(
                "  {a}: deposed object {id} will be destroyed by the next apply"
            ));
        }
        out
    }
}

const TIMEOUT: Duration = Duration::from_secs(120);

fn ctx(intent: &Intent, token: Option<&str>) -> OpContext {
    OpContext {
        region: intent.region.to_string(),
        client_token: token.map(str::to_string),
        timeout: TIMEOUT,
        outcome_only: false,
    }
}

fn fail(intent: &Intent, what: &str, e: impl std::fmt::Display) -> Diagnostic {
    Diagnostic::error("Cannot reconcile an interrupted operation")
        .detail(format!(
            "{} ({} with client token {}): {what}: {e}\n\nThe unfinished operation stays recorded; nothing was planned. Run the command again when the cloud answers.",
            intent.addr,
            intent.action.as_str(),
            intent.client_token
        ))
        .address(intent.addr.to_string())
}

fn save(e: crate::state::StateError) -> Diagnostic {
    Diagnostic::error("Failed to save state").detail(e.to_string())
}

/// Settles every unfinished intent in `store`. `may_delete`: deposed objects are deleted now
/// (the caller holds the lock for a command that changes the cloud).
pub fn reconcile<S: StateStore + ?Sized>(
    store: &mut S,
    provider: &dyn Provider,
    may_delete: bool,
) -> Result<Report, Diagnostic> {
    let mut report = Report::default();
    let intents = store.intents().map_err(save)?;
    for intent in intents {
        let current = store.get(&intent.addr).map_err(save)?;
        match intent.action {
            IntentAction::Create => {
                let found = provider
                    .find_by_token(
                        &ctx(&intent, None),
                        &intent.schema_type,
                        &intent.client_token,
                    )
                    .map_err(|e| {
                        fail(&intent, "cannot look the object up by its client token", e)
                    })?;
                match found {
                    Some(attrs) => {
                        let record = adopt(&intent, attrs);
                        // Replacing an object of a create-before-destroy replace deposes it.
                        let deposed = current
                            .as_ref()
                            .filter(|c| intent.create_before_destroy && c.id != record.id)
                            .map(|c| deposed(&intent, c));
                        store
                            .commit_put(&record, &[intent.id], deposed.as_ref())
                            .map_err(save)?;
                        report.adopted.push((intent.addr.clone(), record.id));
                    }
                    None => {
                        store.clear_intent(intent.id).map_err(save)?;
                        report.replanned.push(intent.addr.clone());
                    }
                }
            }
            IntentAction::Update | IntentAction::Delete => {
                let recorded =
                    current.filter(|c| !intent.object_id.is_empty() && c.id == intent.object_id);
                let Some(mut record) = recorded else {
                    // The state no longer holds that object: nothing to settle.
                    store.clear_intent(intent.id).map_err(save)?;
                    continue;
                };
                let read = provider
                    .read(
                        &ctx(&intent, None),
                        &intent.schema_type,
                        &[(record.id.clone(), record.attrs.clone())],
                    )
                    .map_err(|e| fail(&intent, "cannot read the object", e))?;
                match (intent.action, read.into_iter().next().flatten()) {
                    (_, None) => store
                        .commit_remove(&intent.addr, &[intent.id])
                        .map_err(save)?,
                    (IntentAction::Update, Some(attrs)) => {
                        record.attrs = Arc::new(attrs);
                        store
                            .commit_put(&record, &[intent.id], None)
                            .map_err(save)?;
                    }
                    (_, Some(_)) => store.clear_intent(intent.id).map_err(save)?,
                }
                report.refreshed.push(intent.addr.clone());
            }
            IntentAction::DeleteDeposed => {
                let c = ctx(&intent, Some(&intent.client_token));
                if may_delete {
                    provider
                        .delete(&c, &intent.schema_type, &intent.object_id, &intent.prior)
                        .map_err(|e| {
                            fail(
                                &intent,
                                &format!("cannot destroy the deposed object {}", intent.object_id),
                                e,
                            )
                        })?;
                    store.clear_intent(intent.id).map_err(save)?;
                    report
                        .deposed_deleted
                        .push((intent.addr.clone(), intent.object_id.clone()));
                } else {
                    let read = provider
                        .read(
                            &c,
                            &intent.schema_type,
                            &[(intent.object_id.clone(), intent.prior.clone())],
                        )
                        .map_err(|e| fail(&intent, "cannot read the deposed object", e))?;
                    if read.into_iter().next().flatten().is_some() {
                        report
                            .deposed_pending
                            .push((intent.addr.clone(), intent.object_id.clone()));
                    } else {
                        store.clear_intent(intent.id).map_err(save)?;
                    }
                }
            }
        }
    }
    Ok(report)
}

fn adopt(intent: &Intent, attrs: Attrs) -> ResourceState {
    ResourceState {
        addr: intent.addr.clone(),
        schema_type: intent.schema_type.clone(),
        provider: intent.provider.clone(),
        region: intent.region.clone(),
        id: attrs
            .get("id")
            .and_then(serde_json::Value::as_str)
            .unwrap_or_default()
            .to_string(),
        attrs: Arc::new(attrs),
        deps: intent.deps.clone(),
        create_before_destroy: intent.create_before_destroy,
        sensitive: Vec::new(),
        read: None,
    }
}

fn deposed(intent: &Intent, old: &ResourceState) -> Intent {
    Intent {
        id: 0,
        addr: old.addr.clone(),
        action: IntentAction::DeleteDeposed,
        client_token: crate::host::new_client_token(),
        schema_type: old.schema_type.clone(),
        provider: old.provider.clone(),
        region: old.region.clone(),
        object_id: old.id.clone(),
        prior: old.attrs.clone(),
        deps: old.deps.clone(),
        create_before_destroy: true,
        at: String::new(),
        command: intent.command.clone(),
    }
}
