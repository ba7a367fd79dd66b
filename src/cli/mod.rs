//! The command line: clap argument structs and one call into the library per command.

/// `eprintln!` for the command line: what cannot be written to stderr (its reader went away, as
/// in `eipform plan 2>&1 | head -1`) is dropped instead of panicking, so that the command's
/// exit code still tells what happened. It shadows the standard macro in every module below.
macro_rules! eprintln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

/// `eprint!` for the command line; see [`eprintln!`].
macro_rules! eprint {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = write!(std::io::stderr(), $($arg)*);
    }};
}

mod cloud_cmd;
mod common;
mod drift_cmd;
mod graph_cmd;
mod import_cmd;
mod lock;
mod output_cmd;
mod plan_cmd;
mod prefetch;
mod run;
mod signals;
mod spool;
mod state_cmd;
mod validate_cmd;

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "eipform",
    version,
    about = "Declarative provisioning of Alibaba Cloud Elastic IP addresses"
)]
pub struct Cli {
    /// Work in DIR instead of the current directory (like Terraform's -chdir).
    #[arg(long, global = true, value_name = "DIR")]
    pub chdir: Option<PathBuf>,
    /// Disable colour (also honoured: the NO_COLOR environment variable).
    #[arg(long, global = true)]
    pub no_color: bool,
    /// How long a command that writes the state waits for the state lock (`30s`, `5m`); by
    /// default it fails at once when another command holds it.
    #[arg(long, global = true, value_name = "DURATION", default_value = "0s", value_parser = parse_lock_timeout)]
    pub lock_timeout: std::time::Duration,
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
    /// Provider calls at once (refresh reads, and apply's changes).
    #[arg(long, default_value_t = 10)]
    pub parallelism: usize,
}

/// How to print a plan, state or drift report: `--format human|json|markdown` (`--json` is
/// short for `--format json`).
#[derive(Debug, Args, Clone, Default)]
pub struct FormatOpts {
    /// Print JSON (the shape of `terraform show -json`); same as --format json.
    #[arg(long, conflicts_with = "format")]
    pub json: bool,
    /// Output format: human (default), json or markdown.
    #[arg(long, value_name = "FORMAT")]
    pub format: Option<crate::render::Format>,
}

impl FormatOpts {
    pub fn format(&self) -> crate::render::Format {
        if self.json {
            crate::render::Format::Json
        } else {
            self.format.unwrap_or_default()
        }
    }
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
        /// Exit 2 when there are actions to apply, 0 when none (output-only and drift-only
        /// differences included), 1 on error.
        #[arg(long)]
        detailed_exitcode: bool,
        /// Save the plan to FILE, for `eipform apply FILE` and `eipform show FILE`.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        /// Only record changes made outside eipform (drift); plan no actions.
        #[arg(long)]
        refresh_only: bool,
        #[command(flatten)]
        format: FormatOpts,
    },
    /// Plan, ask, then change the cloud.
    Apply {
        #[command(flatten)]
        opts: PlanOpts,
        /// Apply without asking.
        #[arg(long)]
        auto_approve: bool,
        /// Accept changes made outside eipform into the state, changing no cloud object.
        #[arg(long)]
        refresh_only: bool,
        /// Apply this saved plan (from `plan --out FILE`) exactly, without asking.
        #[arg(value_name = "FILE")]
        plan_file: Option<PathBuf>,
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
    /// Show the state, or the saved plan FILE.
    Show {
        #[arg(value_name = "FILE")]
        file: Option<PathBuf>,
        #[command(flatten)]
        format: FormatOpts,
    },
    /// Compare the cloud with the state (read-only): exit 0 no drift, 2 drift, 1 error.
    Drift {
        #[command(flatten)]
        format: FormatOpts,
        /// Reads at once.
        #[arg(long, default_value_t = 10)]
        parallelism: usize,
    },
    /// Print the root outputs recorded in the state.
    Output {
        /// Print JSON.
        #[arg(long)]
        json: bool,
        /// Only this output (its value alone).
        name: Option<String>,
    },
    /// Print the resource dependency graph in DOT (Graphviz).
    Graph,
    /// Remove the state lock LOCK_ID left by a command that cannot release it.
    ForceUnlock {
        #[arg(value_name = "LOCK_ID")]
        lock_id: String,
    },
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
    /// Adopt an object the cloud already holds into the state at ADDRESS (which the
    /// configuration must declare).
    Import {
        #[command(flatten)]
        vars: VarOpts,
        /// The resource address, like alicloud_eip_address.web or alicloud_eip_address.web[0].
        address: String,
        /// The cloud id (eip-..., or eip-...:i-... for an association).
        id: String,
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
    /// Forget resources (the cloud objects are left untouched). A block address (no index)
    /// forgets all its instances.
    Rm {
        #[arg(required = true, value_name = "ADDRESS")]
        addresses: Vec<String>,
    },
    /// Rename a resource (or all instances of a block) in the state.
    Mv {
        #[arg(value_name = "SOURCE")]
        source: String,
        #[arg(value_name = "DESTINATION")]
        destination: String,
    },
    /// Print the whole state as Terraform v4 state JSON.
    Pull,
    /// Replace the state with FILE (v4 state JSON; `-` reads standard input). Refuses another
    /// lineage, an older serial, or a different state with the same serial, unless --force.
    Push {
        #[arg(value_name = "FILE")]
        file: String,
        #[arg(long)]
        force: bool,
    },
    /// List the serials of the state with time, command and counts.
    History,
    /// Unified diff of the whole state between serial FROM and serial TO (default: the last
    /// apply; with FROM only, FROM against the latest serial).
    Diff {
        #[arg(value_name = "FROM")]
        from: Option<u64>,
        #[arg(value_name = "TO")]
        to: Option<u64>,
    },
}

fn parse_lock_timeout(s: &str) -> Result<std::time::Duration, String> {
    match s.trim() {
        "0" => Ok(std::time::Duration::ZERO),
        t => humantime::parse_duration(t)
            .map_err(|e| format!("{e} (expected a duration such as 30s or 5m)")),
    }
}

/// Runs the command line; returns the exit code.
pub fn main() -> i32 {
    match Cli::try_parse_from(terraform_spelling(std::env::args_os())) {
        Ok(cli) => run::run(cli),
        // --help and --version: output on stdout, printed as any command's is.
        Err(e) if !e.use_stderr() => match e.print() {
            Ok(()) => e.exit_code(),
            Err(failed) => spool::print_failed(failed, spool::print_error),
        },
        Err(e) => e.exit(),
    }
}

/// Terraform spells long options with one dash (`-auto-approve`, `-out=FILE`, `-var 'a=b'`,
/// `-chdir=DIR`); eipform has no short option of more than one letter, so an argument written
/// that way that names one of eipform's long options is read as that option.
fn terraform_spelling(args: impl Iterator<Item = std::ffi::OsString>) -> Vec<std::ffi::OsString> {
    use clap::CommandFactory;
    let args: Vec<std::ffi::OsString> = args.collect();
    // The names `-NAME` may stand for, taken from the whole command tree: built only when an
    // argument is spelled that way (building it took as long as parsing the arguments).
    let single_dash = |arg: &std::ffi::OsString| {
        let rest = arg.to_str().and_then(|t| t.strip_prefix('-'));
        rest.is_some_and(|r| r.len() > 1 && !r.starts_with('-'))
    };
    if !args.iter().any(single_dash) {
        return args;
    }
    let mut longs = std::collections::HashSet::new();
    let mut commands = vec![Cli::command()];
    while let Some(c) = commands.pop() {
        longs.extend(
            c.get_arguments()
                .filter_map(|a| a.get_long().map(str::to_string)),
        );
        commands.extend(c.get_subcommands().cloned());
    }
    args.into_iter()
        .map(|arg| {
            let Some(text) = arg.to_str() else { return arg };
            let Some(rest) = text.strip_prefix('-').filter(|r| !r.starts_with('-')) else {
                return arg;
            };
            let name = rest.split('=').next().unwrap_or_default();
            if name.len() > 1 && longs.contains(name) {
                format!("-{text}").into()
            } else {
                arg
            }
        })
        .collect()
}
