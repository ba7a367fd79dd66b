//! `eipform drift`: refresh every recorded resource from the cloud and report what changed
//! outside eipform. Read-only: it writes neither the state nor the cloud. Exit 0 when the cloud
//! matches the state, 2 when it drifted, 1 on error.

use std::path::Path;

use super::common::Ui;
use super::spool::print_last;
use crate::diag::{Diagnostic, Sources};
use crate::plan::planner;
use crate::provider::alicloud::AlicloudProvider;
use crate::render::{self, Format};
use crate::state::StateStore;
use crate::workspace;

pub fn drift(ui: &Ui, dir: &Path, format: Format, parallelism: usize) -> i32 {
    let fail = |d: Diagnostic| {
        ui.errors(&[d], &Sources::default());
        1
    };
    let config = crate::config::load_dir(dir)
        .map(|l| l.config)
        .unwrap_or_default();
    let path = workspace::state_path(dir, &config);
    let (meta, recorded, outputs) = if path.exists() {
        let state = match workspace::open_state(&path) {
            Ok(s) => s,
            Err(d) => return fail(d),
        };
        match (state.meta(), state.resources(), state.outputs()) {
            (Ok(m), Ok(r), Ok(o)) => (m, r, o),
            (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => {
                return fail(Diagnostic::error("Cannot read the state").detail(e.to_string()));
            }
        }
    } else {
        // No state yet: nothing can have drifted, and a read-only command creates nothing.
        (
            crate::state::StateMeta {
                lineage: String::new(),
                serial: 0,
            },
            Vec::new(),
            Vec::new(),
        )
    };
    let cloud = match workspace::connect(&workspace::endpoint_for(dir), dir) {
        Ok(c) => c,
        Err(d) => return fail(d),
    };
    let provider = AlicloudProvider::new(cloud);
    let (plan, refreshed) = match planner::drift_plan(&meta, &recorded, &provider, parallelism) {
        Ok(p) => p,
        Err(diags) => {
            ui.errors(&diags, &Sources::default());
            return 1;
        }
    };
    let text = match format {
        Format::Human => render::human::drift(&plan.drift),
        Format::Markdown => render::markdown::drift(&plan.drift),
        Format::Json => {
            let v = render::json::plan(&plan, &refreshed, &outputs);
            serde_json::to_string_pretty(&v).unwrap_or_default() + "\n"
        }
    };
    print_last(text, if plan.drift.is_empty() { 0 } else { 2 })
}
