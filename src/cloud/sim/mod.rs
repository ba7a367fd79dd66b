//! The simulated Alibaba Cloud: every API action of the EIP product (and the VPC, ECS, NAT, CLB,
//! HAVIP calls its targets need) over a world kept in its own SQLite file.
//!
//! Each call runs in one SQLite savepoint: a call that fails changes nothing. Rules are checked
//! inside the actions, where the real cloud checks them, and fail with Alibaba's error codes
//! (see `rules/`). A scratch session (`CloudApi::scratch`) works on a copy of the world
//! (`VACUUM INTO` a file beside it, deleted when the session ends) inside a transaction that is
//! never committed: plan runs its planned actions there, without waiting for or blocking an apply.
//!
//! Layout: `store` (tables and the per-call [`Ctx`]); the core: `regions`, `account`, `clock`,
//! `faults`, `addresses`; the EIP family's actions: `eip`, `association`, `segment`, `pool`,
//! `tags`; the rules they apply: `rules/`; the `eipform cloud ...` commands: `admin`; and the
//! association targets' families: `targets/`.
//!
//! Idempotency: a mutating EIP-family call with a `ClientToken` that was already answered for the
//! same action and the same parameters returns the first answer (other parameters: a new call);
//! `DescribeClientToken` (an eipform extension: `ClientToken`, optional `Action`) tells what a
//! token did, for `find_by_token`.

pub mod account;
pub mod addresses;
pub mod admin;
pub mod association;
pub mod clock;
pub mod eip;
pub mod faults;
pub mod pool;
pub mod regions;
pub mod rules;
pub mod segment;
pub mod stats;
pub mod store;
pub mod tags;
pub mod targets;
#[cfg(test)]
mod tests;

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use rusqlite::{Connection, OptionalExtension, params};
use serde_json::{Value, json};

use super::{CloudApi, CloudError, Params, optional};
pub use faults::Faults;
pub use store::{Ctx, Obj};

/// The simulated cloud, backed by one SQLite file.
pub struct SimCloud {
    conn: Mutex<Connection>,
    path: PathBuf,
    scratch: bool,
    faults: Option<Faults>,
}

use store::db_error;

impl SimCloud {
    /// Opens (creating if needed, mode 0600) the world at `path`, with the faults of
    /// `EIPFORM_SIM_FAULTS` (see [`faults`]).
    pub fn open(path: &Path) -> Result<SimCloud, CloudError> {
        Self::open_with_faults(path, Faults::from_env()?)
    }

    /// Opens the world at `path` with explicit fault injection (`None`: no faults).
    pub fn open_with_faults(path: &Path, faults: Option<Faults>) -> Result<SimCloud, CloudError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| {
                CloudError::new(
                    "InternalError",
                    format!("cannot create {}: {e}", dir.display()),
                )
            })?;
        }
        remove_abandoned_scratch_copies(path);
        let fresh = !path.exists();
        let conn = Connection::open(path).map_err(db_error)?;
        if fresh {
            restrict_permissions(path);
        }
        conn.busy_timeout(std::time::Duration::from_secs(30))
            .map_err(db_error)?;
        conn.set_prepared_statement_cache_capacity(64);
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(db_error)?;
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(db_error)?;
        store::migrate(&conn).map_err(db_error)?;
        Ok(SimCloud {
            conn: Mutex::new(conn),
            path: path.to_path_buf(),
            scratch: false,
            faults,
        })
    }

    /// The file the world lives in.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs `f` in one savepoint with a fresh [`Ctx`]; commits only when `f` succeeds.
    pub fn with_ctx<T>(
        &self,
        f: impl FnOnce(&mut Ctx<'_>) -> Result<T, CloudError>,
    ) -> Result<T, CloudError> {
        let mut conn = self.conn.lock().unwrap_or_else(|p| p.into_inner());
        let sp = conn.savepoint().map_err(db_error)?;
        let mut ctx = Ctx::new(&sp)?;
        let out = f(&mut ctx)?;
        sp.commit().map_err(db_error)?;
        Ok(out)
    }
}

impl CloudApi for SimCloud {
    fn call(&self, action: &str, params: &Params) -> Result<Value, CloudError> {
        if !self.scratch {
            stats::count(action);
        }
        // Latency and faults come before the connection lock and before the action runs.
        if let Some(f) = &self.faults {
            f.before_call(action)?;
        }
        self.with_ctx(|ctx| dispatch(ctx, action, params))
    }

    fn scratch(&self) -> Result<Box<dyn CloudApi>, CloudError> {
        // A copy of the world, taken in one read transaction: plan's rehearsal neither waits for
        // nor blocks an apply running at the same time, and cannot reach the real world.
        let copy = scratch_path(&self.path);
        {
            let conn = self.conn.lock().unwrap_or_else(|p| p.into_inner());
            conn.execute("VACUUM INTO ?1", rusqlite::params![copy.to_string_lossy()])
                .map_err(db_error)?;
        }
        restrict_permissions(&copy);
        let conn = Connection::open(&copy).map_err(db_error)?;
        conn.set_prepared_statement_cache_capacity(64);
        conn.execute_batch("PRAGMA synchronous = OFF; BEGIN")
            .map_err(db_error)?;
        Ok(Box::new(SimCloud {
            conn: Mutex::new(conn),
            path: copy,
            scratch: true,
            faults: None,
        }))
    }
}

/// Deletes scratch copies left beside `world` by processes that died during a plan (their pid,
/// part of the file name, is gone).
fn remove_abandoned_scratch_copies(world: &Path) {
    let (Some(dir), Some(name)) = (world.parent(), world.file_name().and_then(|f| f.to_str()))
    else {
        return;
    };
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    let prefix = format!(".{name}.scratch-");
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.filter_map(Result::ok) {
        let file = entry.file_name();
        let Some(rest) = file.to_str().and_then(|f| f.strip_prefix(&prefix)) else {
            continue;
        };
        let pid = rest
            .split(['-', '.'])
            .next()
            .and_then(|p| p.parse::<u32>().ok());
        if pid.is_some_and(|pid| !crate::host::process_alive(pid)) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// A fresh file name beside `world` for a scratch copy.
fn scratch_path(world: &Path) -> PathBuf {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let name = format!(
        ".{}.scratch-{}-{n}",
        world
            .file_name()
            .and_then(|f| f.to_str())
            .unwrap_or("cloud.db"),
        std::process::id()
    );
    world.with_file_name(name)
}

impl Drop for SimCloud {
    fn drop(&mut self) {
        if self.scratch {
            let conn = self.conn.get_mut().unwrap_or_else(|p| p.into_inner());
            let _ = conn.execute_batch("ROLLBACK");
            // Close the copy before removing its files.
            if let Ok(memory) = Connection::open_in_memory() {
                drop(std::mem::replace(conn, memory));
            }
            for suffix in ["", "-wal", "-shm", "-journal"] {
                let mut p = self.path.clone().into_os_string();
                p.push(suffix);
                let _ = std::fs::remove_file(p);
            }
        } else {
            stats::flush();
        }
    }
}

#[cfg(unix)]
fn restrict_permissions(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600));
}

#[cfg(not(unix))]
fn restrict_permissions(_path: &Path) {}

fn is_query(action: &str) -> bool {
    action.starts_with("Describe") || action.starts_with("List")
}

/// The answer already given to `token` for `action`, if any.
fn token_answer(
    ctx: &Ctx<'_>,
    token: &str,
    action: &str,
    params: &Params,
) -> Result<Option<Value>, CloudError> {
    let row: Option<(String, String)> = ctx
        .db()
        .query_row(
            "SELECT params, response FROM tokens WHERE token = ?1 AND action = ?2",
            params![token, action],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()
        .map_err(db_error)?;
    let Some((sent, response)) = row else {
        return Ok(None);
    };
    // A token reused with other parameters is a new request (the engine may derive tokens per
    // resource; refusing would turn a harmless reuse into a failure).
    if sent != serde_json::to_string(params).unwrap_or_default() {
        return Ok(None);
    }
    Ok(serde_json::from_str(&response).ok())
}

fn save_token(
    ctx: &Ctx<'_>,
    token: &str,
    action: &str,
    params: &Params,
    response: &Value,
) -> Result<(), CloudError> {
    ctx.db()
        .execute(
            "INSERT OR REPLACE INTO tokens(token, action, params, response) VALUES (?1, ?2, ?3, ?4)",
            params![
                token,
                action,
                serde_json::to_string(params).unwrap_or_default(),
                response.to_string()
            ],
        )
        .map_err(db_error)?;
    Ok(())
}

/// DescribeClientToken (eipform extension): what the call made with `ClientToken` did.
fn describe_token(ctx: &Ctx<'_>, params: &Params) -> Result<Value, CloudError> {
    let token = crate::cloud::required(params, "ClientToken")?;
    let action = optional(params, "Action");
    let row: Option<(String, String, String)> = ctx
        .db()
        .query_row(
            "SELECT action, params, response FROM tokens WHERE token = ?1 AND (?2 IS NULL OR action = ?2) ORDER BY action LIMIT 1",
            params![token, action],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()
        .map_err(db_error)?;
    Ok(eip::answer(match row {
        Some((action, sent, response)) => json!({
            "Found": true,
            "Action": action,
            "Params": serde_json::from_str::<Value>(&sent).unwrap_or(Value::Null),
            "Response": serde_json::from_str::<Value>(&response).unwrap_or(Value::Null),
        }),
        None => json!({"Found": false}),
    }))
}

/// The EIP family's actions; `None` for actions (or resource types) it does not own.
fn family(ctx: &mut Ctx<'_>, action: &str, p: &Params) -> Option<Result<Value, CloudError>> {
    let out = match action {
        "AllocateEipAddress" | "AllocateEipAddressPro" => eip::allocate(ctx, p),
        "DescribeEipAddresses" => eip::describe(ctx, p),
        "ModifyEipAddressAttribute" => eip::modify(ctx, p),
        "ModifyEipForwardMode" => eip::forward_mode(ctx, p),
        "SetHighDefinitionMonitorLogStatus" => eip::set_hd_monitor(ctx, p),
        "DescribeHighDefinitionMonitorLogAttribute" => eip::describe_hd_monitor(ctx, p),
        "ReleaseEipAddress" => eip::release(ctx, p),
        "AssociateEipAddress" => association::associate(ctx, p),
        "UnassociateEipAddress" => association::unassociate(ctx, p),
        "AllocateEipSegmentAddress" => segment::allocate(ctx, p),
        "DescribeEipSegment" => segment::describe(ctx, p),
        "ReleaseEipSegmentAddress" => segment::release(ctx, p),
        "CreatePublicIpAddressPool" => pool::create(ctx, p),
        "ListPublicIpAddressPools" => pool::list(ctx, p),
        "UpdatePublicIpAddressPoolAttribute" => pool::update(ctx, p),
        "DeletePublicIpAddressPool" => pool::delete(ctx, p),
        "AddPublicIpAddressPoolCidrBlock" => pool::add_cidr(ctx, p),
        "ListPublicIpAddressPoolCidrBlocks" => pool::list_cidrs(ctx, p),
        "DeletePublicIpAddressPoolCidrBlock" => pool::delete_cidr(ctx, p),
        "DescribeClientToken" => describe_token(ctx, p),
        "DeletionProtection" => return eip::deletion_protection(ctx, p),
        "ModifyInstanceChargeType" => return eip::modify_charge_type(ctx, p),
        "TagResources" => return tags::tag(ctx, p),
        "UnTagResources" => return tags::untag(ctx, p),
        "ListTagResources" => return tags::list(ctx, p),
        "MoveResourceGroup" => return tags::move_group(ctx, p),
        _ => return None,
    };
    Some(out)
}

/// Routes an action to the family that implements it: the EIP family first (with client-token
/// idempotency), then the association targets.
pub(crate) fn dispatch(
    ctx: &mut Ctx<'_>,
    action: &str,
    params: &Params,
) -> Result<Value, CloudError> {
    eip::settle_due(ctx)?;
    let token = optional(params, "ClientToken").filter(|_| !is_query(action));
    if let Some(t) = token
        && let Some(previous) = token_answer(ctx, t, action, params)?
    {
        return Ok(previous);
    }
    if let Some(result) = family(ctx, action, params) {
        let out = result?;
        if let Some(t) = token {
            save_token(ctx, t, action, params, &out)?;
        }
        return Ok(out);
    }
    if let Some(result) = targets::dispatch(ctx, action, params) {
        return result;
    }
    Err(CloudError::new(
        "InvalidAction.NotFound",
        format!("The specified action {action} is not supported by the simulated cloud."),
    )
    .status(404))
}

#[cfg(test)]
mod scratch_tests {
    use super::*;

    #[test]
    fn scratch_copies_of_dead_processes_are_removed_on_open() {
        let dir = tempfile::tempdir().unwrap();
        let world = dir.path().join("cloud.db");
        let dead = dir.path().join(".cloud.db.scratch-999999999-0");
        let mine = dir
            .path()
            .join(format!(".cloud.db.scratch-{}-7", std::process::id()));
        std::fs::write(&dead, "x").unwrap();
        std::fs::write(&mine, "x").unwrap();
        let cloud = SimCloud::open_with_faults(&world, None).unwrap();
        assert!(!dead.exists(), "a dead process's copy is removed");
        assert!(mine.exists(), "a live process's copy is kept");
        // A scratch session's own copy is gone once it ends.
        let scratch = cloud.scratch().unwrap();
        let copies = || {
            std::fs::read_dir(dir.path())
                .unwrap()
                .filter(|e| {
                    e.as_ref()
                        .unwrap()
                        .file_name()
                        .to_string_lossy()
                        .contains(".scratch-")
                })
                .count()
        };
        assert_eq!(copies(), 2);
        drop(scratch);
        assert_eq!(copies(), 1);
    }
}
