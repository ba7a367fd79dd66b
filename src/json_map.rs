//! JSON objects parsed into [`serde_json::Map`] in one pass.
//!
//! serde_json inserts each key of an object into its B-tree as it is read: a search with string
//! comparisons per key, 8 % of the instructions of a 1k no-op plan (the simulated world's objects
//! are stored as JSON objects of 20-40 keys; state records, read into [`crate::attrs::Attrs`],
//! get the same treatment there). Collecting the entries first and building the map from them
//! (`BTreeMap::from_iter` sorts, which is linear for keys already in order as serde_json writes
//! them, then builds the tree bottom-up) does the same work without the searches. The result is
//! the same map: a repeated key keeps its last value, as with inserts.

use std::fmt;

use serde::Deserializer;
use serde::de::{MapAccess, Visitor};
use serde_json::{Map, Value};

/// Parses `text`, which must hold one JSON object.
pub fn from_str(text: &str) -> serde_json::Result<Map<String, Value>> {
    let mut de = serde_json::Deserializer::from_str(text);
    let map = deserialize(&mut de)?;
    de.end()?;
    Ok(map)
}

/// For `#[serde(deserialize_with = "crate::json_map::deserialize")]`.
pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Map<String, Value>, D::Error> {
    d.deserialize_map(OnePass)
}

struct OnePass;

impl<'de> Visitor<'de> for OnePass {
    type Value = Map<String, Value>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Self::Value, A::Error> {
        let mut entries: Vec<(String, Value)> =
            Vec::with_capacity(access.size_hint().unwrap_or(0).max(16));
        while let Some(entry) = access.next_entry()? {
            entries.push(entry);
        }
        Ok(entries.into_iter().collect())
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn builds_the_same_map_as_serde_json() {
        let texts = [
            r#"{"b":1,"a":{"y":[1,2],"x":null},"c":"s","é":true}"#,
            r#"{}"#,
            r#"{"z":1,"y":2,"x":3}"#,
            r#"{"k":1,"k":2}"#,
        ];
        for t in texts {
            let ours = from_str(t).unwrap();
            let theirs: Map<String, Value> = serde_json::from_str(t).unwrap();
            assert_eq!(ours, theirs, "{t}");
        }
        assert_eq!(from_str(r#"{"k":1,"k":2}"#).unwrap()["k"], json!(2));
    }

    #[test]
    fn refuses_what_is_not_one_object() {
        for t in ["[1]", "1", r#"{"a":1} {}"#, r#"{"a":"#, ""] {
            assert!(from_str(t).is_err(), "{t}");
        }
    }
}
