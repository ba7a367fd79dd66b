//! `try` and `can`, which hcl-rs cannot express as ordinary functions (it evaluates arguments
//! before the call, so an argument's error would escape): each call is evaluated here, argument
//! by argument, innermost first, and replaced by its result before the whole expression is
//! evaluated. The walk runs over the hcl-edit tree, whose string templates are already parsed,
//! so calls inside `"${...}"` interpolations and template directives are found too.

use hcl::eval::{Context, Evaluate};
use hcl_edit::expr::{Expression, FuncCall};
use hcl_edit::visit_mut::{self, VisitMut};

/// Replaces every `try(...)` and `can(...)` call in `expr` by its value in `ctx`.
pub(super) fn expand_try_can(expr: &mut Expression, ctx: &Context<'_>) {
    Expander { ctx }.visit_expr_mut(expr);
}

struct Expander<'a, 'c> {
    ctx: &'a Context<'c>,
}

impl VisitMut for Expander<'_, '_> {
    fn visit_expr_mut(&mut self, expr: &mut Expression) {
        // Inner calls first, so `try(can(x), ...)` sees plain values.
        visit_mut::visit_expr_mut(self, expr);
        let value = match expr {
            Expression::FuncCall(call) if is(call, "try") => {
                // The first argument that evaluates wins; none is an error, as in Terraform.
                match call.args.iter().find_map(|a| eval(a, self.ctx)) {
                    Some(v) => v,
                    None => return,
                }
            }
            Expression::FuncCall(call) if is(call, "can") => {
                if call.args.len() != 1 {
                    return;
                }
                hcl::Value::Bool(
                    call.args
                        .iter()
                        .next()
                        .and_then(|a| eval(a, self.ctx))
                        .is_some(),
                )
            }
            _ => return,
        };
        *expr = Expression::from(hcl::Expression::from(value));
    }
}

fn eval(e: &Expression, ctx: &Context<'_>) -> Option<hcl::Value> {
    let h: hcl::Expression = e.clone().into();
    h.evaluate(ctx).ok()
}

fn is(call: &FuncCall, name: &str) -> bool {
    call.name.namespace.is_empty() && call.name.name.as_str() == name
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(src: &str) -> Result<hcl::Value, String> {
        let mut e = hcl_edit::parser::parse_expr(src).unwrap();
        let mut ctx = Context::new();
        ctx.declare_var("local", hcl::value!({ m = { k = "v" } }));
        expand_try_can(&mut e, &ctx);
        let h: hcl::Expression = e.into();
        h.evaluate(&ctx).map_err(|e| e.to_string())
    }

    #[test]
    fn try_and_can_in_expressions_and_templates() {
        assert_eq!(
            run(r#"try(local.m.zz, "x")"#).unwrap(),
            hcl::Value::from("x")
        );
        assert_eq!(
            run(r#"try(local.m.k, "x")"#).unwrap(),
            hcl::Value::from("v")
        );
        assert_eq!(run(r#"can(local.m.zz)"#).unwrap(), hcl::Value::Bool(false));
        assert_eq!(
            run(r#""${try(local.m.zz, "fb")}-y""#).unwrap(),
            hcl::Value::from("fb-y")
        );
        assert_eq!(
            run(r#""c=${can(local.m.k)}""#).unwrap(),
            hcl::Value::from("c=true")
        );
        assert_eq!(
            run(r#""%{ if can(local.m.zz) }a%{ else }b%{ endif }""#).unwrap(),
            hcl::Value::from("b")
        );
        assert_eq!(
            run(r#"try(can(local.m.zz) ? "a" : "b", "c")"#).unwrap(),
            hcl::Value::from("b")
        );
        assert!(run(r#"try(local.m.zz, local.m.yy)"#).is_err());
    }
}
