//! Background checkpoints for the SQLite files written call after call (the state and the
//! simulated cloud's world).
//!
//! SQLite's automatic checkpoint runs inside the `COMMIT` that crosses its threshold, on the
//! committing thread: it fsyncs the write-ahead log, copies it into the database file and fsyncs
//! that. For the apply walk that was a stall of 0.1–0.3 s on the one thread every operation
//! waits for (and in the simulated cloud, with the session lock held, for every call in
//! flight). Here a commit that leaves `pages` or more in the log not yet copied back only
//! nudges a thread of our own, which checkpoints through its own connection in `PASSIVE` mode:
//! writers keep appending to the log meanwhile. Durability is unchanged: a commit is in the log
//! either way.
//!
//! A log starts over from its beginning only when a write transaction begins with everything in
//! it copied back, which a background checkpoint racing a writer that commits every few
//! milliseconds never achieves: the log grew with every page written (360 MB for the world of a
//! 10k apply, GBs at 50k), and appending to a file costs the kernel a new zeroed page per page
//! written, where writing over the log's earlier pages does not. So once the log holds
//! [`RESTART_PAGES`], the writer copies back the few frames the background thread has not, right
//! after a commit (in the WAL hook, on its own connection), and its next transaction writes the
//! log from its beginning again. That costs the writer two fsyncs of little data per restart;
//! a 50k apply went from 23 to 17 s.
//!
//! The log file outlives the run ([`keep_log`]): SQLite's last connection to close would copy the
//! log back and remove the file, and removing a log of 16 MB took the kernel ~20 ms on this
//! disk (freeing its blocks), twice at the end of every apply, where a later run writing over
//! the kept file costs less than appending to a new one. So no connection checkpoints at close;
//! when the checkpointer stops after a run that wrote, its thread copies the whole log back and
//! starts it over empty ([`empty_log`]): the next run to open the database reads no frame of it,
//! and a run that only reads leaves the files as they are. Everything is in the database's main
//! file then, as it was when the log was removed, and the database file can be replaced (a
//! backup restored) without the log being replayed onto it.

use std::ffi::c_int;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicI32, AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use rusqlite::Connection;
use rusqlite::config::DbConfig;
use rusqlite::hooks::Wal;
use rusqlite::wal::CheckpointMode;

/// Log pages after which the writer catches the checkpoint up itself, so that the log restarts
/// (16 MB of 4 KB pages; see the module docs).
pub const RESTART_PAGES: c_int = 4096;

/// Makes `conn`, one of the connections to a database whose checkpoints a [`Checkpointer`] runs,
/// leave the log in place when it closes (see the module docs). Every connection to such a
/// database takes this: whichever closes last would otherwise checkpoint and remove the log.
pub fn keep_log(conn: &Connection) -> rusqlite::Result<()> {
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, true)
        .map(|_| ())
}

/// Log pages a catch-up that did not restart the log (a reader was still on it) waits for before
/// trying again: each try fsyncs.
const RETRY_PAGES: c_int = 256;

enum Nudge {
    Checkpoint,
    Stop,
}

/// Checkpoints one database file in the background while it lives (see the module docs).
pub struct Checkpointer {
    background: Arc<Background>,
}

/// The background thread, started by the first commit: runs that only read (`plan` without
/// changes, `drift`, `show`) never write, and opening a connection and a thread for them was
/// about 3 % of a no-op plan. Started at the first commit rather than at the first checkpoint
/// asked for, it opens its connection before the writer is in full flow.
struct Background {
    path: PathBuf,
    /// Log frames already copied back: a log that cannot restart from its beginning (a reader
    /// was still on it) keeps growing, and its length alone would ask for a checkpoint after
    /// every commit.
    copied: Arc<AtomicI32>,
    /// Checkpoints run so far.
    runs: Arc<AtomicUsize>,
    started: Mutex<Option<(SyncSender<Nudge>, JoinHandle<()>)>>,
}

impl Background {
    /// Starts the thread unless it runs already, and asks it for a checkpoint if `checkpoint`.
    fn commit(&self, checkpoint: bool) {
        let mut started = self.started.lock().unwrap_or_else(|p| p.into_inner());
        if started.is_none() {
            *started = self.start();
        }
        if let Some((nudge, _)) = started.as_ref().filter(|_| checkpoint) {
            // A checkpoint already asked for covers this commit too.
            let _ = nudge.try_send(Nudge::Checkpoint);
        }
    }

    /// Starts the thread, which opens its own connection. When either fails there are no
    /// background checkpoints: the writer's catch-up and the last close still copy the log back.
    fn start(&self) -> Option<(SyncSender<Nudge>, JoinHandle<()>)> {
        let (nudge, nudged) = sync_channel::<Nudge>(1);
        let path = self.path.clone();
        let copied = Arc::clone(&self.copied);
        let runs = Arc::clone(&self.runs);
        let thread = std::thread::Builder::new()
            .name("wal-checkpoint".into())
            .spawn(move || {
                if let Ok(own) = open_own(&path) {
                    checkpoint_when_nudged(own, nudged, &copied, &runs);
                }
            })
            .ok()?;
        Some((nudge, thread))
    }

    fn stop(&self) {
        let started = self
            .started
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        if let Some((nudge, thread)) = started {
            let _ = nudge.send(Nudge::Stop);
            let _ = thread.join();
        }
    }
}

/// The background thread's connection to the database at `path`.
fn open_own(path: &Path) -> rusqlite::Result<Connection> {
    let own = Connection::open(path)?;
    keep_log(&own)?;
    own.busy_timeout(std::time::Duration::from_secs(5))?;
    // Until a connection has read the database it does not know the file is in WAL mode, and
    // its checkpoints do nothing.
    own.pragma_update(None, "journal_mode", "WAL")?;
    Ok(own)
}

impl Checkpointer {
    /// Takes over the checkpoints of `conn`, the connection that writes the WAL database at
    /// `path`: a commit that leaves `pages` or more in the log not yet copied back starts one in
    /// the background, and a commit that leaves the log `restart` pages long or longer
    /// finishes the copy on `conn` itself, so that the log restarts.
    /// Replaces `conn`'s automatic checkpoints (SQLite keeps one WAL callback per connection).
    pub fn attach(
        conn: &mut Connection,
        path: &Path,
        pages: c_int,
        restart: c_int,
    ) -> rusqlite::Result<Self> {
        let background = Arc::new(Background {
            path: path.to_path_buf(),
            copied: Arc::new(AtomicI32::new(0)),
            runs: Arc::new(AtomicUsize::new(0)),
            started: Mutex::new(None),
        });
        let hook = Arc::clone(&background);
        // The log's length at the last commit, and from which length the writer next catches up.
        let mut last_len: c_int = 0;
        let mut catch_up_at = restart;
        conn.wal_hook(Some(move |wal: &mut Wal, in_log: c_int| {
            if in_log < last_len {
                catch_up_at = restart;
            }
            last_len = in_log;
            if in_log >= catch_up_at {
                match wal.checkpoint_v2(CheckpointMode::PASSIVE) {
                    Ok((_, done)) => {
                        hook.copied.store(done.max(0), Ordering::Relaxed);
                        // A reader still on the log keeps it from restarting.
                        catch_up_at = in_log + RETRY_PAGES;
                    }
                    // Busy while the background thread copies: the next commit tries again.
                    Err(_) => catch_up_at = in_log + 1,
                }
            }
            let done = hook.copied.load(Ordering::Relaxed);
            // Below `done`, the log restarted from its beginning since that checkpoint.
            let new = if in_log >= done {
                in_log - done
            } else {
                in_log
            };
            hook.commit(new >= pages);
            Ok(())
        }))?;
        Ok(Checkpointer { background })
    }

    /// Whether the background thread has been started.
    #[cfg(test)]
    fn started(&self) -> bool {
        self.background
            .started
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .is_some()
    }

    /// Checkpoints run so far.
    #[cfg(test)]
    fn runs(&self) -> usize {
        self.background.runs.load(Ordering::Relaxed)
    }
}

fn checkpoint_when_nudged(
    conn: Connection,
    nudged: Receiver<Nudge>,
    copied: &AtomicI32,
    runs: &AtomicUsize,
) {
    while let Ok(Nudge::Checkpoint) = nudged.recv() {
        runs.fetch_add(1, Ordering::Relaxed);
        // A failed checkpoint (busy, I/O) loses nothing: the log keeps every commit, and the
        // next nudge or the last connection's close checkpoints it.
        if let Ok((_, done)) = conn.wal_checkpoint_v2(None::<&str>, CheckpointMode::PASSIVE) {
            copied.store(done.max(0), Ordering::Relaxed);
        }
    }
    start_log_over(&conn);
}

/// At the end of a run that wrote: copies the whole log back and, when nothing is left in it,
/// starts the log over with no committed frame in it (see [`empty_log`]). Waits for nobody:
/// when another connection is reading the log or writing, the log stays as it is, which only
/// makes the next open read more of it.
fn start_log_over(conn: &Connection) {
    if conn.busy_timeout(std::time::Duration::ZERO).is_err() {
        return;
    }
    let Ok((log, done)) = conn.wal_checkpoint_v2(None::<&str>, CheckpointMode::PASSIVE) else {
        return;
    };
    if log > 0 && done == log {
        let _ = empty_log(conn);
    }
}

/// Starts a fully copied-back log over, leaving no committed frame in it: a write transaction
/// that is rolled back, made large enough (against a page cache of two pages) that SQLite
/// writes some of its pages to the log before the end. Writing the first frame of a log whose
/// frames are all copied back starts the log over (a new header, new salts), and frames of a
/// transaction that never committed are not part of the log, so the next open finds it empty.
/// A log still holding committed frames, even ones already copied back, would be replayed onto
/// whatever database file sits beside it: a `state.db` restored from a backup would be
/// overwritten with pages of the state it replaced.
fn empty_log(conn: &Connection) -> rusqlite::Result<()> {
    let cache: i64 = conn.query_row("PRAGMA cache_size", [], |r| r.get(0))?;
    conn.pragma_update(None, "cache_size", 2)?;
    let spilled = conn.execute_batch(
        "BEGIN IMMEDIATE;
         CREATE TABLE eipform_log_restart(x);
         INSERT INTO eipform_log_restart VALUES (zeroblob(65536));",
    );
    let rolled_back = conn.execute_batch("ROLLBACK");
    conn.pragma_update(None, "cache_size", cache)?;
    spilled.and(rolled_back)
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        self.background.stop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A WAL database with one table `t` in a new directory, its checkpoints taken over at
    /// `pages`, its log restarted at `restart`.
    fn database(
        pages: c_int,
        restart: c_int,
    ) -> (
        tempfile::TempDir,
        std::path::PathBuf,
        Connection,
        Checkpointer,
    ) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db");
        let mut conn = Connection::open(&path).unwrap();
        conn.pragma_update(None, "journal_mode", "WAL").unwrap();
        conn.execute_batch("CREATE TABLE t(x BLOB)").unwrap();
        let ckpt = Checkpointer::attach(&mut conn, &path, pages, restart).unwrap();
        (dir, path, conn, ckpt)
    }

    #[test]
    fn commits_past_the_threshold_are_checkpointed_in_the_background_and_close_leaves_no_log() {
        let (dir, path, conn, ckpt) = database(16, c_int::MAX);
        // ~400 log pages: below SQLite's own automatic threshold (1,000), so only the
        // checkpointer can have copied them into the database file.
        for _ in 0..200 {
            conn.execute("INSERT INTO t VALUES (zeroblob(4000))", [])
                .unwrap();
        }
        // Stopping lets the checkpoint asked for run first.
        drop(ckpt);
        let file = std::fs::metadata(&path).unwrap().len();
        assert!(file > 100 * 4096, "database file still {file} bytes");
        let rows: i64 = conn
            .query_row("SELECT count(*) FROM t", [], |r| r.get(0))
            .unwrap();
        assert_eq!(rows, 200);
        drop(conn);
        assert!(
            !dir.path().join("db-wal").exists(),
            "the last connection to close checkpointed and removed the log"
        );
    }

    #[test]
    fn the_background_thread_starts_with_the_first_commit() {
        let (_dir, _path, conn, ckpt) = database(16, c_int::MAX);
        let rows: i64 = conn
            .query_row("SELECT count(*) FROM t", [], |r| r.get(0))
            .unwrap();
        assert_eq!(rows, 0);
        assert!(!ckpt.started(), "reads start no thread");
        conn.execute("INSERT INTO t VALUES (zeroblob(100))", [])
            .unwrap();
        assert!(ckpt.started(), "a commit starts it");
        assert_eq!(ckpt.runs(), 0, "one log page asks for no checkpoint");
    }

    /// Frames in the log of the database at `path`, as a new connection finds them.
    fn log_frames(path: &Path) -> c_int {
        let conn = Connection::open(path).unwrap();
        conn.busy_timeout(std::time::Duration::ZERO).unwrap();
        keep_log(&conn).unwrap();
        conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| r.get(1))
            .unwrap()
    }

    #[test]
    fn a_run_that_wrote_leaves_its_log_empty_with_everything_in_the_database_file() {
        let (dir, path, conn, ckpt) = database(c_int::MAX, c_int::MAX);
        keep_log(&conn).unwrap();
        for _ in 0..300 {
            conn.execute("INSERT INTO t VALUES (zeroblob(4000))", [])
                .unwrap();
        }
        let log = dir.path().join("db-wal");
        let written = std::fs::metadata(&log).unwrap().len();
        assert!(written > 300 * 4096, "the log held {written} bytes");
        drop(ckpt);
        drop(conn);
        assert_eq!(
            std::fs::metadata(&log).unwrap().len(),
            written,
            "the log file is kept whole for the next run to write over"
        );
        // The database file alone, without its log, holds every row.
        let alone = tempfile::tempdir().unwrap();
        std::fs::copy(&path, alone.path().join("db")).unwrap();
        let rows: i64 = Connection::open(alone.path().join("db"))
            .unwrap()
            .query_row("SELECT count(*) FROM t", [], |r| r.get(0))
            .unwrap();
        assert_eq!(rows, 300);
        assert_eq!(log_frames(&path), 0, "the next open finds the log empty");
    }

    #[test]
    fn a_database_file_restored_from_a_copy_is_read_as_the_copy_despite_the_kept_log() {
        let (dir, path, conn, ckpt) = database(c_int::MAX, c_int::MAX);
        keep_log(&conn).unwrap();
        conn.execute("INSERT INTO t VALUES (zeroblob(10))", [])
            .unwrap();
        conn.execute_batch("PRAGMA wal_checkpoint(PASSIVE)")
            .unwrap();
        let backup = dir.path().join("backup");
        std::fs::copy(&path, &backup).unwrap();
        for _ in 0..300 {
            conn.execute("INSERT INTO t VALUES (zeroblob(4000))", [])
                .unwrap();
        }
        conn.execute_batch("CREATE TABLE later(y); CREATE INDEX t_x ON t(x);")
            .unwrap();
        drop(ckpt);
        drop(conn);
        assert!(dir.path().join("db-wal").exists());
        std::fs::copy(&backup, &path).unwrap();
        let restored = Connection::open(&path).unwrap();
        let ok: String = restored
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .unwrap();
        assert_eq!(ok, "ok");
        let rows: i64 = restored
            .query_row("SELECT count(*) FROM t", [], |r| r.get(0))
            .unwrap();
        assert_eq!(rows, 1, "the copy's rows, not the replaced file's");
        let tables: i64 = restored
            .query_row("SELECT count(*) FROM sqlite_schema", [], |r| r.get(0))
            .unwrap();
        assert_eq!(tables, 1, "the copy's schema");
    }

    #[test]
    fn a_run_that_only_read_leaves_the_log_untouched() {
        let (dir, path, conn, ckpt) = database(c_int::MAX, c_int::MAX);
        keep_log(&conn).unwrap();
        conn.execute("INSERT INTO t VALUES (zeroblob(4000))", [])
            .unwrap();
        drop(ckpt);
        drop(conn);
        let log = dir.path().join("db-wal");
        let files = || (std::fs::read(&log).unwrap(), std::fs::read(&path).unwrap());
        let before = files();
        let reader = Connection::open(&path).unwrap();
        keep_log(&reader).unwrap();
        let rows: i64 = reader
            .query_row("SELECT count(*) FROM t", [], |r| r.get(0))
            .unwrap();
        assert_eq!(rows, 1);
        drop(reader);
        assert!(
            files() == before,
            "closing a reader wrote the log or the database"
        );
    }

    #[test]
    fn a_log_kept_from_restarting_by_readers_is_checkpointed_per_threshold_not_per_commit() {
        let (_dir, path, conn, ckpt) = database(8, c_int::MAX);
        let reader = Connection::open(&path).unwrap();
        for _ in 0..200 {
            conn.execute("INSERT INTO t VALUES (zeroblob(3000))", [])
                .unwrap();
            // A reader on the newest snapshot: everything can be copied back, but the log
            // cannot start over, so its length only grows.
            let _ = reader.execute_batch("COMMIT");
            reader
                .execute_batch("BEGIN; SELECT count(*) FROM t;")
                .unwrap();
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
        let runs = ckpt.runs();
        drop(ckpt);
        assert!(
            (5..=120).contains(&runs),
            "{runs} checkpoints for 200 commits of ~2 log pages, 8 pages apart"
        );
    }

    #[test]
    fn a_long_log_starts_over_from_its_beginning_instead_of_growing() {
        let (dir, path, conn, ckpt) = database(16, 64);
        let log = dir.path().join("db-wal");
        let mut longest = 0;
        // ~800 pages of log in all, 2 per commit.
        for _ in 0..400 {
            conn.execute("INSERT INTO t VALUES (zeroblob(4000))", [])
                .unwrap();
            longest = longest.max(std::fs::metadata(&log).unwrap().len());
        }
        let frame = 4096 + 24;
        assert!(
            longest < 160 * frame,
            "the log grew to {} pages",
            longest / frame
        );
        drop(ckpt);
        drop(conn);
        let rows: i64 = Connection::open(&path)
            .unwrap()
            .query_row("SELECT count(*) FROM t", [], |r| r.get(0))
            .unwrap();
        assert_eq!(rows, 400, "every commit survived the restarts");
    }
}
