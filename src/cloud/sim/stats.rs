//! API call counting for benchmarks: with `EIPFORM_SIM_STATS=PATH` set, every call made to the
//! simulated cloud (not to plan's scratch sessions) is counted per action, and the counts are
//! written to PATH as JSON (`{"total": N, "actions": {"DescribeEipAddresses": K, ...}}`) when the
//! cloud is closed. Unset, counting costs one check of a cached flag per call.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Mutex, OnceLock};

/// The environment variable naming the file the counts go to.
pub const ENV: &str = "EIPFORM_SIM_STATS";

static COUNTS: Mutex<BTreeMap<String, u64>> = Mutex::new(BTreeMap::new());

fn path() -> Option<&'static PathBuf> {
    static PATH: OnceLock<Option<PathBuf>> = OnceLock::new();
    PATH.get_or_init(|| {
        std::env::var_os(ENV)
            .filter(|p| !p.is_empty())
            .map(PathBuf::from)
    })
    .as_ref()
}

/// Counts one call of `action`.
pub fn count(action: &str) {
    if path().is_some() {
        let mut counts = COUNTS.lock().unwrap_or_else(|p| p.into_inner());
        *counts.entry(action.to_string()).or_default() += 1;
    }
}

/// Writes the counts so far to the file named by [`ENV`] (best effort: a benchmark aid).
pub fn flush() {
    let Some(path) = path() else { return };
    let counts = COUNTS.lock().unwrap_or_else(|p| p.into_inner()).clone();
    let total: u64 = counts.values().sum();
    let body = serde_json::json!({"total": total, "actions": counts});
    let _ = std::fs::write(path, body.to_string());
}
