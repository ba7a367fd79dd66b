//! Reading new objects back in batches while the walk goes on.
//!
//! A create answers without reading its object back, leaving unknown what only a read tells (an
//! EIP's creation time; see `Provider::create`). Recorded at once, such an object was written to
//! the state twice: by the walk, then again, complete, by the settle pass after the last call,
//! whose reads all came at the end. Here the walk holds the result of a create that nothing in
//! this walk depends on (so nothing waits for its commit), reads the held ones back in batches of
//! the provider's read size on reader threads while the calls go on, and commits each once,
//! complete. The settle pass then reads only what is left ([`super::settle::settle_with`]).
//!
//! Only types with at least a full batch of such creates are held: a smaller apply gains nothing
//! from reading back early, and its progress lines keep coming as each create is committed.
//!
//! Holding a result delays its commit, not its safety: its intent stays recorded until the
//! commit, so a crash in between leaves an intent that [`super::reconcile`] settles by the call's
//! client token. A failed read commits the held results as the creates answered them (the
//! settle pass reads them again). When the calls are over, or the walk stops, what is held short
//! of a batch is committed at once, unread: the settle pass reads it with the rest, in parallel
//! (reading it first cost one more round of reads under API latency).

use foldhash::{HashMap, HashMapExt};
use std::panic::AssertUnwindSafe;
use std::sync::mpsc;
use std::time::Duration;

use super::{Finished, Op, order};
use crate::eval::is_unknown;
use crate::plan::model::{Action, ResourceChange};
use crate::plan::planner::op_context;
use crate::provider::{Provider, ReadItem, ReadMemo};
use crate::state::{Commit, ResourceState};

/// A held create: its node, and what the walk commits for it.
pub(super) type HeldCreate = (usize, Finished);

/// Held creates of one region and type, read back together; each says whether its read
/// completed it.
pub(super) type ReadBack = Vec<(usize, Finished, bool)>;

/// The creates held for reading back: the types held (with the provider's read size of each),
/// per (region, type) the creates not yet sent to the readers, and how many batches the readers
/// have not answered yet.
pub(super) struct Completing {
    types: HashMap<String, usize>,
    groups: HashMap<(String, String), Vec<HeldCreate>>,
    in_flight: usize,
}

impl Completing {
    /// Holds the creates of the types of which `graph` creates a full read batch or more that
    /// nothing depends on; none when not `enabled` (a rehearsal, or one call at a time).
    pub(super) fn new(
        enabled: bool,
        graph: &order::Graph,
        changes: &[ResourceChange],
        provider: &dyn Provider,
    ) -> Completing {
        let mut leaves: HashMap<&str, usize> = HashMap::new();
        if enabled {
            for (n, node) in graph.nodes.iter().enumerate() {
                if let (Some(Op::Create), Some(i), true) =
                    (node.op(), node.change(), graph.dependents[n].is_empty())
                    && changes[i].action == Action::Create
                {
                    *leaves.entry(changes[i].schema_type.as_str()).or_default() += 1;
                }
            }
        }
        let types = leaves
            .into_iter()
            .map(|(ty, creates)| (ty, creates, provider.read_batch_size(ty)))
            .filter(|&(_, creates, size)| size > 1 && creates >= size)
            .map(|(ty, _, size)| (ty.to_string(), size))
            .collect();
        Completing {
            types,
            groups: HashMap::new(),
            in_flight: 0,
        }
    }

    /// Whether any create is held, sent or not.
    pub(super) fn busy(&self) -> bool {
        self.in_flight > 0 || !self.groups.is_empty()
    }

    /// Whether some held creates are not sent to the reader yet.
    pub(super) fn unsent(&self) -> bool {
        !self.groups.is_empty()
    }

    /// Whether the readers still owe answers.
    pub(super) fn awaited(&self) -> bool {
        self.in_flight > 0
    }

    /// Holds `finished`, the result of node `n`, when it is a create to read back: returns it
    /// otherwise. A group that reaches the provider's read size goes to the reader.
    pub(super) fn hold(
        &mut self,
        graph: &order::Graph,
        n: usize,
        finished: Finished,
        reader: &mpsc::Sender<Vec<HeldCreate>>,
    ) -> Option<Finished> {
        let (Some(size), Some(key)) = (self.read_size(graph, n, &finished), record_key(&finished))
        else {
            return Some(finished);
        };
        let group = self.groups.entry(key.clone()).or_default();
        group.push((n, finished));
        if group.len() >= size {
            let batch = self.groups.remove(&key).unwrap_or_default();
            self.send(key, batch, reader);
        }
        None
    }

    /// Whether creates are read back (by a reader that is still there).
    pub(super) fn reading(&self) -> bool {
        !self.types.is_empty()
    }

    /// The held creates not sent yet, as the creates answered them (when the calls are over, or
    /// the walk stops).
    pub(super) fn take_unsent(&mut self) -> Vec<HeldCreate> {
        self.groups.drain().flat_map(|(_, g)| g).collect()
    }

    /// Takes in one answer of the readers.
    pub(super) fn answered(&mut self) {
        self.in_flight = self.in_flight.saturating_sub(1);
    }

    fn send(
        &mut self,
        key: (String, String),
        batch: Vec<HeldCreate>,
        reader: &mpsc::Sender<Vec<HeldCreate>>,
    ) {
        if batch.is_empty() {
            return;
        }
        match reader.send(batch) {
            Ok(()) => self.in_flight += 1,
            // The reader is gone: nothing more is held, and what was is committed unread.
            Err(mpsc::SendError(batch)) => {
                self.types.clear();
                self.groups.insert(key, batch);
            }
        }
    }

    /// The read size of the provider for `finished` when it is a create this walk reads back:
    /// a plain create (no deposed object) of a type held, that nothing in the walk depends on,
    /// whose record leaves something unknown.
    fn read_size(&self, graph: &order::Graph, n: usize, finished: &Finished) -> Option<usize> {
        if self.types.is_empty() || !graph.dependents[n].is_empty() {
            return None;
        }
        let Finished::Commit(
            Commit::Put {
                record,
                deposed: None,
                ..
            },
            Some(Action::Create),
        ) = finished
        else {
            return None;
        };
        let size = *self.types.get(record.schema_type.as_str())?;
        record
            .attrs
            .iter()
            .any(|(_, v)| is_unknown(v))
            .then_some(size)
    }
}

fn record_key(finished: &Finished) -> Option<(String, String)> {
    match finished {
        Finished::Commit(Commit::Put { record, .. }, _) => {
            Some((record.region.to_string(), record.schema_type.to_string()))
        }
        _ => None,
    }
}

fn record_mut(finished: &mut Finished) -> Option<&mut ResourceState> {
    match finished {
        Finished::Commit(Commit::Put { record, .. }, _) => Some(record),
        _ => None,
    }
}

/// Reads back `batch`, creates of one region and type, in one call: each record takes the
/// attributes read (and the memo to record with them) and says so. A failed read, or one that
/// panicked, leaves the records as the creates answered them.
pub(super) fn read_back(provider: &dyn Provider, mut batch: Vec<HeldCreate>) -> ReadBack {
    let answers = batch
        .first()
        .and_then(|(_, f)| record_key(f))
        .and_then(|(region, rtype)| {
            let (items, memos): (Vec<ReadItem>, Vec<Option<ReadMemo>>) = batch
                .iter_mut()
                .filter_map(|(_, f)| record_mut(f))
                .map(|r| ((r.id.clone(), r.attrs.clone()), r.read))
                .unzip();
            let ctx = op_context(&region, Duration::from_secs(120));
            std::panic::catch_unwind(AssertUnwindSafe(|| {
                provider.read_memo(&ctx, &rtype, &items, &memos)
            }))
            .ok()
            .and_then(Result::ok)
        })
        .filter(|a| a.len() == batch.len());
    let Some(answers) = answers else {
        return batch.into_iter().map(|(n, f)| (n, f, false)).collect();
    };
    batch
        .into_iter()
        .zip(answers)
        .map(|((n, mut f), answer)| {
            let read = match (record_mut(&mut f), answer) {
                (Some(r), Some(read)) => {
                    r.attrs = read.attrs;
                    r.read = read.memo;
                    true
                }
                _ => false,
            };
            (n, f, read)
        })
        .collect()
}
