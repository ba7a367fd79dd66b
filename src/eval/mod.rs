//! Expression evaluation: values, references and functions.
//!
//! Each expression is evaluated with hcl-rs in a small context of its own that holds only what
//! the expression references (hcl-rs clones whatever it looks up, so one context holding every
//! resource would make evaluation quadratic). Values are `serde_json::Value`. A value not known
//! until apply is the string [`UNKNOWN`]; any result that contains it is unknown as a whole.

pub mod functions;
pub mod refs;
mod special;
pub mod variables;

use std::collections::HashMap;

use hcl::eval::{Context, Evaluate};
use hcl_edit::expr::Expression;
use serde_json::{Map, Value};

use crate::addr::{BlockAddress, InstanceKey};
use crate::diag::{Diagnostic, SourceRange};
pub use refs::{Reference, Target, references};

/// Stands for a value known only after apply.
pub const UNKNOWN: &str = "\u{1}(known after apply)\u{1}";

pub fn unknown() -> Value {
    Value::String(UNKNOWN.to_string())
}

/// Whether `v` is, or contains, an unknown value.
pub fn is_unknown(v: &Value) -> bool {
    match v {
        Value::String(s) => s.contains(UNKNOWN),
        Value::Array(a) => a.iter().any(is_unknown),
        Value::Object(o) => o.values().any(is_unknown),
        _ => false,
    }
}

/// The values of resource blocks, as expressions see them: a block without `count`/`for_each`
/// is an object; with `count`, a list; with `for_each`, a map by key.
pub trait ResourceValues {
    /// The value of `addr`; when `only` is given, a list/map need hold just those instances.
    fn block_value(&self, addr: &BlockAddress, only: Option<&InstanceKey>) -> Option<Value>;
}

/// `count.index` or `each.key`/`each.value` of the instance being evaluated.
#[derive(Debug, Clone, Default)]
pub struct InstanceVars {
    pub count_index: Option<i64>,
    pub each: Option<(String, Value)>,
}

impl InstanceVars {
    pub fn key(&self) -> Option<InstanceKey> {
        match (&self.count_index, &self.each) {
            (Some(i), _) => Some(InstanceKey::Int(*i)),
            (_, Some((k, _))) => Some(InstanceKey::Str(k.clone())),
            _ => None,
        }
    }
}

/// Everything an expression may refer to.
pub struct Scope<'a> {
    pub vars: &'a Map<String, Value>,
    pub locals: &'a HashMap<String, Value>,
    pub resources: &'a dyn ResourceValues,
    pub instance: &'a InstanceVars,
    pub module_path: &'a str,
    /// `self` in postconditions.
    pub self_value: Option<&'a Value>,
}

/// An evaluation error, at the expression's range.
#[derive(Debug, Clone)]
pub struct EvalError {
    pub summary: String,
    pub detail: String,
    pub range: SourceRange,
}

impl EvalError {
    pub fn into_diagnostic(self) -> Diagnostic {
        Diagnostic::error(self.summary)
            .detail(self.detail)
            .at(Some(self.range), "here")
    }
}

fn to_hcl(v: &Value) -> hcl::Value {
    serde_json::from_value(v.clone()).unwrap_or(hcl::Value::Null)
}

fn from_hcl(v: hcl::Value) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

/// Evaluates `expr` (found at `range`) in `scope`.
pub fn eval_expr(
    expr: &Expression,
    range: &SourceRange,
    scope: &Scope<'_>,
) -> Result<Value, EvalError> {
    let refs = references(expr, &range.file);
    let fail = |summary: &str, detail: String, range: &SourceRange| EvalError {
        summary: summary.to_string(),
        detail,
        range: range.clone(),
    };
    let mut ctx = Context::new();
    // Declaring the built-ins costs more than most expressions: only when one is called.
    if calls_function(expr) {
        functions::register(&mut ctx);
    }
    let mut locals = hcl::Map::new();
    let mut managed: HashMap<String, hcl::Map<String, hcl::Value>> = HashMap::new();
    let mut data: HashMap<String, hcl::Map<String, hcl::Value>> = HashMap::new();
    let mut any_unknown = false;
    for r in &refs {
        match &r.target {
            Target::Var(name) => {
                if !scope.vars.contains_key(name) {
                    return Err(fail(
                        "Reference to undeclared input variable",
                        format!(
                            "An input variable with the name \"{name}\" has not been declared. Declare it with a variable \"{name}\" {{}} block."
                        ),
                        &r.range,
                    ));
                }
            }
            Target::Local(name) => match scope.locals.get(name) {
                Some(v) => {
                    any_unknown |= is_unknown(v);
                    locals.insert(name.clone(), to_hcl(v));
                }
                None => {
                    return Err(fail(
                        "Reference to undeclared local value",
                        format!("A local value with the name \"{name}\" has not been declared."),
                        &r.range,
                    ));
                }
            },
            Target::Resource { addr, index } => {
                let only = index
                    .as_ref()
                    .and_then(|i| static_index(i, &range.file, scope));
                let Some(v) = scope.resources.block_value(addr, only.as_ref()) else {
                    return Err(fail(
                        "Reference to undeclared resource",
                        format!(
                            "A {} \"{}\" \"{}\" has not been declared.",
                            if addr.mode == crate::addr::Mode::Data {
                                "data resource"
                            } else {
                                "managed resource"
                            },
                            addr.rtype,
                            addr.name
                        ),
                        &r.range,
                    ));
                };
                any_unknown |= is_unknown(&v);
                let table = if addr.mode == crate::addr::Mode::Data {
                    &mut data
                } else {
                    &mut managed
                };
                table
                    .entry(addr.rtype.clone())
                    .or_default()
                    .insert(addr.name.clone(), to_hcl(&v));
            }
            Target::Count => match scope.instance.count_index {
                Some(i) => ctx.declare_var("count", hcl::value!({ index = (i) })),
                None => {
                    return Err(fail(
                        "Reference to \"count\" in non-counted context",
                        "The \"count\" object can only be used in a resource block that sets \"count\".".into(),
                        &r.range,
                    ));
                }
            },
            Target::Each => match &scope.instance.each {
                Some((k, v)) => {
                    any_unknown |= is_unknown(v);
                    let mut m = hcl::Map::new();
                    m.insert("key".to_string(), hcl::Value::String(k.clone()));
                    m.insert("value".to_string(), to_hcl(v));
                    ctx.declare_var("each", hcl::Value::Object(m));
                }
                None => {
                    return Err(fail(
                        "Reference to \"each\" in context without for_each",
                        "The \"each\" object can only be used in a resource block that sets \"for_each\".".into(),
                        &r.range,
                    ));
                }
            },
            Target::Path => {
                ctx.declare_var(
                    "path",
                    hcl::value!({ module = (scope.module_path), root = (scope.module_path), cwd = (scope.module_path) }),
                );
            }
            Target::Terraform => {
                ctx.declare_var("terraform", hcl::value!({ workspace = "default" }))
            }
            Target::SelfRef => match scope.self_value {
                Some(v) => ctx.declare_var("self", to_hcl(v)),
                None => {
                    return Err(fail(
                        "Invalid \"self\" reference",
                        "\"self\" can only be used in a postcondition of a resource.".into(),
                        &r.range,
                    ));
                }
            },
            Target::Unknown(name) => {
                return Err(fail(
                    "Invalid reference",
                    format!(
                        "\"{name}\" is not a known name here: a reference is var.NAME, local.NAME, TYPE.NAME or data.TYPE.NAME."
                    ),
                    &r.range,
                ));
            }
        }
    }
    ctx.declare_var("var", to_hcl(&Value::Object(scope.vars.clone())));
    ctx.declare_var("local", hcl::Value::Object(locals));
    for (ty, names) in managed {
        ctx.declare_var(ty, hcl::Value::Object(names));
    }
    if !data.is_empty() {
        let data: hcl::Map<String, hcl::Value> = data
            .into_iter()
            .map(|(k, v)| (k, hcl::Value::Object(v)))
            .collect();
        ctx.declare_var("data", hcl::Value::Object(data));
    }
    let mut expr = expr.clone();
    special::expand_try_can(&mut expr, &ctx);
    let expr: hcl::Expression = expr.into();
    match expr.evaluate(&ctx) {
        Ok(v) => {
            let v = from_hcl(v);
            Ok(if any_unknown && is_unknown(&v) {
                unknown()
            } else {
                v
            })
        }
        Err(_) if any_unknown => Ok(unknown()),
        Err(e) => Err(fail("Invalid expression", clean_error(&e), range)),
    }
}

/// Whether `expr` calls a function anywhere (`try` and `can` included).
fn calls_function(expr: &Expression) -> bool {
    struct Calls(bool);
    impl hcl_edit::visit::Visit for Calls {
        fn visit_func_call(&mut self, _: &hcl_edit::expr::FuncCall) {
            self.0 = true;
        }
    }
    let mut c = Calls(false);
    hcl_edit::visit::Visit::visit_expr(&mut c, expr);
    c.0
}

/// The message of an hcl-rs error without the repeated expression text.
fn clean_error(e: &hcl::eval::Error) -> String {
    use hcl::eval::ErrorKind;
    match e.kind() {
        ErrorKind::FuncCall(_, msg) => msg.clone(),
        ErrorKind::UndefinedFunc(name) => format!(
            "Call to unknown function \"{name}\". Functions available: {}.",
            functions::names().join(", ")
        ),
        _ => {
            let s = e.to_string();
            match s.find(" in expression ") {
                Some(i) => s[..i].to_string(),
                None => s,
            }
        }
    }
}

/// The instance key of an index expression that needs only `count`/`each`/literals, so that a
/// reference like `alicloud_eip_address.web[count.index]` depends on one instance, not all.
pub fn static_index(
    index: &Expression,
    file: &std::sync::Arc<str>,
    scope: &Scope<'_>,
) -> Option<InstanceKey> {
    let refs = references(index, file);
    if refs.iter().any(|r| {
        !matches!(
            r.target,
            Target::Count | Target::Each | Target::Var(_) | Target::Local(_)
        )
    }) {
        return None;
    }
    let empty = NoResources;
    let inner = Scope {
        resources: &empty,
        ..*scope
    };
    let range = SourceRange {
        file: file.clone(),
        span: 0..0,
    };
    match eval_expr(index, &range, &inner).ok()? {
        Value::Number(n) => n.as_i64().map(InstanceKey::Int),
        Value::String(s) if !s.contains(UNKNOWN) => Some(InstanceKey::Str(s)),
        _ => None,
    }
}

struct NoResources;

impl ResourceValues for NoResources {
    fn block_value(&self, _: &BlockAddress, _: Option<&InstanceKey>) -> Option<Value> {
        None
    }
}
