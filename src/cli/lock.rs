//! The state lock as the commands take it: [`acquire`] for every command that writes the state
//! (apply, destroy, state rm/mv/push), released when the returned [`LockGuard`] drops (every exit
//! path, errors included) or by the interrupt handler on an abort ([`release_held`]).
//!
//! Read-only commands take no lock and never wait: `plan`, with or without `--out` (it never
//! writes the state: a saved plan records the serial it was made from and `apply FILE`, which
//! takes the lock, refuses it once the state has moved on; the one exception is that `plan`
//! settles the unfinished operations of a crashed run, for which it takes the lock only for that
//! moment and only when the lock is free), `drift`, `show`, `output`, `state list`, `state show`,
//! `state pull`, `state history`, `state diff`.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use crate::state::StateStore;
use crate::state::lock::{self, LockError, LockInfo};
use crate::state::sqlite::SqliteState;

/// The lock this process holds: (state path, lock id, operation).
static HELD: Mutex<Option<(PathBuf, String, String)>> = Mutex::new(None);

/// Releases the lock when dropped.
#[derive(Debug)]
pub struct LockGuard {
    path: PathBuf,
    id: String,
}

impl Drop for LockGuard {
    fn drop(&mut self) {
        let mut held = HELD.lock().unwrap_or_else(|p| p.into_inner());
        // Not held any more: released already ([`release_on`], or the interrupt handler).
        if held.as_ref().is_some_and(|(_, id, _)| *id == self.id) {
            *held = None;
            drop(held);
            unlock(&self.path, &self.id);
        }
    }
}

/// Releases the lock this process holds on the state at `path` through `state`, a connection
/// to it that the command keeps open anyway; the guard's drop then has nothing left to do (it
/// would open a connection of its own, and copy the log back again at its close). Should this
/// fail, the guard tries again on its own connection.
pub fn release_on(state: &mut SqliteState, path: &Path) {
    let mut held = HELD.lock().unwrap_or_else(|p| p.into_inner());
    if let Some((p, id, _)) = held.as_ref()
        && p == path
        && state.unlock(id).is_ok()
    {
        *held = None;
    }
}

fn unlock(path: &Path, id: &str) {
    match SqliteState::open(path).and_then(|mut s| s.unlock(id)) {
        Ok(_) => {}
        Err(e) => eprintln!(
            "Error releasing the state lock {id}: {e}\n\nRun `eipform force-unlock {id}` to remove it."
        ),
    }
}

/// Releases the lock this process holds, if any (the interrupt handler, before exiting).
pub fn release_held() {
    let held = HELD.lock().unwrap_or_else(|p| p.into_inner()).take();
    if let Some((path, id, _)) = held {
        unlock(&path, &id);
    }
}

/// The operation of the lock this process holds on `path`, if it holds one.
pub fn held_for(path: &Path) -> Option<String> {
    HELD.lock()
        .unwrap_or_else(|p| p.into_inner())
        .as_ref()
        .filter(|(p, _, _)| p == path)
        .map(|(_, _, op)| op.clone())
}

/// Takes the lock of the state at `path` for `operation`, waiting up to `timeout`; prints the
/// holder and returns `Err(1)` when it cannot. Also installs the interrupt handler, so that an
/// interrupt releases the lock.
pub fn acquire_path(path: &Path, operation: &str, timeout: Duration) -> Result<LockGuard, i32> {
    let mut state = SqliteState::open_to_lock(path).map_err(|e| {
        eprintln!("Error: Cannot open the state\n\n{}: {e}", path.display());
        1
    })?;
    let mut warn = |w: String| eprintln!("Warning: {w}");
    match lock::acquire(
        &mut state,
        operation,
        &path.display().to_string(),
        timeout,
        &mut warn,
    ) {
        Ok(info) => {
            *HELD.lock().unwrap_or_else(|p| p.into_inner()) =
                Some((path.to_path_buf(), info.id.clone(), operation.to_string()));
            super::signals::install();
            Ok(LockGuard {
                path: path.to_path_buf(),
                id: info.id,
            })
        }
        Err(LockError::Held { holder, waited }) => {
            eprintln!("{}", held_message(&holder, waited));
            Err(1)
        }
        Err(LockError::State(e)) => {
            eprintln!("Error: Error acquiring the state lock\n\n{e}");
            Err(1)
        }
    }
}

/// [`acquire_path`] for the workspace in `dir`.
pub fn acquire(dir: &Path, operation: &str, timeout: Duration) -> Result<LockGuard, i32> {
    acquire_path(&crate::workspace::state_path_in(dir), operation, timeout)
}

/// Takes the lock only if it is free (or stale) right now, without waiting or reporting.
pub fn try_acquire_path(path: &Path, operation: &str) -> Result<LockGuard, Box<LockInfo>> {
    let mut state = SqliteState::open_to_lock(path)
        .map_err(|_| Box::new(LockInfo::new("unknown", &path.display().to_string())))?;
    let mut warn = |w: String| eprintln!("Warning: {w}");
    match lock::acquire(
        &mut state,
        operation,
        &path.display().to_string(),
        Duration::ZERO,
        &mut warn,
    ) {
        Ok(info) => {
            *HELD.lock().unwrap_or_else(|p| p.into_inner()) =
                Some((path.to_path_buf(), info.id.clone(), operation.to_string()));
            Ok(LockGuard {
                path: path.to_path_buf(),
                id: info.id,
            })
        }
        Err(LockError::Held { holder, .. }) => Err(holder),
        Err(LockError::State(_)) => Err(Box::new(LockInfo::new(
            "unknown",
            &path.display().to_string(),
        ))),
    }
}

/// The message for a lock held by someone else.
pub fn held_message(holder: &LockInfo, waited: Option<Duration>) -> String {
    let waited = waited
        .map(|w| {
            format!(
                " (waited {})",
                humantime::format_duration(Duration::from_secs(w.as_secs()))
            )
        })
        .unwrap_or_default();
    let remote = if holder.host != lock::hostname() {
        format!(
            "\n\nThe lock is held from another host ({}); eipform cannot tell whether its holder still runs.",
            holder.host
        )
    } else {
        String::new()
    };
    format!(
        "Error: Error acquiring the state lock{waited}\n\nThe state is locked by {} (pid {}, operation {}).\n\n{holder}{remote}\n\n\
         eipform acquires a state lock to protect the state from being written by several commands at the same time. \
         Wait for the other command to finish, run this one with --lock-timeout DURATION to wait for the lock, \
         or, if the holder is gone, remove the lock with `eipform force-unlock {}`.",
        holder.who, holder.pid, holder.operation, holder.id
    )
}

/// `eipform force-unlock LOCK_ID`.
pub fn force_unlock(dir: &Path, lock_id: &str) -> i32 {
    let path = crate::workspace::state_path_in(dir);
    let mut state = match SqliteState::open(&path) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("Error: Cannot open the state\n\n{}: {e}", path.display());
            return 1;
        }
    };
    let current = match state.lock_info() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("Error: {e}");
            return 1;
        }
    };
    match current {
        None => {
            eprintln!(
                "Error: Failed to unlock state: the state is not locked (no lock {lock_id})."
            );
            1
        }
        Some(info) if info.id != lock_id => {
            eprintln!(
                "Error: Failed to unlock state: lock ID {lock_id:?} does not match the existing lock.\n\n{info}"
            );
            1
        }
        Some(info) => match state.unlock(lock_id) {
            Ok(true) => {
                if info.host == lock::hostname() && lock::process_alive(info.pid) {
                    eprintln!(
                        "Warning: the lock's holder (pid {}) is still running; it may still write the state.",
                        info.pid
                    );
                }
                super::spool::print_last(
                    "eipform state has been successfully unlocked!\n\nThe state has been unlocked, and eipform commands should now be able to obtain a new lock on the state.\n",
                    0,
                )
            }
            Ok(false) => {
                eprintln!(
                    "Error: Failed to unlock state: the lock {lock_id} was released meanwhile."
                );
                1
            }
            Err(e) => {
                eprintln!("Error: Failed to unlock state: {e}");
                1
            }
        },
    }
}
