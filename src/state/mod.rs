//! State: what eipform manages. The [`StateStore`] trait and its SQLite implementation
//! ([`sqlite::SqliteState`], the embedded default).
//!
//! Invariants: the lineage is fixed when the state is created; the serial grows by one for every
//! run that changes anything; each resource change is committed in its own transaction, touching
//! only that resource's row (never a rewrite of the whole state).

pub mod sqlite;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::addr::ResourceAddress;
use crate::provider::Attrs;

/// One managed resource instance as recorded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResourceState {
    pub addr: ResourceAddress,
    /// The schema's primary type name.
    pub schema_type: String,
    /// The provider configuration: `alicloud` or `alicloud.ALIAS`.
    pub provider: String,
    pub region: String,
    pub id: String,
    pub attrs: Attrs,
    /// Direct dependencies only.
    pub deps: Vec<ResourceAddress>,
    /// Whether the object was created with create_before_destroy (kept for delete ordering).
    pub create_before_destroy: bool,
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

/// Where state lives.
pub trait StateStore: Send {
    fn meta(&self) -> Result<StateMeta, StateError>;
    /// Every resource, ordered by address.
    fn resources(&self) -> Result<Vec<ResourceState>, StateError>;
    fn get(&self, addr: &ResourceAddress) -> Result<Option<ResourceState>, StateError>;
    /// Records one resource (insert or replace) in its own transaction.
    fn put(&mut self, r: &ResourceState) -> Result<(), StateError>;
    /// Forgets one resource in its own transaction.
    fn remove(&mut self, addr: &ResourceAddress) -> Result<(), StateError>;
    fn outputs(&self) -> Result<Vec<OutputState>, StateError>;
    /// Replaces the outputs (one transaction).
    fn set_outputs(&mut self, outputs: &[OutputState]) -> Result<(), StateError>;
}
