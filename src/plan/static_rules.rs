//! The EIP rules decidable from the configuration alone (marked "static" in eip-rules.md), for
//! `eipform validate`. The checks themselves live in the simulated cloud's rule modules and are
//! the same code the API actions run.

use serde_json::Value;

use crate::addr::Mode;
use crate::diag::Diagnostic;
use crate::eval::InstanceVars;
use crate::plan::evaluate::{self, EvalEnv};
use crate::plan::values::Values;
use crate::workspace::Workspace;

/// Static rule violations of every resource whose arguments are known without the cloud.
pub fn check(ws: &Workspace) -> Vec<Diagnostic> {
    let locals = std::collections::HashMap::new();
    let values = Values::default();
    let path = ws.dir.to_string_lossy().to_string();
    let env = EvalEnv { vars: &ws.vars, locals: &locals, values: &values, module_path: &path };
    let mut out = Vec::new();
    for r in ws.config.resources.iter().filter(|r| r.addr.mode == Mode::Managed && r.count.is_none() && r.for_each.is_none()) {
        // Blocks that reference other blocks are checked by plan, with values.
        let Ok(config) = evaluate::instance_config(&env, r, &InstanceVars::default()) else { continue };
        let region = ws.region_of(&crate::plan::planner::provider_key(r));
        for e in crate::cloud::sim::rules::static_violations(&r.schema_type, &config, &region) {
            let rule = e.rule.clone();
            let attr = rule
                .as_deref()
                .and_then(|id| crate::apply::attributes_for_rule(id).iter().find_map(|a| r.body.attrs.get(*a)));
            let range = attr.map(|a| a.key_range.clone()).unwrap_or_else(|| r.range.clone());
            out.push(
                Diagnostic::error(format!("Invalid {} configuration", r.schema_type))
                    .detail(e.to_string())
                    .at(Some(range), rule.as_deref().map(|id| format!("violates rule {id}")).unwrap_or_default())
                    .rule(rule)
                    .code(e.code.clone())
                    .address(r.addr.to_string()),
            );
        }
        let _ = Value::Null;
    }
    out
}
