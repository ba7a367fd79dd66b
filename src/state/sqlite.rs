//! The SQLite state store (`.eipform/state.db` by default; file mode 0600).
//!
//! Tables: `meta` (lineage, serial), `resources` (one row per instance), `outputs`, and
//! `changes` (every committed change with the serial it belongs to: the history), `intents`
//! (mutating calls announced and not yet settled) and `lock` (at most one row: the holder).

use foldhash::{HashSet, HashSetExt};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

use super::*;
use crate::checkpointer::{Checkpointer, RESTART_PAGES, keep_log};

pub struct SqliteState {
    /// Declared before `conn`: stopped first, it leaves the log short (see `checkpointer`).
    _checkpointer: Option<Checkpointer>,
    conn: Connection,
    path: PathBuf,
    /// Whether this run already bumped the serial.
    bumped: bool,
    /// The command recorded with the changes of this run (`apply`, `destroy`, `state rm`, ...).
    command: String,
}

impl SqliteState {
    /// Opens the state at `path`, creating it (mode 0600, a new lineage) when missing.
    pub fn open(path: &Path) -> Result<SqliteState, StateError> {
        Self::open_with(path, true)
    }

    /// [`Self::open`] for taking the lock of a command that writes the state: what this
    /// connection commits (the lock) is left in the log, for the connection that writes the
    /// command's changes and releases the lock to copy back when it closes (see
    /// `checkpointer`), instead of a checkpoint with its fsyncs of its own.
    pub fn open_to_lock(path: &Path) -> Result<SqliteState, StateError> {
        Self::open_with(path, false)
    }

    fn open_with(path: &Path, checkpoints: bool) -> Result<SqliteState, StateError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| {
                StateError::Storage(format!("cannot create {}: {e}", dir.display()))
            })?;
        }
        let fresh = !path.exists();
        let mut conn = Connection::open(path)?;
        if fresh {
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600));
            }
        }
        conn.busy_timeout(std::time::Duration::from_secs(30))?;
        // Cached statements keep their plans only with the query planner stability guarantee
        // (otherwise a statement whose plan could depend on a bound value is planned again on
        // every use; see `cloud::sim::configure`).
        conn.set_db_config(
            rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG,
            true,
        )?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "journal_size_limit", JOURNAL_SIZE_LIMIT)?;
        keep_log(&conn)?;
        crate::mmap::map_if_small(&conn, path)?;
        // Before the schema is created: a new state's first commits are the schema's, and the
        // checkpointer must see them to leave no committed frame in the kept log.
        let checkpointer = checkpoints
            .then(|| Checkpointer::attach(&mut conn, path, CHECKPOINT_PAGES, RESTART_PAGES))
            .transpose()?;
        create_schema(&conn)?;
        Ok(SqliteState {
            _checkpointer: checkpointer,
            conn,
            path: path.to_path_buf(),
            bumped: false,
            command: "apply".into(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Names the command recorded with this run's changes.
    pub fn set_command(&mut self, command: &str) {
        self.command = command.to_string();
    }

    /// Starts a new run: the next change gets a serial of its own, recorded with `command`
    /// (reconciliation and the apply that follows it are two entries of the history).
    pub fn start_run(&mut self, command: &str) {
        self.bumped = false;
        self.command = command.to_string();
    }

    /// The cloud id recorded for `addr`, without decoding the whole record.
    pub fn id_of(&self, addr: &ResourceAddress) -> Option<String> {
        self.conn
            .prepare_cached("SELECT json_extract(body, '$.id') FROM resources WHERE address = ?1")
            .and_then(|mut s| {
                s.query_row(params![addr.to_string()], |r| r.get::<_, Option<String>>(0))
                    .optional()
            })
            .ok()
            .flatten()
            .flatten()
    }

    pub fn connection(&self) -> &Connection {
        &self.conn
    }

    /// Runs `f` in one immediate transaction, bumping the serial on the run's first change.
    fn write(
        &mut self,
        f: impl FnOnce(&rusqlite::Transaction<'_>, u64) -> rusqlite::Result<()>,
    ) -> Result<(), StateError> {
        self.write_if(true, f)
    }

    /// [`Self::write`]; with `changes` false (only intents are written) the serial is not
    /// bumped.
    fn write_if(
        &mut self,
        changes: bool,
        f: impl FnOnce(&rusqlite::Transaction<'_>, u64) -> rusqlite::Result<()>,
    ) -> Result<(), StateError> {
        let bump = changes && !self.bumped;
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        if bump {
            tx.prepare_cached(
                "UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'serial'",
            )?
            .execute([])?;
        }
        let serial: u64 = tx
            .prepare_cached("SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'serial'")?
            .query_row([], |r| r.get::<_, i64>(0))? as u64;
        f(&tx, serial)?;
        tx.commit()?;
        self.bumped |= bump;
        Ok(())
    }

    fn log(
        tx: &rusqlite::Transaction<'_>,
        serial: u64,
        address: &str,
        body: Option<&str>,
        command: &str,
    ) -> rusqlite::Result<()> {
        tx.prepare_cached(
            "INSERT INTO changes(serial, address, body, at, command) VALUES (?1, ?2, ?3, ?4, ?5)",
        )?
        .execute(params![
            serial as i64,
            address,
            body,
            chrono::Utc::now().to_rfc3339(),
            command
        ])?;
        Ok(())
    }
}

/// Log pages (4 KB) that start a checkpoint in the background (see [`Checkpointer`]).
const CHECKPOINT_PAGES: i32 = 1024;
/// The size a restarted log is cut back to: above a log of [`RESTART_PAGES`] (16.9 MB with its
/// frame headers), so that only a log that readers kept from restarting is cut, and a kept log
/// is written over rather than cut and grown again.
const JOURNAL_SIZE_LIMIT: i64 = 20 * 1024 * 1024;

/// The schema of a new state file: each change writes as few pages as possible.
/// - `changes.seq` and `intents.id` are plain rowids: without AUTOINCREMENT no transaction
///   rewrites `sqlite_sequence`. `seq` stays monotonic because no change row is ever deleted
///   (a rowid is the largest plus one); an intent id may be reused only after its intent is
///   gone;
/// - no index on `changes(serial)`: serials grow with `seq`, so the history and snapshots
///   read the log in `seq` order.
///
/// (`resources` stays a rowid table with an index on its address: clustered on the address
/// (`WITHOUT ROWID`), records of over ~1,000 bytes, most of them, each take an overflow page.)
const SCHEMA_LEAN: &str = "
    CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE IF NOT EXISTS resources(
        address TEXT PRIMARY KEY,
        body TEXT NOT NULL
    );
    CREATE TABLE IF NOT EXISTS outputs(name TEXT PRIMARY KEY, value TEXT NOT NULL, sensitive INTEGER NOT NULL);
    CREATE TABLE IF NOT EXISTS changes(
        seq INTEGER PRIMARY KEY,
        serial INTEGER NOT NULL,
        address TEXT NOT NULL,
        body TEXT,
        at TEXT NOT NULL,
        command TEXT NOT NULL
    );
    CREATE TABLE IF NOT EXISTS intents(
        id INTEGER PRIMARY KEY,
        address TEXT NOT NULL,
        action TEXT NOT NULL,
        token TEXT NOT NULL,
        body TEXT NOT NULL,
        at TEXT NOT NULL
    );
    CREATE TABLE IF NOT EXISTS lock(
        name TEXT PRIMARY KEY CHECK (name = 'state'),
        id TEXT NOT NULL,
        body TEXT NOT NULL
    );";

/// The schema state files had before [`SCHEMA_LEAN`]: files created with it keep it (and their
/// history); every statement of the store works on both.
const SCHEMA_V1: &str = "
    CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE IF NOT EXISTS resources(
        address TEXT PRIMARY KEY,
        body TEXT NOT NULL
    );
    CREATE TABLE IF NOT EXISTS outputs(name TEXT PRIMARY KEY, value TEXT NOT NULL, sensitive INTEGER NOT NULL);
    CREATE TABLE IF NOT EXISTS changes(
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        serial INTEGER NOT NULL,
        address TEXT NOT NULL,
        body TEXT,
        at TEXT NOT NULL,
        command TEXT NOT NULL
    );
    CREATE INDEX IF NOT EXISTS changes_by_serial ON changes(serial);
    CREATE TABLE IF NOT EXISTS intents(
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        address TEXT NOT NULL,
        action TEXT NOT NULL,
        token TEXT NOT NULL,
        body TEXT NOT NULL,
        at TEXT NOT NULL
    );
    CREATE TABLE IF NOT EXISTS lock(
        name TEXT PRIMARY KEY CHECK (name = 'state'),
        id TEXT NOT NULL,
        body TEXT NOT NULL
    );";

/// Creates the tables of an empty file ([`SCHEMA_LEAN`]), or completes those of an existing
/// one in its own schema, and the meta rows; one transaction.
fn create_schema(conn: &Connection) -> Result<(), StateError> {
    let existing: i64 = conn.query_row(
        "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'meta'",
        [],
        |r| r.get(0),
    )?;
    if existing > 0 {
        let complete: i64 = conn.query_row(
            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table'
             AND name IN ('resources', 'outputs', 'changes', 'intents', 'lock')",
            [],
            |r| r.get(0),
        )?;
        let meta_rows: i64 = conn.query_row(
            "SELECT COUNT(*) FROM meta WHERE key IN ('lineage', 'serial')",
            [],
            |r| r.get(0),
        )?;
        if complete == 5 && meta_rows == 2 {
            // Nothing to write: opening an existing state starts no write transaction.
            return Ok(());
        }
    }
    conn.execute_batch("BEGIN IMMEDIATE")?;
    let created = (|| -> Result<(), StateError> {
        let empty: i64 = conn.query_row(
            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table'",
            [],
            |r| r.get(0),
        )?;
        conn.execute_batch(if empty == 0 { SCHEMA_LEAN } else { SCHEMA_V1 })?;
        conn.execute(
            "INSERT OR IGNORE INTO meta(key, value) VALUES ('lineage', ?1)",
            params![uuid::Uuid::new_v4().to_string()],
        )?;
        conn.execute(
            "INSERT OR IGNORE INTO meta(key, value) VALUES ('serial', '0')",
            [],
        )?;
        Ok(())
    })();
    match created {
        Ok(()) => Ok(conn.execute_batch("COMMIT")?),
        Err(e) => {
            let _ = conn.execute_batch("ROLLBACK");
            Err(e)
        }
    }
}

fn encode(r: &ResourceState) -> Result<String, StateError> {
    serde_json::to_string(r).map_err(|e| StateError::Invalid(e.to_string()))
}

fn upsert(tx: &rusqlite::Transaction<'_>, address: &str, body: &str) -> rusqlite::Result<()> {
    tx.prepare_cached(
        "INSERT INTO resources(address, body) VALUES (?1, ?2) ON CONFLICT(address) DO UPDATE SET body = excluded.body",
    )?
    .execute(params![address, body])?;
    Ok(())
}

fn remove_row(tx: &rusqlite::Transaction<'_>, address: &str) -> rusqlite::Result<()> {
    tx.prepare_cached("DELETE FROM resources WHERE address = ?1")?
        .execute(params![address])?;
    Ok(())
}

/// A change of a batch, encoded before its transaction starts.
enum Encoded<'a> {
    Put(String, String, &'a [i64], Option<(&'a Intent, String)>),
    Remove(String, &'a [i64]),
    Clear(&'a [i64]),
}

impl<'a> Encoded<'a> {
    fn of(c: &'a Commit) -> Result<Self, StateError> {
        Ok(match c {
            Commit::Put {
                record,
                intents,
                deposed,
            } => Encoded::Put(
                record.addr.to_string(),
                encode(record)?,
                intents,
                deposed
                    .as_deref()
                    .map(|d| Ok::<_, StateError>((d, encode_intent(d)?)))
                    .transpose()?,
            ),
            Commit::Remove { addr, intents } => Encoded::Remove(addr.to_string(), intents),
            Commit::Clear { intents } => Encoded::Clear(intents),
        })
    }
}

fn clear(tx: &rusqlite::Transaction<'_>, intents: &[i64]) -> rusqlite::Result<()> {
    let mut delete = tx.prepare_cached("DELETE FROM intents WHERE id = ?1")?;
    for id in intents {
        delete.execute(params![id])?;
    }
    Ok(())
}

fn encode_intent(intent: &Intent) -> Result<String, StateError> {
    serde_json::to_string(intent).map_err(|e| StateError::Invalid(e.to_string()))
}

fn insert_intent(conn: &Connection, intent: &Intent) -> Result<i64, StateError> {
    Ok(insert_encoded_intent(
        conn,
        intent,
        &encode_intent(intent)?,
    )?)
}

/// Inserts `intent` (its body already encoded); returns its id.
fn insert_encoded_intent(conn: &Connection, intent: &Intent, body: &str) -> rusqlite::Result<i64> {
    conn.prepare_cached(
        "INSERT INTO intents(address, action, token, body, at) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![
        intent.addr.to_string(),
        intent.action.as_str(),
        intent.client_token,
        body,
        chrono::Utc::now().to_rfc3339()
    ])?;
    Ok(conn.last_insert_rowid())
}

fn decode_outputs(body: Option<&str>) -> Vec<OutputState> {
    body.and_then(|b| serde_json::from_str(b).ok())
        .unwrap_or_default()
}

/// Decodes the records `next` yields, in order, on two threads: decoding the JSON of 50,000
/// records is most of reading a state, while reading the rows is cheap. The reading thread
/// queues chunks for the second thread and decodes one itself only while the queue is full;
/// once all is read, it takes queued chunks too. So at most a few chunks of raw text are alive
/// at once, and neither thread waits while chunks are left: handing the second thread every
/// other chunk left it idle whenever the reader, sharing two cores with the configuration's
/// load, fell behind with its own.
fn decode_all(
    mut next: impl FnMut() -> Result<Option<String>, StateError>,
) -> Result<Vec<ResourceState>, StateError> {
    use std::sync::mpsc::{TrySendError, sync_channel};
    const CHUNK: usize = 64;
    const QUEUED: usize = 4;
    type Decoded = (usize, Result<Vec<ResourceState>, StateError>);
    let decode_chunk = |bodies: Vec<String>| bodies.iter().map(|b| decode(b)).collect();
    let (to_worker, queue) = sync_channel::<(usize, Vec<String>)>(QUEUED);
    let queue = std::sync::Mutex::new(queue);
    // `None` once the reader is done and the queue empty.
    let take = || queue.lock().unwrap_or_else(|p| p.into_inner()).recv().ok();
    let mut parts: Vec<Decoded> = Vec::new();
    std::thread::scope(|scope| -> Result<(), StateError> {
        let worker = scope.spawn(|| -> Vec<Decoded> {
            std::iter::from_fn(take)
                .map(|(i, bodies)| (i, decode_chunk(bodies)))
                .collect()
        });
        let mut index = 0;
        let mut chunk = Vec::with_capacity(CHUNK);
        let mut read = || -> Result<(), StateError> {
            loop {
                let body = next()?;
                let last = body.is_none();
                chunk.extend(body);
                if chunk.len() == CHUNK || (last && !chunk.is_empty()) {
                    let bodies = std::mem::replace(&mut chunk, Vec::with_capacity(CHUNK));
                    // Full: decoded here. Disconnected: the worker panicked; decoded here too.
                    if let Err(
                        TrySendError::Full((i, bodies)) | TrySendError::Disconnected((i, bodies)),
                    ) = to_worker.try_send((index, bodies))
                    {
                        parts.push((i, decode_chunk(bodies)));
                    }
                    index += 1;
                }
                if last {
                    return Ok(());
                }
            }
        };
        let result = read();
        drop(to_worker);
        if result.is_ok() {
            parts.extend(std::iter::from_fn(take).map(|(i, bodies)| (i, decode_chunk(bodies))));
        }
        match worker.join() {
            Ok(decoded) => parts.extend(decoded),
            Err(_) => {
                return Err(StateError::Invalid(
                    "the thread decoding the state failed".into(),
                ));
            }
        }
        result
    })?;
    parts.sort_unstable_by_key(|(i, _)| *i);
    let total = parts
        .iter()
        .map(|(_, r)| r.as_ref().map_or(0, Vec::len))
        .sum();
    let mut out = Vec::with_capacity(total);
    for (_, records) in parts {
        out.extend(records?);
    }
    Ok(out)
}

fn decode(body: &str) -> Result<ResourceState, StateError> {
    serde_json::from_str(body)
        .map_err(|e| StateError::Invalid(format!("corrupt resource record: {e}")))
}

impl StateStore for SqliteState {
    fn meta(&self) -> Result<StateMeta, StateError> {
        let get = |k: &str| -> Result<String, StateError> {
            Ok(self
                .conn
                .query_row("SELECT value FROM meta WHERE key = ?1", params![k], |r| {
                    r.get(0)
                })?)
        };
        Ok(StateMeta {
            lineage: get("lineage")?,
            serial: get("serial")?
                .parse()
                .map_err(|_| StateError::Invalid("serial is not a number".into()))?,
        })
    }

    fn resources(&self) -> Result<Vec<ResourceState>, StateError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT body FROM resources ORDER BY address")?;
        let mut rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
        decode_all(|| rows.next().transpose().map_err(StateError::from))
    }

    fn get(&self, addr: &ResourceAddress) -> Result<Option<ResourceState>, StateError> {
        let body: Option<String> = self
            .conn
            .query_row(
                "SELECT body FROM resources WHERE address = ?1",
                params![addr.to_string()],
                |r| r.get(0),
            )
            .optional()?;
        body.map(|b| decode(&b)).transpose()
    }

    fn put(&mut self, r: &ResourceState) -> Result<(), StateError> {
        self.commit_put(r, &[], None).map(|_| ())
    }

    fn remove(&mut self, addr: &ResourceAddress) -> Result<(), StateError> {
        self.commit_remove(addr, &[])
    }

    fn put_many(&mut self, rs: &[ResourceState]) -> Result<(), StateError> {
        if rs.is_empty() {
            return Ok(());
        }
        let bodies = rs
            .iter()
            .map(|r| Ok((r.addr.to_string(), encode(r)?)))
            .collect::<Result<Vec<_>, StateError>>()?;
        let command = self.command.clone();
        self.write(|tx, serial| {
            for (address, body) in &bodies {
                upsert(tx, address, body)?;
                Self::log(tx, serial, address, Some(body), &command)?;
            }
            Ok(())
        })
    }

    fn outputs(&self) -> Result<Vec<OutputState>, StateError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT name, value, sensitive FROM outputs ORDER BY name")?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, bool>(2)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (name, value, sensitive) = row?;
            out.push(OutputState {
                name,
                value: serde_json::from_str(&value).unwrap_or(Value::Null),
                sensitive,
            });
        }
        Ok(out)
    }

    fn set_outputs(&mut self, outputs: &[OutputState]) -> Result<(), StateError> {
        if self.outputs()? == outputs {
            return Ok(());
        }
        let command = self.command.clone();
        let outputs = outputs.to_vec();
        self.write(|tx, serial| {
            tx.execute("DELETE FROM outputs", [])?;
            for o in &outputs {
                tx.execute(
                    "INSERT INTO outputs(name, value, sensitive) VALUES (?1, ?2, ?3)",
                    params![o.name, o.value.to_string(), o.sensitive],
                )?;
            }
            Self::log(
                tx,
                serial,
                "outputs",
                Some(&serde_json::to_string(&outputs).unwrap_or_default()),
                &command,
            )
        })
    }

    fn record_intent(&mut self, intent: &Intent) -> Result<i64, StateError> {
        insert_intent(&self.conn, intent)
    }

    fn intents(&self) -> Result<Vec<Intent>, StateError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT id, body, at FROM intents ORDER BY id")?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (id, body, at) = row?;
            let mut intent: Intent = serde_json::from_str(&body)
                .map_err(|e| StateError::Invalid(format!("corrupt intent record {id}: {e}")))?;
            intent.id = id;
            intent.at = at;
            out.push(intent);
        }
        Ok(out)
    }

    fn clear_intent(&mut self, id: i64) -> Result<(), StateError> {
        self.conn
            .prepare_cached("DELETE FROM intents WHERE id = ?1")?
            .execute(params![id])?;
        Ok(())
    }

    fn commit_put(
        &mut self,
        r: &ResourceState,
        intents: &[i64],
        deposed: Option<&Intent>,
    ) -> Result<Option<i64>, StateError> {
        let body = encode(r)?;
        let address = r.addr.to_string();
        let command = self.command.clone();
        let deposed_body = deposed
            .map(|d| serde_json::to_string(d).map_err(|e| StateError::Invalid(e.to_string())))
            .transpose()?;
        let mut deposed_id = None;
        self.write(|tx, serial| {
            upsert(tx, &address, &body)?;
            Self::log(tx, serial, &address, Some(&body), &command)?;
            clear(tx, intents)?;
            if let (Some(d), Some(b)) = (deposed, &deposed_body) {
                deposed_id = Some(insert_encoded_intent(tx, d, b)?);
            }
            Ok(())
        })?;
        Ok(deposed_id)
    }

    fn record_intents(&mut self, intents: &[Intent]) -> Result<Vec<i64>, StateError> {
        Ok(self.commit_and_record(&[], intents)?.1)
    }

    fn commit_batch(&mut self, batch: &[Commit]) -> Result<Vec<Option<i64>>, StateError> {
        Ok(self.commit_and_record(batch, &[])?.0)
    }

    fn commit_and_record(
        &mut self,
        batch: &[Commit],
        intents: &[Intent],
    ) -> Result<(Vec<Option<i64>>, Vec<i64>), StateError> {
        let encoded = batch
            .iter()
            .map(Encoded::of)
            .collect::<Result<Vec<_>, StateError>>()?;
        let bodies = intents
            .iter()
            .map(encode_intent)
            .collect::<Result<Vec<_>, _>>()?;
        let changes = encoded.iter().any(|e| !matches!(e, Encoded::Clear(_)));
        let command = self.command.clone();
        let mut out = Vec::with_capacity(batch.len());
        let mut ids = Vec::with_capacity(intents.len());
        self.write_if(changes, |tx, serial| {
            for e in &encoded {
                out.push(match e {
                    Encoded::Put(address, body, intents, deposed) => {
                        upsert(tx, address, body)?;
                        Self::log(tx, serial, address, Some(body), &command)?;
                        clear(tx, intents)?;
                        deposed
                            .as_ref()
                            .map(|(d, b)| insert_encoded_intent(tx, d, b))
                            .transpose()?
                    }
                    Encoded::Remove(address, intents) => {
                        remove_row(tx, address)?;
                        Self::log(tx, serial, address, None, &command)?;
                        clear(tx, intents)?;
                        None
                    }
                    Encoded::Clear(intents) => {
                        clear(tx, intents)?;
                        None
                    }
                });
            }
            for (intent, body) in intents.iter().zip(&bodies) {
                ids.push(insert_encoded_intent(tx, intent, body)?);
            }
            Ok(())
        })?;
        Ok((out, ids))
    }

    fn commit_remove(&mut self, addr: &ResourceAddress, intents: &[i64]) -> Result<(), StateError> {
        let address = addr.to_string();
        let command = self.command.clone();
        self.write(|tx, serial| {
            remove_row(tx, &address)?;
            Self::log(tx, serial, &address, None, &command)?;
            clear(tx, intents)
        })
    }

    fn lock_info(&self) -> Result<Option<lock::LockInfo>, StateError> {
        let body: Option<String> = self
            .conn
            .query_row("SELECT body FROM lock WHERE name = 'state'", [], |r| {
                r.get(0)
            })
            .optional()?;
        body.map(|b| {
            serde_json::from_str(&b)
                .map_err(|e| StateError::Invalid(format!("corrupt lock record: {e}")))
        })
        .transpose()
    }

    fn try_lock(
        &mut self,
        info: &lock::LockInfo,
        replacing: Option<&str>,
    ) -> Result<Result<(), lock::LockInfo>, StateError> {
        let body = serde_json::to_string(info).map_err(|e| StateError::Invalid(e.to_string()))?;
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let held: Option<(String, String)> = tx
            .query_row("SELECT id, body FROM lock WHERE name = 'state'", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()?;
        if let Some((id, holder)) = held {
            if replacing != Some(id.as_str()) {
                let holder = serde_json::from_str(&holder)
                    .map_err(|e| StateError::Invalid(format!("corrupt lock record: {e}")))?;
                return Ok(Err(holder));
            }
            tx.execute("DELETE FROM lock WHERE name = 'state'", [])?;
        }
        tx.execute(
            "INSERT INTO lock(name, id, body) VALUES ('state', ?1, ?2)",
            params![info.id, body],
        )?;
        tx.commit()?;
        Ok(Ok(()))
    }

    fn unlock(&mut self, id: &str) -> Result<bool, StateError> {
        Ok(self.conn.execute(
            "DELETE FROM lock WHERE name = 'state' AND id = ?1",
            params![id],
        )? > 0)
    }

    fn history(&self) -> Result<Vec<HistoryEntry>, StateError> {
        let mut stmt = self.conn.prepare(
            "SELECT serial, address, body IS NOT NULL, at, command FROM changes ORDER BY seq",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, i64>(0)? as u64,
                r.get::<_, String>(1)?,
                r.get::<_, bool>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
            ))
        })?;
        let mut present: HashSet<String> = HashSet::new();
        // Per serial: addresses seen in it with whether each existed before the serial.
        let mut out: Vec<HistoryEntry> = Vec::new();
        let mut touched: BTreeMap<String, (bool, bool)> = BTreeMap::new();
        let finish = |entry: &mut HistoryEntry, touched: &mut BTreeMap<String, (bool, bool)>| {
            for (existed, exists) in std::mem::take(touched).into_values() {
                match (existed, exists) {
                    (false, true) => entry.added += 1,
                    (true, true) => entry.changed += 1,
                    (true, false) => entry.removed += 1,
                    (false, false) => {}
                }
            }
        };
        for row in rows {
            let (serial, address, has_body, at, command) = row?;
            if out.last().is_none_or(|e| e.serial != serial) {
                if let Some(last) = out.last_mut() {
                    finish(last, &mut touched);
                }
                out.push(HistoryEntry {
                    serial,
                    at: at.clone(),
                    command,
                    added: 0,
                    changed: 0,
                    removed: 0,
                    outputs_changed: false,
                });
            }
            let entry = out.last_mut().expect("pushed above");
            entry.at = at;
            if address == "outputs" {
                entry.outputs_changed = true;
                continue;
            }
            let existed = present.contains(&address);
            let slot = touched.entry(address.clone()).or_insert((existed, existed));
            slot.1 = has_body;
            if has_body {
                present.insert(address);
            } else {
                present.remove(&address);
            }
        }
        if let Some(last) = out.last_mut() {
            finish(last, &mut touched);
        }
        Ok(out)
    }

    fn snapshot(&self, serial: u64) -> Result<Snapshot, StateError> {
        let meta = self.meta()?;
        if serial > meta.serial {
            return Err(StateError::Invalid(format!(
                "serial {serial} does not exist yet: the state is at serial {}",
                meta.serial
            )));
        }
        let mut stmt = self
            .conn
            .prepare("SELECT address, body FROM changes WHERE serial <= ?1 ORDER BY seq")?;
        let rows = stmt.query_map(params![serial as i64], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, Option<String>>(1)?))
        })?;
        let mut resources: BTreeMap<String, String> = BTreeMap::new();
        let mut outputs = Vec::new();
        for row in rows {
            let (address, body) = row?;
            match (address.as_str(), body) {
                ("outputs", body) => outputs = decode_outputs(body.as_deref()),
                (_, Some(b)) => {
                    resources.insert(address, b);
                }
                (_, None) => {
                    resources.remove(&address);
                }
            }
        }
        let mut list = resources
            .values()
            .map(|b| decode(b))
            .collect::<Result<Vec<_>, _>>()?;
        list.sort_by(|a, b| a.addr.cmp(&b.addr));
        Ok(Snapshot {
            lineage: meta.lineage,
            serial,
            resources: list,
            outputs,
        })
    }

    fn replace_all(&mut self, snapshot: &Snapshot) -> Result<u64, StateError> {
        let current = self.meta()?;
        let serial = snapshot.serial.max(current.serial + 1);
        let mut old: BTreeMap<String, String> = BTreeMap::new();
        {
            let mut stmt = self.conn.prepare("SELECT address, body FROM resources")?;
            let rows =
                stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
            for row in rows {
                let (a, b) = row?;
                old.insert(a, b);
            }
        }
        let mut new: BTreeMap<String, String> = BTreeMap::new();
        for r in &snapshot.resources {
            if new.insert(r.addr.to_string(), encode(r)?).is_some() {
                return Err(StateError::Invalid(format!(
                    "the state to push holds {} twice",
                    r.addr
                )));
            }
        }
        let outputs_changed = self.outputs()? != snapshot.outputs;
        let outputs_body = serde_json::to_string(&snapshot.outputs)
            .map_err(|e| StateError::Invalid(e.to_string()))?;
        let command = self.command.clone();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute(
            "UPDATE meta SET value = ?1 WHERE key = 'serial'",
            params![serial.to_string()],
        )?;
        tx.execute(
            "UPDATE meta SET value = ?1 WHERE key = 'lineage'",
            params![snapshot.lineage],
        )?;
        for (address, _) in old.iter().filter(|(a, _)| !new.contains_key(*a)) {
            tx.execute("DELETE FROM resources WHERE address = ?1", params![address])?;
            Self::log(&tx, serial, address, None, &command)?;
        }
        for (address, body) in new.iter().filter(|(a, b)| old.get(*a) != Some(*b)) {
            upsert(&tx, address, body)?;
            Self::log(&tx, serial, address, Some(body), &command)?;
        }
        if outputs_changed {
            tx.execute("DELETE FROM outputs", [])?;
            for o in &snapshot.outputs {
                tx.execute(
                    "INSERT INTO outputs(name, value, sensitive) VALUES (?1, ?2, ?3)",
                    params![o.name, o.value.to_string(), o.sensitive],
                )?;
            }
            Self::log(&tx, serial, "outputs", Some(&outputs_body), &command)?;
        }
        tx.commit()?;
        self.bumped = true;
        Ok(serial)
    }

    fn rename(&mut self, moves: &[(ResourceAddress, ResourceAddress)]) -> Result<(), StateError> {
        let sources: HashSet<&ResourceAddress> = moves.iter().map(|(s, _)| s).collect();
        let mut rows = Vec::with_capacity(moves.len());
        let mut targets = HashSet::new();
        for (src, dst) in moves {
            let Some(mut r) = self.get(src)? else {
                return Err(StateError::Invalid(format!(
                    "no resource {src} in the state"
                )));
            };
            if !targets.insert(dst) || (self.get(dst)?.is_some() && !sources.contains(dst)) {
                return Err(StateError::Invalid(format!(
                    "the state already holds {dst}; remove it first (`eipform state rm {dst}`)"
                )));
            }
            r.addr = dst.clone();
            rows.push((src.to_string(), dst.to_string(), encode(&r)?));
        }
        let command = self.command.clone();
        self.write(|tx, serial| {
            for (from, _, _) in &rows {
                tx.execute("DELETE FROM resources WHERE address = ?1", params![from])?;
                Self::log(tx, serial, from, None, &command)?;
            }
            for (_, to, body) in &rows {
                upsert(tx, to, body)?;
                Self::log(tx, serial, to, Some(body), &command)?;
            }
            Ok(())
        })
    }

    fn forget(&mut self, addrs: &[ResourceAddress]) -> Result<(), StateError> {
        let command = self.command.clone();
        self.write(|tx, serial| {
            for a in addrs {
                let address = a.to_string();
                tx.execute("DELETE FROM resources WHERE address = ?1", params![address])?;
                Self::log(tx, serial, &address, None, &command)?;
            }
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::state::lock::LockInfo;

    fn record(addr: &str, id: &str) -> ResourceState {
        let mut attrs = Attrs::new();
        attrs.insert("id", json!(id));
        ResourceState {
            addr: addr.parse().unwrap(),
            schema_type: "alicloud_vpc".into(),
            provider: "alicloud".into(),
            region: "cn-beijing".into(),
            id: id.into(),
            attrs: attrs.into(),
            deps: Vec::new(),
            create_before_destroy: false,
            sensitive: Vec::new(),
            read: None,
        }
    }

    #[test]
    fn a_new_state_opened_only_to_read_leaves_no_committed_frame_in_its_kept_log() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.db");
        let backup = dir.path().join("backup.db");
        let mut old = SqliteState::open(&backup).unwrap();
        old.put(&record("alicloud_vpc.kept", "vpc-kept")).unwrap();
        drop(old);
        // A new state whose schema is created and then only read (a first `plan`).
        let new = SqliteState::open(&path).unwrap();
        assert!(
            new.get(&"alicloud_vpc.kept".parse().unwrap())
                .unwrap()
                .is_none()
        );
        drop(new);
        assert!(dir.path().join("state.db-wal").exists());
        // A backup copied over it is read as it is: the kept log replays nothing onto it.
        std::fs::copy(&backup, &path).unwrap();
        let restored = SqliteState::open(&path).unwrap();
        let ok: String = restored
            .connection()
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .unwrap();
        assert_eq!(ok, "ok");
        assert!(
            restored
                .get(&"alicloud_vpc.kept".parse().unwrap())
                .unwrap()
                .is_some()
        );
    }

    #[test]
    fn decoding_on_two_threads_keeps_every_record_in_order() {
        let bodies: Vec<String> = (0..1000)
            .map(|i| {
                encode(&record(
                    &format!("alicloud_vpc.v{i:04}"),
                    &format!("vpc-{i}"),
                ))
                .unwrap()
            })
            .collect();
        let mut it = bodies.clone().into_iter();
        let out = decode_all(|| Ok(it.next())).unwrap();
        let ids: Vec<String> = out.iter().map(|r| r.id.clone()).collect();
        let want: Vec<String> = (0..1000).map(|i| format!("vpc-{i}")).collect();
        assert_eq!(ids, want);

        let mut corrupt = bodies;
        corrupt[700] = "{not json".into();
        let mut it = corrupt.into_iter();
        let err = decode_all(|| Ok(it.next())).unwrap_err();
        assert!(err.to_string().contains("corrupt resource record"), "{err}");

        // A read failing after some chunks were queued ends the decoding with that error.
        let mut read = 0;
        let err = decode_all(|| {
            read += 1;
            match read {
                1..=300 => Ok(Some(vpc_record_body(read))),
                _ => Err(StateError::Invalid("disk gone".into())),
            }
        })
        .unwrap_err();
        assert!(err.to_string().contains("disk gone"), "{err}");
    }

    fn vpc_record_body(i: usize) -> String {
        encode(&record(
            &format!("alicloud_vpc.w{i:04}"),
            &format!("vpc-{i}"),
        ))
        .unwrap()
    }

    fn intent(addr: &str, action: IntentAction) -> Intent {
        Intent::sample(addr, action)
    }

    #[test]
    fn commit_clears_the_intent_in_the_same_transaction() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = SqliteState::open(&dir.path().join("state.db")).unwrap();
        let a = s
            .record_intent(&intent("alicloud_vpc.a", IntentAction::Create))
            .unwrap();
        let b = s
            .record_intent(&intent("alicloud_vpc.b", IntentAction::Create))
            .unwrap();
        assert_eq!(s.intents().unwrap().len(), 2);
        let deposed = intent("alicloud_vpc.a", IntentAction::DeleteDeposed);
        let d = s
            .commit_put(&record("alicloud_vpc.a", "vpc-1"), &[a], Some(&deposed))
            .unwrap()
            .unwrap();
        let left: Vec<i64> = s.intents().unwrap().iter().map(|i| i.id).collect();
        assert_eq!(left, vec![b, d]);
        s.commit_remove(&"alicloud_vpc.a".parse().unwrap(), &[b, d])
            .unwrap();
        assert!(s.intents().unwrap().is_empty());
        assert_eq!(s.meta().unwrap().serial, 1, "one serial per run");
        // The intents survive a reopen (they are durable before the call).
        s.record_intent(&intent("alicloud_vpc.c", IntentAction::Update))
            .unwrap();
        drop(s);
        let s = SqliteState::open(&dir.path().join("state.db")).unwrap();
        assert_eq!(s.intents().unwrap()[0].action, IntentAction::Update);
    }

    fn schema_of(s: &SqliteState) -> String {
        s.connection()
            .prepare("SELECT group_concat(sql, ';') FROM sqlite_master")
            .unwrap()
            .query_row([], |r| r.get::<_, String>(0))
            .unwrap()
    }

    #[test]
    fn new_files_get_the_lean_schema() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = SqliteState::open(&dir.path().join("state.db")).unwrap();
        let schema = schema_of(&s);
        assert!(!schema.contains("AUTOINCREMENT"), "{schema}");
        assert!(!schema.contains("changes_by_serial"), "{schema}");
        assert!(!schema.contains("sqlite_sequence"), "{schema}");
        // `seq` grows with every change, across runs and reopenings.
        s.put(&record("alicloud_vpc.a", "vpc-1")).unwrap();
        s.remove(&"alicloud_vpc.a".parse().unwrap()).unwrap();
        drop(s);
        let mut s = SqliteState::open(&dir.path().join("state.db")).unwrap();
        s.put(&record("alicloud_vpc.b", "vpc-2")).unwrap();
        let seqs: Vec<i64> = s
            .connection()
            .prepare("SELECT seq FROM changes ORDER BY rowid")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert_eq!(seqs, [1, 2, 3]);
        let counts: Vec<(u64, usize, usize)> = s
            .history()
            .unwrap()
            .iter()
            .map(|e| (e.serial, e.added, e.removed))
            .collect();
        assert_eq!(counts, [(1, 0, 0), (2, 1, 0)]);
        assert_eq!(s.snapshot(1).unwrap().resources, []);
        assert_eq!(s.snapshot(2).unwrap().resources[0].id, "vpc-2");
    }

    #[test]
    fn a_state_file_of_the_old_schema_keeps_working_and_keeps_its_history() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.db");
        {
            // A state file as earlier versions wrote it: serial 1 added a, serial 2 changed it.
            let conn = Connection::open(&path).unwrap();
            conn.execute_batch(SCHEMA_V1).unwrap();
            let a1 = encode(&record("alicloud_vpc.a", "vpc-1")).unwrap();
            let a2 = encode(&record("alicloud_vpc.a", "vpc-2")).unwrap();
            conn.execute_batch(
                "INSERT INTO meta VALUES ('lineage', 'old-lineage'), ('serial', '2')",
            )
            .unwrap();
            conn.execute("INSERT INTO resources VALUES ('alicloud_vpc.a', ?1)", [&a2])
                .unwrap();
            for (serial, body) in [(1, &a1), (2, &a2)] {
                conn.execute(
                    "INSERT INTO changes(serial, address, body, at, command)
                     VALUES (?1, 'alicloud_vpc.a', ?2, '2026-01-01T00:00:00+00:00', 'apply')",
                    params![serial, body],
                )
                .unwrap();
            }
        }
        let mut s = SqliteState::open(&path).unwrap();
        let schema = schema_of(&s);
        assert!(schema.contains("AUTOINCREMENT"), "kept: {schema}");
        assert!(schema.contains("changes_by_serial"), "kept: {schema}");
        assert_eq!(s.meta().unwrap().lineage, "old-lineage");
        assert_eq!(
            s.get(&"alicloud_vpc.a".parse().unwrap())
                .unwrap()
                .unwrap()
                .id,
            "vpc-2"
        );
        // A run of intents and batched commits on the old schema.
        let ib = s
            .record_intents(&[intent("alicloud_vpc.b", IntentAction::Create)])
            .unwrap();
        s.commit_batch(&[
            Commit::Put {
                record: Box::new(record("alicloud_vpc.b", "vpc-3")),
                intents: ib,
                deposed: None,
            },
            Commit::Remove {
                addr: "alicloud_vpc.a".parse().unwrap(),
                intents: Vec::new(),
            },
        ])
        .unwrap();
        assert!(s.intents().unwrap().is_empty());
        let counts: Vec<(u64, usize, usize, usize)> = s
            .history()
            .unwrap()
            .iter()
            .map(|e| (e.serial, e.added, e.changed, e.removed))
            .collect();
        assert_eq!(counts, [(1, 1, 0, 0), (2, 0, 1, 0), (3, 1, 0, 1)]);
        assert_eq!(s.snapshot(1).unwrap().resources[0].id, "vpc-1");
        assert_eq!(s.snapshot(2).unwrap().resources[0].id, "vpc-2");
        assert_eq!(s.snapshot(3).unwrap().resources[0].id, "vpc-3");
        let seqs: Vec<i64> = s
            .connection()
            .prepare("SELECT seq FROM changes ORDER BY serial, seq")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert_eq!(seqs, [1, 2, 3, 4], "seq stays monotonic");
    }

    #[test]
    fn a_batch_commits_all_of_its_changes_or_none() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = SqliteState::open(&dir.path().join("state.db")).unwrap();
        s.put(&record("alicloud_vpc.c", "vpc-0")).unwrap();
        s.start_run("apply");
        let ids = s
            .record_intents(&[
                intent("alicloud_vpc.a", IntentAction::Create),
                intent("alicloud_vpc.bad", IntentAction::Create),
                intent("alicloud_vpc.c", IntentAction::Delete),
            ])
            .unwrap();
        assert_eq!(s.intents().unwrap().len(), 3);
        assert_eq!(s.meta().unwrap().serial, 1, "intents alone bump no serial");
        // The store refuses one of the records (as a full disk would).
        s.connection()
            .execute_batch(
                "CREATE TEMP TRIGGER refuse BEFORE INSERT ON resources
                 WHEN NEW.address = 'alicloud_vpc.bad'
                 BEGIN SELECT RAISE(ABORT, 'refused'); END;",
            )
            .unwrap();
        let batch = |bad: bool| {
            let mut b = vec![
                Commit::Put {
                    record: Box::new(record("alicloud_vpc.a", "vpc-1")),
                    intents: vec![ids[0]],
                    deposed: Some(Box::new(intent(
                        "alicloud_vpc.a",
                        IntentAction::DeleteDeposed,
                    ))),
                },
                Commit::Remove {
                    addr: "alicloud_vpc.c".parse().unwrap(),
                    intents: vec![ids[2]],
                },
            ];
            if bad {
                b.insert(
                    1,
                    Commit::Put {
                        record: Box::new(record("alicloud_vpc.bad", "vpc-2")),
                        intents: vec![ids[1]],
                        deposed: None,
                    },
                );
            }
            b
        };
        let err = s.commit_batch(&batch(true)).unwrap_err();
        assert!(err.to_string().contains("refused"), "{err}");
        // Nothing of the batch was written: records, intents, history and serial as before.
        let addrs: Vec<String> = s
            .resources()
            .unwrap()
            .iter()
            .map(|r| r.addr.to_string())
            .collect();
        assert_eq!(addrs, ["alicloud_vpc.c"]);
        let left: Vec<i64> = s.intents().unwrap().iter().map(|i| i.id).collect();
        assert_eq!(left, ids);
        assert_eq!(s.history().unwrap().len(), 1);
        assert_eq!(s.meta().unwrap().serial, 1);
        // The others alone commit, with their intents cleared and the deposed one recorded.
        let out = s.commit_batch(&batch(false)).unwrap();
        assert!(out[0].is_some() && out[1].is_none(), "{out:?}");
        let addrs: Vec<String> = s
            .resources()
            .unwrap()
            .iter()
            .map(|r| r.addr.to_string())
            .collect();
        assert_eq!(addrs, ["alicloud_vpc.a"]);
        let left: Vec<(i64, IntentAction)> = s
            .intents()
            .unwrap()
            .iter()
            .map(|i| (i.id, i.action))
            .collect();
        assert_eq!(
            left,
            [
                (ids[1], IntentAction::Create),
                (out[0].unwrap(), IntentAction::DeleteDeposed)
            ]
        );
        let h = s.history().unwrap();
        assert_eq!((h[1].serial, h[1].added, h[1].removed), (2, 1, 1));
    }

    #[test]
    fn lock_is_exclusive_and_taken_over_only_by_id() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = SqliteState::open(&dir.path().join("state.db")).unwrap();
        let first = LockInfo::new("apply", "p");
        let second = LockInfo::new("destroy", "p");
        assert!(s.try_lock(&first, None).unwrap().is_ok());
        assert_eq!(s.try_lock(&second, None).unwrap().unwrap_err(), first);
        assert!(s.try_lock(&second, Some("other-id")).unwrap().is_err());
        assert!(s.try_lock(&second, Some(&first.id)).unwrap().is_ok());
        assert!(!s.unlock(&first.id).unwrap());
        assert!(s.unlock(&second.id).unwrap());
        assert!(s.lock_info().unwrap().is_none());
    }

    #[test]
    fn history_snapshots_and_push() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = SqliteState::open(&dir.path().join("state.db")).unwrap();
        s.put(&record("alicloud_vpc.a", "vpc-1")).unwrap();
        s.put(&record("alicloud_vpc.b", "vpc-2")).unwrap();
        s.start_run("apply");
        s.put(&record("alicloud_vpc.a", "vpc-3")).unwrap();
        s.remove(&"alicloud_vpc.b".parse().unwrap()).unwrap();
        s.start_run("state mv");
        s.rename(&[(
            "alicloud_vpc.a".parse().unwrap(),
            "alicloud_vpc.c".parse().unwrap(),
        )])
        .unwrap();
        let h = s.history().unwrap();
        let counts: Vec<(u64, usize, usize, usize)> = h
            .iter()
            .map(|e| (e.serial, e.added, e.changed, e.removed))
            .collect();
        assert_eq!(counts, vec![(1, 2, 0, 0), (2, 0, 1, 1), (3, 1, 0, 1)]);
        assert_eq!(h[2].command, "state mv");
        let one = s.snapshot(1).unwrap();
        assert_eq!(
            one.resources
                .iter()
                .map(|r| r.id.as_str())
                .collect::<Vec<_>>(),
            ["vpc-1", "vpc-2"]
        );
        assert!(s.snapshot(0).unwrap().resources.is_empty());
        assert!(s.snapshot(4).is_err());
        // Pushing serial 1 back writes only what differs, under a new serial.
        s.start_run("state push");
        assert_eq!(s.replace_all(&one).unwrap(), 4);
        assert_eq!(s.resources().unwrap(), one.resources);
        assert_eq!(s.snapshot(4).unwrap().resources, one.resources);
        assert_eq!(s.history().unwrap()[3].added, 2);
        assert_eq!(s.history().unwrap()[3].removed, 1);
    }
}
