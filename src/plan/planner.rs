//! Making a plan: refresh the recorded resources from the cloud (batched by type and region),
//! evaluate the configuration block by block in dependency order, diff each instance against
//! its refreshed state, and plan deletes for what left the configuration.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::Duration;

use serde_json::Value;

use super::diff::{self, values_equal};
use super::evaluate::{self, EvalEnv};
use super::model::*;
use super::values::{Expansion, Values};
use crate::addr::{Mode, ResourceAddress};
use crate::config::ResourceBlock;
use crate::diag::{Diagnostic, has_errors};
use crate::eval::{InstanceVars, Target, is_unknown};
use crate::graph::{Node, resource_refs};
use crate::provider::{Attrs, OpContext, Provider};
use crate::schema;
use crate::state::{OutputState, ResourceState, StateMeta};
use crate::workspace::Workspace;

#[derive(Debug, Clone, Copy)]
pub struct PlanOptions {
    pub mode: PlanMode,
    pub refresh: bool,
}

/// One resource instance of the configuration.
#[derive(Debug, Clone)]
pub struct Instance {
    /// Index into `Config::resources`.
    pub block: usize,
    pub addr: ResourceAddress,
    pub vars: InstanceVars,
    pub provider: String,
    pub region: String,
    /// The instances it depends on (direct).
    pub deps: Vec<ResourceAddress>,
}

/// A plan together with what apply needs to carry it out.
pub struct Planned {
    pub plan: Plan,
    pub instances: HashMap<ResourceAddress, Instance>,
    /// The refreshed state.
    pub prior: HashMap<ResourceAddress, ResourceState>,
    pub locals: HashMap<String, Value>,
    pub values: Values,
    pub diags: Vec<Diagnostic>,
}

pub fn provider_key(r: &ResourceBlock) -> String {
    r.provider.as_ref().map(|(p, _)| p.clone()).unwrap_or_else(|| "alicloud".to_string())
}

pub fn op_context(region: &str, timeout: Duration) -> OpContext {
    OpContext { region: region.to_string(), client_token: None, timeout }
}

/// Refreshes every recorded resource: one batched read per (region, type).
pub fn refresh(
    provider: &dyn Provider,
    prior: &[ResourceState],
) -> Result<(HashMap<ResourceAddress, ResourceState>, Vec<Drift>), Vec<Diagnostic>> {
    let mut groups: BTreeMap<(String, String), Vec<&ResourceState>> = BTreeMap::new();
    for r in prior {
        groups.entry((r.region.clone(), r.schema_type.clone())).or_default().push(r);
    }
    let mut refreshed = HashMap::with_capacity(prior.len());
    let mut drift = Vec::new();
    let mut diags = Vec::new();
    for ((region, ty), items) in groups {
        let batch: Vec<(String, Attrs)> = items.iter().map(|r| (r.id.clone(), r.attrs.clone())).collect();
        let ctx = op_context(&region, Duration::from_secs(300));
        match provider.read(&ctx, &ty, &batch) {
            Ok(results) => {
                for (r, now) in items.into_iter().zip(results) {
                    match now {
                        Some(attrs) => {
                            let changed = attrs.iter().any(|(k, v)| !values_equal(r.attrs.get(k).unwrap_or(&Value::Null), v));
                            if changed {
                                drift.push(Drift {
                                    addr: r.addr.clone(),
                                    schema_type: r.schema_type.clone(),
                                    provider: r.provider.clone(),
                                    before: r.attrs.clone(),
                                    after: Some(attrs.clone()),
                                });
                            }
                            let mut updated = r.clone();
                            updated.attrs = attrs;
                            refreshed.insert(r.addr.clone(), updated);
                        }
                        None => drift.push(Drift {
                            addr: r.addr.clone(),
                            schema_type: r.schema_type.clone(),
                            provider: r.provider.clone(),
                            before: r.attrs.clone(),
                            after: None,
                        }),
                    }
                }
            }
            Err(e) => diags.push(
                Diagnostic::error(format!("Error refreshing {ty} in {region}"))
                    .detail(e.to_string())
                    .rule(e.rule().map(str::to_string)),
            ),
        }
    }
    if diags.is_empty() { Ok((refreshed, drift)) } else { Err(diags) }
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
    let (prior, drift) = if opts.refresh {
        refresh(provider, &prior_list)?
    } else {
        (prior_list.iter().map(|r| (r.addr.clone(), r.clone())).collect(), Vec::new())
    };
    let mut planned = Planned {
        plan: Plan {
            mode: opts.mode,
            changes: Vec::new(),
            drift,
            outputs: Vec::new(),
            lineage: meta.lineage.clone(),
            serial: meta.serial,
            warnings: Vec::new(),
        },
        instances: HashMap::new(),
        prior,
        locals: HashMap::new(),
        values: Values::default(),
        diags: Vec::new(),
    };
    if opts.mode == PlanMode::RefreshOnly {
        let mut keys: Vec<&ResourceAddress> = planned.prior.keys().collect();
        keys.sort();
        planned.plan.changes = keys.into_iter().map(|a| noop(&planned.prior[a])).collect();
        return Ok(planned);
    }
    if opts.mode == PlanMode::Destroy {
        let mut keys: Vec<ResourceAddress> = planned.prior.keys().cloned().collect();
        keys.sort();
        for a in keys {
            let r = &planned.prior[&a];
            planned.plan.changes.push(delete(r, None));
        }
        finish(ws, &mut planned, prior_outputs);
        return Ok(planned);
    }
    evaluate_config(ws, provider, &mut planned);
    if has_errors(&planned.diags) {
        return Err(std::mem::take(&mut planned.diags));
    }
    // What left the configuration is deleted.
    let mut orphans: Vec<&ResourceState> = planned.prior.values().filter(|r| !planned.instances.contains_key(&r.addr)).collect();
    orphans.sort_by(|a, b| a.addr.cmp(&b.addr));
    let blocks = block_index(ws);
    let orphan_changes: Vec<ResourceChange> = orphans
        .into_iter()
        .map(|r| {
            let reason = match blocks.get(&r.addr.block) {
                Some(b) if b.count.is_some() => format!("because index {} is out of range for count", r.addr.key.as_ref().map(|k| k.to_string()).unwrap_or_default()),
                Some(b) if b.for_each.is_some() => format!("because key {} is not in for_each map", r.addr.key.as_ref().map(|k| k.to_string()).unwrap_or_default()),
                Some(_) => "because resource does not use count".to_string(),
                None => format!("because {} is not in configuration", r.addr.block),
            };
            delete(r, Some(reason))
        })
        .collect();
    planned.plan.changes.extend(orphan_changes);
    planned.plan.changes.sort_by(|a, b| a.addr.cmp(&b.addr));
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
    }
}

fn delete(r: &ResourceState, reason: Option<String>) -> ResourceChange {
    ResourceChange { action: Action::Delete, after: None, reason, ..noop(r) }
}

fn evaluate_config(ws: &Workspace, provider: &dyn Provider, planned: &mut Planned) {
    let config = &ws.config;
    let module_path = ws.dir.to_string_lossy().to_string();
    for node in &ws.graph.order {
        match node {
            Node::Local(name) => {
                let env = EvalEnv { vars: &ws.vars, locals: &planned.locals, values: &planned.values, module_path: &module_path };
                match env.eval(&config.locals[name], &InstanceVars::default()) {
                    Ok(v) => {
                        planned.locals.insert(name.clone(), v);
                    }
                    Err(d) => planned.diags.push(d),
                }
            }
            Node::Output(_) => {}
            Node::Resource(i) => resource(ws, provider, planned, *i, &module_path),
        }
    }
}

fn resource(ws: &Workspace, provider: &dyn Provider, planned: &mut Planned, idx: usize, module_path: &str) {
    let r = &ws.config.resources[idx];
    let instances = {
        let env = EvalEnv { vars: &ws.vars, locals: &planned.locals, values: &planned.values, module_path };
        match evaluate::expand(&env, r) {
            Ok(i) => i,
            Err(d) => {
                planned.diags.push(d);
                return;
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
    planned.values.declare(&r.addr, expansion);
    let Some(s) = schema::lookup(
        if r.addr.mode == Mode::Managed { schema::SchemaKind::Resource } else { schema::SchemaKind::Data },
        &r.addr.rtype,
    ) else {
        return;
    };
    let pkey = provider_key(r);
    let region = ws.region_of(&pkey);
    let refs = resource_refs(r);
    for inst in instances {
        let addr = r.addr.instance(inst.key());
        let env = EvalEnv { vars: &ws.vars, locals: &planned.locals, values: &planned.values, module_path };
        let config = match evaluate::instance_config(&env, r, &inst) {
            Ok(c) => c,
            Err(d) => {
                planned.diags.extend(d);
                continue;
            }
        };
        let deps = instance_deps(ws, planned, r, &refs, &inst);
        planned.instances.insert(
            addr.clone(),
            Instance { block: idx, addr: addr.clone(), vars: inst.clone(), provider: pkey.clone(), region: region.clone(), deps },
        );
        if r.addr.mode == Mode::Data {
            let value = if diff::has_unknown(&config) {
                let after = diff::planned_create(s, &config);
                planned.plan.changes.push(ResourceChange {
                    addr: addr.clone(),
                    schema_type: s.type_name.clone(),
                    provider: pkey.clone(),
                    region: region.clone(),
                    action: Action::Read,
                    before: None,
                    after: Some(after.clone()),
                    replace_paths: Vec::new(),
                    reason: Some("config refers to values not yet known".into()),
                    sensitive: Vec::new(),
                    warnings: Vec::new(),
                });
                after
            } else {
                match provider.read_data(&op_context(&region, Duration::from_secs(60)), &s.type_name, &config) {
                    Ok(mut v) => {
                        for (k, val) in &config {
                            v.entry(k.clone()).or_insert_with(|| val.clone());
                        }
                        v
                    }
                    Err(e) => {
                        planned.diags.push(
                            Diagnostic::error(format!("Error reading {addr}"))
                                .detail(e.to_string())
                                .at(Some(r.range.clone()), "while reading this data source")
                                .rule(e.rule().map(str::to_string)),
                        );
                        continue;
                    }
                }
            };
            planned.values.set(&r.addr, inst.key(), Value::Object(value));
            continue;
        }
        let change = match planned.prior.get(&addr) {
            None => ResourceChange {
                addr: addr.clone(),
                schema_type: s.type_name.clone(),
                provider: pkey.clone(),
                region: region.clone(),
                action: Action::Create,
                before: None,
                after: Some(diff::planned_create(s, &config)),
                replace_paths: Vec::new(),
                reason: None,
                sensitive: sensitive_attrs(s),
                warnings: Vec::new(),
            },
            Some(prior) => {
                let d = diff::diff(s, &prior.attrs, &config, &r.lifecycle.ignore_changes);
                let cbd = r.lifecycle.create_before_destroy.as_ref().and_then(|a| env.eval(a, &inst).ok()) == Some(Value::Bool(true));
                let action = if !d.forces.is_empty() {
                    if cbd { Action::CreateThenDelete } else { Action::DeleteThenCreate }
                } else if !d.changed.is_empty() {
                    Action::Update
                } else {
                    Action::NoOp
                };
                let mut after = d.after;
                if action.is_replace() {
                    after = diff::planned_create(s, &config);
                }
                ResourceChange {
                    addr: addr.clone(),
                    schema_type: s.type_name.clone(),
                    provider: pkey.clone(),
                    region: region.clone(),
                    action,
                    before: Some(prior.attrs.clone()),
                    after: Some(after),
                    replace_paths: d.forces,
                    reason: None,
                    sensitive: sensitive_attrs(s),
                    warnings: Vec::new(),
                }
            }
        };
        let value = change.after.clone().unwrap_or_default();
        planned.values.set(&r.addr, inst.key(), Value::Object(value));
        planned.plan.changes.push(change);
    }
}

fn sensitive_attrs(s: &schema::ResourceSchema) -> Vec<String> {
    s.attributes.iter().filter(|(_, a)| a.sensitive).map(|(n, _)| n.clone()).collect()
}

/// The instances an instance depends on: a reference with a static index (`x[count.index]`)
/// names one instance; any other reference, all instances of the block.
fn instance_deps(
    ws: &Workspace,
    planned: &Planned,
    r: &ResourceBlock,
    refs: &[crate::eval::Reference],
    inst: &InstanceVars,
) -> Vec<ResourceAddress> {
    let mut out: HashSet<ResourceAddress> = HashSet::new();
    let direct: HashSet<&crate::addr::BlockAddress> = refs
        .iter()
        .filter_map(|rf| match &rf.target {
            Target::Resource { addr, .. } => Some(addr),
            _ => None,
        })
        .collect();
    let empty = Values::default();
    let scope_locals = &planned.locals;
    for rf in refs {
        if let Target::Resource { addr, index } = &rf.target {
            let key = index.as_ref().and_then(|ix| {
                let scope = crate::eval::Scope { vars: &ws.vars, locals: scope_locals, resources: &empty, instance: inst, module_path: ".", self_value: None };
                crate::eval::static_index(ix, &rf.range.file, &scope)
            });
            match key {
                Some(k) if planned.instances.contains_key(&addr.instance(Some(k.clone()))) => {
                    out.insert(addr.instance(Some(k)));
                }
                _ => out.extend(instances_of(planned, addr)),
            }
        }
    }
    // Dependencies through locals.
    for dep in ws.graph.resource_deps.get(&r.addr).into_iter().flatten() {
        if !direct.contains(dep) {
            out.extend(instances_of(planned, dep));
        }
    }
    let mut v: Vec<ResourceAddress> = out.into_iter().filter(|a| a.block.mode == Mode::Managed || planned.instances.contains_key(a)).collect();
    v.sort();
    v
}

fn instances_of(planned: &Planned, block: &crate::addr::BlockAddress) -> Vec<ResourceAddress> {
    let Some(b) = planned.values.block_keys(block) else { return Vec::new() };
    b.into_iter().map(|k| block.instance(k)).collect()
}

/// Outputs, warnings (D01, D03) and prevent_destroy.
fn finish(ws: &Workspace, planned: &mut Planned, prior_outputs: &[OutputState]) {
    let module_path = ws.dir.to_string_lossy().to_string();
    if planned.plan.mode != PlanMode::Destroy {
        let env = EvalEnv { vars: &ws.vars, locals: &planned.locals, values: &planned.values, module_path: &module_path };
        for (name, o) in &ws.config.outputs {
            let Some(value) = &o.value else { continue };
            match env.eval(value, &InstanceVars::default()) {
                Ok(v) => {
                    let before = prior_outputs.iter().find(|p| &p.name == name).map(|p| p.value.clone());
                    if before.as_ref().is_none_or(|b| !values_equal(b, &v) || is_unknown(&v)) {
                        planned.plan.outputs.push(OutputChange { name: name.clone(), before, after: Some(v), sensitive: o.sensitive });
                    }
                }
                Err(d) => planned.diags.push(d),
            }
        }
    }
    for p in prior_outputs {
        let kept = planned.plan.mode != PlanMode::Destroy && ws.config.outputs.contains_key(&p.name);
        if !kept {
            planned.plan.outputs.push(OutputChange { name: p.name.clone(), before: Some(p.value.clone()), after: None, sensitive: p.sensitive });
        }
    }
    // EIPs that are being released.
    let releasing: HashSet<String> = planned
        .plan
        .changes
        .iter()
        .filter(|c| c.schema_type == "alicloud_eip_address" && matches!(c.action, Action::Delete | Action::DeleteThenCreate | Action::CreateThenDelete))
        .filter_map(|c| c.before.as_ref().and_then(|b| b.get("id")).and_then(Value::as_str).map(str::to_string))
        .collect();
    for c in &mut planned.plan.changes {
        let before = c.before.clone().unwrap_or_default();
        let removes = matches!(c.action, Action::Delete | Action::DeleteThenCreate | Action::CreateThenDelete);
        if c.schema_type == "alicloud_eip_association" && removes {
            let eip = before.get("allocation_id").and_then(Value::as_str).unwrap_or("");
            if !eip.is_empty() && !releasing.contains(eip) {
                c.warnings.push(format!(
                    "EIP {eip} stays allocated after it is disassociated and keeps being charged; release it if it is no longer needed (rule D01)"
                ));
            }
        }
        if c.schema_type == "alicloud_eip_address" && removes {
            let pt = before.get("payment_type").and_then(Value::as_str).unwrap_or("");
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
    let env = EvalEnv { vars: &ws.vars, locals: &env_locals, values: &planned.values, module_path: &module_path };
    for c in &planned.plan.changes {
        if !matches!(c.action, Action::Delete | Action::DeleteThenCreate | Action::CreateThenDelete) {
            continue;
        }
        let Some(block) = blocks.get(&c.addr.block) else { continue };
        if let Some(pd) = &block.lifecycle.prevent_destroy {
            if env.eval(pd, &InstanceVars::default()).ok() == Some(Value::Bool(true)) {
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
}

fn block_index(ws: &Workspace) -> HashMap<&crate::addr::BlockAddress, &ResourceBlock> {
    ws.config.resources.iter().map(|r| (&r.addr, r)).collect()
}
