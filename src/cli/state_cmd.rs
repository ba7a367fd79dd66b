//! `eipform show` and `eipform state ...`: list, show, rm, mv, pull, push, history, diff.
//!
//! rm, mv and push write the state and take the lock; the others only read.

use std::io::Read;
use std::path::Path;
use std::time::Duration;

use serde_json::Value;

use super::StateCommand;
use super::common::{Ui, open_state_only};
use super::spool::{print, print_last};
use crate::addr::ResourceAddress;
use crate::render::{self, Format};
use crate::state::sqlite::SqliteState;
use crate::state::{Snapshot, StateStore, tfstate};

/// `eipform show`: the state as text, JSON (`show -json` shape) or Markdown.
pub fn show(ui: &Ui, dir: &Path, format: Format) -> i32 {
    let Some(state) = open_state_only(ui, dir) else {
        return 1;
    };
    match (state.resources(), state.outputs(), state.meta()) {
        (Ok(r), Ok(o), Ok(meta)) => {
            let text = match format {
                Format::Json => format!(
                    "{}\n",
                    render::json::state(&r, &o, &meta.lineage, meta.serial)
                ),
                Format::Markdown => render::markdown::state(&r, &o),
                Format::Human if r.is_empty() && o.is_empty() => {
                    "The state is empty. No resources are represented.\n".to_string()
                }
                Format::Human => render::human::state(&r, &o),
            };
            print_last(text, 0)
        }
        (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => {
            eprintln!("Error: {e}");
            1
        }
    }
}

fn error(msg: impl std::fmt::Display) -> i32 {
    eprintln!("Error: {msg}");
    1
}

fn parse_addr(s: &str) -> Result<ResourceAddress, i32> {
    s.parse().map_err(error)
}

pub fn state_cmd(ui: &Ui, dir: &Path, cmd: StateCommand, lock_timeout: Duration) -> i32 {
    let operation = match &cmd {
        StateCommand::Rm { .. } => Some("state rm"),
        StateCommand::Mv { .. } => Some("state mv"),
        StateCommand::Push { .. } => Some("state push"),
        _ => None,
    };
    let _lock = match operation {
        Some(op) => match super::lock::acquire(dir, op, lock_timeout) {
            Ok(g) => Some(g),
            Err(code) => return code,
        },
        None => None,
    };
    let Some(mut state) = open_state_only(ui, dir) else {
        return 1;
    };
    if let Some(op) = operation {
        state.start_run(op);
    }
    let result = match cmd {
        StateCommand::List => list(&state),
        StateCommand::Show { address } => show_one(&state, &address),
        StateCommand::Rm { addresses } => rm(&mut state, &addresses),
        StateCommand::Mv {
            source,
            destination,
        } => mv(&mut state, &source, &destination),
        StateCommand::Pull => pull(&state),
        StateCommand::Push { file, force } => push(&mut state, dir, &file, force),
        StateCommand::History => history(&state),
        StateCommand::Diff { from, to } => diff(&state, from, to),
    };
    result.unwrap_or_else(|code| code)
}

fn list(state: &SqliteState) -> Result<i32, i32> {
    let resources = state.resources().map_err(error)?;
    let lines: String = resources.iter().map(|r| format!("{}\n", r.addr)).collect();
    print(lines)?;
    Ok(0)
}

fn show_one(state: &SqliteState, address: &str) -> Result<i32, i32> {
    let addr = parse_addr(address)?;
    match state.get(&addr).map_err(error)? {
        Some(r) => {
            print(render::human::resource_state(&r))?;
            Ok(0)
        }
        None => Err(error(format_args!(
            "No instance found for the given address {addr}.\n\nThis command requires that the address references one specific instance; `eipform state list` shows them."
        ))),
    }
}

/// The recorded instances `addr` names: itself, or every instance of a block address.
fn matching(all: &[crate::state::ResourceState], addr: &ResourceAddress) -> Vec<ResourceAddress> {
    all.iter()
        .filter(|r| r.addr == *addr || (addr.key.is_none() && r.addr.block == addr.block))
        .map(|r| r.addr.clone())
        .collect()
}

fn rm(state: &mut SqliteState, addresses: &[String]) -> Result<i32, i32> {
    let all = state.resources().map_err(error)?;
    let mut doomed: Vec<ResourceAddress> = Vec::new();
    for a in addresses {
        let addr = parse_addr(a)?;
        let found = matching(&all, &addr);
        if found.is_empty() {
            return Err(error(format_args!(
                "Invalid target address\n\nNo matching objects found for {addr}. To view the available instances, use `eipform state list`. Nothing was removed."
            )));
        }
        doomed.extend(found);
    }
    doomed.sort();
    doomed.dedup();
    state.forget(&doomed).map_err(error)?;
    let removed: String = doomed.iter().map(|a| format!("Removed {a}\n")).collect();
    print(format!(
        "{removed}Successfully removed {} resource instance(s).\n",
        doomed.len()
    ))?;
    Ok(0)
}

fn mv(state: &mut SqliteState, source: &str, destination: &str) -> Result<i32, i32> {
    let src = parse_addr(source)?;
    let dst = parse_addr(destination)?;
    if src.block.rtype != dst.block.rtype || src.block.mode != dst.block.mode {
        return Err(error(format_args!(
            "Invalid state move request\n\nCannot move {src} to {dst}: the resource types do not match."
        )));
    }
    let all = state.resources().map_err(error)?;
    let moves: Vec<(ResourceAddress, ResourceAddress)> = if all.iter().any(|r| r.addr == src) {
        vec![(src.clone(), dst.clone())]
    } else if src.key.is_none() && dst.key.is_none() {
        matching(&all, &src)
            .into_iter()
            .map(|a| (a.clone(), dst.block.instance(a.key)))
            .collect()
    } else {
        Vec::new()
    };
    if moves.is_empty() {
        return Err(error(format_args!(
            "Invalid source address\n\nNo matching objects found for {src}. To view the available instances, use `eipform state list`."
        )));
    }
    state
        .rename(&moves)
        .map_err(|e| error(format_args!("Invalid state move request\n\n{e}")))?;
    let moved: String = moves
        .iter()
        .map(|(a, b)| format!("Move \"{a}\" to \"{b}\"\n"))
        .collect();
    print(format!(
        "{moved}Successfully moved {} object(s).\n",
        moves.len()
    ))?;
    Ok(0)
}

fn current(state: &SqliteState) -> Result<Snapshot, i32> {
    let meta = state.meta().map_err(error)?;
    Ok(Snapshot {
        lineage: meta.lineage,
        serial: meta.serial,
        resources: state.resources().map_err(error)?,
        outputs: state.outputs().map_err(error)?,
    })
}

fn pull(state: &SqliteState) -> Result<i32, i32> {
    let snap = current(state)?;
    print(serde_json::to_string_pretty(&tfstate::to_v4(&snap)).unwrap_or_default() + "\n")?;
    Ok(0)
}

fn push(state: &mut SqliteState, dir: &Path, file: &str, force: bool) -> Result<i32, i32> {
    let text = if file == "-" {
        let mut s = String::new();
        std::io::stdin().read_to_string(&mut s).map_err(|e| {
            error(format_args!(
                "cannot read the state from standard input: {e}"
            ))
        })?;
        s
    } else {
        let path = if Path::new(file).is_absolute() {
            Path::new(file).to_path_buf()
        } else {
            dir.join(file)
        };
        std::fs::read_to_string(&path)
            .map_err(|e| error(format_args!("cannot read {}: {e}", path.display())))?
    };
    let value: Value = serde_json::from_str(&text)
        .map_err(|e| error(format_args!("{file} is not valid JSON: {e}")))?;
    let incoming = tfstate::from_v4(&value, &crate::workspace::default_region())
        .map_err(|e| error(format_args!("{file} is not a valid state: {e}")))?;
    let here = current(state)?;
    let empty = here.serial == 0 && here.resources.is_empty() && here.outputs.is_empty();
    if !force && !empty {
        if incoming.lineage != here.lineage {
            return Err(error(format_args!(
                "Failed to write state: cannot import a state with lineage {:?} over unrelated state with lineage {:?}.\n\nUse --force to replace the state anyway.",
                incoming.lineage, here.lineage
            )));
        }
        if incoming.serial < here.serial {
            return Err(error(format_args!(
                "Failed to write state: cannot import a state with serial {} over newer state with serial {}.\n\nUse --force to replace the state anyway.",
                incoming.serial, here.serial
            )));
        }
        if incoming.serial == here.serial
            && (incoming.resources != here.resources || incoming.outputs != here.outputs)
        {
            return Err(error(format_args!(
                "Failed to write state: cannot overwrite the state at serial {} with a different state of the same serial.\n\nIncrease the serial of the pushed state, or use --force.",
                here.serial
            )));
        }
    }
    let serial = state
        .replace_all(&incoming)
        .map_err(|e| error(format_args!("Failed to write state: {e}")))?;
    print(format!(
        "State pushed: serial {serial}, {} resource instance(s), lineage {}.\n",
        incoming.resources.len(),
        incoming.lineage
    ))?;
    Ok(0)
}

fn history(state: &SqliteState) -> Result<i32, i32> {
    let entries = state.history().map_err(error)?;
    if entries.is_empty() {
        print("The state has no history yet.\n")?;
        return Ok(0);
    }
    let mut text = format!(
        "{:<7} {:<25} {:<12} {:>5} {:>7} {:>7}  OUTPUTS\n",
        "SERIAL", "TIME", "COMMAND", "ADDED", "CHANGED", "REMOVED"
    );
    for e in entries {
        let at = chrono::DateTime::parse_from_rfc3339(&e.at)
            .map(|t| {
                t.with_timezone(&chrono::Utc)
                    .format("%Y-%m-%dT%H:%M:%SZ")
                    .to_string()
            })
            .unwrap_or(e.at);
        text.push_str(&format!(
            "{:<7} {:<25} {:<12} {:>5} {:>7} {:>7}  {}\n",
            e.serial,
            at,
            e.command,
            e.added,
            e.changed,
            e.removed,
            if e.outputs_changed { "changed" } else { "-" }
        ));
    }
    print(text)?;
    Ok(0)
}

/// The whole state at a serial as text for diffing, sensitive values masked.
fn text_of(snap: &Snapshot) -> String {
    let mut v = tfstate::to_v4(snap);
    for o in v["outputs"]
        .as_object_mut()
        .into_iter()
        .flat_map(|m| m.values_mut())
    {
        if o.get("sensitive").and_then(Value::as_bool) == Some(true) {
            o["value"] = Value::String("(sensitive value)".into());
        }
    }
    for r in v["resources"].as_array_mut().into_iter().flatten() {
        let schema = r["type"].as_str().and_then(crate::schema::resource);
        for inst in r["instances"].as_array_mut().into_iter().flatten() {
            inst.as_object_mut().map(|m| m.remove("private"));
            if let (Some(schema), Some(attrs)) = (schema, inst["attributes"].as_object_mut()) {
                for (k, val) in attrs.iter_mut() {
                    if schema.attributes.get(k).is_some_and(|a| a.sensitive) && !val.is_null() {
                        *val = Value::String("(sensitive value)".into());
                    }
                }
            }
        }
    }
    serde_json::to_string_pretty(&v).unwrap_or_default() + "\n"
}

fn diff(state: &SqliteState, from: Option<u64>, to: Option<u64>) -> Result<i32, i32> {
    let entries = state.history().map_err(error)?;
    let latest = state.meta().map_err(error)?.serial;
    let (a, b) = match (from, to) {
        (Some(a), Some(b)) => (a, b),
        (Some(a), None) => (a, latest),
        (None, _) => {
            let Some(i) = entries
                .iter()
                .rposition(|e| e.command == "apply" || e.command == "destroy")
            else {
                print("No apply has changed the state yet: there is nothing to compare.\n")?;
                return Ok(0);
            };
            let before = if i > 0 { entries[i - 1].serial } else { 0 };
            (before, entries[i].serial)
        }
    };
    for s in [a, b] {
        if s > latest {
            return Err(error(format_args!(
                "serial {s} does not exist: the state is at serial {latest} (`eipform state history` lists them)."
            )));
        }
    }
    let old = text_of(&state.snapshot(a).map_err(error)?);
    let new = text_of(&state.snapshot(b).map_err(error)?);
    if old == new {
        print(format!(
            "No differences between serial {a} and serial {b}.\n"
        ))?;
        return Ok(0);
    }
    let diff = similar::TextDiff::from_lines(&old, &new);
    print(
        diff.unified_diff()
            .context_radius(3)
            .header(&format!("serial {a}"), &format!("serial {b}"))
            .to_string(),
    )?;
    Ok(0)
}
