//! JSON values as HCL literals, shared by the human and markdown renderers.
//!
//! Strings are quoted with HCL escapes (`\"`, `\\`, `\n`, `$${`, `%%{`), numbers and bools are
//! written as they are, `null` is `null`, and a string holding the unknown sentinel
//! ([`crate::eval::UNKNOWN`]) is `(known after apply)`. Multi-line layout of lists and maps (with
//! diff symbols) belongs to the human renderer; this module only knows single-line forms.

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
    out.push('"');
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
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A map key as Terraform shows it: always quoted.
pub fn key(k: &str) -> String {
    quote(k)
}

/// A value on one line: `"a"`, `5`, `true`, `null`, `["a", "b"]`, `{ "k" = "v" }`,
/// `(known after apply)`.
pub fn inline(v: &Value) -> String {
    match v {
        Value::Null => "null".to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(_) if is_unknown_leaf(v) => KNOWN_AFTER_APPLY.to_string(),
        Value::String(s) => quote(s),
        Value::Array(a) if a.is_empty() => "[]".to_string(),
        Value::Array(a) => format!("[{}]", a.iter().map(inline).collect::<Vec<_>>().join(", ")),
        Value::Object(o) if o.is_empty() => "{}".to_string(),
        Value::Object(o) => {
            let mut keys: Vec<&String> = o.keys().collect();
            keys.sort();
            let body: Vec<String> = keys
                .iter()
                .map(|k| format!("{} = {}", key(k), inline(&o[k.as_str()])))
                .collect();
            format!("{{ {} }}", body.join(", "))
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
