//! The EIP rules decidable from the configuration alone (marked "static" in eip-rules.md), for
//! `eipform validate`. The checks themselves live in the simulated cloud's rule modules and are
//! the same code the API actions run.

use serde_json::Value;

use crate::addr::Mode;
use crate::addr::{BlockAddress, InstanceKey};
use crate::diag::Diagnostic;
use crate::eval::InstanceVars;
use crate::eval::ResourceValues;
use crate::plan::evaluate::{self, EvalEnv};
use crate::workspace::Workspace;

/// Static rule violations of every resource whose arguments are known without the cloud.
pub fn check(ws: &Workspace) -> Vec<Diagnostic> {
    // Locals and other resources are not known without the cloud: they evaluate as unknown, and
    // the rules look only at the arguments that are known from the configuration alone.
    let locals: foldhash::HashMap<String, Value> = ws
        .config
        .locals
        .keys()
        .map(|k| (k.clone(), crate::eval::unknown()))
        .collect();
    let values = Unknowns;
    let path = ws.dir.to_string_lossy().to_string();
    let env = EvalEnv {
        vars: &ws.vars,
        locals: &locals,
        values: &values,
        module_path: &path,
    };
    let mut out = Vec::new();
    for r in ws
        .config
        .resources
        .iter()
        .filter(|r| r.addr.mode == Mode::Managed && r.count.is_none() && r.for_each.is_none())
    {
        let Ok(mut config) = evaluate::instance_config(&env, r, &InstanceVars::default()) else {
            continue;
        };
        config.retain(|_, v| !crate::eval::is_unknown(v));
        let region = ws.region_of(&crate::plan::planner::provider_key(r));
        for e in
            crate::cloud::sim::rules::static_violations(&r.schema_type, &config.to_map(), &region)
        {
            let rule = e.rule.clone();
            let attr = crate::apply::responsible_attribute(r, rule.as_deref(), &e.message);
            let range = attr
                .map(|a| a.key_range.clone())
                .unwrap_or_else(|| r.range.clone());
            out.push(
                Diagnostic::error(format!("Invalid {} configuration", r.schema_type))
                    .detail(e.to_string())
                    .at(
                        Some(range),
                        rule.as_deref()
                            .map(|id| format!("violates rule {id}"))
                            .unwrap_or_default(),
                    )
                    .rule(rule)
                    .code(e.code.clone())
                    .address(r.addr.to_string()),
            );
        }
    }
    out
}

/// Every resource as an object whose attributes are all unknown.
struct Unknowns;

impl ResourceValues for Unknowns {
    fn block_value(&self, addr: &BlockAddress, _only: Option<&InstanceKey>) -> Option<Value> {
        let schema = match addr.mode {
            Mode::Managed => crate::schema::resource(&addr.rtype),
            Mode::Data => crate::schema::data_source(&addr.rtype),
        }?;
        let mut o = serde_json::Map::new();
        o.insert("id".into(), crate::eval::unknown());
        for name in schema.attributes.keys() {
            o.insert(name.clone(), crate::eval::unknown());
        }
        Some(Value::Object(o))
    }
}
