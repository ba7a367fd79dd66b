//! Keeps the scale benchmark (`benches/scale`) working: runs its realistic scenario at N = 100
//! and a tiny latency run with the real binary, and renders the report. No timing assertions:
//! it checks what the harness checks (every command exits 0 and prints what it must) plus the
//! counts and the report's shape.

#[allow(dead_code)]
#[path = "../benches/scale/generate.rs"]
mod generate;
#[allow(dead_code)]
#[path = "../benches/scale/harness.rs"]
mod harness;
#[allow(dead_code)]
#[path = "../benches/scale/report.rs"]
mod report;
#[allow(dead_code)]
#[path = "../benches/scale/spawner.rs"]
mod spawner;

use std::path::PathBuf;
use std::time::Duration;

fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_eipform"))
}

#[test]
fn generated_mix_has_the_requested_size_and_kinds() {
    for n in [100, 1_000, 10_000] {
        let g = generate::realistic(n, false);
        assert_eq!(g.total, n, "size {n}");
        for (kind, count) in &g.counts {
            assert!(*count > 0, "size {n}: no {kind}");
        }
        let eips = g
            .counts
            .iter()
            .find(|(k, _)| *k == "alicloud_eip_address")
            .unwrap()
            .1;
        let assocs = g
            .counts
            .iter()
            .find(|(k, _)| *k == "alicloud_eip_association")
            .unwrap()
            .1;
        // About a third of the EIPs are associated.
        assert!(
            assocs * 4 > eips && assocs * 2 < eips,
            "size {n}: {assocs} of {eips}"
        );
        let bumped = generate::realistic(n, true);
        assert_eq!(bumped.total, n);
        assert_eq!(bumped.changed, n / 100, "size {n}");
    }
}

#[test]
fn harness_runs_every_step_at_n_100() {
    let work = tempfile::tempdir().unwrap();
    let mut lines = Vec::new();
    let mut log = |l: &str| lines.push(l.to_string());
    let mut sizes = harness::run_sizes(&bin(), work.path(), &[100, 120], &mut log);
    let (n120, r120) = sizes.pop().unwrap();
    let (n100, r) = sizes.pop().unwrap();
    assert_eq!((n100, n120), (100, 120));
    let r = r.unwrap_or_else(|e| panic!("{e}"));
    let r120 = r120.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r120.n, 120);
    assert_eq!(r120.steps.len(), 7);
    assert_eq!(
        r120.step(harness::PLAN_ONE_PERCENT).unwrap().note,
        "Plan: 0 to add, 1 to change, 0 to destroy."
    );
    let names: Vec<&str> = r.steps.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(
        names,
        [
            harness::VALIDATE,
            harness::PLAN_FIRST,
            harness::APPLY,
            harness::PLAN_NOOP,
            harness::PLAN_NOOP_NO_REFRESH,
            harness::PLAN_ONE_PERCENT,
            harness::DESTROY,
        ]
    );
    assert_eq!(
        r.step(harness::PLAN_FIRST).unwrap().note,
        "Plan: 100 to add, 0 to change, 0 to destroy."
    );
    assert_eq!(
        r.step(harness::PLAN_ONE_PERCENT).unwrap().note,
        "Plan: 0 to add, 1 to change, 0 to destroy."
    );
    // The refresh reads EIPs in batches: a handful of calls, not one per resource.
    let (calls, describe) = r.step(harness::PLAN_NOOP).unwrap().calls.unwrap();
    assert!(
        describe >= 1 && calls < 30,
        "{calls} calls, {describe} DescribeEipAddresses"
    );
    // Without refresh, no API calls at all.
    assert_eq!(
        r.step(harness::PLAN_NOOP_NO_REFRESH).unwrap().calls,
        Some((0, 0))
    );
    // Apply and destroy run three times, each from the same starting point: every run does
    // the whole work (the median run too).
    for step in [harness::APPLY, harness::DESTROY] {
        let (calls, _) = r.step(step).unwrap().calls.unwrap();
        assert!(calls >= 100, "{step}: {calls} calls");
    }
    assert!(r.steps.iter().all(|s| s.max_rss_kb > 0));
    // Command by command across the sizes: both validates first, both destroys last.
    assert_eq!(lines.len(), 14);
    for (line, n, step) in [
        (0, "N=100 ", harness::VALIDATE),
        (1, "N=120 ", harness::VALIDATE),
        (12, "N=100 ", harness::DESTROY),
        (13, "N=120 ", harness::DESTROY),
    ] {
        assert!(
            lines[line].contains(n) && lines[line].contains(step),
            "{lines:#?}"
        );
    }

    let lat = harness::run_latency(
        &bin(),
        work.path(),
        100,
        Duration::from_millis(1),
        10,
        &mut |_| {},
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(lat.n, 100);
    assert!(lat.step.calls.unwrap().0 >= 100);

    let results = report::Results {
        command: "cargo bench --bench scale".into(),
        sizes: vec![(100, Ok(r))],
        latency: Some(Ok(lat)),
        terraform: Vec::new(),
        terraform_skipped: Some("test".into()),
    };
    let md = report::render(&results, Some("\n## Kept\n\nby hand\n"));
    assert!(md.contains("## N = 100\n"), "{md}");
    assert!(md.contains("| `plan, no changes (refresh)` |"), "{md}");
    assert!(md.contains("Skipped: test"), "{md}");
    assert_eq!(
        report::kept_section(&md).unwrap().trim(),
        "## Kept\n\nby hand"
    );
}

#[test]
fn the_spawner_runs_a_request_line_and_answers_what_it_measured() {
    let dir = tempfile::tempdir().unwrap();
    let (out, err) = (dir.path().join("out"), dir.path().join("err"));
    let line = spawner::request_line(&spawner::Request {
        program: std::path::Path::new("/bin/sh"),
        dir: dir.path(),
        args: &[
            "-c",
            "echo \"$GREETING in $(pwd)\"; echo \"[$HOME]\" >&2; exit 3",
        ],
        set_env: &[("GREETING", "hello".to_string())],
        remove_env: &["HOME"],
        stdout: &out,
        stderr: &err,
    });
    let m = spawner::parse_answer(&spawner::answer(&line)).unwrap();
    assert_eq!(m.code, 3);
    assert!(m.wall > Duration::ZERO && m.max_rss_kb > 0);
    let cwd = dir.path().canonicalize().unwrap();
    assert_eq!(
        std::fs::read_to_string(&out).unwrap(),
        format!("hello in {}\n", cwd.display())
    );
    assert_eq!(std::fs::read_to_string(&err).unwrap(), "[]\n");
    let missing = spawner::answer(&line.replace("/bin/sh", "/nonexistent/program"));
    assert!(
        spawner::parse_answer(&missing)
            .unwrap_err()
            .contains("cannot run /nonexistent/program"),
        "{missing}"
    );
}
