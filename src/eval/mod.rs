//! Expression evaluation: values, references and functions.
//!
//! Configuration expressions are analysed once at load ([`Expr`]): constants are kept as values,
//! and reference paths, simple templates and lists of those are evaluated directly on the JSON
//! values (`fast.rs`). Everything else, and every error, is evaluated with hcl-rs in a small
//! context of its own that holds only what the expression references — of a resource, only the
//! attributes it reads (hcl-rs clones whatever it looks up, so one context holding every
//! resource would make evaluation quadratic). Both give the same values, errors and unknowns.
//! Values are `serde_json::Value`. A value not known until apply is the string [`UNKNOWN`]; any
//! result that contains it is unknown as a whole.

pub mod expr;
mod fast;
pub mod functions;
pub mod refs;
mod special;
pub mod variables;

use foldhash::{HashMap, HashMapExt};

use hcl::eval::{Context, Evaluate};
use hcl_edit::expr::Expression;
use serde_json::{Map, Value};

use crate::addr::{BlockAddress, InstanceKey};
use crate::diag::{Diagnostic, SourceRange};
pub use expr::{Expr, SourceText};
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

    /// One instance's value, borrowed, for evaluating a reference without building the
    /// block's value: with `key` `None`, the instance of a block without `count`/`for_each`;
    /// with `Some(k)`, the instance `k` of a counted (`Int`) or `for_each` (`Str`) block.
    /// `None` when there is no such instance or the implementation does not offer this (the
    /// default): evaluation then uses [`ResourceValues::block_value`].
    fn instance_value(&self, addr: &BlockAddress, key: Option<&InstanceKey>) -> Option<&Value> {
        let _ = (addr, key);
        None
    }

    /// One instance's attributes, borrowed (as [`ResourceValues::instance_value`], for
    /// implementations that keep attribute maps rather than values): a reference to one
    /// attribute then reads it without copying the whole object.
    fn instance_attrs(
        &self,
        addr: &BlockAddress,
        key: Option<&InstanceKey>,
    ) -> Option<&crate::attrs::Attrs> {
        let _ = (addr, key);
        None
    }
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
            (_, Some((k, _))) => Some(InstanceKey::Str(k.as_str().into())),
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

/// serde_json -> hcl-rs, as a serde round trip would convert it (numbers through `u64`, `i64`
/// or `f64`, objects in order), without going through serde.
pub(crate) fn to_hcl(v: &Value) -> hcl::Value {
    match v {
        Value::Null => hcl::Value::Null,
        Value::Bool(b) => hcl::Value::Bool(*b),
        Value::Number(n) => json_to_number(n).map_or(hcl::Value::Null, hcl::Value::Number),
        Value::String(s) => hcl::Value::String(s.clone()),
        Value::Array(a) => hcl::Value::Array(a.iter().map(to_hcl).collect()),
        Value::Object(o) => {
            hcl::Value::Object(o.iter().map(|(k, v)| (k.clone(), to_hcl(v))).collect())
        }
    }
}

fn json_to_number(n: &serde_json::Number) -> Option<hcl::Number> {
    if let Some(u) = n.as_u64() {
        Some(hcl::Number::from(u))
    } else if let Some(i) = n.as_i64() {
        Some(hcl::Number::from(i))
    } else {
        n.as_f64().and_then(hcl::Number::from_f64)
    }
}

/// hcl-rs number -> serde_json, as serde would serialize it.
pub(crate) fn number_to_json(n: &hcl::Number) -> Value {
    if let Some(u) = n.as_u64() {
        Value::from(u)
    } else if let Some(i) = n.as_i64() {
        Value::from(i)
    } else {
        n.as_f64().map_or(Value::Null, Value::from)
    }
}

/// hcl-rs -> serde_json, as a serde round trip would convert it.
fn from_hcl(v: hcl::Value) -> Value {
    match v {
        hcl::Value::Null => Value::Null,
        hcl::Value::Bool(b) => Value::Bool(b),
        hcl::Value::Number(n) => number_to_json(&n),
        hcl::Value::String(s) => Value::String(s),
        hcl::Value::Array(a) => Value::Array(a.into_iter().map(from_hcl).collect()),
        hcl::Value::Object(o) => {
            Value::Object(o.into_iter().map(|(k, v)| (k, from_hcl(v))).collect())
        }
    }
}

/// A copy of `v` as it comes out of hcl-rs: whole floats become integers.
fn normalized(v: &Value) -> Value {
    match v {
        Value::Number(n) if n.is_f64() => {
            json_to_number(n).map_or(Value::Null, |n| number_to_json(&n))
        }
        Value::Array(a) => Value::Array(a.iter().map(normalized).collect()),
        Value::Object(o) => {
            Value::Object(o.iter().map(|(k, v)| (k.clone(), normalized(v))).collect())
        }
        other => other.clone(),
    }
}

/// An expression as the evaluator takes it: one of the configuration ([`Expr`], analysed at
/// load) or a bare hcl-edit expression.
pub trait ExprRef {
    fn view(&self) -> ExprView<'_>;
}

/// See [`ExprRef`].
pub enum ExprView<'a> {
    Compiled(&'a Expr),
    Tree(&'a Expression),
}

impl ExprRef for Expr {
    fn view(&self) -> ExprView<'_> {
        ExprView::Compiled(self)
    }
}

impl ExprRef for Expression {
    fn view(&self) -> ExprView<'_> {
        ExprView::Tree(self)
    }
}

impl<T: ExprRef + ?Sized> ExprRef for &T {
    fn view(&self) -> ExprView<'_> {
        (**self).view()
    }
}

impl<T: ExprRef + ?Sized> ExprRef for Box<T> {
    fn view(&self) -> ExprView<'_> {
        (**self).view()
    }
}

/// Evaluates `expr` (found at `range`) in `scope`.
pub fn eval_expr<E: ExprRef + ?Sized>(
    expr: &E,
    range: &SourceRange,
    scope: &Scope<'_>,
) -> Result<Value, EvalError> {
    let e = match expr.view() {
        ExprView::Tree(t) => {
            let refs = refs::tree_references(t, &range.file);
            return eval_tree(t, &refs, calls_function(t), None, range, scope);
        }
        ExprView::Compiled(e) => e,
    };
    let fast = match e.form() {
        expr::Form::Const(v) => return Ok(v),
        expr::Form::Tree {
            expr,
            refs,
            calls_function,
            hcl,
        } => return eval_tree(expr, refs, calls_function, hcl, range, scope),
        expr::Form::Path(p) => fast::path(p, scope),
        expr::Form::Template(parts) => fast::template(parts, scope),
        expr::Form::Tuple(items) => fast::tuple(items, scope),
    };
    match fast {
        Some(v) => Ok(v),
        // Errors (and what hcl-rs makes of them) come from the general evaluation.
        None => match e.reparse() {
            Some(tree) => eval_tree(&tree, &e.references(&range.file), false, None, range, scope),
            None => Err(EvalError {
                summary: "Invalid expression".into(),
                detail: format!("Cannot read the expression {}.", e.source()),
                range: range.clone(),
            }),
        },
    }
}

/// A resource block referenced by an expression, as put into the hcl-rs context.
struct BlockRef<'r> {
    value: Value,
    /// The attributes read (`None`: the whole value is needed).
    attrs: Option<Vec<&'r str>>,
    /// Whether the references index the block (`x[0].id`) or not (`x.id`).
    indexed: bool,
}

impl BlockRef<'_> {
    /// The value with only the attributes read, when that is safe to tell.
    fn to_hcl(&self, restrict: bool) -> (hcl::Value, bool) {
        let Some(attrs) = self.attrs.as_ref().filter(|_| restrict) else {
            return (to_hcl(&self.value), false);
        };
        let keep = |o: &Map<String, Value>| {
            hcl::Value::Object(
                attrs
                    .iter()
                    .filter_map(|a| o.get_key_value(*a))
                    .map(|(k, v)| (k.clone(), to_hcl(v)))
                    .collect(),
            )
        };
        let one = |v: &Value| match v {
            Value::Object(o) => keep(o),
            other => to_hcl(other),
        };
        let v = match (&self.value, self.indexed) {
            (Value::Object(o), false) => keep(o),
            (Value::Array(items), true) => hcl::Value::Array(items.iter().map(one).collect()),
            (Value::Object(o), true) => {
                hcl::Value::Object(o.iter().map(|(k, v)| (k.clone(), one(v))).collect())
            }
            (other, _) => return (to_hcl(other), false),
        };
        (v, true)
    }
}

/// The general evaluation: hcl-rs in a context holding what `refs` name.
pub(crate) fn eval_tree(
    expr: &Expression,
    refs: &[Reference],
    calls_function: bool,
    hcl_cache: Option<&std::sync::OnceLock<hcl::Expression>>,
    range: &SourceRange,
    scope: &Scope<'_>,
) -> Result<Value, EvalError> {
    let fail = |summary: &str, detail: String, range: &SourceRange| EvalError {
        summary: summary.to_string(),
        detail,
        range: range.clone(),
    };
    let mut ctx = Context::new();
    // Declaring the built-ins costs more than most expressions: only when one is called.
    if calls_function {
        functions::register(&mut ctx);
    }
    let mut vars = hcl::Map::new();
    let mut locals = hcl::Map::new();
    let mut blocks: HashMap<&BlockAddress, BlockRef<'_>> = HashMap::new();
    let mut any_unknown = false;
    for r in refs {
        match &r.target {
            Target::Var(name) => match scope.vars.get(name) {
                Some(v) => {
                    if !vars.contains_key(name) {
                        vars.insert(name.clone(), to_hcl(v));
                    }
                }
                None => {
                    return Err(fail(
                        "Reference to undeclared input variable",
                        format!(
                            "An input variable with the name \"{name}\" has not been declared. Declare it with a variable \"{name}\" {{}} block."
                        ),
                        &r.range,
                    ));
                }
            },
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
                let indexed = index.is_some();
                // The last reference's value wins, as it always has; the attributes read add up.
                match blocks.get_mut(addr) {
                    Some(b) => {
                        b.value = v;
                        match (&mut b.attrs, &r.attr) {
                            (Some(attrs), Some(a)) if b.indexed == indexed => attrs.push(a),
                            (attrs, _) => *attrs = None,
                        }
                    }
                    None => {
                        blocks.insert(
                            addr,
                            BlockRef {
                                value: v,
                                attrs: r.attr.as_deref().map(|a| vec![a]),
                                indexed,
                            },
                        );
                    }
                }
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
    ctx.declare_var("var", hcl::Value::Object(vars));
    ctx.declare_var("local", hcl::Value::Object(locals));
    // Only the attributes an expression reads are converted; an error is evaluated again with
    // the whole values, so that its message shows what it always showed.
    let declare_blocks = |ctx: &mut Context<'_>, restrict: bool| -> bool {
        let mut managed: HashMap<&str, hcl::Map<String, hcl::Value>> = HashMap::new();
        let mut data: hcl::Map<String, hcl::Value> = hcl::Map::new();
        let mut data_types: HashMap<&str, hcl::Map<String, hcl::Value>> = HashMap::new();
        let mut restricted = false;
        for (addr, b) in &blocks {
            let (v, r) = b.to_hcl(restrict);
            restricted |= r;
            let table = if addr.mode == crate::addr::Mode::Data {
                &mut data_types
            } else {
                &mut managed
            };
            table
                .entry(addr.rtype.as_str())
                .or_default()
                .insert(addr.name.to_string(), v);
        }
        for (ty, names) in managed {
            ctx.declare_var(ty, hcl::Value::Object(names));
        }
        if !data_types.is_empty() {
            for (k, v) in data_types {
                data.insert(k.to_string(), hcl::Value::Object(v));
            }
            ctx.declare_var("data", hcl::Value::Object(data));
        }
        restricted
    };
    let restricted = declare_blocks(&mut ctx, true);
    let owned;
    let hcl_expr: &hcl::Expression = match hcl_cache {
        Some(cache) if !calls_function => cache.get_or_init(|| expr.clone().into()),
        _ => {
            let mut expr = expr.clone();
            special::expand_try_can(&mut expr, &ctx);
            owned = hcl::Expression::from(expr);
            &owned
        }
    };
    let mut result = hcl_expr.evaluate(&ctx);
    if result.is_err() && restricted {
        declare_blocks(&mut ctx, false);
        let again;
        let hcl_expr: &hcl::Expression = if calls_function {
            let mut expr = expr.clone();
            special::expand_try_can(&mut expr, &ctx);
            again = hcl::Expression::from(expr);
            &again
        } else {
            hcl_expr
        };
        result = hcl_expr.evaluate(&ctx);
    }
    match result {
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
pub(crate) fn calls_function(expr: &Expression) -> bool {
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
        Value::String(s) if !s.contains(UNKNOWN) => Some(InstanceKey::Str(s.into())),
        _ => None,
    }
}

pub(crate) struct NoResources;

impl ResourceValues for NoResources {
    fn block_value(&self, _: &BlockAddress, _: Option<&InstanceKey>) -> Option<Value> {
        None
    }
}
