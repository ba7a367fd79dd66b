//! Group commit for the world: calls that run close together share one SQLite transaction, run
//! back to back by one thread.
//!
//! An API call ([`Writer::call_api`]) queues itself and then either takes the session (when it is
//! free) or sleeps. The thread holding the session leads one batch: it opens a transaction, runs
//! the queued calls (each in its own savepoint: a failing call rolls back only itself) until the
//! queue is empty or the batch holds [`MAX_BATCH`] calls, commits, and wakes each call's thread
//! with its answer. So a call never answers before the transaction holding its effects is
//! committed, and a process killed at any moment leaves the world at a boundary where every
//! answer it gave is durable. Failed calls wait too (their error may depend on effects of the
//! batch's other calls). Running the batch on one thread matters on few cores: when each call
//! ran on its own thread and handed the session to the next, every call cost a thread switch
//! inside the world's one serialized section.
//!
//! A failed `COMMIT` rolls the whole batch back and every call of the batch answers its error.
//! A call that panics has its savepoint rolled back; its panic is resumed on its own thread,
//! after the batch (with the other calls' effects) is committed, so neither the session nor the
//! waiting calls are left wedged.
//!
//! Liveness: whoever releases the session looks at the queue afterwards and asks the thread of
//! the oldest queued call to lead next. A call queued after that look finds the session free
//! (or held by someone who will look again on release), so no queued call is left without a
//! leader.
//!
//! Work that is not an API call ([`Writer::call`]: `eipform cloud ...` commands, tests) waits for
//! the session and leads a batch that starts with itself.

use std::collections::VecDeque;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, TryLockError};
use std::thread::{self, Thread};

use serde_json::Value;

use super::{Session, dispatch, run_cached};
use crate::cloud::sim::store::{Ctx, db_error};
use crate::cloud::{CloudError, Params};

/// The most calls one transaction holds: a waiting call's answer is delayed by at most this
/// many calls. Each commit writes every page its batch changed (two `pwrite`s a page), and the
/// calls of a batch share most of their pages (the table's and indexes' last leaves, counters):
/// 8 against 2 made an apply of 1,000 EIPs ~7 % faster. Larger batches make calls that arrive
/// together (parallel calls after the same latency) answer together, after the slowest, which
/// puts the walk in lock-step rounds: under 100 ms latency the 1,000-resource apply took 10.75 s
/// with 8 against 10.66 s with 2 (the bound is 10 s).
pub(super) const MAX_BATCH: usize = 8;

/// What a call answers: its result, or the panic it raised.
type Answer = thread::Result<Result<Value, CloudError>>;

/// The world's writer: the session behind its lock, and the API calls queued for it.
pub(super) struct Writer {
    session: Mutex<Session>,
    queue: Mutex<VecDeque<Arc<Job>>>,
}

/// Group commit's counters kept with the session.
#[derive(Debug, Default)]
pub(super) struct Batch {
    /// Batches finished (committed or rolled back).
    finished: u64,
}

/// One queued API call: what to run, and where its thread waits for the answer.
struct Job {
    action: String,
    params: Params,
    thread: Thread,
    answer: Mutex<Option<Answer>>,
    /// Set (then the thread unparked) when this call's thread is to lead the next batch.
    lead: AtomicBool,
}

impl Job {
    fn complete(&self, answer: Answer) {
        *self.answer.lock().unwrap_or_else(PoisonError::into_inner) = Some(answer);
        self.thread.unpark();
    }

    fn take_answer(&self) -> Option<Answer> {
        self.answer
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
    }
}

impl Writer {
    pub(super) fn new(session: Session) -> Writer {
        Writer {
            session: Mutex::new(session),
            queue: Mutex::new(VecDeque::new()),
        }
    }

    /// The session, for work outside calls (no transaction is open while it is free). Calls
    /// queued meanwhile are handed to a leader when the guard is dropped.
    pub(super) fn lock(&self) -> SessionGuard<'_> {
        SessionGuard {
            writer: self,
            session: Some(self.session.lock().unwrap_or_else(PoisonError::into_inner)),
        }
    }

    /// How many batches have finished (for tests: fewer than calls means calls were grouped).
    #[cfg(test)]
    pub(super) fn batches(&self) -> u64 {
        self.lock().batch.finished
    }

    /// Runs API call `action` in a batch (see the module documentation) and answers once the
    /// batch is committed.
    pub(super) fn call_api(&self, action: &str, params: &Params) -> Result<Value, CloudError> {
        let job = Arc::new(Job {
            action: action.to_string(),
            params: params.clone(),
            thread: thread::current(),
            answer: Mutex::new(None),
            lead: AtomicBool::new(false),
        });
        self.queue().push_back(Arc::clone(&job));
        let free = match self.session.try_lock() {
            Ok(session) => Some(session),
            Err(TryLockError::Poisoned(p)) => Some(p.into_inner()),
            Err(TryLockError::WouldBlock) => None,
        };
        if let Some(session) = free {
            self.lead_queued(SessionGuard {
                writer: self,
                session: Some(session),
            });
        }
        loop {
            // A lead request is honoured even when the answer is in: the thread that asked
            // relies on this one to run what is queued.
            if job.lead.swap(false, Ordering::SeqCst) {
                self.lead_queued(self.lock());
            }
            if let Some(answer) = job.take_answer() {
                return answer.unwrap_or_else(|panic| resume_unwind(panic));
            }
            thread::park();
        }
    }

    fn lead_queued(&self, session: SessionGuard<'_>) {
        self.lead::<()>(session, None::<fn(&mut Ctx<'_>) -> Result<(), CloudError>>);
    }

    /// Runs `f` as one call: in its own savepoint inside a batch's transaction, answering only
    /// once that transaction is committed.
    pub(super) fn call<T>(
        &self,
        f: impl FnOnce(&mut Ctx<'_>) -> Result<T, CloudError>,
    ) -> Result<T, CloudError> {
        let out = self
            .lead(self.lock(), Some(f))
            .expect("a batch led with a call of its own answers it");
        out.unwrap_or_else(|panic| resume_unwind(panic))
    }

    fn queue(&self) -> MutexGuard<'_, VecDeque<Arc<Job>>> {
        self.queue.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Leads one batch with the session: `own` first (when given), then queued calls; commits,
    /// answers the queued calls, releases the session and hands the lead to the oldest call
    /// still queued. Answers `own`.
    fn lead<T>(
        &self,
        mut session: SessionGuard<'_>,
        own: Option<impl FnOnce(&mut Ctx<'_>) -> Result<T, CloudError>>,
    ) -> Option<thread::Result<Result<T, CloudError>>> {
        let mut own_answer = None;
        let mut ran: Vec<(Arc<Job>, Answer)> = Vec::new();
        if own.is_some() || !self.queue().is_empty() {
            // What earlier batches read may have changed since they committed.
            session.meta.borrow_mut().clear();
            match run_cached(&session.conn, "BEGIN IMMEDIATE").map_err(db_error) {
                Err(e) => {
                    // The world is not writable (another process holds it past the busy
                    // timeout): the calls this batch would have run answer the error.
                    own_answer = own.map(|_| Ok(Err(e.clone())));
                    let queued = MAX_BATCH - usize::from(own_answer.is_some());
                    let mut queue = self.queue();
                    let n = queue.len().min(queued);
                    ran.extend(queue.drain(..n).map(|job| (job, Ok(Err(e.clone())))));
                }
                Ok(()) => {
                    let mut calls = 0;
                    if let Some(f) = own {
                        own_answer = Some(catch_unwind(AssertUnwindSafe(|| session.run_call(f))));
                        calls += 1;
                        if matches!(own_answer, Some(Err(_))) {
                            // Its savepoint is rolled back; what it left in the caches is not.
                            session.forget();
                        }
                    }
                    while calls < MAX_BATCH {
                        let Some(job) = self.queue().pop_front() else {
                            break;
                        };
                        let answer = catch_unwind(AssertUnwindSafe(|| {
                            session.run_call(|ctx| dispatch(ctx, &job.action, &job.params))
                        }));
                        if answer.is_err() {
                            session.forget();
                        }
                        ran.push((job, answer));
                        calls += 1;
                    }
                    if let Err(e) = end_batch(&session) {
                        for (_, answer) in &mut ran {
                            if let Ok(out) = answer {
                                *out = Err(e.clone());
                            }
                        }
                        if let Some(Ok(out)) = &mut own_answer {
                            *out = Err(e);
                        }
                    }
                    session.batch.finished += 1;
                }
            }
        }
        // Released (and the lead handed over) before the answers wake their threads.
        drop(session);
        for (job, answer) in ran {
            job.complete(answer);
        }
        own_answer
    }
}

/// The held session. Dropped, it releases the session and then asks the thread of the oldest
/// queued call, if any, to lead the next batch.
pub(super) struct SessionGuard<'w> {
    writer: &'w Writer,
    session: Option<MutexGuard<'w, Session>>,
}

impl std::ops::Deref for SessionGuard<'_> {
    type Target = Session;

    fn deref(&self) -> &Session {
        self.session.as_ref().expect("held until dropped")
    }
}

impl std::ops::DerefMut for SessionGuard<'_> {
    fn deref_mut(&mut self) -> &mut Session {
        self.session.as_mut().expect("held until dropped")
    }
}

impl Drop for SessionGuard<'_> {
    fn drop(&mut self) {
        drop(self.session.take());
        if let Some(next) = self.writer.queue().front() {
            next.lead.store(true, Ordering::SeqCst);
            next.thread.unpark();
        }
    }
}

/// Commits the open batch, rolling it back when `COMMIT` fails.
fn end_batch(session: &Session) -> Result<(), CloudError> {
    let committed = run_cached(&session.conn, "COMMIT").map_err(db_error);
    if committed.is_err() {
        if !session.conn.is_autocommit() {
            let _ = session.conn.execute_batch("ROLLBACK");
        }
        session.forget();
    }
    committed
}
