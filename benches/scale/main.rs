//! The scale benchmark (issue 7): `cargo bench --bench scale` measures eipform's commands on
//! generated configurations of 1,000, 10,000 and 50,000 resources, apply under injected API
//! latency, and Terraform 1.0.3 side by side when it can be fetched, and writes BENCHMARKS.md.
//! Not run in CI; `tests/bench_smoke.rs` runs the same code at N = 100.

mod generate;
mod harness;
mod report;
mod spawner;

use std::path::{Path, PathBuf};
use std::time::Duration;

const USAGE: &str = "\
usage: cargo bench --bench scale [-- OPTIONS]

  --sizes N,N,...          sizes of the realistic mix (default 1000,10000,50000)
  --latency-n N            size of the apply under injected latency (default 1000; 0 skips it)
  --latency-ms MS          injected latency per API call (default 100)
  --parallelism P          apply --parallelism for the latency run (default 10)
  --terraform-sizes N,...  sizes of the Terraform comparison (default 1000)
  --no-terraform           skip the Terraform comparison
  --out FILE               where the report goes (default BENCHMARKS.md in the crate root)
  --no-report              print the measurements only
  --keep                   keep the working directories (printed at the end)
  --eipform PATH           measure this eipform binary instead of the one cargo built
                           (for before/after comparisons)
  --generate DIR           only write the realistic mix of the first size into DIR, with the
                           simulated account's quota raised (for profiling one command)
";

struct Options {
    sizes: Vec<usize>,
    latency_n: usize,
    latency_ms: u64,
    parallelism: usize,
    terraform_sizes: Vec<usize>,
    terraform: bool,
    out: Option<PathBuf>,
    keep: bool,
    eipform: Option<PathBuf>,
    generate: Option<PathBuf>,
}

fn list(v: &str) -> Result<Vec<usize>, String> {
    v.split(',')
        .filter(|s| !s.trim().is_empty())
        .map(|s| {
            s.trim()
                .parse::<usize>()
                .map_err(|_| format!("not a number: {s:?}"))
        })
        .collect()
}

fn parse(args: &[String]) -> Result<Options, String> {
    let mut o = Options {
        sizes: vec![1_000, 10_000, 50_000],
        latency_n: 1_000,
        latency_ms: 100,
        parallelism: 10,
        terraform_sizes: vec![1_000],
        terraform: true,
        out: Some(Path::new(env!("CARGO_MANIFEST_DIR")).join("BENCHMARKS.md")),
        keep: false,
        eipform: None,
        generate: None,
    };
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut value = || {
            it.next()
                .cloned()
                .ok_or_else(|| format!("{a} needs a value"))
        };
        match a.as_str() {
            // Passed by `cargo bench` to every bench target.
            "--bench" => {}
            "--sizes" => o.sizes = list(&value()?)?,
            "--latency-n" => o.latency_n = list(&value()?)?.first().copied().unwrap_or(0),
            "--latency-ms" => {
                o.latency_ms = value()?
                    .parse()
                    .map_err(|_| "--latency-ms takes a number")?
            }
            "--parallelism" => {
                o.parallelism = value()?
                    .parse()
                    .map_err(|_| "--parallelism takes a number")?
            }
            "--terraform-sizes" => o.terraform_sizes = list(&value()?)?,
            "--no-terraform" => o.terraform = false,
            "--out" => o.out = Some(PathBuf::from(value()?)),
            "--no-report" => o.out = None,
            "--keep" => o.keep = true,
            "--eipform" => o.eipform = Some(PathBuf::from(value()?)),
            "--generate" => o.generate = Some(PathBuf::from(value()?)),
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown option {other:?}")),
        }
    }
    if o.parallelism == 0 {
        return Err("--parallelism must be at least 1".into());
    }
    Ok(o)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some(spawner::FLAG) {
        spawner::serve();
    }
    let o = match parse(&args) {
        Ok(o) => o,
        Err(e) => {
            if !e.is_empty() {
                eprintln!("error: {e}\n");
            }
            eprint!("{USAGE}");
            std::process::exit(if e.is_empty() { 0 } else { 1 });
        }
    };
    if let Some(dir) = &o.generate {
        let n = o.sizes.first().copied().unwrap_or(1_000);
        let g = generate::realistic(n, false);
        if let Err(e) =
            harness::write_config(dir, &g).and_then(|()| harness::raise_quota(dir, g.total))
        {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
        println!("wrote {} resources into {}", g.total, dir.display());
        return;
    }
    let bin = o
        .eipform
        .clone()
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_eipform")));
    let work = match tempfile::Builder::new().prefix("eipform-bench-").tempdir() {
        Ok(w) => w,
        Err(e) => {
            eprintln!("error: cannot create a working directory: {e}");
            std::process::exit(1);
        }
    };
    let base = work.path().to_path_buf();
    if let Err(e) = spawner::start() {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
    let mut log = |line: &str| println!("{line}");
    println!("eipform scale benchmark in {}", base.display());

    let mut results = report::Results {
        command: "cargo bench --bench scale".into(),
        sizes: Vec::new(),
        latency: None,
        terraform: Vec::new(),
        terraform_skipped: None,
    };
    println!(
        "realistic mix, N = {} (each command at every size in turn)",
        o.sizes
            .iter()
            .map(usize::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    );
    for (n, r) in harness::run_sizes(&bin, &base, &o.sizes, &mut log) {
        if let Err(e) = &r {
            println!("  N = {n} failed: {e}");
        }
        results.sizes.push((n, r));
    }
    if o.latency_n > 0 {
        println!(
            "apply under {} ms latency, N = {}",
            o.latency_ms, o.latency_n
        );
        let r = harness::run_latency(
            &bin,
            &base,
            o.latency_n,
            Duration::from_millis(o.latency_ms),
            o.parallelism,
            &mut log,
        );
        if let Err(e) = &r {
            println!("  failed: {e}");
        }
        results.latency = Some(r);
    }
    if !o.terraform {
        results.terraform_skipped = Some("`--no-terraform` was given.".into());
    } else if !o.terraform_sizes.is_empty() {
        let cache = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-terraform");
        match harness::terraform_setup(&cache) {
            Err(e) => {
                println!("Terraform comparison skipped: {e}");
                results.terraform_skipped = Some(format!("Terraform could not be fetched ({e})."));
            }
            Ok(tf) => {
                for &n in &o.terraform_sizes {
                    println!("{} against eipform, N = {n}", tf.version);
                    let r = harness::run_terraform(&bin, &tf, &base, n, &mut log);
                    if let Err(e) = &r {
                        println!("  failed: {e}");
                    }
                    results.terraform.push((n, r));
                }
            }
        }
    }
    if let Some(out) = &o.out {
        let previous = std::fs::read_to_string(out).unwrap_or_default();
        let kept = report::kept_section(&previous);
        match std::fs::write(out, report::render(&results, kept.as_deref())) {
            Ok(()) => println!("wrote {}", out.display()),
            Err(e) => eprintln!("error: cannot write {}: {e}", out.display()),
        }
    }
    if o.keep {
        println!("kept {}", work.keep().display());
    }
    let failed = results.sizes.iter().any(|(_, r)| r.is_err())
        || results.latency.as_ref().is_some_and(|r| r.is_err())
        || results.terraform.iter().any(|(_, r)| r.is_err());
    if failed {
        std::process::exit(1);
    }
}
