//! Adopting objects the cloud already holds: `import { to = ADDRESS, id = "..." }` blocks (the
//! plan reads the object through [`Provider::import`], diffs the configuration against it and
//! shows `# ADDRESS will be imported`; apply records it) and the command
//! `eipform import ADDRESS ID` (reads and records at once).

// Diagnostics are this crate's error type throughout (they carry source ranges for the user).
#![allow(clippy::result_large_err)]

use foldhash::{HashMap, HashMapExt};
use std::time::Duration;

use serde_json::Value;

use super::evaluate::EvalEnv;
use super::planner::{op_context, provider_key};
use crate::addr::{Mode, ResourceAddress};
use crate::diag::Diagnostic;
use crate::eval::{InstanceVars, is_unknown};
use crate::provider::Provider;
use crate::state::{ResourceState, StateError, StateStore};
use crate::workspace::Workspace;

/// Reads the object `id` for `addr` from the cloud, checking that the configuration declares
/// `addr`. The result is what the state will record.
pub fn import_one(
    ws: &Workspace,
    provider: &dyn Provider,
    addr: &ResourceAddress,
    id: &str,
) -> Result<ResourceState, Diagnostic> {
    if addr.block.mode == Mode::Data {
        return Err(Diagnostic::error("Invalid import address")
            .detail(format!(
                "{addr} is a data source; only managed resources can be imported."
            ))
            .address(addr.to_string()));
    }
    let Some(block) = ws.config.find(&addr.block) else {
        return Err(Diagnostic::error("Configuration for import target does not exist")
            .detail(format!(
                "The configuration has no resource {}. Before importing this object, write its resource block in the configuration:\n\nresource \"{}\" \"{}\" {{\n  # ...\n}}",
                addr.block, addr.block.rtype, addr.block.name
            ))
            .address(addr.to_string()));
    };
    let expanded = block.count.is_some() || block.for_each.is_some();
    if expanded != addr.key.is_some() {
        let detail = if expanded {
            format!(
                "{} uses {}: name one instance, like {}[0] or {}[\"key\"].",
                addr.block,
                if block.count.is_some() {
                    "count"
                } else {
                    "for_each"
                },
                addr.block,
                addr.block
            )
        } else {
            format!(
                "{} uses neither count nor for_each: its address takes no index.",
                addr.block
            )
        };
        return Err(Diagnostic::error("Invalid import address")
            .detail(detail)
            .at(Some(block.range.clone()), "declared here")
            .address(addr.to_string()));
    }
    let pkey = provider_key(block);
    let region = ws.region_of(&pkey);
    let ctx = op_context(&region, Duration::from_secs(60));
    match provider.import(&ctx, &block.schema_type, id) {
        Ok(Some(attrs)) => Ok(ResourceState {
            addr: addr.clone(),
            schema_type: block.schema_type.clone(),
            provider: pkey.into(),
            region: region.into(),
            id: attrs.get("id").and_then(Value::as_str).unwrap_or(id).to_string(),
            attrs: std::sync::Arc::new(attrs),
            deps: Vec::new(),
            create_before_destroy: false,
            sensitive: Vec::new(),
            read: None,
        }),
        Ok(None) => Err(Diagnostic::error("Cannot import non-existent remote object")
            .detail(format!(
                "While attempting to import an existing object to \"{addr}\", the provider found no {} with the id \"{id}\" in region {region}. Only objects that already exist can be imported; check the id and the provider's region, or use \"eipform apply\" to create a new object for this resource.",
                block.schema_type
            ))
            .address(addr.to_string())),
        Err(e) => Err(Diagnostic::error(format!("Error importing {addr}"))
            .detail(e.to_string())
            .rule(e.rule().map(str::to_string))
            .address(addr.to_string())),
    }
}

/// Reads the objects of the configuration's `import` blocks whose address the state does not
/// hold yet, adding them to `prior`. Returns address -> imported id.
pub fn plan_imports(
    ws: &Workspace,
    provider: &dyn Provider,
    env: &EvalEnv<'_>,
    prior: &mut crate::plan::planner::ByAddress<ResourceState>,
    diags: &mut Vec<Diagnostic>,
) -> HashMap<ResourceAddress, String> {
    let mut out = HashMap::new();
    let mut ids: HashMap<(String, String), ResourceAddress> = HashMap::new();
    for imp in &ws.config.imports {
        let addr: ResourceAddress = match imp.to.parse() {
            Ok(a) => a,
            Err(e) => {
                diags.push(
                    Diagnostic::error("Invalid import address")
                        .detail(e)
                        .at(Some(imp.range.clone()), "invalid address"),
                );
                continue;
            }
        };
        if prior.contains_key(&addr) {
            // Already managed: the import block has nothing left to do.
            continue;
        }
        let id = match env.eval(&imp.id, &InstanceVars::default()) {
            Ok(Value::String(s)) if !is_unknown(&Value::String(s.clone())) && !s.is_empty() => s,
            Ok(other) => {
                diags.push(
                    Diagnostic::error("Invalid import id")
                        .detail(format!("The import id must be a non-empty string known before apply, got {other}."))
                        .at(Some(imp.id.range.clone()), "invalid id"),
                );
                continue;
            }
            Err(d) => {
                diags.push(d);
                continue;
            }
        };
        if let Some(other) = ids.insert((addr.block.rtype.to_string(), id.clone()), addr.clone()) {
            diags.push(
                Diagnostic::error("Duplicate import")
                    .detail(format!("{other} and {addr} both import the object \"{id}\"; an object can be managed at one address only."))
                    .at(Some(imp.range.clone()), "imported twice"),
            );
            continue;
        }
        match import_one(ws, provider, &addr, &id) {
            Ok(r) => {
                prior.insert(addr.clone(), r);
                out.insert(addr, id);
            }
            Err(d) => diags.push(d.at(Some(imp.range.clone()), "import block")),
        }
    }
    out
}

/// Records the objects a plan imports (read again through the provider), one transaction each.
pub fn commit(
    ws: &Workspace,
    provider: &dyn Provider,
    imports: &HashMap<ResourceAddress, String>,
    state: &mut dyn StateStore,
) -> Result<usize, Diagnostic> {
    let mut keys: Vec<&ResourceAddress> = imports.keys().collect();
    keys.sort();
    for addr in &keys {
        let r = import_one(ws, provider, addr, &imports[*addr])?;
        state.put(&r).map_err(|e: StateError| {
            Diagnostic::error("Failed to save state")
                .detail(e.to_string())
                .address(addr.to_string())
        })?;
    }
    Ok(keys.len())
}

/// Before apply: records the plan's `moved` renames and `import` adoptions in the state, so the
/// walk that follows finds every object at its new address. Reads them from the plan's changes
/// (so a saved plan carries them too).
pub fn commit_planned(
    ws: &Workspace,
    planned: &super::planner::Planned,
    provider: &dyn Provider,
    state: &mut dyn StateStore,
) -> Result<(), Diagnostic> {
    let mut moves = HashMap::new();
    let mut imports = HashMap::new();
    for c in &planned.plan.changes {
        if let Some(from) = &c.moved_from {
            moves.insert(c.addr.clone(), ResourceAddress::clone(from));
        }
        if let Some(id) = &c.import_id {
            imports.insert(c.addr.clone(), id.clone());
        }
    }
    super::moved::commit(&moves, &planned.prior, state).map_err(|e| {
        Diagnostic::error("Failed to save state")
            .detail(format!("while recording moved objects: {e}"))
    })?;
    commit(ws, provider, &imports, state)?;
    Ok(())
}
