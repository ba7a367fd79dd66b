//! End-to-end tests of the core engine: the built binary in temporary directories, asserting
//! what a user sees (output, exit codes) and what the simulated cloud and the state hold.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

/// eipform in `dir`, without colour, against the directory's own simulated cloud.
fn command(dir: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_eipform"));
    c.arg("--chdir")
        .arg(dir)
        .arg("--no-color")
        .env_remove("EIPFORM_CLOUD")
        .env_remove("EIPFORM_SIM_FAULTS")
        .env("ALICLOUD_REGION", "cn-hangzhou");
    c
}

fn eipform(dir: &Path, args: &[&str]) -> Output {
    command(dir).args(args).output().expect("run eipform")
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

fn cloud(dir: &Path, kind: &str) -> Vec<Value> {
    let o = eipform(dir, &["cloud", "list", "--type", kind, "--json"]);
    assert_eq!(code(&o), 0, "{}", text(&o));
    serde_json::from_slice(&o.stdout).expect("cloud list --json")
}

const MAIN: &str = r#"
provider "alicloud" {
  region = "cn-hongkong"
}

variable "name" {
  default = "quickstart"
}

resource "alicloud_vpc" "main" {
  vpc_name   = var.name
  cidr_block = "10.0.0.0/16"
}

resource "alicloud_vswitch" "main" {
  vpc_id       = alicloud_vpc.main.id
  cidr_block   = "10.0.1.0/24"
  zone_id      = "cn-hongkong-b"
  vswitch_name = var.name
}

resource "alicloud_security_group" "main" {
  security_group_name = var.name
  vpc_id              = alicloud_vpc.main.id
}

resource "alicloud_instance" "web" {
  instance_name   = "${var.name}-web"
  image_id        = "ubuntu_18_04_64_20G_alibase_20190624.vhd"
  instance_type   = "ecs.g6.large"
  security_groups = [alicloud_security_group.main.id]
  vswitch_id      = alicloud_vswitch.main.id
}

resource "alicloud_eip_address" "web" {
  address_name         = "${var.name}-eip"
  bandwidth            = "BANDWIDTH"
  internet_charge_type = "PayByTraffic"
  isp                  = "ISP"
}

resource "alicloud_eip_association" "web" {
  allocation_id = alicloud_eip_address.web.id
  instance_id   = alicloud_instance.web.id
}

output "eip" {
  value = alicloud_eip_address.web.ip_address
}
"#;

/// Frames in the write-ahead log of the database `db`, as the next connection finds them.
fn log_frames(db: &Path) -> i64 {
    let conn = rusqlite::Connection::open(db).unwrap();
    conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| r.get(1))
        .unwrap()
}

/// The lock rows of the database file `db` alone (a copy of it, without its log).
fn lock_rows(db: &Path) -> i64 {
    let tmp = tempfile::tempdir().unwrap();
    let alone = tmp.path().join("alone.db");
    std::fs::copy(db, &alone).unwrap();
    let conn = rusqlite::Connection::open(&alone).unwrap();
    conn.query_row("SELECT COUNT(*) FROM lock", [], |r| r.get(0))
        .unwrap()
}

fn write(dir: &Path, bandwidth: &str, isp: &str) {
    std::fs::write(
        dir.join("main.tf"),
        MAIN.replace("BANDWIDTH", bandwidth).replace("ISP", isp),
    )
    .unwrap();
}

#[test]
fn plan_apply_update_replace_destroy() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    write(dir, "10", "BGP");

    let o = eipform(dir, &["plan"]);
    assert_eq!(code(&o), 0, "{}", text(&o));
    assert!(
        text(&o).contains("Plan: 6 to add, 0 to change, 0 to destroy."),
        "{}",
        text(&o)
    );
    assert!(text(&o).contains("(known after apply)"));
    assert!(
        cloud(dir, "eip").is_empty(),
        "plan must not create anything"
    );

    let o = eipform(dir, &["apply"]);
    assert_eq!(
        code(&o),
        1,
        "apply without a terminal must refuse: {}",
        text(&o)
    );
    assert!(text(&o).contains("--auto-approve"), "{}", text(&o));

    let o = eipform(dir, &["apply", "--auto-approve"]);
    assert_eq!(code(&o), 0, "{}", text(&o));
    assert!(
        text(&o).contains("Apply complete! Resources: 6 added, 0 changed, 0 destroyed."),
        "{}",
        text(&o)
    );
    // Both databases were closed before the process ended (apply closes them at the same
    // time): each copied its log back and started it over empty, keeping the file for the
    // next run.
    for db in ["state.db", "cloud.db"] {
        let db = dir.join(".eipform").join(db);
        assert!(db.with_extension("db-wal").exists(), "{}", db.display());
        assert_eq!(log_frames(&db), 0, "{}", db.display());
    }
    // The lock, taken on a connection that left its commit in the log and released on
    // apply's own, is gone from the database file too; likewise after an apply with nothing
    // to do (released where it returns early).
    let state_db = dir.join(".eipform/state.db");
    assert_eq!(lock_rows(&state_db), 0);
    let o = eipform(dir, &["apply", "--auto-approve"]);
    assert_eq!(code(&o), 0, "{}", text(&o));
    assert!(text(&o).contains("No changes."), "{}", text(&o));
    assert_eq!((lock_rows(&state_db), log_frames(&state_db)), (0, 0));
    let eips = cloud(dir, "eip");
    assert_eq!(eips.len(), 1);
    assert_eq!(cloud(dir, "vpc").len(), 1);
    assert_eq!(cloud(dir, "instance").len(), 1);
    let eip = &eips[0];
    let instance_id = cloud(dir, "instance")[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(eip["status"], "InUse");
    assert_eq!(eip["attributes"]["InstanceId"], instance_id.as_str());
    let address = eip["attributes"]["IpAddress"].as_str().unwrap().to_string();

    let list = eipform(dir, &["state", "list"]);
    let addrs: Vec<&str> = std::str::from_utf8(&list.stdout).unwrap().lines().collect();
    assert_eq!(addrs.len(), 6);
    assert!(addrs.contains(&"alicloud_eip_association.web"));

    let o = eipform(dir, &["plan", "--detailed-exitcode"]);
    assert_eq!(code(&o), 0, "{}", text(&o));
    assert!(
        text(&o).contains("No changes. Your infrastructure matches the configuration."),
        "{}",
        text(&o)
    );

    // In-place update keeps the address.
    write(dir, "20", "BGP");
    let o = eipform(dir, &["plan", "--detailed-exitcode"]);
    assert_eq!(code(&o), 2, "{}", text(&o));
    assert!(
        text(&o).contains("will be updated in-place"),
        "{}",
        text(&o)
    );
    assert!(
        text(&o).contains("Plan: 0 to add, 1 to change, 0 to destroy."),
        "{}",
        text(&o)
    );
    let o = eipform(dir, &["apply", "--auto-approve"]);
    assert_eq!(code(&o), 0, "{}", text(&o));
    let eip = &cloud(dir, "eip")[0];
    assert_eq!(eip["attributes"]["Bandwidth"], "20");
    assert_eq!(eip["attributes"]["IpAddress"], address.as_str());

    // Changing the line type forces replacement.
    write(dir, "20", "BGP_PRO");
    let o = eipform(dir, &["plan"]);
    assert_eq!(code(&o), 0, "{}", text(&o));
    assert!(text(&o).contains("# forces replacement"), "{}", text(&o));
    assert!(text(&o).contains("-/+"), "{}", text(&o));

    write(dir, "20", "BGP");
    let o = eipform(dir, &["destroy", "--auto-approve"]);
    assert_eq!(code(&o), 0, "{}", text(&o));
    assert!(cloud(dir, "eip").is_empty());
    assert!(cloud(dir, "instance").is_empty());
    let list = eipform(dir, &["state", "list"]);
    assert_eq!(String::from_utf8_lossy(&list.stdout).trim(), "");
}

/// The configuration cache (`.eipform/config.cache`) is keyed by each file's content: edits
/// made within the same second, of the same size, are all seen, errors are reported as from a
/// parse, and `EIPFORM_CONFIG_CACHE=0` neither reads nor writes it.
#[test]
fn the_configuration_cache_follows_every_edit_and_can_be_turned_off() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    write(dir, "10", "BGP");
    let o = eipform(dir, &["apply", "--auto-approve"]);
    assert_eq!(code(&o), 0, "{}", text(&o));
    let cache = dir.join(".eipform").join("config.cache");
    assert!(cache.exists(), "apply leaves the cache");

    for (bandwidth, exit) in [("11", 2), ("12", 2), ("10", 0), ("12", 2)] {
        write(dir, bandwidth, "BGP");
        let o = eipform(dir, &["plan", "--detailed-exitcode"]);
        assert_eq!(code(&o), exit, "{bandwidth}: {}", text(&o));
        if exit == 2 {
            let change = format!("= \"10\" -> \"{bandwidth}\"");
            let line = text(&o)
                .lines()
                .find(|l| l.contains("~ bandwidth"))
                .map(str::to_string);
            assert!(
                line.as_deref().is_some_and(|l| l.ends_with(&change)),
                "{bandwidth}: {}",
                text(&o)
            );
        }
    }
    write(dir, "10", "BGP");

    std::fs::write(
        dir.join("extra.tf"),
        "locals {\n  x = 1\n}\nresource \"x\" {",
    )
    .unwrap();
    let first = eipform(dir, &["plan"]);
    let again = eipform(dir, &["plan"]);
    assert_eq!(code(&first), 1, "{}", text(&first));
    assert!(
        text(&first).contains("Invalid HCL syntax"),
        "{}",
        text(&first)
    );
    assert!(text(&first).contains("extra.tf:4"), "{}", text(&first));
    assert_eq!(text(&again), text(&first), "read from the cache");
    std::fs::remove_file(dir.join("extra.tf")).unwrap();

    std::fs::remove_file(&cache).unwrap();
    let o = command(dir)
        .env("EIPFORM_CONFIG_CACHE", "0")
        .args(["plan", "--detailed-exitcode"])
        .output()
        .unwrap();
    assert_eq!(code(&o), 0, "{}", text(&o));
    assert!(!cache.exists(), "turned off, no cache is written");
}

fn config_error(src: &str, needle: &str) {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("main.tf"), src).unwrap();
    for cmd in [&["validate"][..], &["plan"][..]] {
        let o = eipform(tmp.path(), cmd);
        assert_eq!(code(&o), 1, "{cmd:?}: {}", text(&o));
        let t = text(&o);
        assert!(t.contains("main.tf:"), "no file:line in {t}");
        assert!(t.contains(needle), "expected {needle:?} in {t}");
    }
}

#[test]
fn a_directory_without_configuration_is_an_error() {
    let tmp = tempfile::tempdir().unwrap();
    let o = eipform(tmp.path(), &["plan"]);
    assert_eq!(code(&o), 1, "{}", text(&o));
    assert!(text(&o).contains("No configuration files"), "{}", text(&o));
    assert!(!tmp.path().join(".eipform").exists(), "nothing is created");
}

#[test]
fn configuration_errors_name_file_and_line() {
    config_error(
        "resource \"alicloud_eip_address\" \"a\" {\n  bandwidth = \n}\n",
        "Invalid HCL syntax",
    );
    config_error(
        "resourc \"alicloud_eip_address\" \"a\" {}\n",
        "Unsupported block type",
    );
    config_error(
        "resource \"alicloud_eip_address\" \"a\" {\n  bandwith = \"5\"\n}\n",
        "Unsupported argument",
    );
    config_error(
        "resource \"alicloud_instance\" \"a\" {\n  internet_max_bandwidth_out = \"lots\"\n}\n",
        "Invalid value for argument",
    );
    config_error(
        "resource \"alicloud_eip_association\" \"a\" {\n  allocation_id = alicloud_eip_address.nope.id\n  instance_id = \"i-1\"\n}\n",
        "Reference to undeclared resource",
    );
    config_error(
        "resource \"alicloud_eip_association\" \"a\" {\n  instance_id = \"i-1\"\n}\n",
        "Missing required argument",
    );
    config_error(
        "resource \"alicloud_vpc\" \"a\" {\n  vpc_name = alicloud_vpc.b.id\n}\nresource \"alicloud_vpc\" \"b\" {\n  vpc_name = alicloud_vpc.a.id\n}\n",
        "alicloud_vpc.a, alicloud_vpc.b",
    );
}

const BASE: &str = r#"
provider "alicloud" {
  region = "cn-hangzhou"
}

resource "alicloud_vpc" "main" {
  vpc_name   = "failing"
  cidr_block = "10.0.0.0/16"
}

resource "alicloud_vswitch" "main" {
  vpc_id     = alicloud_vpc.main.id
  cidr_block = "10.0.1.0/24"
  zone_id    = "cn-hangzhou-i"
}

resource "alicloud_security_group" "main" {
  vpc_id = alicloud_vpc.main.id
}

resource "alicloud_instance" "web" {
  image_id        = "ubuntu_18_04_64_20G_alibase_20190624.vhd"
  instance_type   = "ecs.g6.large"
  security_groups = [alicloud_security_group.main.id]
  vswitch_id      = alicloud_vswitch.main.id
}

resource "alicloud_eip_address" "a" {
  address_name = "a"
}
"#;

const MORE: &str = r#"
resource "alicloud_eip_association" "a" {
  allocation_id = alicloud_eip_address.a.id
  instance_id   = alicloud_instance.web.id
}

resource "alicloud_vpc" "after" {
  vpc_name   = "after-association"
  cidr_block = "10.1.0.0/16"
  depends_on = [alicloud_eip_association.a]
}

resource "alicloud_eip_address" "b" {
  address_name = "b"
}
"#;

/// A call that fails at apply skips what depends on it, independent work still happens, the
/// run ends with a summary and exit 1, and the state holds exactly what succeeded.
#[test]
fn a_failed_call_skips_its_dependents_and_the_state_keeps_what_succeeded() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::write(dir.join("main.tf"), BASE).unwrap();
    let o = eipform(dir, &["apply", "--auto-approve"]);
    assert_eq!(code(&o), 0, "{}", text(&o));
    let eip_a = cloud(dir, "eip")[0]["id"].as_str().unwrap().to_string();

    std::fs::write(dir.join("main.tf"), format!("{BASE}{MORE}")).unwrap();
    let o = eipform(dir, &["plan", "--out", "more.plan"]);
    assert_eq!(code(&o), 0, "{}", text(&o));
    assert!(text(&o).contains("Plan: 3 to add"), "{}", text(&o));
    // Between plan and apply, the EIP disappears outside eipform: only apply can see it.
    let o = eipform(dir, &["cloud", "eip", "release", &eip_a]);
    assert_eq!(code(&o), 0, "{}", text(&o));

    let o = eipform(dir, &["apply", "more.plan"]);
    let t = text(&o);
    assert_eq!(code(&o), 1, "{t}");
    assert!(t.contains("1 applied, 1 failed, 1 skipped"), "{t}");
    assert!(t.contains("skipped: alicloud_vpc.after"), "{t}");
    let list = eipform(dir, &["state", "list"]);
    let addrs: Vec<String> = String::from_utf8_lossy(&list.stdout)
        .lines()
        .map(str::to_string)
        .collect();
    assert!(
        addrs.contains(&"alicloud_eip_address.b".to_string()),
        "{addrs:?}"
    );
    assert!(
        !addrs.contains(&"alicloud_eip_association.a".to_string()),
        "{addrs:?}"
    );
    assert!(
        !addrs.contains(&"alicloud_vpc.after".to_string()),
        "{addrs:?}"
    );
    assert_eq!(
        cloud(dir, "vpc").len(),
        1,
        "the skipped VPC was not created"
    );
}

#[test]
fn terraform_single_dash_options_are_accepted() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "5", "BGP");
    let chdir = format!("-chdir={}", d.display());
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_eipform"))
            .arg(&chdir)
            .arg("-no-color")
            .args(args)
            .env_remove("EIPFORM_CLOUD")
            .env_remove("EIPFORM_SIM_FAULTS")
            .output()
            .expect("run eipform")
    };
    let plan = run(&[
        "plan",
        "-var",
        "name=tf",
        "-out=tfplan",
        "-detailed-exitcode",
    ]);
    assert_eq!(code(&plan), 2, "{}", text(&plan));
    assert!(
        text(&plan).contains("Saved the plan to: tfplan"),
        "{}",
        text(&plan)
    );
    let apply = run(&["apply", "-auto-approve", "-parallelism=2", "-var=name=tf"]);
    assert_eq!(code(&apply), 0, "{}", text(&apply));
    let out = text(&apply);
    // Terraform's progress lines, each change's start before its end, all before the summary.
    let at = |needle: &str| {
        out.find(needle)
            .unwrap_or_else(|| panic!("{needle}: {out}"))
    };
    assert!(
        at("alicloud_vpc.main: Creating...\n") < at("alicloud_vpc.main: Creation complete after ")
    );
    assert!(
        at("alicloud_vpc.main: Creation complete after ")
            < at("alicloud_vswitch.main: Creating...")
    );
    assert!(at("alicloud_vswitch.main: Creation complete after ") < at("Apply complete!"));
    let vpc = run(&["state", "show", "alicloud_vpc.main"]);
    assert!(
        text(&vpc).contains("vpc_name") && text(&vpc).contains("\"tf\""),
        "{}",
        text(&vpc)
    );
    assert_eq!(cloud(d, "vpc").len(), 1);
    let again = run(&[
        "plan",
        "-refresh=false",
        "-var",
        "name=tf",
        "-detailed-exitcode",
    ]);
    assert_eq!(code(&again), 0, "{}", text(&again));
    let destroy = run(&["destroy", "-auto-approve", "-var=name=tf"]);
    let out = text(&destroy);
    assert!(
        out.contains("alicloud_vpc.main: Destroying... [id=vpc-")
            && out.contains("alicloud_vpc.main: Destruction complete after "),
        "{out}"
    );
    // One dash before something that is not an option of eipform stays an error.
    let wrong = run(&["plan", "-input=false"]);
    assert_eq!(code(&wrong), 2, "{}", text(&wrong));
    assert!(
        text(&wrong).contains("unexpected argument '-i'"),
        "{}",
        text(&wrong)
    );
}

#[test]
fn an_apply_whose_plan_cannot_be_printed_stops_before_changing_anything() {
    if !Path::new("/dev/full").exists() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "5", "BGP");
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let out = command(d)
        .args(["apply", "-auto-approve"])
        .stdout(full)
        .output()
        .expect("run eipform");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(code(&out), 1, "{err}");
    assert!(err.contains("Cannot print the plan"), "{err}");
    assert!(err.contains("Nothing was changed."), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(cloud(d, "eip").is_empty(), "no EIP was allocated");
    let plan = eipform(d, &["plan", "-detailed-exitcode"]);
    assert_eq!(
        code(&plan),
        2,
        "everything is still to add: {}",
        text(&plan)
    );
}

#[test]
fn a_plan_whose_reader_stops_reading_ends_quietly_like_sigpipe() {
    if !Path::new("/bin/bash").exists() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // ~1.7 KB of plan per EIP: far more than a pipe holds.
    std::fs::write(
        d.join("main.tf"),
        "resource \"alicloud_eip_address\" \"e\" {\n  count     = 200\n  bandwidth = \"5\"\n}\n",
    )
    .unwrap();
    let quota = eipform(d, &["cloud", "account", "set", "eip_quota", "500"]);
    assert_eq!(code(&quota), 0, "{}", text(&quota));
    let out = Command::new("/bin/bash")
        .arg("-c")
        .arg(r#""$0" --chdir "$1" --no-color plan | head -c 64; echo " status=${PIPESTATUS[0]}""#)
        .arg(env!("CARGO_BIN_EXE_eipform"))
        .arg(d)
        .env_remove("EIPFORM_CLOUD")
        .env_remove("EIPFORM_SIM_FAULTS")
        .env("ALICLOUD_REGION", "cn-hangzhou")
        .output()
        .expect("run bash");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stdout.starts_with("eipform used the selected providers"),
        "{stdout}"
    );
    assert!(stdout.ends_with(" status=141\n"), "{stdout}{stderr}");
    assert!(stderr.is_empty(), "nothing on stderr: {stderr}");
}

/// eipform with its stdout (and with `stderr_too` its stderr) a pipe whose reader has already
/// gone, so that every write to it fails (a shell's `eipform ... | head -c 0`, or `2>&1 | head
/// -c 0`, without the race of when `head` exits).
fn to_closed_pipe(dir: &Path, args: &[&str], stderr_too: bool) -> Output {
    let (reader, writer) = std::io::pipe().expect("make a pipe");
    drop(reader);
    let mut c = command(dir);
    if stderr_too {
        c.stderr(writer.try_clone().expect("clone the pipe's end"));
    }
    c.args(args).stdout(writer).output().expect("run eipform")
}

#[test]
fn every_command_whose_reader_stops_reading_ends_quietly_like_sigpipe() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "5", "BGP");
    // Quietly: no panic, nothing on stderr, and SIGPIPE's status.
    let loud = |args: &[&str]| {
        let out = to_closed_pipe(d, args, false);
        let err = String::from_utf8_lossy(&out.stderr);
        (code(&out) != 141 || !err.is_empty())
            .then(|| format!("eipform {args:?} exited {}: {err}", code(&out)))
    };
    // An apply ends where its plan cannot be shown: before changing anything.
    let mut failures: Vec<String> = loud(&["apply", "-auto-approve"]).into_iter().collect();
    assert!(cloud(d, "eip").is_empty(), "nothing changed");
    let apply = eipform(d, &["apply", "-auto-approve"]);
    assert_eq!(code(&apply), 0, "{}", text(&apply));
    let plan = eipform(d, &["plan", "-out=saved.tfplan"]);
    assert_eq!(code(&plan), 0, "{}", text(&plan));
    std::fs::write(d.join("extra.tf"), "locals {\n  a=1\n}\n").unwrap();
    let eip = cloud(d, "eip")[0]["id"].as_str().unwrap().to_string();
    let commands: &[&[&str]] = &[
        &["--version"],
        &["--help"],
        &["state", "--help"],
        &["cloud", "list"],
        &["cloud", "list", "--json"],
        &["cloud", "show", &eip],
        &["cloud", "show", &eip, "--json"],
        &["cloud", "account", "show"],
        &["cloud", "clock", "show", "--json"],
        &["state", "list"],
        &["state", "show", "alicloud_eip_address.web"],
        &["state", "pull"],
        &["state", "history"],
        &["state", "diff"],
        &["show"],
        &["show", "-json"],
        &["show", "-format=markdown"],
        &["show", "saved.tfplan"],
        &["output"],
        &["output", "eip"],
        &["output", "-json"],
        &["graph"],
        &["validate"],
        &["validate", "-json"],
        &["plan"],
        &["fmt", "-check"],
        &["cloud", "eip", "modify", &eip, "--bandwidth", "7"],
        &["drift"],
        &["cloud", "account", "set", "eip_quota", "50"],
        &["cloud", "clock", "advance", "1h"],
        &["state", "mv", "alicloud_vpc.main", "alicloud_vpc.moved"],
        &["state", "rm", "alicloud_vpc.moved"],
    ];
    failures.extend(commands.iter().filter_map(|args| loud(args)));
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // The state commands did their work, and released the lock, before they found no reader.
    let list = eipform(d, &["state", "list"]);
    assert_eq!(code(&list), 0, "{}", text(&list));
    let listed = String::from_utf8_lossy(&list.stdout);
    assert!(!listed.contains("alicloud_vpc."), "{listed}");
    assert_eq!(listed.lines().count(), 5, "{listed}");
}

#[test]
fn errors_and_warnings_whose_reader_stopped_reading_end_without_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "5", "BGP");
    let apply = eipform(d, &["apply", "-auto-approve"]);
    assert_eq!(code(&apply), 0, "{}", text(&apply));
    let exits = |args: &[&str], want: i32| {
        let got = code(&to_closed_pipe(d, args, true));
        (got != want).then(|| format!("eipform {args:?} exited {got}, not {want}"))
    };
    // Errors written to stderr: the command's own exit code, not a panic's 101.
    let mut failures: Vec<String> = [
        exits(&["state", "show", "alicloud_eip_address.nothing"], 1),
        exits(&["output", "nothing"], 1),
        // A note on stderr after a plan saved: SIGPIPE's status, from stdout.
        exits(&["plan", "-out=saved.tfplan", "-json"], 141),
    ]
    .into_iter()
    .flatten()
    .collect();
    // Diagnostics with their source snippets.
    std::fs::write(d.join("broken.tf"), "resource \"alicloud_eip_address\" {\n").unwrap();
    failures.extend(exits(&["validate"], 1));
    failures.extend(exits(&["plan"], 1));
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn a_command_whose_output_cannot_be_printed_reports_it_without_panicking() {
    if !Path::new("/dev/full").exists() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "5", "BGP");
    let apply = eipform(d, &["apply", "-auto-approve"]);
    assert_eq!(code(&apply), 0, "{}", text(&apply));
    for args in [&["state", "list"][..], &["cloud", "list"], &["show"]] {
        let full = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .unwrap();
        let out = command(d).args(args).stdout(full).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(code(&out), 1, "eipform {args:?}: {err}");
        assert!(
            err.contains("Cannot print the output"),
            "eipform {args:?}: {err}"
        );
        assert!(!err.contains("panicked"), "eipform {args:?}: {err}");
    }
}

/// The plan is made from the records as read while they are refreshed; it stands only when the
/// refresh finds every object as recorded. Changed or released outside eipform, the objects
/// are planned from what the refresh found.
#[test]
fn a_plan_made_during_the_refresh_gives_way_to_what_the_refresh_found() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(
        d.join("main.tf"),
        "resource \"alicloud_eip_address\" \"e\" {\n  count     = 3\n  bandwidth = \"5\"\n}\n",
    )
    .unwrap();
    let apply = eipform(d, &["apply", "-auto-approve"]);
    assert_eq!(code(&apply), 0, "{}", text(&apply));
    let plan = eipform(d, &["plan", "-detailed-exitcode"]);
    assert_eq!(code(&plan), 0, "{}", text(&plan));
    assert!(text(&plan).contains("No changes."), "{}", text(&plan));
    let id = |i: usize| {
        let show = eipform(d, &["show", "--json"]);
        let v: Value = serde_json::from_slice(&show.stdout).expect("show --json");
        let addr = format!("alicloud_eip_address.e[{i}]");
        v["values"]["root_module"]["resources"]
            .as_array()
            .and_then(|rs| rs.iter().find(|r| r["address"] == addr.as_str()))
            .and_then(|r| r["values"]["id"].as_str())
            .unwrap_or_else(|| panic!("{addr} not in state"))
            .to_string()
    };
    let (changed, released) = (id(1), id(2));
    for args in [
        [
            "cloud",
            "eip",
            "modify",
            changed.as_str(),
            "--bandwidth",
            "7",
        ]
        .as_slice(),
        ["cloud", "eip", "release", released.as_str()].as_slice(),
    ] {
        let o = eipform(d, args);
        assert_eq!(code(&o), 0, "{}", text(&o));
    }
    let plan = eipform(d, &["plan", "-detailed-exitcode"]);
    let shown = text(&plan);
    assert_eq!(code(&plan), 2, "{shown}");
    assert!(
        shown.contains("alicloud_eip_address.e[1] will be updated in-place"),
        "{shown}"
    );
    assert!(shown.contains("\"7\" -> \"5\""), "{shown}");
    assert!(
        shown.contains("alicloud_eip_address.e[2] will be created"),
        "{shown}"
    );
    assert!(
        shown.contains("Plan: 1 to add, 1 to change, 0 to destroy."),
        "{shown}"
    );
    // Without the refresh, the records as read are the plan's: nothing to do.
    let plan = eipform(d, &["plan", "-detailed-exitcode", "-refresh=false"]);
    assert_eq!(code(&plan), 0, "{}", text(&plan));
}

/// The rows of the state's history (`changes`) for `address`, oldest first.
fn history_rows(db: &Path, address: &str) -> Vec<Value> {
    let conn = rusqlite::Connection::open(db).unwrap();
    let mut rows = conn
        .prepare("SELECT body FROM changes WHERE address = ?1 ORDER BY seq")
        .unwrap();
    rows.query_map([address], |r| r.get::<_, String>(0))
        .unwrap()
        .map(|b| serde_json::from_str(&b.unwrap()).unwrap())
        .collect()
}

#[test]
fn new_objects_nothing_depends_on_are_read_back_during_the_walk_and_recorded_once() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "5", "BGP");
    // Sixty EIPs nothing depends on: more than one read batch (50) of them.
    let mut config = std::fs::read_to_string(d.join("main.tf")).unwrap();
    config.push_str(
        "resource \"alicloud_eip_address\" \"many\" {\n  count        = 60\n  payment_type = \"PayAsYouGo\"\n}\n",
    );
    std::fs::write(d.join("main.tf"), config).unwrap();
    let quota = eipform(d, &["cloud", "account", "set", "eip_quota", "100"]);
    assert_eq!(code(&quota), 0, "{}", text(&quota));
    let stats = d.join("calls.json");
    let apply = command(d)
        .args(["apply", "-auto-approve"])
        .env("EIPFORM_SIM_STATS", &stats)
        .output()
        .unwrap();
    assert_eq!(code(&apply), 0, "{}", text(&apply));
    assert!(
        text(&apply).contains("Apply complete! Resources: 66 added"),
        "{}",
        text(&apply)
    );
    let db = d.join(".eipform").join("state.db");
    let timestamp = |v: &Value| {
        v["attrs"]["create_time"]
            .as_str()
            .is_some_and(|t| t.len() == 20 && t.ends_with('Z') && t.starts_with("20"))
    };
    // The first 50 to finish made a read batch: each was written once, complete, read back
    // before its commit. The last 10, short of a batch when the calls ended, were committed as
    // the creates answered them and completed by the settle pass.
    let mut writes = Vec::new();
    for i in 0..60 {
        let rows = history_rows(&db, &format!("alicloud_eip_address.many[{i}]"));
        let last = rows
            .last()
            .unwrap_or_else(|| panic!("many[{i}] has no history"));
        assert!(timestamp(last), "many[{i}]: {last}");
        writes.push(rows.len());
    }
    writes.sort();
    assert_eq!(writes, [[1; 50].as_slice(), &[2; 10]].concat());
    // The bound EIP has a dependent: committed at once, then read again by the settle pass
    // after its association bound it.
    let rows = history_rows(&db, "alicloud_eip_address.web");
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert!(!timestamp(&rows[0]), "{}", rows[0]);
    assert!(timestamp(&rows[1]), "{}", rows[1]);
    assert_eq!(rows[1]["attrs"]["status"], "InUse", "{}", rows[1]);
    // One read of `many` during the walk (the batch of 50), one of `web` by its association
    // (waiting for the binding) and one after the walk (`web` and the last 10 of `many`): the
    // settle pass does not read the first 50 again.
    let calls: Value = serde_json::from_slice(&std::fs::read(&stats).unwrap()).unwrap();
    assert_eq!(calls["actions"]["DescribeEipAddresses"], 3, "{calls}");
    let plan = eipform(d, &["plan", "-detailed-exitcode"]);
    assert_eq!(code(&plan), 0, "{}", text(&plan));
}
