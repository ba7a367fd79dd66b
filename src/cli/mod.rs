//! The command line: clap argument structs and one call into the library per command.

mod cloud_cmd;
mod common;
mod plan_cmd;
mod run;
mod state_cmd;
mod validate_cmd;

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(name = "eipform", version, about = "Declarative provisioning of Alibaba Cloud Elastic IP addresses")]
pub struct Cli {
    /// Work in DIR instead of the current directory (like Terraform's -chdir).
    #[arg(long, global = true, value_name = "DIR")]
    pub chdir: Option<PathBuf>,
    /// Disable colour (also honoured: the NO_COLOR environment variable).
    #[arg(long, global = true)]
    pub no_color: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args, Clone, Default)]
pub struct VarOpts {
    /// Set a variable: NAME=VALUE (repeatable).
    #[arg(long = "var", value_name = "NAME=VALUE")]
    pub vars: Vec<String>,
    /// Read variables from a file (repeatable).
    #[arg(long = "var-file", value_name = "FILE")]
    pub var_files: Vec<PathBuf>,
}

#[derive(Debug, Args, Clone)]
pub struct PlanOpts {
    #[command(flatten)]
    pub vars: VarOpts,
    /// Refresh recorded resources from the cloud first (default true).
    #[arg(long, value_name = "BOOL", default_value_t = true, action = clap::ArgAction::Set, num_args = 0..=1, default_missing_value = "true")]
    pub refresh: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check the configuration; exit 0 when valid, 1 otherwise.
    Validate {
        /// Print diagnostics as JSON (Terraform's validate -json shape).
        #[arg(long)]
        json: bool,
    },
    /// Show what apply would do.
    Plan {
        #[command(flatten)]
        opts: PlanOpts,
        /// Exit 2 when there are actions to apply, 0 when none, 1 on error.
        #[arg(long)]
        detailed_exitcode: bool,
    },
    /// Plan, ask, then change the cloud.
    Apply {
        #[command(flatten)]
        opts: PlanOpts,
        /// Apply without asking.
        #[arg(long)]
        auto_approve: bool,
        /// Provider calls at once.
        #[arg(long, default_value_t = 10)]
        parallelism: usize,
    },
    /// Destroy everything in the state.
    Destroy {
        #[command(flatten)]
        vars: VarOpts,
        #[arg(long)]
        auto_approve: bool,
        #[arg(long, default_value_t = 10)]
        parallelism: usize,
    },
    /// Show the state.
    Show,
    /// Inspect the state.
    State {
        #[command(subcommand)]
        command: StateCommand,
    },
    /// Format configuration files.
    Fmt {
        /// Exit 3 if a file would change; write nothing.
        #[arg(long)]
        check: bool,
        /// Print a unified diff of the changes.
        #[arg(long)]
        diff: bool,
        /// Also format files in subdirectories.
        #[arg(long)]
        recursive: bool,
        paths: Vec<PathBuf>,
    },
    /// Read (and, for demos and tests, change) the simulated cloud.
    Cloud {
        #[command(subcommand)]
        command: cloud_cmd::CloudCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum StateCommand {
    /// One address per line.
    List,
    /// One resource's attributes.
    Show { address: String },
}

/// Runs the command line; returns the exit code.
pub fn main() -> i32 {
    let cli = Cli::parse();
    run::run(cli)
}
