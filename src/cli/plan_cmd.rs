//! `eipform plan`, `apply` and `destroy`.

use std::io::{BufRead, IsTerminal, Write};
use std::path::Path;

use super::PlanOpts;
use super::common::{Ui, load, make_plan};
use crate::addr::ResourceAddress;
use crate::apply::{self, ApplyOptions};
use crate::plan::model::{Action, PlanMode};
use crate::render;
use crate::state::StateStore;

pub fn plan_cmd(ui: &Ui, dir: &Path, opts: &PlanOpts, detailed: bool) -> i32 {
    let Some(ws) = load(ui, dir, &opts.vars) else { return 1 };
    let Some((planned, ..)) = make_plan(ui, &ws, opts.refresh, PlanMode::Normal) else { return 1 };
    print!("{}", render::human::plan(&planned.plan, ui.color));
    if detailed && planned.plan.has_actions() { 2 } else { 0 }
}

fn confirm(ui: &Ui, what: &str) -> Result<bool, ()> {
    if !std::io::stdin().is_terminal() {
        let _ = ui;
        eprintln!(
            "Error: {what} needs confirmation, but there is no terminal to ask on.\n\nRun it with --auto-approve to {what} without asking."
        );
        return Err(());
    }
    print!(
        "\nDo you want to perform these actions?\n  eipform will perform the actions described above.\n  Only 'yes' will be accepted to approve.\n\n  Enter a value: "
    );
    let _ = std::io::stdout().flush();
    let mut line = String::new();
    if std::io::stdin().lock().read_line(&mut line).is_err() {
        return Ok(false);
    }
    Ok(line.trim() == "yes")
}

pub fn apply_cmd(ui: &Ui, dir: &Path, opts: &PlanOpts, mode: PlanMode, auto_approve: bool, parallelism: usize) -> i32 {
    let Some(ws) = load(ui, dir, &opts.vars) else { return 1 };
    let Some((planned, mut state, provider, _cloud)) = make_plan(ui, &ws, opts.refresh, mode) else { return 1 };
    print!("{}", render::human::plan(&planned.plan, ui.color));
    let outputs_only = !planned.plan.has_actions();
    if outputs_only && planned.plan.outputs.is_empty() {
        return 0;
    }
    if !auto_approve && !outputs_only {
        let what = if mode == PlanMode::Destroy { "destroy" } else { "apply" };
        match confirm(ui, what) {
            Ok(true) => {}
            Ok(false) => {
                eprintln!("\nError: {} cancelled.", if mode == PlanMode::Destroy { "Destroy" } else { "Apply" });
                return 1;
            }
            Err(()) => return 1,
        }
    }
    state.set_command(if mode == PlanMode::Destroy { "destroy" } else { "apply" });
    let outcome = apply::apply(&ws, &planned, &provider, &mut state, &ApplyOptions { parallelism, stop: None });
    println!();
    for (addr, action) in &outcome.applied {
        println!("{}", progress_line(addr, *action, &state));
    }
    for w in &outcome.warnings {
        eprintln!("Warning: {w}");
    }
    let (mut add, mut change, mut destroy) = (0, 0, 0);
    for (_, a) in &outcome.applied {
        match a {
            Action::Create => add += 1,
            Action::Update => change += 1,
            Action::Delete => destroy += 1,
            Action::DeleteThenCreate | Action::CreateThenDelete => {
                add += 1;
                destroy += 1;
            }
            _ => {}
        }
    }
    if !outcome.failed.is_empty() {
        ui.errors(&outcome.failed, &ws.config.sources);
        eprintln!(
            "Apply failed: {} applied, {} failed, {} skipped. The state holds exactly what succeeded.",
            outcome.applied.len(),
            outcome.failed.len(),
            outcome.skipped.len()
        );
        for s in &outcome.skipped {
            eprintln!("  skipped: {s}");
        }
        return 1;
    }
    if mode == PlanMode::Destroy {
        println!("\nDestroy complete! Resources: {destroy} destroyed.");
    } else {
        println!("\nApply complete! Resources: {add} added, {change} changed, {destroy} destroyed.");
        if let Ok(outputs) = state.outputs() {
            if !outputs.is_empty() {
                println!("\nOutputs:\n");
                for o in outputs {
                    let v = if o.sensitive { "<sensitive>".to_string() } else { render::value::inline(&o.value) };
                    println!("{} = {v}", o.name);
                }
            }
        }
    }
    0
}

fn progress_line(addr: &ResourceAddress, action: Action, state: &crate::state::sqlite::SqliteState) -> String {
    let id = state.get(addr).ok().flatten().map(|r| r.id).unwrap_or_default();
    match action {
        Action::Create => format!("{addr}: Creation complete [id={id}]"),
        Action::Update => format!("{addr}: Modifications complete [id={id}]"),
        Action::Delete => format!("{addr}: Destruction complete"),
        Action::DeleteThenCreate | Action::CreateThenDelete => format!("{addr}: Replacement complete [id={id}]"),
        _ => format!("{addr}: done"),
    }
}

