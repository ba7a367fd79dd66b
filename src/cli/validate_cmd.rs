//! `eipform validate`: the configuration's diagnostics, and the static EIP rules.

use std::path::Path;

use super::common::Ui;
use super::spool::print_last;
use crate::diag::{self, has_errors};
use crate::workspace::{self, VarArgs};

pub fn validate(ui: &Ui, dir: &Path, json: bool) -> i32 {
    let (mut diags, sources) = match workspace::load(dir, &VarArgs::default()) {
        Ok(ws) => {
            let mut d = ws.warnings.clone();
            d.extend(crate::plan::static_rules::check(&ws));
            (d, ws.config.sources.clone())
        }
        Err((d, config)) => (d, config.sources),
    };
    diags.sort_by_key(|d| !d.is_error());
    let valid = !has_errors(&diags);
    let code = if valid { 0 } else { 1 };
    if json {
        let errors = diags.iter().filter(|d| d.is_error()).count();
        let out = serde_json::json!({
            "format_version": "1.0",
            "valid": valid,
            "error_count": errors,
            "warning_count": diags.len() - errors,
            "diagnostics": diags.iter().map(|d| diag::to_json(d, &sources)).collect::<Vec<_>>(),
        });
        print_last(
            serde_json::to_string_pretty(&out).unwrap_or_default() + "\n",
            code,
        )
    } else {
        ui.errors(&diags, &sources);
        print_last(
            if valid {
                "Success! The configuration is valid.\n"
            } else {
                ""
            },
            code,
        )
    }
}
