//! Resource addresses as values: `alicloud_eip_address.web`, `alicloud_eip_address.web[0]`,
//! `alicloud_eip_address.web["a"]`, `data.alicloud_zones.default`.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A type name, a block name or an instance key. Addresses are copied into every table of a
/// plan (instances, changes, values, dependencies); names of up to 24 bytes are stored inline,
/// so a copy allocates nothing.
pub type Name = compact_str::CompactString;

/// Managed resource or data source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Mode {
    Managed,
    Data,
}

/// The key of one instance of a resource with `count` (a number) or `for_each` (a string).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum InstanceKey {
    Int(i64),
    Str(Name),
}

impl fmt::Display for InstanceKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InstanceKey::Int(i) => write!(f, "[{i}]"),
            InstanceKey::Str(s) => write!(f, "[{}]", serde_json::Value::String(s.to_string())),
        }
    }
}

/// The address of a resource block (no instance key).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct BlockAddress {
    pub mode: Mode,
    pub rtype: Name,
    pub name: Name,
}

impl BlockAddress {
    pub fn managed(rtype: &str, name: &str) -> BlockAddress {
        BlockAddress {
            mode: Mode::Managed,
            rtype: rtype.into(),
            name: name.into(),
        }
    }

    pub fn instance(&self, key: Option<InstanceKey>) -> ResourceAddress {
        ResourceAddress {
            block: self.clone(),
            key,
        }
    }
}

impl fmt::Display for BlockAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.mode == Mode::Data {
            write!(f, "data.")?;
        }
        write!(f, "{}.{}", self.rtype, self.name)
    }
}

/// The address of one resource instance.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ResourceAddress {
    pub block: BlockAddress,
    pub key: Option<InstanceKey>,
}

impl fmt::Display for ResourceAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.block)?;
        if let Some(k) = &self.key {
            write!(f, "{k}")?;
        }
        Ok(())
    }
}

impl std::str::FromStr for ResourceAddress {
    type Err = String;

    /// Parses `TYPE.NAME`, `TYPE.NAME[0]`, `TYPE.NAME["key"]`, `data.TYPE.NAME`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || {
            format!(
                "invalid resource address {s:?}: expected TYPE.NAME, TYPE.NAME[INDEX] or data.TYPE.NAME"
            )
        };
        let (head, key) = match s.find('[') {
            Some(i) => {
                let inner = s[i..]
                    .strip_prefix('[')
                    .and_then(|r| r.strip_suffix(']'))
                    .ok_or_else(bad)?;
                let key = if let Ok(n) = inner.parse::<i64>() {
                    InstanceKey::Int(n)
                } else {
                    let v: serde_json::Value = serde_json::from_str(inner).map_err(|_| bad())?;
                    InstanceKey::Str(v.as_str().ok_or_else(bad)?.into())
                };
                (&s[..i], Some(key))
            }
            None => (s, None),
        };
        let parts: Vec<&str> = head.split('.').collect();
        let valid = |p: &str| {
            !p.is_empty()
                && p.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        };
        let (mode, rtype, name) = match parts.as_slice() {
            ["data", t, n] => (Mode::Data, *t, *n),
            [t, n] => (Mode::Managed, *t, *n),
            _ => return Err(bad()),
        };
        if !valid(rtype) || !valid(name) {
            return Err(bad());
        }
        Ok(ResourceAddress {
            block: BlockAddress {
                mode,
                rtype: rtype.into(),
                name: name.into(),
            },
            key,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_round_trip() {
        for s in [
            "alicloud_eip_address.web",
            "alicloud_eip_address.web[0]",
            "alicloud_eip_address.web[\"a\"]",
            "data.alicloud_zones.default",
        ] {
            let a: ResourceAddress = s.parse().unwrap();
            assert_eq!(a.to_string(), s);
        }
        assert!("nope".parse::<ResourceAddress>().is_err());
        assert!("a.b[zz".parse::<ResourceAddress>().is_err());
    }
}
