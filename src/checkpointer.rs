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
//! The checkpointer is stopped (its connection closed) before the database's own connection, so
//! that connection is still the last one to close and checkpoints what is left, leaving no
//! log behind.

use std::ffi::c_int;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::thread::JoinHandle;

use rusqlite::Connection;
use rusqlite::hooks::Wal;
use rusqlite::wal::CheckpointMode;

enum Nudge {
    Checkpoint,
    Stop,
}

/// Checkpoints one database file in the background while it lives (see the module docs).
pub struct Checkpointer {
    nudge: SyncSender<Nudge>,
    thread: Option<JoinHandle<()>>,
    /// Checkpoints run so far.
    #[cfg(test)]
    runs: Arc<std::sync::atomic::AtomicUsize>,
}

impl Checkpointer {
    /// Takes over the checkpoints of `conn`, the connection that writes the WAL database at
    /// `path`: a commit that leaves `pages` or more in the log not yet copied back starts one in
    /// the background.
    /// Replaces `conn`'s automatic checkpoints (SQLite keeps one WAL callback per connection).
    pub fn attach(conn: &mut Connection, path: &Path, pages: c_int) -> rusqlite::Result<Self> {
        let own = Connection::open(path)?;
        own.busy_timeout(std::time::Duration::from_secs(5))?;
        // Until a connection has read the database it does not know the file is in WAL mode,
        // and its checkpoints do nothing.
        own.pragma_update(None, "journal_mode", "WAL")?;
        let (nudge, nudged) = sync_channel::<Nudge>(1);
        // Log frames already copied back: a log that cannot restart from its beginning (a
        // reader was still on it) keeps growing, and its length alone would ask for a
        // checkpoint after every commit.
        let copied = Arc::new(AtomicI32::new(0));
        let copied_by_thread = Arc::clone(&copied);
        let runs = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counted = Arc::clone(&runs);
        let thread = std::thread::Builder::new()
            .name("wal-checkpoint".into())
            .spawn(move || checkpoint_when_nudged(own, nudged, &copied_by_thread, &counted))
            .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
        let hook = nudge.clone();
        conn.wal_hook(Some(move |_: &mut Wal, in_log: c_int| {
            let done = copied.load(Ordering::Relaxed);
            // Below `done`, the log restarted from its beginning since that checkpoint.
            let new = if in_log >= done {
                in_log - done
            } else {
                in_log
            };
            if new >= pages {
                // A checkpoint already asked for covers this commit too.
                let _ = hook.try_send(Nudge::Checkpoint);
            }
            Ok(())
        }))?;
        #[cfg(not(test))]
        drop(runs);
        Ok(Checkpointer {
            nudge,
            thread: Some(thread),
            #[cfg(test)]
            runs,
        })
    }
}

fn checkpoint_when_nudged(
    conn: Connection,
    nudged: Receiver<Nudge>,
    copied: &AtomicI32,
    runs: &std::sync::atomic::AtomicUsize,
) {
    while let Ok(Nudge::Checkpoint) = nudged.recv() {
        runs.fetch_add(1, Ordering::Relaxed);
        // A failed checkpoint (busy, I/O) loses nothing: the log keeps every commit, and the
        // next nudge or the last connection's close checkpoints it.
        if let Ok((_, done)) = conn.wal_checkpoint_v2(None::<&str>, CheckpointMode::PASSIVE) {
            copied.store(done.max(0), Ordering::Relaxed);
        }
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        let _ = self.nudge.send(Nudge::Stop);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A WAL database with one table `t` in a new directory, its checkpoints taken over at
    /// `pages`.
    fn database(
        pages: c_int,
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
        let ckpt = Checkpointer::attach(&mut conn, &path, pages).unwrap();
        (dir, path, conn, ckpt)
    }

    #[test]
    fn commits_past_the_threshold_are_checkpointed_in_the_background_and_close_leaves_no_log() {
        let (dir, path, conn, ckpt) = database(16);
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
    fn a_log_kept_from_restarting_by_readers_is_checkpointed_per_threshold_not_per_commit() {
        let (_dir, path, conn, ckpt) = database(8);
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
        let runs = ckpt.runs.load(Ordering::Relaxed);
        drop(ckpt);
        assert!(
            (5..=120).contains(&runs),
            "{runs} checkpoints for 200 commits of ~2 log pages, 8 pages apart"
        );
    }
}
