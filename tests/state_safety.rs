//! State safety end to end (issue 6): the built binary in temporary directories, killed,
//! interrupted, run concurrently and under injected cloud faults; asserting what the user sees
//! (exit codes, messages), what the state database holds and what the simulated cloud holds.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use eipform::state::StateStore;
use eipform::state::lock::LockInfo;
use eipform::state::sqlite::SqliteState;
use serde_json::Value;

fn cmd(dir: &Path, args: &[&str], faults: Option<&str>) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_eipform"));
    c.arg("--chdir").arg(dir).arg("--no-color").args(args);
    c.env_remove("EIPFORM_CLOUD")
        .env_remove("EIPFORM_SIM_FAULTS")
        .env("ALICLOUD_REGION", "cn-beijing");
    if let Some(f) = faults {
        c.env("EIPFORM_SIM_FAULTS", f);
    }
    c.stdin(Stdio::null());
    c
}

fn eipform(dir: &Path, args: &[&str]) -> Output {
    cmd(dir, args, None).output().expect("run eipform")
}

/// Starts eipform in the background. Its output goes to files (a pipe nobody reads would
/// block it once full); [`finish`] collects it.
fn spawn(dir: &Path, args: &[&str], faults: Option<&str>) -> Child {
    let out = std::fs::File::create(dir.join(".out")).unwrap();
    let err = std::fs::File::create(dir.join(".err")).unwrap();
    cmd(dir, args, faults)
        .stdout(out)
        .stderr(err)
        .spawn()
        .expect("spawn eipform")
}

/// Waits for a [`spawn`]ed eipform and returns its output.
fn finish(dir: &Path, mut child: Child) -> Output {
    let status = child.wait().unwrap();
    Output {
        status,
        stdout: std::fs::read(dir.join(".out")).unwrap(),
        stderr: std::fs::read(dir.join(".err")).unwrap(),
    }
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

fn ok(dir: &Path, args: &[&str]) -> String {
    let o = eipform(dir, args);
    assert_eq!(code(&o), 0, "eipform {args:?} failed:\n{}", text(&o));
    text(&o)
}

fn cloud(dir: &Path, kind: &str) -> Vec<Value> {
    let o = eipform(dir, &["cloud", "list", "--type", kind, "--json"]);
    assert_eq!(code(&o), 0, "{}", text(&o));
    serde_json::from_slice(&o.stdout).expect("cloud list --json")
}

fn state_list(dir: &Path) -> Vec<String> {
    ok(dir, &["state", "list"])
        .lines()
        .map(str::to_string)
        .collect()
}

fn state_db(dir: &Path) -> std::path::PathBuf {
    dir.join(".eipform/state.db")
}

/// Reads the state database directly (as a second process would).
fn query_count(dir: &Path, sql: &str) -> i64 {
    let path = state_db(dir);
    if !path.exists() {
        return 0;
    }
    let conn =
        rusqlite::Connection::open_with_flags(&path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .expect("open state db");
    conn.busy_timeout(Duration::from_secs(10)).unwrap();
    conn.query_row(sql, [], |r| r.get(0)).unwrap_or(0)
}

fn wait_for(what: &str, timeout: Duration, mut f: impl FnMut() -> bool) {
    let started = Instant::now();
    while !f() {
        assert!(started.elapsed() < timeout, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn signal(child: &Child, sig: i32) {
    // SAFETY: sends a signal to our own child process.
    unsafe {
        libc::kill(child.id() as libc::pid_t, sig);
    }
}

/// Raises the simulated account's EIP quota (A12, 20 by default).
fn raise_eip_quota(dir: &Path, quota: u32) {
    let cloud =
        eipform::cloud::sim::SimCloud::open(&dir.join(".eipform/cloud.db")).expect("open cloud");
    eipform::cloud::sim::admin::account_set(&cloud, "eip_quota", &quota.to_string())
        .expect("set quota");
}

fn workspace(main_tf: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("main.tf"), main_tf).unwrap();
    dir
}

/// A VPC with `vswitches` vSwitches and `eips` EIPs.
fn config(vswitches: usize, eips: usize) -> String {
    format!(
        r#"
resource "alicloud_vpc" "main" {{
  vpc_name   = "main"
  cidr_block = "10.0.0.0/8"
}}

resource "alicloud_vswitch" "s" {{
  count        = {vswitches}
  vpc_id       = alicloud_vpc.main.id
  cidr_block   = "10.${{count.index}}.0.0/16"
  zone_id      = "cn-beijing-a"
  vswitch_name = "s${{count.index}}"
}}

resource "alicloud_eip_address" "e" {{
  count        = {eips}
  address_name = "e${{count.index}}"
  bandwidth    = "5"
}}

resource "alicloud_security_group" "main" {{
  security_group_name = "main"
  vpc_id              = alicloud_vpc.main.id
}}

output "vpc_id" {{
  value = alicloud_vpc.main.id
}}
"#
    )
}

fn integrity_ok(dir: &Path) {
    let conn = rusqlite::Connection::open(state_db(dir)).unwrap();
    let check: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok", "state database integrity");
}

/// The cloud holds exactly what the state records: no orphan, nothing twice.
fn assert_cloud_matches_state(dir: &Path, vswitches: usize, eips: usize) {
    let state: Vec<Value> = {
        let pulled: Value = serde_json::from_str(&ok(dir, &["state", "pull"])).unwrap();
        pulled["resources"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|r| r["instances"].as_array().unwrap().clone())
            .collect()
    };
    let state_ids: BTreeSet<String> = state
        .iter()
        .map(|i| i["attributes"]["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        state_ids.len(),
        state.len(),
        "every state entry has its own object"
    );
    let cloud_eips = cloud(dir, "eip");
    let eip_ids: BTreeSet<String> = cloud_eips
        .iter()
        .map(|o| o["id"].as_str().unwrap().to_string())
        .collect();
    let orphans: Vec<&String> = eip_ids
        .iter()
        .filter(|id| !state_ids.contains(*id))
        .collect();
    assert!(
        orphans.is_empty(),
        "EIPs in the cloud that the state does not know: {orphans:?}"
    );
    assert_eq!(cloud_eips.len(), eips, "each EIP created exactly once");
    let names: BTreeSet<&str> = cloud_eips
        .iter()
        .filter_map(|o| o["attributes"]["Name"].as_str())
        .collect();
    assert_eq!(names.len(), eips, "no EIP name twice: {names:?}");
    let vsw = cloud(dir, "vswitch");
    assert_eq!(vsw.len(), vswitches, "each vSwitch created exactly once");
    assert!(
        vsw.iter()
            .all(|o| state_ids.contains(o["id"].as_str().unwrap())),
        "every vSwitch is in the state"
    );
    assert_eq!(cloud(dir, "vpc").len(), 1, "one VPC");
    assert_eq!(cloud(dir, "security_group").len(), 1, "one security group");
    assert_eq!(state.len(), vswitches + eips + 2);
}

#[test]
fn kill_loop_loses_nothing_and_orphans_nothing() {
    const VSW: usize = 100;
    const EIPS: usize = 300;
    let dir = workspace(&config(VSW, EIPS));
    let dir = dir.path();
    raise_eip_quota(dir, 1000);
    // A create is one API call: 60 ms each for 400 resources at parallelism 3 leaves a walk
    // (~8 s) long enough for 24 kills, however fast the rest of apply gets.
    let faults = Some("latency=60ms");
    let mut kills = 0;
    let mut adopted = 0;
    let mut replanned = 0;
    let mut round = 0u64;
    while kills < 24 {
        round += 1;
        assert!(round < 60, "the apply finished before 24 kills");
        let round_started = Instant::now();
        let mut child = spawn(
            dir,
            &["apply", "--auto-approve", "--parallelism", "3"],
            faults,
        );
        if round.is_multiple_of(4) {
            // A plain delay: lands in planning or in the walk.
            std::thread::sleep(Duration::from_millis(200 + (round * 271) % 1500));
        } else {
            // Into the walk: once operations are in flight, after a varied delay.
            let started = Instant::now();
            while query_count(dir, "SELECT COUNT(*) FROM intents") == 0
                && started.elapsed() < Duration::from_secs(60)
            {
                if child.try_wait().unwrap().is_some() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(2));
            }
            std::thread::sleep(Duration::from_millis((round * 29) % 120));
        }
        let finished = child.try_wait().unwrap().is_some();
        let killed_pid = i64::from(child.id());
        signal(&child, libc::SIGKILL);
        let out = finish(dir, child);
        if finished {
            let o = text(&out);
            assert!(out.status.success() || o.contains("Error"), "{o}");
            break;
        }
        kills += 1;
        eprintln!(
            "kill {kills} (round {round}) after {:?}",
            round_started.elapsed()
        );
        integrity_ok(dir);
        let plan = eipform(dir, &["plan"]);
        let t = text(&plan);
        assert_eq!(code(&plan), 0, "plan after kill {kills} failed:\n{t}");
        adopted += t.matches("created before the interruption").count();
        replanned += t.matches("was not created; planned again").count();
        assert_eq!(
            query_count(dir, "SELECT COUNT(*) FROM intents"),
            0,
            "plan reconciled every unfinished operation"
        );
        // A lock left by the killed apply is stale; plan took it over (to reconcile) or left it.
        let holder = query_count(
            dir,
            "SELECT COALESCE(MAX(json_extract(body, '$.Pid')), 0) FROM lock",
        );
        assert!(
            holder == 0 || holder == killed_pid,
            "only the killed apply's lock may remain, not plan's: {holder}"
        );
        // Whatever the state holds exists in the cloud exactly once.
        let eips = cloud(dir, "eip");
        let in_state = query_count(
            dir,
            "SELECT COUNT(*) FROM resources WHERE address LIKE 'alicloud_eip_address.%'",
        );
        assert_eq!(
            eips.len() as i64,
            in_state,
            "after kill {kills}: every EIP in the cloud is in the state"
        );
    }
    assert!(kills >= 20, "only {kills} kills landed");
    assert!(
        adopted + replanned > 0,
        "some kill interrupted operations in flight (adopted {adopted}, replanned {replanned})"
    );
    let done = eipform(dir, &["apply", "--auto-approve"]);
    assert_eq!(code(&done), 0, "{}", text(&done));
    integrity_ok(dir);
    assert_cloud_matches_state(dir, VSW, EIPS);
    let o = eipform(dir, &["plan", "--detailed-exitcode"]);
    assert_eq!(code(&o), 0, "the final plan has no changes:\n{}", text(&o));
    assert!(text(&o).contains("No changes."), "{}", text(&o));
    eprintln!("kills: {kills}, adopted: {adopted}, planned again: {replanned}");
}

#[test]
fn interrupt_finishes_in_flight_operations_and_exits_130() {
    let dir = workspace(&config(30, 0));
    let dir = dir.path();
    let child = spawn(
        dir,
        &["apply", "--auto-approve", "--parallelism", "2"],
        Some("latency=40ms"),
    );
    wait_for("the walk to start", Duration::from_secs(60), || {
        query_count(dir, "SELECT COUNT(*) FROM resources") > 0
    });
    signal(&child, libc::SIGINT);
    let out = finish(dir, child);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(130), "{t}");
    assert!(t.contains("Interrupt received."), "{t}");
    assert!(t.contains("Apply interrupted:"), "{t}");
    assert!(t.contains("not started"), "{t}");
    // In-flight operations finished and were committed: no unfinished intents, no lock.
    assert_eq!(query_count(dir, "SELECT COUNT(*) FROM intents"), 0);
    assert_eq!(query_count(dir, "SELECT COUNT(*) FROM lock"), 0);
    integrity_ok(dir);
    let recorded = state_list(dir).len();
    assert!(recorded > 0 && recorded < 32, "partly applied: {recorded}");
    assert_eq!(
        cloud(dir, "vswitch").len() + cloud(dir, "vpc").len() + cloud(dir, "security_group").len(),
        recorded,
        "the state knows every object"
    );
    let plan = ok(dir, &["plan"]);
    assert!(
        plan.contains(&format!(
            "Plan: {} to add, 0 to change, 0 to destroy.",
            32 - recorded
        )),
        "{plan}"
    );
    ok(dir, &["apply", "--auto-approve"]);
    assert_cloud_matches_state(dir, 30, 0);
}

#[test]
fn second_interrupt_aborts_at_once_and_next_command_reconciles() {
    let dir = workspace(&config(30, 0));
    let dir = dir.path();
    let child = spawn(
        dir,
        &["apply", "--auto-approve", "--parallelism", "4"],
        Some("latency=300ms"),
    );
    wait_for("operations in flight", Duration::from_secs(60), || {
        query_count(dir, "SELECT COUNT(*) FROM intents") > 0
    });
    signal(&child, libc::SIGINT);
    std::thread::sleep(Duration::from_millis(30));
    let sent = Instant::now();
    signal(&child, libc::SIGTERM);
    let out = finish(dir, child);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(130), "{t}");
    assert!(
        sent.elapsed() < Duration::from_millis(250),
        "aborted at once, not after the in-flight calls"
    );
    assert!(
        t.contains("Two interrupts received. Exiting immediately."),
        "{t}"
    );
    assert_eq!(
        query_count(dir, "SELECT COUNT(*) FROM lock"),
        0,
        "the abort released the lock"
    );
    assert!(
        query_count(dir, "SELECT COUNT(*) FROM intents") > 0,
        "the calls in flight are recorded as unfinished"
    );
    let plan = ok(dir, &["plan"]);
    assert!(
        plan.contains("unfinished operation(s) of an interrupted run"),
        "{plan}"
    );
    assert_eq!(query_count(dir, "SELECT COUNT(*) FROM intents"), 0);
    ok(dir, &["apply", "--auto-approve"]);
    assert_cloud_matches_state(dir, 30, 0);
}

#[test]
fn concurrent_applies_second_fails_naming_the_holder_or_waits() {
    let dir = workspace(&config(12, 0));
    let dir = dir.path();
    let first = spawn(
        dir,
        &["apply", "--auto-approve", "--parallelism", "1"],
        Some("latency=60ms"),
    );
    wait_for("the first apply to lock", Duration::from_secs(60), || {
        query_count(dir, "SELECT COUNT(*) FROM lock") == 1
    });
    let started = Instant::now();
    let second = eipform(dir, &["apply", "--auto-approve"]);
    let t = text(&second);
    assert_eq!(code(&second), 1, "{t}");
    assert!(started.elapsed() < Duration::from_secs(5), "fails at once");
    assert!(t.contains("Error acquiring the state lock"), "{t}");
    assert!(
        t.contains(&format!("pid {}", first.id())),
        "names the holder's pid: {t}"
    );
    assert!(t.contains("Operation: apply"), "{t}");
    assert!(t.contains("Who:") && t.contains('@'), "{t}");
    let rm = eipform(dir, &["state", "rm", "alicloud_vpc.main"]);
    assert_eq!(code(&rm), 1, "state rm is a writer too: {}", text(&rm));
    assert!(text(&rm).contains("Error acquiring the state lock"));
    // Readers take no lock: they run while the apply holds it.
    for reader in [
        &["state", "list"][..],
        &["show"],
        &["state", "pull"],
        &["state", "history"],
        &["drift"],
    ] {
        let o = eipform(dir, reader);
        assert!(
            !text(&o).contains("state lock"),
            "{reader:?} does not take the lock: {}",
            text(&o)
        );
        assert!(
            code(&o) == 0 || (reader == ["drift"] && code(&o) == 2),
            "{reader:?}: {}",
            text(&o)
        );
    }
    // Plan rehearses on a copy of the cloud: it neither waits for the running apply nor trips on
    // its database lock. (Its result may differ: the apply's in-flight objects are not in the
    // state yet, so the rehearsal can see their twins refused by the cloud.)
    let started = Instant::now();
    let plan = eipform(dir, &["plan"]);
    assert!(
        !text(&plan).contains("database is locked"),
        "{}",
        text(&plan)
    );
    assert!(matches!(code(&plan), 0 | 1), "{}", text(&plan));
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "plan does not wait for the apply"
    );
    // A third waits for the lock and then runs.
    let third = eipform(dir, &["apply", "--auto-approve", "--lock-timeout", "2m"]);
    assert_eq!(code(&third), 0, "{}", text(&third));
    let first = finish(dir, first);
    assert_eq!(first.status.code(), Some(0), "{}", text(&first));
    assert!(text(&third).contains("No changes.") || text(&third).contains("Apply complete!"));
    assert_eq!(query_count(dir, "SELECT COUNT(*) FROM lock"), 0);
    assert_cloud_matches_state(dir, 12, 0);
    // A lock-timeout that is not a duration is bad input.
    let bad = eipform(dir, &["apply", "--auto-approve", "--lock-timeout", "soon"]);
    assert_eq!(code(&bad), 2, "{}", text(&bad));
}

fn fake_lock(dir: &Path, info: &LockInfo) {
    let mut s = SqliteState::open(&state_db(dir)).unwrap();
    s.try_lock(info, None).unwrap().expect("lock was free");
}

#[test]
fn stale_lock_is_taken_over_and_remote_lock_only_reported() {
    let dir = workspace(&config(2, 1));
    let dir = dir.path();
    let mut gone = std::process::Command::new("true").spawn().unwrap();
    let dead_pid = gone.id();
    gone.wait().unwrap();
    let stale = LockInfo {
        pid: dead_pid,
        ..LockInfo::new("apply", "state.db")
    };
    fake_lock(dir, &stale);
    let o = eipform(dir, &["apply", "--auto-approve"]);
    let t = text(&o);
    assert_eq!(code(&o), 0, "{t}");
    assert!(t.contains("Warning: Taking over a stale state lock"), "{t}");
    assert!(
        t.contains(&format!("pid {dead_pid}")) && t.contains(&stale.id),
        "{t}"
    );
    assert_eq!(
        query_count(dir, "SELECT COUNT(*) FROM lock"),
        0,
        "released at exit"
    );

    let remote = LockInfo {
        host: "build-17".into(),
        who: "alice@build-17".into(),
        pid: dead_pid,
        ..LockInfo::new("destroy", "state.db")
    };
    fake_lock(dir, &remote);
    let o = eipform(dir, &["destroy", "--auto-approve"]);
    let t = text(&o);
    assert_eq!(code(&o), 1, "{t}");
    assert!(
        t.contains("alice@build-17") && t.contains("another host") && t.contains(&remote.id),
        "{t}"
    );
    assert_eq!(state_list(dir).len(), 5, "nothing destroyed");
    let wrong = eipform(dir, &["force-unlock", "not-the-id"]);
    assert_eq!(code(&wrong), 1);
    assert!(text(&wrong).contains("does not match"), "{}", text(&wrong));
    let unlock = eipform(dir, &["force-unlock", &remote.id]);
    assert_eq!(code(&unlock), 0, "{}", text(&unlock));
    assert!(text(&unlock).contains("successfully unlocked"));
    let again = eipform(dir, &["force-unlock", &remote.id]);
    assert_eq!(code(&again), 1, "{}", text(&again));
    ok(dir, &["destroy", "--auto-approve"]);
    assert!(state_list(dir).is_empty());
    assert!(cloud(dir, "eip").is_empty());
}

/// The lock is looked up in the state the `backend` block names (found without loading the
/// whole configuration when no file mentions a backend, and by loading it when one does).
#[test]
fn a_backend_path_moves_the_state_and_its_lock() {
    let main = format!(
        "terraform {{\n  backend \"sqlite\" {{\n    path = \"states/prod.db\"\n  }}\n}}\n{}",
        config(1, 1)
    );
    let dir = workspace(&main);
    let dir = dir.path();
    let moved = dir.join("states/prod.db");
    std::fs::create_dir_all(moved.parent().unwrap()).unwrap();
    let holder = LockInfo {
        host: "build-17".into(),
        who: "alice@build-17".into(),
        ..LockInfo::new("apply", "states/prod.db")
    };
    SqliteState::open(&moved)
        .unwrap()
        .try_lock(&holder, None)
        .unwrap()
        .expect("lock was free");
    let o = eipform(dir, &["apply", "--auto-approve", "--lock-timeout", "0s"]);
    let t = text(&o);
    assert_eq!(code(&o), 1, "{t}");
    assert!(t.contains("alice@build-17"), "the moved state's lock: {t}");
    ok(dir, &["force-unlock", &holder.id]);
    ok(dir, &["apply", "--auto-approve"]);
    assert!(
        !state_db(dir).exists(),
        "nothing written to the default path"
    );
    let conn = rusqlite::Connection::open(&moved).unwrap();
    let (resources, locks): (i64, i64) = conn
        .query_row(
            "SELECT (SELECT COUNT(*) FROM resources), (SELECT COUNT(*) FROM lock)",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!((resources, locks), (4, 0));
    assert_eq!(state_list(dir).len(), 4);
}

/// Objects of the cloud without their generated parts (ids, addresses, times).
fn cloud_shape(dir: &Path) -> BTreeMap<String, Vec<String>> {
    let mut out = BTreeMap::new();
    for kind in ["vpc", "vswitch", "eip", "security_group"] {
        let mut names: Vec<String> = cloud(dir, kind)
            .iter()
            .map(|o| {
                let a = &o["attributes"];
                let pick = |k: &str| a.get(k).map(|v| v.to_string()).unwrap_or_default();
                format!(
                    "{} {} {}{}{}{}",
                    o["status"],
                    o["region"],
                    pick("VpcName"),
                    pick("VSwitchName"),
                    pick("Name"),
                    pick("SecurityGroupName")
                )
            })
            .collect();
        names.sort();
        out.insert(kind.to_string(), names);
    }
    out
}

#[test]
fn throttling_and_unavailability_give_the_same_result_as_no_faults() {
    let calm = workspace(&config(8, 8));
    let noisy = workspace(&config(8, 8));
    ok(calm.path(), &["apply", "--auto-approve"]);
    let o = cmd(
        noisy.path(),
        &["apply", "--auto-approve"],
        Some("throttle=0.2,unavailable=0.05,conflict=0.05,taskconflict=0.05,seed=7"),
    )
    .output()
    .unwrap();
    assert_eq!(code(&o), 0, "{}", text(&o));
    assert!(
        text(&o).contains("Apply complete! Resources: 18 added, 0 changed, 0 destroyed."),
        "{}",
        text(&o)
    );
    assert_eq!(state_list(calm.path()), state_list(noisy.path()));
    assert_eq!(cloud_shape(calm.path()), cloud_shape(noisy.path()));
    assert_cloud_matches_state(noisy.path(), 8, 8);
    let plan = cmd(
        noisy.path(),
        &["plan", "--detailed-exitcode"],
        Some("throttle=0.2,seed=7"),
    )
    .output()
    .unwrap();
    assert_eq!(code(&plan), 0, "{}", text(&plan));
}

#[test]
fn retries_are_bounded_by_the_resource_timeouts() {
    let dir = workspace(
        r#"
resource "alicloud_vpc" "main" {
  vpc_name   = "main"
  cidr_block = "10.0.0.0/8"
  timeouts {
    create = "1s"
  }
}
"#,
    );
    let started = Instant::now();
    let o = cmd(dir.path(), &["apply", "--auto-approve"], Some("throttle=1"))
        .output()
        .unwrap();
    let t = text(&o);
    assert_eq!(code(&o), 1, "{t}");
    assert!(
        t.contains("Throttling.User") && t.contains("gave up after retrying"),
        "{t}"
    );
    assert!(started.elapsed() < Duration::from_secs(30));
    assert!(cloud(dir.path(), "vpc").is_empty());
    // Without faults the same configuration applies.
    ok(dir.path(), &["apply", "--auto-approve"]);
    assert_eq!(cloud(dir.path(), "vpc").len(), 1);
}

#[cfg(unix)]
#[test]
fn state_and_cloud_files_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let dir = workspace(&config(1, 0));
    ok(dir.path(), &["apply", "--auto-approve"]);
    for f in ["state.db", "cloud.db"] {
        let mode = std::fs::metadata(dir.path().join(".eipform").join(f))
            .unwrap()
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(mode, 0o600, "{f} is created 0600");
    }
}

const SMALL: &str = r#"
resource "alicloud_vpc" "main" {
  vpc_name   = "main"
  cidr_block = "10.0.0.0/8"
}

resource "alicloud_vswitch" "s" {
  count      = 2
  vpc_id     = alicloud_vpc.main.id
  cidr_block = "10.${count.index}.0.0/16"
  zone_id    = "cn-beijing-a"
}

resource "alicloud_security_group" "main" {
  security_group_name = "main"
  vpc_id              = alicloud_vpc.main.id
}

output "token" {
  value     = "hunter2-${alicloud_vpc.main.id}"
  sensitive = true
}
"#;

#[test]
fn state_subcommands_list_show_mv_rm_pull_push() {
    let dir = workspace(SMALL);
    let dir = dir.path();
    ok(dir, &["apply", "--auto-approve"]);
    assert_eq!(
        state_list(dir),
        [
            "alicloud_security_group.main",
            "alicloud_vpc.main",
            "alicloud_vswitch.s[0]",
            "alicloud_vswitch.s[1]"
        ]
    );
    let vpc_id = cloud(dir, "vpc")[0]["id"].as_str().unwrap().to_string();
    assert!(ok(dir, &["state", "show", "alicloud_vpc.main"]).contains(&vpc_id));

    let pulled_v1 = ok(dir, &["state", "pull"]);
    let v: Value = serde_json::from_str(&pulled_v1).unwrap();
    assert_eq!(v["version"], 4);
    assert_eq!(v["serial"], 1);
    assert!(v["lineage"].as_str().is_some_and(|l| !l.is_empty()));
    assert!(v["terraform_version"].is_string());
    let vsw = v["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["type"] == "alicloud_vswitch")
        .unwrap();
    assert_eq!(vsw["mode"], "managed");
    assert_eq!(vsw["name"], "s");
    assert_eq!(
        vsw["provider"],
        "provider[\"registry.terraform.io/aliyun/alicloud\"]"
    );
    assert_eq!(vsw["instances"][1]["index_key"], 1);
    assert_eq!(vsw["instances"][0]["dependencies"][0], "alicloud_vpc.main");
    assert!(
        vsw["instances"][0]["attributes"]["id"]
            .as_str()
            .unwrap()
            .starts_with("vsw-")
    );
    assert_eq!(v["outputs"]["token"]["sensitive"], true);
    std::fs::write(dir.join("v1.json"), &pulled_v1).unwrap();

    // mv: one instance, then a whole block.
    let mv = ok(
        dir,
        &[
            "state",
            "mv",
            "alicloud_security_group.main",
            "alicloud_security_group.web",
        ],
    );
    assert!(
        mv.contains("Move \"alicloud_security_group.main\" to \"alicloud_security_group.web\"")
            && mv.contains("Successfully moved 1 object(s)."),
        "{mv}"
    );
    let mv = ok(
        dir,
        &["state", "mv", "alicloud_vswitch.s", "alicloud_vswitch.t"],
    );
    assert!(mv.contains("Successfully moved 2 object(s)."), "{mv}");
    assert_eq!(
        state_list(dir),
        [
            "alicloud_security_group.web",
            "alicloud_vpc.main",
            "alicloud_vswitch.t[0]",
            "alicloud_vswitch.t[1]"
        ]
    );
    let bad = eipform(
        dir,
        &["state", "mv", "alicloud_vpc.main", "alicloud_vswitch.x"],
    );
    assert_eq!(code(&bad), 1);
    assert!(
        text(&bad).contains("resource types do not match"),
        "{}",
        text(&bad)
    );
    let bad = eipform(
        dir,
        &[
            "state",
            "mv",
            "alicloud_vswitch.t[0]",
            "alicloud_vswitch.t[1]",
        ],
    );
    assert_eq!(code(&bad), 1);
    assert!(text(&bad).contains("already holds"), "{}", text(&bad));

    // rm: forgets, the cloud keeps the object.
    let rm = ok(dir, &["state", "rm", "alicloud_security_group.web"]);
    assert!(
        rm.contains("Removed alicloud_security_group.web")
            && rm.contains("Successfully removed 1 resource instance(s)."),
        "{rm}"
    );
    assert_eq!(
        cloud(dir, "security_group").len(),
        1,
        "state rm leaves the cloud untouched"
    );
    let bad = eipform(
        dir,
        &["state", "rm", "alicloud_vpc.nope", "alicloud_vpc.main"],
    );
    assert_eq!(code(&bad), 1);
    assert!(
        text(&bad).contains("No matching objects found for alicloud_vpc.nope"),
        "{}",
        text(&bad)
    );
    assert!(
        state_list(dir).contains(&"alicloud_vpc.main".to_string()),
        "a failed rm removes nothing"
    );
    let bad = eipform(dir, &["state", "rm", "not an address"]);
    assert_eq!(code(&bad), 1);

    // push refusals: an older serial, another lineage, the same serial with other content.
    let serial_now = serde_json::from_str::<Value>(&ok(dir, &["state", "pull"])).unwrap()["serial"]
        .as_u64()
        .unwrap();
    assert_eq!(serial_now, 4);
    let o = eipform(dir, &["state", "push", "v1.json"]);
    assert_eq!(code(&o), 1);
    assert!(
        text(&o).contains("cannot import a state with serial 1 over newer state with serial 4"),
        "{}",
        text(&o)
    );
    let mut other = v.clone();
    other["lineage"] = Value::String("another-lineage".into());
    other["serial"] = 99.into();
    std::fs::write(dir.join("other.json"), other.to_string()).unwrap();
    let o = eipform(dir, &["state", "push", "other.json"]);
    assert_eq!(code(&o), 1);
    assert!(
        text(&o).contains("lineage \"another-lineage\" over unrelated state"),
        "{}",
        text(&o)
    );
    let mut same = v.clone();
    same["serial"] = 4.into();
    std::fs::write(dir.join("same.json"), same.to_string()).unwrap();
    let o = eipform(dir, &["state", "push", "same.json"]);
    assert_eq!(code(&o), 1);
    assert!(text(&o).contains("same serial"), "{}", text(&o));
    for (file, body) in [
        ("bad.json", "{not json"),
        ("v3.json", r#"{"version": 3, "serial": 9, "lineage": "x"}"#),
    ] {
        std::fs::write(dir.join(file), body).unwrap();
        let o = eipform(dir, &["state", "push", file]);
        assert_eq!(code(&o), 1, "{}", text(&o));
    }
    assert_eq!(code(&eipform(dir, &["state", "push", "missing.json"])), 1);
    assert_eq!(state_list(dir).len(), 3, "refused pushes change nothing");

    // A newer serial of the same lineage is accepted; --force accepts the older one.
    let mut newer = v.clone();
    newer["serial"] = 10.into();
    std::fs::write(dir.join("newer.json"), newer.to_string()).unwrap();
    let o = ok(dir, &["state", "push", "newer.json"]);
    assert!(o.contains("State pushed: serial 10"), "{o}");
    assert_eq!(
        state_list(dir),
        [
            "alicloud_security_group.main",
            "alicloud_vpc.main",
            "alicloud_vswitch.s[0]",
            "alicloud_vswitch.s[1]"
        ]
    );
    let o = ok(dir, &["state", "push", "--force", "v1.json"]);
    assert!(o.contains("State pushed: serial 11"), "{o}");
    let o = ok(dir, &["state", "push", "--force", "other.json"]);
    assert!(o.contains("serial 99"), "{o}");
    let after: Value = serde_json::from_str(&ok(dir, &["state", "pull"])).unwrap();
    assert_eq!(after["lineage"], "another-lineage");
    assert_eq!(
        after["resources"], v["resources"],
        "pull returns what was pushed"
    );
    let plan = ok(dir, &["plan", "--detailed-exitcode"]);
    assert!(plan.contains("No changes."), "{plan}");

    // A fresh state accepts any lineage.
    let fresh = workspace(SMALL);
    ok(
        fresh.path(),
        &["state", "push", dir.join("v1.json").to_str().unwrap()],
    );
    assert_eq!(state_list(fresh.path()).len(), 4);
}

#[test]
fn history_and_diff_between_serials() {
    let dir = workspace(SMALL);
    let dir = dir.path();
    let o = ok(dir, &["state", "history"]);
    assert!(o.contains("no history"), "{o}");
    ok(dir, &["apply", "--auto-approve"]);
    ok(
        dir,
        &[
            "state",
            "mv",
            "alicloud_security_group.main",
            "alicloud_security_group.web",
        ],
    );
    ok(dir, &["state", "rm", "alicloud_security_group.web"]);
    ok(dir, &["apply", "--auto-approve"]); // creates a second security group
    let h = ok(dir, &["state", "history"]);
    let rows: Vec<Vec<&str>> = h
        .lines()
        .skip(1)
        .map(|l| l.split_whitespace().collect())
        .collect();
    let cols = |r: &Vec<&str>| {
        (
            r[0].to_string(),
            r[2..r.len() - 4].join(" "),
            r[r.len() - 4..].join(" "),
        )
    };
    assert_eq!(rows.len(), 4, "{h}");
    assert_eq!(
        cols(&rows[0]),
        ("1".into(), "apply".into(), "4 0 0 changed".into()),
        "{h}"
    );
    assert_eq!(
        cols(&rows[1]),
        ("2".into(), "state mv".into(), "1 0 1 -".into()),
        "{h}"
    );
    assert_eq!(
        cols(&rows[2]),
        ("3".into(), "state rm".into(), "0 0 1 -".into()),
        "{h}"
    );
    assert_eq!(
        cols(&rows[3]),
        ("4".into(), "apply".into(), "1 0 0 -".into()),
        "{h}"
    );
    assert!(
        rows[0][1].ends_with('Z') && rows[0][1].contains('T'),
        "times: {h}"
    );

    // Default: the last apply (serial 3 -> 4).
    let d = ok(dir, &["state", "diff"]);
    assert!(d.starts_with("--- serial 3\n+++ serial 4\n"), "{d}");
    assert!(d.contains("+      \"name\": \"main\""), "{d}");
    let d = ok(dir, &["state", "diff", "1", "2"]);
    assert!(
        d.contains("-      \"name\": \"main\"") && d.contains("+      \"name\": \"web\""),
        "{d}"
    );
    let d = ok(dir, &["state", "diff", "0", "1"]);
    assert!(d.contains("+      \"type\": \"alicloud_vpc\""), "{d}");
    assert!(
        d.contains("(sensitive value)") && !d.contains("hunter2"),
        "sensitive outputs are masked: {d}"
    );
    let d = ok(dir, &["state", "diff", "4", "4"]);
    assert!(d.contains("No differences"), "{d}");
    let bad = eipform(dir, &["state", "diff", "1", "99"]);
    assert_eq!(code(&bad), 1);
    assert!(
        text(&bad).contains("serial 99 does not exist"),
        "{}",
        text(&bad)
    );
    // The whole history survives in the database: serial 1 rebuilt equals what pull said then.
    let mut s = SqliteState::open(&state_db(dir)).unwrap();
    let snap = s.snapshot(1).unwrap();
    assert_eq!(snap.resources.len(), 4);
    assert!(s.intents().unwrap().is_empty());
    assert!(s.lock_info().unwrap().is_none());
    s.set_command("test");
}

#[test]
fn deposed_object_of_an_interrupted_replace_is_destroyed_by_the_next_apply() {
    let dir = workspace(
        r#"
resource "alicloud_vpc" "main" {
  vpc_name   = "main"
  cidr_block = "10.0.0.0/8"
}

resource "alicloud_vpc" "old" {
  vpc_name   = "old"
  cidr_block = "172.16.0.0/12"
}
"#,
    );
    let dir = dir.path();
    ok(dir, &["apply", "--auto-approve"]);
    // As if a create-before-destroy replace was killed after committing the new object: the
    // old one left the state, its delete still pending.
    let mut s = SqliteState::open(&state_db(dir)).unwrap();
    let old = s
        .get(&"alicloud_vpc.old".parse().unwrap())
        .unwrap()
        .unwrap();
    let intent = eipform::state::Intent {
        id: 0,
        addr: old.addr.clone(),
        action: eipform::state::IntentAction::DeleteDeposed,
        client_token: "eipform-test-deposed".into(),
        schema_type: old.schema_type.clone(),
        provider: old.provider.clone(),
        region: old.region.clone(),
        object_id: old.id.clone(),
        prior: old.attrs.clone(),
        deps: Vec::new(),
        create_before_destroy: true,
        at: String::new(),
        command: "apply".into(),
    };
    s.forget(std::slice::from_ref(&old.addr)).unwrap();
    s.record_intent(&intent).unwrap();
    drop(s);
    std::fs::write(dir.join("main.tf"), "resource \"alicloud_vpc\" \"main\" {\n  vpc_name   = \"main\"\n  cidr_block = \"10.0.0.0/8\"\n}\n").unwrap();
    let plan = ok(dir, &["plan"]);
    assert!(
        plan.contains(&format!(
            "deposed object {} will be destroyed by the next apply",
            old.id
        )),
        "{plan}"
    );
    assert_eq!(
        cloud(dir, "vpc").len(),
        2,
        "plan changes nothing in the cloud"
    );
    let apply = ok(dir, &["apply", "--auto-approve"]);
    assert!(
        apply.contains(&format!("deposed object {} destroyed", old.id)),
        "{apply}"
    );
    assert_eq!(cloud(dir, "vpc").len(), 1);
    assert_eq!(query_count(dir, "SELECT COUNT(*) FROM intents"), 0);
}

#[test]
fn create_before_destroy_replace_leaves_no_intent() {
    let tf = |kind: &str| {
        format!(
            "resource \"alicloud_vpc\" \"main\" {{\n  vpc_name   = \"main\"\n  cidr_block = \"10.0.0.0/8\"\n}}\n\
             resource \"alicloud_security_group\" \"main\" {{\n  security_group_name = \"main\"\n  vpc_id              = alicloud_vpc.main.id\n  security_group_type = \"{kind}\"\n  lifecycle {{\n    create_before_destroy = true\n  }}\n}}\n"
        )
    };
    let dir = workspace(&tf("normal"));
    let dir = dir.path();
    ok(dir, &["apply", "--auto-approve"]);
    let old = cloud(dir, "security_group")[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    std::fs::write(dir.join("main.tf"), tf("enterprise")).unwrap();
    let o = ok(dir, &["apply", "--auto-approve"]);
    assert!(o.contains("1 added, 0 changed, 1 destroyed"), "{o}");
    let groups = cloud(dir, "security_group");
    assert_eq!(groups.len(), 1, "the old security group is gone");
    assert_ne!(groups[0]["id"].as_str().unwrap(), old);
    assert_eq!(
        query_count(dir, "SELECT COUNT(*) FROM intents"),
        0,
        "the deposed intent was cleared with the delete"
    );
}
