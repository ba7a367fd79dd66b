//! Group commit for the world: calls that run close together share one SQLite transaction.
//!
//! Each call still runs in its own savepoint inside the open transaction (a failing call rolls
//! back only itself), but the transaction is committed once per batch: by the call that finds no
//! other call queued for the session (or the batch at [`MAX_BATCH`] calls). A call never answers
//! before the transaction holding its effects is committed: the others wait on a condition
//! variable until their batch's generation is finished, so a process killed at any moment leaves
//! the world at a boundary where every answer it gave is durable. Failed calls wait too (their
//! error may depend on effects of the batch's other calls).
//!
//! A failed `COMMIT` rolls the whole batch back and every call of the batch answers its error.
//! A call that panics has its savepoint rolled back and ends the batch at once (committing the
//! others' effects), so neither the session lock nor the waiting calls are left wedged.
//!
//! Liveness: a call that does not commit leaves the batch open only while another call is queued
//! for the lock (counted before it blocks on the lock); that call joins the batch and reaches the
//! same decision, so every batch is finished by one of its own calls, after at most
//! [`MAX_BATCH`] calls.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};

use super::{Session, run_cached};
use crate::cloud::CloudError;
use crate::cloud::sim::store::{Ctx, db_error};

/// The most calls one transaction holds: a waiting call's answer is delayed by at most this
/// many calls. Each commit writes every page its batch changed (two `pwrite`s a page), and the
/// calls of a batch share most of their pages (the table's and indexes' last leaves, counters):
/// 8 against 2 made an apply of 1,000 EIPs ~7 % faster. Larger batches make calls that arrive
/// together (parallel calls after the same latency) answer together, after the slowest, which
/// puts the walk in lock-step rounds: under 100 ms latency the 1,000-resource apply took 10.75 s
/// with 8 against 10.66 s with 2 (the bound is 10 s).
pub(super) const MAX_BATCH: usize = 8;

/// The world's writer: the session behind its lock, the calls queued for the lock, and the
/// condition variable the calls of an open batch wait on.
pub(super) struct Writer {
    session: Mutex<Session>,
    finished: Condvar,
    queued: AtomicUsize,
}

/// The group-commit bookkeeping of a session.
#[derive(Debug, Default)]
pub(super) struct Batch {
    /// Whether the outer transaction is open.
    open: bool,
    /// The generation of the open batch (of the next one while none is open).
    generation: u64,
    /// How many calls joined the open batch.
    calls: usize,
    /// Batches with a generation below this one are finished (committed or rolled back).
    finished: u64,
    /// Batches whose `COMMIT` failed, with the calls that still have to read the error.
    failures: Vec<Failure>,
}

#[derive(Debug)]
struct Failure {
    generation: u64,
    error: CloudError,
    readers: usize,
}

impl Writer {
    pub(super) fn new(session: Session) -> Writer {
        Writer {
            session: Mutex::new(session),
            finished: Condvar::new(),
            queued: AtomicUsize::new(0),
        }
    }

    /// The session, for work outside calls (no transaction of a call is open while it is held
    /// unless a batch is waiting to be committed).
    pub(super) fn lock(&self) -> MutexGuard<'_, Session> {
        self.session.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// How many batches have finished (for tests: fewer than calls means calls were grouped).
    #[cfg(test)]
    pub(super) fn batches(&self) -> u64 {
        self.lock().batch.finished
    }

    /// Runs `f` as one call: in its own savepoint inside the batch's transaction, answering only
    /// once that transaction is committed.
    pub(super) fn call<T>(
        &self,
        f: impl FnOnce(&mut Ctx<'_>) -> Result<T, CloudError>,
    ) -> Result<T, CloudError> {
        self.queued.fetch_add(1, Ordering::SeqCst);
        let session = self.lock();
        self.queued.fetch_sub(1, Ordering::SeqCst);
        let mut turn = Turn::join(self, session)?;
        let out = turn.run(f);
        turn.finish(out)
    }
}

/// One call's membership of a batch, holding the session lock until it commits or waits. Dropped
/// without [`Turn::finish`] (a panic in the call), it ends the batch so that nobody waits for it.
struct Turn<'w> {
    writer: &'w Writer,
    session: Option<MutexGuard<'w, Session>>,
    generation: u64,
}

impl<'w> Turn<'w> {
    /// Joins the open batch, or opens one (`BEGIN IMMEDIATE`: the write lock is taken, with the
    /// busy timeout, before anything is read, so a batch never has to upgrade a stale snapshot).
    fn join(writer: &'w Writer, mut session: MutexGuard<'w, Session>) -> Result<Self, CloudError> {
        if !session.batch.open {
            // What earlier batches read may have changed since they committed.
            session.meta.borrow_mut().clear();
            run_cached(&session.conn, "BEGIN IMMEDIATE").map_err(db_error)?;
            session.batch.open = true;
        }
        session.batch.calls += 1;
        let generation = session.batch.generation;
        Ok(Turn {
            writer,
            session: Some(session),
            generation,
        })
    }

    fn run<T>(
        &mut self,
        f: impl FnOnce(&mut Ctx<'_>) -> Result<T, CloudError>,
    ) -> Result<T, CloudError> {
        let session = self.session.as_ref().expect("the turn holds the session");
        session.run_call(f)
    }

    /// Commits the batch when no other call is queued (or the batch is full), else waits until
    /// the call that does has committed it; answers `out`, or the batch's commit error.
    fn finish<T>(mut self, out: Result<T, CloudError>) -> Result<T, CloudError> {
        let mut session = self.session.take().expect("the turn holds the session");
        let writer = self.writer;
        if writer.queued.load(Ordering::SeqCst) == 0 || session.batch.calls >= MAX_BATCH {
            end_batch(&mut session, 0);
            writer.finished.notify_all();
        } else {
            while session.batch.finished <= self.generation {
                session = writer
                    .finished
                    .wait(session)
                    .unwrap_or_else(PoisonError::into_inner);
            }
        }
        match session.batch.take_failure(self.generation) {
            Some(e) => Err(e),
            None => out,
        }
    }
}

impl Drop for Turn<'_> {
    fn drop(&mut self) {
        if let Some(mut session) = self.session.take() {
            // The call panicked (its savepoint is already rolled back): end the batch now; this
            // call will not read a commit error.
            end_batch(&mut session, 1);
            self.writer.finished.notify_all();
        }
    }
}

/// Commits the open batch (rolling it back when `COMMIT` fails, keeping the error for its
/// calls but `absent` of them) and starts the next generation.
fn end_batch(session: &mut Session, absent: usize) {
    let batch = &mut session.batch;
    let generation = batch.generation;
    let calls = batch.calls;
    if batch.open
        && let Err(e) = run_cached(&session.conn, "COMMIT")
    {
        if !session.conn.is_autocommit() {
            let _ = session.conn.execute_batch("ROLLBACK");
        }
        session.forget();
        let readers = calls.saturating_sub(absent);
        if readers > 0 {
            session.batch.failures.push(Failure {
                generation,
                error: db_error(e),
                readers,
            });
        }
    }
    let batch = &mut session.batch;
    batch.open = false;
    batch.calls = 0;
    batch.generation = generation + 1;
    batch.finished = generation + 1;
}

impl Batch {
    /// The commit error of batch `generation`, if its `COMMIT` failed (each call reads it once).
    fn take_failure(&mut self, generation: u64) -> Option<CloudError> {
        let i = self
            .failures
            .iter()
            .position(|f| f.generation == generation)?;
        let failure = &mut self.failures[i];
        failure.readers -= 1;
        let error = failure.error.clone();
        if failure.readers == 0 {
            self.failures.remove(i);
        }
        Some(error)
    }
}
