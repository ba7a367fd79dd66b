//! What the commands share: the terminal UI, loading a workspace, and making a checked plan.

use std::path::Path;

use super::prefetch::{self, Early, Fetched, Prefetch, Read};
use super::spool::Spool;
use super::{PlanOpts, VarOpts};
use crate::apply::{self, ApplyOptions, NullSink};
use crate::diag::{self, Diagnostic, Sources};
use crate::plan::model::PlanMode;
use crate::plan::planner::{self, ByAddress, PlanOptions, Planned, Refreshed};
use crate::provider::alicloud::AlicloudProvider;
use crate::state::sqlite::SqliteState;
use crate::state::{OutputState, ResourceState, StateStore};
use crate::workspace::{self, VarArgs, Workspace};

pub struct Ui {
    pub color: bool,
}

impl Ui {
    pub fn errors(&self, diags: &[Diagnostic], sources: &Sources) {
        eprint!("{}", diag::render_human(diags, sources, self.color));
    }
}

pub fn var_args(v: &VarOpts) -> VarArgs {
    VarArgs {
        vars: v.vars.clone(),
        var_files: v.var_files.clone(),
    }
}

pub fn load(ui: &Ui, dir: &Path, vars: &VarOpts) -> Option<Workspace> {
    match workspace::load(dir, &var_args(vars)) {
        Ok(ws) => {
            if !ws.warnings.is_empty() {
                ui.errors(&ws.warnings, &ws.config.sources);
            }
            Some(ws)
        }
        Err((diags, config)) => {
            ui.errors(&diags, &config.sources);
            None
        }
    }
}

/// Writes a plan (with the recorded outputs) as the text a command shows.
pub type RenderPlan<'a> =
    dyn Fn(&Planned, &[OutputState], &mut Spool) -> std::io::Result<()> + Sync + 'a;

/// A checked plan, its rendering, and what applying it needs.
pub struct Made {
    pub planned: Planned,
    /// The plan as `render` wrote it.
    pub text: Spool,
    pub state: SqliteState,
    pub provider: AlicloudProvider,
}

/// Plans and checks the planned actions against a scratch copy of the cloud. `render` writes
/// the plan (with the recorded outputs) as the text to show; it runs on its own thread while
/// the check runs, into a spool (a temporary file when the plan has actions), and its text is
/// returned only when the check passes.
pub fn make_plan(
    ui: &Ui,
    ws: &Workspace,
    opts: &PlanOpts,
    mode: PlanMode,
    render: &RenderPlan<'_>,
    prefetched: Option<Prefetch>,
) -> Option<Made> {
    let fail = |d: Diagnostic| {
        ui.errors(&[d], &ws.config.sources);
        None
    };
    let plan_opts = PlanOptions {
        mode,
        refresh: opts.refresh,
        parallelism: opts.parallelism,
    };
    // The plan is made from the records as read while the thread refreshes them (this thread
    // would only wait). It stands when the refresh finds every object as recorded, as after an
    // apply; otherwise it is made again from the refreshed records.
    let speculated = prefetched
        .as_ref()
        .filter(|_| speculable(ws, &plan_opts))
        .and_then(|p| p.early(ws))
        .and_then(|early| speculate(ws, early, &plan_opts));
    let (mut state, cloud, read) = match prefetched.and_then(|p| p.finish(ws)) {
        Some(Fetched::Failed(diags)) => {
            ui.errors(&diags, &ws.config.sources);
            return None;
        }
        Some(Fetched::Opened { state, cloud }) => (state, cloud, None),
        Some(Fetched::Read { state, cloud, read }) => (state, cloud, Some(read)),
        Some(Fetched::Skipped) | None => {
            let state = match ws.open_state() {
                Ok(s) => s,
                Err(d) => return fail(d),
            };
            match ws.cloud() {
                Ok(c) => (state, c, None),
                Err(d) => return fail(d),
            }
        }
    };
    let provider = AlicloudProvider::new(cloud.clone());
    let read = match read {
        Some(read) => read,
        None => {
            reconcile(ui, ws, &mut state, &provider)?;
            let (meta, resources, outputs) = match prefetch::read(&state) {
                Ok(r) => r,
                Err(d) => return fail(d),
            };
            match planner::prior(&provider, resources, opts.refresh, opts.parallelism) {
                Ok(prior) => Read {
                    meta,
                    outputs,
                    prior,
                },
                Err(diags) => {
                    ui.errors(&diags, &ws.config.sources);
                    return None;
                }
            }
        }
    };
    let Read {
        meta,
        outputs,
        prior,
    } = read;
    let planned = match speculated {
        Some(mut planned) if as_recorded(&planned.prior, &prior) => {
            planned.prior = prior.0;
            planned
        }
        _ => match planner::plan_refreshed(ws, &meta, prior, &outputs, &provider, plan_opts) {
            Ok(p) => p,
            Err(diags) => {
                ui.errors(&diags, &ws.config.sources);
                return None;
            }
        },
    };
    let rendered = |mut text: Spool| match render(&planned, &outputs, &mut text) {
        Ok(()) => Ok(text),
        Err(e) => Err(Diagnostic::error("Cannot write the plan").detail(e.to_string())),
    };
    if !planned.plan.has_actions() {
        let text = match rendered(Spool::small()) {
            Ok(t) => t,
            Err(d) => return fail(d),
        };
        return Some(Made {
            planned,
            text,
            state,
            provider,
        });
    }
    let scratch = match cloud.scratch() {
        Ok(s) => s,
        Err(e) => {
            return fail(
                Diagnostic::error("Cannot open a scratch copy of the cloud").detail(e.to_string()),
            );
        }
    };
    let scratch_provider = AlicloudProvider::new(std::sync::Arc::from(scratch));
    let (outcome, text) = std::thread::scope(|scope| {
        let text = scope.spawn(|| rendered(Spool::large()));
        let outcome = apply::apply(
            ws,
            &planned,
            &scratch_provider,
            &mut NullSink,
            &ApplyOptions {
                progress: None,
                parallelism: 1,
                stop: None,
                rehearsal: true,
            },
        );
        (outcome, text.join())
    });
    if !outcome.failed.is_empty() {
        ui.errors(&outcome.failed, &ws.config.sources);
        eprintln!(
            "Planning failed: {} planned action(s) would be refused by the cloud. Nothing was changed.",
            outcome.failed.len()
        );
        return None;
    }
    let text = match text {
        Ok(Ok(t)) => t,
        Ok(Err(d)) => return fail(d),
        Err(panic) => std::panic::resume_unwind(panic),
    };
    Some(Made {
        planned,
        text,
        state,
        provider,
    })
}

/// Whether a plan made from the records as read can stand for the one made from the refreshed
/// records: the configuration reads nothing from the cloud while planning (data sources,
/// `import` blocks) and moves nothing in the state (`moved` blocks), so the plan depends on
/// nothing but the records.
fn speculable(ws: &Workspace, opts: &PlanOptions) -> bool {
    let config = &ws.config;
    opts.mode == PlanMode::Normal
        && opts.refresh
        && config.imports.is_empty()
        && config.moved.is_empty()
        && config
            .resources
            .iter()
            .all(|r| r.addr.mode == crate::addr::Mode::Managed)
}

/// The plan made from the records as read; `None` when planning failed (the plan made after
/// the refresh reports why).
fn speculate(ws: &Workspace, early: Early, opts: &PlanOptions) -> Option<Planned> {
    let provider = AlicloudProvider::new(early.cloud);
    let prior = early
        .records
        .into_iter()
        .map(|r| (r.addr.clone(), r))
        .collect();
    planner::plan_refreshed(
        ws,
        &early.meta,
        (prior, Vec::new()),
        &early.outputs,
        &provider,
        *opts,
    )
    .ok()
}

/// Whether the refresh found every object of `recorded` as recorded: the same records, each
/// keeping its recorded attributes (a refresh replaces the attributes of any object it finds
/// otherwise), and no drift.
fn as_recorded(recorded: &ByAddress<ResourceState>, (refreshed, drift): &Refreshed) -> bool {
    drift.is_empty()
        && refreshed.len() == recorded.len()
        && refreshed.iter().all(|(addr, r)| {
            recorded
                .get(addr)
                .is_some_and(|s| std::sync::Arc::ptr_eq(&s.attrs, &r.attrs))
        })
}

/// Settles the unfinished operations a crashed or aborted run left in the state, before
/// anything is planned (see [`apply::reconcile`]). Done under the state lock: the one this
/// command holds, or else taken for the moment when it is free; when a running command holds
/// it, its operations are in flight, not unfinished, and are left alone. Reports on stderr.
/// `None` on failure (printed); otherwise whether the state changed.
pub fn reconcile(
    ui: &Ui,
    ws: &Workspace,
    state: &mut SqliteState,
    provider: &AlicloudProvider,
) -> Option<bool> {
    let intents = match state.intents() {
        Ok(i) => i,
        Err(e) => {
            ui.errors(
                &[Diagnostic::error("Cannot read the state").detail(e.to_string())],
                &ws.config.sources,
            );
            return None;
        }
    };
    if intents.is_empty() {
        return Some(false);
    }
    let path = ws.state_path();
    let mut _guard = None;
    let may_delete = match super::lock::held_for(&path) {
        Some(op) => op == "apply" || op == "destroy",
        None => match super::lock::try_acquire_path(&path, "reconcile") {
            Ok(g) => {
                _guard = Some(g);
                false
            }
            Err(holder) => {
                eprintln!(
                    "Warning: {} operation(s) of a running command are in flight ({} by {}, pid {}); this plan does not include their results.\n",
                    intents.len(),
                    holder.operation,
                    holder.who,
                    holder.pid
                );
                return Some(false);
            }
        },
    };
    eprintln!(
        "Reconciling {} unfinished operation(s) of an interrupted run with the cloud...",
        intents.len()
    );
    state.start_run("reconcile");
    match apply::reconcile::reconcile(state, provider, may_delete) {
        Ok(report) => {
            for line in report.lines() {
                eprintln!("{line}");
            }
            eprintln!();
            state.start_run("apply");
            Some(!report.is_empty())
        }
        Err(d) => {
            ui.errors(&[d], &ws.config.sources);
            None
        }
    }
}

/// For `apply FILE`: settles unfinished operations first; a saved plan made before them no
/// longer matches the state and is refused (printed). False when the apply must not go on.
pub fn reconcile_for_saved_plan(
    ui: &Ui,
    ws: &Workspace,
    state: &mut SqliteState,
    provider: &AlicloudProvider,
) -> bool {
    match reconcile(ui, ws, state, provider) {
        None => false,
        Some(false) => true,
        Some(true) => {
            ui.errors(
                &[Diagnostic::error("Saved plan is stale").detail(
                    "Unfinished operations of an interrupted run were just reconciled into the state, so the saved plan no longer matches it. Create a new plan with `eipform plan --out FILE`.",
                )],
                &ws.config.sources,
            );
            false
        }
    }
}

pub fn open_state_only(ui: &Ui, dir: &Path) -> Option<crate::state::sqlite::SqliteState> {
    match workspace::open_state(&workspace::state_path_in(dir)) {
        Ok(s) => Some(s),
        Err(d) => {
            ui.errors(&[d], &Sources::default());
            None
        }
    }
}
