//! [`ReadMemo`]: what a read recorded about an object's answer, so that the next read of an
//! unchanged object keeps the recorded attributes instead of converting the answer again.
//!
//! Converting a DescribeEipAddresses item into Terraform attributes (parsing it, moving ~30
//! fields, building the shared-shape map) was two thirds of a no-op refresh's work. The answer
//! of an object nothing changed is the same text as at its last read, and the conversion is a
//! function of that text and of the recorded attributes it echoes. So a read records a hash of
//! the item's text with a hash of the attributes it made of it; a later read whose item hashes
//! the same, for recorded attributes that still hash the same, answers those attributes. Any
//! other change of the recorded attributes (an update, `state` commands, another version's
//! record) fails the second hash, and the item is converted as usual.

use std::cell::RefCell;
use std::fmt;
use std::sync::LazyLock;

use serde::de::{Deserialize, Deserializer};
use serde::ser::{Serialize, Serializer};
use serde_json::Value;
use xxhash_rust::xxh3::{xxh3_64, xxh3_64_with_seed};

use crate::attrs::Attrs;

/// Hashes of an answer item's text and of the attributes a read made of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadMemo {
    answer: u64,
    attrs: u64,
}

/// Changes with every release, so that a record of another version's conversion is not reused.
const SEED: &str = concat!("eipform ", env!("CARGO_PKG_VERSION"), " read memo 1");

fn seed() -> u64 {
    static SEEDED: LazyLock<u64> = LazyLock::new(|| xxh3_64(SEED.as_bytes()));
    *SEEDED
}

impl ReadMemo {
    /// The memo of a read that made `attrs` of the answer item `item` (its JSON text).
    pub fn new(item: &str, attrs: &Attrs) -> ReadMemo {
        ReadMemo {
            answer: answer_hash(item),
            attrs: attrs_hash(attrs),
        }
    }

    /// Whether `prior` is what a read made of `item` when it recorded this memo.
    pub fn holds(&self, item: &str, prior: &Attrs) -> bool {
        self.answer == answer_hash(item) && self.attrs == attrs_hash(prior)
    }
}

fn answer_hash(item: &str) -> u64 {
    xxh3_64_with_seed(item.as_bytes(), seed())
}

/// The hash of `attrs`, from an unambiguous encoding of every name and value (tagged, with
/// lengths) in one buffer: one hash call instead of one per JSON token.
fn attrs_hash(attrs: &Attrs) -> u64 {
    thread_local! {
        static BUF: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
    }
    BUF.with_borrow_mut(|buf| {
        buf.clear();
        for (name, value) in attrs {
            put_str(buf, name);
            put_value(buf, value);
        }
        xxh3_64_with_seed(buf, seed())
    })
}

fn put_str(buf: &mut Vec<u8>, s: &str) {
    buf.extend_from_slice(&(s.len() as u64).to_le_bytes());
    buf.extend_from_slice(s.as_bytes());
}

fn put_value(buf: &mut Vec<u8>, v: &Value) {
    match v {
        Value::Null => buf.push(0),
        Value::Bool(b) => buf.extend_from_slice(&[1, u8::from(*b)]),
        Value::Number(n) => {
            buf.push(2);
            if let Some(i) = n.as_i64() {
                buf.push(0);
                buf.extend_from_slice(&i.to_le_bytes());
            } else if let Some(u) = n.as_u64() {
                buf.push(1);
                buf.extend_from_slice(&u.to_le_bytes());
            } else {
                buf.push(2);
                buf.extend_from_slice(&n.as_f64().unwrap_or(f64::NAN).to_bits().to_le_bytes());
            }
        }
        Value::String(s) => {
            buf.push(3);
            put_str(buf, s);
        }
        Value::Array(items) => {
            buf.push(4);
            buf.extend_from_slice(&(items.len() as u64).to_le_bytes());
            for item in items {
                put_value(buf, item);
            }
        }
        Value::Object(map) => {
            buf.push(5);
            buf.extend_from_slice(&(map.len() as u64).to_le_bytes());
            for (k, item) in map {
                put_str(buf, k);
                put_value(buf, item);
            }
        }
    }
}

impl fmt::Display for ReadMemo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:016x}{:016x}", self.answer, self.attrs)
    }
}

/// Recorded as 32 hex digits.
impl Serialize for ReadMemo {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// For `#[serde(deserialize_with)]`: a memo that is not 32 hex digits reads as none (the next
/// read converts the answer), never as a state that cannot be read.
pub fn lenient<'de, D: Deserializer<'de>>(d: D) -> Result<Option<ReadMemo>, D::Error> {
    let text = Option::<std::borrow::Cow<'de, str>>::deserialize(d)?;
    Ok(text.and_then(|t| {
        let (a, b) = (t.get(..16)?, t.get(16..)?);
        if b.len() != 16 {
            return None;
        }
        Some(ReadMemo {
            answer: u64::from_str_radix(a, 16).ok()?,
            attrs: u64::from_str_radix(b, 16).ok()?,
        })
    }))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn attrs(bandwidth: &str) -> Attrs {
        [
            ("bandwidth", json!(bandwidth)),
            ("status", json!("Available")),
        ]
        .into_iter()
        .collect()
    }

    #[test]
    fn holds_only_for_the_same_item_and_the_same_attributes() {
        let memo = ReadMemo::new(r#"{"Bandwidth":"5"}"#, &attrs("5"));
        assert!(memo.holds(r#"{"Bandwidth":"5"}"#, &attrs("5")));
        assert!(!memo.holds(r#"{"Bandwidth":"6"}"#, &attrs("5")));
        assert!(!memo.holds(r#"{"Bandwidth":"5"}"#, &attrs("6")));
    }

    #[test]
    fn attributes_that_differ_in_any_value_hash_apart() {
        let of = |v: serde_json::Value| attrs_hash(&v.as_object().cloned().unwrap().into());
        let variants = [
            json!({"a": "1"}),
            json!({"a": 1}),
            json!({"a": 1.5}),
            json!({"a": null}),
            json!({"a": true}),
            json!({"a": ["1"]}),
            json!({"a": {"k": "1"}}),
            json!({"a": {"k": "2"}}),
            json!({"a": "1", "b": ""}),
            json!({"ab": ""}),
            json!({}),
        ];
        let hashes: std::collections::HashSet<u64> = variants.iter().cloned().map(of).collect();
        assert_eq!(hashes.len(), variants.len());
        assert_eq!(of(json!({"a": {"k": "1"}})), of(json!({"a": {"k": "1"}})));
    }

    #[test]
    fn reads_back_what_it_writes_and_ignores_what_is_not_a_memo() {
        #[derive(serde::Serialize, serde::Deserialize)]
        struct Record {
            #[serde(default, deserialize_with = "lenient")]
            read: Option<ReadMemo>,
        }
        let memo = ReadMemo::new("{}", &attrs("5"));
        let text = serde_json::to_string(&Record { read: Some(memo) }).unwrap();
        assert_eq!(text.len(), r#"{"read":""}"#.len() + 32, "{text}");
        let back: Record = serde_json::from_str(&text).unwrap();
        assert_eq!(back.read, Some(memo));
        for bad in [
            r#"{"read":"xyz"}"#,
            r#"{"read":null}"#,
            r#"{}"#,
            r#"{"read":"00"}"#,
        ] {
            let r: Record = serde_json::from_str(bad).unwrap();
            assert_eq!(r.read, None, "{bad}");
        }
    }
}
