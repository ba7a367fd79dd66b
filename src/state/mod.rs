//! State: what eipform manages. The [`StateStore`] trait and its SQLite implementation
//! ([`sqlite::SqliteState`], the embedded default).
//!
//! Invariants: the lineage is fixed when the state is created; the serial grows by one for every
//! run that changes anything; each resource change is committed atomically (alone, or with
//! other changes that finished at the same time), touching only that resource's row (never a
//! rewrite of the whole state).
//!
//! Crash safety: before each mutating provider call apply records an [`Intent`] (address,
//! action, client token); the call's result is committed and the intent cleared in one
//! transaction ([`StateStore::commit_put`], [`StateStore::commit_remove`]). Intents left by a
//! crash are reconciled against the cloud by `apply::reconcile` on the next command. Apply
//! records the intents of the calls it starts together in one transaction
//! ([`StateStore::record_intents`]) and commits results that finished together in one
//! ([`StateStore::commit_batch`]), with the intents of the calls that start after them
//! ([`StateStore::commit_and_record`]); each result still commits with the clearing of its
//! intent. An intent may so be recorded a moment before its call starts; one whose call never
//! started (the run stopped) is cleared, and reconciling one a crash left finds no object.
//!
//! Locking: writers hold the one [`lock::LockInfo`] row of the state ([`StateStore::try_lock`]).
//! History: every committed change is kept with its serial ([`StateStore::history`],
//! [`StateStore::snapshot`]); [`tfstate`] converts to and from Terraform's v4 state JSON.

pub mod lock;
pub mod sqlite;
pub mod tfstate;

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::addr::{Name, ResourceAddress};
use crate::provider::Attrs;

/// One managed resource instance as recorded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResourceState {
    pub addr: ResourceAddress,
    /// The schema's primary type name.
    pub schema_type: Name,
    /// The provider configuration: `alicloud` or `alicloud.ALIAS`.
    pub provider: Name,
    pub region: Name,
    pub id: String,
    /// Shared with the plan's `before`/`after` and the values expressions see: one copy each.
    #[serde(deserialize_with = "crate::attrs::deserialize_arc")]
    pub attrs: Arc<Attrs>,
    /// Direct dependencies only.
    pub deps: Vec<ResourceAddress>,
    /// Whether the object was created with create_before_destroy (kept for delete ordering).
    pub create_before_destroy: bool,
    /// Attributes whose values came from sensitive inputs: every rendering masks them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sensitive: Vec<String>,
    /// What the last read of the object recorded about its answer (see
    /// [`crate::provider::ReadMemo`]); `None` for records no read made.
    #[serde(
        default,
        deserialize_with = "crate::provider::read_memo::lenient",
        skip_serializing_if = "Option::is_none"
    )]
    pub read: Option<crate::provider::ReadMemo>,
}

/// A batch of records of one schema type in one region: what one batched read covers.
pub type RegionChunk = (String, String, Vec<ResourceState>);

/// Groups `records` by (region, schema type) and cuts each group into chunks of at most
/// `size(type)` records, in a stable order (region, then type, then the records' own order).
///
/// Each chunk is allocated once at its own length (groups grown by doubling, or cut with
/// `Vec::split_off`, which leaves the head with the whole group's capacity, cost copies and
/// fresh pages: a third of a 10k apply's peak heap in `settle`). Groups are few: each record's
/// is found in a short list, starting with the previous record's.
pub fn chunks_by_region_and_type(
    records: impl IntoIterator<Item = ResourceState>,
    size: impl Fn(&str) -> usize,
) -> Vec<RegionChunk> {
    let records: Vec<ResourceState> = records.into_iter().collect();
    // (region, type, records) per group, and each record's group.
    let mut groups: Vec<(&str, &str, usize)> = Vec::new();
    let mut group_of = Vec::with_capacity(records.len());
    let mut last = 0;
    for r in &records {
        let key = (r.region.as_str(), r.schema_type.as_str());
        if groups.get(last).is_none_or(|g| (g.0, g.1) != key) {
            last = match groups.iter().position(|g| (g.0, g.1) == key) {
                Some(g) => g,
                None => {
                    groups.push((key.0, key.1, 0));
                    groups.len() - 1
                }
            };
        }
        groups[last].2 += 1;
        group_of.push(last);
    }
    let mut order: Vec<usize> = (0..groups.len()).collect();
    order.sort_by_key(|&g| (groups[g].0, groups[g].1));
    // Each group's chunks, consecutive, at their final lengths; `next[g]`: the chunk its next
    // record goes to.
    let mut chunks: Vec<RegionChunk> = Vec::new();
    let mut next = vec![0; groups.len()];
    for &g in &order {
        let (region, ty, mut left) = groups[g];
        let size = size(ty).max(1);
        next[g] = chunks.len();
        while left > 0 {
            let n = left.min(size);
            chunks.push((region.to_string(), ty.to_string(), Vec::with_capacity(n)));
            left -= n;
        }
    }
    let limits: Vec<usize> = groups.iter().map(|g| size(g.1).max(1)).collect();
    for (r, g) in records.into_iter().zip(group_of) {
        let chunk = &mut chunks[next[g]].2;
        chunk.push(r);
        if chunk.len() == limits[g] {
            next[g] += 1;
        }
    }
    chunks
}

/// A root output value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutputState {
    pub name: String,
    pub value: Value,
    pub sensitive: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StateMeta {
    pub lineage: String,
    pub serial: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum StateError {
    #[error("state storage error: {0}")]
    Storage(String),
    #[error("{0}")]
    Invalid(String),
}

impl From<rusqlite::Error> for StateError {
    fn from(e: rusqlite::Error) -> Self {
        StateError::Storage(e.to_string())
    }
}

/// What an [`Intent`] announces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IntentAction {
    Create,
    Update,
    Delete,
    /// An object that left the state (the old half of a create-before-destroy replace) and
    /// must still be deleted.
    DeleteDeposed,
}

impl IntentAction {
    pub fn as_str(self) -> &'static str {
        match self {
            IntentAction::Create => "create",
            IntentAction::Update => "update",
            IntentAction::Delete => "delete",
            IntentAction::DeleteDeposed => "delete-deposed",
        }
    }
}

/// A mutating provider call announced before it is made. Holds no configuration values (so no
/// sensitive value is ever written here), only what reconciliation needs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Intent {
    /// Assigned when recorded (0 before).
    #[serde(default)]
    pub id: i64,
    pub addr: ResourceAddress,
    pub action: IntentAction,
    /// The `ClientToken` the call sends.
    pub client_token: String,
    pub schema_type: Name,
    pub provider: Name,
    pub region: Name,
    /// The object the call works on (update, delete); empty for a create.
    #[serde(default)]
    pub object_id: String,
    /// The attributes the object had (delete-deposed only: what the delete call needs).
    #[serde(default)]
    pub prior: Arc<Attrs>,
    #[serde(default)]
    pub deps: Vec<ResourceAddress>,
    #[serde(default)]
    pub create_before_destroy: bool,
    /// When recorded (RFC 3339).
    #[serde(default)]
    pub at: String,
    /// The command that recorded it.
    #[serde(default)]
    pub command: String,
}

impl Intent {
    /// An intent of `action` on `addr` with placeholder details (for tests).
    #[cfg(test)]
    pub fn sample(addr: &str, action: IntentAction) -> Intent {
        Intent {
            id: 0,
            addr: addr.parse().unwrap(),
            action,
            client_token: "eipform-t".into(),
            schema_type: "alicloud_vpc".into(),
            provider: "alicloud".into(),
            region: "cn-beijing".into(),
            object_id: String::new(),
            prior: Default::default(),
            deps: Vec::new(),
            create_before_destroy: false,
            at: String::new(),
            command: "apply".into(),
        }
    }
}

/// One finished change of a batch ([`StateStore::commit_batch`]).
#[derive(Debug, Clone, PartialEq)]
pub enum Commit {
    /// Records `record` and clears `intents`; with `deposed`, also records that intent (see
    /// [`StateStore::commit_put`]).
    Put {
        record: Box<ResourceState>,
        intents: Vec<i64>,
        deposed: Option<Box<Intent>>,
    },
    /// Forgets `addr` and clears `intents`.
    Remove {
        addr: ResourceAddress,
        intents: Vec<i64>,
    },
    /// Clears intents whose calls settled without a change of the state.
    Clear { intents: Vec<i64> },
}

/// One serial of the history: when, by which command, and what it changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HistoryEntry {
    pub serial: u64,
    /// The time of the serial's last change (RFC 3339).
    pub at: String,
    pub command: String,
    pub added: usize,
    pub changed: usize,
    pub removed: usize,
    pub outputs_changed: bool,
}

/// The whole state as it was at one serial.
#[derive(Debug, Clone, PartialEq)]
pub struct Snapshot {
    pub lineage: String,
    pub serial: u64,
    pub resources: Vec<ResourceState>,
    pub outputs: Vec<OutputState>,
}

/// Where state lives.
pub trait StateStore: Send {
    fn meta(&self) -> Result<StateMeta, StateError>;
    /// Every resource, ordered by address.
    fn resources(&self) -> Result<Vec<ResourceState>, StateError>;
    fn get(&self, addr: &ResourceAddress) -> Result<Option<ResourceState>, StateError>;
    /// Records one resource (insert or replace) in its own transaction.
    fn put(&mut self, r: &ResourceState) -> Result<(), StateError>;
    /// Records several resources in one transaction (re-reads that settle many records at once).
    fn put_many(&mut self, rs: &[ResourceState]) -> Result<(), StateError> {
        rs.iter().try_for_each(|r| self.put(r))
    }
    /// Forgets one resource in its own transaction.
    fn remove(&mut self, addr: &ResourceAddress) -> Result<(), StateError>;
    fn outputs(&self) -> Result<Vec<OutputState>, StateError>;
    /// Replaces the outputs (one transaction).
    fn set_outputs(&mut self, outputs: &[OutputState]) -> Result<(), StateError>;

    /// Records an intent (its own transaction, durable before the call is made); returns its id.
    fn record_intent(&mut self, intent: &Intent) -> Result<i64, StateError>;
    /// Every unfinished intent, oldest first.
    fn intents(&self) -> Result<Vec<Intent>, StateError>;
    /// Clears intent `id` (its call failed, or reconciliation settled it).
    fn clear_intent(&mut self, id: i64) -> Result<(), StateError>;
    /// Records `r` and clears `intents`, in one transaction. With `deposed`, also records that
    /// intent (the old object of a create-before-destroy replace), in the same transaction, and
    /// returns its id.
    fn commit_put(
        &mut self,
        r: &ResourceState,
        intents: &[i64],
        deposed: Option<&Intent>,
    ) -> Result<Option<i64>, StateError>;
    /// Forgets `addr` and clears `intents`, in one transaction.
    fn commit_remove(&mut self, addr: &ResourceAddress, intents: &[i64]) -> Result<(), StateError>;
    /// Records several intents (before their calls) in one transaction; returns their ids in
    /// order. Either every intent is recorded or none is.
    fn record_intents(&mut self, intents: &[Intent]) -> Result<Vec<i64>, StateError>;
    /// Commits several finished changes in one transaction: either all of them (each with the
    /// clearing of its intents) or, on an error, none. Returns, per change, the id of its
    /// deposed intent if it recorded one.
    fn commit_batch(&mut self, batch: &[Commit]) -> Result<Vec<Option<i64>>, StateError>;
    /// [`Self::commit_batch`] and [`Self::record_intents`] in one transaction (the results of
    /// calls that finished, with the intents of calls that start after them): all or none.
    fn commit_and_record(
        &mut self,
        batch: &[Commit],
        intents: &[Intent],
    ) -> Result<(Vec<Option<i64>>, Vec<i64>), StateError>;

    /// The lock, if one is held.
    fn lock_info(&self) -> Result<Option<lock::LockInfo>, StateError>;
    /// Takes the lock when it is free, atomically; otherwise answers the holder. With
    /// `replacing`, takes it over from that holder (a stale lock) if it still holds it.
    fn try_lock(
        &mut self,
        info: &lock::LockInfo,
        replacing: Option<&str>,
    ) -> Result<Result<(), lock::LockInfo>, StateError>;
    /// Releases lock `id`; false when that lock was not held.
    fn unlock(&mut self, id: &str) -> Result<bool, StateError>;

    /// Every serial with its time, command and counts, oldest first.
    fn history(&self) -> Result<Vec<HistoryEntry>, StateError>;
    /// The whole state at `serial`, rebuilt by replaying the change log.
    fn snapshot(&self, serial: u64) -> Result<Snapshot, StateError>;
    /// Replaces the whole state with `snapshot` (state push): one transaction that writes only
    /// the rows that differ, and sets the serial to `max(snapshot.serial, current + 1)`.
    fn replace_all(&mut self, snapshot: &Snapshot) -> Result<u64, StateError>;
    /// Moves each `(src, dst)` in one transaction (state mv); fails, changing nothing, when a
    /// source is missing or a destination taken.
    fn rename(&mut self, moves: &[(ResourceAddress, ResourceAddress)]) -> Result<(), StateError>;
    /// Forgets `addrs` in one transaction (state rm).
    fn forget(&mut self, addrs: &[ResourceAddress]) -> Result<(), StateError>;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(n: usize, region: &str, ty: &str) -> ResourceState {
        ResourceState {
            addr: format!("{ty}.r{n}").parse().unwrap(),
            schema_type: ty.into(),
            provider: "alicloud".into(),
            region: region.into(),
            id: format!("id-{n}"),
            attrs: Arc::new(crate::provider::Attrs::new()),
            deps: Vec::new(),
            create_before_destroy: false,
            sensitive: Vec::new(),
            read: None,
        }
    }

    #[test]
    fn chunks_keep_order_within_a_group_and_are_allocated_at_their_own_length() {
        let records = (0..1000).map(|n| {
            let (region, ty) = match n % 3 {
                0 => ("cn-hangzhou", "alicloud_eip_address"),
                1 => ("cn-beijing", "alicloud_eip_address"),
                _ => ("cn-hangzhou", "alicloud_vpc"),
            };
            record(n, region, ty)
        });
        let size = |ty: &str| if ty == "alicloud_vpc" { 100 } else { 50 };
        let chunks = chunks_by_region_and_type(records, size);

        let keys: Vec<(&str, &str, usize)> = chunks
            .iter()
            .map(|(r, t, c)| (r.as_str(), t.as_str(), c.len()))
            .collect();
        // 334 Hangzhou EIPs, 333 Beijing EIPs, 333 Hangzhou VPCs; Beijing sorts first.
        let mut expected = vec![("cn-beijing", "alicloud_eip_address", 50); 6];
        expected.push(("cn-beijing", "alicloud_eip_address", 33));
        expected.extend(vec![("cn-hangzhou", "alicloud_eip_address", 50); 6]);
        expected.push(("cn-hangzhou", "alicloud_eip_address", 34));
        expected.extend(vec![("cn-hangzhou", "alicloud_vpc", 100); 3]);
        expected.push(("cn-hangzhou", "alicloud_vpc", 33));
        assert_eq!(keys, expected);

        let ids: Vec<&str> = chunks
            .iter()
            .filter(|(r, t, _)| r == "cn-beijing" && t == "alicloud_eip_address")
            .flat_map(|(_, _, c)| c.iter().map(|r| r.id.as_str()))
            .collect();
        let want: Vec<String> = (0..1000)
            .filter(|n| n % 3 == 1)
            .map(|n| format!("id-{n}"))
            .collect();
        assert_eq!(ids, want);

        // A chunk holding the capacity of the rest of its group made memory grow with the
        // square of the group's size.
        for (_, _, c) in &chunks {
            assert!(
                c.capacity() <= 2 * c.len(),
                "{} for {}",
                c.capacity(),
                c.len()
            );
        }
    }
}
