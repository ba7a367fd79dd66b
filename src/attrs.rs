//! [`Attrs`]: the attributes of one resource or data source, by Terraform attribute name.
//!
//! Every resource has one or two of these alive through a plan or an apply (its recorded
//! attributes, its planned ones, its result), so their size is most of a run's memory. A
//! `serde_json::Map` is a B-tree with a heap-allocated `String` per key: ~3.4 KB for an EIP's 30
//! attributes. Here the entries are one sorted vector, and the keys (attribute names, all but a
//! few under 24 bytes) are stored inline: ~1.7 KB for the same EIP, one allocation instead of
//! ~35, and lookups by binary search. The API is the subset of `serde_json::Map`'s the engine
//! uses, with the same semantics: keys in order, a repeated key keeps its last value, and the
//! same JSON when serialized.

use std::fmt;

use compact_str::CompactString;
use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::{Map, Value};

/// An attribute name.
pub type Key = CompactString;

#[derive(Clone, Default, PartialEq)]
pub struct Attrs {
    /// Sorted by key, keys unique.
    entries: Vec<(Key, Value)>,
}

impl Attrs {
    pub fn new() -> Attrs {
        Attrs::default()
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    fn find(&self, key: &str) -> Result<usize, usize> {
        // Names mostly differ in their first byte: compared alone, without a call to `memcmp`.
        let key = key.as_bytes();
        let first = key.first();
        self.entries.binary_search_by(|(k, _)| {
            let k = k.as_bytes();
            k.first().cmp(&first).then_with(|| k.cmp(key))
        })
    }

    pub fn get(&self, key: &str) -> Option<&Value> {
        self.find(key).ok().map(|i| &self.entries[i].1)
    }

    pub fn contains_key(&self, key: &str) -> bool {
        self.find(key).is_ok()
    }

    /// Sets `key` to `value`, returning the value it replaces.
    pub fn insert(&mut self, key: impl Into<Key> + AsRef<str>, value: Value) -> Option<Value> {
        match self.find(key.as_ref()) {
            Ok(i) => Some(std::mem::replace(&mut self.entries[i].1, value)),
            Err(i) => {
                self.entries.insert(i, (key.into(), value));
                None
            }
        }
    }

    pub fn remove(&mut self, key: &str) -> Option<Value> {
        self.find(key).ok().map(|i| self.entries.remove(i).1)
    }

    /// The value of `key`, inserted from `value` first when missing.
    pub fn get_or_insert_with(&mut self, key: &str, value: impl FnOnce() -> Value) -> &mut Value {
        let i = match self.find(key) {
            Ok(i) => i,
            Err(i) => {
                self.entries.insert(i, (Key::from(key), value()));
                i
            }
        };
        &mut self.entries[i].1
    }

    pub fn retain(&mut self, mut keep: impl FnMut(&Key, &mut Value) -> bool) {
        self.entries.retain_mut(|(k, v)| keep(k, v));
    }

    pub fn iter(&self) -> Iter<'_> {
        Iter(self.entries.iter())
    }

    pub fn keys(&self) -> impl DoubleEndedIterator<Item = &Key> + ExactSizeIterator {
        self.entries.iter().map(|(k, _)| k)
    }

    pub fn values(&self) -> impl DoubleEndedIterator<Item = &Value> + ExactSizeIterator {
        self.entries.iter().map(|(_, v)| v)
    }

    /// The same entries as a `serde_json::Map`, for a `Value::Object`.
    pub fn to_map(&self) -> Map<String, Value> {
        self.iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect()
    }

    /// Entries in any order, a repeated key keeping its last value: sorted once, then built.
    fn from_entries(mut entries: Vec<(Key, Value)>) -> Attrs {
        // Objects serde_json wrote (state records, answers) arrive sorted and unique.
        if entries.is_sorted_by(|a, b| a.0 < b.0) {
            return Attrs { entries };
        }
        // Stable: of equal keys, the later entries stay later.
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        entries.dedup_by(|later, kept| {
            let same = later.0 == kept.0;
            if same {
                std::mem::swap(&mut later.1, &mut kept.1);
            }
            same
        });
        Attrs { entries }
    }
}

/// What argument readers look values up in: the top level of a resource's attributes, or an
/// object nested in them (a block).
pub trait Fields {
    fn field(&self, key: &str) -> Option<&Value>;
}

impl Fields for Attrs {
    fn field(&self, key: &str) -> Option<&Value> {
        self.get(key)
    }
}

impl Fields for Map<String, Value> {
    fn field(&self, key: &str) -> Option<&Value> {
        self.get(key)
    }
}

impl fmt::Debug for Attrs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl std::ops::Index<&str> for Attrs {
    type Output = Value;

    /// Like `serde_json::Map`'s: panics when `key` is missing.
    fn index(&self, key: &str) -> &Value {
        self.get(key)
            .unwrap_or_else(|| panic!("no attribute {key:?}"))
    }
}

impl<K: Into<Key>> FromIterator<(K, Value)> for Attrs {
    fn from_iter<I: IntoIterator<Item = (K, Value)>>(iter: I) -> Attrs {
        Attrs::from_entries(iter.into_iter().map(|(k, v)| (k.into(), v)).collect())
    }
}

impl From<Map<String, Value>> for Attrs {
    fn from(map: Map<String, Value>) -> Attrs {
        // A `Map` iterates in key order: already sorted and unique.
        Attrs {
            entries: map.into_iter().map(|(k, v)| (Key::from(k), v)).collect(),
        }
    }
}

impl From<Attrs> for Value {
    fn from(attrs: Attrs) -> Value {
        Value::Object(
            attrs
                .entries
                .into_iter()
                .map(|(k, v)| (k.into_string(), v))
                .collect(),
        )
    }
}

pub struct Iter<'a>(std::slice::Iter<'a, (Key, Value)>);

impl<'a> Iterator for Iter<'a> {
    type Item = (&'a Key, &'a Value);

    fn next(&mut self) -> Option<Self::Item> {
        self.0.next().map(|(k, v)| (k, v))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.0.size_hint()
    }
}

impl DoubleEndedIterator for Iter<'_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        self.0.next_back().map(|(k, v)| (k, v))
    }
}

impl ExactSizeIterator for Iter<'_> {}

impl<'a> IntoIterator for &'a Attrs {
    type Item = (&'a Key, &'a Value);
    type IntoIter = Iter<'a>;

    fn into_iter(self) -> Iter<'a> {
        self.iter()
    }
}

impl IntoIterator for Attrs {
    type Item = (Key, Value);
    type IntoIter = std::vec::IntoIter<(Key, Value)>;

    fn into_iter(self) -> Self::IntoIter {
        self.entries.into_iter()
    }
}

impl Serialize for Attrs {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.len()))?;
        for (k, v) in self {
            map.serialize_entry(k.as_str(), v)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for Attrs {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Attrs, D::Error> {
        d.deserialize_map(AttrsVisitor)
    }
}

struct AttrsVisitor;

impl<'de> Visitor<'de> for AttrsVisitor {
    type Value = Attrs;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object of attributes")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Attrs, A::Error> {
        let mut entries: Vec<(Key, Value)> =
            Vec::with_capacity(access.size_hint().unwrap_or(0).max(16));
        while let Some(entry) = access.next_entry::<Key, Value>()? {
            entries.push(entry);
        }
        entries.shrink_to_fit();
        Ok(Attrs::from_entries(entries))
    }
}

/// For `#[serde(deserialize_with = "crate::attrs::deserialize_arc")]`.
pub fn deserialize_arc<'de, D: Deserializer<'de>>(d: D) -> Result<std::sync::Arc<Attrs>, D::Error> {
    Attrs::deserialize(d).map(std::sync::Arc::new)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn reads_and_writes_the_same_json_as_a_serde_json_map() {
        let texts = [
            r#"{"b":1,"a":{"y":[1,2],"x":null},"c":"s","é":true,"high_definition_monitor_log_status":"ON"}"#,
            r#"{}"#,
            r#"{"z":1,"y":2,"x":3}"#,
            r#"{"k":1,"k":2,"a":0,"k":3}"#,
        ];
        for t in texts {
            let ours: Attrs = serde_json::from_str(t).unwrap();
            let theirs: Map<String, Value> = serde_json::from_str(t).unwrap();
            assert_eq!(ours.to_map(), theirs, "{t}");
            assert_eq!(
                serde_json::to_string(&ours).unwrap(),
                serde_json::to_string(&theirs).unwrap(),
                "{t}"
            );
            assert_eq!(Attrs::from(theirs.clone()), ours, "{t}");
            assert_eq!(Value::from(ours), Value::Object(theirs), "{t}");
        }
        let repeated: Attrs = serde_json::from_str(r#"{"k":1,"k":2,"a":0,"k":3}"#).unwrap();
        assert_eq!(
            repeated["k"],
            json!(3),
            "a repeated key keeps its last value"
        );
        assert_eq!(repeated.len(), 2);
    }

    #[test]
    fn keeps_its_keys_sorted_through_inserts_and_removes() {
        let mut a = Attrs::new();
        assert_eq!(a.insert("zone", json!("z")), None);
        assert_eq!(a.insert("bandwidth", json!("5")), None);
        assert_eq!(a.insert(String::from("id"), json!("eip-1")), None);
        assert_eq!(a.insert("bandwidth", json!("10")), Some(json!("5")));
        assert_eq!(
            a.keys().map(|k| k.as_str()).collect::<Vec<_>>(),
            ["bandwidth", "id", "zone"]
        );
        assert_eq!(a.get("id"), Some(&json!("eip-1")));
        assert!(a.get("name").is_none());
        assert_eq!(a.remove("id"), Some(json!("eip-1")));
        assert_eq!(a.remove("id"), None);
        *a.get_or_insert_with("tags", || json!({})) = json!({"k": "v"});
        assert_eq!(
            a.get_or_insert_with("tags", || json!(null)),
            &json!({"k": "v"})
        );
        a.retain(|k, _| k != "zone");
        // Keys sharing their first bytes, and the empty key, are found as well.
        let mut shared = Attrs::new();
        for k in ["billing_cycle", "b", "bandwidth", "", "band"] {
            shared.insert(k, json!(k));
        }
        for k in ["billing_cycle", "b", "bandwidth", "", "band"] {
            assert_eq!(shared.get(k), Some(&json!(k)), "{k:?}");
        }
        assert!(shared.get("bandwidt").is_none() && shared.get("c").is_none());
        assert_eq!(
            shared.keys().map(|k| k.as_str()).collect::<Vec<_>>(),
            ["", "b", "band", "bandwidth", "billing_cycle"]
        );
        let collected: Attrs = [("b", json!(2)), ("a", json!(1)), ("b", json!(3))]
            .into_iter()
            .collect();
        assert_eq!(
            serde_json::to_string(&collected).unwrap(),
            r#"{"a":1,"b":3}"#
        );
        assert_eq!(
            serde_json::to_string(&a).unwrap(),
            r#"{"bandwidth":"10","tags":{"k":"v"}}"#
        );
    }

    #[test]
    fn attribute_names_are_stored_inline_but_the_longest() {
        // Keys of 24 bytes or fewer are stored inline: one allocation for the whole object.
        let names = [
            "activity_id",
            "address_name",
            "allocation_id",
            "bandwidth",
            "high_definition_monitor_log_status",
        ];
        let on_heap = names
            .iter()
            .filter(|n| Key::from(**n).is_heap_allocated())
            .count();
        assert_eq!(on_heap, 1, "only the longest name is on the heap");
        assert_eq!(std::mem::size_of::<(Key, Value)>(), 56);
    }
}
