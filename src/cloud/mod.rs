//! The cloud API boundary: Alibaba-style RPC actions (`AllocateEipAddress`, ...) with flat string
//! parameters and JSON responses, behind the [`CloudApi`] trait.
//!
//! The simulated cloud ([`sim`]) implements it over its own SQLite world; a real HTTP client can
//! implement the same trait later. This module knows nothing of HCL, plans or state.

pub mod sim;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use serde::Serialize;
use serde_json::Value;

/// Request parameters of one action, named as in Alibaba's API (`RegionId`, `AllocationId`,
/// `SecurityProtectionTypes.1`, ...). Values are strings, as on the wire.
pub type Params = BTreeMap<String, String>;

/// An error answered by the cloud: Alibaba's error code and message, the HTTP status, and the
/// eipform rule ID (A01, S06, ...) when the error enforces a documented rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{code}: {message}")]
pub struct CloudError {
    pub code: String,
    pub message: String,
    pub http_status: u16,
    pub rule: Option<String>,
}

/// Error codes the provider retries with backoff (the cloud answered "try again").
pub const RETRYABLE_CODES: &[&str] = &[
    "Throttling.User",
    "Throttling",
    "ServiceUnavailable",
    "OperationConflict",
    "TaskConflict",
    "SystemBusy",
    "OperationFailed.SystemBusy",
    "LastTokenProcessing",
];

impl CloudError {
    pub fn new(code: impl Into<String>, message: impl Into<String>) -> Self {
        CloudError {
            code: code.into(),
            message: message.into(),
            http_status: 400,
            rule: None,
        }
    }

    /// Marks the error as the enforcement of rule `id`; the message gains `(rule ID)`.
    pub fn rule(mut self, id: &str) -> Self {
        if !self.message.contains(&format!("(rule {id})")) {
            self.message = format!("{} (rule {id})", self.message);
        }
        self.rule = Some(id.to_string());
        self
    }

    pub fn status(mut self, http_status: u16) -> Self {
        self.http_status = http_status;
        self
    }

    pub fn not_found(code: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(code, message).status(404)
    }

    pub fn is_retryable(&self) -> bool {
        RETRYABLE_CODES.contains(&self.code.as_str())
    }
}

/// One cloud endpoint.
pub trait CloudApi: Send + Sync {
    /// Calls one API action.
    fn call(&self, action: &str, params: &Params) -> Result<Value, CloudError>;

    /// Calls one API action and answers the JSON text a remote API sends, for callers that use
    /// parts of an answer as text (a refresh recognises objects it read before by their text).
    fn call_text(&self, action: &str, params: &Params) -> Result<String, CloudError> {
        self.call(action, params).map(|v| v.to_string())
    }

    /// A throw-away session over the same world: it sees everything the cloud holds, and every
    /// change made through it is discarded when it is dropped. `plan` runs the planned actions
    /// against it, so the rules that apply would hit are reported before anything changes.
    fn scratch(&self) -> Result<Box<dyn CloudApi>, CloudError>;

    /// How many reads are worth making at once when that is fewer than `--parallelism`
    /// asks for; `None` when it is not (a remote API, where reads mostly wait on the network).
    fn read_concurrency(&self) -> Option<usize> {
        None
    }

    /// Gets ready for the reads a refresh is about to make (a remote API would open its
    /// connections), so that they do not start with that work. Called beside other work; does
    /// nothing by default, and failing here only leaves the reads to do it.
    fn prepare_reads(&self) {}
}

/// Opens the cloud named by `endpoint` (`sim:PATH`; a relative PATH is taken from `base_dir`).
pub fn connect(endpoint: &str, base_dir: &Path) -> Result<Arc<dyn CloudApi>, CloudError> {
    match endpoint.split_once(':') {
        Some(("sim", path)) if !path.is_empty() => {
            let path = base_dir.join(path);
            Ok(Arc::new(sim::SimCloud::open(&path)?))
        }
        _ => Err(CloudError::new(
            "InvalidEndpoint",
            format!(
                "unsupported cloud endpoint {endpoint:?}: eipform supports the simulated cloud, written `sim:PATH` (for example `sim:.eipform/cloud.db`)"
            ),
        )),
    }
}

/// Reads a required parameter.
pub fn required<'p>(params: &'p Params, name: &str) -> Result<&'p str, CloudError> {
    match params.get(name).map(String::as_str) {
        Some(v) if !v.is_empty() => Ok(v),
        _ => Err(CloudError::new(
            "MissingParameter",
            format!(
                "The input parameter \"{name}\" that is mandatory for processing this request is not supplied."
            ),
        )),
    }
}

/// Reads an optional, non-empty parameter.
pub fn optional<'p>(params: &'p Params, name: &str) -> Option<&'p str> {
    params
        .get(name)
        .map(String::as_str)
        .filter(|v| !v.is_empty())
}

/// Reads a repeated parameter (`Name.1`, `Name.2`, ...).
pub fn repeated(params: &Params, name: &str) -> Vec<String> {
    (1..)
        .map_while(|i| params.get(&format!("{name}.{i}")).cloned())
        .collect()
}
