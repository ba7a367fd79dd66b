//! Reading and refreshing the recorded resources while the configuration loads.
//!
//! Refresh needs the state and the cloud, not the configuration, except to know where they
//! are: a `backend` block moves the state and a provider's `endpoint` the cloud. When no file
//! mentions either and both exist already, `plan` and `apply` open them, read the records and
//! refresh them on a thread of their own while the configuration is parsed: in a no-op plan of
//! 1,000 EIPs each is about a third of the run, and neither keeps both cores busy alone. The
//! thread looks through the files for either word itself, so the load does not wait for it.
//!
//! With refresh, the thread also hands over the records as read before it refreshes them
//! ([`Prefetch::early`]): the plan can be made from them while the refresh runs, and stands
//! when the refresh finds every object as recorded (see `common::make_plan`).
//!
//! What the thread found is used only once the configuration has loaded without errors, and
//! only if the configuration puts the state and the cloud where the thread looked; its errors
//! are reported then, where a sequential run reports them. Unfinished operations of an
//! interrupted run stop the thread before it reads the records: reconciling them reports
//! against the configuration. The thread only reads: a configuration that fails to load leaves
//! it to be dropped with the process.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::thread::JoinHandle;

use crate::cloud::CloudApi;
use crate::diag::Diagnostic;
use crate::plan::model::PlanMode;
use crate::plan::planner::{self, Refreshed};
use crate::provider::alicloud::AlicloudProvider;
use crate::state::sqlite::SqliteState;
use crate::state::{OutputState, ResourceState, StateMeta, StateStore};
use crate::workspace::{self, Workspace};

/// A read of the state and refresh running beside the configuration's load.
pub struct Prefetch {
    state_path: PathBuf,
    endpoint: String,
    work: JoinHandle<Fetched>,
    /// The records as read, sent before the refresh starts (with refresh only).
    early: Option<Receiver<Early>>,
}

/// The state as read, before the refresh, and the cloud it is refreshed from.
pub struct Early {
    pub meta: StateMeta,
    pub outputs: Vec<OutputState>,
    pub records: Vec<ResourceState>,
    pub cloud: Arc<dyn CloudApi>,
}

/// What the thread got to.
pub enum Fetched {
    /// Nothing was read: a file names a backend or a provider endpoint, so where the state and
    /// the cloud are is known only once the configuration has loaded.
    Skipped,
    /// Opening, reading or refreshing failed, with what a sequential run reports.
    Failed(Vec<Diagnostic>),
    /// The state and the cloud, opened; unfinished operations wait for reconciling.
    Opened {
        state: SqliteState,
        cloud: Arc<dyn CloudApi>,
    },
    /// The records, read and (with refresh) refreshed.
    Read {
        state: SqliteState,
        cloud: Arc<dyn CloudApi>,
        read: Read,
    },
}

/// The state as a plan starts from it.
pub struct Read {
    pub meta: StateMeta,
    pub outputs: Vec<OutputState>,
    pub prior: Refreshed,
}

/// Starts reading (and, with `refresh`, refreshing) the state of the workspace in `dir`, when
/// where the state and the cloud are does not depend on the configuration and both exist. The
/// records are handed over before the refresh ([`Prefetch::early`]) only with refresh and for
/// a `mode` that plans from them (a normal plan): otherwise nobody takes the copy.
pub fn start(dir: &Path, refresh: bool, parallelism: usize, mode: PlanMode) -> Option<Prefetch> {
    let from_env = std::env::var("EIPFORM_CLOUD")
        .ok()
        .filter(|e| !e.is_empty());
    let endpoint = from_env
        .clone()
        .unwrap_or_else(|| workspace::DEFAULT_CLOUD.to_string());
    let state_path = dir.join(workspace::DEFAULT_STATE);
    let world = dir.join(endpoint.strip_prefix("sim:")?);
    if !state_path.is_file() || !world.is_file() {
        return None;
    }
    let (path, at, dir) = (state_path.clone(), endpoint.clone(), dir.to_path_buf());
    let (early_tx, early) = match refresh && mode == PlanMode::Normal {
        true => {
            let (tx, rx) = sync_channel(1);
            (Some(tx), Some(rx))
        }
        false => (None, None),
    };
    let work = std::thread::Builder::new()
        .name("prefetch".into())
        .spawn(move || {
            // Whether a file names a backend or an endpoint is looked for here, while the
            // configuration loads (reading every file once more was on the load's path).
            let mentioned = crate::config::mentioned(&dir, &["endpoint", "backend"]);
            if (from_env.is_none() && mentioned[0]) || mentioned[1] {
                return Fetched::Skipped;
            }
            fetch(&path, &at, &dir, refresh, parallelism, early_tx)
        })
        .ok()?;
    Some(Prefetch {
        state_path,
        endpoint,
        work,
        early,
    })
}

impl Prefetch {
    /// Whether `ws` puts the state and the cloud where the thread looked.
    fn placed(&self, ws: &Workspace) -> bool {
        ws.state_path() == self.state_path && ws.endpoint == self.endpoint
    }

    /// The records as read, once the thread has them and before it refreshes them; `None`
    /// without refresh, when `ws` places the state or the cloud elsewhere, or when the thread
    /// read nothing (it stopped, failed, or found unfinished operations).
    pub fn early(&self, ws: &Workspace) -> Option<Early> {
        if !self.placed(ws) {
            return None;
        }
        self.early.as_ref()?.recv().ok()
    }

    /// What the thread found, once it is done; `None` when `ws` places the state or the cloud
    /// elsewhere (the caller then reads them itself).
    pub fn finish(self, ws: &Workspace) -> Option<Fetched> {
        let placed = self.placed(ws);
        let fetched = match self.work.join() {
            Ok(f) => f,
            Err(panic) => std::panic::resume_unwind(panic),
        };
        (placed && !matches!(fetched, Fetched::Skipped)).then_some(fetched)
    }
}

fn fetch(
    state_path: &Path,
    endpoint: &str,
    dir: &Path,
    refresh: bool,
    threads: usize,
    early: Option<SyncSender<Early>>,
) -> Fetched {
    // The cloud opens on a thread of its own while the state opens and is read here (the
    // refresh needs both); failures are reported in the order a sequential run meets them.
    let (state, cloud, records) = std::thread::scope(|scope| {
        let cloud = scope.spawn(|| {
            let cloud = workspace::connect(endpoint, dir);
            if let (true, Ok(c)) = (refresh, &cloud) {
                c.prepare_reads();
            }
            cloud
        });
        let state = workspace::open_state(state_path);
        let records = match &state {
            Ok(s) if s.intents().is_ok_and(|i| i.is_empty()) => Some(read(s)),
            _ => None,
        };
        let cloud = cloud
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (state, cloud, records)
    });
    let state = match state {
        Ok(s) => s,
        Err(d) => return Fetched::Failed(vec![d]),
    };
    let cloud = match cloud {
        Ok(c) => c,
        Err(d) => return Fetched::Failed(vec![d]),
    };
    let Some(records) = records else {
        return Fetched::Opened { state, cloud };
    };
    let (meta, resources, outputs) = match records {
        Ok(r) => r,
        Err(d) => return Fetched::Failed(vec![d]),
    };
    if let Some(early) = early {
        // Records share their attributes: a copy is a few small strings each.
        let _ = early.send(Early {
            meta: meta.clone(),
            outputs: outputs.clone(),
            records: resources.clone(),
            cloud: cloud.clone(),
        });
    }
    let provider = AlicloudProvider::new(cloud.clone());
    match planner::prior(&provider, resources, refresh, threads) {
        Ok(prior) => Fetched::Read {
            state,
            cloud,
            read: Read {
                meta,
                outputs,
                prior,
            },
        },
        Err(diags) => Fetched::Failed(diags),
    }
}

/// The state's metadata, records and outputs.
pub fn read(
    state: &SqliteState,
) -> Result<
    (
        StateMeta,
        Vec<crate::state::ResourceState>,
        Vec<OutputState>,
    ),
    Diagnostic,
> {
    match (state.meta(), state.resources(), state.outputs()) {
        (Ok(m), Ok(r), Ok(o)) => Ok((m, r, o)),
        (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => {
            Err(Diagnostic::error("Cannot read the state").detail(e.to_string()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workspace::VarArgs;

    const EIP: &str = "resource \"alicloud_eip_address\" \"e\" {\n  bandwidth = \"5\"\n}\n";

    fn workspace(dir: &Path) -> Workspace {
        workspace::load(dir, &VarArgs::default())
            .map_err(|(d, _)| d)
            .unwrap()
    }

    #[test]
    fn reads_the_state_only_where_the_configuration_cannot_move_it() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("main.tf"), EIP).unwrap();
        // Nothing recorded yet: nothing to read (and nothing is created before the load).
        assert!(start(dir.path(), true, 4, PlanMode::Normal).is_none());
        assert!(!dir.path().join(workspace::DEFAULT_STATE).exists());
        let ws = workspace(dir.path());
        drop(ws.open_state().unwrap());
        drop(ws.cloud().unwrap());
        let prefetch = start(dir.path(), true, 4, PlanMode::Normal).expect("state and cloud exist");
        // The records as read come first, with the refresh still to run.
        let early = prefetch.early(&ws).expect("the records as read");
        assert_eq!(early.meta.serial, 0);
        assert!(early.records.is_empty());
        match prefetch.finish(&ws) {
            Some(Fetched::Read { read, .. }) => {
                assert_eq!(read.meta.serial, 0);
                assert!(read.prior.0.is_empty() && read.prior.1.is_empty());
            }
            _ => panic!("expected the records"),
        }
        // A backend or an endpoint in any file: the configuration decides, after it loads.
        for (file, text) in [
            (
                "backend.tf",
                "terraform {\n  backend \"sqlite\" {\n    path = \"s.db\"\n  }\n}\n",
            ),
            (
                "endpoint.tf",
                "provider \"alicloud\" {\n  endpoint = \"sim:other.db\"\n}\n",
            ),
        ] {
            std::fs::write(dir.path().join(file), text).unwrap();
            // `ws` (loaded before) places both where the thread would look: what keeps it
            // from reading is the file.
            let prefetch =
                start(dir.path(), true, 4, PlanMode::Normal).expect("state and cloud exist");
            assert!(prefetch.early(&ws).is_none(), "{file}");
            assert!(prefetch.finish(&ws).is_none(), "{file}");
            std::fs::remove_file(dir.path().join(file)).unwrap();
        }
    }

    #[test]
    fn pending_intents_stop_at_opening_and_a_broken_state_is_reported_before_the_cloud() {
        use crate::state::{Intent, IntentAction, StateStore};
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("main.tf"), EIP).unwrap();
        let ws = workspace(dir.path());
        let mut state = ws.open_state().unwrap();
        state
            .record_intents(&[Intent::sample(
                "alicloud_eip_address.e",
                IntentAction::Create,
            )])
            .unwrap();
        drop(state);
        drop(ws.cloud().unwrap());
        let prefetch = start(dir.path(), true, 2, PlanMode::Normal).unwrap();
        assert!(
            prefetch.early(&ws).is_none(),
            "nothing read before reconciling"
        );
        assert!(matches!(prefetch.finish(&ws), Some(Fetched::Opened { .. })));
        // Both broken: the state's failure is the one reported, as a sequential run meets it.
        for f in [workspace::DEFAULT_STATE, ".eipform/cloud.db"] {
            std::fs::write(dir.path().join(f), "not a database, not at all".repeat(200)).unwrap();
        }
        let prefetch = start(dir.path(), true, 2, PlanMode::Normal).unwrap();
        match prefetch.finish(&ws) {
            Some(Fetched::Failed(d)) => {
                let text = format!("{} {}", d[0].summary, d[0].detail);
                assert!(text.contains("state"), "{text}");
                assert!(!text.contains("cloud"), "{text}");
            }
            _ => panic!("expected the state's failure"),
        }
    }

    #[test]
    fn a_configuration_placing_the_state_elsewhere_discards_what_was_read() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("main.tf"), EIP).unwrap();
        let ws = workspace(dir.path());
        drop(ws.open_state().unwrap());
        drop(ws.cloud().unwrap());
        let prefetch = start(dir.path(), false, 1, PlanMode::Normal).unwrap();
        // The files changed between the look and the load.
        std::fs::write(
            dir.path().join("backend.tf"),
            "terraform {\n  backend \"sqlite\" {\n    path = \"elsewhere.db\"\n  }\n}\n",
        )
        .unwrap();
        let moved = workspace(dir.path());
        assert!(prefetch.early(&moved).is_none());
        assert!(prefetch.finish(&moved).is_none());
        // Without refresh there is nothing to hand over early.
        std::fs::remove_file(dir.path().join("backend.tf")).unwrap();
        let prefetch = start(dir.path(), false, 1, PlanMode::Normal).unwrap();
        assert!(prefetch.early(&ws).is_none());
        assert!(matches!(prefetch.finish(&ws), Some(Fetched::Read { .. })));
        // Nor for a destroy or a refresh-only plan, which plan from the refreshed records.
        for mode in [PlanMode::Destroy, PlanMode::RefreshOnly] {
            let prefetch = start(dir.path(), true, 1, mode).unwrap();
            assert!(prefetch.early(&ws).is_none());
            assert!(matches!(prefetch.finish(&ws), Some(Fetched::Read { .. })));
        }
    }
}
