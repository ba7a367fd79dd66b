//! Dispatch: one call per command.

use std::io::IsTerminal;
use std::path::PathBuf;

use super::common::Ui;
use super::{Cli, Command, PlanOpts};
use crate::plan::model::PlanMode;

pub fn run(cli: Cli) -> i32 {
    let dir = cli.chdir.clone().unwrap_or_else(|| PathBuf::from("."));
    let color =
        !cli.no_color && std::env::var_os("NO_COLOR").is_none() && std::io::stdout().is_terminal();
    let ui = Ui { color };
    if !dir.is_dir() {
        eprintln!("Error: --chdir {}: no such directory", dir.display());
        return 1;
    }
    let lock_timeout = cli.lock_timeout;
    // Commands that write the state hold its lock until they return (see `lock`).
    let lock = |op: &str| super::lock::acquire(&dir, op, lock_timeout);
    match cli.command {
        Command::Validate { json } => super::validate_cmd::validate(&ui, &dir, json),
        Command::Plan {
            opts,
            detailed_exitcode,
            out,
            refresh_only,
            format,
        } => {
            let args = super::plan_cmd::PlanArgs {
                detailed: detailed_exitcode,
                out,
                refresh_only,
                format: format.format(),
            };
            super::plan_cmd::plan_cmd(&ui, &dir, &opts, &args)
        }
        Command::Apply {
            opts,
            auto_approve: _,
            refresh_only,
            plan_file: Some(file),
        } => {
            let Ok(_lock) = lock("apply") else { return 1 };
            super::plan_cmd::apply_saved(&ui, &dir, &opts, &file, refresh_only)
        }
        Command::Apply {
            opts,
            auto_approve,
            refresh_only,
            plan_file: None,
        } => {
            let mode = if refresh_only {
                PlanMode::RefreshOnly
            } else {
                PlanMode::Normal
            };
            let Ok(_lock) = lock("apply") else { return 1 };
            super::plan_cmd::apply_cmd(&ui, &dir, &opts, mode, auto_approve)
        }
        Command::Destroy {
            vars,
            auto_approve,
            parallelism,
        } => {
            let opts = PlanOpts {
                vars,
                refresh: true,
                parallelism,
            };
            let Ok(_lock) = lock("destroy") else { return 1 };
            super::plan_cmd::apply_cmd(&ui, &dir, &opts, PlanMode::Destroy, auto_approve)
        }
        Command::Show { file: None, format } => super::state_cmd::show(&ui, &dir, format.format()),
        Command::Show {
            file: Some(file),
            format,
        } => super::plan_cmd::show_saved(&ui, &dir, &file, format.format()),
        Command::Drift {
            format,
            parallelism,
        } => super::drift_cmd::drift(&ui, &dir, format.format(), parallelism),
        Command::Output { json, name } => {
            super::output_cmd::output(&ui, &dir, json, name.as_deref())
        }
        Command::Graph => super::graph_cmd::graph(&ui, &dir),
        Command::State { command } => super::state_cmd::state_cmd(&ui, &dir, command, lock_timeout),
        Command::ForceUnlock { lock_id } => super::lock::force_unlock(&dir, &lock_id),
        Command::Fmt {
            check,
            diff,
            recursive,
            paths,
        } => {
            let paths = if paths.is_empty() {
                vec![dir.clone()]
            } else {
                paths
                    .into_iter()
                    .map(|p| if p.is_absolute() { p } else { dir.join(p) })
                    .collect()
            };
            let opts = crate::fmt::FmtOptions {
                check,
                diff,
                recursive,
                write: !check,
                paths,
            };
            // Every file is formatted before the names (and diffs) are printed.
            let mut out = Vec::new();
            let code = crate::fmt::run(&opts, &mut out, &mut std::io::stderr());
            super::spool::print_last(out, code)
        }
        Command::Cloud { command } => super::cloud_cmd::run(&dir, command),
        Command::Import { vars, address, id } => {
            let Ok(_lock) = lock("import") else { return 1 };
            super::import_cmd::import(&ui, &dir, &vars, &address, &id)
        }
    }
}
