//! Custom conditions: `precondition` and `postcondition` blocks of a resource's `lifecycle`, and
//! `precondition` blocks of outputs.
//!
//! Preconditions are checked when the instance's arguments are evaluated; postconditions see the
//! object as `self` and are checked against the planned values when those are known, otherwise
//! after apply, against the values the cloud returned. A condition that is false is an error
//! naming the resource and carrying the block's `error_message`.

use serde_json::Value;

use super::evaluate::EvalEnv;
use crate::config::Condition;
use crate::diag::Diagnostic;
use crate::eval::{self, InstanceVars, Scope, is_unknown};

/// Which kind of condition is checked (for the message).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Precondition,
    Postcondition,
    OutputPrecondition,
}

impl Kind {
    fn summary(self) -> &'static str {
        match self {
            Kind::Precondition => "Resource precondition failed",
            Kind::Postcondition => "Resource postcondition failed",
            Kind::OutputPrecondition => "Module output value precondition failed",
        }
    }
}

/// Checks `conds`; `self_value` is what `self` means (postconditions). Returns whether every
/// condition could be decided (false when one depends on values known only after apply).
pub fn check(
    env: &EvalEnv<'_>,
    conds: &[Condition],
    inst: &InstanceVars,
    self_value: Option<&Value>,
    kind: Kind,
    addr: &str,
    diags: &mut Vec<Diagnostic>,
) -> bool {
    let mut decided = true;
    let scope = Scope {
        self_value,
        ..env.scope(inst)
    };
    for c in conds {
        let result = match eval::eval_expr(&c.condition.expr, &c.condition.range, &scope) {
            Ok(v) => v,
            Err(e) => {
                diags.push(e.into_diagnostic().address(addr));
                continue;
            }
        };
        let ok = match &result {
            v if is_unknown(v) => {
                decided = false;
                continue;
            }
            Value::Bool(b) => *b,
            Value::String(s) if s == "true" || s == "false" => s == "true",
            other => {
                diags.push(
                    Diagnostic::error("Invalid condition result")
                        .detail(format!("The condition must give a bool, got {other}."))
                        .at(Some(c.condition.range.clone()), "not a bool")
                        .address(addr),
                );
                continue;
            }
        };
        if ok {
            continue;
        }
        let message = match eval::eval_expr(&c.error_message.expr, &c.error_message.range, &scope) {
            Ok(Value::String(s)) if !is_unknown(&Value::String(s.clone())) => s,
            Ok(other) => other.to_string(),
            Err(e) => e.detail,
        };
        diags.push(
            Diagnostic::error(kind.summary())
                .detail(format!(
                    "{message}\n\nThis was checked by the {} of {addr}.",
                    match kind {
                        Kind::Precondition | Kind::OutputPrecondition => "precondition",
                        Kind::Postcondition => "postcondition",
                    }
                ))
                .at(Some(c.condition.range.clone()), "condition is false")
                .address(addr),
        );
    }
    decided
}

/// Whether condition `c` reads a value not known yet: an attribute of `self_value` (or of a
/// resource) that is unknown, or an unknown local. Such a condition waits for apply.
pub fn reads_unknown(env: &EvalEnv<'_>, c: &Condition, self_value: &Value) -> bool {
    use crate::eval::Target;
    let unknown_attr = |v: &Value, attr: &Option<String>| -> bool {
        let one = |o: &Value| match attr {
            Some(a) => o.get(a).is_none_or(is_unknown),
            None => is_unknown(o),
        };
        match v {
            Value::Array(items) => items.iter().any(one),
            Value::Object(m) if attr.as_ref().is_some_and(|a| !m.contains_key(a)) => {
                m.values().any(one)
            }
            other => one(other),
        }
    };
    for r in eval::references(&c.condition.expr, &c.condition.range.file) {
        let unknown = match &r.target {
            Target::SelfRef => {
                self_attrs(&c.condition.expr)
                    .iter()
                    .any(|a| self_value.get(a).is_none_or(is_unknown))
                    || !self_value.is_object()
            }
            Target::Resource { addr, .. } => env
                .values
                .block_value(addr, None)
                .is_none_or(|v| unknown_attr(&v, &r.attr)),
            Target::Local(l) => env.locals.get(l).is_none_or(is_unknown),
            _ => false,
        };
        if unknown {
            return true;
        }
    }
    false
}

/// The attribute names read from `self` (`self.bandwidth` gives `bandwidth`).
fn self_attrs(e: &hcl_edit::expr::Expression) -> Vec<String> {
    use hcl_edit::expr::{Expression, Traversal, TraversalOperator};
    use hcl_edit::visit::{Visit, visit_traversal};
    struct V(Vec<String>);
    impl Visit for V {
        fn visit_traversal(&mut self, t: &Traversal) {
            if let Expression::Variable(root) = &t.expr
                && root.as_str() == "self"
            {
                match t.operators.first().map(|o| o.value()) {
                    Some(TraversalOperator::GetAttr(a)) => self.0.push(a.as_str().to_string()),
                    _ => self.0.push(String::new()),
                }
            }
            visit_traversal(self, t);
        }
    }
    let mut v = V(Vec::new());
    v.visit_expr(e);
    v.0
}

/// The postconditions of an applied instance, checked against the attributes the cloud returned.
pub fn after_apply(
    env: &EvalEnv<'_>,
    r: &crate::config::ResourceBlock,
    inst: &InstanceVars,
    attrs: &Value,
    addr: &str,
) -> Vec<Diagnostic> {
    let mut diags = Vec::new();
    check(
        env,
        &r.lifecycle.postconditions,
        inst,
        Some(attrs),
        Kind::Postcondition,
        addr,
        &mut diags,
    );
    diags
}
