//! After an apply, re-reads what the run touched (and what those resources depend on), so
//! side effects of the run itself are recorded instead of showing up as drift on the next plan:
//! an association changes its EIP's `status` and `instance_id`, a pool's `used_ip_num` grows
//! when an EIP is allocated from it.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use crate::addr::ResourceAddress;
use crate::plan::diff::values_equal;
use crate::plan::planner::op_context;
use crate::provider::{Attrs, Provider};
use crate::state::{ResourceState, StateError, StateStore};

/// Re-reads `touched` and their recorded dependencies, one batched read per (region, type), and
/// records every resource whose attributes moved. Returns how many records changed.
pub fn settle(
    store: &mut dyn StateStore,
    provider: &dyn Provider,
    touched: &[ResourceAddress],
) -> Result<usize, StateError> {
    let touched_set: BTreeSet<&ResourceAddress> = touched.iter().collect();
    let mut addrs: BTreeSet<ResourceAddress> = BTreeSet::new();
    let mut records: Vec<ResourceState> = Vec::new();
    for a in touched {
        if let Some(r) = store.get(a)? {
            for d in &r.deps {
                addrs.insert(d.clone());
            }
            if addrs.insert(a.clone()) {
                records.push(r);
            }
        }
    }
    for a in &addrs {
        if !touched_set.contains(a)
            && let Some(r) = store.get(a)?
        {
            records.push(r);
        }
    }
    let mut groups: BTreeMap<(String, String), Vec<ResourceState>> = BTreeMap::new();
    for r in records {
        groups
            .entry((r.region.clone(), r.schema_type.clone()))
            .or_default()
            .push(r);
    }
    let mut changed = 0;
    for ((region, ty), items) in groups {
        let batch: Vec<(String, Attrs)> = items
            .iter()
            .map(|r| (r.id.clone(), r.attrs.clone()))
            .collect();
        let Ok(now) = provider.read(&op_context(&region, Duration::from_secs(120)), &ty, &batch)
        else {
            continue;
        };
        for (r, attrs) in items.into_iter().zip(now) {
            let Some(attrs) = attrs else { continue };
            let moved = attrs
                .iter()
                .any(|(k, v)| !values_equal(r.attrs.get(k).unwrap_or(&serde_json::Value::Null), v));
            if moved {
                store.put(&ResourceState { attrs, ..r })?;
                changed += 1;
            }
        }
    }
    Ok(changed)
}
