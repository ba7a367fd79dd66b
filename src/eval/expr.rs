//! Configuration expressions analysed once at load ([`Expr`]).
//!
//! hcl-edit keeps every token of an expression with its whitespace and spans (a reference like
//! `alicloud_vpc.main.id` is about a kilobyte of tree), and re-walking that tree on every
//! evaluation (references, function calls, conversion to hcl-rs) dominated planning. At load each
//! expression is sorted into one of these forms:
//!
//! - a constant (no references, no function calls), evaluated once with hcl-rs and kept as a value;
//! - a reference path (`var.x`, `each.value.name`, `alicloud_eip_address.e[0].id`);
//! - a template whose parts are literals and reference paths (`"${var.prefix}-eip-${each.key}"`);
//! - a list of those (`[alicloud_security_group.sg.id]`);
//! - anything else, kept as the hcl-edit tree with its references and function-call facts cached.
//!
//! All but the last are small and are evaluated directly on the JSON values
//! ([`super::eval_expr`]), falling back to hcl-rs only where hcl-rs would report an error. They
//! keep no tree: an `Expr` dereferences to an hcl-edit [`Expression`], which for them comes from
//! parsing their file again, once per file, on first use ([`SourceText`]), so it has the spans
//! of the original.

use foldhash::{HashMap, HashMapExt};
use std::fmt;
use std::ops::Deref;
use std::sync::{Arc, OnceLock};

use hcl_edit::Span;
use hcl_edit::expr::{Expression, TraversalOperator};
use hcl_edit::template::{Element, Strip};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::refs::{self, IndexRef, OpRef, Reference, Target};
use crate::config::cache::{json_text, number_text};
use crate::diag::SourceRange;

/// An expression of the configuration, with what evaluation needs worked out once.
#[derive(Clone)]
pub struct Expr(Box<Inner>);

#[derive(Clone)]
struct Inner {
    kind: Kind,
    /// The file the expression is in, and its byte range there.
    src: Arc<SourceText>,
    start: u32,
    end: u32,
}

/// The text of a configuration file, shared by its expressions. The hcl-edit trees of its
/// attribute values are parsed again, all at once, the first time one is asked for.
pub struct SourceText {
    text: Arc<str>,
    values: OnceLock<HashMap<(u32, u32), Expression>>,
}

impl SourceText {
    pub fn new(text: Arc<str>) -> Arc<SourceText> {
        Arc::new(SourceText {
            text,
            values: OnceLock::new(),
        })
    }

    pub fn text(&self) -> &Arc<str> {
        &self.text
    }

    /// Every attribute value of the file, by span.
    fn values(&self) -> &HashMap<(u32, u32), Expression> {
        fn index(body: hcl_edit::structure::Body, out: &mut HashMap<(u32, u32), Expression>) {
            for s in body {
                match s {
                    hcl_edit::structure::Structure::Attribute(a) => {
                        if let Some(span) = a.value.span() {
                            out.insert((span.start as u32, span.end as u32), a.value);
                        }
                    }
                    hcl_edit::structure::Structure::Block(b) => index(b.body, out),
                }
            }
        }
        self.values.get_or_init(|| {
            let mut out = HashMap::new();
            if let Ok(body) = hcl_edit::parser::parse_body(&self.text) {
                index(body, &mut out);
            }
            out
        })
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
enum Kind {
    /// `"x"`
    Str(Box<str>),
    /// A number literal, as hcl-rs gives it.
    Number(#[serde(with = "number_text")] serde_json::Number),
    Bool(bool),
    Null,
    /// Any other constant.
    Const(Box<Const>),
    Path(Path),
    Template(Box<[Part]>),
    Tuple(Box<[Item]>),
    /// Never stored: [`Stored`] keeps a tree as its span.
    #[serde(skip)]
    Tree(Box<Tree>),
}

#[derive(Clone, Debug, Serialize, Deserialize)]
struct Const {
    #[serde(with = "json_text")]
    value: Value,
    /// A template of literals only: what [`crate::config::literal`] accepts.
    literal_string: bool,
    /// Built of literals only (what `validate` checks against the schema).
    literal_value: bool,
}

/// A part of a string template.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(super) enum Part {
    Lit(Box<str>),
    Path(Path),
}

/// An element of a list.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(super) enum Item {
    Value(#[serde(with = "json_text")] Value),
    Path(Path),
    Template(Box<[Part]>),
}

#[derive(Clone, Debug)]
struct Tree {
    expr: Expression,
    refs: Vec<Reference>,
    calls_function: bool,
    /// The hcl-rs form, converted on first use (used for expressions without function calls
    /// only: `try`/`can` are expanded against the values of each evaluation).
    hcl: OnceLock<hcl::Expression>,
}

/// A reference path: a root variable and attribute/index steps with literal indexes.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(super) struct Path {
    pub(super) root: Box<str>,
    pub(super) ops: Box<[Op]>,
    /// The span of the traversal (or bare variable) in the file.
    start: u32,
    end: u32,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub(super) enum Op {
    /// `.name`
    Attr(Box<str>),
    /// `[N]`
    Index(u64),
    /// `.N`
    Legacy(u64),
    /// `["key"]`
    Key(Box<str>),
}

impl Op {
    fn op_ref(&self) -> OpRef<'_> {
        match self {
            Op::Attr(a) => OpRef::Attr(a),
            Op::Index(i) => OpRef::Index(IndexRef::Number(*i)),
            Op::Legacy(i) => OpRef::Index(IndexRef::Legacy(*i)),
            Op::Key(k) => OpRef::Index(IndexRef::Key(k)),
        }
    }
}

impl Path {
    fn reference(&self, file: &Arc<str>) -> Reference {
        let range = SourceRange {
            file: file.clone(),
            span: self.start as usize..self.end as usize,
        };
        if self.ops.is_empty() {
            return Reference {
                target: refs::variable_target(&self.root),
                attr: None,
                range,
            };
        }
        let ops: Vec<OpRef<'_>> = self.ops.iter().map(Op::op_ref).collect();
        let (target, attr) = refs::classify(&self.root, &ops);
        Reference {
            target: target.unwrap_or_else(|| Target::Unknown(self.root.to_string())),
            attr,
            range,
        }
    }

    /// A path from an hcl-edit expression, when it is one whose root evaluation handles
    /// directly (input variables, locals, `count`, `each`, `self`, resources, data sources).
    fn from_expr(e: &Expression) -> Option<Path> {
        let span = e.span()?;
        let (root, ops) = match e {
            Expression::Variable(v) => {
                let name = v.as_str();
                if !matches!(name, "count" | "each" | "self") {
                    return None;
                }
                (name, Vec::new())
            }
            Expression::Traversal(t) => {
                let Expression::Variable(root) = &t.expr else {
                    return None;
                };
                let mut ops = Vec::with_capacity(t.operators.len());
                for op in t.operators.iter() {
                    ops.push(match op.value() {
                        TraversalOperator::GetAttr(i) => Op::Attr(i.as_str().into()),
                        TraversalOperator::LegacyIndex(i) => Op::Legacy(*i.value()),
                        TraversalOperator::Index(Expression::Number(n)) => {
                            Op::Index(n.value().as_u64()?)
                        }
                        TraversalOperator::Index(Expression::String(s)) => {
                            Op::Key(s.value().as_str().into())
                        }
                        _ => return None,
                    });
                }
                (root.as_str(), ops)
            }
            _ => return None,
        };
        let attr = |i: usize| matches!(ops.get(i), Some(Op::Attr(_)));
        let ok = match root {
            "var" | "local" => attr(0),
            "count" | "each" | "self" => true,
            "path" | "terraform" => false,
            "data" => attr(0) && attr(1),
            _ => attr(0),
        };
        if !ok {
            return None;
        }
        Some(Path {
            root: root.into(),
            ops: ops.into_boxed_slice(),
            start: span.start as u32,
            end: span.end as u32,
        })
    }
}

/// An expression as the configuration cache writes it ([`crate::config::cache`]): the analysed
/// form and the span. A tree is written as its span only ([`Expr::restore`] parses it again).
#[derive(Serialize)]
pub(crate) struct StoredRef<'a> {
    kind: Option<&'a Kind>,
    start: u32,
    end: u32,
}

/// An expression as the configuration cache reads it.
#[derive(Deserialize)]
pub(crate) struct Stored {
    kind: Option<Kind>,
    start: u32,
    end: u32,
}

/// What evaluation sees of an expression.
pub(super) enum Form<'a> {
    Const(Value),
    Path(&'a Path),
    Template(&'a [Part]),
    Tuple(&'a [Item]),
    Tree {
        expr: &'a Expression,
        refs: &'a [Reference],
        calls_function: bool,
        hcl: Option<&'a OnceLock<hcl::Expression>>,
    },
}

/// A path, a template of paths (`"${x}"` is `x` itself, hcl's interpolation unwrapping) or a
/// template of literals and paths.
enum Simple {
    Path(Path),
    Template(Box<[Part]>),
}

fn simple(e: &Expression) -> Option<Simple> {
    if let Some(path) = Path::from_expr(e) {
        return Some(Simple::Path(path));
    }
    let parts = template_parts(e)?;
    Some(match <[Part; 1]>::try_from(parts) {
        Ok([Part::Path(path)]) => Simple::Path(path),
        Ok(one) => Simple::Template(Box::new(one)),
        Err(parts) => Simple::Template(parts.into_boxed_slice()),
    })
}

/// A list of constants, paths and templates of paths, with at least one path.
fn tuple_items(e: &Expression, file: &Arc<str>) -> Option<Box<[Item]>> {
    let Expression::Array(items) = e else {
        return None;
    };
    let mut out = Vec::with_capacity(items.len());
    let mut any_path = false;
    for item in items.iter() {
        out.push(match simple(item) {
            Some(Simple::Path(p)) => Item::Path(p),
            Some(Simple::Template(t)) => Item::Template(t),
            None => {
                if !refs::tree_references(item, file).is_empty() || super::calls_function(item) {
                    return None;
                }
                Item::Value(constant(item, file)?)
            }
        });
        any_path |= !matches!(out.last(), Some(Item::Value(_)));
    }
    any_path.then(|| out.into_boxed_slice())
}

impl Expr {
    /// Analyses `expr`, found in `text` (the whole file). Expressions that are none of the
    /// simple forms keep their tree.
    pub fn new(expr: Expression, src: &Arc<SourceText>, file: &Arc<str>) -> Expr {
        let span = expr.span().unwrap_or(0..0);
        let kind = if let Some(s) = simple(&expr) {
            match s {
                Simple::Path(p) => Kind::Path(p),
                Simple::Template(t) => Kind::Template(t),
            }
        } else if let Some(items) = tuple_items(&expr, file) {
            Kind::Tuple(items)
        } else {
            let refs = refs::tree_references(&expr, file);
            let calls_function = super::calls_function(&expr);
            match (refs.is_empty() && !calls_function)
                .then(|| constant(&expr, file))
                .flatten()
            {
                Some(value) => {
                    let literal_string = crate::config::literal_string(&expr).is_some();
                    let literal_value = crate::config::literal_value(&expr).is_some();
                    match (value, &expr) {
                        (Value::String(s), Expression::String(_)) => Kind::Str(s.into()),
                        (Value::Number(n), Expression::Number(_)) => Kind::Number(n),
                        (Value::Bool(b), Expression::Bool(_)) => Kind::Bool(b),
                        (Value::Null, Expression::Null(_)) => Kind::Null,
                        (value, _) => Kind::Const(Box::new(Const {
                            value,
                            literal_string,
                            literal_value,
                        })),
                    }
                }
                None => Kind::Tree(Box::new(Tree {
                    expr,
                    refs,
                    calls_function,
                    hcl: OnceLock::new(),
                })),
            }
        };
        Expr::with(kind, src, span)
    }

    /// Keeps `expr` as it is (for the few expressions read as syntax, like variable types).
    pub fn keep(expr: Expression, src: &Arc<SourceText>, file: &Arc<str>) -> Expr {
        let span = expr.span().unwrap_or(0..0);
        let refs = refs::tree_references(&expr, file);
        let calls_function = super::calls_function(&expr);
        let kind = Kind::Tree(Box::new(Tree {
            expr,
            refs,
            calls_function,
            hcl: OnceLock::new(),
        }));
        Expr::with(kind, src, span)
    }

    /// What the configuration cache writes of the expression, when it is in `src`.
    pub(crate) fn stored(&self, src: &Arc<SourceText>) -> Option<StoredRef<'_>> {
        Arc::ptr_eq(&self.0.src, src).then(|| StoredRef {
            kind: (!matches!(self.0.kind, Kind::Tree(_))).then_some(&self.0.kind),
            start: self.0.start,
            end: self.0.end,
        })
    }

    /// The expression the configuration cache wrote as `stored`, in `src` (the text of `file`).
    /// A tree is taken from the file parsed again ([`SourceText`]); `None` when the file has no
    /// attribute value at its span.
    pub(crate) fn restore(stored: Stored, src: &Arc<SourceText>, file: &Arc<str>) -> Option<Expr> {
        let span = stored.start as usize..stored.end as usize;
        match stored.kind {
            Some(kind) => Some(Expr::with(kind, src, span)),
            None => {
                let expr = src.values().get(&(stored.start, stored.end))?.clone();
                // `keep` is what `new` gives an expression it cannot analyse into a simpler form.
                Some(Expr::keep(expr, src, file))
            }
        }
    }

    fn with(kind: Kind, src: &Arc<SourceText>, span: std::ops::Range<usize>) -> Expr {
        Expr(Box::new(Inner {
            kind,
            src: src.clone(),
            start: span.start as u32,
            end: span.end as u32,
        }))
    }

    pub(super) fn form(&self) -> Form<'_> {
        match &self.0.kind {
            Kind::Str(s) => Form::Const(Value::String(s.to_string())),
            Kind::Number(n) => Form::Const(Value::Number(n.clone())),
            Kind::Bool(b) => Form::Const(Value::Bool(*b)),
            Kind::Null => Form::Const(Value::Null),
            Kind::Const(c) => Form::Const(c.value.clone()),
            Kind::Path(p) => Form::Path(p),
            Kind::Template(t) => Form::Template(t),
            Kind::Tuple(items) => Form::Tuple(items),
            Kind::Tree(t) => Form::Tree {
                expr: &t.expr,
                refs: &t.refs,
                calls_function: t.calls_function,
                hcl: Some(&t.hcl),
            },
        }
    }

    /// The value, when the expression is a constant.
    pub fn constant(&self) -> Option<Value> {
        match self.form() {
            Form::Const(v) => Some(v),
            _ => None,
        }
    }

    /// The string of a literal string expression (`"x"`, or a template without interpolation).
    pub fn literal_string(&self) -> Option<String> {
        match &self.0.kind {
            Kind::Str(s) => Some(s.to_string()),
            Kind::Const(c) if c.literal_string => c.value.as_str().map(str::to_string),
            Kind::Tree(t) => crate::config::literal_string(&t.expr),
            _ => None,
        }
    }

    /// `true`/`false`, or a literal string that reads as one.
    pub fn literal_bool(&self) -> Option<bool> {
        match &self.0.kind {
            Kind::Bool(b) => Some(*b),
            Kind::Tree(t) => match &t.expr {
                Expression::Bool(b) => Some(*b.value()),
                e => crate::config::literal_string(e).and_then(|s| s.parse().ok()),
            },
            _ => self.literal_string().and_then(|s| s.parse().ok()),
        }
    }

    /// The value of an expression made only of literals (strings without interpolation,
    /// numbers, bools, null, lists of those).
    pub fn literal_value(&self) -> Option<Value> {
        match &self.0.kind {
            Kind::Str(_) | Kind::Number(_) | Kind::Bool(_) | Kind::Null => self.constant(),
            Kind::Const(c) if c.literal_value => Some(c.value.clone()),
            Kind::Tree(t) => crate::config::literal_value(&t.expr),
            _ => None,
        }
    }

    /// Every reference in the expression.
    pub fn references(&self, file: &Arc<str>) -> Vec<Reference> {
        let parts = |parts: &[Part], out: &mut Vec<Reference>| {
            for p in parts {
                if let Part::Path(p) = p {
                    out.push(p.reference(file));
                }
            }
        };
        let mut out = Vec::new();
        match &self.0.kind {
            Kind::Str(_) | Kind::Number(_) | Kind::Bool(_) | Kind::Null | Kind::Const(_) => {}
            Kind::Path(p) => out.push(p.reference(file)),
            Kind::Template(t) => parts(t, &mut out),
            Kind::Tuple(items) => {
                for item in items.iter() {
                    match item {
                        Item::Value(_) => {}
                        Item::Path(p) => out.push(p.reference(file)),
                        Item::Template(t) => parts(t, &mut out),
                    }
                }
            }
            Kind::Tree(t) => {
                if t.refs.iter().all(|r| r.range.file == *file) {
                    out = t.refs.clone();
                } else {
                    out = refs::tree_references(&t.expr, file);
                }
            }
        }
        out
    }

    /// Whether the expression calls a function anywhere.
    pub fn calls_function(&self) -> bool {
        matches!(&self.0.kind, Kind::Tree(t) if t.calls_function)
    }

    /// The source text of the expression.
    pub fn source(&self) -> &str {
        self.0
            .src
            .text
            .get(self.0.start as usize..self.0.end as usize)
            .unwrap_or_default()
    }

    /// The expression parsed again from its source, with spans relative to its own start (for
    /// evaluation with hcl-rs, which needs no spans).
    pub(super) fn reparse(&self) -> Option<Expression> {
        hcl_edit::parser::parse_expr(self.source()).ok()
    }
}

impl Deref for Expr {
    type Target = Expression;

    fn deref(&self) -> &Expression {
        static MISSING: OnceLock<Expression> = OnceLock::new();
        match &self.0.kind {
            Kind::Tree(t) => &t.expr,
            _ => self
                .0
                .src
                .values()
                .get(&(self.0.start, self.0.end))
                .unwrap_or_else(|| {
                    MISSING.get_or_init(|| {
                        Expression::Null(hcl_edit::Decorated::new(hcl_edit::expr::Null))
                    })
                }),
        }
    }
}

impl fmt::Debug for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0.kind {
            Kind::Tree(t) => t.expr.fmt(f),
            other => f
                .debug_struct("Expr")
                .field("source", &self.source())
                .field("kind", other)
                .finish(),
        }
    }
}

/// The parts of a string template made of literals and reference paths only (no directives,
/// no strip markers, no literal that could form the unknown sentinel).
fn template_parts(e: &Expression) -> Option<Vec<Part>> {
    let Expression::StringTemplate(t) = e else {
        return None;
    };
    let mut parts = Vec::with_capacity(t.len());
    let mut any_path = false;
    for el in t.iter() {
        match el {
            Element::Literal(l) => {
                if l.value().contains('\u{1}') {
                    return None;
                }
                parts.push(Part::Lit(l.value().as_str().into()));
            }
            Element::Interpolation(i) => {
                if i.strip != Strip::None {
                    return None;
                }
                parts.push(Part::Path(Path::from_expr(&i.expr)?));
                any_path = true;
            }
            Element::Directive(_) => return None,
        }
    }
    any_path.then_some(parts)
}

/// The value of an expression without references or function calls, evaluated as always.
fn constant(e: &Expression, file: &Arc<str>) -> Option<Value> {
    match e {
        Expression::Null(_) => Some(Value::Null),
        Expression::Bool(b) => Some(Value::Bool(*b.value())),
        Expression::String(s) => Some(Value::String(s.value().to_string())),
        Expression::Number(n) => Some(super::number_to_json(n.value())),
        _ => {
            let vars = serde_json::Map::new();
            let locals = HashMap::new();
            let instance = super::InstanceVars::default();
            let scope = super::Scope {
                vars: &vars,
                locals: &locals,
                resources: &super::NoResources,
                instance: &instance,
                module_path: ".",
                self_value: None,
            };
            let range = SourceRange {
                file: file.clone(),
                span: 0..0,
            };
            let v = super::eval_tree(e, &[], false, None, &range, &scope).ok()?;
            // A constant that spells the unknown sentinel stays an expression.
            (!super::is_unknown(&v)).then_some(v)
        }
    }
}

#[cfg(test)]
mod tests {
    //! The compiled forms against the evaluation eipform always had (kept here verbatim: hcl-rs
    //! with every referenced value converted whole through serde).
    use foldhash::{HashMap, HashMapExt};
    use std::collections::BTreeMap;

    use hcl::eval::{Context, Evaluate};
    use serde_json::{Map, json};

    use super::*;
    use crate::addr::{BlockAddress, InstanceKey, Mode};
    use crate::eval::{
        EvalError, InstanceVars, ResourceValues, Scope, UNKNOWN, eval_expr, functions, is_unknown,
        references, static_index, unknown,
    };

    /// Blocks by address: `None` key for a single instance, else count/for_each instances.
    struct Blocks(
        HashMap<BlockAddress, BTreeMap<Option<InstanceKey>, Value>>,
        bool,
        /// The same instances as attribute maps.
        HashMap<(BlockAddress, Option<InstanceKey>), crate::attrs::Attrs>,
    );

    impl ResourceValues for Blocks {
        fn block_value(&self, addr: &BlockAddress, only: Option<&InstanceKey>) -> Option<Value> {
            let b = self.0.get(addr)?;
            Some(match b.keys().next() {
                Some(None) | None => b.get(&None).cloned().unwrap_or(Value::Null),
                Some(Some(InstanceKey::Int(_))) => Value::Array(b.values().cloned().collect()),
                Some(Some(InstanceKey::Str(_))) => Value::Object(
                    b.iter()
                        .filter(|(k, _)| only.is_none() || k.as_ref() == only)
                        .filter_map(|(k, v)| match k {
                            Some(InstanceKey::Str(s)) => Some((s.to_string(), v.clone())),
                            _ => None,
                        })
                        .collect(),
                ),
            })
        }

        fn instance_value(&self, addr: &BlockAddress, key: Option<&InstanceKey>) -> Option<&Value> {
            if !self.1 {
                return None;
            }
            self.instance(addr, key)
        }

        // Without borrowed values, the attribute maps are offered instead (as `plan::Values`).
        fn instance_attrs(
            &self,
            addr: &BlockAddress,
            key: Option<&InstanceKey>,
        ) -> Option<&crate::attrs::Attrs> {
            if self.1 {
                return None;
            }
            self.instance(addr, key)?;
            self.2.get(&(addr.clone(), key.cloned()))
        }
    }

    impl Blocks {
        fn instance(&self, addr: &BlockAddress, key: Option<&InstanceKey>) -> Option<&Value> {
            let b = self.0.get(addr)?;
            match (b.keys().next(), key) {
                (Some(None), None) => b.get(&None),
                (Some(Some(_)), Some(k)) => b.get(&Some(k.clone())),
                _ => None,
            }
        }
    }

    fn managed(t: &str, n: &str) -> BlockAddress {
        BlockAddress {
            mode: Mode::Managed,
            rtype: t.into(),
            name: n.into(),
        }
    }

    fn blocks(borrowed: bool) -> Blocks {
        let mut m = HashMap::new();
        let one = |v: Value| BTreeMap::from([(None, v)]);
        m.insert(
            managed("alicloud_vpc", "v"),
            one(json!({"id": "vpc-1", "cidr": "10.0.0.0/16", "n": 2.0, "f": 1.5, "tags": {"Name": "x", "b": true}, "list": [1, "a"]})),
        );
        m.insert(
            managed("alicloud_eip_address", "u"),
            one(json!({"id": UNKNOWN, "bandwidth": "5", "tags": {"a": UNKNOWN}})),
        );
        m.insert(managed("alicloud_eip_address", "empty"), BTreeMap::new());
        m.insert(
            managed("alicloud_eip_address", "c"),
            BTreeMap::from([
                (
                    Some(InstanceKey::Int(0)),
                    json!({"id": "eip-0", "ip": "1.1.1.0"}),
                ),
                (
                    Some(InstanceKey::Int(1)),
                    json!({"id": "eip-1", "ip": "1.1.1.1"}),
                ),
            ]),
        );
        m.insert(
            managed("alicloud_eip_address", "f"),
            BTreeMap::from([
                (Some(InstanceKey::Str("a".into())), json!({"id": "eip-a"})),
                (Some(InstanceKey::Str("b".into())), json!({"id": UNKNOWN})),
            ]),
        );
        m.insert(
            BlockAddress {
                mode: Mode::Data,
                rtype: "alicloud_zones".into(),
                name: "z".into(),
            },
            one(json!({"ids": ["z-a", "z-b"]})),
        );
        let attrs = m
            .iter()
            .flat_map(|(addr, instances)| {
                instances.iter().filter_map(|(key, v)| {
                    let object = v.as_object()?.clone();
                    Some(((addr.clone(), key.clone()), object.into()))
                })
            })
            .collect();
        Blocks(m, borrowed, attrs)
    }

    /// eipform's evaluation before expressions were compiled.
    fn original(
        expr: &Expression,
        range: &SourceRange,
        scope: &Scope<'_>,
    ) -> Result<Value, EvalError> {
        fn to_hcl(v: &Value) -> hcl::Value {
            serde_json::from_value(v.clone()).unwrap_or(hcl::Value::Null)
        }
        fn from_hcl(v: hcl::Value) -> Value {
            serde_json::to_value(v).unwrap_or(Value::Null)
        }
        let refs = references(expr, &range.file);
        let fail = |summary: &str, range: &SourceRange| EvalError {
            summary: summary.to_string(),
            detail: String::new(),
            range: range.clone(),
        };
        let mut ctx = Context::new();
        if super::super::calls_function(expr) {
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
                        return Err(fail("Reference to undeclared input variable", &r.range));
                    }
                }
                Target::Local(name) => match scope.locals.get(name) {
                    Some(v) => {
                        any_unknown |= is_unknown(v);
                        locals.insert(name.clone(), to_hcl(v));
                    }
                    None => return Err(fail("Reference to undeclared local value", &r.range)),
                },
                Target::Resource { addr, index } => {
                    let only = index.as_ref().and_then(|i| static_index(i, &range.file, scope));
                    let Some(v) = scope.resources.block_value(addr, only.as_ref()) else {
                        return Err(fail("Reference to undeclared resource", &r.range));
                    };
                    any_unknown |= is_unknown(&v);
                    let table = if addr.mode == Mode::Data { &mut data } else { &mut managed };
                    table
                        .entry(addr.rtype.to_string())
                        .or_default()
                        .insert(addr.name.to_string(), to_hcl(&v));
                }
                Target::Count => match scope.instance.count_index {
                    Some(i) => ctx.declare_var("count", hcl::value!({ index = (i) })),
                    None => return Err(fail("Reference to \"count\" in non-counted context", &r.range)),
                },
                Target::Each => match &scope.instance.each {
                    Some((k, v)) => {
                        any_unknown |= is_unknown(v);
                        let mut m = hcl::Map::new();
                        m.insert("key".to_string(), hcl::Value::String(k.clone()));
                        m.insert("value".to_string(), to_hcl(v));
                        ctx.declare_var("each", hcl::Value::Object(m));
                    }
                    None => return Err(fail("Reference to \"each\" in context without for_each", &r.range)),
                },
                Target::Path => ctx.declare_var(
                    "path",
                    hcl::value!({ module = (scope.module_path), root = (scope.module_path), cwd = (scope.module_path) }),
                ),
                Target::Terraform => ctx.declare_var("terraform", hcl::value!({ workspace = "default" })),
                Target::SelfRef => match scope.self_value {
                    Some(v) => ctx.declare_var("self", to_hcl(v)),
                    None => return Err(fail("Invalid \"self\" reference", &r.range)),
                },
                Target::Unknown(_) => return Err(fail("Invalid reference", &r.range)),
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
        super::super::special::expand_try_can(&mut expr, &ctx);
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
            Err(e) => Err(EvalError {
                summary: "Invalid expression".into(),
                detail: super::super::clean_error(&e),
                range: range.clone(),
            }),
        }
    }

    const CORPUS: &[&str] = &[
        r#""abc""#,
        "42",
        "1.5",
        "2.0",
        "-3",
        "true",
        "null",
        r#""a\nb""#,
        r#""$${x}""#,
        r#""%%{x}""#,
        r#"["a", 1, 2.0]"#,
        r#"{ a = 1, "b" = "x" }"#,
        "(1)",
        "1 + 2",
        r#""%{ if true }x%{ endif }""#,
        "<<EOT\nhello ${var.name}\nEOT\n",
        r#""é\u00e9""#,
        "var.name",
        "var.num",
        "var.float",
        "var.flag",
        "var.missing",
        "var.obj",
        "var.obj.k",
        "var.list[1]",
        "var.list.0",
        "var[0]",
        "var",
        "local.l",
        "local.unk",
        "local.obj.k",
        "local.obj.missing",
        "local.list[0]",
        "local.list.1",
        "local.list[5]",
        "local.missing",
        "local.obj[\"k\"]",
        "local.list[\"0\"]",
        "local.partial.a",
        "local.partial.b",
        "local.partial.c",
        "count.index",
        "count",
        "count.other",
        "count.index.x",
        "each.key",
        "each.value",
        "each.value.name",
        "each.value.missing",
        "each.foo",
        "each",
        "self",
        "self.id",
        "path.module",
        "terraform.workspace",
        "string",
        "foo.bar",
        "alicloud_vpc.v.id",
        "alicloud_vpc.v.missing",
        "alicloud_vpc.v",
        "alicloud_vpc.v.n",
        "alicloud_vpc.v.f",
        "alicloud_vpc.v.tags.Name",
        "alicloud_vpc.v.tags",
        "alicloud_vpc.v.list",
        "alicloud_vpc.v[0].id",
        "alicloud_vpc.v[\"id\"]",
        "alicloud_vpc.v.id.x",
        "alicloud_eip_address.c[0].id",
        "alicloud_eip_address.c[1].ip",
        "alicloud_eip_address.c.0.id",
        "alicloud_eip_address.c[9].id",
        "alicloud_eip_address.c.id",
        "alicloud_eip_address.c",
        "alicloud_eip_address.c[\"0\"]",
        "alicloud_eip_address.c[1.0].id",
        "alicloud_eip_address.f[\"a\"].id",
        "alicloud_eip_address.f.a.id",
        "alicloud_eip_address.f[\"b\"].id",
        "alicloud_eip_address.f[\"zz\"].id",
        "alicloud_eip_address.f[0]",
        "alicloud_eip_address.f",
        "alicloud_eip_address.u.id",
        "alicloud_eip_address.u.nope",
        "alicloud_eip_address.u",
        "alicloud_eip_address.u.tags",
        "alicloud_eip_address.u.bandwidth",
        "alicloud_eip_address.empty.id",
        "alicloud_eip_address.empty",
        "alicloud_nope.x.id",
        "data.alicloud_zones.z.ids[0]",
        "data.alicloud_zones.z.ids",
        "data.alicloud_nope.z.id",
        "data.alicloud_zones",
        r#""${var.name}-x""#,
        r#""${var.num}:${var.flag}""#,
        r#""${var.float}""#,
        r#""a${var.float}b${var.big}""#,
        r#""${alicloud_eip_address.u.id}-x""#,
        r#""${alicloud_vpc.v.tags}""#,
        r#""${var.missing}x""#,
        r#""${local.obj.missing}x""#,
        r#""${alicloud_eip_address.u.nope}x""#,
        r#""p-${each.key}-${count.index}""#,
        r#""${local.nul}-x""#,
        r#""${local.l}""#,
        r#""${ var.name }""#,
        r#""${~var.name}x""#,
        r#""${local.half1}${local.half2}""#,
        r#""${alicloud_vpc.v.list}-""#,
        r#""${alicloud_eip_address.c[1].id}/${alicloud_eip_address.f.a.id}""#,
        r#""${alicloud_vpc.v.n}-${alicloud_vpc.v.f}""#,
        r#""${each.value.name}${var.flag}""#,
        "[alicloud_vpc.v.id]",
        "upper(var.name)",
        r#"try(alicloud_vpc.v.nope, "d")"#,
        r#"can(alicloud_vpc.v.id)"#,
        "[for k, v in alicloud_eip_address.f : v.id]",
        "alicloud_eip_address.c[*].id",
        "alicloud_eip_address.c.*.ip",
        "keys(alicloud_eip_address.f)",
        "length(alicloud_eip_address.c)",
        r#"alicloud_vpc.v.id == "vpc-1" ? 1 : 2"#,
        "alicloud_eip_address.c[count.index].id",
        "alicloud_eip_address.f[each.key].id",
        "{ for k, v in alicloud_vpc.v.tags : k => v }",
        "alicloud_vpc.v.tags.b ? alicloud_vpc.v.id : 0",
        "[alicloud_eip_address.c[0].id, alicloud_eip_address.c[1].ip]",
        "[alicloud_eip_address.f[\"a\"].id, alicloud_eip_address.f.a]",
        "[alicloud_eip_address.u.id, 1]",
        "alicloud_eip_address.u.nope == 1",
        "merge(alicloud_vpc.v.tags, { c = 1 })",
        "alicloud_vpc.v[0]",
        "lookup(alicloud_vpc.v, \"id\", \"none\")",
        "[data.alicloud_zones.z.ids[1], var.name]",
        r#"["${var.name}-x", var.num, "lit", 2.0, -1]"#,
        "[alicloud_vpc.v.missing, 1]",
        "[alicloud_eip_address.u.nope, var.missing]",
        r#"[alicloud_eip_address.u.nope, "x"]"#,
        r#"["${alicloud_eip_address.u.nope}", var.name]"#,
        "[local.partial, var.name]",
        "[var.list, local.unk]",
        "[local.half1, local.half2]",
        "[each.value.name, each.key]",
        "[[1], var.name]",
        "[var.name, [var.name]]",
        "[var.obj, alicloud_vpc.v.tags]",
        r#"["${local.half1}", "${local.half2}"]"#,
        "[alicloud_eip_address.f.b.id, count.index]",
        "[self.id]",
        "[alicloud_eip_address.c[5].id, alicloud_nope.x.id]",
        "[]",
        r#""true""#,
        r#""false""#,
        "false",
    ];

    /// Variables, locals, the instance and `self` of one evaluation scope.
    type ScopeParts = (
        Map<String, Value>,
        HashMap<String, Value>,
        InstanceVars,
        Option<Value>,
    );

    fn scopes() -> Vec<ScopeParts> {
        let vars: Map<String, Value> = serde_json::from_value(json!({
            "name": "web", "num": 3, "float": 2.5, "big": 1e21, "flag": true,
            "obj": {"k": "v"}, "list": ["x", "y"]
        }))
        .unwrap();
        let locals: HashMap<String, Value> = serde_json::from_value(json!({
            "l": "loc", "unk": UNKNOWN, "obj": {"k": 1.0}, "list": [1, 2.0], "nul": null,
            "partial": {"a": "known", "b": UNKNOWN}, "half1": "\u{1}(known after",
            "half2": " apply)\u{1}"
        }))
        .unwrap();
        let with = InstanceVars {
            count_index: Some(1),
            each: Some(("a".into(), json!({"name": "n", "n": 4.0}))),
        };
        let each_unknown = InstanceVars {
            count_index: None,
            each: Some(("b".into(), json!({"name": UNKNOWN}))),
        };
        vec![
            (
                vars.clone(),
                locals.clone(),
                with,
                Some(json!({"id": "self-1"})),
            ),
            (vars.clone(), locals.clone(), InstanceVars::default(), None),
            (vars, locals, each_unknown, None),
        ]
    }

    fn strip(r: Result<Value, EvalError>) -> Result<Value, (String, std::ops::Range<usize>)> {
        r.map_err(|e| (e.summary, e.range.span))
    }

    #[test]
    fn compiled_forms_evaluate_as_before() {
        let file: Arc<str> = Arc::from("main.tf");
        let mut compact = 0;
        for borrowed in [false, true] {
            let blocks = blocks(borrowed);
            for (vars, locals, instance, self_value) in scopes() {
                let scope = Scope {
                    vars: &vars,
                    locals: &locals,
                    resources: &blocks,
                    instance: &instance,
                    module_path: ".",
                    self_value: self_value.as_ref(),
                };
                for src in CORPUS {
                    let text: Arc<str> = Arc::from(format!("x = {src}\n"));
                    let tree = hcl_edit::parser::parse_body(&text).unwrap();
                    let e = tree
                        .into_iter()
                        .next()
                        .unwrap()
                        .into_attribute()
                        .unwrap()
                        .value;
                    let range = SourceRange {
                        file: file.clone(),
                        span: e.span().unwrap(),
                    };
                    let expected = original(&e, &range, &scope);
                    let compiled = Expr::new(e.clone(), &SourceText::new(text.clone()), &file);
                    if !matches!(compiled.0.kind, Kind::Tree(_)) {
                        compact += 1;
                    }
                    let got = eval_expr(&compiled, &range, &scope);
                    let tree_got = eval_expr(&e, &range, &scope);
                    // The summaries and ranges match; the original's details are not kept above
                    // except for hcl-rs errors, which must match word for word.
                    let detail = |r: &Result<Value, EvalError>| match r {
                        Err(e) if e.summary == "Invalid expression" => e.detail.clone(),
                        _ => String::new(),
                    };
                    assert_eq!(detail(&got), detail(&expected), "{src}");
                    assert_eq!(detail(&tree_got), detail(&expected), "{src}");
                    assert_eq!(strip(got), strip(expected.clone()), "{src} (compiled)");
                    assert_eq!(strip(tree_got), strip(expected), "{src} (tree)");
                    assert_eq!(
                        references(&compiled, &file),
                        references(&e, &file),
                        "{src} references"
                    );
                    // The tree rebuilt from source has the original's spans.
                    assert_eq!(compiled.span(), e.span(), "{src} span");
                    assert_eq!(
                        crate::config::literal(&compiled),
                        crate::config::literal(&e),
                        "{src} literal"
                    );
                    let tree_bool = match &e {
                        Expression::Bool(b) => Some(*b.value()),
                        e => crate::config::literal_string(e).and_then(|s| s.parse().ok()),
                    };
                    assert_eq!(compiled.literal_bool(), tree_bool, "{src} literal bool");
                    assert_eq!(
                        compiled.literal_value(),
                        crate::config::literal_value(&e),
                        "{src} literal value"
                    );
                }
            }
        }
        assert!(compact > 100, "most of the corpus is compiled ({compact})");
    }
}
