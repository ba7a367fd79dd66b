//! Direct evaluation of reference paths and simple templates on the JSON values, with the
//! results hcl-rs gives: numbers as hcl-rs converts them, values interpolated into templates as
//! hcl-rs formats them, and the unknown rule of [`super::eval_tree`] (a result containing an
//! unknown value is unknown as a whole; an error is unknown when a referenced value is).
//!
//! `None` means "evaluate it with hcl-rs": every error, and the rare cases whose outcome depends
//! on more than the values read here.

use serde_json::Value;

use super::expr::{Item, Op, Part, Path};
use super::{Scope, UNKNOWN, is_unknown, normalized, to_hcl, unknown};
use crate::addr::{BlockAddress, InstanceKey, Mode};

/// A resolved root: the value it names, and whether an unknown value in it makes an
/// evaluation error unknown (resources, locals and `each.value` count; `var`, `count` and
/// `self` do not, as in [`super::eval_tree`]).
struct Root<'s> {
    value: Rooted<'s>,
    rest: &'s [Op],
    counts_unknown: bool,
}

enum Rooted<'s> {
    Borrowed(&'s Value),
    Owned(Value),
}

impl Rooted<'_> {
    fn get(&self) -> &Value {
        match self {
            Rooted::Borrowed(v) => v,
            Rooted::Owned(v) => v,
        }
    }
}

fn attr_at(ops: &[Op], i: usize) -> Option<&str> {
    match ops.get(i) {
        Some(Op::Attr(a)) => Some(a),
        _ => None,
    }
}

/// The resource block a path names, and the operators after the block name.
fn block_of(p: &Path) -> Option<(BlockAddress, &[Op])> {
    let (mode, rtype, name, rest) = match &*p.root {
        "data" => (
            Mode::Data,
            attr_at(&p.ops, 0)?,
            attr_at(&p.ops, 1)?,
            &p.ops[2..],
        ),
        ty => (Mode::Managed, ty, attr_at(&p.ops, 0)?, &p.ops[1..]),
    };
    Some((
        BlockAddress {
            mode,
            rtype: rtype.into(),
            name: name.into(),
        },
        rest,
    ))
}

/// The instance key of a literal index, as `static_index` reads it.
fn key_of(op: Option<&Op>) -> Option<InstanceKey> {
    match op? {
        Op::Index(i) | Op::Legacy(i) => i64::try_from(*i).ok().map(InstanceKey::Int),
        Op::Key(k) => Some(InstanceKey::Str(k.as_ref().into())),
        Op::Attr(_) => None,
    }
}

/// Resolves the root of `p` in `scope`. `None`: not declared or not available (an error).
fn root<'s>(p: &'s Path, scope: &'s Scope<'_>) -> Option<Root<'s>> {
    let ops = &p.ops[..];
    let (value, rest, counts_unknown) = match &*p.root {
        "var" => (
            Rooted::Borrowed(scope.vars.get(attr_at(ops, 0)?)?),
            &ops[1..],
            false,
        ),
        "local" => (
            Rooted::Borrowed(scope.locals.get(attr_at(ops, 0)?)?),
            &ops[1..],
            true,
        ),
        "count" => {
            let i = scope.instance.count_index?;
            match attr_at(ops, 0) {
                Some("index") => (Rooted::Owned(Value::from(i)), &ops[1..], false),
                Some(_) => return None,
                None if ops.is_empty() => {
                    (Rooted::Owned(serde_json::json!({ "index": i })), ops, false)
                }
                None => return None,
            }
        }
        "each" => {
            let (k, v) = scope.instance.each.as_ref()?;
            match attr_at(ops, 0) {
                Some("key") => (Rooted::Owned(Value::String(k.clone())), &ops[1..], true),
                Some("value") => (Rooted::Borrowed(v), &ops[1..], true),
                Some(_) => return None,
                None if ops.is_empty() => (
                    Rooted::Owned(serde_json::json!({ "key": k, "value": v })),
                    ops,
                    true,
                ),
                None => return None,
            }
        }
        "self" => (Rooted::Borrowed(scope.self_value?), ops, false),
        _ => {
            let (addr, rest) = block_of(p)?;
            let key = key_of(rest.first());
            if let Some(v) = scope.resources.instance_value(&addr, key.as_ref()) {
                let skip = usize::from(key.is_some());
                return Some(Root {
                    value: Rooted::Borrowed(v),
                    rest: &rest[skip..],
                    counts_unknown: true,
                });
            }
            let skip = usize::from(key.is_some());
            if let Some(Op::Attr(a) | Op::Key(a)) = rest.get(skip)
                && let Some(v) = scope
                    .resources
                    .instance_attrs(&addr, key.as_ref())
                    .and_then(|attrs| attrs.get(a))
            {
                return Some(Root {
                    value: Rooted::Borrowed(v),
                    rest: &rest[skip + 1..],
                    counts_unknown: true,
                });
            }
            let v = scope.resources.block_value(&addr, key.as_ref())?;
            (Rooted::Owned(v), rest, true)
        }
    };
    Some(Root {
        value,
        rest,
        counts_unknown,
    })
}

/// Follows `ops` from `v` as hcl-rs would; `None` where hcl-rs reports an error.
fn walk<'v>(mut v: &'v Value, ops: &[Op]) -> Option<&'v Value> {
    for op in ops {
        v = match (op, v) {
            (Op::Attr(a) | Op::Key(a), Value::Object(o)) => o.get(&**a)?,
            (Op::Index(i) | Op::Legacy(i), Value::Array(items)) => {
                items.get(usize::try_from(*i).ok()?)?
            }
            _ => return None,
        };
    }
    Some(v)
}

/// Whether a failed lookup of `p` is unknown rather than an error: true when its root is
/// declared and holds an unknown value that counts. `None` when the root is not declared
/// (the general evaluation reports it).
fn failure_is_unknown(p: &Path, scope: &Scope<'_>) -> Option<bool> {
    match &*p.root {
        "var" | "count" | "self" => root(p, scope).map(|_| false),
        "local" => scope.locals.get(attr_at(&p.ops, 0)?).map(is_unknown),
        "each" => scope.instance.each.as_ref().map(|(_, v)| is_unknown(v)),
        _ => {
            let (addr, rest) = block_of(p)?;
            let key = key_of(rest.first());
            // The general evaluation looks at the value `block_value` gives for the reference.
            scope
                .resources
                .block_value(&addr, key.as_ref())
                .map(|v| is_unknown(&v))
        }
    }
}

/// The value of a reference path, or `None` to evaluate it with hcl-rs.
pub(super) fn path(p: &Path, scope: &Scope<'_>) -> Option<Value> {
    let r = root(p, scope)?;
    match walk(r.value.get(), r.rest) {
        Some(v) if r.counts_unknown && is_unknown(v) => Some(unknown()),
        Some(v) => Some(normalized(v)),
        None => failure_is_unknown(p, scope)
            .filter(|u| *u)
            .map(|_| unknown()),
    }
}

/// The value of a template of literals and reference paths, or `None` for hcl-rs.
pub(super) fn template(parts: &[Part], scope: &Scope<'_>) -> Option<Value> {
    let mut out = String::new();
    let mut part_unknown = false;
    for part in parts {
        match part {
            Part::Lit(l) => out.push_str(l),
            Part::Path(p) => {
                let r = root(p, scope)?;
                let Some(v) = walk(r.value.get(), r.rest) else {
                    return template_failure(parts, scope);
                };
                if is_unknown(v) {
                    if !r.counts_unknown {
                        return None;
                    }
                    part_unknown = true;
                }
                match v {
                    Value::String(s) => out.push_str(s),
                    // hcl-rs interpolates other values in their HCL form.
                    other => out.push_str(&to_hcl(other).to_string()),
                }
            }
        }
    }
    if out.contains(UNKNOWN) {
        // Unknown as a whole; a sentinel formed across parts is left to hcl-rs.
        return part_unknown.then(unknown);
    }
    Some(Value::String(out))
}

/// A template part could not be read: unknown when every reference is declared and one of
/// them holds an unknown value (as hcl-rs's error would be turned into); else hcl-rs decides.
fn template_failure(parts: &[Part], scope: &Scope<'_>) -> Option<Value> {
    let mut any_unknown = false;
    for part in parts {
        if let Part::Path(p) = part {
            any_unknown |= failure_is_unknown(p, scope)?;
        }
    }
    any_unknown.then(unknown)
}

/// The value of a list of constants, reference paths and templates, or `None` for hcl-rs.
pub(super) fn tuple(items: &[Item], scope: &Scope<'_>) -> Option<Value> {
    let mut out = Vec::with_capacity(items.len());
    let mut counted_unknown = false;
    let mut failed = false;
    for item in items {
        match item {
            Item::Value(v) => out.push(v.clone()),
            Item::Path(p) => {
                let r = root(p, scope)?;
                match walk(r.value.get(), r.rest) {
                    Some(v) => {
                        if is_unknown(v) {
                            if !r.counts_unknown {
                                return None;
                            }
                            counted_unknown = true;
                        }
                        out.push(normalized(v));
                    }
                    None => failed = true,
                }
            }
            Item::Template(parts) => {
                // Unknown only when a part it reads is (and then the whole list is).
                let v = template(parts, scope)?;
                counted_unknown |= is_unknown(&v);
                out.push(v);
            }
        }
    }
    if failed {
        // Every root is declared (a missing one returned above): unknown when one holds an
        // unknown value, as hcl-rs's error would be turned into.
        let mut any_unknown = counted_unknown;
        for item in items {
            match item {
                Item::Path(p) => any_unknown |= failure_is_unknown(p, scope)?,
                Item::Template(parts) => {
                    for part in parts.iter() {
                        if let Part::Path(p) = part {
                            any_unknown |= failure_is_unknown(p, scope)?;
                        }
                    }
                }
                Item::Value(_) => {}
            }
        }
        return any_unknown.then(unknown);
    }
    Some(if counted_unknown {
        unknown()
    } else {
        Value::Array(out)
    })
}
