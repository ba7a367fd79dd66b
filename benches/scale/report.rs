//! BENCHMARKS.md from the measurements: machine and date, one table per N, growth ratios, the
//! latency run, the Terraform comparison, and each target of issue 7 with whether it is met. The
//! hand-written part between [`KEEP_BEGIN`] and [`KEEP_END`] (profiles, fixes, before/after) is
//! carried over from the previous file.

use std::fmt::Write as _;
use std::time::Duration;

use super::harness::*;

pub const KEEP_BEGIN: &str = "<!-- hand-written: begin -->";
pub const KEEP_END: &str = "<!-- hand-written: end -->";

/// Everything one run measured.
pub struct Results {
    pub command: String,
    pub sizes: Vec<(usize, Result<SizeResult, String>)>,
    pub latency: Option<Result<LatencyResult, String>>,
    pub terraform: Vec<(usize, Result<TerraformResult, String>)>,
    /// Why Terraform was not compared, when it was not.
    pub terraform_skipped: Option<String>,
}

fn secs(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s < 10.0 {
        format!("{s:.3}")
    } else {
        format!("{s:.1}")
    }
}

fn mb(kb: u64) -> String {
    format!("{:.1}", kb as f64 / 1024.0)
}

fn read(path: &str) -> Option<String> {
    std::fs::read_to_string(path).ok()
}

/// Machine, OS and toolchain in one line each.
pub fn machine() -> Vec<String> {
    let cpu = read("/proc/cpuinfo")
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, v)| v.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(0);
    let mem = read("/proc/meminfo")
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("MemTotal"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|k| k.parse::<f64>().ok())
        })
        .map(|kb| format!("{:.1} GiB", kb / 1024.0 / 1024.0))
        .unwrap_or_else(|| "unknown".into());
    let kernel = read("/proc/sys/kernel/osrelease").unwrap_or_default();
    let rustc = std::process::Command::new("rustc")
        .arg("-V")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    let commit = std::process::Command::new("git")
        .args(["rev-parse", "--short", "HEAD"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    vec![
        format!("CPU: {cpu}, {cores} cores available"),
        format!("Memory: {mem}"),
        format!("Linux {}", kernel.trim()),
        format!("{rustc}, release profile (`cargo bench` builds with it)"),
        format!("Commit {commit} plus the working tree at the time of the run"),
    ]
}

/// A target line: what, measured, met.
struct Target {
    what: String,
    measured: String,
    met: Option<bool>,
}

fn size(r: &Results, n: usize) -> Option<&SizeResult> {
    r.sizes
        .iter()
        .find_map(|(k, s)| if *k == n { s.as_ref().ok() } else { None })
}

fn targets(r: &Results) -> Vec<Target> {
    let mut t = Vec::new();
    let wall = |n: usize, step: &str| size(r, n).and_then(|s| s.step(step)).map(|s| s.wall);
    let mut limit = |what: &str, got: Option<Duration>, max: f64| {
        t.push(Target {
            what: what.to_string(),
            measured: got
                .map(|d| format!("{} s", secs(d)))
                .unwrap_or_else(|| "not measured".into()),
            met: got.map(|d| d.as_secs_f64() < max),
        });
    };
    limit(
        "No-op plan (with refresh), 10,000 resources, under 0.5 s",
        wall(10_000, PLAN_NOOP),
        0.5,
    );
    limit(
        "No-op plan (with refresh), 50,000 resources, under 2 s",
        wall(50_000, PLAN_NOOP),
        2.0,
    );
    limit(
        "Apply, 10,000 resources, under 5 s",
        wall(10_000, APPLY),
        5.0,
    );
    limit(
        "Destroy, 10,000 resources, under 5 s",
        wall(10_000, DESTROY),
        5.0,
    );
    let rss = size(r, 50_000).map(|s| {
        s.steps
            .iter()
            .map(|x| (x.max_rss_kb, x.name.clone()))
            .max()
            .unwrap_or_default()
    });
    t.push(Target {
        what: "Peak RSS at 50,000 resources under 300 MB".into(),
        measured: rss
            .as_ref()
            .map(|(kb, name)| format!("{} MB ({name})", mb(*kb)))
            .unwrap_or_else(|| "not measured".into()),
        met: rss.map(|(kb, _)| (kb as f64 / 1024.0) < 300.0),
    });
    let (ten, fifty) = (size(r, 10_000), size(r, 50_000));
    let worst = match (ten, fifty) {
        (Some(a), Some(b)) => a
            .steps
            .iter()
            .filter_map(|s| {
                b.step(&s.name)
                    .map(|x| (x.wall.as_secs_f64() / s.wall.as_secs_f64(), s.name.clone()))
            })
            .max_by(|x, y| x.0.total_cmp(&y.0)),
        _ => None,
    };
    t.push(Target {
        what: "Linear growth: time(50k) / time(10k) ≤ 5.5 for every command".into(),
        measured: worst
            .as_ref()
            .map(|(q, name)| format!("worst {q:.2} ({name})"))
            .unwrap_or_else(|| "not measured".into()),
        met: worst.map(|(q, _)| q <= 5.5),
    });
    let calls = ten.and_then(|s| s.step(PLAN_NOOP)).and_then(|s| s.calls);
    t.push(Target {
        what: "Refresh of 10,000 resources: at most a few hundred API calls (≤ 500)".into(),
        measured: calls
            .map(|(all, eip)| format!("{all} calls, {eip} DescribeEipAddresses"))
            .unwrap_or_else(|| "not measured".into()),
        met: calls.map(|(all, _)| all <= 500),
    });
    let lat = r.latency.as_ref().and_then(|l| l.as_ref().ok());
    t.push(Target {
        what: "Apply under 100 ms latency, parallelism 10: ≤ 1.1 × the critical-path bound".into(),
        measured: lat
            .map(|l| {
                format!(
                    "{} s = {:.2} × bound {} s",
                    secs(l.step.wall),
                    l.step.wall.as_secs_f64() / l.bound().as_secs_f64(),
                    secs(l.bound())
                )
            })
            .unwrap_or_else(|| "not measured".into()),
        met: lat.map(|l| l.step.wall.as_secs_f64() <= 1.1 * l.bound().as_secs_f64()),
    });
    for cmd in ["plan, no changes (refresh)", "apply"] {
        let ratio = r
            .terraform
            .iter()
            .find_map(|(_, t)| t.as_ref().ok())
            .and_then(|t| {
                t.rows
                    .iter()
                    .find(|(name, _, _)| name == cmd)
                    .map(|(_, tf, ef)| (t.n, tf.wall.as_secs_f64() / ef.wall.as_secs_f64()))
            });
        t.push(Target {
            what: format!("At least 100 × faster than Terraform: {cmd}"),
            measured: ratio
                .map(|(n, q)| format!("{q:.0} × at N = {n}"))
                .unwrap_or_else(|| "not measured".into()),
            met: ratio.map(|(_, q)| q >= 100.0),
        });
    }
    t
}

/// The Markdown file; `kept` is the hand-written section of the previous file.
pub fn render(r: &Results, kept: Option<&str>) -> String {
    let mut s = String::new();
    let now = chrono::Local::now().format("%Y-%m-%d %H:%M %z");
    let _ = writeln!(s, "# Benchmarks\n");
    let _ = writeln!(
        s,
        "How the cost of eipform's commands grows from 1,000 to 50,000 resources, and how it compares with\n\
         Terraform (issue 7). This file is written by the harness; only the section marked hand-written\n\
         is edited by people (the harness keeps it).\n"
    );
    let _ = writeln!(s, "Run it with\n\n```sh\n{}\n```\n", r.command);
    let _ = writeln!(
        s,
        "(`-- --sizes 1000,10000` for a shorter run, `-- --no-terraform` to skip the comparison, `-- --help` for the rest).\n\
         Every command runs as its own process in a fresh directory with the simulated cloud in\n\
         `.eipform/cloud.db`; each is spawned by a small process of the harness's own, which\n\
         measures wall time from spawn to reap and peak RSS from `wait4` (Linux floors a child's\n\
         peak RSS at its spawner's, a few MB; until 2026-11-29 the harness timed GNU time running\n\
         the command, whose own start added 1.5–4 ms to every run). API calls are counted by the simulated cloud (`EIPFORM_SIM_STATS`); plan's dry run\n\
         against a rolled-back scratch copy of the cloud is not an API call and is not counted.\n\
         The sizes are measured command by command: each command runs at every size in turn before\n\
         the next command starts (since 2026-11-29; before, one size after the other, so a growth\n\
         ratio compared runs minutes apart and carried the machine's drift).\n\
         Each command of the mix runs three times and the run of median wall time is reported\n\
         (`apply` and `destroy` each time from the same copy of the world and the state, synced\n\
         to disk before the run like files written a while earlier; not before 2026-11-29); so do the\n\
         commands of the Terraform comparison, on both sides, `apply` three times (each from no\n\
         state) and each plan seven times (a plan of eipform takes ~15 ms, and bursts of the shared\n\
         machine's noise double single runs); each step follows a 2 s pause, so that neither tool\n\
         is measured in the other's wake. The latency\n\
         run runs once, so it carries the machine's noise (tens of percent on this shared 2-core\n\
         machine).\n\
         A step counts only when the command exits 0 and prints what it must (`Plan: N to add, ...`,\n\
         `No changes.`, `Apply complete! Resources: N added`, ...).\n\
         The configuration cache (`.eipform/config.cache`) works as it does for a user: the first\n\
         command in a directory parses the configuration and writes it, the later ones read it.\n"
    );
    let _ = writeln!(s, "## Machine\n\nMeasured {now}.\n");
    for line in machine() {
        let _ = writeln!(s, "- {line}");
    }
    let _ = writeln!(
        s,
        "\n## Targets\n\n| Target | Measured | Met |\n|---|---|---|"
    );
    for t in targets(r) {
        let met = match t.met {
            Some(true) => "yes",
            Some(false) => "**no**",
            None => "–",
        };
        let _ = writeln!(s, "| {} | {} | {met} |", t.what, t.measured);
    }
    let _ = writeln!(
        s,
        "\n## The configurations\n\n\
         A realistic mix in three regions (default provider `cn-hangzhou`, aliases `sh` = `cn-shanghai`\n\
         and `hk` = `cn-hongkong`, 50/30/20 %), in files of about 1,000 resources: VPCs and security\n\
         groups, vSwitches (one per 150 resources), ECS instances, per region one IP address pool with a\n\
         /24 CIDR block and up to 200 EIPs from it, EIPs metered by bandwidth and by traffic (every tenth\n\
         a subscription), a quarter of the EIPs written as `for_each` over local maps of 50, and one\n\
         association per instance for about a third of the EIPs. The simulated account's EIP quota (rule\n\
         A12) is raised to N. The 1% change gives 1% of the resources (pay-as-you-go EIPs) a new\n\
         bandwidth: in-place updates.\n"
    );
    for (n, res) in &r.sizes {
        let _ = writeln!(s, "## N = {n}\n");
        match res {
            Err(e) => {
                let _ = writeln!(s, "Failed:\n\n```\n{e}\n```\n");
            }
            Ok(sr) => {
                let mix: Vec<String> = sr
                    .counts
                    .iter()
                    .filter(|(_, k)| *k > 0)
                    .map(|(t, k)| format!("{k} `{t}`"))
                    .collect();
                let _ = writeln!(s, "{} resource instances: {}.\n", sr.n, mix.join(", "));
                let _ = writeln!(
                    s,
                    "| Command | Wall time (s) | Peak RSS (MB) | API calls | DescribeEipAddresses | Checked output |\n|---|---:|---:|---:|---:|---|"
                );
                for st in &sr.steps {
                    let (all, eip) = st.calls.unwrap_or((0, 0));
                    let _ = writeln!(
                        s,
                        "| `{}` | {} | {} | {all} | {eip} | {} |",
                        st.name,
                        secs(st.wall),
                        mb(st.max_rss_kb),
                        st.note
                    );
                }
                let _ = writeln!(s);
            }
        }
    }
    let ok: Vec<&SizeResult> = r
        .sizes
        .iter()
        .filter_map(|(_, s)| s.as_ref().ok())
        .collect();
    if ok.len() > 1 {
        let _ = writeln!(
            s,
            "## Growth\n\nWall time ratio between consecutive sizes (linear growth gives the ratio of N).\n"
        );
        let mut head = String::from("| Command |");
        let mut rule = String::from("|---|");
        for w in ok.windows(2) {
            let _ = write!(head, " {}k / {}k |", w[1].n / 1000, w[0].n / 1000);
            rule.push_str("---:|");
        }
        let _ = writeln!(s, "{head}\n{rule}");
        for st in &ok[0].steps {
            let mut row = format!("| `{}` |", st.name);
            for w in ok.windows(2) {
                match (w[0].step(&st.name), w[1].step(&st.name)) {
                    (Some(a), Some(b)) => {
                        let _ =
                            write!(row, " {:.2} |", b.wall.as_secs_f64() / a.wall.as_secs_f64());
                    }
                    _ => row.push_str(" – |"),
                }
            }
            let _ = writeln!(s, "{row}");
        }
        let _ = writeln!(s);
    }
    let _ = writeln!(s, "## Apply under injected latency\n");
    match &r.latency {
        None => {
            let _ = writeln!(s, "Not run.\n");
        }
        Some(Err(e)) => {
            let _ = writeln!(s, "Failed:\n\n```\n{e}\n```\n");
        }
        Some(Ok(l)) => {
            let (calls, _) = l.step.calls.unwrap_or((0, 0));
            let _ = writeln!(
                s,
                "The realistic mix at N = {} with `EIPFORM_SIM_FAULTS=latency={}ms` and `apply --parallelism {}`.\n\
                 The bound is max(longest chain × latency, N × latency / parallelism) = max({} × {} ms, {} × {} ms / {}).\n\n\
                 | Wall time | Bound | Ratio | API calls | Calls × latency / parallelism |\n|---:|---:|---:|---:|---:|\n\
                 | {} s | {} s | {:.2} | {calls} | {} s |\n",
                l.n,
                l.latency.as_millis(),
                l.parallelism,
                l.chain,
                l.latency.as_millis(),
                l.n,
                l.latency.as_millis(),
                l.parallelism,
                secs(l.step.wall),
                secs(l.bound()),
                l.step.wall.as_secs_f64() / l.bound().as_secs_f64(),
                l.call_bound().map(secs).unwrap_or_default(),
            );
        }
    }
    let _ = writeln!(s, "## Against Terraform\n");
    if let Some(why) = &r.terraform_skipped {
        let _ = writeln!(s, "Skipped: {why}\n");
    }
    for (n, res) in &r.terraform {
        match res {
            Err(e) => {
                let _ = writeln!(s, "N = {n}: failed:\n\n```\n{e}\n```\n");
            }
            Ok(t) => {
                let _ = writeln!(
                    s,
                    "{} with `hashicorp/null` 2.1.2 (local backend, parallelism 10) on {n} `null_resource`s,\n\
                     against eipform on {n} pay-as-you-go EIPs (one region). The null provider makes no cloud\n\
                     calls at all; eipform's EIPs go through the simulated cloud.\n\n\
                     | Command | Terraform (s) | Terraform RSS (MB) | eipform (s) | eipform RSS (MB) | Terraform / eipform |\n|---|---:|---:|---:|---:|---:|",
                    t.version
                );
                for (name, tf, ef) in &t.rows {
                    let _ = writeln!(
                        s,
                        "| `{name}` | {} | {} | {} | {} | {:.0} × |",
                        secs(tf.wall),
                        mb(tf.max_rss_kb),
                        secs(ef.wall),
                        mb(ef.max_rss_kb),
                        tf.wall.as_secs_f64() / ef.wall.as_secs_f64()
                    );
                }
                let _ = writeln!(s);
            }
        }
    }
    let _ = writeln!(s, "{KEEP_BEGIN}");
    match kept {
        Some(k) => s.push_str(k.trim_matches('\n')),
        None => s.push_str("## Profiles and fixes\n\n(none recorded yet)"),
    }
    let _ = writeln!(s, "\n{KEEP_END}");
    s
}

/// The hand-written section of an existing BENCHMARKS.md.
pub fn kept_section(previous: &str) -> Option<String> {
    let start = previous.find(KEEP_BEGIN)? + KEEP_BEGIN.len();
    let end = previous[start..].find(KEEP_END)? + start;
    Some(previous[start..end].to_string())
}
