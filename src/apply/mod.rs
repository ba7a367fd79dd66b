//! Apply: walks the planned changes in dependency order with up to `parallelism` provider calls
//! at once. Each finished resource change is committed to the state sink in its own transaction.
//! A failure skips its dependents; independent work continues.
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

mod intents;
mod order;
pub mod reconcile;
mod rules;
pub mod settle;
pub use rules::{attributes_for_rule, responsible_attribute};

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
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
use crate::state::{Intent, OutputState, ResourceState, StateError, StateStore};
use crate::workspace::Workspace;
pub use order::{Node, Op};

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
}

/// What an apply did.
#[derive(Debug, Default)]
pub struct Outcome {
    pub applied: Vec<(ResourceAddress, Action)>,
    pub failed: Vec<Diagnostic>,
    pub skipped: Vec<ResourceAddress>,
    pub warnings: Vec<String>,
    pub interrupted: bool,
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

/// Carries out `planned` through `provider`, recording into `sink`.
pub fn apply(
    ws: &Workspace,
    planned: &Planned,
    provider: &dyn Provider,
    sink: &mut dyn Sink,
    opts: &ApplyOptions,
) -> Outcome {
    let graph = order::build(planned);
    let mut state = Walk::new(ws, planned);
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
        let (res_tx, res_rx) = mpsc::channel::<JobResult>();
        for _ in 0..parallelism.min(graph.nodes.len().max(1)) {
            let job_rx = Arc::clone(&job_rx);
            let res_tx = res_tx.clone();
            scope.spawn(move || {
                loop {
                    let job = {
                        let rx = job_rx.lock().unwrap_or_else(|p| p.into_inner());
                        rx.recv()
                    };
                    let Ok(job) = job else { break };
                    let (result, note) = run(provider, &job);
                    if res_tx.send((job.node, result, note)).is_err() {
                        break;
                    }
                }
            });
        }
        drop(res_tx);
        let mut indegree: Vec<usize> = graph.deps.iter().map(Vec::len).collect();
        let mut ready = Ready {
            heights: graph.heights(),
            queue: BinaryHeap::new(),
        };
        for n in (0..graph.nodes.len()).filter(|n| indegree[*n] == 0) {
            ready.push(n);
        }
        let mut done = vec![false; graph.nodes.len()];
        let mut running = 0usize;
        let mut remaining = graph.nodes.len();
        while remaining > 0 {
            let stopping = opts
                .stop
                .as_ref()
                .is_some_and(|s| s.load(std::sync::atomic::Ordering::SeqCst));
            while running < parallelism && !stopping {
                let Some(n) = ready.pop() else { break };
                match state
                    .prepare(&graph.nodes[n], n)
                    .and_then(|job| state.announce(&graph.nodes[n], job, sink))
                {
                    Ok(Some(job)) => {
                        running += 1;
                        if job_tx.send(job).is_err() {
                            running -= 1;
                        }
                    }
                    Ok(None) => {
                        // Nothing to call (a virtual node); finish it at once.
                        remaining -= 1;
                        done[n] = true;
                        release(&graph, n, &mut indegree, &mut ready);
                    }
                    Err(d) => {
                        remaining -= 1;
                        done[n] = true;
                        outcome.failed.push(d);
                        remaining -= skip_dependents(&graph, n, &mut done, &mut outcome.skipped);
                    }
                }
            }
            if running == 0 {
                if stopping || ready.is_empty() {
                    outcome.interrupted = stopping;
                    for (n, d) in done.iter().enumerate() {
                        if !d && let Some(addr) = graph.nodes[n].addr() {
                            outcome.skipped.push(addr.clone());
                        }
                    }
                    break;
                }
                continue;
            }
            let Ok((n, result, note)) = res_rx.recv() else {
                break;
            };
            running -= 1;
            remaining -= 1;
            done[n] = true;
            if let Some(w) = note {
                outcome.warnings.push(w);
            }
            match state.finish(
                n,
                &graph.nodes[n],
                result,
                sink,
                provider,
                &mut outcome.warnings,
            ) {
                Ok(Some(action)) => {
                    if let Some(addr) = graph.nodes[n].addr() {
                        outcome.applied.push((addr.clone(), action));
                    }
                    release(&graph, n, &mut indegree, &mut ready);
                }
                Ok(None) => release(&graph, n, &mut indegree, &mut ready),
                Err(d) => {
                    outcome.failed.push(d);
                    remaining -= skip_dependents(&graph, n, &mut done, &mut outcome.skipped);
                }
            }
        }
        drop(job_tx);
    });
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

fn release(graph: &order::Graph, n: usize, indegree: &mut [usize], ready: &mut Ready) {
    for &d in &graph.dependents[n] {
        indegree[d] -= 1;
        if indegree[d] == 0 {
            ready.push(d);
        }
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
    /// The locals still unknown, in evaluation order (kept as a list: scanning every local's
    /// value before each operation made a walk quadratic in the size of `for_each` maps).
    unknown_locals: Vec<String>,
}

impl<'a> Walk<'a> {
    fn new(ws: &'a Workspace, planned: &'a Planned) -> Walk<'a> {
        Walk {
            ws,
            planned,
            values: planned.values.clone(),
            locals: planned.locals.clone(),
            module_path: ws.dir.to_string_lossy().to_string(),
            inflight: HashMap::new(),
            deposed: HashMap::new(),
            needed: settle::Needed::of(&ws.config),
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
        ctx.client_token = Some(format!("eipform-{}", uuid::Uuid::new_v4().simple()));
        let mut job = Job {
            node: n,
            op,
            rtype: change.schema_type.clone(),
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

    /// Records the intent of a mutating call in the sink before the call is made.
    fn announce(
        &mut self,
        node: &Node,
        job: Option<Job>,
        sink: &mut dyn Sink,
    ) -> Result<Option<Job>, Diagnostic> {
        let Some(job) = job else { return Ok(None) };
        let Some(change) = self.change(node) else {
            return Ok(Some(job));
        };
        let token = job.ctx.client_token.clone().unwrap_or_default();
        let command = if self.planned.plan.mode == crate::plan::model::PlanMode::Destroy {
            "destroy"
        } else {
            "apply"
        };
        if let Some(intent) = intents::intent_for(self.planned, node, change, &token, command) {
            let id = sink.begin(&intent).map_err(|e| {
                Diagnostic::error("Failed to save state")
                    .detail(format!(
                        "Cannot record the {} of {} before making the call: {e}",
                        intent.action.as_str(),
                        change.addr
                    ))
                    .address(change.addr.to_string())
            })?;
            if let Some(id) = id {
                self.inflight.insert(job.node, (id, job.ctx.clone()));
            }
        }
        Ok(Some(job))
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
            None => ("alicloud".to_string(), change.region.clone(), Vec::new()),
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
        }
    }

    /// Records a finished call. `Ok(Some(action))` when a resource change was committed.
    fn finish(
        &mut self,
        n: usize,
        node: &Node,
        result: Result<Option<Attrs>, ProviderError>,
        sink: &mut dyn Sink,
        provider: &dyn Provider,
        warnings: &mut Vec<String>,
    ) -> Result<Option<Action>, Diagnostic> {
        let Some(change) = self.change(node) else {
            return Ok(None);
        };
        let op = node.op().unwrap_or(Op::Create);
        let inflight = self.inflight.remove(&n);
        let block = self
            .planned
            .instances
            .get(&change.addr)
            .map(|i| &self.ws.config.resources[i.block]);
        let attrs = match result {
            Ok(a) => a,
            Err(e) => {
                self.settle_failed(change, op, inflight, sink, provider, warnings);
                return Err(rules::diagnostic(&change.addr, change, block, op, &e));
            }
        };
        let ids: Vec<i64> = inflight.iter().map(|(id, _)| *id).collect();
        let save = |e: StateError| {
            Diagnostic::error("Failed to save state")
                .detail(e.to_string())
                .address(change.addr.to_string())
        };
        match (op, attrs) {
            (Op::Delete, _) => {
                // A replace's create commits the new object; only a plain delete forgets it.
                if change.action == Action::Delete || change.action == Action::DeleteThenCreate {
                    sink.commit_remove(&change.addr, &ids).map_err(save)?;
                }
                if change.action == Action::CreateThenDelete {
                    let mut done = ids;
                    done.extend(self.deposed.remove(&change.addr));
                    sink.end(&done).map_err(save)?;
                    return Ok(None);
                }
                Ok(if change.action == Action::Delete {
                    Some(Action::Delete)
                } else {
                    None
                })
            }
            (Op::Read, Some(mut attrs)) => {
                for (k, v) in change.after.iter().flat_map(|a| a.iter()) {
                    if !is_unknown(v) {
                        attrs.entry(k.clone()).or_insert_with(|| v.clone());
                    }
                }
                self.values
                    .set(&change.addr.block, change.addr.key.clone(), Arc::new(attrs));
                Ok(None)
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
                if let Some(id) = sink
                    .commit_put(&record, &ids, deposed.as_ref())
                    .map_err(save)?
                {
                    self.deposed.insert(change.addr.clone(), id);
                }
                self.values.set(
                    &change.addr.block,
                    change.addr.key.clone(),
                    record.attrs.clone(),
                );
                if let (Some(b), Some(inst)) = (block, self.planned.instances.get(&change.addr))
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
                        &Value::Object(Attrs::clone(&record.attrs)),
                        &change.addr.to_string(),
                    );
                    if let Some(d) = failed.into_iter().next() {
                        return Err(d);
                    }
                }
                Ok(Some(change.action))
            }
            (_, None) => {
                sink.end(&ids).map_err(save)?;
                Ok(None)
            }
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
