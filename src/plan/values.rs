//! The values expressions see while planning and applying: resource blocks by address, each
//! expanded into its instances (`count` gives a list, `for_each` a map, neither a single object).

use foldhash::{HashMap, HashMapExt};
use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::Value;

use crate::addr::{BlockAddress, InstanceKey};
use crate::eval::ResourceValues;
use crate::provider::Attrs;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expansion {
    Single,
    Count,
    ForEach,
}

#[derive(Debug, Clone)]
pub struct BlockValue {
    pub expansion: Expansion,
    /// Shared with the plan's `after` (and the state's attributes when nothing changes).
    instances: Instances,
}

/// A block's instances by key. Most blocks have a single instance (no `count`, no `for_each`),
/// held without a B-tree node: a node is ~400 bytes, and a configuration has a block per
/// resource.
#[derive(Debug, Clone, Default)]
enum Instances {
    #[default]
    Empty,
    One(Option<InstanceKey>, Arc<Attrs>),
    Many(BTreeMap<Option<InstanceKey>, Arc<Attrs>>),
}

impl Instances {
    fn get(&self, key: &Option<InstanceKey>) -> Option<&Arc<Attrs>> {
        match self {
            Instances::Empty => None,
            Instances::One(k, v) => (k == key).then_some(v),
            Instances::Many(m) => m.get(key),
        }
    }

    fn insert(&mut self, key: Option<InstanceKey>, value: Arc<Attrs>) {
        match self {
            Instances::Empty => *self = Instances::One(key, value),
            Instances::One(k, v) if *k == key => *v = value,
            Instances::One(..) => {
                let Instances::One(k, v) = std::mem::take(self) else {
                    unreachable!("matched above")
                };
                *self = Instances::Many(BTreeMap::from([(k, v), (key, value)]));
            }
            Instances::Many(m) => {
                m.insert(key, value);
            }
        }
    }

    /// In key order.
    fn iter(&self) -> impl Iterator<Item = (&Option<InstanceKey>, &Arc<Attrs>)> {
        let (one, many) = match self {
            Instances::Empty => (None, None),
            Instances::One(k, v) => (Some((k, v)), None),
            Instances::Many(m) => (None, Some(m.iter())),
        };
        one.into_iter().chain(many.into_iter().flatten())
    }
}

/// Every resource block's current value.
#[derive(Debug, Default, Clone)]
pub struct Values {
    blocks: HashMap<BlockAddress, BlockValue>,
}

impl Values {
    /// Room for `blocks` resource blocks.
    pub fn with_capacity(blocks: usize) -> Values {
        Values {
            blocks: HashMap::with_capacity(blocks),
        }
    }

    /// Declares a block (before its instances are known, it is empty).
    pub fn declare(&mut self, addr: &BlockAddress, expansion: Expansion) {
        self.blocks
            .entry(addr.clone())
            .or_insert_with(|| BlockValue {
                expansion,
                instances: Instances::Empty,
            })
            .expansion = expansion;
    }

    pub fn set(&mut self, addr: &BlockAddress, key: Option<InstanceKey>, v: Arc<Attrs>) {
        let expansion = match &key {
            None => Expansion::Single,
            Some(InstanceKey::Int(_)) => Expansion::Count,
            Some(InstanceKey::Str(_)) => Expansion::ForEach,
        };
        self.blocks
            .entry(addr.clone())
            .or_insert_with(|| BlockValue {
                expansion,
                instances: Instances::Empty,
            })
            .instances
            .insert(key, v);
    }

    /// The instance keys of a declared block.
    pub fn block_keys(&self, addr: &BlockAddress) -> Option<Vec<Option<InstanceKey>>> {
        self.blocks
            .get(addr)
            .map(|b| b.instances.iter().map(|(k, _)| k.clone()).collect())
    }

    pub fn get(&self, addr: &BlockAddress, key: &Option<InstanceKey>) -> Option<&Arc<Attrs>> {
        self.blocks.get(addr).and_then(|b| b.instances.get(key))
    }
}

impl ResourceValues for Values {
    fn instance_attrs(&self, addr: &BlockAddress, key: Option<&InstanceKey>) -> Option<&Attrs> {
        let b = self.blocks.get(addr)?;
        let attrs = match (b.expansion, key) {
            (Expansion::Single, None) => b.instances.get(&None)?,
            (Expansion::Count | Expansion::ForEach, Some(k)) => {
                b.instances.get(&Some(k.clone()))?
            }
            _ => return None,
        };
        Some(attrs)
    }

    fn block_value(&self, addr: &BlockAddress, only: Option<&InstanceKey>) -> Option<Value> {
        let b = self.blocks.get(addr)?;
        let object = |v: &Arc<Attrs>| Value::Object(v.to_map());
        Some(match b.expansion {
            Expansion::Single => b.instances.get(&None).map(object).unwrap_or(Value::Null),
            Expansion::Count => Value::Array(b.instances.iter().map(|(_, v)| object(v)).collect()),
            Expansion::ForEach => {
                let pick = |k: &InstanceKey, v: &Arc<Attrs>| match k {
                    InstanceKey::Str(s) => Some((s.to_string(), object(v))),
                    InstanceKey::Int(i) => Some((i.to_string(), object(v))),
                };
                match only {
                    Some(k) => Value::Object(
                        b.instances
                            .get(&Some(k.clone()))
                            .and_then(|v| pick(k, v))
                            .into_iter()
                            .collect(),
                    ),
                    None => Value::Object(
                        b.instances
                            .iter()
                            .filter_map(|(k, v)| k.as_ref().and_then(|k| pick(k, v)))
                            .collect(),
                    ),
                }
            }
        })
    }
}
