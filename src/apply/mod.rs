//! Apply: walks the planned changes in dependency order with up to `parallelism` provider calls
//! at once. Each finished resource change is committed to the state sink atomically: results
//! that finished together are committed in one transaction, and dependents start only once it
//! is committed. The intents of the calls that start next (up to `parallelism` of them, ready
//! already) are recorded in that same transaction, so that a call that finishes is replaced at
//! once, without a transaction in between; the first calls' intents are recorded together, and
//! a ready node on a longer chain than every call announced ahead gets its intent recorded at
//! once. Creates nothing depends on may be held and committed once read back in batches
//! ([`complete`]). A failure skips its dependents; independent work continues.
//!
//! Ordering rules beyond references: deletes run in reverse dependency order; a replace deletes
//! first unless `create_before_destroy`; every association removal runs before any association
//! is created (rule D05), so moving or swapping EIPs between instances works.
//!
//! The same walk runs at plan time against a scratch cloud with a [`NullSink`], so the rules the
//! cloud enforces at apply are reported by plan.
//!
//! Crash safety ([`intents`]): before each mutating call an intent (address, action, client
//! token) is recorded in the state; the result is committed and the intent cleared in one
//! transaction. [`reconcile`] settles intents a crash left behind.

#![allow(clippy::result_large_err)] // Diagnostic is the error of every step, as in plan.

mod complete;
mod intents;
mod order;
pub mod reconcile;
mod rules;
pub mod settle;
pub use rules::{attributes_for_rule, responsible_attribute};

use foldhash::{HashMap, HashMapExt};
use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;

use crate::addr::{Mode, ResourceAddress};
use crate::diag::Diagnostic;
use crate::eval::{InstanceVars, is_unknown};
use crate::plan::diff;
use crate::plan::evaluate::{self, EvalEnv};
use crate::plan::model::{Action, ResourceChange};
use crate::plan::planner::{Planned, op_context};
use crate::provider::{Attrs, Deleted, OpContext, Provider, ProviderError};
use crate::state::{Commit, Intent, OutputState, ResourceState, StateError, StateStore};
use crate::workspace::Workspace;
pub use order::{Node, Op};

/// What a transaction of [`Sink::commit_and_begin`] recorded: per change, the id of the
/// deposed-object intent it recorded, if any; per intent, its id.
pub type Recorded = (Vec<Option<i64>>, Vec<Option<i64>>);

/// Where apply records results.
pub trait Sink {
    fn put(&mut self, r: &ResourceState) -> Result<(), StateError>;
    fn remove(&mut self, addr: &ResourceAddress) -> Result<(), StateError>;
    fn set_outputs(&mut self, outputs: &[OutputState]) -> Result<(), StateError>;
    /// Records `intent` before its call; `None` when this sink keeps no intents (plan).
    fn begin(&mut self, _intent: &Intent) -> Result<Option<i64>, StateError> {
        Ok(None)
    }
    /// Clears intents whose call settled without a state change.
    fn end(&mut self, _intents: &[i64]) -> Result<(), StateError> {
        Ok(())
    }
    /// Records `r` and clears `intents` in one transaction (see [`StateStore::commit_put`]).
    fn commit_put(
        &mut self,
        r: &ResourceState,
        _intents: &[i64],
        _deposed: Option<&Intent>,
    ) -> Result<Option<i64>, StateError> {
        self.put(r).map(|()| None)
    }
    /// Forgets `addr` and clears `intents` in one transaction.
    fn commit_remove(
        &mut self,
        addr: &ResourceAddress,
        _intents: &[i64],
    ) -> Result<(), StateError> {
        self.remove(addr)
    }
    /// Records the intents of calls about to start together (see
    /// [`StateStore::record_intents`]): all or none.
    fn begin_many(&mut self, intents: &[Intent]) -> Result<Vec<Option<i64>>, StateError> {
        intents.iter().map(|i| self.begin(i)).collect()
    }
    /// Commits results that finished together (see [`StateStore::commit_batch`]): all or none.
    fn commit_many(&mut self, batch: &[Commit]) -> Result<Vec<Option<i64>>, StateError> {
        batch
            .iter()
            .map(|c| match c {
                Commit::Put {
                    record,
                    intents,
                    deposed,
                } => self.commit_put(record, intents, deposed.as_deref()),
                Commit::Remove { addr, intents } => {
                    self.commit_remove(addr, intents).map(|()| None)
                }
                Commit::Clear { intents } => self.end(intents).map(|()| None),
            })
            .collect()
    }
    /// Commits `batch` and records `intents` (of calls that start once it is committed)
    /// together (see [`StateStore::commit_and_record`]).
    fn commit_and_begin(
        &mut self,
        batch: &[Commit],
        intents: &[Intent],
    ) -> Result<Recorded, StateError> {
        Ok((self.commit_many(batch)?, self.begin_many(intents)?))
    }
}

impl<T: StateStore> Sink for T {
    fn put(&mut self, r: &ResourceState) -> Result<(), StateError> {
        StateStore::put(self, r)
    }
    fn remove(&mut self, addr: &ResourceAddress) -> Result<(), StateError> {
        StateStore::remove(self, addr)
    }
    fn set_outputs(&mut self, outputs: &[OutputState]) -> Result<(), StateError> {
        StateStore::set_outputs(self, outputs)
    }
    fn begin(&mut self, intent: &Intent) -> Result<Option<i64>, StateError> {
        self.record_intent(intent).map(Some)
    }
    fn end(&mut self, intents: &[i64]) -> Result<(), StateError> {
        intents.iter().try_for_each(|id| self.clear_intent(*id))
    }
    fn commit_put(
        &mut self,
        r: &ResourceState,
        intents: &[i64],
        deposed: Option<&Intent>,
    ) -> Result<Option<i64>, StateError> {
        StateStore::commit_put(self, r, intents, deposed)
    }
    fn commit_remove(&mut self, addr: &ResourceAddress, intents: &[i64]) -> Result<(), StateError> {
        StateStore::commit_remove(self, addr, intents)
    }
    fn begin_many(&mut self, intents: &[Intent]) -> Result<Vec<Option<i64>>, StateError> {
        Ok(self
            .record_intents(intents)?
            .into_iter()
            .map(Some)
            .collect())
    }
    fn commit_many(&mut self, batch: &[Commit]) -> Result<Vec<Option<i64>>, StateError> {
        self.commit_batch(batch)
    }
    fn commit_and_begin(
        &mut self,
        batch: &[Commit],
        intents: &[Intent],
    ) -> Result<Recorded, StateError> {
        let (saved, ids) = self.commit_and_record(batch, intents)?;
        Ok((saved, ids.into_iter().map(Some).collect()))
    }
}

/// Discards everything (the plan-time dry run).
pub struct NullSink;

impl Sink for NullSink {
    fn put(&mut self, _: &ResourceState) -> Result<(), StateError> {
        Ok(())
    }
    fn remove(&mut self, _: &ResourceAddress) -> Result<(), StateError> {
        Ok(())
    }
    fn set_outputs(&mut self, _: &[OutputState]) -> Result<(), StateError> {
        Ok(())
    }
}

#[derive(Debug, Clone)]
pub struct ApplyOptions {
    pub parallelism: usize,
    /// Stop starting new operations when this becomes true (first Ctrl-C).
    pub stop: Option<Arc<std::sync::atomic::AtomicBool>>,
    /// Told of each call as it starts and of each resource change as it is committed (the
    /// command line prints Terraform's progress lines from it).
    pub progress: Option<fn(Progress<'_>)>,
    /// A plan's rehearsal against a scratch copy of the cloud: only its failures matter, so a
    /// result keeps, for the expressions still to be evaluated, just the attributes the
    /// configuration reads (see [`settle::Needed`]), and no records are kept for a settle pass.
    /// A 10k plan held 37 MB of rehearsal results beside the planned values.
    pub rehearsal: bool,
}

/// What the walk reports while it runs.
#[derive(Debug, Clone, Copy)]
pub enum Progress<'a> {
    /// A provider call for this resource starts; the id of the object it works on ("" for a
    /// create).
    Started(&'a ResourceAddress, Op, &'a str),
    /// This resource change is committed to the state; the object's id (empty once deleted).
    Done(&'a ResourceAddress, Action, &'a str),
    /// The walk waits for calls to finish, or has ended: a reporter that holds lines back (one
    /// write per line was 2 syscalls per resource on the walk's thread) lets them out now.
    Waiting,
}

/// What an apply did.
#[derive(Debug, Default)]
pub struct Outcome {
    pub applied: Vec<(ResourceAddress, Action)>,
    /// The records this walk committed, as committed (for the settle pass after it).
    pub recorded: HashMap<ResourceAddress, ResourceState>,
    /// The new objects this walk read back before committing them ([`complete`]): the settle
    /// pass need not read them again.
    pub read_back: foldhash::HashSet<ResourceAddress>,
    pub failed: Vec<Diagnostic>,
    pub skipped: Vec<ResourceAddress>,
    pub warnings: Vec<String>,
    pub interrupted: bool,
    /// The values the walk ended with.
    #[cfg(test)]
    pub values: crate::plan::values::Values,
}

struct Job {
    node: usize,
    op: Op,
    rtype: String,
    ctx: OpContext,
    id: String,
    config: Attrs,
    prior: Arc<Attrs>,
    changed: Vec<String>,
    /// What the configuration reads of the resource: a create that leaves one of these unknown
    /// is completed by a read ([`settle::complete`]).
    wanted: Option<settle::Wanted>,
}

type JobResult = (usize, Result<Option<Attrs>, ProviderError>, Option<String>);

/// What the walk's thread receives: a call's result, or creates read back ([`complete`]).
enum Done {
    Call(JobResult),
    ReadBack(complete::ReadBack),
}

/// At most this many results are committed in one transaction.
const MAX_BATCH: usize = 64;

/// What [`apply`] reports of a finished node: the action applied, if any, or the failure.
type Reported = Result<Option<Action>, Diagnostic>;
/// Whether a call's intent was recorded (it may start) or the failure that keeps it from starting.
type Announced = Result<(), Diagnostic>;

/// What [`Walk::commit`] did: per finished node, what [`apply`] reports; the calls to start
/// next, as announced.
struct Committed {
    reported: Vec<(usize, Reported)>,
    next: Vec<(Job, Announced)>,
}

/// A finished call: settled already, or a change to commit and what it applies once committed.
enum Finished {
    Settled(Result<Option<Action>, Diagnostic>),
    Commit(Commit, Option<Action>),
}

/// Carries out `planned` through `provider`, recording into `sink`.
pub fn apply(
    ws: &Workspace,
    planned: &Planned,
    provider: &dyn Provider,
    sink: &mut dyn Sink,
    opts: &ApplyOptions,
) -> Outcome {
    walk(ws, planned, planned.values.clone(), provider, sink, opts)
}

/// [`apply`] for the last use of `planned`: the walk takes its values, and the planned
/// attributes of managed changes (rendered already; the walk reads them only for data
/// sources) are dropped, so that each planned value is freed once the walk replaces it with the
/// result instead of both living to the end (a 10k apply held 33 MB of planned values).
pub fn apply_last(
    ws: &Workspace,
    planned: &mut Planned,
    provider: &dyn Provider,
    sink: &mut dyn Sink,
    opts: &ApplyOptions,
) -> Outcome {
    let values = std::mem::take(&mut planned.values);
    for c in &mut planned.plan.changes {
        if c.addr.block.mode == Mode::Managed {
            c.after = None;
        }
    }
    walk(ws, planned, values, provider, sink, opts)
}

fn walk(
    ws: &Workspace,
    planned: &Planned,
    values: crate::plan::values::Values,
    provider: &dyn Provider,
    sink: &mut dyn Sink,
    opts: &ApplyOptions,
) -> Outcome {
    let graph = order::build(planned);
    let mut state = Walk::new(ws, planned, values, opts.rehearsal);
    let parallelism = opts.parallelism.max(1);
    let mut outcome = Outcome::default();
    // Objects deleted outside eipform and gone from the configuration leave the state now
    // (those still configured are planned as creates, which overwrite their records).
    for gone in planned.plan.drift.iter().filter(|d| d.after.is_none()) {
        if !planned.instances.contains_key(&gone.addr)
            && let Err(e) = sink.remove(&gone.addr)
        {
            outcome.failed.push(
                Diagnostic::error("Failed to save state")
                    .detail(e.to_string())
                    .address(gone.addr.to_string()),
            );
        }
    }
    std::thread::scope(|scope| {
        let (job_tx, job_rx) = mpsc::channel::<Job>();
        let job_rx = Arc::new(Mutex::new(job_rx));
        let (res_tx, res_rx) = mpsc::channel::<Done>();
        // One at a time (plan's rehearsal), each call runs on this thread: handing every
        // operation to a worker and back cost two thread wake-ups per operation.
        let inline = parallelism == 1;
        let mut finished_inline: Option<JobResult> = None;
        let workers = if inline {
            0
        } else {
            parallelism.min(graph.nodes.len().max(1))
        };
        for _ in 0..workers {
            let job_rx = Arc::clone(&job_rx);
            let res_tx = res_tx.clone();
            scope.spawn(move || {
                while let Some(job) = next_in(&job_rx) {
                    let (result, note) = run(provider, &job);
                    if res_tx.send(Done::Call((job.node, result, note))).is_err() {
                        break;
                    }
                }
            });
        }
        // Creates nothing depends on are read back in batches while the calls go on (not in a
        // rehearsal, which records nothing, nor one call at a time).
        let mut completing = complete::Completing::new(
            !inline && !opts.rehearsal,
            &graph,
            &planned.plan.changes,
            provider,
        );
        let (read_tx, read_rx) = mpsc::channel::<Vec<complete::HeldCreate>>();
        // As many readers as the settle pass would use, so slow reads do not queue.
        let readers = if completing.reading() {
            provider.read_threads(parallelism)
        } else {
            0
        };
        let read_rx = Arc::new(Mutex::new(read_rx));
        for _ in 0..readers {
            let (read_rx, res_tx) = (Arc::clone(&read_rx), res_tx.clone());
            scope.spawn(move || {
                while let Some(batch) = next_in(&read_rx) {
                    let read = complete::read_back(provider, batch);
                    if res_tx.send(Done::ReadBack(read)).is_err() {
                        break;
                    }
                }
            });
        }
        drop(read_rx);
        drop(res_tx);
        // Held creates read back, to commit with the next results.
        let mut read_back: Vec<(usize, Finished)> = Vec::new();
        let mut pending = Pending::new(&graph);
        let mut running = 0usize;
        // Results received and not yet committed. Ready work starts before they are committed:
        // it does not depend on them, and the calls then wait out their latency while this
        // thread commits (the nodes that do depend on them are released only by the commit).
        let mut held: Vec<JobResult> = Vec::new();
        // Calls whose intents are recorded, started as soon as a slot frees: their intents go
        // into the transaction that commits the results before them, so a finished call's slot
        // is refilled without waiting for a transaction (one at a time, none are kept).
        let mut announced: VecDeque<Job> = VecDeque::new();
        let ahead = if inline { 0 } else { parallelism };
        let start = |job: Job, running: &mut usize, finished_inline: &mut Option<JobResult>| {
            *running += 1;
            if let (Some(report), Some(addr)) = (opts.progress, graph.nodes[job.node].addr()) {
                report(Progress::Started(addr, job.op, &job.id));
            }
            if inline {
                let (result, note) = run(provider, &job);
                *finished_inline = Some((job.node, result, note));
            } else if job_tx.send(job).is_err() {
                *running -= 1;
            }
        };
        while pending.remaining > 0 || completing.busy() || !read_back.is_empty() {
            let stopping = opts
                .stop
                .as_ref()
                .is_some_and(|s| s.load(std::sync::atomic::Ordering::SeqCst));
            // One call at a time gains nothing from starting the next before committing.
            let may_start = !stopping && (held.is_empty() || !inline);
            // The calls of this round that need their intents recorded (together, before any
            // starts): a ready node that outranks every call announced ahead goes first.
            let mut starting: Vec<Job> = Vec::new();
            while may_start && running + starting.len() < parallelism {
                if announced
                    .front()
                    .is_some_and(|j| !pending.ready.outranks(j.node))
                {
                    let job = announced.pop_front().expect("a front was found");
                    start(job, &mut running, &mut finished_inline);
                    continue;
                }
                match pending.next_job(&graph, &mut state, &mut outcome) {
                    Some(job) => starting.push(job),
                    None if announced.is_empty() => break,
                    None => {}
                }
            }
            if !starting.is_empty() {
                let now = starting.len();
                while announced.len() + starting.len() - now < ahead {
                    match pending.next_job(&graph, &mut state, &mut outcome) {
                        Some(job) => starting.push(job),
                        None => break,
                    }
                }
                for (i, (job, announced_ok)) in state
                    .announce(&graph, starting, sink)
                    .into_iter()
                    .enumerate()
                {
                    match announced_ok {
                        Ok(()) if i < now => start(job, &mut running, &mut finished_inline),
                        Ok(()) => announced.push_back(job),
                        Err(d) => pending.fail(&graph, job.node, d, &mut outcome),
                    }
                }
            }
            if !held.is_empty() || !read_back.is_empty() {
                let results = std::mem::take(&mut held);
                pending.remaining -= results.len();
                let mut finished = Vec::with_capacity(results.len());
                for (n, result, note) in results {
                    pending.done[n] = true;
                    if let Some(w) = note {
                        outcome.warnings.push(w);
                    }
                    let f = state.finish(
                        n,
                        &graph.nodes[n],
                        result,
                        sink,
                        provider,
                        &mut outcome.warnings,
                    );
                    if let Some(f) = completing.hold(&graph, n, f, &read_tx) {
                        finished.push((n, f));
                    }
                }
                finished.append(&mut read_back);
                let mut next = Vec::new();
                while may_start && announced.len() + next.len() < ahead {
                    match pending.next_job(&graph, &mut state, &mut outcome) {
                        Some(job) => next.push(job),
                        None => break,
                    }
                }
                let committed = state.commit(&graph, finished, next, sink);
                for (job, announced_ok) in committed.next {
                    match announced_ok {
                        Ok(()) => announced.push_back(job),
                        Err(d) => pending.fail(&graph, job.node, d, &mut outcome),
                    }
                }
                // Dependents are released only once their dependencies' changes are committed.
                for (n, f) in committed.reported {
                    match f {
                        Ok(Some(action)) => {
                            if let Some(addr) = graph.nodes[n].addr() {
                                if let Some(report) = opts.progress {
                                    report(Progress::Done(addr, action, state.id_of(addr)));
                                }
                                outcome.applied.push((addr.clone(), action));
                            }
                            pending.release(&graph, n);
                        }
                        Ok(None) => pending.release(&graph, n),
                        Err(d) => {
                            outcome.failed.push(d);
                            pending.remaining -=
                                skip_dependents(&graph, n, &mut pending.done, &mut outcome.skipped);
                        }
                    }
                }
                continue;
            }
            if running == 0 {
                let idle = stopping || (pending.ready.is_empty() && announced.is_empty());
                if !idle {
                    continue;
                }
                // The calls are over: held creates short of a batch are committed as they are
                // (the settle pass reads them with the rest, in parallel: reading them here
                // first cost a round of reads under latency), and the walk waits for the
                // batches being read.
                if completing.unsent() {
                    read_back.extend(completing.take_unsent());
                    continue;
                }
                if !completing.awaited() {
                    outcome.interrupted = stopping;
                    for (n, d) in pending.done.iter().enumerate() {
                        if !d && let Some(addr) = graph.nodes[n].addr() {
                            outcome.skipped.push(addr.clone());
                        }
                    }
                    break;
                }
            }
            let first = match finished_inline.take() {
                Some(r) => Done::Call(r),
                None => match res_rx.try_recv() {
                    Ok(r) => r,
                    Err(_) => {
                        if let Some(report) = opts.progress {
                            report(Progress::Waiting);
                        }
                        match res_rx.recv() {
                            Ok(r) => r,
                            Err(_) => break,
                        }
                    }
                },
            };
            // The results already waiting are committed with it, in one transaction.
            let mut take = |done: Done, held: &mut Vec<JobResult>| match done {
                Done::Call(r) => held.push(r),
                Done::ReadBack(batch) => {
                    completing.answered();
                    for (n, f, read) in batch {
                        if let (true, Finished::Commit(Commit::Put { record, .. }, _)) = (read, &f)
                        {
                            outcome.read_back.insert(record.addr.clone());
                        }
                        read_back.push((n, f));
                    }
                }
            };
            take(first, &mut held);
            while held.len() < running.min(MAX_BATCH) {
                match res_rx.try_recv() {
                    Ok(done) => take(done, &mut held),
                    Err(_) => break,
                }
            }
            running -= held.len();
        }
        // Calls announced but never started (the walk stopped): their intents are cleared.
        let unstarted: Vec<i64> = announced
            .drain(..)
            .filter_map(|job| state.inflight.remove(&job.node).map(|(id, _)| id))
            .collect();
        if !unstarted.is_empty()
            && let Err(e) = sink.commit_many(&[Commit::Clear { intents: unstarted }])
        {
            outcome.warnings.push(format!(
                "Cannot clear the recorded intents of operations that never started ({e}); the next plan settles them."
            ));
        }
        drop(job_tx);
        drop(read_tx);
    });
    if let Some(report) = opts.progress {
        report(Progress::Waiting);
    }
    if outcome.failed.is_empty() && !outcome.interrupted {
        let outputs = state.outputs(&mut outcome.failed);
        if let Err(e) = sink.set_outputs(&outputs) {
            outcome
                .failed
                .push(Diagnostic::error("Failed to save outputs").detail(e.to_string()));
        }
    }
    outcome.skipped.sort();
    outcome.skipped.dedup();
    outcome.recorded = std::mem::take(&mut state.recorded);
    #[cfg(test)]
    {
        outcome.values = std::mem::take(&mut state.values);
    }
    outcome
}

/// The nodes whose dependencies are done: longest remaining chain first, then graph order.
struct Ready {
    heights: Vec<usize>,
    queue: BinaryHeap<(usize, Reverse<usize>)>,
}

impl Ready {
    fn push(&mut self, n: usize) {
        self.queue.push((self.heights[n], Reverse(n)));
    }

    fn pop(&mut self) -> Option<usize> {
        self.queue.pop().map(|(_, Reverse(n))| n)
    }

    fn is_empty(&self) -> bool {
        self.queue.is_empty()
    }
}

impl Ready {
    /// Whether a ready node is on a longer remaining chain than `n`.
    fn outranks(&self, n: usize) -> bool {
        self.queue
            .peek()
            .is_some_and(|(height, _)| *height > self.heights[n])
    }
}

/// The nodes not done yet: how many, which are ready, and how many dependencies each waits for.
struct Pending {
    indegree: Vec<usize>,
    ready: Ready,
    done: Vec<bool>,
    remaining: usize,
}

impl Pending {
    /// Every node of `graph` pending, those without dependencies ready.
    fn new(graph: &order::Graph) -> Self {
        let mut ready = Ready {
            heights: graph.heights(),
            queue: BinaryHeap::new(),
        };
        for n in (0..graph.nodes.len()).filter(|n| graph.deps[*n].is_empty()) {
            ready.push(n);
        }
        Pending {
            indegree: graph.deps.iter().map(Vec::len).collect(),
            ready,
            done: vec![false; graph.nodes.len()],
            remaining: graph.nodes.len(),
        }
    }

    /// Makes ready the dependents of `n` that waited only for it.
    fn release(&mut self, graph: &order::Graph, n: usize) {
        for &d in &graph.dependents[n] {
            self.indegree[d] -= 1;
            if self.indegree[d] == 0 {
                self.ready.push(d);
            }
        }
    }

    /// Fails `n` with `d`, and skips everything downstream of it.
    fn fail(&mut self, graph: &order::Graph, n: usize, d: Diagnostic, outcome: &mut Outcome) {
        self.remaining -= 1;
        self.done[n] = true;
        outcome.failed.push(d);
        self.remaining -= skip_dependents(graph, n, &mut self.done, &mut outcome.skipped);
    }

    /// The call of the next ready node, prepared. A node with nothing to call finishes at
    /// once, and one that cannot be prepared fails; `None` when nothing is ready.
    fn next_job(
        &mut self,
        graph: &order::Graph,
        state: &mut Walk<'_>,
        outcome: &mut Outcome,
    ) -> Option<Job> {
        while let Some(n) = self.ready.pop() {
            match state.prepare(&graph.nodes[n], n) {
                Ok(Some(job)) => return Some(job),
                Ok(None) => {
                    self.remaining -= 1;
                    self.done[n] = true;
                    self.release(graph, n);
                }
                Err(d) => self.fail(graph, n, d, outcome),
            }
        }
        None
    }
}

/// Marks everything downstream of `n` as skipped; returns how many nodes that settled.
fn skip_dependents(
    graph: &order::Graph,
    n: usize,
    done: &mut [bool],
    skipped: &mut Vec<ResourceAddress>,
) -> usize {
    let mut count = 0;
    let mut stack: Vec<usize> = graph.dependents[n].clone();
    while let Some(d) = stack.pop() {
        if done[d] {
            continue;
        }
        done[d] = true;
        count += 1;
        if let Some(a) = graph.nodes[d].addr() {
            skipped.push(a.clone());
        }
        stack.extend(graph.dependents[d].iter().copied());
    }
    count
}

/// Records `all` in one transaction, or each on its own should that fail.
fn begin_each(sink: &mut dyn Sink, all: &[Intent]) -> Vec<Result<Option<i64>, StateError>> {
    match sink.begin_many(all) {
        Ok(ids) if ids.len() == all.len() => ids.into_iter().map(Ok).collect(),
        _ => all.iter().map(|i| sink.begin(i)).collect(),
    }
}

/// Commits `batch` in one transaction, or each change on its own should that fail.
fn commit_each(sink: &mut dyn Sink, batch: &[Commit]) -> Vec<Result<Option<i64>, StateError>> {
    match sink.commit_many(batch) {
        Ok(ids) if ids.len() == batch.len() => ids.into_iter().map(Ok).collect(),
        _ => batch
            .iter()
            .map(|c| {
                sink.commit_many(std::slice::from_ref(c))
                    .map(|ids| ids.into_iter().next().flatten())
            })
            .collect(),
    }
}

/// The next item of a queue that threads share; `None` once every sender is gone.
fn next_in<T>(queue: &Mutex<mpsc::Receiver<T>>) -> Option<T> {
    let rx = queue.lock().unwrap_or_else(|p| p.into_inner());
    rx.recv().ok()
}

/// Runs one provider call (on a worker thread).
fn run(
    provider: &dyn Provider,
    job: &Job,
) -> (Result<Option<Attrs>, ProviderError>, Option<String>) {
    match job.op {
        Op::Create => (
            provider.create(&job.ctx, &job.rtype, &job.config).map(|a| {
                let wanted = job.wanted.as_ref();
                Some(settle::complete(provider, &job.ctx, &job.rtype, a, wanted))
            }),
            None,
        ),
        Op::Update => (
            provider
                .update(
                    &job.ctx,
                    &job.rtype,
                    &job.id,
                    &job.prior,
                    &job.config,
                    &job.changed,
                )
                .map(Some),
            None,
        ),
        Op::Delete => match provider.delete(&job.ctx, &job.rtype, &job.id, &job.prior) {
            Ok(Deleted::Released) => (Ok(None), None),
            Ok(Deleted::Abandoned(msg)) => (Ok(None), Some(msg)),
            Err(e) => (Err(e), None),
        },
        Op::Read => (
            provider
                .read_data(&job.ctx, &job.rtype, &job.config)
                .map(Some),
            None,
        ),
    }
}

/// The walk's own state: values known so far, re-evaluated locals.
struct Walk<'a> {
    ws: &'a Workspace,
    planned: &'a Planned,
    values: crate::plan::values::Values,
    locals: HashMap<String, Value>,
    module_path: String,
    /// The intent recorded for each node in flight, with the call's context (client token).
    inflight: HashMap<usize, (i64, OpContext)>,
    /// The deposed-object intents of create-before-destroy replaces, by address.
    deposed: HashMap<ResourceAddress, i64>,
    /// The attributes of each resource block the configuration reads.
    needed: settle::Needed,
    /// The records committed so far, by address (none in a rehearsal).
    recorded: HashMap<ResourceAddress, ResourceState>,
    rehearsal: bool,
    /// The locals still unknown, in evaluation order (kept as a list: scanning every local's
    /// value before each operation made a walk quadratic in the size of `for_each` maps).
    unknown_locals: Vec<String>,
}

impl<'a> Walk<'a> {
    fn new(
        ws: &'a Workspace,
        planned: &'a Planned,
        values: crate::plan::values::Values,
        rehearsal: bool,
    ) -> Walk<'a> {
        Walk {
            ws,
            planned,
            values,
            locals: planned.locals.clone(),
            module_path: ws.dir.to_string_lossy().to_string(),
            inflight: HashMap::new(),
            deposed: HashMap::new(),
            needed: settle::Needed::of(&ws.config),
            // Sized once: growing the table copies it, and the old and new tables of 50,000
            // records together were a walk's peak.
            recorded: if rehearsal {
                HashMap::new()
            } else {
                HashMap::with_capacity(planned.plan.changes.len())
            },
            rehearsal,
            unknown_locals: ws
                .graph
                .order
                .iter()
                .filter_map(|node| match node {
                    crate::graph::Node::Local(name)
                        if planned.locals.get(name).is_some_and(is_unknown) =>
                    {
                        Some(name.clone())
                    }
                    _ => None,
                })
                .collect(),
        }
    }

    /// The id of the object `addr` as last recorded ("" when there is none).
    fn id_of(&self, addr: &ResourceAddress) -> &str {
        self.values
            .get(&addr.block, &addr.key)
            .and_then(|a| a.get("id"))
            .and_then(Value::as_str)
            .unwrap_or_default()
    }

    fn change(&self, node: &Node) -> Option<&'a ResourceChange> {
        node.change().map(|i| &self.planned.plan.changes[i])
    }

    /// Locals that were unknown at plan time, evaluated again with what is known now.
    fn refresh_locals(&mut self) {
        if self.unknown_locals.is_empty() {
            return;
        }
        for name in std::mem::take(&mut self.unknown_locals) {
            let env = EvalEnv {
                vars: &self.ws.vars,
                locals: &self.locals,
                values: &self.values,
                module_path: &self.module_path,
            };
            if let Ok(v) = env.eval(&self.ws.config.locals[&name], &InstanceVars::default()) {
                self.locals.insert(name.clone(), v);
            }
            if self.locals.get(&name).is_some_and(is_unknown) {
                self.unknown_locals.push(name);
            }
        }
    }

    fn timeout(&self, addr: &ResourceAddress, schema_type: &str, op: Op) -> Duration {
        let block = self
            .planned
            .instances
            .get(addr)
            .map(|i| &self.ws.config.resources[i.block]);
        let key = match op {
            Op::Create | Op::Read => "create",
            Op::Update => "update",
            Op::Delete => "delete",
        };
        let configured = block
            .and_then(|b| b.timeouts.as_ref())
            .and_then(|t| t.attrs.get(key))
            .and_then(|a| crate::config::literal(&a.expr))
            .and_then(|s| humantime::parse_duration(&s).ok());
        configured.unwrap_or_else(|| {
            crate::schema::resource(schema_type)
                .map(|s| match op {
                    Op::Create | Op::Read => s.timeouts.create,
                    Op::Update => s.timeouts.update,
                    Op::Delete => s.timeouts.delete,
                })
                .unwrap_or(Duration::from_secs(600))
        })
    }

    /// Builds the provider call of a node, evaluating its configuration with current values.
    fn prepare(&mut self, node: &Node, n: usize) -> Result<Option<Job>, Diagnostic> {
        let Some(change) = self.change(node) else {
            return Ok(None);
        };
        let op = node.op().unwrap_or(Op::Create);
        let prior = change.before.clone().unwrap_or_default();
        let id = prior
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let mut ctx = op_context(
            &change.region,
            self.timeout(&change.addr, &change.schema_type, op),
        );
        ctx.client_token = Some(crate::host::new_client_token());
        // A rehearsal keeps of a result only what the configuration reads.
        ctx.outcome_only = self.rehearsal && self.needed.reads_only_id(&change.addr.block);
        let mut job = Job {
            node: n,
            op,
            rtype: change.schema_type.to_string(),
            ctx,
            id,
            config: Attrs::new(),
            prior,
            changed: Vec::new(),
            wanted: self.needed.of_block(&change.addr.block).cloned(),
        };
        if op == Op::Delete {
            return Ok(Some(job));
        }
        let inst = &self.planned.instances[&change.addr];
        let block = &self.ws.config.resources[inst.block];
        let config = match &inst.known_config {
            Some(known) => Attrs::clone(known),
            None => {
                self.refresh_locals();
                let env = EvalEnv {
                    vars: &self.ws.vars,
                    locals: &self.locals,
                    values: &self.values,
                    module_path: &self.module_path,
                };
                evaluate::instance_config(&env, block, &inst.vars).map_err(|mut d| d.remove(0))?
            }
        };
        if let Some((k, _)) = config.iter().find(|(_, v)| is_unknown(v)) {
            return Err(
                Diagnostic::error("Provider produced inconsistent final plan")
                    .detail(format!(
                        "The value of \"{k}\" is still unknown after its dependencies were applied."
                    ))
                    .at(Some(block.range.clone()), "here")
                    .address(change.addr.to_string()),
            );
        }
        if op == Op::Update {
            let schema = crate::schema::resource(&change.schema_type);
            if let Some(s) = schema {
                job.changed =
                    diff::diff(s, &job.prior, &config, &block.lifecycle.ignore_changes).changed;
            }
        }
        job.config = config;
        Ok(Some(job))
    }

    /// Records the intents of the mutating calls in `jobs` in the sink, in one transaction,
    /// before any of the calls is made. Should that transaction fail, each intent is tried on
    /// its own, so one that cannot be recorded fails only its own call.
    fn announce(
        &mut self,
        graph: &order::Graph,
        jobs: Vec<Job>,
        sink: &mut dyn Sink,
    ) -> Vec<(Job, Result<(), Diagnostic>)> {
        let (with_intent, all) = self.intents_of(graph, &jobs);
        let ids = if all.is_empty() {
            Vec::new()
        } else {
            begin_each(sink, &all)
        };
        self.announced(jobs, &with_intent, &all, ids)
    }

    /// The intents of the mutating calls in `jobs`, with the index of each one's job.
    fn intents_of(&self, graph: &order::Graph, jobs: &[Job]) -> (Vec<usize>, Vec<Intent>) {
        let command = if self.planned.plan.mode == crate::plan::model::PlanMode::Destroy {
            "destroy"
        } else {
            "apply"
        };
        let mut with_intent: Vec<usize> = Vec::new();
        let mut all: Vec<Intent> = Vec::new();
        for (i, job) in jobs.iter().enumerate() {
            let node = &graph.nodes[job.node];
            if let Some(change) = self.change(node) {
                let token = job.ctx.client_token.as_deref().unwrap_or_default();
                if let Some(intent) =
                    intents::intent_for(self.planned, node, change, token, command)
                {
                    with_intent.push(i);
                    all.push(intent);
                }
            }
        }
        (with_intent, all)
    }

    /// Takes in the ids the sink gave the intents of `jobs` ([`Self::intents_of`]): a job whose
    /// intent could not be recorded fails.
    fn announced(
        &mut self,
        jobs: Vec<Job>,
        with_intent: &[usize],
        all: &[Intent],
        ids: Vec<Result<Option<i64>, StateError>>,
    ) -> Vec<(Job, Result<(), Diagnostic>)> {
        let mut outcome: Vec<Result<(), Diagnostic>> = jobs.iter().map(|_| Ok(())).collect();
        for ((i, intent), id) in with_intent.iter().zip(all).zip(ids) {
            let job = &jobs[*i];
            match id {
                Ok(Some(id)) => {
                    self.inflight.insert(job.node, (id, job.ctx.clone()));
                }
                Ok(None) => {}
                Err(e) => {
                    outcome[*i] = Err(Diagnostic::error("Failed to save state")
                        .detail(format!(
                            "Cannot record the {} of {} before making the call: {e}",
                            intent.action.as_str(),
                            intent.addr
                        ))
                        .address(intent.addr.to_string()));
                }
            }
        }
        jobs.into_iter().zip(outcome).collect()
    }

    /// A failed create may still have made its object (a later call of the create failed): find
    /// it by client token and record it, so that it is not orphaned. Otherwise clear the intent.
    fn settle_failed(
        &self,
        change: &ResourceChange,
        op: Op,
        inflight: Option<(i64, OpContext)>,
        sink: &mut dyn Sink,
        provider: &dyn Provider,
        warnings: &mut Vec<String>,
    ) {
        let Some((id, ctx)) = inflight else { return };
        if op == Op::Create
            && let Some(token) = &ctx.client_token
        {
            match provider.find_by_token(&ctx, &change.schema_type, token) {
                Ok(Some(attrs)) => {
                    let record = self.record(change, attrs);
                    match sink.commit_put(&record, &[id], None) {
                        Ok(_) => warnings.push(format!(
                            "{}: the create failed after the object {} was made; it is recorded in the state (the next plan shows what still differs).",
                            change.addr, record.id
                        )),
                        Err(e) => warnings.push(format!("{}: cannot record the object the failed create made: {e}", change.addr)),
                    }
                    return;
                }
                Ok(None) => {}
                // The intent stays; the next command reconciles it.
                Err(_) => return,
            }
        }
        let _ = sink.end(&[id]);
    }

    /// The state record of `change`'s object with `attrs`.
    fn record(&self, change: &ResourceChange, attrs: Attrs) -> ResourceState {
        let (provider, region, deps) = match self.planned.instances.get(&change.addr) {
            Some(inst) => (
                inst.provider.clone(),
                inst.region.clone(),
                inst.deps
                    .iter()
                    .filter(|d| d.block.mode == Mode::Managed)
                    .cloned()
                    .collect(),
            ),
            None => ("alicloud".into(), change.region.clone(), Vec::new()),
        };
        ResourceState {
            addr: change.addr.clone(),
            schema_type: change.schema_type.clone(),
            provider,
            region,
            id: attrs
                .get("id")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
            attrs: Arc::new(attrs),
            deps,
            create_before_destroy: change.action == Action::CreateThenDelete,
            sensitive: change.sensitive.clone(),
            read: None,
        }
    }

    /// Takes in a finished call: a failure is settled at once; a success becomes the change to
    /// commit ([`Self::commit`]).
    fn finish(
        &mut self,
        n: usize,
        node: &Node,
        result: Result<Option<Attrs>, ProviderError>,
        sink: &mut dyn Sink,
        provider: &dyn Provider,
        warnings: &mut Vec<String>,
    ) -> Finished {
        let Some(change) = self.change(node) else {
            return Finished::Settled(Ok(None));
        };
        let op = node.op().unwrap_or(Op::Create);
        let inflight = self.inflight.remove(&n);
        let attrs = match result {
            Ok(a) => a,
            Err(e) => {
                self.settle_failed(change, op, inflight, sink, provider, warnings);
                let block = self
                    .planned
                    .instances
                    .get(&change.addr)
                    .map(|i| &self.ws.config.resources[i.block]);
                return Finished::Settled(Err(rules::diagnostic(
                    &change.addr,
                    change,
                    block,
                    op,
                    &e,
                )));
            }
        };
        let ids: Vec<i64> = inflight.iter().map(|(id, _)| *id).collect();
        let clear = |intents: Vec<i64>, action: Option<Action>| {
            if intents.is_empty() {
                Finished::Settled(Ok(action))
            } else {
                Finished::Commit(Commit::Clear { intents }, action)
            }
        };
        match (op, attrs) {
            (Op::Delete, _) => match change.action {
                // A replace's create commits the new object; only a plain delete forgets it.
                Action::Delete | Action::DeleteThenCreate => Finished::Commit(
                    Commit::Remove {
                        addr: change.addr.clone(),
                        intents: ids,
                    },
                    (change.action == Action::Delete).then_some(Action::Delete),
                ),
                Action::CreateThenDelete => {
                    let mut done = ids;
                    done.extend(self.deposed.remove(&change.addr));
                    clear(done, None)
                }
                _ => Finished::Settled(Ok(None)),
            },
            (Op::Read, Some(mut attrs)) => {
                for (k, v) in change.after.iter().flat_map(|a| a.iter()) {
                    if !is_unknown(v) {
                        attrs.get_or_insert_with(k, || v.clone());
                    }
                }
                self.values
                    .set(&change.addr.block, change.addr.key.clone(), Arc::new(attrs));
                Finished::Settled(Ok(None))
            }
            (_, Some(attrs)) => {
                let record = self.record(change, attrs);
                let deposed = if op == Op::Create {
                    let command = if self.planned.plan.mode == crate::plan::model::PlanMode::Destroy
                    {
                        "destroy"
                    } else {
                        "apply"
                    };
                    intents::deposed(change, self.planned.prior.get(&change.addr), command)
                } else {
                    None
                };
                Finished::Commit(
                    Commit::Put {
                        record: Box::new(record),
                        intents: ids,
                        deposed: deposed.map(Box::new),
                    },
                    Some(change.action),
                )
            }
            (_, None) => clear(ids, None),
        }
    }

    /// Commits the changes of calls that finished together in one transaction (each on its own
    /// should that fail, so one change that cannot be saved fails only its own resource), then
    /// takes in what they applied. The intents of `next` (calls that start after these) are
    /// recorded in the same transaction ([`Self::announce`] when that fails). Returns, per
    /// finished node, what [`apply`] reports, and the calls of `next` as announced.
    fn commit(
        &mut self,
        graph: &order::Graph,
        finished: Vec<(usize, Finished)>,
        next: Vec<Job>,
        sink: &mut dyn Sink,
    ) -> Committed {
        let mut batch: Vec<Commit> = Vec::new();
        let mut out: Vec<(usize, Reported)> = Vec::new();
        let mut pending: Vec<(usize, usize, Option<Action>)> = Vec::new();
        for (n, f) in finished {
            match f {
                Finished::Settled(r) => out.push((n, r)),
                Finished::Commit(c, action) => {
                    pending.push((out.len(), n, action));
                    out.push((n, Ok(None)));
                    batch.push(c);
                }
            }
        }
        let (with_intent, all) = self.intents_of(graph, &next);
        let (saved, ids) = match (batch.is_empty(), all.is_empty()) {
            (true, true) => (Vec::new(), Vec::new()),
            (false, true) => (commit_each(sink, &batch), Vec::new()),
            (true, false) => (Vec::new(), begin_each(sink, &all)),
            (false, false) => match sink.commit_and_begin(&batch, &all) {
                Ok((saved, ids)) if saved.len() == batch.len() && ids.len() == all.len() => (
                    saved.into_iter().map(Ok).collect(),
                    ids.into_iter().map(Ok).collect(),
                ),
                _ => (commit_each(sink, &batch), begin_each(sink, &all)),
            },
        };
        for (((slot, n, action), c), saved) in pending.into_iter().zip(batch).zip(saved) {
            out[slot].1 = self.committed(&graph.nodes[n], c, action, saved);
        }
        Committed {
            reported: out,
            next: self.announced(next, &with_intent, &all, ids),
        }
    }

    /// Takes in one committed change (or the error that kept it from being saved).
    fn committed(
        &mut self,
        node: &Node,
        commit: Commit,
        action: Option<Action>,
        saved: Result<Option<i64>, StateError>,
    ) -> Result<Option<Action>, Diagnostic> {
        let Some(change) = self.change(node) else {
            return Ok(action);
        };
        let deposed_id = saved.map_err(|e| {
            Diagnostic::error("Failed to save state")
                .detail(e.to_string())
                .address(change.addr.to_string())
        })?;
        let record = match commit {
            Commit::Put { record, .. } => record,
            Commit::Remove { addr, .. } => {
                self.recorded.remove(&addr);
                return Ok(action);
            }
            Commit::Clear { .. } => return Ok(action),
        };
        if let Some(id) = deposed_id {
            self.deposed.insert(change.addr.clone(), id);
        }
        let value = if self.rehearsal {
            Arc::new(self.needed.read_of(&change.addr.block, &record.attrs))
        } else {
            record.attrs.clone()
        };
        self.values
            .set(&change.addr.block, change.addr.key.clone(), value);
        let block = self
            .planned
            .instances
            .get(&change.addr)
            .map(|i| (&self.ws.config.resources[i.block], i));
        if let Some((b, inst)) = block
            && !b.lifecycle.postconditions.is_empty()
        {
            // Postconditions that needed values known only now (crate::plan::conditions).
            let env = EvalEnv {
                vars: &self.ws.vars,
                locals: &self.locals,
                values: &self.values,
                module_path: &self.module_path,
            };
            let failed = crate::plan::conditions::after_apply(
                &env,
                b,
                &inst.vars,
                &Value::Object(record.attrs.to_map()),
                &change.addr.to_string(),
            );
            if let Some(d) = failed.into_iter().next() {
                self.keep(*record);
                return Err(d);
            }
        }
        self.keep(*record);
        Ok(action)
    }

    fn keep(&mut self, record: ResourceState) {
        if !self.rehearsal {
            self.recorded.insert(record.addr.clone(), record);
        }
    }

    /// The root outputs with final values.
    fn outputs(&self, diags: &mut Vec<Diagnostic>) -> Vec<OutputState> {
        let env = EvalEnv {
            vars: &self.ws.vars,
            locals: &self.locals,
            values: &self.values,
            module_path: &self.module_path,
        };
        if self.planned.plan.mode == crate::plan::model::PlanMode::Destroy {
            return Vec::new();
        }
        let mut out = Vec::new();
        for (name, o) in &self.ws.config.outputs {
            let Some(v) = &o.value else { continue };
            match env.eval(v, &InstanceVars::default()) {
                Ok(value) => out.push(OutputState {
                    name: name.clone(),
                    value,
                    sensitive: o.sensitive,
                }),
                Err(d) => diags.push(d),
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use foldhash::{HashSet, HashSetExt};
    use serde_json::json;

    use super::*;
    use crate::plan::model::PlanMode;
    use crate::plan::planner::{self, PlanOptions};
    use crate::provider::alicloud::AlicloudProvider;
    use crate::state::sqlite::SqliteState;
    use crate::workspace::{self, VarArgs};

    /// Writes `config` after the alicloud provider (cn-hangzhou) to `dir/main.tf` and loads it.
    pub(crate) fn workspace_with(dir: &std::path::Path, config: &str) -> workspace::Workspace {
        let text = format!("provider \"alicloud\" {{\n  region = \"cn-hangzhou\"\n}}\n{config}");
        std::fs::write(dir.join("main.tf"), text).unwrap();
        workspace::load(dir, &VarArgs::default()).unwrap_or_else(|(d, _)| panic!("{d:?}"))
    }

    /// A normal plan of `ws` from `state`, refreshed through `provider` one read at a time.
    pub(crate) fn plan_from(
        ws: &workspace::Workspace,
        state: &SqliteState,
        provider: &dyn Provider,
    ) -> Planned {
        planner::plan(
            ws,
            &state.meta().unwrap(),
            state.resources().unwrap(),
            &state.outputs().unwrap(),
            provider,
            PlanOptions {
                mode: PlanMode::Normal,
                refresh: true,
                parallelism: 1,
            },
        )
        .unwrap()
    }

    /// Records into a [`SqliteState`] and checks, whenever intents are recorded (before their
    /// calls start), that the changes of every dependency of a create are already committed.
    /// Logs each transaction; with `stop`, raises it (as a first Ctrl-C would) once a result is
    /// committed.
    struct Checking<'a> {
        inner: &'a mut SqliteState,
        committed: HashSet<ResourceAddress>,
        violations: Vec<String>,
        largest_begin: usize,
        largest_commit: usize,
        log: Vec<String>,
        stop: Option<Arc<std::sync::atomic::AtomicBool>>,
    }

    impl<'a> Checking<'a> {
        fn new(
            inner: &'a mut SqliteState,
            stop: Option<Arc<std::sync::atomic::AtomicBool>>,
        ) -> Self {
            Checking {
                inner,
                committed: HashSet::new(),
                violations: Vec::new(),
                largest_begin: 0,
                largest_commit: 0,
                log: Vec::new(),
                stop,
            }
        }

        fn check(&mut self, intents: &[Intent]) {
            self.largest_begin = self.largest_begin.max(intents.len());
            for i in intents {
                for d in &i.deps {
                    if !self.committed.contains(d) {
                        self.violations
                            .push(format!("{} started before {d} was committed", i.addr));
                    }
                }
            }
        }

        fn committed(&mut self, batch: &[Commit]) {
            self.largest_commit = self.largest_commit.max(batch.len());
            for c in batch {
                if let Commit::Put { record, .. } = c {
                    self.committed.insert(record.addr.clone());
                    if let Some(stop) = &self.stop {
                        stop.store(true, std::sync::atomic::Ordering::SeqCst);
                    }
                }
            }
        }
    }

    impl Sink for Checking<'_> {
        fn put(&mut self, r: &ResourceState) -> Result<(), StateError> {
            StateStore::put(self.inner, r)
        }
        fn remove(&mut self, addr: &ResourceAddress) -> Result<(), StateError> {
            StateStore::remove(self.inner, addr)
        }
        fn set_outputs(&mut self, outputs: &[OutputState]) -> Result<(), StateError> {
            StateStore::set_outputs(self.inner, outputs)
        }
        fn begin(&mut self, intent: &Intent) -> Result<Option<i64>, StateError> {
            self.check(std::slice::from_ref(intent));
            self.log.push("begin 1".to_string());
            Sink::begin(self.inner, intent)
        }
        fn end(&mut self, intents: &[i64]) -> Result<(), StateError> {
            Sink::end(self.inner, intents)
        }
        fn begin_many(&mut self, intents: &[Intent]) -> Result<Vec<Option<i64>>, StateError> {
            self.check(intents);
            self.log.push(format!("begin {}", intents.len()));
            Sink::begin_many(self.inner, intents)
        }
        fn commit_many(&mut self, batch: &[Commit]) -> Result<Vec<Option<i64>>, StateError> {
            let cleared: Option<usize> = batch
                .iter()
                .map(|c| match c {
                    Commit::Clear { intents } => Some(intents.len()),
                    _ => None,
                })
                .sum();
            self.log.push(match cleared {
                Some(n) => format!("clear {n}"),
                None => format!("commit {}", batch.len()),
            });
            let out = Sink::commit_many(self.inner, batch)?;
            self.committed(batch);
            Ok(out)
        }
        fn commit_and_begin(
            &mut self,
            batch: &[Commit],
            intents: &[Intent],
        ) -> Result<Recorded, StateError> {
            self.log
                .push(format!("commit {} begin {}", batch.len(), intents.len()));
            let out = Sink::commit_and_begin(self.inner, batch, intents)?;
            // The results are committed before the intents in the one transaction.
            self.committed(batch);
            self.check(intents);
            Ok(out)
        }
    }

    /// A VPC and its vSwitch; 8 EIPs, and 4 whose descriptions read the first ones' addresses.
    const EIPS_AFTER_EIPS: &str = r#"
resource "alicloud_vpc" "v" {
  cidr_block = "10.0.0.0/16"
}
resource "alicloud_vswitch" "s" {
  vpc_id     = alicloud_vpc.v.id
  cidr_block = "10.0.1.0/24"
  zone_id    = "cn-hangzhou-i"
}
resource "alicloud_eip_address" "e" {
  count        = 8
  payment_type = "PayAsYouGo"
}
resource "alicloud_eip_address" "tagged" {
  count        = 4
  payment_type = "PayAsYouGo"
  description  = "after ${alicloud_eip_address.e[count.index].ip_address}"
}
"#;

    #[test]
    fn a_change_that_cannot_be_saved_fails_alone_and_dependents_wait_for_commits() {
        let dir = tempfile::tempdir().unwrap();
        let ws = workspace_with(dir.path(), EIPS_AFTER_EIPS);
        let mut state = ws.open_state().unwrap();
        // The store refuses the VPC's record (as a full disk would).
        state
            .connection()
            .execute_batch(
                "CREATE TEMP TRIGGER refuse BEFORE INSERT ON resources
                 WHEN NEW.address = 'alicloud_vpc.v'
                 BEGIN SELECT RAISE(ABORT, 'disk full'); END;",
            )
            .unwrap();
        let provider = AlicloudProvider::new(ws.cloud().unwrap());
        let planned = plan_from(&ws, &state, &provider);
        let mut sink = Checking::new(&mut state, None);
        let outcome = apply(
            &ws,
            &planned,
            &provider,
            &mut sink,
            &ApplyOptions {
                progress: None,
                parallelism: 10,
                stop: None,
                rehearsal: false,
            },
        );
        assert!(sink.violations.is_empty(), "{:?}", sink.violations);
        assert!(
            sink.largest_begin >= 9,
            "the nine independent creates were announced in one transaction: {}",
            sink.largest_begin
        );
        let largest_commit = sink.largest_commit;
        let failed: Vec<(String, Option<String>)> = outcome
            .failed
            .iter()
            .map(|d| (d.summary.clone(), d.address.clone()))
            .collect();
        assert_eq!(
            failed,
            [(
                "Failed to save state".to_string(),
                Some("alicloud_vpc.v".to_string())
            )]
        );
        assert!(outcome.failed[0].detail.contains("disk full"));
        assert_eq!(
            outcome.skipped,
            ["alicloud_vswitch.s".parse::<ResourceAddress>().unwrap()]
        );
        // Everything else was recorded, each with its intent cleared; the VPC's intent stays
        // for reconciliation (its object exists in the cloud but not in the state).
        let mut addrs: Vec<String> = state
            .resources()
            .unwrap()
            .iter()
            .map(|r| r.addr.to_string())
            .collect();
        addrs.sort();
        assert_eq!(
            addrs.len(),
            12,
            "{addrs:?} (largest batch {largest_commit})"
        );
        assert!(addrs.iter().all(|a| a.starts_with("alicloud_eip_address.")));
        let left: Vec<String> = state
            .intents()
            .unwrap()
            .iter()
            .map(|i| format!("{} {}", i.action.as_str(), i.addr))
            .collect();
        assert_eq!(left, ["create alicloud_vpc.v"]);
        let h = state.history().unwrap();
        assert_eq!((h.len(), h[0].added), (1, 12));
    }

    /// 18 pay-as-you-go EIPs (the simulated account's quota is 20).
    const EIGHTEEN_EIPS: &str = r#"
resource "alicloud_eip_address" "e" {
  count        = 18
  payment_type = "PayAsYouGo"
}
"#;

    fn walk_with(
        parallelism: usize,
        stop: Option<Arc<std::sync::atomic::AtomicBool>>,
    ) -> ApplyOptions {
        ApplyOptions {
            progress: None,
            parallelism,
            stop,
            rehearsal: false,
        }
    }

    /// The number of intents the log says were recorded.
    fn recorded_intents(log: &[String]) -> usize {
        log.iter()
            .filter_map(|l| {
                l.rsplit_once("begin ")
                    .map(|(_, n)| n.parse::<usize>().unwrap())
            })
            .sum()
    }

    /// [`EIGHTEEN_EIPS`] in `dir`: the workspace, its state, the provider and the plan.
    fn eighteen_eips(
        dir: &std::path::Path,
    ) -> (workspace::Workspace, SqliteState, AlicloudProvider, Planned) {
        planned_in(workspace_with(dir, EIGHTEEN_EIPS))
    }

    /// `ws` with its state, its provider and its plan.
    fn planned_in(
        ws: workspace::Workspace,
    ) -> (workspace::Workspace, SqliteState, AlicloudProvider, Planned) {
        let state = ws.open_state().unwrap();
        let provider = AlicloudProvider::new(ws.cloud().unwrap());
        let planned = plan_from(&ws, &state, &provider);
        (ws, state, provider, planned)
    }

    #[test]
    fn after_the_first_round_calls_start_with_intents_recorded_in_the_commit_before_them() {
        let dir = tempfile::tempdir().unwrap();
        let (ws, mut state, provider, planned) = eighteen_eips(dir.path());
        let mut sink = Checking::new(&mut state, None);
        let outcome = apply(&ws, &planned, &provider, &mut sink, &walk_with(4, None));
        assert!(sink.violations.is_empty(), "{:?}", sink.violations);
        let log = sink.log;
        assert!(outcome.failed.is_empty(), "{:?}", outcome.failed);
        assert_eq!(outcome.applied.len(), 18);
        // The first round records the intents of its 4 calls and of the 4 that start next;
        // every later intent goes into a commit's transaction.
        assert_eq!(log[0], "begin 8", "{log:?}");
        assert!(log[1..].iter().all(|l| l.starts_with("commit ")), "{log:?}");
        assert_eq!(recorded_intents(&log), 18, "{log:?}");
        assert_eq!(state.resources().unwrap().len(), 18);
        assert!(state.intents().unwrap().is_empty());
    }

    #[test]
    fn an_interrupted_walk_clears_the_intents_of_calls_it_announced_and_never_started() {
        let dir = tempfile::tempdir().unwrap();
        let (ws, mut state, provider, planned) = eighteen_eips(dir.path());
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let mut sink = Checking::new(&mut state, Some(stop.clone()));
        let outcome = apply(
            &ws,
            &planned,
            &provider,
            &mut sink,
            &walk_with(2, Some(stop)),
        );
        let log = sink.log;
        assert!(outcome.interrupted);
        assert!(outcome.failed.is_empty(), "{:?}", outcome.failed);
        assert_eq!(log.last().map(String::as_str), Some("clear 2"), "{log:?}");
        assert_eq!(outcome.applied.len() + outcome.skipped.len(), 18, "{log:?}");
        assert!(outcome.skipped.len() >= 2, "{log:?}");
        assert_eq!(state.resources().unwrap().len(), outcome.applied.len());
        assert!(
            state.intents().unwrap().is_empty(),
            "{:?}",
            state.intents().unwrap()
        );
    }

    /// 60 pay-as-you-go EIPs nothing depends on (more than a read batch), the account's quota
    /// raised to fit: the workspace, its state, the provider and the plan.
    fn sixty_eips(
        dir: &std::path::Path,
    ) -> (workspace::Workspace, SqliteState, AlicloudProvider, Planned) {
        let ws = workspace_with(
            dir,
            "resource \"alicloud_eip_address\" \"e\" {\n  count        = 60\n  payment_type = \"PayAsYouGo\"\n}\n",
        );
        let world = crate::cloud::sim::SimCloud::open(&dir.join(".eipform").join("cloud.db"));
        crate::cloud::sim::admin::account_set(&world.unwrap(), "eip_quota", "100").unwrap();
        planned_in(ws)
    }

    fn create_time_known(r: &ResourceState) -> bool {
        r.attrs
            .get("create_time")
            .is_some_and(|t| t.is_string() && !is_unknown(t))
    }

    #[test]
    fn creates_nothing_depends_on_are_committed_once_read_back_in_batches() {
        let dir = tempfile::tempdir().unwrap();
        let (ws, mut state, provider, planned) = sixty_eips(dir.path());
        let mut sink = Checking::new(&mut state, None);
        let outcome = apply(&ws, &planned, &provider, &mut sink, &walk_with(4, None));
        assert!(sink.violations.is_empty(), "{:?}", sink.violations);
        assert!(outcome.failed.is_empty(), "{:?}", outcome.failed);
        assert_eq!(outcome.applied.len(), 60);
        // Held until read back: a batch of 50 in one commit; the last 10, short of a batch when
        // the calls ended, in another, as the creates answered them (for the settle pass).
        let mut commits: Vec<&String> = sink
            .log
            .iter()
            .filter(|l| l.starts_with("commit"))
            .collect();
        commits.sort();
        assert_eq!(commits, ["commit 10", "commit 50"], "{:?}", sink.log);
        assert_eq!(recorded_intents(&sink.log), 60, "{:?}", sink.log);
        assert_eq!(outcome.read_back.len(), 50);
        let records = state.resources().unwrap();
        assert_eq!(records.len(), 60);
        let (read, unread): (Vec<&ResourceState>, Vec<&ResourceState>) = records
            .iter()
            .partition(|r| outcome.read_back.contains(&r.addr));
        assert!(
            read.iter()
                .all(|r| create_time_known(r) && r.read.is_some())
        );
        assert_eq!(unread.len(), 10);
        assert!(unread.iter().all(|r| !create_time_known(r)));
        assert!(state.intents().unwrap().is_empty());
    }

    /// Raised (as a first Ctrl-C would) once the 55th create has started.
    static STOP_AT_55: std::sync::LazyLock<Arc<std::sync::atomic::AtomicBool>> =
        std::sync::LazyLock::new(Default::default);

    fn stop_at_55(p: Progress<'_>) {
        static STARTED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        if let Progress::Started(_, Op::Create, _) = p
            && STARTED.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1 == 55
        {
            STOP_AT_55.store(true, std::sync::atomic::Ordering::SeqCst);
        }
    }

    #[test]
    fn a_stopping_walk_commits_the_creates_it_holds_as_they_were_answered() {
        let dir = tempfile::tempdir().unwrap();
        let (ws, mut state, provider, planned) = sixty_eips(dir.path());
        let opts = ApplyOptions {
            progress: Some(stop_at_55),
            ..walk_with(4, Some(STOP_AT_55.clone()))
        };
        let outcome = apply(&ws, &planned, &provider, &mut state, &opts);
        assert!(outcome.interrupted);
        assert!(outcome.failed.is_empty(), "{:?}", outcome.failed);
        // The calls of the round that raised it still start (up to the parallelism).
        let applied = outcome.applied.len();
        assert!((55..59).contains(&applied), "{applied}");
        assert_eq!(applied + outcome.skipped.len(), 60);
        // The first 50 made a batch and were read back; those still held when the walk
        // stopped are committed as the creates answered them (the settle pass reads them).
        assert_eq!(outcome.read_back.len(), 50);
        let records = state.resources().unwrap();
        assert_eq!(records.len(), applied);
        let (read, unread): (Vec<&ResourceState>, Vec<&ResourceState>) = records
            .iter()
            .partition(|r| outcome.read_back.contains(&r.addr));
        assert!(read.iter().all(|r| create_time_known(r)));
        assert_eq!(unread.len(), applied - 50);
        assert!(unread.iter().all(|r| !create_time_known(r)));
        assert!(
            state.intents().unwrap().is_empty(),
            "{:?}",
            state.intents().unwrap()
        );
    }

    /// Keeps what the walk commits and the outputs it sets.
    #[derive(Default)]
    struct Memory {
        puts: Vec<ResourceState>,
        outputs: Vec<OutputState>,
    }

    impl Sink for Memory {
        fn put(&mut self, r: &ResourceState) -> Result<(), StateError> {
            self.puts.push(r.clone());
            Ok(())
        }
        fn remove(&mut self, _: &ResourceAddress) -> Result<(), StateError> {
            Ok(())
        }
        fn set_outputs(&mut self, outputs: &[OutputState]) -> Result<(), StateError> {
            self.outputs = outputs.to_vec();
            Ok(())
        }
    }

    fn kept_keys(values: &crate::plan::values::Values, addr: &str) -> Vec<String> {
        let a: ResourceAddress = addr.parse().unwrap();
        values
            .get(&a.block, &a.key)
            .unwrap_or_else(|| panic!("no value for {addr}"))
            .keys()
            .map(|k| k.to_string())
            .collect()
    }

    #[test]
    fn a_rehearsal_keeps_only_what_the_configuration_reads_and_apply_last_frees_the_plan() {
        let dir = tempfile::tempdir().unwrap();
        let ws = workspace_with(
            dir.path(),
            &format!(
                "{EIPS_AFTER_EIPS}output \"cidr\" {{\n  value = alicloud_vpc.v.cidr_block\n}}\n"
            ),
        );
        let mut state = ws.open_state().unwrap();
        let cloud = ws.cloud().unwrap();
        let provider = AlicloudProvider::new(cloud.clone());
        let planned = plan_from(&ws, &state, &provider);
        let scratch = AlicloudProvider::new(std::sync::Arc::from(cloud.scratch().unwrap()));
        let mut sink = Memory::default();
        let opts = |rehearsal| ApplyOptions {
            progress: None,
            parallelism: 1,
            stop: None,
            rehearsal,
        };
        let rehearsed = apply(&ws, &planned, &scratch, &mut sink, &opts(true));
        assert!(rehearsed.failed.is_empty(), "{:?}", rehearsed.failed);
        assert!(
            rehearsed.recorded.is_empty(),
            "no records kept for a settle pass"
        );
        // Dependents and outputs still saw what they read.
        let ip = |puts: &[ResourceState], i: usize| {
            let e = puts
                .iter()
                .find(|r| r.addr.to_string() == format!("alicloud_eip_address.e[{i}]"))
                .unwrap();
            e.attrs["ip_address"].as_str().unwrap().to_string()
        };
        let description = |puts: &[ResourceState], i: usize| {
            puts.iter()
                .find(|r| r.addr.to_string() == format!("alicloud_eip_address.tagged[{i}]"))
                .unwrap()
                .attrs["description"]
                .clone()
        };
        // Nothing reads `tagged`: its rehearsal answered only its id (`outcome_only`), and the
        // scratch cloud tells what it was created with.
        let rehearsed_description = |puts: &[ResourceState], i: usize| {
            let tagged = puts
                .iter()
                .find(|r| r.addr.to_string() == format!("alicloud_eip_address.tagged[{i}]"))
                .unwrap();
            assert_eq!(tagged.attrs.keys().collect::<Vec<_>>(), ["id"]);
            let ctx = crate::plan::planner::op_context("cn-hangzhou", Duration::from_secs(5));
            let read = scratch
                .read(
                    &ctx,
                    "alicloud_eip_address",
                    &[(tagged.id.clone(), Arc::new(Attrs::default()))],
                )
                .unwrap();
            read[0].as_ref().unwrap()["description"].clone()
        };
        for i in 0..2 {
            assert_eq!(
                rehearsed_description(&sink.puts, i),
                json!(format!("after {}", ip(&sink.puts, i)))
            );
        }
        assert_eq!(sink.outputs[0].value, json!("10.0.0.0/16"));
        // Each result kept its id and what the configuration reads of its block, no more.
        let values = &rehearsed.values;
        assert_eq!(
            kept_keys(values, "alicloud_eip_address.e[1]"),
            ["id", "ip_address"]
        );
        assert_eq!(kept_keys(values, "alicloud_eip_address.tagged[0]"), ["id"]);
        assert_eq!(kept_keys(values, "alicloud_vpc.v"), ["cidr_block", "id"]);

        // The real walk, last use of its plan: it takes the values and drops the planned
        // attributes, and records full results.
        let mut planned = plan_from(&ws, &state, &provider);
        let outcome = apply_last(&ws, &mut planned, &provider, &mut state, &opts(false));
        assert!(outcome.failed.is_empty(), "{:?}", outcome.failed);
        assert!(planned.plan.changes.iter().all(|c| c.after.is_none()));
        assert!(
            planned
                .values
                .get(
                    &"alicloud_vpc.v".parse::<ResourceAddress>().unwrap().block,
                    &None
                )
                .is_none(),
            "the walk took the planned values"
        );
        assert_eq!(outcome.recorded.len(), 14);
        assert!(kept_keys(&outcome.values, "alicloud_eip_address.tagged[0]").len() > 10);
        let records = state.resources().unwrap();
        for i in 0..2 {
            assert_eq!(
                description(&records, i),
                json!(format!("after {}", ip(&records, i)))
            );
        }
    }
}
