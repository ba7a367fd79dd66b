//! `eipform plan`, `apply` (also `apply FILE` and `--refresh-only`), `destroy` and
//! `show FILE`.

use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};

use super::common::{Ui, load, make_plan};
use super::spool::{Spool, print, print_failed, print_last};
use super::{PlanOpts, VarOpts};
use crate::addr::ResourceAddress;
use crate::apply::{self, ApplyOptions};
use crate::diag::{Diagnostic, Sources};
use crate::plan::model::{Action, Plan, PlanMode};
use crate::plan::planfile::{self, PlanFile};
use crate::plan::planner::{self, Planned};
use crate::provider::alicloud::AlicloudProvider;
use crate::render::{self, Format};
use crate::state::sqlite::SqliteState;
use crate::state::{OutputState, ResourceState, StateStore};
use crate::workspace::Workspace;

/// What `eipform plan` was asked for beyond the planning options.
pub struct PlanArgs {
    pub detailed: bool,
    pub out: Option<PathBuf>,
    pub refresh_only: bool,
    pub format: Format,
}

/// Renders a plan in `format` to `out`; `prior` is the (refreshed) state it was made against.
fn write_plan(
    plan: &Plan,
    prior: &[ResourceState],
    prior_outputs: &[OutputState],
    format: Format,
    color: bool,
    out: &mut Spool,
) -> std::io::Result<()> {
    match format {
        Format::Human => render::human::plan_to(plan, color, out).map_err(|_| out.take_error()),
        Format::Markdown | Format::Json => {
            out.write_all(render_plan(plan, prior, prior_outputs, format, color).as_bytes())
        }
    }
}

/// Renders a plan in `format`; `prior` is the (refreshed) state it was made against.
pub(super) fn render_plan(
    plan: &Plan,
    prior: &[ResourceState],
    prior_outputs: &[OutputState],
    format: Format,
    color: bool,
) -> String {
    match format {
        Format::Human => render::human::plan(plan, color),
        Format::Markdown => render::markdown::plan(plan),
        Format::Json => {
            let mut s =
                serde_json::to_string_pretty(&render::json::plan(plan, prior, prior_outputs))
                    .unwrap_or_default();
            s.push('\n');
            s
        }
    }
}

fn cannot_print(e: std::io::Error) -> Diagnostic {
    Diagnostic::error("Cannot print the plan").detail(format!("{e}. Nothing was changed."))
}

fn sorted_prior(planned: &Planned) -> Vec<ResourceState> {
    let mut prior: Vec<ResourceState> = planned.prior.values().cloned().collect();
    prior.sort_by(|a, b| a.addr.cmp(&b.addr));
    prior
}

fn error(ui: &Ui, d: Diagnostic) -> i32 {
    ui.errors(&[d], &Sources::default());
    1
}

fn refresh_conflict(ui: &Ui, opts: &PlanOpts) -> Option<i32> {
    (!opts.refresh).then(|| {
        error(
            ui,
            Diagnostic::error("Incompatible refresh options")
                .detail("--refresh=false and --refresh-only cannot be used together: a refresh-only plan consists of the refresh."),
        )
    })
}

pub fn plan_cmd(ui: &Ui, dir: &Path, opts: &PlanOpts, args: &PlanArgs) -> i32 {
    if args.refresh_only
        && let Some(code) = refresh_conflict(ui, opts)
    {
        return code;
    }
    let mode = if args.refresh_only {
        PlanMode::RefreshOnly
    } else {
        PlanMode::Normal
    };
    let prefetched = super::prefetch::start(dir, opts.refresh, opts.parallelism, mode);
    let Some(ws) = load(ui, dir, &opts.vars) else {
        return 1;
    };
    // The process exits after the command: freeing the configuration only costs time.
    let ws = std::mem::ManuallyDrop::new(ws);
    let render = |planned: &Planned, outputs: &[OutputState], out: &mut Spool| {
        // Only the JSON plan shows the prior state.
        let prior = match args.format {
            Format::Json => sorted_prior(planned),
            Format::Human | Format::Markdown => Vec::new(),
        };
        write_plan(&planned.plan, &prior, outputs, args.format, ui.color, out)
    };
    let Some(made) = make_plan(ui, &ws, opts, mode, &render, prefetched) else {
        return 1;
    };
    let super::common::Made {
        planned,
        text,
        state,
        ..
    } = made;
    // The process exits after the command: freeing a large plan only costs time (issue 7).
    let planned = std::mem::ManuallyDrop::new(planned);
    let (meta, prior_outputs) = match (state.meta(), state.outputs()) {
        (Ok(m), Ok(o)) => (m, o),
        (Err(e), _) | (_, Err(e)) => {
            return error(
                ui,
                Diagnostic::error("Cannot read the state").detail(e.to_string()),
            );
        }
    };
    if let Err(e) = text.print() {
        return print_failed(e, |e| error(ui, cannot_print(e)));
    }
    if let Some(out) = &args.out {
        let file = PlanFile::new(
            &ws,
            &super::common::var_args(&opts.vars),
            &meta,
            &planned,
            &prior_outputs,
        );
        if let Err(d) = file.write(&dir.join(out)) {
            return error(ui, d);
        }
        let note = format!(
            "\nSaved the plan to: {0}\n\nTo perform exactly these actions, run the following command to apply:\n    eipform apply {0}\n",
            out.display()
        );
        // Machine-readable output stays alone on stdout.
        if args.format != Format::Human {
            eprint!("{note}")
        } else if let Err(code) = print(note) {
            return code;
        }
    }
    let plan = &planned.plan;
    if !args.detailed {
        return 0;
    }
    if plan.has_actions() {
        return 2;
    }
    let outputs = !plan.outputs.is_empty();
    if outputs || !plan.drift.is_empty() {
        let what = match (outputs, plan.drift.is_empty()) {
            (true, true) => "only output values change",
            (true, false) => {
                "only output values and objects changed outside eipform (drift) differ"
            }
            _ => "the only differences are changes made outside eipform (drift)",
        };
        eprintln!(
            "\nNote: --detailed-exitcode reports 0 because {what}: there are no actions to apply. Use `eipform drift` to make drift fail a check."
        );
    }
    0
}

/// Asks `question`; `Err` holds the exit code when there is no terminal to ask on, or the
/// question cannot be printed.
fn confirm(what: &str, question: &str, explain: &str) -> Result<bool, i32> {
    if !std::io::stdin().is_terminal() {
        eprintln!(
            "Error: {what} needs confirmation, but there is no terminal to ask on.\n\nRun it with --auto-approve to {what} without asking."
        );
        return Err(1);
    }
    print(format!(
        "\n{question}\n  {explain}\n  Only 'yes' will be accepted to approve.\n\n  Enter a value: "
    ))?;
    let mut line = String::new();
    if std::io::stdin().lock().read_line(&mut line).is_err() {
        return Ok(false);
    }
    Ok(line.trim() == "yes")
}

pub fn apply_cmd(ui: &Ui, dir: &Path, opts: &PlanOpts, mode: PlanMode, auto_approve: bool) -> i32 {
    if mode == PlanMode::RefreshOnly
        && let Some(code) = refresh_conflict(ui, opts)
    {
        return code;
    }
    let prefetched = super::prefetch::start(dir, opts.refresh, opts.parallelism, mode);
    let Some(ws) = load(ui, dir, &opts.vars) else {
        return 1;
    };
    // The process exits after the command: freeing the configuration only costs time.
    let ws = std::mem::ManuallyDrop::new(ws);
    let render = |planned: &Planned, _: &[OutputState], out: &mut Spool| {
        write_plan(&planned.plan, &[], &[], Format::Human, ui.color, out)
    };
    let Some(made) = make_plan(ui, &ws, opts, mode, &render, prefetched) else {
        return 1;
    };
    let super::common::Made {
        planned,
        text,
        mut state,
        provider,
    } = made;
    // The process exits after the command: freeing a large plan only costs time (issue 7).
    let mut planned = std::mem::ManuallyDrop::new(planned);
    // A reader that stopped reading ends the command here, before anything changes.
    if let Err(e) = text.print() {
        return print_failed(e, |e| error(ui, cannot_print(e)));
    }
    if mode == PlanMode::RefreshOnly {
        if planned.plan.drift.is_empty() {
            return 0;
        }
        if !auto_approve {
            match confirm(
                "apply --refresh-only",
                "Would you like to update the eipform state to reflect these detected changes?",
                "eipform will write these changes to the state without modifying any real infrastructure.\n  There is no undo.",
            ) {
                Ok(true) => {}
                Ok(false) => {
                    eprintln!("\nError: Apply cancelled.");
                    return 1;
                }
                Err(code) => return code,
            }
        }
        return accept_drift(ui, &planned, &mut state);
    }
    let outputs_only = !planned.plan.has_actions();
    // Objects deleted outside eipform and no longer configured are forgotten by apply.
    let forgets = planned
        .plan
        .drift
        .iter()
        .any(|d| d.after.is_none() && !planned.instances.contains_key(&d.addr));
    if outputs_only && planned.plan.outputs.is_empty() && !forgets {
        super::lock::release_on(&mut state, &ws.state_path());
        return 0;
    }
    if !auto_approve && !outputs_only {
        let what = if mode == PlanMode::Destroy {
            "destroy"
        } else {
            "apply"
        };
        match confirm(
            what,
            "Do you want to perform these actions?",
            "eipform will perform the actions described above.",
        ) {
            Ok(true) => {}
            Ok(false) => {
                eprintln!(
                    "\nError: {} cancelled.",
                    if mode == PlanMode::Destroy {
                        "Destroy"
                    } else {
                        "Apply"
                    }
                );
                return 1;
            }
            Err(code) => return code,
        }
    }
    let code = run_apply(
        ui,
        &ws,
        &mut planned,
        &mut state,
        &provider,
        mode,
        opts.parallelism,
    );
    super::lock::release_on(&mut state, &ws.state_path());
    // Closing a database that was written copies its log back, with fsyncs (see
    // `checkpointer`): the world and the state are closed at the same time.
    std::thread::scope(|s| {
        s.spawn(move || drop(provider));
        drop(state);
    });
    code
}

/// `eipform apply FILE`: checks the saved plan against the state and the configuration, plans
/// again from the saved state, verifies the result is the saved plan, and applies it.
pub fn apply_saved(ui: &Ui, dir: &Path, opts: &PlanOpts, path: &Path, refresh_only: bool) -> i32 {
    if !opts.vars.vars.is_empty() || !opts.vars.var_files.is_empty() {
        return error(
            ui,
            Diagnostic::error("Can't set variables when applying a saved plan")
                .detail("The variable values were saved in the plan when it was created. To use other values, create a new plan with them."),
        );
    }
    if refresh_only {
        return error(
            ui,
            Diagnostic::error("Can't use --refresh-only with a saved plan")
                .detail("A saved plan already has its mode; create it with `eipform plan --refresh-only --out FILE`."),
        );
    }
    let file = match PlanFile::read(&dir.join(path)) {
        Ok(f) => f,
        Err(d) => return error(ui, d),
    };
    let vars = VarOpts {
        vars: file.var_args.vars.clone(),
        var_files: file.var_args.var_files.clone(),
    };
    let Some(ws) = load(ui, dir, &vars) else {
        return 1;
    };
    let fail = |d: Diagnostic| {
        ui.errors(&[d], &ws.config.sources);
        1
    };
    let mut state = match ws.open_state() {
        Ok(s) => s,
        Err(d) => return fail(d),
    };
    let meta = match state.meta() {
        Ok(m) => m,
        Err(e) => return fail(Diagnostic::error("Cannot read the state").detail(e.to_string())),
    };
    if let Err(d) = planfile::check(&file, &ws, &meta) {
        return fail(d);
    }
    let cloud = match ws.cloud() {
        Ok(c) => c,
        Err(d) => return fail(d),
    };
    let provider = AlicloudProvider::new(cloud);
    if !super::common::reconcile_for_saved_plan(ui, &ws, &mut state, &provider) {
        return 1;
    }
    let mut planned = match planfile::replan(&file, &ws, &meta, &provider) {
        Ok(p) => p,
        Err(diags) => {
            ui.errors(&diags, &ws.config.sources);
            return 1;
        }
    };
    let code = match planned.plan.mode {
        PlanMode::RefreshOnly => accept_drift(ui, &planned, &mut state),
        mode => run_apply(
            ui,
            &ws,
            &mut planned,
            &mut state,
            &provider,
            mode,
            opts.parallelism,
        ),
    };
    super::lock::release_on(&mut state, &ws.state_path());
    code
}

/// `eipform show FILE`.
pub fn show_saved(ui: &Ui, dir: &Path, path: &Path, format: Format) -> i32 {
    match PlanFile::read(&dir.join(path)) {
        Ok(f) => print_last(
            render_plan(&f.plan, &f.prior, &f.prior_outputs, format, ui.color),
            0,
        ),
        Err(d) => error(ui, d),
    }
}

/// Writes the refreshed attributes of drifted resources and forgets those deleted outside.
fn accept_drift(ui: &Ui, planned: &Planned, state: &mut SqliteState) -> i32 {
    state.set_command("apply --refresh-only");
    match planner::accept_drift(&planned.plan.drift, &planned.prior, state) {
        Ok((updated, removed)) => print_last(
            format!(
                "\nApply complete! Resources: 0 added, 0 changed, 0 destroyed.\nState updated from the cloud: {updated} refreshed, {removed} removed (deleted outside eipform).\n"
            ),
            0,
        ),
        Err(e) => error(
            ui,
            Diagnostic::error("Failed to update the state").detail(format!(
                "{e}. The resources recorded before the failure are kept."
            )),
        ),
    }
}

fn run_apply(
    ui: &Ui,
    ws: &Workspace,
    planned: &mut Planned,
    state: &mut SqliteState,
    provider: &AlicloudProvider,
    mode: PlanMode,
    parallelism: usize,
) -> i32 {
    state.set_command(if mode == PlanMode::Destroy {
        "destroy"
    } else {
        "apply"
    });
    if let Err(d) = crate::plan::imports::commit_planned(ws, planned, provider, state) {
        ui.errors(&[d], &ws.config.sources);
        return 1;
    }
    if let Err(code) = print("\n") {
        return code;
    }
    let mut outcome = apply::apply_last(
        ws,
        planned,
        provider,
        state,
        &ApplyOptions {
            parallelism,
            stop: super::signals::apply_stop(),
            rehearsal: false,
            progress: Some(report_progress),
        },
    );
    // Record the run's own side effects (an association changes its EIP) so they are not drift.
    let touched: Vec<ResourceAddress> = outcome
        .applied
        .iter()
        .filter(|(_, a)| *a != Action::Delete)
        .map(|(a, _)| a.clone())
        .collect();
    // What the plan held is not needed any more: freed before the records are read back.
    planned.release_tables();
    let recorded = std::mem::take(&mut outcome.recorded);
    if let Err(e) = apply::settle::settle_with(
        state,
        provider,
        &touched,
        recorded,
        &outcome.read_back,
        parallelism,
    ) {
        eprintln!("Warning: could not re-read the applied resources: {e}");
    }
    for w in &outcome.warnings {
        eprintln!("Warning: {w}");
    }
    let (mut add, mut change, mut destroy) = (0, 0, 0);
    for (_, a) in &outcome.applied {
        match a {
            Action::Create => add += 1,
            Action::Update => change += 1,
            Action::Delete => destroy += 1,
            Action::DeleteThenCreate | Action::CreateThenDelete => {
                add += 1;
                destroy += 1;
            }
            _ => {}
        }
    }
    if outcome.interrupted {
        return super::signals::interrupted(ui, ws, &outcome);
    }
    if !outcome.failed.is_empty() {
        ui.errors(&outcome.failed, &ws.config.sources);
        eprintln!(
            "Apply failed: {} applied, {} failed, {} skipped. The state holds exactly what succeeded.",
            outcome.applied.len(),
            outcome.failed.len(),
            outcome.skipped.len()
        );
        for s in &outcome.skipped {
            eprintln!("  skipped: {s}");
        }
        return 1;
    }
    if mode == PlanMode::Destroy {
        return print_last(
            format!("\nDestroy complete! Resources: {destroy} destroyed.\n"),
            0,
        );
    }
    let mut text = format!(
        "\nApply complete! Resources: {add} added, {change} changed, {destroy} destroyed.\n"
    );
    if let Ok(outputs) = state.outputs()
        && !outputs.is_empty()
    {
        text.push_str("\nOutputs:\n\n");
        for o in outputs {
            let v = if o.sensitive {
                "<sensitive>".to_string()
            } else {
                render::value::inline(&o.value)
            };
            text.push_str(&format!("{} = {v}\n", o.name));
        }
    }
    print_last(text, 0)
}

/// Prints Terraform's progress lines as the walk reports them: `ADDR: Creating...` when a call
/// starts, `ADDR: Creation complete after 2s [id=...]` when its change is committed.
fn report_progress(p: apply::Progress<'_>) {
    use std::sync::{LazyLock, Mutex};
    use std::time::Instant;
    static STARTED: LazyLock<Mutex<foldhash::HashMap<String, Instant>>> =
        LazyLock::new(Default::default);
    // Lines wait here until the walk waits for calls (`Progress::Waiting`).
    static HELD: Mutex<Vec<u8>> = Mutex::new(Vec::new());
    let mut started = STARTED.lock().unwrap_or_else(|e| e.into_inner());
    let mut held = HELD.lock().unwrap_or_else(|e| e.into_inner());
    match p {
        apply::Progress::Started(addr, op, id) => {
            let at = |what: &str| match id {
                "" => format!("{addr}: {what}..."),
                id => format!("{addr}: {what}... [id={id}]"),
            };
            let line = match op {
                apply::Op::Create => at("Creating"),
                apply::Op::Update => at("Modifying"),
                apply::Op::Delete => at("Destroying"),
                apply::Op::Read => at("Reading"),
            };
            held.extend_from_slice(line.as_bytes());
            held.push(b'\n');
            started.insert(addr.to_string(), Instant::now());
        }
        apply::Progress::Done(addr, action, id) => {
            let after = started
                .remove(&addr.to_string())
                .map(|t| t.elapsed().as_secs())
                .unwrap_or_default();
            let line = match action {
                Action::Create => format!("{addr}: Creation complete after {after}s [id={id}]"),
                Action::Update => {
                    format!("{addr}: Modifications complete after {after}s [id={id}]")
                }
                Action::Delete => format!("{addr}: Destruction complete after {after}s"),
                Action::DeleteThenCreate | Action::CreateThenDelete => {
                    format!("{addr}: Replacement complete after {after}s [id={id}]")
                }
                _ => format!("{addr}: done"),
            };
            held.extend_from_slice(line.as_bytes());
            held.push(b'\n');
        }
        apply::Progress::Waiting => {
            let mut out = std::io::stdout().lock();
            let _ = out.write_all(&held);
            let _ = out.flush();
            held.clear();
        }
    }
}
