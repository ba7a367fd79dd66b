//! `try` and `can`, which hcl-rs cannot express as ordinary functions (it evaluates arguments
//! before the call, so an argument's error would escape): each call is evaluated here, argument
//! by argument, and replaced by its result before the whole expression is evaluated.

use hcl::eval::{Context, Evaluate};
use hcl::expr::{Expression, FuncCall, TemplateExpr};

pub(super) fn expand_try_can(expr: &mut Expression, ctx: &Context<'_>) {
    match expr {
        Expression::FuncCall(call) if is(call, "try") || is(call, "can") => {
            for a in call.args.iter_mut() {
                expand_try_can(a, ctx);
            }
            let value = if is(call, "try") {
                call.args.iter().find_map(|a| a.evaluate(ctx).ok()).unwrap_or(hcl::Value::Null)
            } else {
                hcl::Value::Bool(call.args.first().is_some_and(|a| a.evaluate(ctx).is_ok()))
            };
            *expr = value_expr(value);
        }
        Expression::FuncCall(call) => call.args.iter_mut().for_each(|a| expand_try_can(a, ctx)),
        Expression::Array(items) => items.iter_mut().for_each(|a| expand_try_can(a, ctx)),
        Expression::Object(obj) => obj.values_mut().for_each(|a| expand_try_can(a, ctx)),
        Expression::Parenthesis(inner) => expand_try_can(inner, ctx),
        Expression::Conditional(c) => {
            expand_try_can(&mut c.cond_expr, ctx);
            expand_try_can(&mut c.true_expr, ctx);
            expand_try_can(&mut c.false_expr, ctx);
        }
        Expression::Operation(op) => match op.as_mut() {
            hcl::expr::Operation::Unary(u) => expand_try_can(&mut u.expr, ctx),
            hcl::expr::Operation::Binary(b) => {
                expand_try_can(&mut b.lhs_expr, ctx);
                expand_try_can(&mut b.rhs_expr, ctx);
            }
        },
        Expression::TemplateExpr(t) => {
            if let TemplateExpr::QuotedString(s) = t.as_ref() {
                if s.contains("try(") || s.contains("can(") {
                    // Template interpolations are parsed lazily by hcl-rs; leave them as written.
                }
            }
        }
        _ => {}
    }
}

fn is(call: &FuncCall, name: &str) -> bool {
    call.name.namespace.is_empty() && call.name.name.as_str() == name
}

fn value_expr(v: hcl::Value) -> Expression {
    Expression::from(v)
}
