//! Evaluating configuration blocks into attribute values: a resource instance's arguments
//! (converted to the schema's types and validated), `count`/`for_each` expansion, locals and
//! outputs. Shared by plan (with unknowns) and apply (with the values just created).

use foldhash::HashMap;

use serde_json::{Map, Value};

use crate::addr::InstanceKey;
use crate::config::{Attr, Body, ResourceBlock};
use crate::diag::Diagnostic;
use crate::eval::{self, InstanceVars, Scope, is_unknown};
use crate::provider::Attrs;
use crate::schema::{self, AttrSchema, BlockSchema};

/// What expressions can see, without the instance.
pub struct EvalEnv<'a> {
    pub vars: &'a Map<String, Value>,
    pub locals: &'a HashMap<String, Value>,
    pub values: &'a dyn crate::eval::ResourceValues,
    pub module_path: &'a str,
}

impl EvalEnv<'_> {
    pub fn scope<'s>(&'s self, inst: &'s InstanceVars) -> Scope<'s> {
        Scope {
            vars: self.vars,
            locals: self.locals,
            resources: self.values,
            instance: inst,
            module_path: self.module_path,
            self_value: None,
        }
    }

    pub fn eval(&self, a: &Attr, inst: &InstanceVars) -> Result<Value, Diagnostic> {
        eval::eval_expr(&a.expr, &a.range, &self.scope(inst)).map_err(|e| e.into_diagnostic())
    }
}

/// The instances of a block: `[None]`, or one per `count` index / `for_each` key.
pub fn expand(env: &EvalEnv<'_>, r: &ResourceBlock) -> Result<Vec<InstanceVars>, Diagnostic> {
    let none = InstanceVars::default();
    if let Some(c) = &r.count {
        let v = env.eval(c, &none)?;
        if is_unknown(&v) {
            return Err(Diagnostic::error("Invalid count argument")
                .detail("The \"count\" value depends on resource attributes that cannot be determined until apply, so eipform cannot predict how many instances will be created.")
                .at(Some(c.range.clone()), "known only after apply")
                .address(r.addr.to_string()));
        }
        let n = match &v {
            Value::Number(n) => n.as_f64(),
            Value::String(s) => s.parse::<f64>().ok(),
            _ => None,
        };
        return match n {
            Some(n) if n >= 0.0 && n.fract() == 0.0 => Ok((0..n as i64).map(|i| InstanceVars { count_index: Some(i), each: None }).collect()),
            _ => Err(Diagnostic::error("Invalid count argument")
                .detail(format!("The given \"count\" argument value is unsuitable: a whole number of 0 or more is required, got {v}."))
                .at(Some(c.range.clone()), "not a whole number")
                .address(r.addr.to_string())),
        };
    }
    if let Some(f) = &r.for_each {
        let v = env.eval(f, &none)?;
        if is_unknown(&v) {
            return Err(Diagnostic::error("Invalid for_each argument")
                .detail("The \"for_each\" value depends on resource attributes that cannot be determined until apply.")
                .at(Some(f.range.clone()), "known only after apply")
                .address(r.addr.to_string()));
        }
        return match v {
            Value::Object(m) => Ok(m
                .into_iter()
                .map(|(k, v)| InstanceVars {
                    count_index: None,
                    each: Some((k, v)),
                })
                .collect()),
            Value::Array(items) => {
                let mut keys = Vec::new();
                for item in items {
                    match item {
                        Value::String(s) => keys.push(s),
                        other => {
                            return Err(Diagnostic::error("Invalid for_each argument")
                                .detail(format!(
                                    "A set given to for_each must hold strings; found {other}."
                                ))
                                .at(Some(f.range.clone()), "not a set of strings")
                                .address(r.addr.to_string()));
                        }
                    }
                }
                keys.sort();
                keys.dedup();
                Ok(keys
                    .into_iter()
                    .map(|k| InstanceVars {
                        count_index: None,
                        each: Some((k.clone(), Value::String(k))),
                    })
                    .collect())
            }
            other => Err(Diagnostic::error("Invalid for_each argument")
                .detail(format!(
                    "The \"for_each\" value must be a map or a set of strings, got {other}."
                ))
                .at(Some(f.range.clone()), "not a map or set")
                .address(r.addr.to_string())),
        };
    }
    Ok(vec![none])
}

pub fn instance_key(inst: &InstanceVars) -> Option<InstanceKey> {
    inst.key()
}

/// Evaluates a resource instance's arguments, converted to the schema's types and validated.
pub fn instance_config(
    env: &EvalEnv<'_>,
    r: &ResourceBlock,
    inst: &InstanceVars,
) -> Result<Attrs, Vec<Diagnostic>> {
    let kind = match r.addr.mode {
        crate::addr::Mode::Managed => schema::SchemaKind::Resource,
        crate::addr::Mode::Data => schema::SchemaKind::Data,
    };
    let Some(s) = schema::lookup(kind, &r.addr.rtype) else {
        return Err(vec![
            Diagnostic::error(format!("Unsupported resource type \"{}\"", r.addr.rtype))
                .at(Some(r.range.clone()), "unsupported"),
        ]);
    };
    let addr = r.addr.instance(inst.key()).to_string();
    let mut diags = Vec::new();
    let at = Owner {
        addr: &addr,
        schema_type: &s.type_name,
    };
    let out = body(
        env,
        &s.attributes,
        &s.blocks,
        &r.body,
        inst,
        &at,
        &mut diags,
    );
    if diags.is_empty() {
        Ok(out)
    } else {
        Err(diags)
    }
}

/// The resource instance a body belongs to, for diagnostics.
struct Owner<'a> {
    addr: &'a str,
    schema_type: &'a str,
}

fn body(
    env: &EvalEnv<'_>,
    attrs: &crate::schema::Named<AttrSchema>,
    blocks: &crate::schema::Named<BlockSchema>,
    b: &Body,
    inst: &InstanceVars,
    at: &Owner<'_>,
    diags: &mut Vec<Diagnostic>,
) -> Attrs {
    let (addr, schema_type) = (at.addr, at.schema_type);
    let mut out = Attrs::new();
    for (name, a) in &b.attrs {
        let Some(schema) = attrs.get(name.as_str()) else {
            continue;
        };
        let v = match env.eval(a, inst) {
            Ok(v) => v,
            Err(d) => {
                diags.push(d.address(addr));
                continue;
            }
        };
        if v.is_null() {
            continue;
        }
        if is_unknown(&v) {
            out.insert(name.clone(), v);
            continue;
        }
        match schema
            .ty
            .coerce(&v)
            .and_then(|v| schema.validate(name, &v).map(|_| v))
        {
            Ok(v) => {
                out.insert(name.clone(), v);
            }
            Err(msg) => {
                let mut d = Diagnostic::error("Invalid value for argument")
                    .detail(format!("{name}: {msg}"))
                    .at(Some(a.range.clone()), format!("invalid {name}"))
                    .address(addr);
                if let Some((rule, code)) = crate::schema::rule_for_invalid_value(schema_type, name)
                {
                    d = d.rule(Some(rule.to_string())).code(code);
                }
                diags.push(d);
            }
        }
    }
    for (name, bs) in blocks {
        let items: Vec<Value> = b
            .blocks
            .iter()
            .filter(|nb| &nb.name == name)
            .map(|nb| {
                Value::from(body(
                    env,
                    &bs.attributes,
                    &bs.blocks,
                    &nb.body,
                    inst,
                    at,
                    diags,
                ))
            })
            .collect();
        if !items.is_empty() {
            out.insert(name.clone(), Value::Array(items));
        }
    }
    out
}
