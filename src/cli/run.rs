//! Dispatch: one call per command.

use std::io::IsTerminal;
use std::path::PathBuf;

use super::common::Ui;
use super::{Cli, Command, PlanOpts};
use crate::plan::model::PlanMode;

pub fn run(cli: Cli) -> i32 {
    let dir = cli.chdir.clone().unwrap_or_else(|| PathBuf::from("."));
    let color = !cli.no_color && std::env::var_os("NO_COLOR").is_none() && std::io::stdout().is_terminal();
    let ui = Ui { color };
    if !dir.is_dir() {
        eprintln!("Error: --chdir {}: no such directory", dir.display());
        return 1;
    }
    match cli.command {
        Command::Validate { json } => super::validate_cmd::validate(&ui, &dir, json),
        Command::Plan { opts, detailed_exitcode } => super::plan_cmd::plan_cmd(&ui, &dir, &opts, detailed_exitcode),
        Command::Apply { opts, auto_approve, parallelism } => super::plan_cmd::apply_cmd(&ui, &dir, &opts, PlanMode::Normal, auto_approve, parallelism),
        Command::Destroy { vars, auto_approve, parallelism } => {
            let opts = PlanOpts { vars, refresh: true };
            super::plan_cmd::apply_cmd(&ui, &dir, &opts, PlanMode::Destroy, auto_approve, parallelism)
        }
        Command::Show => super::state_cmd::show(&ui, &dir),
        Command::State { command } => super::state_cmd::state_cmd(&ui, &dir, command),
        Command::Fmt { check, diff, recursive, paths } => {
            let paths = if paths.is_empty() { vec![dir.clone()] } else { paths.into_iter().map(|p| if p.is_absolute() { p } else { dir.join(p) }).collect() };
            let opts = crate::fmt::FmtOptions { check, diff, recursive, write: !check, paths };
            crate::fmt::run(&opts, &mut std::io::stdout(), &mut std::io::stderr())
        }
        Command::Cloud { command } => super::cloud_cmd::run(&dir, command),
    }
}

