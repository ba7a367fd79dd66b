//! The SQLite state store (`.eipform/state.db` by default; file mode 0600).
//!
//! Tables: `meta` (lineage, serial), `resources` (one row per instance), `outputs`, and
//! `changes` (every committed change with the serial it belongs to: the history).

use std::path::{Path, PathBuf};

use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

use super::*;

pub struct SqliteState {
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
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| StateError::Storage(format!("cannot create {}: {e}", dir.display())))?;
        }
        let fresh = !path.exists();
        let conn = Connection::open(path)?;
        if fresh {
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600));
            }
        }
        conn.busy_timeout(std::time::Duration::from_secs(30))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.execute_batch(
            "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
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
             CREATE INDEX IF NOT EXISTS changes_by_serial ON changes(serial);",
        )?;
        conn.execute(
            "INSERT OR IGNORE INTO meta(key, value) VALUES ('lineage', ?1)",
            params![uuid::Uuid::new_v4().to_string()],
        )?;
        conn.execute("INSERT OR IGNORE INTO meta(key, value) VALUES ('serial', '0')", [])?;
        Ok(SqliteState { conn, path: path.to_path_buf(), bumped: false, command: "apply".into() })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Names the command recorded with this run's changes.
    pub fn set_command(&mut self, command: &str) {
        self.command = command.to_string();
    }

    pub fn connection(&self) -> &Connection {
        &self.conn
    }

    /// Runs `f` in one immediate transaction, bumping the serial on the run's first change.
    fn write(&mut self, f: impl FnOnce(&rusqlite::Transaction<'_>, u64) -> rusqlite::Result<()>) -> Result<(), StateError> {
        let bump = !self.bumped;
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        if bump {
            tx.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'serial'", [])?;
        }
        let serial: u64 = tx.query_row("SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'serial'", [], |r| r.get::<_, i64>(0))? as u64;
        f(&tx, serial)?;
        tx.commit()?;
        self.bumped = true;
        Ok(())
    }

    fn log(tx: &rusqlite::Transaction<'_>, serial: u64, address: &str, body: Option<&str>, command: &str) -> rusqlite::Result<()> {
        tx.execute(
            "INSERT INTO changes(serial, address, body, at, command) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![serial as i64, address, body, chrono::Utc::now().to_rfc3339(), command],
        )?;
        Ok(())
    }
}

fn decode(body: &str) -> Result<ResourceState, StateError> {
    serde_json::from_str(body).map_err(|e| StateError::Invalid(format!("corrupt resource record: {e}")))
}

impl StateStore for SqliteState {
    fn meta(&self) -> Result<StateMeta, StateError> {
        let get = |k: &str| -> Result<String, StateError> {
            Ok(self.conn.query_row("SELECT value FROM meta WHERE key = ?1", params![k], |r| r.get(0))?)
        };
        Ok(StateMeta {
            lineage: get("lineage")?,
            serial: get("serial")?.parse().map_err(|_| StateError::Invalid("serial is not a number".into()))?,
        })
    }

    fn resources(&self) -> Result<Vec<ResourceState>, StateError> {
        let mut stmt = self.conn.prepare_cached("SELECT body FROM resources ORDER BY address")?;
        let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
        let mut out = Vec::new();
        for body in rows {
            out.push(decode(&body?)?);
        }
        Ok(out)
    }

    fn get(&self, addr: &ResourceAddress) -> Result<Option<ResourceState>, StateError> {
        let body: Option<String> = self
            .conn
            .query_row("SELECT body FROM resources WHERE address = ?1", params![addr.to_string()], |r| r.get(0))
            .optional()?;
        body.map(|b| decode(&b)).transpose()
    }

    fn put(&mut self, r: &ResourceState) -> Result<(), StateError> {
        let body = serde_json::to_string(r).map_err(|e| StateError::Invalid(e.to_string()))?;
        let address = r.addr.to_string();
        let command = self.command.clone();
        self.write(|tx, serial| {
            tx.execute(
                "INSERT INTO resources(address, body) VALUES (?1, ?2) ON CONFLICT(address) DO UPDATE SET body = excluded.body",
                params![address, body],
            )?;
            Self::log(tx, serial, &address, Some(&body), &command)
        })
    }

    fn remove(&mut self, addr: &ResourceAddress) -> Result<(), StateError> {
        let address = addr.to_string();
        let command = self.command.clone();
        self.write(|tx, serial| {
            tx.execute("DELETE FROM resources WHERE address = ?1", params![address])?;
            Self::log(tx, serial, &address, None, &command)
        })
    }

    fn outputs(&self) -> Result<Vec<OutputState>, StateError> {
        let mut stmt = self.conn.prepare_cached("SELECT name, value, sensitive FROM outputs ORDER BY name")?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, bool>(2)?)))?;
        let mut out = Vec::new();
        for row in rows {
            let (name, value, sensitive) = row?;
            out.push(OutputState { name, value: serde_json::from_str(&value).unwrap_or(Value::Null), sensitive });
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
            Self::log(tx, serial, "outputs", Some(&serde_json::to_string(&outputs).unwrap_or_default()), &command)
        })
    }
}
