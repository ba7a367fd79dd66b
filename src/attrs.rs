//! [`Attrs`]: the attributes of one resource or data source, by Terraform attribute name.
//!
//! Every resource has one or two of these alive through a plan or an apply (its recorded
//! attributes, its planned ones, its result), so their size is most of a run's memory. A
//! `serde_json::Map` is a B-tree with a heap-allocated `String` per key: ~3.4 KB for an EIP's 30
//! attributes. Here the names are one sorted list, shared by every object with the same names
//! (all the planned EIPs of a plan, all the recorded instances of a state), and the values are
//! one vector beside it, where a value known only after apply takes no allocation: ~1 KB for
//! the same EIP, lookups by binary search. The API is the subset of `serde_json::Map`'s the
//! engine uses, with the same semantics: keys in order, a repeated key keeps its last value, and
//! the same JSON when serialized.

use std::cell::RefCell;
use std::fmt;
use std::sync::{Arc, LazyLock};

use compact_str::CompactString;
use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::{Map, Value};

use crate::eval::UNKNOWN;

/// An attribute name.
pub type Key = CompactString;

/// Sorted, unique attribute names; shared between objects that have the same names.
type Names = Arc<Vec<Key>>;

/// One attribute's value. A planned create holds dozens of values known only after apply: as
/// strings they would be an allocation each.
#[derive(Clone)]
enum Slot {
    Known(Value),
    Unknown,
}

static UNKNOWN_VALUE: LazyLock<Value> = LazyLock::new(crate::eval::unknown);

impl Slot {
    fn new(v: Value) -> Slot {
        match v {
            Value::String(s) if s == UNKNOWN => Slot::Unknown,
            v => Slot::Known(v),
        }
    }

    fn value(&self) -> &Value {
        match self {
            Slot::Known(v) => v,
            Slot::Unknown => &UNKNOWN_VALUE,
        }
    }

    fn value_mut(&mut self) -> &mut Value {
        if let Slot::Unknown = self {
            *self = Slot::Known(crate::eval::unknown());
        }
        match self {
            Slot::Known(v) => v,
            Slot::Unknown => unreachable!("made known above"),
        }
    }

    fn into_value(self) -> Value {
        match self {
            Slot::Known(v) => v,
            Slot::Unknown => crate::eval::unknown(),
        }
    }
}

/// Lists of names shorter than this are not worth looking up among the shared ones.
const SHARED_FROM: usize = 8;
/// At most this many fingerprints of lists of names are remembered per thread.
const SHARED_MAX: usize = 4096;

thread_local! {
    /// Shared lists by a fingerprint of their names (see [`fingerprint`]).
    static SHARED_NAMES: RefCell<foldhash::HashMap<u64, Vec<Names>>> = RefCell::default();
}

/// A hash of the length and three of the names: hashing every name cost more than the rest
/// of building an object, and lists that differ elsewhere are told apart by comparing them.
fn fingerprint(names: &[Key]) -> u64 {
    use std::hash::BuildHasher;
    let n = names.len();
    foldhash::fast::FixedState::default().hash_one((n, &names[0], &names[n / 2], &names[n - 1]))
}

/// `names` as a shared list: the one already made for the same names, when there is one.
fn share(names: Vec<Key>) -> Names {
    if names.len() < SHARED_FROM {
        return Arc::new(names);
    }
    let print = fingerprint(&names);
    SHARED_NAMES.with(|shared| {
        let mut shared = shared.borrow_mut();
        let known = shared.len();
        let same = shared.entry(print).or_default();
        if let Some(s) = same.iter().find(|s| ***s == names) {
            return Arc::clone(s);
        }
        let s = Arc::new(names);
        if known < SHARED_MAX {
            same.push(Arc::clone(&s));
        }
        s
    })
}

#[derive(Clone)]
pub struct Attrs {
    /// Sorted, unique.
    names: Names,
    /// `values[i]` is the value of `names[i]`.
    values: Vec<Slot>,
}

impl Attrs {
    pub fn new() -> Attrs {
        Attrs::default()
    }

    pub fn len(&self) -> usize {
        self.values.len()
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    fn find(&self, key: &str) -> Result<usize, usize> {
        // Names mostly differ in their first byte: compared alone, without a call to `memcmp`.
        let key = key.as_bytes();
        let first = key.first();
        self.names.binary_search_by(|k| {
            let k = k.as_bytes();
            k.first().cmp(&first).then_with(|| k.cmp(key))
        })
    }

    pub fn get(&self, key: &str) -> Option<&Value> {
        self.find(key).ok().map(|i| self.values[i].value())
    }

    pub fn contains_key(&self, key: &str) -> bool {
        self.find(key).is_ok()
    }

    /// Sets `key` to `value`, returning the value it replaces.
    pub fn insert(&mut self, key: impl Into<Key> + AsRef<str>, value: Value) -> Option<Value> {
        match self.find(key.as_ref()) {
            Ok(i) => Some(std::mem::replace(&mut self.values[i], Slot::new(value)).into_value()),
            Err(i) => {
                Arc::make_mut(&mut self.names).insert(i, key.into());
                self.values.insert(i, Slot::new(value));
                None
            }
        }
    }

    pub fn remove(&mut self, key: &str) -> Option<Value> {
        let i = self.find(key).ok()?;
        Arc::make_mut(&mut self.names).remove(i);
        Some(self.values.remove(i).into_value())
    }

    /// The value of `key`, inserted from `value` first when missing.
    pub fn get_or_insert_with(&mut self, key: &str, value: impl FnOnce() -> Value) -> &mut Value {
        let i = match self.find(key) {
            Ok(i) => i,
            Err(i) => {
                Arc::make_mut(&mut self.names).insert(i, Key::from(key));
                self.values.insert(i, Slot::new(value()));
                i
            }
        };
        self.values[i].value_mut()
    }

    pub fn retain(&mut self, mut keep: impl FnMut(&Key, &mut Value) -> bool) {
        let kept: Vec<bool> = self
            .names
            .iter()
            .zip(&mut self.values)
            .map(|(k, slot)| {
                let keep = keep(k, slot.value_mut());
                *slot = Slot::new(std::mem::take(slot.value_mut()));
                keep
            })
            .collect();
        if kept.iter().all(|k| *k) {
            return;
        }
        let mut flags = kept.iter();
        Arc::make_mut(&mut self.names).retain(|_| *flags.next().unwrap_or(&true));
        let mut flags = kept.iter();
        self.values.retain(|_| *flags.next().unwrap_or(&true));
    }

    pub fn iter(&self) -> Iter<'_> {
        Iter(self.names.iter().zip(self.values.iter()))
    }

    pub fn keys(&self) -> impl DoubleEndedIterator<Item = &Key> + ExactSizeIterator {
        self.names.iter()
    }

    pub fn values(&self) -> impl DoubleEndedIterator<Item = &Value> + ExactSizeIterator {
        self.values.iter().map(Slot::value)
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
        if !entries.is_sorted_by(|a, b| a.0 < b.0) {
            // Stable: of equal keys, the later entries stay later.
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            entries.dedup_by(|later, kept| {
                let same = later.0 == kept.0;
                if same {
                    std::mem::swap(&mut later.1, &mut kept.1);
                }
                same
            });
        }
        Attrs::from_sorted(entries.into_iter())
    }

    fn from_sorted(entries: impl ExactSizeIterator<Item = (Key, Value)>) -> Attrs {
        let mut names = Vec::with_capacity(entries.len());
        let mut values = Vec::with_capacity(entries.len());
        for (k, v) in entries {
            names.push(k);
            values.push(Slot::new(v));
        }
        Attrs {
            names: share(names),
            values,
        }
    }
}

static NO_NAMES: LazyLock<Names> = LazyLock::new(Names::default);

impl Default for Attrs {
    fn default() -> Attrs {
        Attrs {
            names: Arc::clone(&NO_NAMES),
            values: Vec::new(),
        }
    }
}

impl PartialEq for Attrs {
    fn eq(&self, other: &Attrs) -> bool {
        if Arc::ptr_eq(&self.names, &other.names) {
            return self.values == other.values;
        }
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl PartialEq for Slot {
    fn eq(&self, other: &Slot) -> bool {
        match (self, other) {
            (Slot::Known(a), Slot::Known(b)) => a == b,
            (Slot::Unknown, Slot::Unknown) => true,
            (a, b) => a.value() == b.value(),
        }
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
        Attrs::from_sorted(map.into_iter().map(|(k, v)| (Key::from(k), v)))
    }
}

impl From<Attrs> for Value {
    fn from(attrs: Attrs) -> Value {
        Value::Object(
            attrs
                .into_iter()
                .map(|(k, v)| (k.into_string(), v))
                .collect(),
        )
    }
}

pub struct Iter<'a>(std::iter::Zip<std::slice::Iter<'a, Key>, std::slice::Iter<'a, Slot>>);

impl<'a> Iterator for Iter<'a> {
    type Item = (&'a Key, &'a Value);

    fn next(&mut self) -> Option<Self::Item> {
        self.0.next().map(|(k, v)| (k, v.value()))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.0.size_hint()
    }
}

impl DoubleEndedIterator for Iter<'_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        self.0.next_back().map(|(k, v)| (k, v.value()))
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
    type IntoIter = std::iter::Zip<std::vec::IntoIter<Key>, IntoValues>;

    fn into_iter(self) -> Self::IntoIter {
        Arc::unwrap_or_clone(self.names)
            .into_iter()
            .zip(IntoValues(self.values.into_iter()))
    }
}

pub struct IntoValues(std::vec::IntoIter<Slot>);

impl Iterator for IntoValues {
    type Item = Value;

    fn next(&mut self) -> Option<Value> {
        self.0.next().map(Slot::into_value)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.0.size_hint()
    }
}

impl DoubleEndedIterator for IntoValues {
    fn next_back(&mut self) -> Option<Value> {
        self.0.next_back().map(Slot::into_value)
    }
}

impl ExactSizeIterator for IntoValues {}

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
        assert_eq!(std::mem::size_of::<Slot>(), std::mem::size_of::<Value>());
    }

    fn planned(bandwidth: &str) -> Attrs {
        let mut entries: Vec<(&str, Value)> = (0..10)
            .map(|i| {
                (
                    ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j"][i],
                    json!(i),
                )
            })
            .collect();
        entries.push(("bandwidth", json!(bandwidth)));
        entries.push(("id", crate::eval::unknown()));
        entries.into_iter().collect()
    }

    #[test]
    fn objects_with_the_same_names_share_them_until_one_changes() {
        let a = planned("5");
        let mut b = planned("10");
        assert!(Arc::ptr_eq(&a.names, &b.names));
        b.insert("zone", json!("cn-hangzhou-a"));
        assert!(!Arc::ptr_eq(&a.names, &b.names));
        assert!(
            a.get("zone").is_none(),
            "a change of one leaves the other alone"
        );
        assert_eq!(b["zone"], json!("cn-hangzhou-a"));
        assert_eq!(a["bandwidth"], json!("5"));
        b.remove("a");
        assert_eq!(a["a"], json!(0));
        assert_eq!(b.len(), a.len());
    }

    #[test]
    fn a_value_known_only_after_apply_reads_back_as_the_unknown_marker() {
        let mut a = planned("5");
        assert!(matches!(a.values[a.find("id").unwrap()], Slot::Unknown));
        assert_eq!(a["id"], crate::eval::unknown());
        assert!(crate::eval::is_unknown(&a["id"]));
        let json = serde_json::to_string(&a).unwrap();
        assert!(
            json.contains(r#""id":"\u0001(known after apply)\u0001""#),
            "{json}"
        );
        let back: Attrs = serde_json::from_str(&json).unwrap();
        assert_eq!(back, a);
        assert_eq!(Value::from(a.clone())["id"], crate::eval::unknown());
        // Changed through a mutable reference, then unknown again.
        *a.get_or_insert_with("id", Value::default) = json!("eip-1");
        assert_eq!(a["id"], json!("eip-1"));
        a.retain(|k, v| {
            if k == "id" {
                *v = crate::eval::unknown();
            }
            k != "a"
        });
        assert!(matches!(a.values[a.find("id").unwrap()], Slot::Unknown));
        assert!(a.get("a").is_none());
        assert_eq!(a.insert("id", json!("eip-2")), Some(crate::eval::unknown()));
        let owned: Vec<(Key, Value)> = planned("1").into_iter().collect();
        assert_eq!(owned.last().unwrap().1, json!(9));
        assert!(
            owned
                .iter()
                .any(|(k, v)| k == "id" && *v == crate::eval::unknown())
        );
    }
}
