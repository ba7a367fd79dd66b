//! The EIP rules (eip-rules.md) end to end, table-driven: every folder `tests/rules/<ID>-<name>/`
//! holds a configuration (`main.tf`), optionally the cloud's starting settings and earlier runs
//! (`setup.json`), and the expected outcome (`expect.json`); `tests/rules/README.md` documents
//! the format. Each case runs through the built binary in a temporary directory: `validate`,
//! then `plan`, then `apply --auto-approve`, stopping at the stage the case expects to fail (or
//! running all three for a satisfying case). One test per rule group runs every folder of the
//! group and reports every failing folder by name.
//!
//! `every_plan_stage_violation_leaves_cloud_and_state_untouched` is the counting test: for every
//! case whose violation is caught by `plan`, `plan` exits 1 and the simulated cloud (its logical
//! dump) and the state are byte-identical before and after.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde::Deserialize;
use serde_json::Value;

fn eipform(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_eipform"))
        .arg("--chdir")
        .arg(dir)
        .arg("--no-color")
        .args(args)
        .env_remove("EIPFORM_CLOUD")
        .env_remove("EIPFORM_SIM_FAULTS")
        .env_remove("NO_COLOR")
        .env("ALICLOUD_REGION", "cn-hangzhou")
        .output()
        .expect("run eipform")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn code(o: &Output) -> i32 {
    o.status.code().unwrap_or(-1)
}

/// `setup.json`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Setup {
    /// Account settings, as `eipform cloud account set KEY VALUE`.
    #[serde(default)]
    account: BTreeMap<String, String>,
    /// Steps run before `main.tf` is put in place (see README.md).
    #[serde(default)]
    before: Vec<Vec<String>>,
    /// Steps run between `plan --out` and `apply PLANFILE` (apply-only rules: races).
    #[serde(default)]
    between: Vec<Vec<String>>,
}

/// `expect.json`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Expect {
    /// `validate`, `plan` or `apply`: the last command run.
    stage: String,
    /// Its exit code.
    exit: i32,
    /// The error code one diagnostic must carry.
    code: Option<String>,
    /// The rule ID that diagnostic names.
    rule: Option<String>,
    /// The line of `main.tf` it points at.
    line: Option<usize>,
    /// Texts the last command's output must contain (warnings, planned attributes).
    #[serde(default)]
    contains: Vec<String>,
    /// Texts it must not contain.
    #[serde(default)]
    not_contains: Vec<String>,
    /// A command run after the stage (e.g. `["cloud", "list", "--type", "eip", "--json"]`); it
    /// must exit 0 and its output is checked by `contains`/`not_contains` too.
    #[serde(default)]
    then: Vec<String>,
}

/// One case folder, loaded.
struct Case {
    name: String,
    folder: PathBuf,
    setup: Setup,
    expect: Expect,
}

fn rules_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("rules")
}

/// Every case folder whose name starts with one of `prefixes` (`A` = A01..A14).
fn cases(prefixes: &[&str]) -> Vec<Case> {
    let mut names: Vec<String> = std::fs::read_dir(rules_dir())
        .expect("tests/rules")
        .filter_map(Result::ok)
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| prefixes.iter().any(|p| n.starts_with(p)))
        .collect();
    names.sort();
    names
        .into_iter()
        .map(|name| {
            let folder = rules_dir().join(&name);
            let setup = match std::fs::read_to_string(folder.join("setup.json")) {
                Ok(s) => {
                    serde_json::from_str(&s).unwrap_or_else(|e| panic!("{name}/setup.json: {e}"))
                }
                Err(_) => Setup::default(),
            };
            let expect = std::fs::read_to_string(folder.join("expect.json"))
                .unwrap_or_else(|e| panic!("{name}/expect.json: {e}"));
            let expect =
                serde_json::from_str(&expect).unwrap_or_else(|e| panic!("{name}/expect.json: {e}"));
            Case {
                name,
                folder,
                setup,
                expect,
            }
        })
        .collect()
}

/// `{{VAR}}` replaced by captured values.
fn subst(s: &str, vars: &BTreeMap<String, String>) -> String {
    vars.iter().fold(s.to_string(), |acc, (k, v)| {
        acc.replace(&format!("{{{{{k}}}}}"), v)
    })
}

/// A prepared working directory: account settings applied, `before` steps run, `main.tf` in place.
struct Work {
    _tmp: tempfile::TempDir,
    dir: PathBuf,
    vars: BTreeMap<String, String>,
}

fn run_steps(case: &Case, work: &mut Work, steps: &[Vec<String>]) -> Result<(), String> {
    for step in steps {
        let step: Vec<String> = step.iter().map(|s| subst(s, &work.vars)).collect();
        match step
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>()
            .as_slice()
        {
            ["use", file] => {
                let src = std::fs::read_to_string(case.folder.join(file))
                    .map_err(|e| format!("step use {file}: {e}"))?;
                std::fs::write(work.dir.join("main.tf"), subst(&src, &work.vars))
                    .map_err(|e| e.to_string())?;
            }
            ["capture", var, output] => {
                let o = eipform(&work.dir, &["output", "--json", output]);
                if code(&o) != 0 {
                    return Err(format!("step capture {output}: {}", text(&o)));
                }
                let v: Value = serde_json::from_slice(&o.stdout)
                    .map_err(|e| format!("step capture {output}: {e}: {}", text(&o)))?;
                let v = match v {
                    Value::String(s) => s,
                    other => other.to_string(),
                };
                work.vars.insert((*var).to_string(), v);
            }
            ["fate", ip, fate] => {
                let cloud =
                    eipform::cloud::sim::SimCloud::open(&work.dir.join(".eipform/cloud.db"))
                        .map_err(|e| e.to_string())?;
                eipform::cloud::sim::admin::address_fate(&cloud, ip, fate)
                    .map_err(|e| format!("step fate {ip} {fate}: {e}"))?;
            }
            args => {
                let o = eipform(&work.dir, args);
                if code(&o) != 0 {
                    return Err(format!("step {args:?} exited {}: {}", code(&o), text(&o)));
                }
            }
        }
    }
    Ok(())
}

fn prepare(case: &Case) -> Result<Work, String> {
    let tmp = tempfile::tempdir().map_err(|e| e.to_string())?;
    let dir = tmp.path().to_path_buf();
    let mut work = Work {
        _tmp: tmp,
        dir,
        vars: BTreeMap::new(),
    };
    for (k, v) in &case.setup.account {
        let o = eipform(&work.dir, &["cloud", "account", "set", k, v]);
        if code(&o) != 0 {
            return Err(format!("account set {k} {v}: {}", text(&o)));
        }
    }
    run_steps(case, &mut work, &case.setup.before)?;
    let main = std::fs::read_to_string(case.folder.join("main.tf"))
        .map_err(|e| format!("main.tf: {e}"))?;
    std::fs::write(work.dir.join("main.tf"), subst(&main, &work.vars))
        .map_err(|e| e.to_string())?;
    Ok(work)
}

/// Whether one diagnostic of `out` names `rule`, carries `code` and points at `main.tf:line`.
/// Diagnostics are split at their `×` lines; the code is checked as `CODE:` in the detail.
fn has_diagnostic(out: &str, e: &Expect) -> bool {
    out.split('×').skip(1).any(|d| {
        e.rule
            .as_ref()
            .is_none_or(|r| d.contains(&format!("rule {r}")))
            && e.code.as_ref().is_none_or(|c| d.contains(&format!("{c}:")))
            && e.line.is_none_or(|l| d.contains(&format!("main.tf:{l}:")))
    })
}

/// Runs the case; `Err` explains what differed.
fn run_case(case: &Case) -> Result<(), String> {
    let mut work = prepare(case)?;
    let e = &case.expect;
    let stage_out = |name: &str, o: &Output, last: bool| -> Result<Option<String>, String> {
        let t = text(o);
        if !last {
            if code(o) != 0 {
                return Err(format!(
                    "{name} exited {} before stage {}:\n{t}",
                    code(o),
                    e.stage
                ));
            }
            return Ok(None);
        }
        Ok(Some(t))
    };
    let validate = eipform(&work.dir, &["validate"]);
    let mut last = stage_out("validate", &validate, e.stage == "validate")?.map(|t| (validate, t));
    if last.is_none() {
        let mut args = vec!["plan"];
        if !case.setup.between.is_empty() {
            args.extend(["--out", "case.plan"]);
        }
        let plan = eipform(&work.dir, &args);
        last = stage_out("plan", &plan, e.stage == "plan")?.map(|t| (plan, t));
    }
    if last.is_none() {
        if e.stage != "apply" {
            return Err(format!("unknown stage {:?}", e.stage));
        }
        let between = case.setup.between.clone();
        run_steps(case, &mut work, &between)?;
        let apply = if between.is_empty() {
            eipform(&work.dir, &["apply", "--auto-approve"])
        } else {
            eipform(&work.dir, &["apply", "case.plan"])
        };
        let t = text(&apply);
        last = Some((apply, t));
    }
    let (o, mut t) = last.expect("a stage ran");
    let mut problems = Vec::new();
    if !e.then.is_empty() {
        let args: Vec<String> = e.then.iter().map(|a| subst(a, &work.vars)).collect();
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let then = eipform(&work.dir, &args);
        if code(&then) != 0 {
            problems.push(format!("{args:?} exited {}", code(&then)));
        }
        t.push_str(&text(&then));
    }
    if code(&o) != e.exit {
        problems.push(format!(
            "{} exited {}, expected {}",
            e.stage,
            code(&o),
            e.exit
        ));
    }
    if (e.rule.is_some() || e.code.is_some() || e.line.is_some()) && !has_diagnostic(&t, e) {
        problems.push(format!(
            "no diagnostic with rule {:?}, code {:?}, at main.tf line {:?} in:\n{t}",
            e.rule, e.code, e.line
        ));
    }
    for c in &e.contains {
        let c = subst(c, &work.vars);
        if !t.contains(c.as_str()) {
            problems.push(format!("output lacks {c:?}"));
        }
    }
    for c in &e.not_contains {
        let c = subst(c, &work.vars);
        if t.contains(c.as_str()) {
            problems.push(format!("output contains {c:?}"));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{}\n--- {} output:\n{t}",
            problems.join("; "),
            e.stage
        ))
    }
}

/// Runs `f` over `cases` on a few threads; the `Some` results, in case order.
fn parallel(cases: &[Case], f: impl Fn(&Case) -> Option<String> + Sync) -> Vec<String> {
    let next = std::sync::atomic::AtomicUsize::new(0);
    let results = std::sync::Mutex::new(Vec::new());
    let workers = std::thread::available_parallelism()
        .map_or(4, |n| n.get())
        .min(6);
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    let Some(c) = cases.get(i) else { break };
                    if let Some(r) = f(c) {
                        results.lock().expect("results").push((i, r));
                    }
                }
            });
        }
    });
    let mut results = results.into_inner().expect("results");
    results.sort();
    results.into_iter().map(|(_, r)| r).collect()
}

/// Runs every case of the group; panics naming every failing folder.
fn run_group(prefixes: &[&str]) {
    let cases = cases(prefixes);
    assert!(!cases.is_empty(), "no case folders for {prefixes:?}");
    let failures = parallel(&cases, |c| {
        run_case(c).err().map(|e| format!("FAILED {}: {e}", c.name))
    });
    assert!(
        failures.is_empty(),
        "{} of {} case(s) failed:\n\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n\n")
    );
}

#[test]
fn allocation_rules_a01_to_a14() {
    run_group(&["A"]);
}

#[test]
fn recovery_rules_r01_to_r06() {
    run_group(&["R"]);
}

#[test]
fn contiguous_group_rules_g01_to_g07() {
    run_group(&["G"]);
}

#[test]
fn association_rules_s01_to_s10() {
    run_group(&["S"]);
}

#[test]
fn release_and_change_rules_d01_to_d07() {
    run_group(&["D"]);
}

#[test]
fn pool_rules_p01_to_p03() {
    run_group(&["P"]);
}

/// Every rule ID of eip-rules.md has a violating and a satisfying case folder.
#[test]
fn every_rule_has_a_violating_and_a_satisfying_case() {
    let mut ids = Vec::new();
    for (g, n) in [("A", 14), ("R", 6), ("G", 7), ("S", 10), ("D", 7), ("P", 3)] {
        ids.extend((1..=n).map(|i| format!("{g}{i:02}")));
    }
    let all = cases(&[""]);
    let mut missing = Vec::new();
    for id in ids {
        let mine: Vec<&Case> = all
            .iter()
            .filter(|c| c.name.starts_with(&format!("{id}-")))
            .collect();
        let violating = mine
            .iter()
            .any(|c| c.expect.exit != 0 || !c.expect.contains.is_empty());
        let satisfying = mine
            .iter()
            .any(|c| c.expect.exit == 0 && c.expect.stage == "apply" && c.name.contains("-ok"));
        if !violating || !satisfying {
            missing.push(format!(
                "{id} (violating: {violating}, satisfying: {satisfying})"
            ));
        }
    }
    assert!(missing.is_empty(), "rules without cases: {missing:?}");
}

/// The cloud's logical dump and the state (`state pull` plus the state file's bytes).
fn snapshot(dir: &Path) -> (String, String, Option<Vec<u8>>) {
    let cloud =
        eipform::cloud::sim::SimCloud::open(&dir.join(".eipform/cloud.db")).expect("open cloud");
    let dump = eipform::cloud::sim::admin::dump(&cloud).expect("dump cloud");
    drop(cloud);
    let pull = eipform(dir, &["state", "pull"]);
    let state = format!("{}:{}", code(&pull), String::from_utf8_lossy(&pull.stdout));
    (
        dump,
        state,
        std::fs::read(dir.join(".eipform/state.db")).ok(),
    )
}

#[test]
fn every_plan_stage_violation_leaves_cloud_and_state_untouched() {
    let cases: Vec<Case> = cases(&[""])
        .into_iter()
        .filter(|c| c.expect.stage == "plan" && c.expect.exit == 1)
        .collect();
    assert!(
        cases.len() >= 20,
        "only {} plan-stage violating cases",
        cases.len()
    );
    let failures = parallel(&cases, |c| {
        let work = match prepare(c) {
            Ok(w) => w,
            Err(e) => return Some(format!("FAILED {}: setup: {e}", c.name)),
        };
        let before = snapshot(&work.dir);
        let plan = eipform(&work.dir, &["plan"]);
        let after = snapshot(&work.dir);
        let mut problems = Vec::new();
        if code(&plan) != 1 {
            problems.push(format!("plan exited {}", code(&plan)));
        }
        if before.0 != after.0 {
            problems.push("the cloud's contents changed".to_string());
        }
        if before.1 != after.1 {
            problems.push("`state pull` changed".to_string());
        }
        if before.2 != after.2 {
            problems.push("the state file's bytes changed".to_string());
        }
        (!problems.is_empty()).then(|| {
            format!(
                "FAILED {}: {}\n{}",
                c.name,
                problems.join("; "),
                text(&plan)
            )
        })
    });
    assert!(
        failures.is_empty(),
        "{} of {} plan-stage case(s) failed:\n\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n\n")
    );
    eprintln!("{} plan-stage violating cases checked", cases.len());
}
