//! Saved plans: the file `eipform plan --out FILE` writes and `eipform apply FILE` /
//! `eipform show FILE` read.
//!
//! # Format
//!
//! A saved plan is one UTF-8 JSON object (written with file mode 0600, because it holds the
//! `--var` values and the recorded attributes):
//!
//! ```text
//! {
//!   "format": "eipform-plan",          // identifies the file
//!   "format_version": 1,               // bumped on any incompatible change; readers refuse others
//!   "eipform_version": "0.1.0",        // the eipform that wrote it
//!   "lineage": "…", "serial": 7,       // the state the plan was made against
//!   "digest": "sha256:…",              // configuration files + variable values, see below
//!   "var_args": { "vars": ["name=web"], "var_files": ["/abs/prod.tfvars"] },
//!   "plan": { … },                     // the Plan (changes, drift, outputs, mode, warnings)
//!   "prior": [ … ],                    // the refreshed state the plan was computed from
//!   "prior_outputs": [ … ]             // the outputs recorded when planning
//! }
//! ```
//!
//! The `digest` is SHA-256 over every `*.tf` file of the working directory (in name order:
//! the name, a NUL, the length, a NUL, the text) followed by the resolved input variable values
//! (sorted by name, as JSON). `apply FILE` loads the configuration again with the same `var_args`
//! (so `terraform.tfvars`, `*.auto.tfvars`, `TF_VAR_*` and the `--var-file` files are read
//! again) and refuses when the digest differs.
//!
//! # Applying
//!
//! [`check`] refuses a plan made against another state (`Saved plan does not match the given
//! state`: other lineage), a state that changed since (`Saved plan is stale`: other serial), or a
//! changed configuration. [`replan`] then plans again from the saved (refreshed) prior state
//! without refreshing and verifies that the recomputed changes are exactly the saved ones, so
//! what is applied is what was reviewed.

// `Diagnostic` is the crate's error value everywhere (see workspace.rs); it is not boxed.
#![allow(clippy::result_large_err)]

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::model::Plan;
use super::planner::{self, PlanOptions, Planned};
use crate::diag::Diagnostic;
use crate::provider::Provider;
use crate::state::{OutputState, ResourceState, StateMeta};
use crate::workspace::{VarArgs, Workspace};

/// The `format` marker of a saved plan.
pub const FORMAT: &str = "eipform-plan";
/// The only `format_version` this eipform reads and writes.
pub const FORMAT_VERSION: u32 = 1;

/// The variable arguments given to `plan`, replayed by `apply FILE`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedVarArgs {
    pub vars: Vec<String>,
    /// Absolute paths (relative ones are resolved against the working directory when saving).
    pub var_files: Vec<PathBuf>,
}

impl SavedVarArgs {
    pub fn from_args(dir: &Path, args: &VarArgs) -> SavedVarArgs {
        let abs = |f: &PathBuf| {
            let p = if f.is_absolute() {
                f.clone()
            } else {
                dir.join(f)
            };
            std::path::absolute(&p).unwrap_or(p)
        };
        SavedVarArgs {
            vars: args.vars.clone(),
            var_files: args.var_files.iter().map(abs).collect(),
        }
    }

    pub fn to_args(&self) -> VarArgs {
        VarArgs {
            vars: self.vars.clone(),
            var_files: self.var_files.clone(),
        }
    }
}

/// A saved plan.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PlanFile {
    pub format: String,
    pub format_version: u32,
    pub eipform_version: String,
    pub lineage: String,
    pub serial: u64,
    pub digest: String,
    pub var_args: SavedVarArgs,
    pub plan: Plan,
    pub prior: Vec<ResourceState>,
    pub prior_outputs: Vec<OutputState>,
}

impl PlanFile {
    /// Captures `planned` (made from `ws` against the state `meta`).
    pub fn new(
        ws: &Workspace,
        args: &VarArgs,
        meta: &StateMeta,
        planned: &Planned,
        prior_outputs: &[OutputState],
    ) -> PlanFile {
        let mut prior: Vec<ResourceState> = planned.prior.values().cloned().collect();
        prior.sort_by(|a, b| a.addr.cmp(&b.addr));
        PlanFile {
            format: FORMAT.to_string(),
            format_version: FORMAT_VERSION,
            eipform_version: env!("CARGO_PKG_VERSION").to_string(),
            lineage: meta.lineage.clone(),
            serial: meta.serial,
            digest: digest(ws),
            var_args: SavedVarArgs::from_args(&ws.dir, args),
            plan: planned.plan.clone(),
            prior,
            prior_outputs: prior_outputs.to_vec(),
        }
    }

    /// Writes the plan to `path` (mode 0600), replacing the file atomically.
    pub fn write(&self, path: &Path) -> Result<(), Diagnostic> {
        let fail = |e: std::io::Error| {
            Diagnostic::error("Failed to write the plan file")
                .detail(format!("{}: {e}", path.display()))
        };
        let text = serde_json::to_vec(self)
            .map_err(|e| Diagnostic::error("Failed to encode the plan").detail(e.to_string()))?;
        let tmp = path.with_extension(format!("{}.tmp", std::process::id()));
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        let mut f = opts.open(&tmp).map_err(fail)?;
        f.write_all(&text)
            .and_then(|()| f.sync_all())
            .map_err(fail)?;
        drop(f);
        std::fs::rename(&tmp, path).map_err(|e| {
            let _ = std::fs::remove_file(&tmp);
            fail(e)
        })
    }

    /// Reads a saved plan; refuses anything that is not a saved plan of this format version.
    pub fn read(path: &Path) -> Result<PlanFile, Diagnostic> {
        let bad =
            |detail: String| Diagnostic::error("Failed to load the saved plan").detail(detail);
        let text = std::fs::read(path).map_err(|e| bad(format!("{}: {e}", path.display())))?;
        let raw: Value = serde_json::from_slice(&text).map_err(|e| {
            bad(format!(
                "{} is not a saved eipform plan (not JSON: {e}).",
                path.display()
            ))
        })?;
        if raw.get("format").and_then(Value::as_str) != Some(FORMAT) {
            return Err(bad(format!(
                "{} is not a saved eipform plan (no \"format\": \"{FORMAT}\").",
                path.display()
            )));
        }
        let version = raw.get("format_version").and_then(Value::as_u64);
        if version != Some(u64::from(FORMAT_VERSION)) {
            let v = version.map_or_else(|| "none".to_string(), |v| v.to_string());
            return Err(bad(format!(
                "{} has plan format version {v}; this eipform ({}) reads version {FORMAT_VERSION} only. Create the plan again with this eipform.",
                path.display(),
                env!("CARGO_PKG_VERSION")
            )));
        }
        serde_json::from_value(raw).map_err(|e| bad(format!("{} is damaged: {e}", path.display())))
    }
}

/// SHA-256 over the configuration files and the resolved variable values (`sha256:HEX`).
pub fn digest(ws: &Workspace) -> String {
    let mut h = Sha256::new();
    let mut files: Vec<(&str, &str)> = ws
        .config
        .sources
        .files()
        .map(|(n, t)| (&**n, &**t))
        .collect();
    files.sort_unstable();
    for (name, text) in files {
        h.update(name.as_bytes());
        h.update([0]);
        h.update(text.len().to_string().as_bytes());
        h.update([0]);
        h.update(text.as_bytes());
    }
    h.update(b"\0variables\0");
    let vars: BTreeMap<&String, &Value> = ws.vars.iter().collect();
    h.update(serde_json::to_vec(&vars).unwrap_or_default());
    let bytes = h.finalize();
    let mut out = String::with_capacity(7 + 64);
    out.push_str("sha256:");
    for b in bytes {
        out.push_str(&format!("{b:02x}"));
    }
    out
}

/// Refuses to apply `file` to the state `meta` with the configuration `ws` when any of them
/// moved on since the plan was made.
pub fn check(file: &PlanFile, ws: &Workspace, meta: &StateMeta) -> Result<(), Diagnostic> {
    if file.lineage != meta.lineage {
        return Err(Diagnostic::error("Saved plan does not match the given state").detail(format!(
            "The given plan file was created for the state with lineage {:?}, but the current state has lineage {:?}. A plan can only be applied to the state it was made against; create a new plan.",
            file.lineage, meta.lineage
        )));
    }
    if file.serial != meta.serial {
        return Err(Diagnostic::error("Saved plan is stale").detail(format!(
            "The given plan file can no longer be applied because the state was changed by another operation after the plan was created (the plan was made at serial {}, the state is now at serial {}). Create a new plan.",
            file.serial, meta.serial
        )));
    }
    if digest(ws) != file.digest {
        return Err(Diagnostic::error("Saved plan does not match the configuration").detail(
            "The configuration files or the input variable values changed after the plan was created, so the saved plan may no longer be what the configuration asks for. Create a new plan.",
        ));
    }
    Ok(())
}

/// Plans again from the saved prior state (no refresh) and verifies that the result is the
/// saved plan. The returned [`Planned`] is what apply carries out.
pub fn replan(
    file: &PlanFile,
    ws: &Workspace,
    meta: &StateMeta,
    provider: &dyn Provider,
) -> Result<Planned, Vec<Diagnostic>> {
    let mut planned = planner::plan(
        ws,
        meta,
        file.prior.clone(),
        &file.prior_outputs,
        provider,
        PlanOptions {
            mode: file.plan.mode,
            refresh: false,
            parallelism: 1,
        },
    )?;
    if let Some(why) = difference(&file.plan, &planned.plan) {
        return Err(vec![Diagnostic::error("Saved plan no longer matches").detail(format!(
            "Planning again from the saved plan's state gives a different result ({why}), for example because a data source now reads differently. Nothing was changed; create a new plan."
        ))]);
    }
    // Keep what was reviewed: the drift the plan reported (a replan without refresh has none).
    planned.plan.drift = file.plan.drift.clone();
    Ok(planned)
}

/// The first difference between the saved and the recomputed plan, in words.
fn difference(saved: &Plan, now: &Plan) -> Option<String> {
    let json = |c: &super::model::ResourceChange| serde_json::to_value(c).unwrap_or(Value::Null);
    if saved.changes.len() != now.changes.len() {
        return Some(format!(
            "{} resource changes instead of {}",
            now.changes.len(),
            saved.changes.len()
        ));
    }
    for (a, b) in saved.changes.iter().zip(&now.changes) {
        if a.addr != b.addr {
            return Some(format!(
                "{} planned where the saved plan has {}",
                b.addr, a.addr
            ));
        }
        if a.action != b.action {
            return Some(format!(
                "{}: {:?} instead of {:?}",
                a.addr, b.action, a.action
            ));
        }
        if json(a) != json(b) {
            return Some(format!("{}: the planned attributes differ", a.addr));
        }
    }
    let outputs = |p: &Plan| serde_json::to_value(&p.outputs).unwrap_or(Value::Null);
    if outputs(saved) != outputs(now) {
        return Some("the output changes differ".to_string());
    }
    None
}
