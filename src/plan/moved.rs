//! `moved` blocks: renaming recorded objects before planning, so a renamed resource (or a
//! resource that gained `count`/`for_each`) keeps its cloud object instead of being destroyed
//! and created again.
//!
//! `from`/`to` are resource addresses: a whole block (`alicloud_eip_address.a` to
//! `alicloud_eip_address.b`, every instance keeps its key) or one instance
//! (`alicloud_eip_address.a` to `alicloud_eip_address.b[0]`). The plan shows
//! `# FROM has moved to TO`; apply renames the state row ([`commit`]) before anything else.

use foldhash::{HashMap, HashMapExt};

use crate::addr::{Mode, ResourceAddress};
use crate::config::Config;
use crate::diag::Diagnostic;
use crate::state::{ResourceState, StateError, StateStore};

/// Renames the objects of `prior` as the `moved` blocks say. Returns new address -> old address.
pub fn apply_moves(
    config: &Config,
    prior: &mut crate::plan::planner::ByAddress<ResourceState>,
    diags: &mut Vec<Diagnostic>,
) -> HashMap<ResourceAddress, ResourceAddress> {
    let mut moved: HashMap<ResourceAddress, ResourceAddress> = HashMap::new();
    if config.moved.is_empty() {
        return moved;
    }
    // Which blocks a move touches, so that each move looks only at its own block's instances.
    let mut by_block: HashMap<&crate::addr::BlockAddress, Vec<ResourceAddress>> = HashMap::new();
    for a in prior.keys() {
        by_block.entry(&a.block).or_default().push(a.clone());
    }
    let mut renames: Vec<(ResourceAddress, ResourceAddress)> = Vec::new();
    for m in &config.moved {
        let parse = |s: &str| s.parse::<ResourceAddress>();
        let (from, to) = match (parse(&m.from), parse(&m.to)) {
            (Ok(f), Ok(t)) => (f, t),
            (Err(e), _) | (_, Err(e)) => {
                diags.push(
                    Diagnostic::error("Invalid \"moved\" address")
                        .detail(format!("{e}. A moved block takes resource addresses, like from = alicloud_eip_address.old and to = alicloud_eip_address.new."))
                        .at(Some(m.range.clone()), "invalid address"),
                );
                continue;
            }
        };
        if from.block.mode == Mode::Data || to.block.mode == Mode::Data {
            diags.push(
                Diagnostic::error("Invalid \"moved\" address")
                    .detail("Data resources cannot be moved: they hold no object.")
                    .at(Some(m.range.clone()), "data resource"),
            );
            continue;
        }
        if from.block.rtype != to.block.rtype {
            diags.push(
                Diagnostic::error("Resource type mismatch")
                    .detail(format!(
                        "This statement declares a move from {from} to {to}, which is a resource of a different type. A moved block can only rename an object, not change its type."
                    ))
                    .at(Some(m.range.clone()), "different resource types"),
            );
            continue;
        }
        if from == to {
            diags.push(
                Diagnostic::error("Redundant move statement")
                    .detail(format!(
                        "This statement declares a move from {from} to the same address."
                    ))
                    .at(Some(m.range.clone()), "same address"),
            );
            continue;
        }
        let whole_block = from.key.is_none() && to.key.is_none();
        let sources: Vec<ResourceAddress> = if whole_block {
            by_block.get(&from.block).cloned().unwrap_or_default()
        } else if prior.contains_key(&from) {
            vec![from.clone()]
        } else {
            Vec::new()
        };
        for old in sources {
            let new = if whole_block {
                to.block.instance(old.key.clone())
            } else {
                to.clone()
            };
            renames.push((old, new));
        }
    }
    for (old, new) in renames {
        if prior.contains_key(&new) {
            diags.push(
                Diagnostic::error("Moved object still exists")
                    .detail(format!(
                        "A moved block says {old} is now {new}, but the state already holds an object at {new}. Remove the moved block, or remove one of the objects from management."
                    ))
                    .address(new.to_string()),
            );
            continue;
        }
        let Some(mut r) = prior.swap_remove(&old) else {
            continue;
        };
        r.addr = new.clone();
        prior.insert(new.clone(), r);
        let origin = moved.remove(&old).unwrap_or(old);
        moved.insert(new, origin);
    }
    // Dependencies recorded under an old address follow the rename.
    if !moved.is_empty() {
        let back: HashMap<&ResourceAddress, &ResourceAddress> =
            moved.iter().map(|(n, o)| (o, n)).collect();
        for r in prior.values_mut() {
            for d in r.deps.iter_mut() {
                if let Some(n) = back.get(d) {
                    *d = (*n).clone();
                }
            }
        }
    }
    moved
}

/// Records the renames of a plan in the state, one transaction per object (before apply).
pub fn commit(
    moves: &HashMap<ResourceAddress, ResourceAddress>,
    prior: &crate::plan::planner::ByAddress<ResourceState>,
    state: &mut dyn StateStore,
) -> Result<usize, StateError> {
    let mut keys: Vec<&ResourceAddress> = moves.keys().collect();
    keys.sort();
    let mut n = 0;
    for new in keys {
        let Some(r) = prior.get(new) else { continue };
        // Keep the recorded attributes (not the refreshed ones): apply records those itself.
        let recorded = state.get(&moves[new])?;
        let mut row = recorded.unwrap_or_else(|| r.clone());
        row.addr = new.clone();
        row.deps = r.deps.clone();
        state.put(&row)?;
        state.remove(&moves[new])?;
        n += 1;
    }
    Ok(n)
}
