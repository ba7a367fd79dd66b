//! Making a plan: refresh the recorded resources from the cloud (batched by type and region),
//! evaluate the configuration block by block in dependency order, diff each instance against
//! its refreshed state, and plan deletes for what left the configuration.

use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;

use super::conditions;
use super::diff::{self, values_equal};
use super::evaluate::{self, EvalEnv};
use super::model::*;
use super::values::{Expansion, Values};
use crate::addr::{Mode, Name, ResourceAddress};
use crate::config::ResourceBlock;
use crate::diag::{Diagnostic, has_errors};
use crate::eval::{InstanceVars, Target, is_unknown};
use crate::graph::Node;
use crate::provider::{Attrs, OpContext, Provider, ReadItem, ReadMemo};
use crate::schema;
use crate::state::{OutputState, ResourceState, StateMeta};
use crate::workspace::Workspace;

#[derive(Debug, Clone, Copy)]
pub struct PlanOptions {
    pub mode: PlanMode,
    pub refresh: bool,
    /// Reads the refresh makes at once (`--parallelism`).
    pub parallelism: usize,
}

/// One resource instance of the configuration.
#[derive(Debug, Clone)]
pub struct Instance {
    /// Index into `Config::resources`.
    pub block: usize,
    pub addr: ResourceAddress,
    pub vars: InstanceVars,
    pub provider: Name,
    pub region: Name,
    /// The instances it depends on (direct).
    pub deps: Vec<ResourceAddress>,
    /// Its evaluated arguments when the plan already knew all of them and it has an action:
    /// apply's walk (and plan's dry run) use them instead of evaluating the block again.
    pub known_config: Option<Arc<Attrs>>,
}

/// A plan together with what apply needs to carry it out.
pub struct Planned {
    pub plan: Plan,
    pub instances: ByAddress<Instance>,
    /// The refreshed state.
    pub prior: ByAddress<ResourceState>,
    pub locals: HashMap<String, Value>,
    pub values: Values,
    pub diags: Vec<Diagnostic>,
    /// `moved` blocks applied to the state: new address -> recorded address.
    pub moves: HashMap<ResourceAddress, ResourceAddress>,
    /// `import` blocks to carry out: address -> cloud id.
    pub imports: HashMap<ResourceAddress, String>,
    /// Where each instance's change is in `plan.changes` (while planning; emptied after).
    pub change_index: HashMap<ResourceAddress, usize>,
}

impl Planned {
    /// Frees the tables of instances, recorded objects and changes once apply is done with them.
    pub fn release_tables(&mut self) {
        self.instances = ByAddress::default();
        self.prior = ByAddress::default();
        self.change_index = HashMap::new();
        self.plan.changes = Vec::new();
        self.values = Values::default();
    }
}

pub fn provider_key(r: &ResourceBlock) -> String {
    r.provider
        .as_deref()
        .map(|(p, _)| p.clone())
        .unwrap_or_else(|| "alicloud".to_string())
}

pub fn op_context(region: &str, timeout: Duration) -> OpContext {
    OpContext {
        region: region.to_string(),
        client_token: None,
        timeout,
        outcome_only: false,
    }
}

/// The refreshed state by address, and what changed outside eipform.
pub type Refreshed = (ByAddress<ResourceState>, Vec<Drift>);

/// Instances or records by address. Its entries sit in one vector, in the order they were
/// added: a hash map keeps each entry in its table, sized with room to spare, and a no-op plan
/// of 1,000 EIPs faulted in about 700 KB for each of the two tables (BENCHMARKS.md, item 94).
pub type ByAddress<V> = indexmap::IndexMap<ResourceAddress, V, foldhash::fast::RandomState>;

/// Records per refresh task: the provider batches each task's reads (50 ids a call), and the
/// tasks run on up to `parallelism` threads, so the reads of a large group overlap.
const REFRESH_CHUNK: usize = 200;

/// What one refresh task learnt: the refreshed records, the drift, or the error.
type ChunkResult = Result<(Vec<ResourceState>, Vec<Drift>), Diagnostic>;

/// Refreshes every recorded resource: batched reads per (region, type), up to `parallelism`
/// reads at once. Drift comes out in the order of the groups and of the records in them.
pub fn refresh(
    provider: &dyn Provider,
    prior: Vec<ResourceState>,
    parallelism: usize,
) -> Result<Refreshed, Vec<Diagnostic>> {
    let count = prior.len();
    let tasks = crate::state::chunks_by_region_and_type(prior, |_| REFRESH_CHUNK);
    let results = crate::parallel::run_tasks(
        tasks,
        provider.read_threads(parallelism),
        |(region, ty, items)| refresh_chunk(provider, &region, &ty, items),
    );
    let mut refreshed = ByAddress::with_capacity_and_hasher(count, Default::default());
    let mut drift = Vec::new();
    let mut diags = Vec::new();
    for result in results {
        match result {
            Ok((records, changed)) => {
                refreshed.extend(records.into_iter().map(|r| (r.addr.clone(), r)));
                drift.extend(changed);
            }
            Err(d) => diags.push(d),
        }
    }
    if !diags.is_empty() {
        return Err(diags);
    }
    // An EIP whose status changed only because eipform itself associated or disassociated it
    // (through an `alicloud_eip_association` it records) has not drifted.
    let associated: HashSet<&str> = refreshed
        .values()
        .filter(|r| r.schema_type == "alicloud_eip_association")
        .filter_map(|r| r.attrs.get("allocation_id").and_then(Value::as_str))
        .collect();
    drift.retain(|d| !own_association_change(d, &associated));
    Ok((refreshed, drift))
}

/// Refreshes one chunk of one (region, type) group.
fn refresh_chunk(
    provider: &dyn Provider,
    region: &str,
    ty: &str,
    items: Vec<ResourceState>,
) -> ChunkResult {
    let batch: Vec<ReadItem> = items
        .iter()
        .map(|r| (r.id.clone(), r.attrs.clone()))
        .collect();
    let memos: Vec<Option<ReadMemo>> = items.iter().map(|r| r.read).collect();
    let ctx = op_context(region, Duration::from_secs(300));
    let results = provider.read_memo(&ctx, ty, &batch, &memos).map_err(|e| {
        Diagnostic::error(format!("Error refreshing {ty} in {region}"))
            .detail(e.to_string())
            .rule(e.rule().map(str::to_string))
    })?;
    drop(batch);
    // Updated in place: a second vector of records would be one more copy of them all, into
    // fresh pages.
    let mut records = items;
    let mut drift = Vec::new();
    let mut results = results.into_iter();
    records.retain_mut(|r| match results.next() {
        // One answer per record; none left would be a provider's error.
        None => false,
        // The same as recorded, as most are: the recorded map stays and the answer is freed
        // at once, on the thread that made it (freeing the recorded maps instead, made on
        // other threads, left their pages to the allocator and grew the process).
        Some(Some(read)) if Arc::ptr_eq(&read.attrs, &r.attrs) || *read.attrs == *r.attrs => {
            r.read = read.memo;
            true
        }
        Some(Some(read)) => {
            let attrs = read.attrs;
            // A value recorded as unknown (a create whose re-read a crash cut short) is
            // learnt now, not changed outside eipform.
            let changed = attrs.iter().any(|(k, v)| {
                let recorded = r.attrs.get(k).unwrap_or(&Value::Null);
                !is_unknown(recorded) && !values_equal(recorded, v)
            });
            if changed {
                drift.push(Drift {
                    addr: r.addr.clone(),
                    schema_type: r.schema_type.clone(),
                    provider: r.provider.clone(),
                    before: r.attrs.clone(),
                    after: Some(attrs.clone()),
                });
            }
            r.attrs = attrs;
            r.read = read.memo;
            true
        }
        Some(None) => {
            drift.push(Drift {
                addr: r.addr.clone(),
                schema_type: r.schema_type.clone(),
                provider: r.provider.clone(),
                before: r.attrs.clone(),
                after: None,
            });
            false
        }
    });
    Ok((records, drift))
}

/// Whether drift `d` of an EIP is only the status change an association recorded in the state
/// explains (`InUse` with a recorded association, `Available` without).
fn own_association_change(d: &Drift, associated: &HashSet<&str>) -> bool {
    let Some(after) = &d.after else { return false };
    if d.schema_type != "alicloud_eip_address" {
        return false;
    }
    let only_status = after
        .iter()
        .filter(|(k, v)| !values_equal(d.before.get(k).unwrap_or(&Value::Null), v))
        .all(|(k, _)| k == "status");
    let id = after
        .get("id")
        .or_else(|| d.before.get("id"))
        .and_then(Value::as_str)
        .unwrap_or_default();
    let expected = if associated.contains(id) {
        "InUse"
    } else {
        "Available"
    };
    only_status && after.get("status").and_then(Value::as_str) == Some(expected)
}

/// A read-only drift check (`eipform drift`): refreshes every recorded resource and returns a
/// refresh-only plan (no-op changes over the refreshed state, with its drift) and the refreshed
/// resources, ordered by address.
pub fn drift_plan(
    meta: &StateMeta,
    recorded: &[ResourceState],
    provider: &dyn Provider,
    parallelism: usize,
) -> Result<(Plan, Vec<ResourceState>), Vec<Diagnostic>> {
    let (refreshed, drift) = refresh(provider, recorded.to_vec(), parallelism)?;
    let mut prior: Vec<ResourceState> = refreshed.into_values().collect();
    prior.sort_by(|a, b| a.addr.cmp(&b.addr));
    let plan = Plan {
        mode: PlanMode::RefreshOnly,
        changes: prior.iter().map(noop).collect(),
        drift,
        outputs: Vec::new(),
        lineage: meta.lineage.clone(),
        serial: meta.serial,
        warnings: Vec::new(),
    };
    Ok((plan, prior))
}

/// Accepts drift into the state (`apply --refresh-only`): one `put` of the refreshed
/// attributes per drifted resource, one `remove` per resource deleted outside eipform.
/// Returns (updated, removed).
pub fn accept_drift(
    drift: &[Drift],
    refreshed: &ByAddress<ResourceState>,
    state: &mut dyn crate::state::StateStore,
) -> Result<(usize, usize), crate::state::StateError> {
    let (mut updated, mut removed) = (0, 0);
    for d in drift {
        match (&d.after, refreshed.get(&d.addr)) {
            (Some(_), Some(r)) => {
                state.put(r)?;
                updated += 1;
            }
            (None, _) => {
                state.remove(&d.addr)?;
                removed += 1;
            }
            (Some(_), None) => {}
        }
    }
    Ok((updated, removed))
}

/// Makes the plan.
pub fn plan(
    ws: &Workspace,
    meta: &StateMeta,
    prior_list: Vec<ResourceState>,
    prior_outputs: &[OutputState],
    provider: &dyn Provider,
    opts: PlanOptions,
) -> Result<Planned, Vec<Diagnostic>> {
    let refreshed = prior(provider, prior_list, opts.refresh, opts.parallelism)?;
    plan_refreshed(ws, meta, refreshed, prior_outputs, provider, opts)
}

/// The records a plan starts from: refreshed (`refresh`), or as recorded, without drift.
pub fn prior(
    provider: &dyn Provider,
    recorded: Vec<ResourceState>,
    refresh: bool,
    parallelism: usize,
) -> Result<Refreshed, Vec<Diagnostic>> {
    if refresh {
        return self::refresh(provider, recorded, parallelism);
    }
    Ok((
        recorded.into_iter().map(|r| (r.addr.clone(), r)).collect(),
        Vec::new(),
    ))
}

/// [`plan`] from records already refreshed (or read, without `opts.refresh`), with their drift.
pub fn plan_refreshed(
    ws: &Workspace,
    meta: &StateMeta,
    (prior, drift): Refreshed,
    prior_outputs: &[OutputState],
    provider: &dyn Provider,
    opts: PlanOptions,
) -> Result<Planned, Vec<Diagnostic>> {
    // Sized once for the instances expected: tables of 50,000 entries regrown and rehashed at
    // every doubling showed in the serial part of a 50k plan.
    let expected = prior.len().max(ws.config.resources.len());
    let mut planned = Planned {
        plan: Plan {
            mode: opts.mode,
            changes: Vec::with_capacity(expected),
            drift,
            outputs: Vec::new(),
            lineage: meta.lineage.clone(),
            serial: meta.serial,
            warnings: Vec::new(),
        },
        instances: ByAddress::with_capacity_and_hasher(expected, Default::default()),
        prior,
        locals: HashMap::new(),
        values: Values::with_capacity(ws.config.resources.len()),
        diags: Vec::new(),
        moves: HashMap::new(),
        imports: HashMap::new(),
        change_index: HashMap::with_capacity(expected),
    };
    if opts.mode == PlanMode::RefreshOnly {
        let mut keys: Vec<&ResourceAddress> = planned.prior.keys().collect();
        keys.sort();
        planned.plan.changes = keys.into_iter().map(|a| noop(&planned.prior[a])).collect();
        return Ok(planned);
    }
    adopt(ws, provider, &mut planned, opts.mode);
    if has_errors(&planned.diags) {
        return Err(std::mem::take(&mut planned.diags));
    }
    if opts.mode == PlanMode::Destroy {
        let mut keys: Vec<ResourceAddress> = planned.prior.keys().cloned().collect();
        keys.sort();
        for a in keys {
            let r = &planned.prior[&a];
            let mut change = delete(r, None);
            change.moved_from = planned.moves.get(&a).cloned().map(Box::new);
            planned.plan.changes.push(change);
        }
        finish(ws, &mut planned, prior_outputs);
        return Ok(planned);
    }
    evaluate_config(ws, provider, &mut planned);
    if has_errors(&planned.diags) {
        return Err(std::mem::take(&mut planned.diags));
    }
    // What left the configuration is deleted.
    let mut orphans: Vec<&ResourceState> = planned
        .prior
        .values()
        .filter(|r| !planned.instances.contains_key(&r.addr))
        .collect();
    orphans.sort_by(|a, b| a.addr.cmp(&b.addr));
    let blocks = block_index(ws);
    let orphan_changes: Vec<ResourceChange> = orphans
        .into_iter()
        .map(|r| {
            let reason = match blocks.get(&r.addr.block) {
                Some(b) if b.count.is_some() => format!(
                    "because index {} is out of range for count",
                    r.addr
                        .key
                        .as_ref()
                        .map(|k| k.to_string())
                        .unwrap_or_default()
                ),
                Some(b) if b.for_each.is_some() => format!(
                    "because key {} is not in for_each map",
                    r.addr
                        .key
                        .as_ref()
                        .map(|k| k.to_string())
                        .unwrap_or_default()
                ),
                Some(_) => "because resource does not use count".to_string(),
                None => format!("because {} is not in configuration", r.addr.block),
            };
            let mut change = delete(r, Some(reason));
            change.moved_from = planned.moves.get(&r.addr).cloned().map(Box::new);
            change
        })
        .collect();
    planned.plan.changes.extend(orphan_changes);
    planned.plan.changes.sort_by(|a, b| a.addr.cmp(&b.addr));
    // It pointed into the changes as they were before the sort; nothing reads it any more.
    planned.change_index = HashMap::new();
    finish(ws, &mut planned, prior_outputs);
    if has_errors(&planned.diags) {
        return Err(std::mem::take(&mut planned.diags));
    }
    Ok(planned)
}

fn noop(r: &ResourceState) -> ResourceChange {
    ResourceChange {
        addr: r.addr.clone(),
        schema_type: r.schema_type.clone(),
        provider: r.provider.clone(),
        region: r.region.clone(),
        action: Action::NoOp,
        before: Some(r.attrs.clone()),
        after: Some(r.attrs.clone()),
        replace_paths: Vec::new(),
        reason: None,
        sensitive: Vec::new(),
        warnings: Vec::new(),
        moved_from: None,
        import_id: None,
    }
}

/// Applies `moved` blocks to the refreshed state and reads the objects of `import` blocks.
fn adopt(ws: &Workspace, provider: &dyn Provider, planned: &mut Planned, mode: PlanMode) {
    planned.moves = super::moved::apply_moves(&ws.config, &mut planned.prior, &mut planned.diags);
    if mode != PlanMode::Normal || ws.config.imports.is_empty() {
        return;
    }
    let module_path = ws.dir.to_string_lossy().to_string();
    let locals = HashMap::new();
    let values = Values::default();
    let env = EvalEnv {
        vars: &ws.vars,
        locals: &locals,
        values: &values,
        module_path: &module_path,
    };
    planned.imports =
        super::imports::plan_imports(ws, provider, &env, &mut planned.prior, &mut planned.diags);
}

fn delete(r: &ResourceState, reason: Option<String>) -> ResourceChange {
    ResourceChange {
        action: Action::Delete,
        after: None,
        reason,
        ..noop(r)
    }
}

fn evaluate_config(ws: &Workspace, provider: &dyn Provider, planned: &mut Planned) {
    let config = &ws.config;
    let module_path = ws.dir.to_string_lossy().to_string();
    let sensitive = SensitiveNames::new(ws);
    // Diagnostics keep the evaluation order of the blocks that raised them.
    let mut diags: Vec<(usize, Diagnostic)> = Vec::new();
    for level in &ws.graph.levels {
        let mut blocks = Vec::new();
        for &pos in level {
            match &ws.graph.order[pos] {
                Node::Local(name) => {
                    let env = EvalEnv {
                        vars: &ws.vars,
                        locals: &planned.locals,
                        values: &planned.values,
                        module_path: &module_path,
                    };
                    match env.eval(&config.locals[name], &InstanceVars::default()) {
                        Ok(v) => {
                            planned.locals.insert(name.clone(), v);
                        }
                        Err(d) => diags.push((pos, d)),
                    }
                }
                Node::Output(_) => {}
                Node::Resource(i) => blocks.push((pos, *i)),
            }
        }
        // The blocks of one level depend only on earlier levels: planned at the same time,
        // then recorded in order.
        let plans = plan_blocks(&blocks, planning_threads(), |idx| {
            resource(ws, provider, planned, idx, &module_path, &sensitive)
        });
        for ((pos, _), block) in blocks.iter().zip(plans) {
            diags.extend(record_block(planned, block).into_iter().map(|d| (*pos, d)));
        }
    }
    diags.sort_by_key(|(pos, _)| *pos);
    planned.diags.extend(diags.into_iter().map(|(_, d)| d));
    planned.diags.extend(sensitive.check_outputs(ws));
}

/// Fewer blocks than this in a level are planned on the calling thread alone.
const PARALLEL_BLOCKS: usize = 64;

/// As many threads as the machine has cores, at most 4.
fn planning_threads() -> usize {
    std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(4)
}

/// `plan` of every block (`(position in order, block index)`), in order, on up to `threads`.
fn plan_blocks<T: Send>(
    blocks: &[(usize, usize)],
    threads: usize,
    plan: impl Fn(usize) -> T + Sync,
) -> Vec<T> {
    if threads <= 1 || blocks.len() < PARALLEL_BLOCKS {
        return blocks.iter().map(|(_, idx)| plan(*idx)).collect();
    }
    let per_thread = blocks.len().div_ceil(threads);
    let plan_part =
        |part: &[(usize, usize)]| -> Vec<T> { part.iter().map(|(_, idx)| plan(*idx)).collect() };
    // One part per thread, the last on the calling thread, which would only wait.
    std::thread::scope(|scope| {
        let mut parts = blocks.chunks(per_thread);
        let last = parts.next_back().unwrap_or_default();
        let others: Vec<_> = parts
            .map(|part| scope.spawn(move || plan_part(part)))
            .collect();
        let mine = plan_part(last);
        others
            .into_iter()
            .flat_map(|h| match h.join() {
                Ok(v) => v,
                Err(panic) => std::panic::resume_unwind(panic),
            })
            .chain(mine)
            .collect::<Vec<T>>()
    })
}

/// What planning one resource block decided, recorded into [`Planned`] by [`record_block`].
struct BlockPlan {
    addr: crate::addr::BlockAddress,
    /// `None` when the block's instances could not be expanded.
    expansion: Option<Expansion>,
    instances: Vec<InstancePlan>,
    diags: Vec<Diagnostic>,
}

struct InstancePlan {
    instance: Instance,
    /// The value dependents see and the instance's change (a data source read now has none).
    planned: Option<(Arc<Attrs>, Option<ResourceChange>)>,
}

fn record_block(planned: &mut Planned, block: BlockPlan) -> Vec<Diagnostic> {
    let Some(expansion) = block.expansion else {
        return block.diags;
    };
    planned.values.declare(&block.addr, expansion);
    for InstancePlan {
        instance,
        planned: p,
    } in block.instances
    {
        let addr = instance.addr.clone();
        let key = addr.key.clone();
        planned.instances.insert(addr.clone(), instance);
        let Some((value, change)) = p else { continue };
        planned.values.set(&block.addr, key, value);
        if let Some(change) = change {
            if change.addr.block.mode == Mode::Managed {
                planned
                    .change_index
                    .insert(addr, planned.plan.changes.len());
            }
            planned.plan.changes.push(change);
        }
    }
    block.diags
}

/// Plans the instances of resource block `idx` against what earlier levels recorded.
fn resource(
    ws: &Workspace,
    provider: &dyn Provider,
    planned: &Planned,
    idx: usize,
    module_path: &str,
    sensitive: &SensitiveNames,
) -> BlockPlan {
    let r = &ws.config.resources[idx];
    let mut out = BlockPlan {
        addr: r.addr.clone(),
        expansion: None,
        instances: Vec::new(),
        diags: Vec::new(),
    };
    let instances = {
        let env = EvalEnv {
            vars: &ws.vars,
            locals: &planned.locals,
            values: &planned.values,
            module_path,
        };
        match evaluate::expand(&env, r) {
            Ok(i) => i,
            Err(d) => {
                out.diags.push(d);
                return out;
            }
        }
    };
    let expansion = if r.count.is_some() {
        Expansion::Count
    } else if r.for_each.is_some() {
        Expansion::ForEach
    } else {
        Expansion::Single
    };
    out.expansion = Some(expansion);
    let Some(s) = schema::lookup(
        if r.addr.mode == Mode::Managed {
            schema::SchemaKind::Resource
        } else {
            schema::SchemaKind::Data
        },
        &r.addr.rtype,
    ) else {
        return out;
    };
    let pkey = provider_key(r);
    let region = ws.region_of(&pkey);
    let refs = &ws.graph.resource_refs[idx];
    // Exact: a level's plans are all held until recorded, and a first push would make room
    // for four.
    out.instances.reserve_exact(instances.len());
    for inst in instances {
        let addr = r.addr.instance(inst.key());
        let env = EvalEnv {
            vars: &ws.vars,
            locals: &planned.locals,
            values: &planned.values,
            module_path,
        };
        let config = match evaluate::instance_config(&env, r, &inst) {
            Ok(c) => c,
            Err(d) => {
                out.diags.extend(d);
                continue;
            }
        };
        let mut cond_diags = Vec::new();
        conditions::check(
            &env,
            &r.lifecycle.preconditions,
            &inst,
            None,
            conditions::Kind::Precondition,
            &addr.to_string(),
            &mut cond_diags,
        );
        if !cond_diags.is_empty() {
            out.diags.extend(cond_diags);
            continue;
        }
        let deps = instance_deps(ws, planned, r, refs, &inst);
        let mut instance = Instance {
            block: idx,
            addr: addr.clone(),
            vars: inst.clone(),
            provider: pkey.as_str().into(),
            region: region.as_str().into(),
            deps,
            known_config: None,
        };
        if r.addr.mode == Mode::Data {
            let mut read_change = None;
            let value = if diff::has_unknown(&config) {
                let after = Arc::new(diff::planned_create(s, &config));
                read_change = Some(ResourceChange {
                    addr: addr.clone(),
                    schema_type: s.type_name.as_str().into(),
                    provider: pkey.as_str().into(),
                    region: region.as_str().into(),
                    action: Action::Read,
                    before: None,
                    after: Some(after.clone()),
                    replace_paths: Vec::new(),
                    reason: Some("config refers to values not yet known".into()),
                    sensitive: Vec::new(),
                    warnings: Vec::new(),
                    moved_from: None,
                    import_id: None,
                });
                after
            } else {
                match provider.read_data(
                    &op_context(&region, Duration::from_secs(60)),
                    &s.type_name,
                    &config,
                ) {
                    Ok(mut v) => {
                        for (k, val) in &config {
                            v.get_or_insert_with(k, || val.clone());
                        }
                        Arc::new(v)
                    }
                    Err(e) => {
                        out.diags.push(
                            Diagnostic::error(format!("Error reading {addr}"))
                                .detail(e.to_string())
                                .at(Some(r.range.clone()), "while reading this data source")
                                .rule(e.rule().map(str::to_string)),
                        );
                        out.instances.push(InstancePlan {
                            instance,
                            planned: None,
                        });
                        continue;
                    }
                }
            };
            let env = EvalEnv {
                vars: &ws.vars,
                locals: &planned.locals,
                values: &planned.values,
                module_path,
            };
            postconditions(&env, r, &inst, &value, &addr, &mut out.diags);
            out.instances.push(InstancePlan {
                instance,
                planned: Some((value, read_change)),
            });
            continue;
        }
        let change = match planned.prior.get(&addr) {
            None => ResourceChange {
                addr: addr.clone(),
                schema_type: s.type_name.as_str().into(),
                provider: pkey.as_str().into(),
                region: region.as_str().into(),
                action: Action::Create,
                before: None,
                after: Some(Arc::new(diff::planned_create_with(
                    s,
                    &config,
                    &provider.planned_create(&s.type_name, &config),
                ))),
                replace_paths: Vec::new(),
                reason: None,
                sensitive: sensitive_attrs(s),
                warnings: Vec::new(),
                moved_from: None,
                import_id: None,
            },
            Some(prior) => {
                let d = diff::diff(s, &prior.attrs, &config, &r.lifecycle.ignore_changes);
                let cbd = r
                    .lifecycle
                    .create_before_destroy
                    .as_ref()
                    .and_then(|a| env.eval(a, &inst).ok())
                    == Some(Value::Bool(true));
                let action = if !d.forces.is_empty() {
                    if cbd {
                        Action::CreateThenDelete
                    } else {
                        Action::DeleteThenCreate
                    }
                } else if !d.changed.is_empty() {
                    Action::Update
                } else {
                    Action::NoOp
                };
                let mut after = d.after;
                if action.is_replace() {
                    after = Arc::new(diff::planned_create_with(
                        s,
                        &config,
                        &provider.planned_create(&s.type_name, &config),
                    ));
                }
                ResourceChange {
                    addr: addr.clone(),
                    schema_type: s.type_name.as_str().into(),
                    provider: pkey.as_str().into(),
                    region: region.as_str().into(),
                    action,
                    before: Some(prior.attrs.clone()),
                    after: Some(after),
                    replace_paths: d.forces,
                    reason: None,
                    sensitive: sensitive_attrs(s),
                    warnings: Vec::new(),
                    moved_from: None,
                    import_id: None,
                }
            }
        };
        let mut change = change;
        if matches!(change.action, Action::NoOp | Action::Update)
            && change.before.is_some()
            && let Some(by) = triggered_by(ws, planned, r, &inst)
        {
            {
                let cbd = r
                    .lifecycle
                    .create_before_destroy
                    .as_ref()
                    .and_then(|a| env.eval(a, &inst).ok())
                    == Some(Value::Bool(true));
                change.action = if cbd {
                    Action::CreateThenDelete
                } else {
                    Action::DeleteThenCreate
                };
                change.after = Some(Arc::new(diff::planned_create_with(
                    s,
                    &config,
                    &provider.planned_create(&s.type_name, &config),
                )));
                change.reason = Some(format!("because of changes in replace_triggered_by ({by})"));
            }
        }
        for name in sensitive.config_attrs(r) {
            // The deprecated twin of an argument (`name` of `address_name`) holds the same value.
            let twins = s.attributes.iter().filter(|(n, a)| {
                a.alias_of.as_deref() == Some(name.as_str())
                    || s.attributes.get(&name).and_then(|x| x.alias_of.as_deref())
                        == Some(n.as_str())
            });
            for n in std::iter::once(name.clone()).chain(twins.map(|(n, _)| n.clone())) {
                if !change.sensitive.contains(&n) {
                    change.sensitive.push(n);
                }
            }
        }
        change.moved_from = planned.moves.get(&addr).cloned().map(Box::new);
        change.import_id = planned.imports.get(&addr).cloned();
        if change.action != Action::NoOp && !diff::has_unknown(&config) {
            instance.known_config = Some(Arc::new(config));
        }
        let value = change.after.clone().unwrap_or_default();
        postconditions(&env, r, &inst, &value, &addr, &mut out.diags);
        out.instances.push(InstancePlan {
            instance,
            planned: Some((value, Some(change))),
        });
    }
    out
}

fn sensitive_attrs(s: &schema::ResourceSchema) -> Vec<String> {
    s.attributes
        .iter()
        .filter(|(_, a)| a.sensitive)
        .map(|(n, _)| n.clone())
        .collect()
}

/// The instances an instance depends on: a reference with a static index (`x[count.index]`)
/// names one instance; any other reference, all instances of the block.
fn instance_deps(
    ws: &Workspace,
    planned: &Planned,
    r: &ResourceBlock,
    refs: &[crate::graph::ResourceRef],
    inst: &InstanceVars,
) -> Vec<ResourceAddress> {
    let mut out: HashSet<ResourceAddress> = HashSet::new();
    let direct: HashSet<&crate::addr::BlockAddress> = refs.iter().map(|rf| &rf.addr).collect();
    let empty = Values::default();
    let scope_locals = &planned.locals;
    for rf in refs {
        let key = rf.index.as_ref().and_then(|ix| {
            let scope = crate::eval::Scope {
                vars: &ws.vars,
                locals: scope_locals,
                resources: &empty,
                instance: inst,
                module_path: ".",
                self_value: None,
            };
            crate::eval::static_index(ix, &rf.file, &scope)
        });
        match key {
            Some(k)
                if planned
                    .instances
                    .contains_key(&rf.addr.instance(Some(k.clone()))) =>
            {
                out.insert(rf.addr.instance(Some(k)));
            }
            _ => out.extend(instances_of(planned, &rf.addr)),
        }
    }
    // Dependencies through locals.
    for dep in ws.graph.resource_deps.get(&r.addr).into_iter().flatten() {
        if !direct.contains(dep) {
            out.extend(instances_of(planned, dep));
        }
    }
    let mut v: Vec<ResourceAddress> = out
        .into_iter()
        .filter(|a| a.block.mode == Mode::Managed || planned.instances.contains_key(a))
        .collect();
    v.sort();
    v
}

fn instances_of(planned: &Planned, block: &crate::addr::BlockAddress) -> Vec<ResourceAddress> {
    let Some(b) = planned.values.block_keys(block) else {
        return Vec::new();
    };
    b.into_iter().map(|k| block.instance(k)).collect()
}

/// Outputs, warnings (D01, D03) and prevent_destroy.
fn finish(ws: &Workspace, planned: &mut Planned, prior_outputs: &[OutputState]) {
    let module_path = ws.dir.to_string_lossy().to_string();
    if planned.plan.mode != PlanMode::Destroy {
        let env = EvalEnv {
            vars: &ws.vars,
            locals: &planned.locals,
            values: &planned.values,
            module_path: &module_path,
        };
        for (name, o) in &ws.config.outputs {
            let Some(value) = &o.value else { continue };
            match env.eval(value, &InstanceVars::default()) {
                Ok(v) => {
                    let before = prior_outputs
                        .iter()
                        .find(|p| &p.name == name)
                        .map(|p| p.value.clone());
                    if before
                        .as_ref()
                        .is_none_or(|b| !values_equal(b, &v) || is_unknown(&v))
                    {
                        planned.plan.outputs.push(OutputChange {
                            name: name.clone(),
                            before,
                            after: Some(v),
                            sensitive: o.sensitive,
                        });
                    }
                }
                Err(d) => planned.diags.push(d),
            }
        }
    }
    for p in prior_outputs {
        let kept =
            planned.plan.mode != PlanMode::Destroy && ws.config.outputs.contains_key(&p.name);
        if !kept {
            planned.plan.outputs.push(OutputChange {
                name: p.name.clone(),
                before: Some(p.value.clone()),
                after: None,
                sensitive: p.sensitive,
            });
        }
    }
    // EIPs that are being released.
    let releasing: HashSet<String> = planned
        .plan
        .changes
        .iter()
        .filter(|c| {
            c.schema_type == "alicloud_eip_address"
                && matches!(
                    c.action,
                    Action::Delete | Action::DeleteThenCreate | Action::CreateThenDelete
                )
        })
        .filter_map(|c| {
            c.before
                .as_ref()
                .and_then(|b| b.get("id"))
                .and_then(Value::as_str)
                .map(str::to_string)
        })
        .collect();
    for c in &mut planned.plan.changes {
        let before = c.before.clone().unwrap_or_default();
        let removes = matches!(
            c.action,
            Action::Delete | Action::DeleteThenCreate | Action::CreateThenDelete
        );
        if c.schema_type == "alicloud_eip_association" && removes {
            let eip = before
                .get("allocation_id")
                .and_then(Value::as_str)
                .unwrap_or("");
            if !eip.is_empty() && !releasing.contains(eip) {
                c.warnings.push(format!(
                    "EIP {eip} stays allocated after it is disassociated and keeps being charged; release it if it is no longer needed (rule D01)"
                ));
            }
        }
        if c.schema_type == "alicloud_eip_address" && removes {
            let pt = before
                .get("payment_type")
                .and_then(Value::as_str)
                .unwrap_or("");
            if pt == "Subscription" || pt == "PrePaid" {
                c.warnings.push(
                    "a subscription EIP cannot be released: destroying it only removes it from eipform's management, and it stays billed until it expires (rule D03)"
                        .to_string(),
                );
            }
        }
    }
    let blocks = block_index(ws);
    let env_locals = planned.locals.clone();
    let env = EvalEnv {
        vars: &ws.vars,
        locals: &env_locals,
        values: &planned.values,
        module_path: &module_path,
    };
    for c in &planned.plan.changes {
        if !matches!(
            c.action,
            Action::Delete | Action::DeleteThenCreate | Action::CreateThenDelete
        ) {
            continue;
        }
        let Some(block) = blocks.get(&c.addr.block) else {
            continue;
        };
        if let Some(pd) = &block.lifecycle.prevent_destroy
            && env.eval(pd, &InstanceVars::default()).ok() == Some(Value::Bool(true))
        {
            planned.diags.push(
                    Diagnostic::error("Instance cannot be destroyed")
                        .detail(format!(
                            "Resource {} has lifecycle.prevent_destroy set, but the plan calls for this resource to be destroyed. To avoid this error and continue with the plan, either disable lifecycle.prevent_destroy or reduce the scope of the plan.",
                            c.addr
                        ))
                        .at(Some(pd.key_range.clone()), "prevent_destroy is set")
                        .address(c.addr.to_string()),
                );
        }
    }
}

fn block_index(ws: &Workspace) -> HashMap<&crate::addr::BlockAddress, &ResourceBlock> {
    ws.config.resources.iter().map(|r| (&r.addr, r)).collect()
}

/// Checks a resource's postconditions against `value` (`self`) when the values they read are
/// known; otherwise apply checks them ([`conditions::after_apply`]).
fn postconditions(
    env: &EvalEnv<'_>,
    r: &ResourceBlock,
    inst: &InstanceVars,
    value: &Attrs,
    addr: &ResourceAddress,
    diags: &mut Vec<Diagnostic>,
) {
    if r.lifecycle.postconditions.is_empty() {
        return;
    }
    let value = &Value::Object(value.to_map());
    for c in &r.lifecycle.postconditions {
        if conditions::reads_unknown(env, c, value) {
            continue;
        }
        conditions::check(
            env,
            std::slice::from_ref(c),
            inst,
            Some(value),
            conditions::Kind::Postcondition,
            &addr.to_string(),
            diags,
        );
    }
}

/// The first `replace_triggered_by` reference of `r` whose object changes in this plan.
fn triggered_by(
    ws: &Workspace,
    planned: &Planned,
    r: &ResourceBlock,
    inst: &InstanceVars,
) -> Option<String> {
    let empty = Values::default();
    for (text, range) in &r.lifecycle.replace_triggered_by {
        let Ok(e) = hcl_edit::parser::parse_expr(text) else {
            continue;
        };
        for rf in crate::eval::references(&e, &range.file) {
            let Target::Resource { addr, index } = &rf.target else {
                continue;
            };
            let scope = crate::eval::Scope {
                vars: &ws.vars,
                locals: &planned.locals,
                resources: &empty,
                instance: inst,
                module_path: ".",
                self_value: None,
            };
            let key = index
                .as_ref()
                .and_then(|ix| crate::eval::static_index(ix, &range.file, &scope));
            let targets = match key {
                Some(k) => vec![addr.instance(Some(k))],
                None => instances_of(planned, addr),
            };
            for t in targets {
                let Some(&i) = planned.change_index.get(&t) else {
                    continue;
                };
                let c = &planned.plan.changes[i];
                let changed = match &rf.attr {
                    Some(a) if c.action != Action::NoOp => {
                        let get = |m: &Option<Arc<Attrs>>| {
                            m.as_ref()
                                .and_then(|m| m.get(a))
                                .cloned()
                                .unwrap_or(Value::Null)
                        };
                        let after = get(&c.after);
                        is_unknown(&after) || !values_equal(&get(&c.before), &after)
                    }
                    Some(_) => false,
                    None => matches!(
                        c.action,
                        Action::Create
                            | Action::Update
                            | Action::DeleteThenCreate
                            | Action::CreateThenDelete
                    ),
                };
                if changed {
                    return Some(match &rf.attr {
                        Some(a) => format!("{t}.{a}"),
                        None => t.to_string(),
                    });
                }
            }
        }
    }
    None
}

/// Names whose values are sensitive: variables declared `sensitive = true`, the locals computed
/// from them, and the resource arguments set from either.
struct SensitiveNames {
    vars: HashSet<String>,
    locals: HashSet<String>,
}

impl SensitiveNames {
    fn new(ws: &Workspace) -> SensitiveNames {
        let vars: HashSet<String> = ws
            .config
            .variables
            .values()
            .filter(|v| v.sensitive)
            .map(|v| v.name.clone())
            .collect();
        let mut out = SensitiveNames {
            vars,
            locals: HashSet::new(),
        };
        if out.vars.is_empty() {
            return out;
        }
        for node in &ws.graph.order {
            if let Node::Local(name) = node {
                let a = &ws.config.locals[name];
                if out.expr_is_sensitive(&a.expr, &a.range.file) {
                    out.locals.insert(name.clone());
                }
            }
        }
        out
    }

    fn is_sensitive_ref(&self, t: &Target) -> bool {
        match t {
            Target::Var(v) => self.vars.contains(v),
            Target::Local(l) => self.locals.contains(l),
            _ => false,
        }
    }

    fn expr_is_sensitive<E: crate::eval::ExprRef + ?Sized>(
        &self,
        e: &E,
        file: &std::sync::Arc<str>,
    ) -> bool {
        crate::eval::references(e, file)
            .iter()
            .any(|r| self.is_sensitive_ref(&r.target))
    }

    fn body_is_sensitive(&self, b: &crate::config::Body) -> bool {
        b.attrs
            .values()
            .any(|a| self.expr_is_sensitive(&a.expr, &a.range.file))
            || b.blocks.iter().any(|nb| self.body_is_sensitive(&nb.body))
    }

    /// The top-level arguments and blocks of `r` whose values come from sensitive names.
    fn config_attrs(&self, r: &ResourceBlock) -> Vec<String> {
        if self.vars.is_empty() {
            return Vec::new();
        }
        let mut out: Vec<String> = r
            .body
            .attrs
            .values()
            .filter(|a| self.expr_is_sensitive(&a.expr, &a.range.file))
            .map(|a| a.name.to_string())
            .collect();
        for nb in &r.body.blocks {
            if self.body_is_sensitive(&nb.body) && !out.contains(&nb.name) {
                out.push(nb.name.clone());
            }
        }
        out
    }

    /// Terraform's rule: a root output showing a sensitive value must say `sensitive = true`.
    fn check_outputs(&self, ws: &Workspace) -> Vec<Diagnostic> {
        let blocks = block_index(ws);
        let mut diags = Vec::new();
        for o in ws.config.outputs.values().filter(|o| !o.sensitive) {
            let Some(v) = &o.value else { continue };
            let refs = crate::eval::references(&v.expr, &v.range.file);
            let sensitive = refs.iter().any(|r| match &r.target {
                Target::Resource { addr, .. } => {
                    let (Some(attr), Some(b)) = (&r.attr, blocks.get(addr)) else {
                        return false;
                    };
                    let schema_sensitive = schema::lookup(
                        if addr.mode == Mode::Managed {
                            schema::SchemaKind::Resource
                        } else {
                            schema::SchemaKind::Data
                        },
                        &addr.rtype,
                    )
                    .and_then(|s| s.attributes.get(attr))
                    .is_some_and(|a| a.sensitive);
                    schema_sensitive || self.config_attrs(b).contains(attr)
                }
                t => self.is_sensitive_ref(t),
            });
            if sensitive {
                diags.push(
                    Diagnostic::error("Output refers to sensitive values")
                        .detail(format!(
                            "To reduce the risk of accidentally exporting sensitive data that was intended to be only internal, eipform requires that any root module output containing sensitive data be explicitly marked as sensitive, to confirm your intent.\n\nIf you do intend to export this data, annotate output \"{}\" as sensitive by adding the following argument:\n    sensitive = true",
                            o.name
                        ))
                        .at(Some(v.range.clone()), "refers to a sensitive value"),
                );
            }
        }
        diags
    }
}

#[cfg(test)]
mod refresh_tests {
    use std::sync::Mutex;

    use serde_json::json;

    use super::*;
    use crate::provider::{Deleted, ProviderError};

    /// Answers each read from the id alone: every 7th object changed its name outside
    /// eipform, every 11th is gone; reads of `alicloud_vpc` fail. Remembers the threads that
    /// read, and says at most `most` reads are worth making at once.
    struct Cloud {
        threads: Mutex<HashSet<std::thread::ThreadId>>,
        most: Option<usize>,
    }

    fn attrs(id: &str, name: &str) -> Attrs {
        json!({"id": id, "name": name})
            .as_object()
            .cloned()
            .unwrap()
            .into()
    }

    impl Provider for Cloud {
        fn create(&self, _: &OpContext, _: &str, _: &Attrs) -> Result<Attrs, ProviderError> {
            unreachable!()
        }
        fn read_concurrency(&self) -> Option<usize> {
            self.most
        }
        fn read(
            &self,
            _: &OpContext,
            rtype: &str,
            items: &[ReadItem],
        ) -> Result<Vec<Option<Attrs>>, ProviderError> {
            self.threads
                .lock()
                .unwrap()
                .insert(std::thread::current().id());
            // A read takes time, as a call to the cloud does: otherwise, on a loaded machine, the
            // first thread could take every batch before the others start.
            std::thread::sleep(std::time::Duration::from_millis(2));
            if rtype == "alicloud_vpc" {
                return Err(ProviderError::Invalid("no VPCs today".into()));
            }
            Ok(items
                .iter()
                .map(|(id, _)| {
                    let n: usize = id.trim_start_matches("eip-").parse().unwrap();
                    match (n % 11, n % 7) {
                        (0, _) => None,
                        (_, 0) => Some(attrs(id, "renamed")),
                        _ => Some(attrs(id, "web")),
                    }
                })
                .collect())
        }
        fn update(
            &self,
            _: &OpContext,
            _: &str,
            _: &str,
            _: &Attrs,
            _: &Attrs,
            _: &[String],
        ) -> Result<Attrs, ProviderError> {
            unreachable!()
        }
        fn delete(
            &self,
            _: &OpContext,
            _: &str,
            _: &str,
            _: &Attrs,
        ) -> Result<Deleted, ProviderError> {
            unreachable!()
        }
        fn read_data(&self, _: &OpContext, _: &str, _: &Attrs) -> Result<Attrs, ProviderError> {
            unreachable!()
        }
        fn import(&self, _: &OpContext, _: &str, _: &str) -> Result<Option<Attrs>, ProviderError> {
            unreachable!()
        }
        fn find_by_token(
            &self,
            _: &OpContext,
            _: &str,
            _: &str,
        ) -> Result<Option<Attrs>, ProviderError> {
            unreachable!()
        }
    }

    fn recorded(n: usize) -> Vec<ResourceState> {
        (0..n)
            .map(|i| {
                let id = format!("eip-{i}");
                ResourceState {
                    addr: format!("alicloud_eip_address.e[{i}]").parse().unwrap(),
                    schema_type: "alicloud_eip_address".into(),
                    provider: "alicloud".into(),
                    region: ["cn-hangzhou", "cn-shanghai"][i % 2].into(),
                    attrs: Arc::new(attrs(&id, "web")),
                    id,
                    deps: Vec::new(),
                    create_before_destroy: false,
                    sensitive: Vec::new(),
                    read: None,
                }
            })
            .collect()
    }

    /// Each refreshed record's address and attribute count; each drift's address and whether
    /// the object still exists.
    type Summary = (Vec<(String, usize)>, Vec<(String, bool)>);

    fn summary(r: &Refreshed) -> Summary {
        let mut records: Vec<(String, usize)> =
            r.0.values()
                .map(|s| (s.addr.to_string(), s.attrs.len()))
                .collect();
        records.sort();
        let drift =
            r.1.iter()
                .map(|d| (d.addr.to_string(), d.after.is_some()))
                .collect();
        (records, drift)
    }

    #[test]
    fn parallel_refresh_learns_the_same_as_one_read_at_a_time() {
        let cloud = Cloud {
            threads: Mutex::new(HashSet::new()),
            most: None,
        };
        let one = refresh(&cloud, recorded(1500), 1).unwrap();
        assert_eq!(cloud.threads.lock().unwrap().len(), 1);
        cloud.threads.lock().unwrap().clear();
        let many = refresh(&cloud, recorded(1500), 8).unwrap();
        assert!(
            cloud.threads.lock().unwrap().len() > 1,
            "reads ran on one thread"
        );
        assert_eq!(summary(&one), summary(&many));
        let (records, drift) = summary(&many);
        // 137 of 1500 ids are multiples of 11 (gone); 195 others are multiples of 7 (renamed).
        assert_eq!(records.len(), 1500 - 137);
        assert_eq!(drift.iter().filter(|(_, kept)| !kept).count(), 137);
        assert_eq!(drift.iter().filter(|(_, kept)| *kept).count(), 195);
        // Drift comes in the order of the groups (region), then of the records.
        assert_eq!(drift[0].0, "alicloud_eip_address.e[0]");
        assert_eq!(drift[1].0, "alicloud_eip_address.e[14]");
        let first_shanghai = drift.iter().position(|(a, _)| a.ends_with("[7]")).unwrap();
        assert!(drift[..first_shanghai].iter().all(|(a, _)| {
            let n: usize = a
                .trim_end_matches(']')
                .rsplit('[')
                .next()
                .unwrap()
                .parse()
                .unwrap();
            n.is_multiple_of(2)
        }));
    }

    #[test]
    fn reads_run_on_no_more_threads_than_the_provider_finds_worth_it() {
        let cloud = Cloud {
            threads: Mutex::new(HashSet::new()),
            most: Some(2),
        };
        let (refreshed, drift) = refresh(&cloud, recorded(2000), 10).unwrap();
        // 182 of the ids 0..2000 are multiples of 11 (gone).
        assert_eq!(refreshed.len(), 2000 - 182);
        assert_eq!(drift.iter().filter(|d| d.after.is_none()).count(), 182);
        assert_eq!(cloud.threads.lock().unwrap().len(), 2);
        cloud.threads.lock().unwrap().clear();
        // Fewer asked for than it allows: as many as asked.
        refresh(&cloud, recorded(2000), 1).unwrap();
        assert_eq!(cloud.threads.lock().unwrap().len(), 1);
    }

    #[test]
    fn a_failed_read_is_reported_whatever_the_parallelism() {
        let cloud = Cloud {
            threads: Mutex::new(HashSet::new()),
            most: None,
        };
        let mut prior = recorded(450);
        prior[3].schema_type = "alicloud_vpc".into();
        for p in [1, 4] {
            let Err(diags) = refresh(&cloud, prior.clone(), p) else {
                panic!("the failed read was not reported");
            };
            assert_eq!(diags.len(), 1);
            assert_eq!(
                diags[0].summary,
                "Error refreshing alicloud_vpc in cn-shanghai"
            );
        }
    }
}

#[cfg(test)]
mod level_tests {
    use super::*;

    #[test]
    fn blocks_planned_on_several_threads_come_back_in_order() {
        let blocks: Vec<(usize, usize)> = (0..1000).map(|i| (i * 2, i)).collect();
        let threads_seen = std::sync::Mutex::new(HashSet::new());
        let plan = |idx: usize| {
            threads_seen
                .lock()
                .unwrap()
                .insert(std::thread::current().id());
            idx * 10
        };
        let want: Vec<usize> = (0..1000).map(|i| i * 10).collect();
        assert_eq!(plan_blocks(&blocks, 4, plan), want);
        assert_eq!(threads_seen.lock().unwrap().len(), 4);

        threads_seen.lock().unwrap().clear();
        assert_eq!(plan_blocks(&blocks, 1, plan), want);
        assert_eq!(threads_seen.lock().unwrap().len(), 1);
        // A small level stays on the calling thread.
        threads_seen.lock().unwrap().clear();
        assert_eq!(plan_blocks(&blocks[..10], 4, plan), want[..10]);
        assert_eq!(
            threads_seen.lock().unwrap().iter().collect::<Vec<_>>(),
            [&std::thread::current().id()]
        );
    }
}
