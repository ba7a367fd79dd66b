//! Input variables: values from defaults, `TF_VAR_name`, `terraform.tfvars`,
//! `terraform.tfvars.json`, `*.auto.tfvars(.json)`, `--var-file` and `--var`, in Terraform's
//! precedence (later wins), converted to the declared `type`, then checked by `validation` blocks.

use foldhash::{HashMap, HashMapExt};
use std::path::Path;

use hcl_edit::expr::Expression;
use serde_json::{Map, Value};

use super::{InstanceVars, Scope, eval_expr};
use crate::config::{Config, Variable};
use crate::diag::Diagnostic;
use crate::plan::values::Values;
use crate::workspace::VarArgs;

/// Resolves every declared variable; problems go to `diags`.
pub fn resolve(
    config: &Config,
    dir: &Path,
    args: &VarArgs,
    diags: &mut Vec<Diagnostic>,
) -> Map<String, Value> {
    let mut given: HashMap<String, (Value, bool)> = HashMap::new();
    for (k, v) in std::env::vars() {
        if let Some(name) = k.strip_prefix("TF_VAR_") {
            given.insert(name.to_string(), (Value::String(v), true));
        }
    }
    let mut files: Vec<std::path::PathBuf> = Vec::new();
    for f in ["terraform.tfvars", "terraform.tfvars.json"] {
        if dir.join(f).is_file() {
            files.push(dir.join(f));
        }
    }
    let mut autos: Vec<_> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .map(|e| e.path())
                .filter(|p| {
                    let n = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
                    n.ends_with(".auto.tfvars") || n.ends_with(".auto.tfvars.json")
                })
                .collect()
        })
        .unwrap_or_default();
    autos.sort();
    files.extend(autos);
    files.extend(args.var_files.iter().map(|f| {
        if f.is_absolute() {
            f.clone()
        } else {
            dir.join(f)
        }
    }));
    for f in files {
        match read_var_file(&f) {
            Ok(values) => {
                for (k, v) in values {
                    given.insert(k, (v, false));
                }
            }
            Err(d) => diags.push(d),
        }
    }
    for v in &args.vars {
        match v.split_once('=') {
            Some((name, value)) => {
                given.insert(
                    name.trim().to_string(),
                    (Value::String(value.to_string()), true),
                );
            }
            None => diags.push(Diagnostic::error("Invalid --var option").detail(format!(
                "The given --var option {v:?} is not correctly specified: it must be NAME=VALUE."
            ))),
        }
    }
    for name in given.keys() {
        if !config.variables.contains_key(name) && !name.is_empty() {
            diags.push(
                Diagnostic::warning("Value for undeclared variable").detail(format!(
                    "A value was given for \"{name}\", but no variable \"{name}\" is declared."
                )),
            );
        }
    }
    let mut out = Map::new();
    let empty_locals = HashMap::new();
    let values = Values::default();
    let inst = InstanceVars::default();
    let no_vars = Map::new();
    for (name, var) in &config.variables {
        let value = match given.remove(name) {
            Some((v, raw)) => convert(var, v, raw),
            None => match &var.default {
                Some(d) => {
                    let scope = Scope {
                        vars: &no_vars,
                        locals: &empty_locals,
                        resources: &values,
                        instance: &inst,
                        module_path: ".",
                        self_value: None,
                    };
                    eval_expr(&d.expr, &d.range, &scope)
                        .map_err(|e| e.detail)
                        .and_then(|v| convert(var, v, false))
                }
                None => Err(format!(
                    "The root module input variable \"{name}\" is not set, and has no default value. Use --var {name}=VALUE, --var-file, a terraform.tfvars file or TF_VAR_{name}."
                )),
            },
        };
        match value {
            Ok(v) => {
                if v.is_null() && !var.nullable {
                    diags.push(
                        Diagnostic::error("Invalid value for variable")
                            .detail(format!(
                                "The variable \"{name}\" is not nullable: null is not allowed."
                            ))
                            .at(Some(var.range.clone()), "not nullable"),
                    );
                }
                out.insert(name.clone(), v);
            }
            Err(msg) => {
                let summary = if var.default.is_none() && msg.contains("is not set") {
                    "No value for required variable"
                } else {
                    "Invalid value for variable"
                };
                diags.push(
                    Diagnostic::error(summary)
                        .detail(msg)
                        .at(Some(var.range.clone()), format!("variable \"{name}\"")),
                );
                out.insert(name.clone(), Value::Null);
            }
        }
    }
    for var in config.variables.values() {
        for v in &var.validations {
            let scope = Scope {
                vars: &out,
                locals: &empty_locals,
                resources: &values,
                instance: &inst,
                module_path: ".",
                self_value: None,
            };
            match eval_expr(&v.condition.expr, &v.condition.range, &scope) {
                Ok(Value::Bool(true)) => {}
                Ok(Value::Bool(false)) => {
                    let msg = eval_expr(&v.error_message.expr, &v.error_message.range, &scope)
                        .ok()
                        .and_then(|m| m.as_str().map(str::to_string))
                        .unwrap_or_else(|| "validation failed".into());
                    diags.push(
                        Diagnostic::error("Invalid value for variable")
                            .detail(format!(
                                "{msg}\n\nThis was checked by the validation rule of var.{}.",
                                var.name
                            ))
                            .at(Some(v.condition.range.clone()), "validation failed"),
                    );
                }
                Ok(other) => diags.push(
                    Diagnostic::error("Invalid validation condition")
                        .detail(format!("The condition must be a bool, got {other}."))
                        .at(Some(v.condition.range.clone()), "not a bool"),
                ),
                Err(e) => diags.push(e.into_diagnostic()),
            }
        }
    }
    out
}

fn read_var_file(path: &Path) -> Result<Vec<(String, Value)>, Diagnostic> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        Diagnostic::error("Failed to read variables file")
            .detail(format!("{}: {e}", path.display()))
    })?;
    if path.extension().and_then(|e| e.to_str()) == Some("json") {
        let v: Value = serde_json::from_str(&text).map_err(|e| {
            Diagnostic::error("Invalid variables file").detail(format!("{}: {e}", path.display()))
        })?;
        return match v {
            Value::Object(m) => Ok(m.into_iter().collect()),
            _ => Err(Diagnostic::error("Invalid variables file")
                .detail(format!("{}: expected a JSON object", path.display()))),
        };
    }
    let body: hcl::Body = hcl::from_str(&text).map_err(|e| {
        Diagnostic::error("Invalid variables file").detail(format!("{}: {e}", path.display()))
    })?;
    let ctx = hcl::eval::Context::new();
    let mut out = Vec::new();
    for a in body.attributes() {
        use hcl::eval::Evaluate;
        let v = a.expr().evaluate(&ctx).map_err(|e| {
            Diagnostic::error("Invalid variables file").detail(format!(
                "{}: {}: {e}",
                path.display(),
                a.key()
            ))
        })?;
        out.push((
            a.key().to_string(),
            serde_json::to_value(v).unwrap_or(Value::Null),
        ));
    }
    Ok(out)
}

/// Converts a given value to the variable's declared type. `raw` values come from the command
/// line or the environment as strings and are parsed as HCL for complex types.
fn convert(var: &Variable, v: Value, raw: bool) -> Result<Value, String> {
    let ty = var
        .ty
        .as_ref()
        .map(|t| type_name(&t.expr))
        .unwrap_or_else(|| "any".into());
    let v = match (&v, raw) {
        (Value::String(s), true)
            if !matches!(ty.as_str(), "string" | "any" | "number" | "bool") =>
        {
            let e = hcl_edit::parser::parse_expr(s)
                .map_err(|e| format!("var.{}: cannot parse {s:?}: {}", var.name, e.message()))?;
            let e: hcl::Expression = e.into();
            use hcl::eval::Evaluate;
            let val = e
                .evaluate(&hcl::eval::Context::new())
                .map_err(|e| format!("var.{}: {e}", var.name))?;
            serde_json::to_value(val).unwrap_or(Value::Null)
        }
        _ => v,
    };
    if v.is_null() {
        return Ok(v);
    }
    let fail = |want: &str| {
        Err(format!(
            "Invalid value for variable \"{}\": {want} required, got {v}.",
            var.name
        ))
    };
    match ty.as_str() {
        "string" => match &v {
            Value::String(_) => Ok(v),
            Value::Number(n) => Ok(Value::String(n.to_string())),
            Value::Bool(b) => Ok(Value::String(b.to_string())),
            _ => fail("a string is"),
        },
        "number" => match &v {
            Value::Number(_) => Ok(v),
            Value::String(s) => s
                .trim()
                .parse::<f64>()
                .ok()
                .and_then(serde_json::Number::from_f64)
                .map(|n| {
                    if n.as_f64()
                        .is_some_and(|f| f.fract() == 0.0 && f.abs() < 9e15)
                    {
                        Value::from(n.as_f64().unwrap_or(0.0) as i64)
                    } else {
                        Value::Number(n)
                    }
                })
                .map_or_else(|| fail("a number is"), Ok),
            _ => fail("a number is"),
        },
        "bool" => match &v {
            Value::Bool(_) => Ok(v),
            Value::String(s) if s == "true" || s == "false" => Ok(Value::Bool(s == "true")),
            _ => fail("a bool is"),
        },
        t if t.starts_with("list") || t.starts_with("set") || t.starts_with("tuple") => match &v {
            Value::Array(_) => Ok(v),
            _ => fail("a list is"),
        },
        t if t.starts_with("map") || t.starts_with("object") => match &v {
            Value::Object(_) => Ok(with_optional_defaults(var, v)),
            _ => fail("a map is"),
        },
        _ => Ok(v),
    }
}

/// Object attributes declared `optional(T, default)` that are missing get their default, at any
/// depth (`map(object({...}))`, `list(object({...}))`, nested objects).
fn with_optional_defaults(var: &Variable, v: Value) -> Value {
    match &var.ty {
        Some(t) => fill_defaults(&t.expr, v),
        None => v,
    }
}

fn fill_defaults(ty: &Expression, v: Value) -> Value {
    let Expression::FuncCall(call) = ty else {
        return v;
    };
    let first = call.args.iter().next();
    match (call.name.name.as_str(), first, v) {
        ("map", Some(inner), Value::Object(m)) => Value::Object(
            m.into_iter()
                .map(|(k, x)| (k, fill_defaults(inner, x)))
                .collect(),
        ),
        ("list" | "set", Some(inner), Value::Array(items)) => {
            Value::Array(items.into_iter().map(|x| fill_defaults(inner, x)).collect())
        }
        ("optional", Some(inner), v) => fill_defaults(inner, v),
        ("tuple", Some(Expression::Array(types)), Value::Array(items)) => Value::Array(
            items
                .into_iter()
                .enumerate()
                .map(|(i, x)| match types.get(i) {
                    Some(t) => fill_defaults(t, x),
                    None => x,
                })
                .collect(),
        ),
        ("object", Some(Expression::Object(fields)), Value::Object(mut m)) => {
            for (k, fv) in fields.iter() {
                let key = match k {
                    hcl_edit::expr::ObjectKey::Ident(i) => i.as_str().to_string(),
                    hcl_edit::expr::ObjectKey::Expression(e) => {
                        crate::config::literal(e).unwrap_or_default()
                    }
                };
                let current = m.remove(&key).filter(|x| !x.is_null());
                let value = match (current, fv.expr()) {
                    (Some(x), t) => fill_defaults(t, x),
                    (None, Expression::FuncCall(opt)) if opt.name.name.as_str() == "optional" => {
                        let default = opt.args.iter().nth(1).map(|d| {
                            let e: hcl::Expression = d.clone().into();
                            use hcl::eval::Evaluate;
                            e.evaluate(&hcl::eval::Context::new())
                                .ok()
                                .and_then(|v| serde_json::to_value(v).ok())
                                .unwrap_or(Value::Null)
                        });
                        match (default, opt.args.iter().next()) {
                            (Some(d), Some(t)) => fill_defaults(t, d),
                            (Some(d), None) => d,
                            (None, _) => Value::Null,
                        }
                    }
                    (None, _) => Value::Null,
                };
                m.insert(key, value);
            }
            Value::Object(m)
        }
        (_, _, v) => v,
    }
}

/// The type constraint as text: `string`, `list(string)`, `object({...})`.
fn type_name(e: &Expression) -> String {
    match e {
        Expression::Variable(v) => v.as_str().to_string(),
        Expression::FuncCall(c) => format!("{}(...)", c.name.name.as_str()),
        Expression::String(s) => s.value().to_string(),
        _ => "any".into(),
    }
}
