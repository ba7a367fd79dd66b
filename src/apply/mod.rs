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

mod order;
mod rules;
pub use rules::attributes_for_rule;

use std::collections::{HashMap, VecDeque};
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
use crate::state::{OutputState, ResourceState, StateError, StateStore};
use crate::workspace::Workspace;
pub use order::{Node, Op};

/// Where apply records results.
pub trait Sink {
    fn put(&mut self, r: &ResourceState) -> Result<(), StateError>;
    fn remove(&mut self, addr: &ResourceAddress) -> Result<(), StateError>;
    fn set_outputs(&mut self, outputs: &[OutputState]) -> Result<(), StateError>;
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
    prior: Attrs,
    changed: Vec<String>,
}

type JobResult = (usize, Result<Option<Attrs>, ProviderError>, Option<String>);

/// Carries out `planned` through `provider`, recording into `sink`.
pub fn apply(ws: &Workspace, planned: &Planned, provider: &dyn Provider, sink: &mut dyn Sink, opts: &ApplyOptions) -> Outcome {
    let graph = order::build(planned);
    let mut state = Walk::new(ws, planned);
    let parallelism = opts.parallelism.max(1);
    let mut outcome = Outcome::default();
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
        let mut ready: VecDeque<usize> = (0..graph.nodes.len()).filter(|n| indegree[*n] == 0).collect();
        let mut done = vec![false; graph.nodes.len()];
        let mut running = 0usize;
        let mut remaining = graph.nodes.len();
        while remaining > 0 {
            let stopping = opts.stop.as_ref().is_some_and(|s| s.load(std::sync::atomic::Ordering::SeqCst));
            while running < parallelism && !stopping {
                let Some(n) = ready.pop_front() else { break };
                match state.prepare(&graph.nodes[n], n) {
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
                        if !d {
                            if let Some(addr) = graph.nodes[n].addr() {
                                outcome.skipped.push(addr.clone());
                            }
                        }
                    }
                    break;
                }
                continue;
            }
            let Ok((n, result, note)) = res_rx.recv() else { break };
            running -= 1;
            remaining -= 1;
            done[n] = true;
            if let Some(w) = note {
                outcome.warnings.push(w);
            }
            match state.finish(&graph.nodes[n], result, sink) {
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
            outcome.failed.push(Diagnostic::error("Failed to save outputs").detail(e.to_string()));
        }
    }
    outcome.skipped.sort();
    outcome.skipped.dedup();
    outcome
}

fn release(graph: &order::Graph, n: usize, indegree: &mut [usize], ready: &mut VecDeque<usize>) {
    for &d in &graph.dependents[n] {
        indegree[d] -= 1;
        if indegree[d] == 0 {
            ready.push_back(d);
        }
    }
}

/// Marks everything downstream of `n` as skipped; returns how many nodes that settled.
fn skip_dependents(graph: &order::Graph, n: usize, done: &mut [bool], skipped: &mut Vec<ResourceAddress>) -> usize {
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
fn run(provider: &dyn Provider, job: &Job) -> (Result<Option<Attrs>, ProviderError>, Option<String>) {
    match job.op {
        Op::Create => (provider.create(&job.ctx, &job.rtype, &job.config).map(Some), None),
        Op::Update => (provider.update(&job.ctx, &job.rtype, &job.id, &job.prior, &job.config, &job.changed).map(Some), None),
        Op::Delete => match provider.delete(&job.ctx, &job.rtype, &job.id, &job.prior) {
            Ok(Deleted::Released) => (Ok(None), None),
            Ok(Deleted::Abandoned(msg)) => (Ok(None), Some(msg)),
            Err(e) => (Err(e), None),
        },
        Op::Read => (provider.read_data(&job.ctx, &job.rtype, &job.config).map(Some), None),
    }
}

/// The walk's own state: values known so far, re-evaluated locals.
struct Walk<'a> {
    ws: &'a Workspace,
    planned: &'a Planned,
    values: crate::plan::values::Values,
    locals: HashMap<String, Value>,
    module_path: String,
}

impl<'a> Walk<'a> {
    fn new(ws: &'a Workspace, planned: &'a Planned) -> Walk<'a> {
        Walk {
            ws,
            planned,
            values: planned.values.clone(),
            locals: planned.locals.clone(),
            module_path: ws.dir.to_string_lossy().to_string(),
        }
    }

    fn change(&self, node: &Node) -> Option<&'a ResourceChange> {
        node.change().map(|i| &self.planned.plan.changes[i])
    }

    /// Locals that were unknown at plan time, evaluated again with what is known now.
    fn refresh_locals(&mut self) {
        if !self.locals.values().any(is_unknown) {
            return;
        }
        for node in &self.ws.graph.order {
            if let crate::graph::Node::Local(name) = node {
                if self.locals.get(name).is_some_and(is_unknown) {
                    let env = EvalEnv { vars: &self.ws.vars, locals: &self.locals, values: &self.values, module_path: &self.module_path };
                    if let Ok(v) = env.eval(&self.ws.config.locals[name], &InstanceVars::default()) {
                        self.locals.insert(name.clone(), v);
                    }
                }
            }
        }
    }

    fn timeout(&self, addr: &ResourceAddress, schema_type: &str, op: Op) -> Duration {
        let block = self.planned.instances.get(addr).map(|i| &self.ws.config.resources[i.block]);
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
        let Some(change) = self.change(node) else { return Ok(None) };
        let op = node.op().unwrap_or(Op::Create);
        let prior = change.before.clone().unwrap_or_default();
        let id = prior.get("id").and_then(Value::as_str).unwrap_or_default().to_string();
        let mut ctx = op_context(&change.region, self.timeout(&change.addr, &change.schema_type, op));
        ctx.client_token = Some(format!("eipform-{}", uuid::Uuid::new_v4().simple()));
        let mut job = Job { node: n, op, rtype: change.schema_type.clone(), ctx, id, config: Attrs::new(), prior, changed: Vec::new() };
        if op == Op::Delete {
            return Ok(Some(job));
        }
        self.refresh_locals();
        let inst = &self.planned.instances[&change.addr];
        let block = &self.ws.config.resources[inst.block];
        let env = EvalEnv { vars: &self.ws.vars, locals: &self.locals, values: &self.values, module_path: &self.module_path };
        let config = evaluate::instance_config(&env, block, &inst.vars).map_err(|mut d| d.remove(0))?;
        if let Some((k, _)) = config.iter().find(|(_, v)| is_unknown(v)) {
            return Err(Diagnostic::error("Provider produced inconsistent final plan")
                .detail(format!("The value of \"{k}\" is still unknown after its dependencies were applied."))
                .at(Some(block.range.clone()), "here")
                .address(change.addr.to_string()));
        }
        if op == Op::Update {
            let schema = crate::schema::resource(&change.schema_type);
            if let Some(s) = schema {
                job.changed = diff::diff(s, &job.prior, &config, &block.lifecycle.ignore_changes).changed;
            }
        }
        job.config = config;
        Ok(Some(job))
    }

    /// Records a finished call. `Ok(Some(action))` when a resource change was committed.
    fn finish(&mut self, node: &Node, result: Result<Option<Attrs>, ProviderError>, sink: &mut dyn Sink) -> Result<Option<Action>, Diagnostic> {
        let Some(change) = self.change(node) else { return Ok(None) };
        let op = node.op().unwrap_or(Op::Create);
        let block = self.planned.instances.get(&change.addr).map(|i| &self.ws.config.resources[i.block]);
        let attrs = result.map_err(|e| rules::diagnostic(&change.addr, change, block, op, &e))?;
        let save = |e: StateError| Diagnostic::error("Failed to save state").detail(e.to_string()).address(change.addr.to_string());
        match (op, attrs) {
            (Op::Delete, _) => {
                // A replace's create commits the new object; only a plain delete forgets it.
                if change.action == Action::Delete || change.action == Action::DeleteThenCreate {
                    sink.remove(&change.addr).map_err(save)?;
                }
                if change.action == Action::CreateThenDelete {
                    return Ok(None);
                }
                Ok(if change.action == Action::Delete { Some(Action::Delete) } else { None })
            }
            (Op::Read, Some(mut attrs)) => {
                for (k, v) in change.after.iter().flatten() {
                    if !is_unknown(v) {
                        attrs.entry(k.clone()).or_insert_with(|| v.clone());
                    }
                }
                self.values.set(&change.addr.block, change.addr.key.clone(), Value::Object(attrs));
                Ok(None)
            }
            (_, Some(attrs)) => {
                let inst = &self.planned.instances[&change.addr];
                let cbd = change.action == Action::CreateThenDelete;
                let record = ResourceState {
                    addr: change.addr.clone(),
                    schema_type: change.schema_type.clone(),
                    provider: inst.provider.clone(),
                    region: inst.region.clone(),
                    id: attrs.get("id").and_then(Value::as_str).unwrap_or_default().to_string(),
                    attrs: attrs.clone(),
                    deps: inst.deps.iter().filter(|d| d.block.mode == Mode::Managed).cloned().collect(),
                    create_before_destroy: cbd,
                };
                sink.put(&record).map_err(save)?;
                self.values.set(&change.addr.block, change.addr.key.clone(), Value::Object(attrs));
                Ok(Some(change.action))
            }
            (_, None) => Ok(None),
        }
    }

    /// The root outputs with final values.
    fn outputs(&self, diags: &mut Vec<Diagnostic>) -> Vec<OutputState> {
        let env = EvalEnv { vars: &self.ws.vars, locals: &self.locals, values: &self.values, module_path: &self.module_path };
        if self.planned.plan.mode == crate::plan::model::PlanMode::Destroy {
            return Vec::new();
        }
        let mut out = Vec::new();
        for (name, o) in &self.ws.config.outputs {
            let Some(v) = &o.value else { continue };
            match env.eval(v, &InstanceVars::default()) {
                Ok(value) => out.push(OutputState { name: name.clone(), value, sensitive: o.sensitive }),
                Err(d) => diags.push(d),
            }
        }
        out
    }
}
