//! The state lock: one row in the state database naming its holder (lock id, operation,
//! user@host, pid, time, eipform version).
//!
//! [`acquire`] takes it for a command that writes the state. A lock held by a live process fails
//! at once with the holder's details, or is waited for up to a timeout. A lock whose holder was
//! on this host and whose process is gone is stale (as the OS drops the file locks of
//! Terraform's local backend when the process dies): it is taken over with a warning. A lock
//! from another host is only reported; `eipform force-unlock ID` removes it.

use std::fmt;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::{StateError, StateStore};
pub use crate::host::{hostname, process_alive};

/// Who holds the lock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LockInfo {
    #[serde(rename = "ID")]
    pub id: String,
    #[serde(rename = "Operation")]
    pub operation: String,
    /// `user@host`.
    #[serde(rename = "Who")]
    pub who: String,
    #[serde(rename = "Host")]
    pub host: String,
    #[serde(rename = "Pid")]
    pub pid: u32,
    #[serde(rename = "Created")]
    pub created: String,
    #[serde(rename = "Version")]
    pub version: String,
    #[serde(rename = "Path", default)]
    pub path: String,
}

impl LockInfo {
    /// A new lock for `operation` by this process.
    pub fn new(operation: &str, path: &str) -> LockInfo {
        let host = hostname();
        LockInfo {
            id: uuid::Uuid::new_v4().to_string(),
            operation: operation.to_string(),
            who: format!("{}@{host}", username()),
            host,
            pid: std::process::id(),
            created: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            version: env!("CARGO_PKG_VERSION").to_string(),
            path: path.to_string(),
        }
    }

    /// Whether the holder is a process of this host that no longer runs.
    pub fn is_stale(&self) -> bool {
        self.host == hostname() && self.pid != std::process::id() && !process_alive(self.pid)
    }
}

impl fmt::Display for LockInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "Lock Info:")?;
        writeln!(f, "  ID:        {}", self.id)?;
        writeln!(f, "  Path:      {}", self.path)?;
        writeln!(f, "  Operation: {}", self.operation)?;
        writeln!(f, "  Who:       {}", self.who)?;
        writeln!(f, "  PID:       {}", self.pid)?;
        writeln!(f, "  Version:   {}", self.version)?;
        write!(f, "  Created:   {}", self.created)
    }
}

/// Why the lock could not be taken.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error("{0}")]
    State(#[from] StateError),
    /// Held by someone else (after waiting `waited`).
    #[error("the state is locked by {} (pid {}, {})", .holder.who, .holder.pid, .holder.operation)]
    Held {
        holder: Box<LockInfo>,
        waited: Option<Duration>,
    },
}

/// Takes the lock for `operation`, waiting up to `timeout` for a live holder to release it.
/// Stale locks are taken over; each takeover is reported through `warn`.
pub fn acquire(
    store: &mut dyn StateStore,
    operation: &str,
    path: &str,
    timeout: Duration,
    warn: &mut dyn FnMut(String),
) -> Result<LockInfo, LockError> {
    let started = Instant::now();
    let mut replacing: Option<String> = None;
    loop {
        let mine = LockInfo::new(operation, path);
        match store.try_lock(&mine, replacing.as_deref())? {
            Ok(()) => return Ok(mine),
            Err(holder) => {
                if holder.is_stale() {
                    if replacing.as_deref() == Some(holder.id.as_str()) {
                        // Took over by someone else between the read and the write: look again.
                        replacing = None;
                        continue;
                    }
                    warn(format!(
                        "Taking over a stale state lock: its holder {} (pid {}, {} since {}) is no longer running on this host. Lock ID: {}",
                        holder.who, holder.pid, holder.operation, holder.created, holder.id
                    ));
                    replacing = Some(holder.id.clone());
                    continue;
                }
                replacing = None;
                let waited = started.elapsed();
                if waited >= timeout {
                    return Err(LockError::Held {
                        holder: Box::new(holder),
                        waited: (!timeout.is_zero()).then_some(waited),
                    });
                }
                std::thread::sleep(Duration::from_millis(100).min(timeout - waited));
            }
        }
    }
}

fn username() -> String {
    for var in ["USER", "LOGNAME", "USERNAME"] {
        if let Ok(u) = std::env::var(var)
            && !u.is_empty()
        {
            return u;
        }
    }
    // SAFETY: getuid cannot fail.
    format!("uid{}", unsafe { libc::getuid() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn liveness_and_staleness() {
        assert!(process_alive(std::process::id()));
        let me = LockInfo::new("apply", "x");
        assert!(!me.is_stale(), "our own lock is not stale");
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let pid = child.id();
        child.wait().unwrap();
        let dead = LockInfo {
            pid,
            ..LockInfo::new("apply", "x")
        };
        assert!(dead.is_stale());
        let remote = LockInfo {
            host: "elsewhere".into(),
            ..dead
        };
        assert!(
            !remote.is_stale(),
            "a lock from another host is never stale"
        );
    }
}
