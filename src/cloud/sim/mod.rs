//! The simulated Alibaba Cloud: every API action of the EIP product (and the VPC, ECS, NAT, CLB,
//! HAVIP calls its targets need) over a world kept in its own SQLite file.
//!
//! Each call runs in one SQLite savepoint: a call that fails changes nothing. Rules are checked
//! inside the actions, where the real cloud checks them, and fail with Alibaba's error codes
//! (see `rules/`). A [`SimCloud::scratch`] session opens a second connection inside a transaction
//! that is never committed: plan runs its planned actions there.
//!
//! Layout: `store` (objects table and the per-call [`Ctx`]), one file per family of actions.

pub mod store;
pub mod targets;

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use rusqlite::Connection;
use serde_json::Value;

use super::{CloudApi, CloudError, Params};
pub use store::{Ctx, Obj};

/// The simulated cloud, backed by one SQLite file.
pub struct SimCloud {
    conn: Mutex<Connection>,
    path: PathBuf,
    scratch: bool,
}

fn db_error(e: rusqlite::Error) -> CloudError {
    CloudError::new("InternalError", format!("simulated cloud storage: {e}")).status(500)
}

impl SimCloud {
    /// Opens (creating if needed, mode 0600) the world at `path`.
    pub fn open(path: &Path) -> Result<SimCloud, CloudError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| {
                CloudError::new("InternalError", format!("cannot create {}: {e}", dir.display()))
            })?;
        }
        let fresh = !path.exists();
        let conn = Connection::open(path).map_err(db_error)?;
        if fresh {
            restrict_permissions(path);
        }
        conn.busy_timeout(std::time::Duration::from_secs(30)).map_err(db_error)?;
        conn.pragma_update(None, "journal_mode", "WAL").map_err(db_error)?;
        conn.pragma_update(None, "synchronous", "NORMAL").map_err(db_error)?;
        store::migrate(&conn).map_err(db_error)?;
        Ok(SimCloud {
            conn: Mutex::new(conn),
            path: path.to_path_buf(),
            scratch: false,
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
        drop(ctx);
        sp.commit().map_err(db_error)?;
        Ok(out)
    }
}

impl CloudApi for SimCloud {
    fn call(&self, action: &str, params: &Params) -> Result<Value, CloudError> {
        self.with_ctx(|ctx| dispatch(ctx, action, params))
    }

    fn scratch(&self) -> Result<Box<dyn CloudApi>, CloudError> {
        let conn = Connection::open(&self.path).map_err(db_error)?;
        conn.busy_timeout(std::time::Duration::from_secs(30)).map_err(db_error)?;
        conn.execute_batch("BEGIN").map_err(db_error)?;
        Ok(Box::new(SimCloud {
            conn: Mutex::new(conn),
            path: self.path.clone(),
            scratch: true,
        }))
    }
}

impl Drop for SimCloud {
    fn drop(&mut self) {
        if self.scratch {
            let conn = self.conn.get_mut().unwrap_or_else(|p| p.into_inner());
            let _ = conn.execute_batch("ROLLBACK");
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

/// Routes an action to the family that implements it.
fn dispatch(ctx: &mut Ctx<'_>, action: &str, params: &Params) -> Result<Value, CloudError> {
    if let Some(result) = targets::dispatch(ctx, action, params) {
        return result;
    }
    #[allow(clippy::match_single_binding)]
    match action {
        _ => Err(CloudError::new(
            "InvalidAction.NotFound",
            format!("The specified action {action} is not supported by the simulated cloud."),
        )
        .status(404)),
    }
}
