//! [`Attrs`]: the attributes of one resource or data source, by Terraform attribute name.
//!
//! Every resource has one or two of these alive through a plan or an apply (its recorded
//! attributes, its planned ones, its result), so their size is most of a run's memory. A
//! `serde_json::Map` is a B-tree with a heap-allocated `String` per key: ~3.4 KB for an EIP's 30
//! attributes. Here an object is a shared shape and its own values. The shape is the sorted
//! names and the values most objects of those names have (all the planned EIPs of a plan, all
//! the recorded instances of a state share one); the object keeps only the values that differ
//! from those, and a value known only after apply takes no allocation: ~300 bytes for a
//! recorded EIP, lookups by binary search. The API is the subset of `serde_json::Map`'s the
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

impl PartialEq for Slot {
    fn eq(&self, other: &Slot) -> bool {
        match (self, other) {
            (Slot::Known(a), Slot::Known(b)) => a == b,
            (Slot::Unknown, Slot::Unknown) => true,
            (a, b) => a.value() == b.value(),
        }
    }
}

/// Sorted, unique attribute names, shared by the objects that have these names, and the values
/// most of those objects have (`common[i]` of `names[i]`; empty when not shared).
#[derive(Clone, Default)]
struct Shape {
    names: Vec<Key>,
    common: Vec<Slot>,
}

/// An object's own values.
#[derive(Clone)]
enum Own {
    /// `values[i]` of `names[i]`.
    All(Vec<Slot>),
    /// The shape's common values but those of the names marked in `which` (by index; at most
    /// [`MARKED_MAX`] names), which are `values`, in order.
    Changed { which: Marks, values: Vec<Slot> },
}

/// A set of name indexes below [`MARKED_MAX`].
#[derive(Clone, Copy, Default)]
struct Marks([u64; 2]);

/// Objects with more names than this keep all their values.
const MARKED_MAX: usize = 128;

impl Marks {
    fn of(indexes: &[usize]) -> Marks {
        let mut m = Marks::default();
        for &i in indexes {
            m.0[i / 64] |= 1 << (i % 64);
        }
        m
    }

    fn contains(self, i: usize) -> bool {
        self.0[i / 64] >> (i % 64) & 1 == 1
    }

    /// How many marked indexes are below `i`: where `i`'s value is among the marked ones.
    fn rank(self, i: usize) -> usize {
        let below = |w: u64, bits: usize| match bits {
            64 => w.count_ones(),
            b => (w & ((1 << b) - 1)).count_ones(),
        };
        let (word, bit) = (i / 64, i % 64);
        (if word == 1 { self.0[0].count_ones() } else { 0 } + below(self.0[word], bit)) as usize
    }

    fn insert(&mut self, i: usize) {
        self.0[i / 64] |= 1 << (i % 64);
    }
}

/// The order of names (byte order, as `str`'s). Names mostly differ in their first byte:
/// compared alone first, without a call to `memcmp`.
pub fn name_order(a: &str, b: &str) -> std::cmp::Ordering {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    a.first().cmp(&b.first()).then_with(|| a.cmp(b))
}

/// Sorts `entries` by name, a repeated name keeping its last value (as inserts into a map
/// would).
pub fn sort_entries(entries: &mut Vec<(Key, Value)>) {
    // Objects serde_json wrote (state records, answers) arrive sorted and unique.
    if entries.is_sorted_by(|a, b| name_order(&a.0, &b.0).is_lt()) {
        return;
    }
    // Stable: of equal names, the later entries stay later.
    entries.sort_by(|a, b| name_order(&a.0, &b.0));
    entries.dedup_by(|later, kept| {
        let same = later.0 == kept.0;
        if same {
            std::mem::swap(&mut later.1, &mut kept.1);
        }
        same
    });
}

/// Lists of names shorter than this are not worth looking up among the shared ones.
const SHARED_FROM: usize = 8;
/// At most this many fingerprints of lists of names are remembered per thread.
const SHARED_MAX: usize = 4096;
/// After this many objects in a row that differ from a shape's common values in most places,
/// the next one's values become the common ones (planned creates, mostly unknown, come before
/// the answers of the same names).
const MISSES_BEFORE_NEW_COMMON: u32 = 8;

/// A shared shape and how many objects in a row missed its common values.
struct SharedShape {
    shape: Arc<Shape>,
    misses: u32,
}

thread_local! {
    /// Shared shapes by a fingerprint of their names (see [`fingerprint`]).
    static SHARED_SHAPES: RefCell<foldhash::HashMap<u64, Vec<SharedShape>>> = RefCell::default();
}

/// A hash of the length and three of the names: hashing every name cost more than the rest
/// of building an object, and lists that differ elsewhere are told apart by comparing them.
fn fingerprint(names: &[Key]) -> u64 {
    use std::hash::BuildHasher;
    let n = names.len();
    foldhash::fast::FixedState::default().hash_one((n, &names[0], &names[n / 2], &names[n - 1]))
}

/// The indexes of the values of `values` that differ from `common`, unless most do: such an
/// object keeps all its values (lookups need no rank), and counts as a miss of the common ones.
fn changes_from(common: &[Slot], values: &[Slot]) -> Option<Vec<usize>> {
    let most = values.len() * 3 / 4;
    let mut changed = Vec::new();
    for (i, (c, v)) in common.iter().zip(values).enumerate() {
        if c != v {
            if changed.len() == most {
                return None;
            }
            changed.push(i);
        }
    }
    Some(changed)
}

/// An object of `names` with `values`: on a shared shape, and keeping only the values that
/// differ from the shape's common ones when those are few.
fn shaped(names: Vec<Key>, values: Vec<Slot>) -> Attrs {
    let alone = |names, values| Attrs {
        shape: Arc::new(Shape {
            names,
            common: Vec::new(),
        }),
        own: Own::All(values),
    };
    if names.len() < SHARED_FROM || names.len() > MARKED_MAX {
        return alone(names, values);
    }
    let print = fingerprint(&names);
    SHARED_SHAPES.with(|shared| {
        let mut shared = shared.borrow_mut();
        let known = shared.len();
        let same = shared.entry(print).or_default();
        if let Some(s) = same.iter_mut().find(|s| s.shape.names == names) {
            if let Some(changed) = changes_from(&s.shape.common, &values) {
                s.misses = 0;
                return Attrs::changed(Arc::clone(&s.shape), values, &changed);
            }
            s.misses += 1;
            if s.misses < MISSES_BEFORE_NEW_COMMON {
                return Attrs {
                    shape: Arc::clone(&s.shape),
                    own: Own::All(values),
                };
            }
            // These values become the common ones; objects made before keep the former shape.
            *s = SharedShape {
                shape: Arc::new(Shape {
                    names,
                    common: values,
                }),
                misses: 0,
            };
            return Attrs {
                shape: Arc::clone(&s.shape),
                own: Own::Changed {
                    which: Marks::default(),
                    values: Vec::new(),
                },
            };
        }
        if known >= SHARED_MAX {
            return alone(names, values);
        }
        let shape = Arc::new(Shape {
            names,
            common: values,
        });
        same.push(SharedShape {
            shape: Arc::clone(&shape),
            misses: 0,
        });
        Attrs {
            shape,
            own: Own::Changed {
                which: Marks::default(),
                values: Vec::new(),
            },
        }
    })
}

#[derive(Clone)]
pub struct Attrs {
    shape: Arc<Shape>,
    own: Own,
}

impl Attrs {
    pub fn new() -> Attrs {
        Attrs::default()
    }

    pub fn len(&self) -> usize {
        self.shape.names.len()
    }

    pub fn is_empty(&self) -> bool {
        self.shape.names.is_empty()
    }

    fn changed(shape: Arc<Shape>, values: Vec<Slot>, changed: &[usize]) -> Attrs {
        let mut kept = Vec::with_capacity(changed.len());
        let mut values = values.into_iter().enumerate();
        for &i in changed {
            if let Some((_, v)) = values.find(|(j, _)| *j == i) {
                kept.push(v);
            }
        }
        Attrs {
            shape,
            own: Own::Changed {
                which: Marks::of(changed),
                values: kept,
            },
        }
    }

    fn find(&self, key: &str) -> Result<usize, usize> {
        self.shape.names.binary_search_by(|k| name_order(k, key))
    }

    /// The value of the `i`th name.
    fn slot(&self, i: usize) -> &Slot {
        match &self.own {
            Own::All(values) => &values[i],
            Own::Changed { which, values } if which.contains(i) => &values[which.rank(i)],
            Own::Changed { .. } => &self.shape.common[i],
        }
    }

    /// Every value, in a list of its own.
    fn values_mut(&mut self) -> &mut Vec<Slot> {
        if let Own::Changed { which, values } = &mut self.own {
            let mut changed = std::mem::take(values).into_iter();
            let all = (0..self.shape.names.len())
                .map(|i| match which.contains(i) {
                    true => changed.next().unwrap_or(Slot::Known(Value::Null)),
                    false => self.shape.common[i].clone(),
                })
                .collect();
            self.own = Own::All(all);
        }
        match &mut self.own {
            Own::All(values) => values,
            Own::Changed { .. } => unreachable!("made whole above"),
        }
    }

    /// Every name and every value, in lists of their own: before names are added or removed.
    fn names_and_values_mut(&mut self) -> (&mut Vec<Key>, &mut Vec<Slot>) {
        self.values_mut();
        if Arc::get_mut(&mut self.shape).is_none() || !self.shape.common.is_empty() {
            self.shape = Arc::new(Shape {
                names: self.shape.names.clone(),
                common: Vec::new(),
            });
        }
        let names = &mut Arc::get_mut(&mut self.shape)
            .expect("a shape of its own")
            .names;
        match &mut self.own {
            Own::All(values) => (names, values),
            Own::Changed { .. } => unreachable!("made whole above"),
        }
    }

    pub fn get(&self, key: &str) -> Option<&Value> {
        self.find(key).ok().map(|i| self.slot(i).value())
    }

    pub fn contains_key(&self, key: &str) -> bool {
        self.find(key).is_ok()
    }

    /// Sets `key` to `value`, returning the value it replaces.
    pub fn insert(&mut self, key: impl Into<Key> + AsRef<str>, value: Value) -> Option<Value> {
        match self.find(key.as_ref()) {
            Ok(i) => match &mut self.own {
                Own::All(values) => {
                    Some(std::mem::replace(&mut values[i], Slot::new(value)).into_value())
                }
                Own::Changed { which, values } => {
                    let slot = Slot::new(value);
                    let j = which.rank(i);
                    if which.contains(i) {
                        Some(std::mem::replace(&mut values[j], slot).into_value())
                    } else {
                        which.insert(i);
                        values.insert(j, slot);
                        Some(self.shape.common[i].value().clone())
                    }
                }
            },
            Err(i) => {
                let (names, values) = self.names_and_values_mut();
                names.insert(i, key.into());
                values.insert(i, Slot::new(value));
                None
            }
        }
    }

    pub fn remove(&mut self, key: &str) -> Option<Value> {
        let i = self.find(key).ok()?;
        let (names, values) = self.names_and_values_mut();
        names.remove(i);
        Some(values.remove(i).into_value())
    }

    /// The value of `key`, inserted from `value` first when missing.
    pub fn get_or_insert_with(&mut self, key: &str, value: impl FnOnce() -> Value) -> &mut Value {
        match self.find(key) {
            Ok(i) => self.values_mut()[i].value_mut(),
            Err(i) => {
                let (names, values) = self.names_and_values_mut();
                names.insert(i, Key::from(key));
                values.insert(i, Slot::new(value()));
                values[i].value_mut()
            }
        }
    }

    pub fn retain(&mut self, mut keep: impl FnMut(&Key, &mut Value) -> bool) {
        self.values_mut();
        let Own::All(values) = &mut self.own else {
            unreachable!("made whole above")
        };
        let kept: Vec<bool> = self
            .shape
            .names
            .iter()
            .zip(values.iter_mut())
            .map(|(k, slot)| {
                let keep = keep(k, slot.value_mut());
                *slot = Slot::new(std::mem::take(slot.value_mut()));
                keep
            })
            .collect();
        if kept.iter().all(|k| *k) {
            return;
        }
        let (names, values) = self.names_and_values_mut();
        let mut flags = kept.iter();
        names.retain(|_| *flags.next().unwrap_or(&true));
        let mut flags = kept.iter();
        values.retain(|_| *flags.next().unwrap_or(&true));
    }

    pub fn iter(&self) -> Iter<'_> {
        Iter::new(self)
    }

    pub fn keys(&self) -> impl DoubleEndedIterator<Item = &Key> + ExactSizeIterator {
        self.shape.names.iter()
    }

    pub fn values(&self) -> impl DoubleEndedIterator<Item = &Value> + ExactSizeIterator {
        self.iter().map(|(_, v)| v)
    }

    /// The same entries as a `serde_json::Map`, for a `Value::Object`.
    pub fn to_map(&self) -> Map<String, Value> {
        self.iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect()
    }

    /// An object of `shape`'s names with `values` (`None`: the common value), built as
    /// [`shaped`] would, without looking the shape up.
    fn on_shape(shape: Arc<Shape>, values: Vec<Option<Slot>>) -> Attrs {
        let changed: Vec<usize> = (0..values.len()).filter(|&i| values[i].is_some()).collect();
        if changed.len() > values.len() * 3 / 4 {
            let all = filled(Some(&shape), values);
            return shaped(shape.names.clone(), all);
        }
        Attrs {
            own: Own::Changed {
                which: Marks::of(&changed),
                values: values.into_iter().flatten().collect(),
            },
            shape,
        }
    }

    /// Entries in any order, a repeated key keeping its last value: sorted once, then built.
    fn from_entries(mut entries: Vec<(Key, Value)>) -> Attrs {
        sort_entries(&mut entries);
        Attrs::from_sorted(entries.into_iter())
    }

    fn from_sorted(entries: impl ExactSizeIterator<Item = (Key, Value)>) -> Attrs {
        let mut names = Vec::with_capacity(entries.len());
        let mut values = Vec::with_capacity(entries.len());
        for (k, v) in entries {
            names.push(k);
            values.push(Slot::new(v));
        }
        shaped(names, values)
    }
}

static NO_SHAPE: LazyLock<Arc<Shape>> = LazyLock::new(Arc::default);

impl Default for Attrs {
    fn default() -> Attrs {
        Attrs {
            shape: Arc::clone(&NO_SHAPE),
            own: Own::All(Vec::new()),
        }
    }
}

impl PartialEq for Attrs {
    fn eq(&self, other: &Attrs) -> bool {
        if Arc::ptr_eq(&self.shape, &other.shape) {
            return match (&self.own, &other.own) {
                (Own::All(a), Own::All(b)) => a == b,
                _ => (0..self.len()).all(|i| self.slot(i) == other.slot(i)),
            };
        }
        self.len() == other.len() && self.iter().eq(other.iter())
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

pub struct Iter<'a> {
    attrs: &'a Attrs,
    front: usize,
    back: usize,
    /// Of an object keeping changed values: where the next changed value from the front is
    /// among them, and one past the next from the back.
    front_changed: usize,
    back_changed: usize,
}

impl<'a> Iter<'a> {
    fn new(attrs: &'a Attrs) -> Iter<'a> {
        let changed = match &attrs.own {
            Own::All(_) => 0,
            Own::Changed { values, .. } => values.len(),
        };
        Iter {
            attrs,
            front: 0,
            back: attrs.len(),
            front_changed: 0,
            back_changed: changed,
        }
    }
}

impl<'a> Iterator for Iter<'a> {
    type Item = (&'a Key, &'a Value);

    fn next(&mut self) -> Option<Self::Item> {
        if self.front == self.back {
            return None;
        }
        let i = self.front;
        self.front += 1;
        let slot = match &self.attrs.own {
            Own::All(values) => &values[i],
            Own::Changed { which, values } if which.contains(i) => {
                self.front_changed += 1;
                &values[self.front_changed - 1]
            }
            Own::Changed { .. } => &self.attrs.shape.common[i],
        };
        Some((&self.attrs.shape.names[i], slot.value()))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.back - self.front, Some(self.back - self.front))
    }
}

impl DoubleEndedIterator for Iter<'_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        if self.front == self.back {
            return None;
        }
        self.back -= 1;
        let i = self.back;
        let slot = match &self.attrs.own {
            Own::All(values) => &values[i],
            Own::Changed { which, values } if which.contains(i) => {
                self.back_changed -= 1;
                &values[self.back_changed]
            }
            Own::Changed { .. } => &self.attrs.shape.common[i],
        };
        Some((&self.attrs.shape.names[i], slot.value()))
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

    fn into_iter(mut self) -> Self::IntoIter {
        let values = std::mem::take(self.values_mut());
        let names = Arc::unwrap_or_clone(self.shape).names;
        names.into_iter().zip(IntoValues(values.into_iter()))
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

    /// Reads the values of an object with the names of the last object read on this thread
    /// (most records of a state, or of an answer, share them) against that shape's common
    /// values as they come: a value equal to its common one is compared where it lies in the
    /// text, never built, and the object needs no search for its shape. Any other object is
    /// collected and shaped as usual.
    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Attrs, A::Error> {
        let hint = LAST_SHAPE
            .with_borrow(|s| s.clone())
            .filter(|s| !s.common.is_empty());
        let mut names: Vec<Key> = Vec::with_capacity(access.size_hint().unwrap_or(0).max(16));
        // `None`: the hint's common value.
        let mut values: Vec<Option<Slot>> = Vec::with_capacity(names.capacity());
        let mut on_hint = hint.is_some();
        while let Some(name) = access.next_key::<Key>()? {
            let i = names.len();
            let common = hint
                .as_ref()
                .filter(|h| on_hint && h.names.get(i) == Some(&name))
                .map(|h| &h.common[i]);
            let value = match common {
                Some(common) => access.next_value_seed(SameAs(common.value()))?,
                None => {
                    on_hint = false;
                    Some(access.next_value::<Value>()?)
                }
            };
            names.push(name);
            values.push(value.map(Slot::new));
        }
        let attrs = match hint {
            Some(h) if on_hint && names.len() == h.names.len() => Attrs::on_shape(h, values),
            hint => {
                let values = filled(hint.as_deref(), values);
                Attrs::from_entries(
                    names
                        .into_iter()
                        .zip(values.into_iter().map(Slot::into_value))
                        .collect(),
                )
            }
        };
        if !attrs.shape.common.is_empty() {
            LAST_SHAPE.with_borrow_mut(|s| *s = Some(Arc::clone(&attrs.shape)));
        }
        Ok(attrs)
    }
}

/// `values` with each `None` (a value equal to `shape`'s common one) replaced by that value.
fn filled(shape: Option<&Shape>, values: Vec<Option<Slot>>) -> Vec<Slot> {
    values
        .into_iter()
        .enumerate()
        .filter_map(|(i, v)| v.or_else(|| Some(shape?.common[i].clone())))
        .collect()
}

thread_local! {
    /// The shape of the last object [`AttrsVisitor`] read on this thread.
    static LAST_SHAPE: RefCell<Option<Arc<Shape>>> = const { RefCell::new(None) };
}

/// Reads one value, answering `None` when it equals `common` (a string equal to it is not
/// copied).
struct SameAs<'c>(&'c Value);

impl<'de> serde::de::DeserializeSeed<'de> for SameAs<'_> {
    type Value = Option<Value>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Option<Value>, D::Error> {
        d.deserialize_any(self)
    }
}

impl SameAs<'_> {
    fn unless_common(&self, v: Value) -> Option<Value> {
        (v != *self.0).then_some(v)
    }
}

impl<'de> Visitor<'de> for SameAs<'_> {
    type Value = Option<Value>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Option<Value>, E> {
        Ok(match self.0 {
            Value::String(common) if common == v => None,
            _ => Some(Value::String(v.to_string())),
        })
    }

    fn visit_string<E: serde::de::Error>(self, v: String) -> Result<Option<Value>, E> {
        Ok(self.unless_common(Value::String(v)))
    }

    fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<Option<Value>, E> {
        Ok(self.unless_common(Value::Bool(v)))
    }

    fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Option<Value>, E> {
        Ok(self.unless_common(Value::from(v)))
    }

    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Option<Value>, E> {
        Ok(self.unless_common(Value::from(v)))
    }

    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Option<Value>, E> {
        Ok(self.unless_common(serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number)))
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<Option<Value>, E> {
        Ok(self.unless_common(Value::Null))
    }

    fn visit_none<E: serde::de::Error>(self) -> Result<Option<Value>, E> {
        Ok(self.unless_common(Value::Null))
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, seq: A) -> Result<Option<Value>, A::Error> {
        let v = Value::deserialize(serde::de::value::SeqAccessDeserializer::new(seq))?;
        Ok(self.unless_common(v))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Option<Value>, A::Error> {
        let v = Value::deserialize(serde::de::value::MapAccessDeserializer::new(map))?;
        Ok(self.unless_common(v))
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

    /// Objects read one after the other with the names of the one before are read against its
    /// shape's common values, and come out as a map would.
    #[test]
    fn objects_of_the_last_names_read_read_the_same_as_others() {
        let texts = [
            r#"{"a":"x","b":1,"c":[1,{"d":null}],"e":true,"f":"y","g":"","h":1.5,"i":"z","j":-2}"#,
            r#"{"a":"x","b":1,"c":[1,{"d":null}],"e":true,"f":"y","g":"","h":1.5,"i":"z","j":-2}"#,
            r#"{"a":"x2","b":2,"c":[1,{"d":null}],"e":true,"f":"y","g":"","h":1.5,"i":"z","j":-2}"#,
            r#"{"a":"x","b":1,"c":[2],"e":false,"f":"y\"q","g":null,"h":1.5,"i":"z","j":-2}"#,
            r#"{"a":"1","b":"1","c":{},"e":"true","f":1,"g":0,"h":"1.5","i":1,"j":2}"#,
            r#"{"a":"x","b":1,"c":[1,{"d":null}],"e":true,"f":"y","g":"","h":1.5,"i":"z"}"#,
            r#"{"a":"x","b":1,"c":[1,{"d":null}],"e":true,"f":"y","g":"","h":1.5,"i":"z","j":-2,"k":0}"#,
            r#"{"b":1,"a":"x","c":[1,{"d":null}],"e":true,"f":"y","g":"","h":1.5,"i":"z","j":-2}"#,
            r#"{"a":"x","b":1,"c":[1,{"d":null}],"e":true,"f":"y","g":"","h":1.5,"i":"z","j":-2}"#,
            r#"{"a":"x","a":"w","b":1,"c":[1,{"d":null}],"e":true,"f":"y","g":"","h":1.5,"i":"z"}"#,
            r#"{"a":"(known after apply)","b":1,"c":[1,{"d":null}],"e":true,"f":"y","g":"","h":1.5,"i":"z","j":-2}"#,
        ];
        let mut shapes = Vec::new();
        for t in texts {
            let ours: Attrs = serde_json::from_str(t).unwrap();
            let map: Map<String, Value> = serde_json::from_str(t).unwrap();
            assert_eq!(ours, Attrs::from(map.clone()), "{t}");
            assert_eq!(
                serde_json::to_string(&ours).unwrap(),
                serde_json::to_string(&map).unwrap()
            );
            shapes.push(Arc::clone(&ours.shape));
        }
        assert!(Arc::ptr_eq(&shapes[0], &shapes[1]) && Arc::ptr_eq(&shapes[1], &shapes[2]));
        assert!(
            Arc::ptr_eq(&shapes[0], &shapes[8]),
            "back to the first names"
        );
    }

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
        assert!(Arc::ptr_eq(&a.shape, &b.shape));
        b.insert("zone", json!("cn-hangzhou-a"));
        assert!(!Arc::ptr_eq(&a.shape, &b.shape));
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

    fn changed_count(a: &Attrs) -> Option<usize> {
        match &a.own {
            Own::All(_) => None,
            Own::Changed { values, .. } => Some(values.len()),
        }
    }

    #[test]
    fn objects_keep_only_the_values_that_differ_from_the_common_ones() {
        let first = planned("5");
        let second = planned("10");
        assert_eq!(
            changed_count(&first),
            Some(0),
            "the first gives the common values"
        );
        assert_eq!(
            changed_count(&second),
            Some(1),
            "only the bandwidth differs"
        );
        assert_eq!(second["bandwidth"], json!("10"));
        assert_eq!(second["a"], json!(0));
        assert_eq!(second["id"], crate::eval::unknown());
        assert_ne!(first, second);
        assert_eq!(second, planned("10"));
        // The same entries kept in full compare equal to the ones kept as changes.
        let mut whole = planned("10");
        let _ = whole.values_mut();
        assert_eq!(changed_count(&whole), None);
        assert_eq!(whole, second);
        assert_eq!(
            serde_json::to_string(&whole).unwrap(),
            serde_json::to_string(&second).unwrap()
        );
        assert_eq!(
            whole.iter().rev().collect::<Vec<_>>(),
            second.iter().rev().collect::<Vec<_>>()
        );
        // Setting an existing name keeps the changes apart; the common values stay as they are.
        let mut third = planned("10");
        assert_eq!(third.insert("a", json!(7)), Some(json!(0)));
        assert_eq!(third.insert("bandwidth", json!("20")), Some(json!("10")));
        assert_eq!(changed_count(&third), Some(2));
        assert_eq!(third["a"], json!(7));
        assert_eq!(planned("10")["a"], json!(0));
        *third.get_or_insert_with("b", Value::default) = json!(8);
        assert_eq!(
            (third["a"].clone(), third["b"].clone()),
            (json!(7), json!(8))
        );
        assert_eq!(first["b"], json!(1));
        let owned: Attrs = third.clone().into_iter().collect();
        assert_eq!(owned, third);
    }

    #[test]
    fn changes_are_found_on_both_sides_of_the_sixty_fourth_name() {
        let object = |changed: &[usize], to: i64| -> Attrs {
            (0..100usize)
                .map(|i| {
                    let v = if changed.contains(&i) { to } else { 0 };
                    (format!("n{i:03}"), json!(v))
                })
                .collect()
        };
        let _common = object(&[], 0);
        let at = [0, 62, 63, 64, 65, 99];
        let mut changed = object(&at, 7);
        assert_eq!(changed_count(&changed), Some(at.len()));
        for i in 0..100 {
            let want = if at.contains(&i) { 7 } else { 0 };
            assert_eq!(changed[format!("n{i:03}").as_str()], json!(want), "n{i:03}");
        }
        assert_eq!(changed.insert("n070", json!(9)), Some(json!(0)));
        assert_eq!(changed.insert("n064", json!(8)), Some(json!(7)));
        assert_eq!(changed_count(&changed), Some(at.len() + 1));
        let map: Map<String, Value> =
            serde_json::from_str(&serde_json::to_string(&changed).unwrap()).unwrap();
        assert_eq!(
            (
                map["n070"].clone(),
                map["n064"].clone(),
                map["n063"].clone()
            ),
            (json!(9), json!(8), json!(7))
        );
        assert_eq!(map.len(), 100);
        // From both ends at once.
        let mut it = changed.iter();
        let mut ends = Vec::new();
        while let (Some(f), b) = (it.next(), it.next_back()) {
            ends.push(f);
            ends.extend(b);
        }
        ends.sort_by(|a, b| a.0.cmp(b.0));
        assert_eq!(ends, changed.iter().collect::<Vec<_>>());
        assert!(
            map.iter()
                .zip(&ends)
                .all(|((k, v), (ek, ev))| k == ek.as_str() && v == *ev)
        );
        let whole: Attrs = map.into();
        assert_eq!(whole, changed);
        assert_eq!(Marks::of(&[1, 64, 127]).rank(127), 2);
        assert_eq!(Marks::of(&[1, 64, 127]).rank(64), 1);
        assert_eq!(Marks::of(&[63]).rank(64), 1);
    }

    #[test]
    fn objects_unlike_the_common_values_in_a_row_give_new_common_values() {
        let unlike = |n: i64| -> Attrs {
            ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j"]
                .into_iter()
                .map(|k| (k, json!(format!("{k}{n}"))))
                .collect()
        };
        let first = unlike(0);
        assert_eq!(changed_count(&first), Some(0));
        let misses: Vec<Attrs> = (1..MISSES_BEFORE_NEW_COMMON as i64).map(unlike).collect();
        assert!(misses.iter().all(|m| changed_count(m).is_none()));
        let next = unlike(100);
        assert_eq!(
            changed_count(&next),
            Some(0),
            "its values are the common ones now"
        );
        assert!(!Arc::ptr_eq(&next.shape, &first.shape));
        assert_eq!(first["a"], json!("a0"), "objects made before keep theirs");
        assert_eq!(next["j"], json!("j100"));
        let mut close = unlike(100);
        close.insert("c", json!("other"));
        assert_eq!(changed_count(&close), Some(1));
        assert_eq!(misses[0]["e"], json!("e1"));
    }

    #[test]
    fn a_value_known_only_after_apply_reads_back_as_the_unknown_marker() {
        let mut a = planned("5");
        assert!(matches!(a.slot(a.find("id").unwrap()), Slot::Unknown));
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
        assert!(matches!(a.slot(a.find("id").unwrap()), Slot::Unknown));
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
