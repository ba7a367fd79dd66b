//! The provider boundary: resource create/read/update/delete and data-source reads, in terms of
//! Terraform attribute names, mapped onto cloud API calls (see [`alicloud`]).
//!
//! The engine (plan, apply) talks only to [`Provider`]; it never calls the cloud API directly.

pub mod alicloud;
pub mod read_memo;

use std::time::Duration;

use crate::cloud::CloudError;

/// Attribute values of one resource or data source, by Terraform attribute name. Nested blocks
/// are arrays of objects.
pub use crate::attrs::Attrs;

/// What a batched read is given per object: its id and its recorded attributes (shared, not copied).
pub type ReadItem = (String, std::sync::Arc<Attrs>);

pub use read_memo::ReadMemo;

/// What [`Provider::read_memo`] answers for an object that exists.
#[derive(Debug, Clone)]
pub struct Read {
    /// Its attributes: the recorded ones themselves (the same `Arc`) when the memo held.
    pub attrs: std::sync::Arc<Attrs>,
    /// What to record with them for the next read.
    pub memo: Option<ReadMemo>,
}

/// [`Provider::read_memo`]'s answer: per object, in the order asked, `None` when it is gone.
pub type ReadMemoAnswer = Result<Vec<Option<Read>>, ProviderError>;

/// Answers of a plain read, without memos.
pub fn without_memos(read: Vec<Option<Attrs>>) -> Vec<Option<Read>> {
    read.into_iter()
        .map(|a| {
            a.map(|a| Read {
                attrs: std::sync::Arc::new(a),
                memo: None,
            })
        })
        .collect()
}

/// What every provider call needs to know besides its arguments.
#[derive(Debug, Clone)]
pub struct OpContext {
    /// The region of the provider configuration the resource uses.
    pub region: String,
    /// Idempotency token sent as `ClientToken` on mutating calls: a repeated call with the same
    /// token returns the first call's result instead of creating a second object.
    pub client_token: Option<String>,
    /// Bound on the whole operation, retries included (the resource's `timeouts`).
    pub timeout: Duration,
    /// Only whether the operation succeeds matters (plan's rehearsal of a resource nothing in
    /// the configuration reads): a create may answer only `id`, skipping the work of building
    /// the attributes. Every call is still made.
    pub outcome_only: bool,
}

/// An error of a provider operation.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ProviderError {
    /// The cloud refused the call.
    #[error("{0}")]
    Cloud(#[from] CloudError),
    /// The arguments cannot be turned into a request.
    #[error("{0}")]
    Invalid(String),
    /// The operation did not finish within its timeout.
    #[error("timeout after {0:?} waiting for {1}")]
    Timeout(Duration, String),
}

impl ProviderError {
    /// The rule ID (A01, S06, ...) the error enforces, if any.
    pub fn rule(&self) -> Option<&str> {
        match self {
            ProviderError::Cloud(e) => e.rule.as_deref(),
            _ => None,
        }
    }
}

/// What a delete did.
#[derive(Debug, Clone, PartialEq)]
pub enum Deleted {
    /// The object is gone from the cloud.
    Released,
    /// The object cannot be deleted and was only dropped from management (a subscription EIP
    /// stays billed until it expires, D03); the text says so.
    Abandoned(String),
}

/// A resource provider.
pub trait Provider: Send + Sync {
    /// Creates the object from `config` (every argument the user set, converted to the schema's
    /// types; unset arguments are absent) and returns its full attributes, including `id` and
    /// every computed attribute of the schema. A value the create cannot know without reading the
    /// object back (a creation time, an address the cloud picks) is the unknown sentinel
    /// (`eval::UNKNOWN`), never a guess: the engine reads the object when the configuration needs
    /// such a value, and the settle pass after the apply records them (`apply::settle`).
    fn create(&self, ctx: &OpContext, rtype: &str, config: &Attrs) -> Result<Attrs, ProviderError>;

    /// The computed attributes of a new object that the configuration alone decides (defaults the
    /// cloud will apply, values derived from arguments), so plans show them instead of
    /// `(known after apply)`. Unknown ones are simply absent.
    fn planned_create(&self, rtype: &str, config: &Attrs) -> Attrs {
        let _ = (rtype, config);
        Attrs::new()
    }

    /// Reads many objects of one type at once (refresh batches its reads). `items` are
    /// `(id, prior attributes)`; the answer holds, in the same order, the current attributes or
    /// `None` when the object no longer exists.
    fn read(
        &self,
        ctx: &OpContext,
        rtype: &str,
        items: &[ReadItem],
    ) -> Result<Vec<Option<Attrs>>, ProviderError>;

    /// [`Provider::read`], given what the last read of each object recorded (`memos`, in the
    /// order of `items`; see [`ReadMemo`]): an object whose answer is unchanged keeps its
    /// recorded attributes. Each answer comes with the memo to record with it.
    fn read_memo(
        &self,
        ctx: &OpContext,
        rtype: &str,
        items: &[ReadItem],
        memos: &[Option<ReadMemo>],
    ) -> ReadMemoAnswer {
        let _ = memos;
        self.read(ctx, rtype, items).map(without_memos)
    }

    /// How many objects of `rtype` one call of [`Provider::read`] reads at once (the API's page
    /// of ids), so callers can split large reads into batches that run in parallel.
    fn read_batch_size(&self, rtype: &str) -> usize {
        let _ = rtype;
        50
    }

    /// How many [`Provider::read`] calls are worth making at once when that is fewer than
    /// `--parallelism` asks for (see [`crate::cloud::CloudApi::read_concurrency`]).
    fn read_concurrency(&self) -> Option<usize> {
        None
    }

    /// `parallelism` reads at once, or fewer when no more are worth making.
    fn read_threads(&self, parallelism: usize) -> usize {
        self.read_concurrency()
            .map_or(parallelism, |most| parallelism.min(most.max(1)))
    }

    /// Updates `id` in place from `prior` to `config`; `changed` lists the arguments that differ.
    fn update(
        &self,
        ctx: &OpContext,
        rtype: &str,
        id: &str,
        prior: &Attrs,
        config: &Attrs,
        changed: &[String],
    ) -> Result<Attrs, ProviderError>;

    /// Deletes `id`.
    fn delete(
        &self,
        ctx: &OpContext,
        rtype: &str,
        id: &str,
        prior: &Attrs,
    ) -> Result<Deleted, ProviderError>;

    /// Reads a data source.
    fn read_data(
        &self,
        ctx: &OpContext,
        dtype: &str,
        config: &Attrs,
    ) -> Result<Attrs, ProviderError>;

    /// Reads an existing object by its import id (`eip-...`, `eip-...:i-...`), for `import`.
    fn import(
        &self,
        ctx: &OpContext,
        rtype: &str,
        id: &str,
    ) -> Result<Option<Attrs>, ProviderError>;

    /// Finds the object a create with `client_token` made, if the cloud holds one (used to
    /// reconcile an apply that was interrupted between the call and the state commit).
    fn find_by_token(
        &self,
        ctx: &OpContext,
        rtype: &str,
        client_token: &str,
    ) -> Result<Option<Attrs>, ProviderError>;
}
