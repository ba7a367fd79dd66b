//! Runs the measured commands from a small process of the harness's own (the bench binary again,
//! started with [`FLAG`]), which times each from spawn to reap and takes its peak RSS from
//! `wait4`.
//!
//! Linux carries the spawning process's high-water RSS into a child at `exec`, so `wait4` in the
//! harness itself, once it held a large configuration, would report every child at least that
//! large; the spawner stays a few megabytes. Before, the harness ran each command under GNU time
//! for its `%M` and timed GNU time: its own start and exec added 1.5–4 ms to every run, a tenth of
//! a 15 ms plan (and nothing measurable to Terraform's 1.5 s).
//!
//! The protocol is one JSON object per line each way: a request (program, directory, arguments,
//! environment to set and to remove, files for stdout and stderr) and its answer (wall time in
//! nanoseconds, peak RSS in kilobytes, exit code, or an error).

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{ChildStdin, ChildStdout, Command, Stdio};
use std::sync::{Mutex, OnceLock, PoisonError};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// The first argument that makes the bench binary a spawner.
pub const FLAG: &str = "--spawner";

/// One command to run.
pub struct Request<'a> {
    pub program: &'a Path,
    pub dir: &'a Path,
    pub args: &'a [&'a str],
    pub set_env: &'a [(&'a str, String)],
    pub remove_env: &'a [&'a str],
    pub stdout: &'a Path,
    pub stderr: &'a Path,
}

/// What running it measured.
#[derive(Debug)]
pub struct Measured {
    pub wall: Duration,
    pub max_rss_kb: u64,
    pub code: i32,
}

struct Spawner {
    requests: ChildStdin,
    answers: BufReader<ChildStdout>,
}

static SPAWNER: OnceLock<Mutex<Spawner>> = OnceLock::new();

/// Starts the spawner (the running executable with [`FLAG`]). Without it, [`run`] spawns from
/// the calling process. The spawner exits when the harness does (its input ends).
pub fn start() -> Result<(), String> {
    let exe = std::env::current_exe().map_err(|e| format!("cannot find the bench binary: {e}"))?;
    let mut process = Command::new(exe)
        .arg(FLAG)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| format!("cannot start the spawner: {e}"))?;
    let requests = process.stdin.take().expect("piped");
    let answers = BufReader::new(process.stdout.take().expect("piped"));
    // The handle is dropped without waiting: the spawner runs on until its input ends.
    drop(process);
    let _ = SPAWNER.set(Mutex::new(Spawner { requests, answers }));
    Ok(())
}

/// Runs `req` in the spawner when it was started, else from this process.
pub fn run(req: &Request<'_>) -> Result<Measured, String> {
    let Some(spawner) = SPAWNER.get() else {
        return measure(req);
    };
    let mut s = spawner.lock().unwrap_or_else(PoisonError::into_inner);
    writeln!(s.requests, "{}", request_line(req))
        .and_then(|()| s.requests.flush())
        .map_err(|e| format!("the spawner stopped: {e}"))?;
    let mut answer = String::new();
    s.answers
        .read_line(&mut answer)
        .map_err(|e| format!("the spawner stopped: {e}"))?;
    parse_answer(&answer)
}

/// `req` as one line of the protocol.
pub fn request_line(req: &Request<'_>) -> String {
    json!({
        "program": req.program,
        "dir": req.dir,
        "args": req.args,
        "set_env": req.set_env.iter().map(|(k, v)| json!([k, v])).collect::<Vec<_>>(),
        "remove_env": req.remove_env,
        "stdout": req.stdout,
        "stderr": req.stderr,
    })
    .to_string()
}

/// The measurement (or the error) an answer line carries.
pub fn parse_answer(line: &str) -> Result<Measured, String> {
    let a: Value =
        serde_json::from_str(line).map_err(|e| format!("the spawner answered {line:?}: {e}"))?;
    if let Some(e) = a["error"].as_str() {
        return Err(e.to_string());
    }
    Ok(Measured {
        wall: Duration::from_nanos(a["wall_ns"].as_u64().unwrap_or(0)),
        max_rss_kb: a["max_rss_kb"].as_u64().unwrap_or(0),
        code: a["code"].as_i64().unwrap_or(-1) as i32,
    })
}

/// The spawner's loop: answers each request line until its input ends.
pub fn serve() -> ! {
    let stdin = std::io::stdin();
    let mut out = std::io::stdout().lock();
    for line in stdin.lock().lines() {
        let Ok(line) = line else { break };
        if writeln!(out, "{}", answer(&line))
            .and_then(|()| out.flush())
            .is_err()
        {
            break;
        }
    }
    std::process::exit(0)
}

/// Runs the request of one line and answers it in one line.
pub fn answer(line: &str) -> String {
    match serde_json::from_str::<Value>(line) {
        Ok(v) => serve_one(&v),
        Err(e) => json!({"error": format!("bad request {line:?}: {e}")}),
    }
    .to_string()
}

fn serve_one(v: &Value) -> Value {
    let text = |k: &str| v[k].as_str().unwrap_or_default().to_string();
    let strings = |k: &str| -> Vec<String> {
        v[k].as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|s| s.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default()
    };
    let set_env: Vec<(String, String)> = v["set_env"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|kv| {
                    (
                        kv[0].as_str().unwrap_or_default().into(),
                        kv[1].as_str().unwrap_or_default().into(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let (program, dir, stdout, stderr) = (
        PathBuf::from(text("program")),
        PathBuf::from(text("dir")),
        PathBuf::from(text("stdout")),
        PathBuf::from(text("stderr")),
    );
    let args = strings("args");
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let remove_env = strings("remove_env");
    let remove_env: Vec<&str> = remove_env.iter().map(String::as_str).collect();
    let set_env: Vec<(&str, String)> = set_env
        .iter()
        .map(|(k, v)| (k.as_str(), v.clone()))
        .collect();
    let req = Request {
        program: &program,
        dir: &dir,
        args: &args,
        set_env: &set_env,
        remove_env: &remove_env,
        stdout: &stdout,
        stderr: &stderr,
    };
    match measure(&req) {
        Ok(m) => json!({
            "wall_ns": m.wall.as_nanos() as u64,
            "max_rss_kb": m.max_rss_kb,
            "code": m.code,
        }),
        Err(e) => json!({"error": e}),
    }
}

/// Spawns `req` from this process and waits for it: wall time from spawn to reap, peak RSS
/// from `wait4` (floored at this process's own peak, see the module docs).
fn measure(req: &Request<'_>) -> Result<Measured, String> {
    let open = |p: &Path| std::fs::File::create(p).map_err(|e| format!("{}: {e}", p.display()));
    let mut cmd = Command::new(req.program);
    cmd.args(req.args)
        .current_dir(req.dir)
        .stdin(Stdio::null())
        .stdout(open(req.stdout)?)
        .stderr(open(req.stderr)?);
    for k in req.remove_env {
        cmd.env_remove(k);
    }
    for (k, v) in req.set_env {
        cmd.env(k, v);
    }
    let start = Instant::now();
    let child = cmd
        .spawn()
        .map_err(|e| format!("cannot run {}: {e}", req.program.display()))?;
    let pid = child.id() as libc::pid_t;
    let mut status: libc::c_int = 0;
    // SAFETY: `rusage` is plain data that `wait4` fills in; `pid` is our own unreaped child
    // (the `Child` handle is dropped without waiting, which neither kills nor reaps it).
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let reaped = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let wall = start.elapsed();
    drop(child);
    if reaped != pid {
        return Err(format!("wait4 failed for {}", req.program.display()));
    }
    let code = if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        -1
    };
    Ok(Measured {
        wall,
        // Kilobytes on Linux.
        max_rss_kb: usage.ru_maxrss as u64,
        code,
    })
}
