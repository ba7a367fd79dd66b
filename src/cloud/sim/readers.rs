//! Read connections to the world: query actions (`Describe*`, `List*`) run on a small pool of
//! extra connections to the world's file, beside the writer and without its lock. In WAL mode a
//! reader sees only committed data (with group commit, exactly the effects whose answers may
//! have been given), in one snapshot per call.
//!
//! `eip::settle_due` runs before every call and may write; a reader runs a query only when
//! nothing can be due in its snapshot (`eip::nothing_due`, as cheap as `settle_due`'s own check
//! while nothing changes), else the caller sends it through the writer. The connections are
//! `query_only`: a query that tried to write fails and goes through the writer as well.

use std::cell::Cell;
use std::path::{Path, PathBuf};
use std::sync::{Condvar, Mutex, PoisonError};

use rusqlite::{Connection, OpenFlags};

use super::store::{Ctx, MetaCache, Transitions, db_error};
use super::{configure, run_cached};
use crate::cloud::CloudError;

/// How many read connections a world opens at most (each keeps its own statement and page
/// caches, so a few are enough for two cores and a parallel walk).
pub(super) const MAX_READERS: usize = 4;

/// The pool of read connections, opened on demand.
pub(super) struct Readers {
    path: PathBuf,
    pool: Mutex<Pool>,
    returned: Condvar,
}

#[derive(Default)]
struct Pool {
    idle: Vec<Reader>,
    opened: usize,
}

/// One read connection and what it knows about objects in transition.
pub(super) struct Reader {
    conn: Connection,
    transitions: Cell<Transitions>,
}

impl Readers {
    pub(super) fn new(path: &Path) -> Readers {
        Readers {
            path: path.to_path_buf(),
            pool: Mutex::new(Pool::default()),
            returned: Condvar::new(),
        }
    }

    /// Runs `f` on a read connection, in one read transaction. `None` when no connection could
    /// be opened or `f` found it must go through the writer (`f` answering `Ok(None)`, or a
    /// write refused by the read-only connection).
    pub(super) fn run<T>(
        &self,
        f: impl FnOnce(&mut Ctx<'_>) -> Result<Option<T>, CloudError>,
    ) -> Option<Result<T, CloudError>> {
        let reader = self.take()?;
        let out = reader.run(f);
        self.give_back(reader);
        match out {
            Ok(Some(v)) => Some(Ok(v)),
            Ok(None) => None,
            Err(e) if is_readonly_refusal(&e) => None,
            Err(e) => Some(Err(e)),
        }
    }

    /// A read connection: an idle one, a new one while fewer than [`MAX_READERS`] are open, else
    /// the next one given back. `None` when opening one fails.
    pub(super) fn take(&self) -> Option<Reader> {
        let mut pool = self.pool.lock().unwrap_or_else(PoisonError::into_inner);
        loop {
            if let Some(r) = pool.idle.pop() {
                return Some(r);
            }
            if pool.opened < MAX_READERS {
                pool.opened += 1;
                drop(pool);
                let opened = Reader::open(&self.path);
                if opened.is_err() {
                    let mut pool = self.pool.lock().unwrap_or_else(PoisonError::into_inner);
                    pool.opened -= 1;
                }
                return opened.ok();
            }
            pool = self
                .returned
                .wait(pool)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }

    /// Opens up to `n` read connections ahead of the reads, each with the world's schema read
    /// and the statements of a refresh prepared: on a new connection they were most of its
    /// first read, which a refresh waits for.
    pub(super) fn prepare(&self, n: usize) {
        let readers: Vec<Reader> = (0..n).map_while(|_| self.take()).collect();
        for r in &readers {
            let _ = r.run(|ctx| {
                super::eip::nothing_due(ctx)?;
                ctx.prepare(super::answer_text::EIP_ROW)
            });
        }
        for r in readers {
            self.give_back(r);
        }
    }

    #[cfg(test)]
    pub(super) fn idle(&self) -> usize {
        self.pool.lock().unwrap().idle.len()
    }

    #[cfg(test)]
    pub(super) fn opened(&self) -> usize {
        self.pool.lock().unwrap().opened
    }

    pub(super) fn give_back(&self, reader: Reader) {
        let mut pool = self.pool.lock().unwrap_or_else(PoisonError::into_inner);
        pool.idle.push(reader);
        drop(pool);
        self.returned.notify_one();
    }
}

impl Reader {
    fn open(path: &Path) -> rusqlite::Result<Reader> {
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX
                | OpenFlags::SQLITE_OPEN_URI,
        )?;
        conn.busy_timeout(std::time::Duration::from_secs(30))?;
        configure(&conn)?;
        conn.pragma_update(None, "query_only", true)?;
        crate::mmap::map_if_small(&conn, path)?;
        conn.pragma_update(None, "temp_store", "MEMORY")?;
        Ok(Reader {
            conn,
            transitions: Cell::new(Transitions::default()),
        })
    }

    /// The connection (for copying the world's committed state).
    pub(super) fn conn(&self) -> &Connection {
        &self.conn
    }

    /// Runs `f` in one read transaction (one snapshot of the committed world).
    fn run<T>(
        &self,
        f: impl FnOnce(&mut Ctx<'_>) -> Result<T, CloudError>,
    ) -> Result<T, CloudError> {
        run_cached(&self.conn, "BEGIN").map_err(db_error)?;
        // A new snapshot: `meta` rows are read afresh.
        let meta = MetaCache::default();
        let mut ctx = Ctx::new(&self.conn, &self.transitions, &meta);
        let out = f(&mut ctx);
        if run_cached(&self.conn, "COMMIT").is_err() && !self.conn.is_autocommit() {
            let _ = self.conn.execute_batch("ROLLBACK");
        }
        out
    }
}

/// Whether `e` is the read-only connection refusing a write.
fn is_readonly_refusal(e: &CloudError) -> bool {
    e.code == "InternalError" && e.message.contains("readonly database")
}
