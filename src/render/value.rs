//! JSON values as HCL literals, shared by the human and markdown renderers.
//!
//! Strings are quoted with HCL escapes (`\"`, `\\`, `\n`, `$${`, `%%{`), numbers and bools are
//! written as they are, `null` is `null`, and a string holding the unknown sentinel
//! ([`crate::eval::UNKNOWN`]) is `(known after apply)`. Multi-line layout of lists and maps (with
//! diff symbols) belongs to the human renderer; this module only knows single-line forms.

use std::fmt::Write as _;

use serde_json::Value;

use crate::eval::UNKNOWN;

/// What an unknown value is shown as.
pub const KNOWN_AFTER_APPLY: &str = "(known after apply)";
/// What a sensitive value is shown as.
pub const SENSITIVE: &str = "(sensitive value)";

/// Whether `v` itself (not an element of it) is unknown.
pub fn is_unknown_leaf(v: &Value) -> bool {
    matches!(v, Value::String(s) if s.contains(UNKNOWN))
}

/// Whether an optional value is absent or null.
pub fn is_null(v: Option<&Value>) -> bool {
    matches!(v, None | Some(Value::Null))
}

/// An HCL quoted string literal.
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    write_quoted(&mut out, s);
    out
}

/// [`quote`], written to `out`.
pub fn write_quoted(out: &mut String, s: &str) {
    out.push('"');
    if s.bytes().all(plain_byte) {
        out.push_str(s);
    } else {
        write_escaped(out, s);
    }
    out.push('"');
}

/// Whether `b` stands for itself in a quoted string whatever follows it.
fn plain_byte(b: u8) -> bool {
    matches!(b, b' '..=b'~') && !matches!(b, b'"' | b'\\' | b'$' | b'%')
}

fn write_escaped(out: &mut String, s: &str) {
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '$' | '%' if chars.peek() == Some(&'{') => {
                out.push(c);
                out.push(c);
            }
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
}

/// A map key as Terraform shows it: always quoted.
pub fn key(k: &str) -> String {
    quote(k)
}

/// A value on one line: `"a"`, `5`, `true`, `null`, `["a", "b"]`, `{ "k" = "v" }`,
/// `(known after apply)`.
pub fn inline(v: &Value) -> String {
    let mut out = String::new();
    write_inline(&mut out, v);
    out
}

/// [`inline`], written to `out`.
pub fn write_inline(out: &mut String, v: &Value) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => {
            let _ = write!(out, "{n}");
        }
        Value::String(_) if is_unknown_leaf(v) => out.push_str(KNOWN_AFTER_APPLY),
        Value::String(s) => write_quoted(out, s),
        Value::Array(a) if a.is_empty() => out.push_str("[]"),
        Value::Array(a) => {
            out.push('[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_inline(out, x);
            }
            out.push(']');
        }
        Value::Object(o) if o.is_empty() => out.push_str("{}"),
        Value::Object(o) => {
            let mut keys: Vec<&String> = o.keys().collect();
            keys.sort();
            out.push_str("{ ");
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_quoted(out, k);
                out.push_str(" = ");
                write_inline(out, &o[k.as_str()]);
            }
            out.push_str(" }");
        }
    }
}

/// `inline`, or `(sensitive value)` when `sensitive`.
pub fn inline_masked(v: &Value, sensitive: bool) -> String {
    if sensitive {
        SENSITIVE.to_string()
    } else {
        inline(v)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn literals() {
        assert_eq!(inline(&json!("a\"b\\c\nd")), r#""a\"b\\c\nd""#);
        assert_eq!(inline(&json!("${x} %{y} $z")), r#""$${x} %%{y} $z""#);
        assert_eq!(inline(&json!(5)), "5");
        assert_eq!(inline(&json!(1.5)), "1.5");
        assert_eq!(inline(&json!(true)), "true");
        assert_eq!(inline(&Value::Null), "null");
        assert_eq!(inline(&json!(["a", 1])), r#"["a", 1]"#);
        assert_eq!(
            inline(&json!({"b": 1, "a": "x"})),
            r#"{ "a" = "x", "b" = 1 }"#
        );
        assert_eq!(inline(&json!([])), "[]");
        assert_eq!(inline(&json!({})), "{}");
        assert_eq!(inline(&crate::eval::unknown()), KNOWN_AFTER_APPLY);
        assert_eq!(inline_masked(&json!("pw"), true), SENSITIVE);
    }
}
