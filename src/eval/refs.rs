//! References inside expressions (`var.x`, `local.y`, `alicloud_vpc.main.id`,
//! `data.alicloud_zones.z.zones.0.id`, `alicloud_eip_address.web[count.index].id`), with their
//! source ranges, for the dependency graph, for per-block evaluation contexts and for diagnostics.

use std::sync::Arc;

use hcl_edit::Span;
use hcl_edit::expr::{Expression, ForExpr, Traversal, TraversalOperator};
use hcl_edit::visit::{self, Visit};

use crate::addr::{BlockAddress, Mode};
use crate::diag::SourceRange;

/// What a reference names.
#[derive(Debug, Clone, PartialEq)]
pub enum Target {
    Var(String),
    Local(String),
    /// A resource or data block; `index` is the expression of `[...]` right after the name, if any.
    Resource {
        addr: BlockAddress,
        index: Option<Expression>,
    },
    Count,
    Each,
    Path,
    Terraform,
    SelfRef,
    /// A name that is none of the above (an error unless it is a function-local name).
    Unknown(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Reference {
    pub target: Target,
    /// The attribute read after the resource (`id` in `alicloud_vpc.main.id`).
    pub attr: Option<String>,
    pub range: SourceRange,
}

/// Every reference in `expr`: a configuration expression ([`crate::config::Expr`], whose
/// references were worked out at load) or a bare hcl-edit expression.
pub fn references<E: super::ExprRef + ?Sized>(expr: &E, file: &Arc<str>) -> Vec<Reference> {
    match expr.view() {
        super::ExprView::Compiled(e) => e.references(file),
        super::ExprView::Tree(e) => tree_references(e, file),
    }
}

/// Every reference in an hcl-edit expression, found by walking it.
pub(crate) fn tree_references(expr: &Expression, file: &Arc<str>) -> Vec<Reference> {
    let mut c = Collector {
        file: file.clone(),
        refs: Vec::new(),
        scopes: Vec::new(),
    };
    c.visit_expr(expr);
    c.refs
}

struct Collector {
    file: Arc<str>,
    refs: Vec<Reference>,
    /// Names bound by enclosing `for` expressions.
    scopes: Vec<String>,
}

/// One traversal operator, as far as reference classification needs it.
pub(crate) enum OpRef<'a> {
    Attr(&'a str),
    Index(IndexRef<'a>),
    /// A splat.
    Other,
}

/// The index of `[...]` (or legacy `.N`) after a resource name.
pub(crate) enum IndexRef<'a> {
    Expr(&'a Expression),
    /// `.N`.
    Legacy(u64),
    /// `[N]`, from a compiled expression.
    Number(u64),
    /// `["key"]`, from a compiled expression.
    Key(&'a str),
}

impl IndexRef<'_> {
    fn to_expr(&self) -> Expression {
        match self {
            IndexRef::Expr(e) => (*e).clone(),
            IndexRef::Legacy(i) | IndexRef::Number(i) => {
                Expression::Number(hcl_edit::Formatted::new(hcl_edit::Number::from(*i)))
            }
            IndexRef::Key(k) => Expression::String(hcl_edit::Decorated::new(k.to_string())),
        }
    }
}

fn op_ref(op: &TraversalOperator) -> OpRef<'_> {
    match op {
        TraversalOperator::GetAttr(i) => OpRef::Attr(i.as_str()),
        TraversalOperator::Index(e) => OpRef::Index(IndexRef::Expr(e)),
        TraversalOperator::LegacyIndex(i) => OpRef::Index(IndexRef::Legacy(*i.value())),
        _ => OpRef::Other,
    }
}

/// What a traversal rooted at the variable `root` refers to (`None`: not a valid reference),
/// and the attribute read right after a resource (`id` in `alicloud_vpc.main.id`).
pub(crate) fn classify(root: &str, ops: &[OpRef<'_>]) -> (Option<Target>, Option<String>) {
    let name_at = |i: usize| match ops.get(i) {
        Some(OpRef::Attr(a)) => Some(a.to_string()),
        _ => None,
    };
    let index_at = |i: usize| match ops.get(i) {
        Some(OpRef::Index(ix)) => Some(ix.to_expr()),
        _ => None,
    };
    let (target, consumed) = match root {
        "var" => (name_at(0).map(Target::Var), 1),
        "local" => (name_at(0).map(Target::Local), 1),
        "count" => (Some(Target::Count), 1),
        "each" => (Some(Target::Each), 1),
        "path" => (Some(Target::Path), 1),
        "terraform" => (Some(Target::Terraform), 1),
        "self" => (Some(Target::SelfRef), 0),
        "data" => match (name_at(0), name_at(1)) {
            (Some(ty), Some(name)) => (
                Some(Target::Resource {
                    addr: BlockAddress {
                        mode: Mode::Data,
                        rtype: ty.into(),
                        name: name.into(),
                    },
                    index: index_at(2),
                }),
                2,
            ),
            _ => (None, 0),
        },
        ty => match name_at(0) {
            Some(name) => (
                Some(Target::Resource {
                    addr: BlockAddress {
                        mode: Mode::Managed,
                        rtype: ty.into(),
                        name: name.into(),
                    },
                    index: index_at(1),
                }),
                1,
            ),
            None => (Some(Target::Unknown(ty.to_string())), 0),
        },
    };
    let attr = match &target {
        Some(Target::Resource { index, .. }) => name_at(consumed + usize::from(index.is_some())),
        _ => None,
    };
    (target, attr)
}

/// The target of a bare variable (`count`, `each`, `self`, or an unknown name).
pub(crate) fn variable_target(name: &str) -> Target {
    match name {
        "count" => Target::Count,
        "each" => Target::Each,
        "self" => Target::SelfRef,
        other => Target::Unknown(other.to_string()),
    }
}

impl Collector {
    fn push(&mut self, target: Target, attr: Option<String>, span: Option<std::ops::Range<usize>>) {
        self.refs.push(Reference {
            target,
            attr,
            range: SourceRange {
                file: self.file.clone(),
                span: span.unwrap_or(0..0),
            },
        });
    }

    fn traversal(&mut self, t: &Traversal) {
        let Expression::Variable(root) = &t.expr else {
            visit::visit_traversal(self, t);
            return;
        };
        let root = root.as_str();
        if self.scopes.iter().any(|s| s == root) {
            self.visit_operators(&t.operators);
            return;
        }
        let ops: Vec<OpRef<'_>> = t.operators.iter().map(|o| op_ref(o.value())).collect();
        match classify(root, &ops) {
            (Some(target), attr) => self.push(target, attr, t.span()),
            (None, _) => self.push(Target::Unknown(root.to_string()), None, t.span()),
        }
        self.visit_operators(&t.operators);
    }

    fn visit_operators(&mut self, ops: &[hcl_edit::Decorated<TraversalOperator>]) {
        for op in ops {
            if let TraversalOperator::Index(e) = op.value() {
                self.visit_expr(e);
            }
        }
    }
}

impl Visit for Collector {
    fn visit_expr(&mut self, e: &Expression) {
        match e {
            Expression::Traversal(t) => self.traversal(t),
            Expression::Variable(v) => {
                let name = v.as_str();
                if !self.scopes.iter().any(|s| s == name) {
                    self.push(variable_target(name), None, v.span());
                }
            }
            _ => visit::visit_expr(self, e),
        }
    }

    fn visit_for_expr(&mut self, f: &ForExpr) {
        self.visit_expr(&f.intro.collection_expr);
        let depth = self.scopes.len();
        if let Some(k) = &f.intro.key_var {
            self.scopes.push(k.as_str().to_string());
        }
        self.scopes.push(f.intro.value_var.as_str().to_string());
        if let Some(k) = &f.key_expr {
            self.visit_expr(k);
        }
        self.visit_expr(&f.value_expr);
        if let Some(c) = &f.cond {
            self.visit_expr(&c.expr);
        }
        self.scopes.truncate(depth);
    }

    fn visit_for_directive(&mut self, f: &hcl_edit::template::ForDirective) {
        let depth = self.scopes.len();
        let expr = &f.for_expr;
        self.visit_expr(&expr.collection_expr);
        if let Some(k) = &expr.key_var {
            self.scopes.push(k.as_str().to_string());
        }
        self.scopes.push(expr.value_var.as_str().to_string());
        self.visit_template(&expr.template);
        self.scopes.truncate(depth);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refs(src: &str) -> Vec<Reference> {
        let e = hcl_edit::parser::parse_expr(src).unwrap();
        references(&e, &Arc::from("main.tf"))
    }

    #[test]
    fn finds_resources_vars_locals_and_ignores_for_names() {
        let r = refs("[for s in alicloud_vswitch.all : s.id if var.on]");
        assert_eq!(r.len(), 2);
        assert!(
            matches!(&r[0].target, Target::Resource { addr, .. } if addr.to_string() == "alicloud_vswitch.all")
        );
        assert_eq!(r[1].target, Target::Var("on".into()));
        let r = refs("data.alicloud_zones.z.zones.0.id");
        assert!(
            matches!(&r[0].target, Target::Resource { addr, .. } if addr.to_string() == "data.alicloud_zones.z")
        );
        assert_eq!(r[0].attr.as_deref(), Some("zones"));
        let r = refs("alicloud_eip_address.web[count.index].id");
        assert!(matches!(
            &r[0].target,
            Target::Resource { index: Some(_), .. }
        ));
        assert_eq!(r[0].attr.as_deref(), Some("id"));
        assert_eq!(r[1].target, Target::Count);
        let r = refs("\"${local.a}-${alicloud_vpc.v.id}\"");
        assert_eq!(r[0].target, Target::Local("a".into()));
        assert_eq!(r[1].attr.as_deref(), Some("id"));
    }
}
