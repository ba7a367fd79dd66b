//! The simulated Alibaba Cloud: every API action of the EIP product (and the VPC, ECS, NAT, CLB,
//! HAVIP calls its targets need) over a world kept in its own SQLite file.
//!
//! Each call runs in one SQLite savepoint: a call that fails changes nothing. On the world, calls
//! that run close together share one transaction, committed once for the batch before any of
//! them answers (`batch`, group commit); query actions run on read connections beside the writer
//! when nothing can be due (`readers`). Rules are checked
//! inside the actions, where the real cloud checks them, and fail with Alibaba's error codes
//! (see `rules/`). A scratch session (`CloudApi::scratch`) works on a copy of the world (SQLite's
//! backup API into a private temporary database, gone when the session ends) inside a
//! transaction that is never committed: plan runs its planned actions there, without waiting for
//! or blocking an apply.
//!
//! Cost per call: every statement is prepared once per connection (the statement cache, with
//! SQLite's query planner stability guarantee so that cached plans are not discarded), the
//! call's savepoint is opened and closed through cached statements, and settling finished
//! transitions (`eip::settle_due`) reads nothing while nothing can be due.
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
mod answer_text;
pub mod association;
mod batch;
pub mod clock;
pub mod eip;
pub mod faults;
pub mod pool;
mod readers;
pub mod regions;
pub mod rules;
pub mod segment;
pub mod stats;
pub mod store;
pub mod tags;
pub mod targets;
#[cfg(test)]
mod tests;

use std::cell::Cell;
use std::path::{Path, PathBuf};

use rusqlite::config::DbConfig;
use rusqlite::{Connection, OptionalExtension, params};
use serde_json::{Value, json};

use super::{CloudApi, CloudError, Params, optional};
use crate::checkpointer::{Checkpointer, RESTART_PAGES};
pub use faults::Faults;
pub use store::{Ctx, Obj};

/// The simulated cloud, backed by one SQLite file.
pub struct SimCloud {
    /// The world's checkpoints (see [`Checkpointer`]); declared first so that it stops (and
    /// leaves the log short) before the connections close.
    _checkpointer: Option<Checkpointer>,
    /// The writing connection: group commit on the world, a plain lock on a scratch copy.
    writer: batch::Writer,
    /// Read connections for query actions (the world only).
    readers: Option<readers::Readers>,
    path: PathBuf,
    backing: Backing,
    faults: Option<Faults>,
}

/// The connection and what it remembers between calls.
struct Session {
    conn: Connection,
    transitions: Cell<store::Transitions>,
    /// What the calls of the open batch read of `meta` (a scratch copy: of the session).
    meta: store::MetaCache,
    /// Group commit's state (the world only; a scratch copy's transaction is never committed).
    batch: batch::Batch,
}

impl Session {
    /// Runs `f` as one call in its own savepoint with a fresh [`Ctx`], releasing the savepoint
    /// only when `f` succeeds.
    fn run_call<T>(
        &self,
        f: impl FnOnce(&mut Ctx<'_>) -> Result<T, CloudError>,
    ) -> Result<T, CloudError> {
        let out = CallScope::begin(&self.conn).and_then(|call| {
            let mut ctx = Ctx::new(&self.conn, &self.transitions, &self.meta);
            let out = f(&mut ctx)?;
            call.commit()?;
            Ok(out)
        });
        if out.is_err() {
            self.forget();
        }
        out
    }

    /// Forgets what the session's calls learnt: a rolled-back call or batch may have undone
    /// `eip::settle_due`'s work or a `meta` change, and between batches another process may
    /// change the world, so the next call looks again.
    fn forget(&self) {
        self.transitions.set(store::Transitions::default());
        self.meta.borrow_mut().clear();
    }
}

/// Whether a [`SimCloud`] is the world or a scratch copy of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Backing {
    /// The world itself.
    World,
    /// A scratch copy: a private temporary database (an unlinked file SQLite deletes when the
    /// copy is closed, so nothing is left behind even when the process is killed), inside one
    /// transaction that is never committed.
    Scratch,
}

use store::db_error;

/// The prepared-statement cache of each connection: every statement the actions use, with room
/// to spare (an evicted statement is parsed again on its next use).
const STATEMENT_CACHE: usize = 256;

/// Settings of every connection to a world or a copy of it: the statement cache, and SQLite's
/// query planner stability guarantee. Without the guarantee SQLite marks a statement whose plan
/// could depend on a bound value (`LIMIT ?`, `x = ?` beside an index on other terms) for
/// re-preparing, and the statement cache's clearing of the bindings then discards its plan:
/// every cached use of such a statement was parsed and planned again. And none checkpoints or
/// removes the log when it closes ([`crate::checkpointer::keep_log`]).
fn configure(conn: &Connection) -> rusqlite::Result<()> {
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true)?;
    crate::checkpointer::keep_log(conn)
}

/// Log pages (4 KB) that start a checkpoint of the world in the background.
const CHECKPOINT_PAGES: i32 = 1024;

impl SimCloud {
    /// Opens (creating if needed, mode 0600) the world at `path`, with the faults of
    /// `EIPFORM_SIM_FAULTS` (see [`faults`]).
    pub fn open(path: &Path) -> Result<SimCloud, CloudError> {
        Self::open_with_faults(path, Faults::from_env()?)
    }

    /// Opens the world at `path` with explicit fault injection (`None`: no faults).
    ///
    /// Durability: the world is in WAL mode with `synchronous = NORMAL`. Every call is committed
    /// to the log before it answers, so a process killed at any moment leaves the world at a
    /// call boundary; only an operating-system crash can lose the last calls.
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
        let mut conn = Connection::open(path).map_err(db_error)?;
        if fresh {
            restrict_permissions(path);
        }
        conn.busy_timeout(std::time::Duration::from_secs(30))
            .map_err(db_error)?;
        configure(&conn).map_err(db_error)?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(db_error)?;
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(db_error)?;
        conn.pragma_update(None, "temp_store", "MEMORY")
            .map_err(db_error)?;
        // Before the migration: a new world's first commits are its tables, and the
        // checkpointer must see them to leave no committed frame in the kept log.
        let checkpointer = Checkpointer::attach(&mut conn, path, CHECKPOINT_PAGES, RESTART_PAGES)
            .map_err(db_error)?;
        store::migrate(&conn).map_err(db_error)?;
        let mut sim = SimCloud::new(conn, path.to_path_buf(), Backing::World, faults);
        sim._checkpointer = Some(checkpointer);
        Ok(sim)
    }

    fn new(conn: Connection, path: PathBuf, backing: Backing, faults: Option<Faults>) -> SimCloud {
        SimCloud {
            _checkpointer: None,
            writer: batch::Writer::new(Session {
                conn,
                transitions: Cell::new(store::Transitions::default()),
                meta: store::MetaCache::default(),
                batch: batch::Batch::default(),
            }),
            readers: (backing == Backing::World).then(|| readers::Readers::new(&path)),
            path,
            backing,
            faults,
        }
    }

    /// The file the world lives in (for a scratch session: the world it copied).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs `f` as one call: in its own savepoint with a fresh [`Ctx`], kept only when `f`
    /// succeeds. On the world it returns once the call's effects are committed (see `batch`).
    pub fn with_ctx<T>(
        &self,
        f: impl FnOnce(&mut Ctx<'_>) -> Result<T, CloudError>,
    ) -> Result<T, CloudError> {
        match self.backing {
            Backing::World => self.writer.call(f),
            Backing::Scratch => self.writer.lock().run_call(f),
        }
    }
}

/// One call's savepoint, opened and closed through cached statements (rusqlite's `Savepoint`
/// parses its SQL on every use). It nests in the batch's transaction (the world) or in the
/// session's never-committed one (a scratch copy). Dropped without
/// [`CallScope::commit`] (an error, or a panic), it rolls the call back.
struct CallScope<'c> {
    conn: &'c Connection,
    open: bool,
}

impl<'c> CallScope<'c> {
    fn begin(conn: &'c Connection) -> Result<CallScope<'c>, CloudError> {
        run_cached(conn, "SAVEPOINT call").map_err(db_error)?;
        Ok(CallScope { conn, open: true })
    }

    fn commit(mut self) -> Result<(), CloudError> {
        run_cached(self.conn, "RELEASE call").map_err(db_error)?;
        self.open = false;
        Ok(())
    }
}

impl Drop for CallScope<'_> {
    fn drop(&mut self) {
        if self.open {
            let _ = run_cached(self.conn, "ROLLBACK TO call");
            let _ = run_cached(self.conn, "RELEASE call");
        }
    }
}

fn run_cached(conn: &Connection, sql: &str) -> rusqlite::Result<()> {
    conn.prepare_cached(sql)?.execute([]).map(|_| ())
}

impl CloudApi for SimCloud {
    fn call(&self, action: &str, params: &Params) -> Result<Value, CloudError> {
        self.before_call(action)?;
        self.answer(action, params)
    }

    fn call_text(&self, action: &str, params: &Params) -> Result<String, CloudError> {
        self.before_call(action)?;
        let copied = self.read_beside(action, |ctx| match action {
            "DescribeEipAddresses" => answer_text::describe_eips(ctx, params),
            _ => Ok(None),
        });
        match copied {
            Some(out) => out,
            None => self.answer(action, params).map(|v| v.to_string()),
        }
    }

    fn scratch(&self) -> Result<Box<dyn CloudApi>, CloudError> {
        Ok(Box::new(self.scratch_copy()?))
    }

    /// A read here is work for this machine's cores, on one of at most [`readers::MAX_READERS`]
    /// connections: a thread per read beyond that only waits, and costs memory of its own (a
    /// no-op plan of 10,000 resources read on 10 threads instead of 2 took 14 % longer and
    /// faulted in 17 % more pages). With injected latency reads wait like remote ones.
    fn read_concurrency(&self) -> Option<usize> {
        if self.faults.as_ref().is_some_and(Faults::has_latency) {
            return None;
        }
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        Some(cores.min(readers::MAX_READERS))
    }

    fn prepare_reads(&self) {
        if let (Some(readers), Some(n)) = (&self.readers, self.read_concurrency()) {
            readers.prepare(n);
        }
    }
}

impl SimCloud {
    /// What every call goes through first: the call counts, injected latency and faults (before
    /// the connection lock and before the action runs).
    fn before_call(&self, action: &str) -> Result<(), CloudError> {
        if self.backing == Backing::World {
            stats::count(action);
        }
        match &self.faults {
            Some(f) => f.before_call(action),
            None => Ok(()),
        }
    }

    /// Runs query `action` as `f` on a read connection beside the writer when nothing can be
    /// due; `None` when it must go through the writer (or `f` answered `Ok(None)`).
    fn read_beside<T>(
        &self,
        action: &str,
        f: impl FnOnce(&mut Ctx<'_>) -> Result<Option<T>, CloudError>,
    ) -> Option<Result<T, CloudError>> {
        if !is_query(action) {
            return None;
        }
        self.readers.as_ref()?.run(|ctx| {
            if !eip::nothing_due(ctx)? {
                return Ok(None);
            }
            f(ctx)
        })
    }

    /// Runs `action` once [`SimCloud::before_call`] let it through.
    fn answer(&self, action: &str, params: &Params) -> Result<Value, CloudError> {
        if let Some(out) = self.read_beside(action, |ctx| {
            route(ctx, action, params, Tokens::Kept).map(Some)
        }) {
            return out;
        }
        match self.backing {
            Backing::World => self.writer.call_api(action, params),
            Backing::Scratch => {
                self.with_ctx(|ctx| dispatch_with(ctx, action, params, Tokens::Skipped))
            }
        }
    }

    /// A scratch session over a copy of the world (see [`CloudApi::scratch`]), taken in one read
    /// transaction: plan's rehearsal neither waits for nor blocks an apply running at the same
    /// time, and cannot reach the real world. The copy keeps SQLite's default page cache
    /// (2 MiB): what the rehearsal adds spills to the temporary file instead of growing plan's
    /// memory with the world.
    fn scratch_copy(&self) -> Result<SimCloud, CloudError> {
        let copy = Connection::open("").map_err(db_error)?;
        // From a read connection when there is one: it sees only committed calls (the writer's
        // open batch holds effects not answered yet), and copying does not hold up the writer.
        match self.readers.as_ref().and_then(|r| r.take().map(|c| (r, c))) {
            Some((readers, reader)) => {
                let copied = copy_database(reader.conn(), &copy);
                readers.give_back(reader);
                copied.map_err(db_error)?;
            }
            None => copy_database(&self.writer.lock().conn, &copy).map_err(db_error)?,
        }
        configure(&copy).map_err(db_error)?;
        copy.execute_batch("PRAGMA synchronous = OFF; PRAGMA temp_store = MEMORY; BEGIN")
            .map_err(db_error)?;
        Ok(SimCloud::new(
            copy,
            self.path.clone(),
            Backing::Scratch,
            None,
        ))
    }
}

/// Copies database `from` into the empty database `to` with SQLite's online backup API, page by
/// page in one step (one read transaction on `from`).
fn copy_database(from: &Connection, to: &Connection) -> rusqlite::Result<()> {
    use rusqlite::ffi;
    // SAFETY: both handles belong to live connections borrowed for the whole function and used
    // by nothing else meanwhile (`from` is behind the session's lock or taken from the read pool,
    // `to` is the caller's own);
    // the backup object is finished before returning, and the names are NUL-terminated literals.
    unsafe {
        let dst = to.handle();
        let backup =
            ffi::sqlite3_backup_init(dst, c"main".as_ptr(), from.handle(), c"main".as_ptr());
        if backup.is_null() {
            let code = ffi::sqlite3_errcode(dst);
            return Err(rusqlite::Error::SqliteFailure(
                ffi::Error::new(code),
                Some("cannot start copying the world".to_string()),
            ));
        }
        let step = ffi::sqlite3_backup_step(backup, -1);
        let finish = ffi::sqlite3_backup_finish(backup);
        let code = if step == ffi::SQLITE_DONE {
            finish
        } else {
            step
        };
        if code != ffi::SQLITE_OK {
            return Err(rusqlite::Error::SqliteFailure(
                ffi::Error::new(code),
                Some("cannot copy the world".to_string()),
            ));
        }
    }
    Ok(())
}

/// Deletes scratch copies left beside `world` by processes that died during a plan (their pid,
/// part of the file name, is gone). Scratch copies are no longer made there (they are private
/// temporary databases), but worlds may still hold copies from earlier versions.
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

impl Drop for SimCloud {
    fn drop(&mut self) {
        if self.backing == Backing::World {
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
    ctx.execute(
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
    dispatch_with(ctx, action, params, Tokens::Kept)
}

/// [`dispatch`], keeping or skipping client-token records.
fn dispatch_with(
    ctx: &mut Ctx<'_>,
    action: &str,
    params: &Params,
    tokens: Tokens,
) -> Result<Value, CloudError> {
    eip::settle_due(ctx)?;
    route(ctx, action, params, tokens)
}

/// Whether a call's `ClientToken` answers a retried call with the first answer.
#[derive(Clone, Copy, PartialEq)]
enum Tokens {
    Kept,
    /// A scratch copy's calls: the caller is in this process and the copy injects no faults,
    /// so no answer is ever lost and retried for. Recording each call's parameters and answer
    /// was a seventh of the rehearsal's work.
    Skipped,
}

/// [`dispatch`] without settling due transitions first (the caller has made sure none is due).
fn route(
    ctx: &mut Ctx<'_>,
    action: &str,
    params: &Params,
    tokens: Tokens,
) -> Result<Value, CloudError> {
    let token =
        optional(params, "ClientToken").filter(|_| tokens == Tokens::Kept && !is_query(action));
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
        // A scratch session leaves no file beside the world, during or after.
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
        let scratch = cloud.scratch().unwrap();
        assert_eq!(copies(), 1);
        drop(scratch);
        assert_eq!(copies(), 1);
    }

    #[test]
    fn reads_are_worth_making_at_once_up_to_the_cores_unless_they_wait_out_a_latency() {
        let dir = tempfile::tempdir().unwrap();
        let world = dir.path().join("cloud.db");
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let local = SimCloud::open_with_faults(&world, None).unwrap();
        assert_eq!(
            local.read_concurrency(),
            Some(cores.min(readers::MAX_READERS))
        );
        drop(local);
        let slow =
            SimCloud::open_with_faults(&world, Faults::parse("latency=1ms").unwrap()).unwrap();
        assert_eq!(slow.read_concurrency(), None);
        let faulty =
            SimCloud::open_with_faults(&world, Faults::parse("throttle=0.1").unwrap()).unwrap();
        assert!(faulty.read_concurrency().is_some());
    }

    #[test]
    fn preparing_reads_opens_the_read_connections_a_refresh_uses() {
        let dir = tempfile::tempdir().unwrap();
        let cloud = SimCloud::open_with_faults(&dir.path().join("cloud.db"), None).unwrap();
        let eip = cloud.call("AllocateEipAddress", &region()).unwrap();
        let readers = cloud.readers.as_ref().unwrap();
        assert_eq!(readers.idle(), 0);
        cloud.prepare_reads();
        let n = cloud.read_concurrency().unwrap();
        assert_eq!(readers.idle(), n);
        // The reads take the prepared connections instead of opening more.
        let id = eip["AllocationId"].as_str().unwrap();
        let mut p = region();
        p.insert("AllocationId".into(), id.into());
        let answer = cloud.call_text("DescribeEipAddresses", &p).unwrap();
        assert!(answer.contains(id), "{answer}");
        assert_eq!(readers.idle(), n);
        assert_eq!(readers.opened(), n);
    }

    fn region() -> Params {
        let mut p = Params::new();
        p.insert("RegionId".into(), "cn-hangzhou".into());
        p
    }

    /// A scratch copy sees the world, keeps its own changes, rolls back a failed call like the
    /// world does, and leaves the world as it was.
    #[test]
    fn scratch_copy_sees_the_world_and_changes_only_itself() {
        let dir = tempfile::tempdir().unwrap();
        let cloud = SimCloud::open_with_faults(&dir.path().join("cloud.db"), None).unwrap();
        let first = cloud.call("AllocateEipAddress", &region()).unwrap();
        let before = admin::dump(&cloud).unwrap();
        let probe = |c: &SimCloud| {
            let failed: Result<(), CloudError> = c.with_ctx(|ctx| {
                ctx.set_meta("probe", "1")?;
                ctx.new_id("eip-")?;
                Err(CloudError::new("Probe", "fails after writing"))
            });
            assert_eq!(failed.unwrap_err().code, "Probe");
            assert_eq!(c.with_ctx(|ctx| ctx.meta("probe")).unwrap(), None);
        };
        probe(&cloud);
        assert_eq!(before, admin::dump(&cloud).unwrap());
        let scratch = cloud.scratch_copy().unwrap();
        let seen = scratch.call("DescribeEipAddresses", &region()).unwrap();
        assert_eq!(seen["TotalCount"], 1, "the copy holds the world");
        assert_eq!(
            seen["EipAddresses"]["EipAddress"][0]["AllocationId"],
            first["AllocationId"]
        );
        let second = scratch.call("AllocateEipAddress", &region()).unwrap();
        assert_ne!(second["AllocationId"], first["AllocationId"]);
        probe(&scratch);
        let third = scratch.call("AllocateEipAddress", &region()).unwrap();
        let id = third["AllocationId"].as_str().unwrap();
        assert!(id.ends_with("00000003"), "{id}");
        let seen = scratch.call("DescribeEipAddresses", &region()).unwrap();
        assert_eq!(seen["TotalCount"], 3);
        drop(scratch);
        assert_eq!(before, admin::dump(&cloud).unwrap());
        assert_eq!(
            cloud.call("DescribeEipAddresses", &region()).unwrap()["TotalCount"],
            1
        );
    }

    /// The world answers a call retried with its client token with the first answer; a
    /// scratch copy, whose answers are never lost, records no tokens.
    #[test]
    fn only_the_world_keeps_client_tokens() {
        let dir = tempfile::tempdir().unwrap();
        let cloud = SimCloud::open_with_faults(&dir.path().join("cloud.db"), None).unwrap();
        let mut p = region();
        p.insert("ClientToken".into(), "token-1".into());
        let tokens = |c: &SimCloud| {
            c.with_ctx(|ctx| {
                ctx.query_row("SELECT count(*) FROM tokens", [], |r| r.get::<_, i64>(0))
                    .map_err(db_error)
            })
            .unwrap()
        };
        let first = cloud.call("AllocateEipAddress", &p).unwrap();
        let again = cloud.call("AllocateEipAddress", &p).unwrap();
        assert_eq!(again["AllocationId"], first["AllocationId"]);
        assert_eq!(tokens(&cloud), 1);
        let scratch = cloud.scratch_copy().unwrap();
        let mut q = region();
        q.insert("ClientToken".into(), "token-2".into());
        let made = scratch.call("AllocateEipAddress", &q).unwrap();
        assert_ne!(made["AllocationId"], first["AllocationId"]);
        assert_eq!(
            tokens(&scratch),
            1,
            "the copy holds the world's token and adds none"
        );
    }
}
