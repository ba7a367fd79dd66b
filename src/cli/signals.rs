//! Ctrl-C (SIGINT) and SIGTERM for the commands that write the state.
//!
//! While an apply walks: the first signal stops starting new operations; the operations in
//! flight finish and their results are committed, then the command exits 130 with a summary
//! ([`interrupted`]). A second signal aborts at once: the lock is released and the process exits
//! 130; the intents of the calls still in flight stay in the state and are reconciled by the next
//! command. Outside the walk (planning, the confirmation prompt) the first signal aborts at once.
//!
//! The handler runs on a thread of its own (signal-hook's iterator), not in signal context, so
//! it may take locks, write to the terminal and open the state to release the lock.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

use signal_hook::consts::{SIGINT, SIGTERM};
use signal_hook::iterator::Signals;

use super::common::Ui;
use crate::apply::Outcome;
use crate::workspace::Workspace;

static STOP: OnceLock<Arc<AtomicBool>> = OnceLock::new();
static APPLYING: AtomicBool = AtomicBool::new(false);
static RECEIVED: AtomicUsize = AtomicUsize::new(0);

fn stop() -> &'static Arc<AtomicBool> {
    STOP.get_or_init(|| Arc::new(AtomicBool::new(false)))
}

/// Installs the handler (once per process).
pub fn install() {
    static INSTALLED: OnceLock<()> = OnceLock::new();
    INSTALLED.get_or_init(|| {
        let mut signals = match Signals::new([SIGINT, SIGTERM]) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("Warning: cannot handle interrupts ({e}); Ctrl-C ends eipform at once.");
                return;
            }
        };
        let flag = Arc::clone(stop());
        std::thread::spawn(move || {
            for _ in signals.forever() {
                let n = RECEIVED.fetch_add(1, Ordering::SeqCst) + 1;
                if n == 1 && APPLYING.load(Ordering::SeqCst) {
                    flag.store(true, Ordering::SeqCst);
                    eprintln!(
                        "\nInterrupt received.\nPlease wait for eipform to exit or data loss may occur.\nGracefully shutting down: no new operations start; the ones in flight finish and are recorded.\nInterrupt again to abort at once."
                    );
                    continue;
                }
                if n > 1 {
                    eprintln!(
                        "\nTwo interrupts received. Exiting immediately.\nOperations that were in flight are recorded as unfinished in the state; the next eipform command reconciles them with the cloud."
                    );
                } else {
                    eprintln!("\nInterrupt received. Nothing was changed.");
                }
                super::lock::release_held();
                std::process::exit(130);
            }
        });
    });
}

/// The apply walk starts now: from here on the first interrupt stops the walk gracefully.
/// Returns the flag the walk watches ([`crate::apply::ApplyOptions::stop`]).
pub fn apply_stop() -> Option<Arc<AtomicBool>> {
    install();
    APPLYING.store(true, Ordering::SeqCst);
    Some(Arc::clone(stop()))
}

/// Reports an interrupted apply and returns its exit code (130).
pub fn interrupted(ui: &Ui, ws: &Workspace, outcome: &Outcome) -> i32 {
    if !outcome.failed.is_empty() {
        ui.errors(&outcome.failed, &ws.config.sources);
    }
    eprintln!(
        "\nApply interrupted: {} applied, {} failed, {} not started. The state records everything that was applied; run the command again to finish.",
        outcome.applied.len(),
        outcome.failed.len(),
        outcome.skipped.len()
    );
    130
}
