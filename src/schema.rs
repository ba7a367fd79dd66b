//! Resource and data-source schemas, embedded from `schemas/*.json`.
//!
//! Each file in `schemas/` describes one HCL type the way the public alicloud Terraform provider
//! declares it: its arguments (required / optional / computed), their types, which changes force a
//! replacement, deprecated aliases, conflicts, provider-side validations, id format and timeouts.
//! This module is the engine's single source for argument checking, type conversion, force-new
//! decisions and documentation. It owns no behaviour beyond that: product rules that depend on
//! combinations of values (bandwidth ranges by billing method, regions, quotas) live in the
//! simulated cloud, not here.
//!
//! The files are compiled into the binary with `include_str!` and parsed once, on first use.
//! Lookups resolve type aliases (`alicloud_eip` -> `alicloud_eip_address`):
//!
//! ```
//! use eipform::schema;
//! let eip = schema::resource("alicloud_eip").unwrap();
//! assert_eq!(eip.type_name, "alicloud_eip_address");
//! let isp = eip.attribute("isp").unwrap();
//! assert!(isp.force_new);
//! let v = eip.attribute("period").unwrap().ty.coerce(&serde_json::json!("12")).unwrap();
//! assert_eq!(v, serde_json::json!(12));
//! ```

use std::collections::BTreeSet;
use std::fmt;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use indexmap::IndexMap;
use serde::Deserialize;
use serde_json::{Map, Number, Value};

macro_rules! embed {
    ($($file:literal),* $(,)?) => {
        &[$(($file, include_str!(concat!("../schemas/", $file)))),*]
    };
}

/// Every schema file, as `(file name, JSON text)`, embedded at build time.
const FILES: &[(&str, &str)] = embed![
    "alicloud_ecs_network_interface.json",
    "alicloud_eip_address.json",
    "alicloud_eip_association.json",
    "alicloud_eip_segment_address.json",
    "alicloud_instance.json",
    "alicloud_kms_key.json",
    "alicloud_nat_gateway.json",
    "alicloud_security_group.json",
    "alicloud_slb_load_balancer.json",
    "alicloud_vpc.json",
    "alicloud_vpc_ha_vip.json",
    "alicloud_vpc_ipv4_gateway.json",
    "alicloud_vpc_public_ip_address_pool.json",
    "alicloud_vpc_public_ip_address_pool_cidr_block.json",
    "alicloud_vswitch.json",
    "data.alicloud_eip_addresses.json",
    "data.alicloud_enhanced_nat_available_zones.json",
    "data.alicloud_images.json",
    "data.alicloud_instance_types.json",
    "data.alicloud_resource_manager_resource_groups.json",
    "data.alicloud_vpcs.json",
    "data.alicloud_vswitches.json",
    "data.alicloud_zones.json",
];

/// Timeout used for an operation the schema file does not name (Terraform SDK default).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(20 * 60);

// ---------------------------------------------------------------------------------------------
// Public model
// ---------------------------------------------------------------------------------------------

/// Whether a schema describes a `resource` or a `data` source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SchemaKind {
    Resource,
    Data,
}

impl fmt::Display for SchemaKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SchemaKind::Resource => "resource",
            SchemaKind::Data => "data",
        })
    }
}

/// The type of an attribute, in Terraform's type grammar (`string`, `list(string)`, ...).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum AttrType {
    String,
    Number,
    Bool,
    List(Box<AttrType>),
    Set(Box<AttrType>),
    Map(Box<AttrType>),
    /// An object with any attributes (used for data-source outputs such as `zones`).
    Object,
    /// Any value, unconverted.
    Any,
}

/// Provider-side validation of a single value (the provider's `ValidateFunc`).
///
/// On a list, set or map the validation applies to each element.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Validation {
    /// Allowed strings (case-sensitive).
    pub one_of: Vec<String>,
    /// Allowed integers.
    pub int_in: Vec<i64>,
    /// Inclusive integer range.
    pub int_between: Option<(i64, i64)>,
    /// Regular expression the string must match.
    pub regex: Option<Pattern>,
    /// Minimum string length, in characters.
    pub min_length: Option<usize>,
    /// Maximum string length, in characters.
    pub max_length: Option<usize>,
}

/// Schema entries by name, in the schema's order. Hashed with `foldhash`: the planner looks
/// names up for every attribute of every instance, and SipHash was most of those lookups.
pub type Named<T> = IndexMap<String, T, foldhash::fast::FixedState>;

/// One attribute of a resource, data source or nested block.
#[derive(Debug, Clone, PartialEq)]
pub struct AttrSchema {
    pub ty: AttrType,
    pub required: bool,
    pub optional: bool,
    pub computed: bool,
    pub force_new: bool,
    pub sensitive: bool,
    /// The provider schema's `Default`, already converted to `ty`.
    pub default: Option<Value>,
    pub description: String,
    /// Deprecation message, shown as a warning when the attribute is set.
    pub deprecated: Option<String>,
    pub conflicts_with: Vec<String>,
    /// For a deprecated alias: the attribute it stands for (`name` -> `address_name`).
    pub alias_of: Option<String>,
    pub validation: Option<Validation>,
}

/// How a nested block may be repeated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Nesting {
    Single,
    List,
    Set,
}

/// A nested block (`data_disks { ... }`).
#[derive(Debug, Clone, PartialEq)]
pub struct BlockSchema {
    pub nesting: Nesting,
    pub min_items: usize,
    pub max_items: Option<usize>,
    /// Any change inside the block forces a replacement.
    pub force_new: bool,
    pub attributes: Named<AttrSchema>,
    pub blocks: Named<BlockSchema>,
}

/// How the cloud builds a resource's id: a prefix and a format naming attributes in angle
/// brackets, e.g. `<allocation_id>:<instance_id>`. `<id>` stands for the cloud-assigned id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdSpec {
    pub prefix: String,
    pub format: String,
}

/// Default timeouts of a resource's operations (overridable with a `timeouts` block).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    pub create: Duration,
    pub update: Duration,
    pub delete: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            create: DEFAULT_TIMEOUT,
            update: DEFAULT_TIMEOUT,
            delete: DEFAULT_TIMEOUT,
        }
    }
}

/// The schema of one resource or data-source type.
#[derive(Debug, Clone, PartialEq)]
pub struct ResourceSchema {
    pub type_name: String,
    pub kind: SchemaKind,
    /// Other type names for the same implementation (`alicloud_eip`).
    pub aliases: Vec<String>,
    pub description: String,
    pub id: Option<IdSpec>,
    pub timeouts: Timeouts,
    pub attributes: Named<AttrSchema>,
    pub blocks: Named<BlockSchema>,
    /// Every (deprecated alias, attribute it stands for) pair of `attributes`.
    pub deprecated_aliases: Vec<(String, String)>,
    /// The arguments and blocks a diff compares, in name order (the order `Attrs` keep), each
    /// with its place in the schema's order (arguments, then blocks).
    pub diffed: Vec<Diffed>,
}

/// An argument or block of [`ResourceSchema::diffed`].
#[derive(Debug, Clone, PartialEq)]
pub struct Diffed {
    pub name: String,
    pub force_new: bool,
    /// Optional and computed: when unset, the cloud's value stands.
    pub computed: bool,
    /// Its place among the arguments, then the blocks, in the schema's order.
    pub position: usize,
    /// The argument it mirrors (`alias_of`), whose value stands for it when it is unset.
    pub alias_of: Option<String>,
    /// The arguments that mirror it, in the schema's order: the first one set stands for it.
    pub aliased_by: Vec<String>,
}

/// An embedded schema file that does not parse or is inconsistent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("schemas/{file}: {message}")]
pub struct SchemaError {
    pub file: String,
    pub message: String,
}

// ---------------------------------------------------------------------------------------------
// Lookups
// ---------------------------------------------------------------------------------------------

struct Registry {
    resources: Named<ResourceSchema>,
    data_sources: Named<ResourceSchema>,
    /// alias or primary name -> primary name
    resource_names: IndexMap<String, String>,
    data_names: IndexMap<String, String>,
}

impl Registry {
    fn load() -> Result<Registry, SchemaError> {
        let mut reg = Registry {
            resources: Named::default(),
            data_sources: Named::default(),
            resource_names: IndexMap::new(),
            data_names: IndexMap::new(),
        };
        for (file, text) in FILES {
            let schema = parse_schema(file, text)?;
            let (map, names) = match schema.kind {
                SchemaKind::Resource => (&mut reg.resources, &mut reg.resource_names),
                SchemaKind::Data => (&mut reg.data_sources, &mut reg.data_names),
            };
            for name in std::iter::once(&schema.type_name).chain(&schema.aliases) {
                if let Some(prev) = names.insert(name.clone(), schema.type_name.clone()) {
                    return Err(SchemaError {
                        file: file.to_string(),
                        message: format!(
                            "{} type name {name:?} is also declared by {prev}",
                            schema.kind
                        ),
                    });
                }
            }
            map.insert(schema.type_name.clone(), schema);
        }
        Ok(reg)
    }
}

fn registry() -> &'static Registry {
    static REGISTRY: OnceLock<Registry> = OnceLock::new();
    REGISTRY
        .get_or_init(|| Registry::load().unwrap_or_else(|e| panic!("invalid embedded schema: {e}")))
}

/// The schema of a resource type, by its name or an alias.
pub fn resource(type_name: &str) -> Option<&'static ResourceSchema> {
    let reg = registry();
    reg.resource_names
        .get(type_name)
        .and_then(|primary| reg.resources.get(primary))
}

/// The schema of a data-source type, by its name or an alias.
pub fn data_source(type_name: &str) -> Option<&'static ResourceSchema> {
    let reg = registry();
    reg.data_names
        .get(type_name)
        .and_then(|primary| reg.data_sources.get(primary))
}

/// The schema for a `resource` or `data` block of the given type.
pub fn lookup(kind: SchemaKind, type_name: &str) -> Option<&'static ResourceSchema> {
    match kind {
        SchemaKind::Resource => resource(type_name),
        SchemaKind::Data => data_source(type_name),
    }
}

/// Every resource type name, primary names and aliases, sorted.
pub fn resource_types() -> Vec<&'static str> {
    let mut v: Vec<&'static str> = registry()
        .resource_names
        .keys()
        .map(String::as_str)
        .collect();
    v.sort_unstable();
    v
}

/// Every data-source type name, primary names and aliases, sorted.
pub fn data_source_types() -> Vec<&'static str> {
    let mut v: Vec<&'static str> = registry().data_names.keys().map(String::as_str).collect();
    v.sort_unstable();
    v
}

/// Every schema (resources first, then data sources), once each, in file order.
pub fn all() -> impl Iterator<Item = &'static ResourceSchema> {
    let reg = registry();
    reg.resources.values().chain(reg.data_sources.values())
}

/// The embedded schema files as `(file name, JSON text)`.
pub fn embedded_files() -> &'static [(&'static str, &'static str)] {
    FILES
}

// ---------------------------------------------------------------------------------------------
// AttrType
// ---------------------------------------------------------------------------------------------

impl AttrType {
    /// Parses the type grammar: `string`, `number`, `bool`, `object`, `any`, `list(T)`, `set(T)`,
    /// `map(T)`.
    pub fn parse(s: &str) -> Result<AttrType, String> {
        let s = s.trim();
        let simple = match s {
            "string" => Some(AttrType::String),
            "number" => Some(AttrType::Number),
            "bool" => Some(AttrType::Bool),
            "object" => Some(AttrType::Object),
            "any" => Some(AttrType::Any),
            _ => None,
        };
        if let Some(t) = simple {
            return Ok(t);
        }
        for (name, make) in [
            ("list", AttrType::List as fn(Box<AttrType>) -> AttrType),
            ("set", AttrType::Set),
            ("map", AttrType::Map),
        ] {
            if let Some(inner) = s
                .strip_prefix(name)
                .and_then(|r| r.trim_start().strip_prefix('('))
            {
                let inner = inner
                    .strip_suffix(')')
                    .ok_or_else(|| format!("unbalanced parentheses in type {s:?}"))?;
                return Ok(make(Box::new(AttrType::parse(inner)?)));
            }
        }
        Err(format!("unknown type {s:?}"))
    }

    /// The type in Terraform's grammar, e.g. `list(string)`.
    pub fn display(&self) -> String {
        match self {
            AttrType::String => "string".into(),
            AttrType::Number => "number".into(),
            AttrType::Bool => "bool".into(),
            AttrType::Object => "object".into(),
            AttrType::Any => "any".into(),
            AttrType::List(t) => format!("list({})", t.display()),
            AttrType::Set(t) => format!("set({})", t.display()),
            AttrType::Map(t) => format!("map({})", t.display()),
        }
    }

    /// The element type of a list, set or map.
    pub fn element(&self) -> Option<&AttrType> {
        match self {
            AttrType::List(t) | AttrType::Set(t) | AttrType::Map(t) => Some(t),
            _ => None,
        }
    }

    /// `string`, `number` or `bool`.
    pub fn is_primitive(&self) -> bool {
        matches!(self, AttrType::String | AttrType::Number | AttrType::Bool)
    }

    /// Converts a value to this type the way Terraform does: "10" -> 10 for number,
    /// "true"/"false" -> bool, 10 / true -> "10"/"true" for string, element-wise for
    /// list/set/map (set: dedupe, keep first-seen order), null stays null. Err(message) when
    /// impossible, e.g. `a number is required, got "abc"`.
    pub fn coerce(&self, v: &Value) -> Result<Value, String> {
        if v.is_null() {
            return Ok(Value::Null);
        }
        match self {
            AttrType::Any => Ok(v.clone()),
            AttrType::String => match v {
                Value::String(_) => Ok(v.clone()),
                Value::Number(n) => Ok(Value::String(number_to_string(n))),
                Value::Bool(b) => Ok(Value::String(b.to_string())),
                _ => Err(format!("a string is required, got {}", describe(v))),
            },
            AttrType::Number => match v {
                Value::Number(_) => Ok(v.clone()),
                Value::String(s) => parse_number(s)
                    .map(Value::Number)
                    .ok_or_else(|| format!("a number is required, got {}", describe(v))),
                _ => Err(format!("a number is required, got {}", describe(v))),
            },
            AttrType::Bool => match v {
                Value::Bool(_) => Ok(v.clone()),
                Value::String(s) if s == "true" || s == "1" => Ok(Value::Bool(true)),
                Value::String(s) if s == "false" || s == "0" => Ok(Value::Bool(false)),
                _ => Err(format!("a bool is required, got {}", describe(v))),
            },
            AttrType::Object => match v {
                Value::Object(_) => Ok(v.clone()),
                _ => Err(format!("an object is required, got {}", describe(v))),
            },
            AttrType::List(t) => match v {
                Value::Array(items) => items
                    .iter()
                    .enumerate()
                    .map(|(i, item)| t.coerce(item).map_err(|e| format!("element {i}: {e}")))
                    .collect::<Result<Vec<_>, _>>()
                    .map(Value::Array),
                _ => Err(format!("a list is required, got {}", describe(v))),
            },
            AttrType::Set(t) => match v {
                Value::Array(items) => {
                    let mut out: Vec<Value> = Vec::with_capacity(items.len());
                    for (i, item) in items.iter().enumerate() {
                        let c = t.coerce(item).map_err(|e| format!("element {i}: {e}"))?;
                        if !out.contains(&c) {
                            out.push(c);
                        }
                    }
                    Ok(Value::Array(out))
                }
                _ => Err(format!("a set is required, got {}", describe(v))),
            },
            AttrType::Map(t) => match v {
                Value::Object(m) => m
                    .iter()
                    .map(|(k, item)| {
                        t.coerce(item)
                            .map(|c| (k.clone(), c))
                            .map_err(|e| format!("element {k:?}: {e}"))
                    })
                    .collect::<Result<Map<_, _>, _>>()
                    .map(Value::Object),
                _ => Err(format!("a map is required, got {}", describe(v))),
            },
        }
    }
}

impl fmt::Display for AttrType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.display())
    }
}

/// How a value is named in conversion errors: strings quoted, scalars as written.
fn describe(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => number_to_string(n),
        Value::String(s) => format!("{s:?}"),
        Value::Array(_) => "a list".into(),
        Value::Object(_) => "an object".into(),
    }
}

/// Formats a number the way Terraform prints it: integers without a fraction.
fn number_to_string(n: &Number) -> String {
    if let Some(i) = n.as_i64() {
        return i.to_string();
    }
    if let Some(u) = n.as_u64() {
        return u.to_string();
    }
    match n.as_f64() {
        Some(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", f as i64),
        Some(f) => format!("{f}"),
        None => n.to_string(),
    }
}

/// Parses a decimal number written as a string ("10", "-1.5", "1e3"); integers stay integers.
fn parse_number(s: &str) -> Option<Number> {
    let ok_chars = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '.' | '-' | '+' | 'e' | 'E'))
        && s.chars().any(|c| c.is_ascii_digit());
    if !ok_chars {
        return None;
    }
    if let Ok(i) = s.parse::<i64>() {
        return Some(Number::from(i));
    }
    let f: f64 = s.parse().ok()?;
    if !f.is_finite() {
        return None;
    }
    if f.fract() == 0.0 && f.abs() < 9.0e15 {
        return Some(Number::from(f as i64));
    }
    Number::from_f64(f)
}

/// A JSON number as an exact integer, if it is one.
fn as_integer(v: &Value) -> Option<i64> {
    let n = v.as_number()?;
    if let Some(i) = n.as_i64() {
        return Some(i);
    }
    let f = n.as_f64()?;
    (f.fract() == 0.0 && f.abs() < 9.0e15).then_some(f as i64)
}

// ---------------------------------------------------------------------------------------------
// Validation
// ---------------------------------------------------------------------------------------------

/// A validation's regular expression: its syntax checked when the schema loads, compiled on
/// its first use and kept. Compiling is the costly part (`^.{2,256}$` is ~7 M instructions,
/// a tenth of validating 1,000 resources), and most runs never meet the attribute.
#[derive(Debug, Clone)]
pub struct Pattern {
    source: String,
    compiled: Arc<OnceLock<Result<regex::Regex, String>>>,
}

impl Pattern {
    /// `source` if it is a valid regular expression.
    pub fn new(source: String) -> Result<Pattern, String> {
        regex_syntax::Parser::new()
            .parse(&source)
            .map_err(|e| format!("invalid regex {source:?}: {e}"))?;
        Ok(Pattern {
            source,
            compiled: Arc::default(),
        })
    }

    pub fn as_str(&self) -> &str {
        &self.source
    }

    fn is_match(&self, s: &str) -> Result<bool, String> {
        match self
            .compiled
            .get_or_init(|| regex::Regex::new(&self.source).map_err(|e| e.to_string()))
        {
            Ok(re) => Ok(re.is_match(s)),
            Err(e) => Err(e.clone()),
        }
    }
}

impl PartialEq for Pattern {
    fn eq(&self, other: &Pattern) -> bool {
        self.source == other.source
    }
}

impl Eq for Pattern {}

impl Validation {
    /// Whether nothing is checked.
    pub fn is_empty(&self) -> bool {
        self == &Validation::default()
    }

    /// Checks one scalar value; `name` is the attribute path used in the message.
    pub fn check(&self, name: &str, v: &Value) -> Result<(), String> {
        if v.is_null() {
            return Ok(());
        }
        let wants_string = !self.one_of.is_empty()
            || self.regex.is_some()
            || self.min_length.is_some()
            || self.max_length.is_some();
        if wants_string {
            let Some(s) = v.as_str() else {
                return Err(format!("expected type of {name} to be string"));
            };
            if !self.one_of.is_empty() && !self.one_of.iter().any(|o| o == s) {
                let list: Vec<String> = self.one_of.iter().map(|o| format!("{o:?}")).collect();
                return Err(format!(
                    "expected {name} to be one of [{}], got {s}",
                    list.join(", ")
                ));
            }
            let len = s.chars().count();
            match (self.min_length, self.max_length) {
                (Some(min), Some(max)) if len < min || len > max => {
                    return Err(format!(
                        "expected length of {name} to be in the range ({min} - {max}), got {s}"
                    ));
                }
                (Some(min), None) if len < min => {
                    return Err(format!(
                        "expected length of {name} to be at least ({min}), got {s}"
                    ));
                }
                (None, Some(max)) if len > max => {
                    return Err(format!(
                        "expected length of {name} to be at most ({max}), got {s}"
                    ));
                }
                _ => {}
            }
            if let Some(re) = &self.regex {
                let matched = re
                    .is_match(s)
                    .map_err(|e| format!("invalid regular expression for {name}: {e}"))?;
                if !matched {
                    return Err(format!(
                        "expected value of {name} to match regular expression {:?}, got {s}",
                        re.as_str()
                    ));
                }
            }
        }
        if !self.int_in.is_empty() || self.int_between.is_some() {
            let Some(i) = as_integer(v) else {
                return Err(format!("expected type of {name} to be integer"));
            };
            if !self.int_in.is_empty() && !self.int_in.contains(&i) {
                let list: Vec<String> = self.int_in.iter().map(i64::to_string).collect();
                return Err(format!(
                    "expected {name} to be one of [{}], got {i}",
                    list.join(", ")
                ));
            }
            if let Some((min, max)) = self.int_between
                && (i < min || i > max)
            {
                return Err(format!(
                    "expected {name} to be in the range ({min} - {max}), got {i}"
                ));
            }
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// AttrSchema, BlockSchema, ResourceSchema helpers
// ---------------------------------------------------------------------------------------------

impl AttrSchema {
    /// Checks `validation` against an already-coerced value; messages like the provider's:
    /// `expected isp to be one of ["BGP", "BGP_PRO"], got X`. Elements of a list, set or map are
    /// checked one by one (`security_groups.0`, `tags.Name`).
    pub fn validate(&self, name: &str, v: &Value) -> Result<(), String> {
        let Some(validation) = &self.validation else {
            return Ok(());
        };
        match v {
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    validation.check(&format!("{name}.{i}"), item)?;
                }
                Ok(())
            }
            Value::Object(m) if !matches!(self.ty, AttrType::Object | AttrType::Any) => {
                for (k, item) in m {
                    validation.check(&format!("{name}.{k}"), item)?;
                }
                Ok(())
            }
            _ => validation.check(name, v),
        }
    }

    /// Whether the attribute may be set in configuration (`required || optional`).
    pub fn is_argument(&self) -> bool {
        self.required || self.optional
    }

    /// Whether the attribute is only exported (computed and not settable).
    pub fn is_output_only(&self) -> bool {
        self.computed && !self.is_argument()
    }

    /// Converts a configured value to the attribute's type, then validates it.
    pub fn coerce_and_validate(&self, name: &str, v: &Value) -> Result<Value, String> {
        let c = self
            .ty
            .coerce(v)
            .map_err(|e| format!("Inappropriate value for attribute {name:?}: {e}"))?;
        self.validate(name, &c)?;
        Ok(c)
    }
}

impl BlockSchema {
    /// An attribute of the block.
    pub fn attribute(&self, name: &str) -> Option<&AttrSchema> {
        self.attributes.get(name)
    }

    /// A nested block of the block.
    pub fn block(&self, name: &str) -> Option<&BlockSchema> {
        self.blocks.get(name)
    }
}

impl ResourceSchema {
    /// An attribute by name (aliases such as `name` are attributes of their own).
    pub fn attribute(&self, name: &str) -> Option<&AttrSchema> {
        self.attributes.get(name)
    }

    /// A nested block by name.
    pub fn block(&self, name: &str) -> Option<&BlockSchema> {
        self.blocks.get(name)
    }

    /// Whether this is a resource schema.
    pub fn is_resource(&self) -> bool {
        self.kind == SchemaKind::Resource
    }

    /// Whether this is a data-source schema.
    pub fn is_data(&self) -> bool {
        self.kind == SchemaKind::Data
    }

    /// The attribute a name stands for: the target of a deprecated alias, or the name itself.
    pub fn canonical_name<'a>(&'a self, name: &'a str) -> &'a str {
        self.attributes
            .get(name)
            .and_then(|a| a.alias_of.as_deref())
            .unwrap_or(name)
    }

    /// The deprecated aliases of an attribute (`address_name` -> `["name"]`).
    pub fn aliases_of(&self, target: &str) -> Vec<&str> {
        self.attributes
            .iter()
            .filter(|(_, a)| a.alias_of.as_deref() == Some(target))
            .map(|(n, _)| n.as_str())
            .collect()
    }

    /// Top-level attributes whose change forces a replacement.
    pub fn force_new_attributes(&self) -> Vec<&str> {
        self.attributes
            .iter()
            .filter(|(_, a)| a.force_new)
            .map(|(n, _)| n.as_str())
            .collect()
    }

    /// Attributes that may be set in configuration.
    pub fn arguments(&self) -> impl Iterator<Item = (&str, &AttrSchema)> {
        self.attributes
            .iter()
            .filter(|(_, a)| a.is_argument())
            .map(|(n, a)| (n.as_str(), a))
    }

    /// Attributes that must be set.
    pub fn required_attributes(&self) -> Vec<&str> {
        self.attributes
            .iter()
            .filter(|(_, a)| a.required)
            .map(|(n, _)| n.as_str())
            .collect()
    }

    /// Attributes known only after apply or read (computed, settable or not).
    pub fn computed_attributes(&self) -> Vec<&str> {
        self.attributes
            .iter()
            .filter(|(_, a)| a.computed)
            .map(|(n, _)| n.as_str())
            .collect()
    }

    /// Builds the resource id from attribute values, following `id.format`; `<id>` is looked up
    /// as `"id"`. None when the schema has no id spec or a value is missing.
    pub fn format_id(&self, value_of: impl Fn(&str) -> Option<String>) -> Option<String> {
        let spec = self.id.as_ref()?;
        let mut out = String::new();
        for piece in id_pieces(&spec.format) {
            match piece {
                IdPiece::Literal(l) => out.push_str(l),
                IdPiece::Attr(a) => out.push_str(&value_of(a)?),
            }
        }
        Some(out)
    }

    /// Splits an id into the attributes named by `id.format` (`"eip-1:i-2"` ->
    /// `{allocation_id: eip-1, instance_id: i-2}`). None when the id does not fit the format.
    pub fn parse_id(&self, id: &str) -> Option<IndexMap<String, String>> {
        let spec = self.id.as_ref()?;
        if !id.starts_with(&spec.prefix) {
            return None;
        }
        let pieces = id_pieces(&spec.format);
        let mut out = IndexMap::new();
        let mut rest = id;
        for (i, piece) in pieces.iter().enumerate() {
            match piece {
                IdPiece::Literal(l) => rest = rest.strip_prefix(l)?,
                IdPiece::Attr(a) => {
                    let value = match pieces.get(i + 1) {
                        Some(IdPiece::Literal(next)) => {
                            let end = rest.find(next)?;
                            let (v, r) = rest.split_at(end);
                            rest = r;
                            v
                        }
                        _ => std::mem::take(&mut rest),
                    };
                    if value.is_empty() {
                        return None;
                    }
                    out.insert(a.to_string(), value.to_string());
                }
            }
        }
        rest.is_empty().then_some(out)
    }
}

enum IdPiece<'a> {
    Literal(&'a str),
    Attr(&'a str),
}

/// Splits an id format into literal text and `<attribute>` placeholders.
fn id_pieces(format: &str) -> Vec<IdPiece<'_>> {
    let mut pieces = Vec::new();
    let mut rest = format;
    while !rest.is_empty() {
        match rest.find('<') {
            Some(0) => match rest.find('>') {
                Some(end) => {
                    pieces.push(IdPiece::Attr(&rest[1..end]));
                    rest = &rest[end + 1..];
                }
                None => {
                    pieces.push(IdPiece::Literal(rest));
                    rest = "";
                }
            },
            Some(start) => {
                pieces.push(IdPiece::Literal(&rest[..start]));
                rest = &rest[start..];
            }
            None => {
                pieces.push(IdPiece::Literal(rest));
                rest = "";
            }
        }
    }
    pieces
}

// ---------------------------------------------------------------------------------------------
// JSON side
// ---------------------------------------------------------------------------------------------

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSchema {
    #[serde(rename = "type")]
    type_name: String,
    kind: String,
    #[serde(default)]
    aliases: Vec<String>,
    #[serde(default)]
    description: String,
    #[serde(default)]
    id: Option<RawId>,
    #[serde(default)]
    timeouts: Option<RawTimeouts>,
    #[serde(default)]
    attributes: IndexMap<String, RawAttr>,
    #[serde(default)]
    blocks: IndexMap<String, RawBlock>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawId {
    prefix: String,
    format: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTimeouts {
    create: Option<String>,
    update: Option<String>,
    delete: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAttr {
    #[serde(rename = "type")]
    ty: String,
    #[serde(default)]
    required: bool,
    #[serde(default)]
    optional: bool,
    #[serde(default)]
    computed: bool,
    #[serde(default)]
    force_new: bool,
    #[serde(default)]
    sensitive: bool,
    #[serde(default)]
    default: Option<Value>,
    #[serde(default)]
    description: String,
    #[serde(default)]
    deprecated: Option<String>,
    #[serde(default)]
    conflicts_with: Vec<String>,
    #[serde(default)]
    alias_of: Option<String>,
    #[serde(default)]
    validation: Option<RawValidation>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawValidation {
    #[serde(default)]
    one_of: Vec<String>,
    #[serde(default)]
    int_in: Vec<i64>,
    #[serde(default)]
    int_between: Option<(i64, i64)>,
    #[serde(default)]
    regex: Option<String>,
    #[serde(default)]
    min_length: Option<usize>,
    #[serde(default)]
    max_length: Option<usize>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBlock {
    nesting: String,
    #[serde(default)]
    min_items: usize,
    #[serde(default)]
    max_items: Option<usize>,
    #[serde(default)]
    force_new: bool,
    #[serde(default)]
    attributes: IndexMap<String, RawAttr>,
    #[serde(default)]
    blocks: IndexMap<String, RawBlock>,
}

/// Parses and checks one schema file. `file_name` must be `<type>.json` for a resource and
/// `data.<type>.json` for a data source.
pub fn parse_schema(file_name: &str, json: &str) -> Result<ResourceSchema, SchemaError> {
    let err = |message: String| SchemaError {
        file: file_name.to_string(),
        message,
    };
    let raw: RawSchema = serde_json::from_str(json).map_err(|e| err(e.to_string()))?;
    let kind = match raw.kind.as_str() {
        "resource" => SchemaKind::Resource,
        "data" => SchemaKind::Data,
        other => {
            return Err(err(format!(
                "kind must be \"resource\" or \"data\", got {other:?}"
            )));
        }
    };
    let expected_file = match kind {
        SchemaKind::Resource => format!("{}.json", raw.type_name),
        SchemaKind::Data => format!("data.{}.json", raw.type_name),
    };
    if file_name != expected_file {
        return Err(err(format!(
            "a {kind} of type {} belongs in {expected_file}",
            raw.type_name
        )));
    }
    if raw.aliases.iter().any(|a| a == &raw.type_name) {
        return Err(err("a type cannot be its own alias".into()));
    }
    let attributes = convert_attrs(raw.attributes, kind, "").map_err(err)?;
    let blocks = convert_blocks(raw.blocks, kind, "").map_err(err)?;

    let id = match (raw.id, kind) {
        (Some(id), _) => {
            check_id_format(&id.format, &attributes).map_err(err)?;
            Some(IdSpec {
                prefix: id.prefix,
                format: id.format,
            })
        }
        (None, SchemaKind::Resource) => return Err(err("a resource needs an \"id\" spec".into())),
        (None, SchemaKind::Data) => None,
    };
    let timeouts = match (raw.timeouts, kind) {
        (Some(t), _) => Timeouts {
            create: parse_timeout(t.create.as_deref()).map_err(err)?,
            update: parse_timeout(t.update.as_deref()).map_err(err)?,
            delete: parse_timeout(t.delete.as_deref()).map_err(err)?,
        },
        (None, SchemaKind::Resource) => return Err(err("a resource needs \"timeouts\"".into())),
        (None, SchemaKind::Data) => Timeouts::default(),
    };
    let deprecated_aliases = attributes
        .iter()
        .filter_map(|(name, a)| Some((name.clone(), a.alias_of.clone()?)))
        .collect();
    let mut diffed: Vec<Diffed> = attributes
        .iter()
        .filter(|(_, a)| a.is_argument())
        .map(|(n, a)| (n, a.force_new, a.computed))
        .chain(blocks.iter().map(|(n, b)| (n, b.force_new, false)))
        .enumerate()
        .map(|(position, (name, force_new, computed))| Diffed {
            name: name.clone(),
            force_new,
            computed,
            position,
            alias_of: attributes.get(name).and_then(|a| a.alias_of.clone()),
            aliased_by: attributes
                .iter()
                .filter(|(_, a)| a.alias_of.as_ref() == Some(name))
                .map(|(alias, _)| alias.clone())
                .collect(),
        })
        .collect();
    diffed.sort_by(|a, b| crate::attrs::name_order(&a.name, &b.name));
    Ok(ResourceSchema {
        type_name: raw.type_name,
        kind,
        aliases: raw.aliases,
        description: raw.description,
        id,
        timeouts,
        attributes,
        blocks,
        deprecated_aliases,
        diffed,
    })
}

fn parse_timeout(s: Option<&str>) -> Result<Duration, String> {
    match s {
        None => Ok(DEFAULT_TIMEOUT),
        Some(s) => humantime::parse_duration(s).map_err(|e| format!("invalid timeout {s:?}: {e}")),
    }
}

fn check_id_format(format: &str, attributes: &Named<AttrSchema>) -> Result<(), String> {
    let mut placeholders = 0;
    for piece in id_pieces(format) {
        if let IdPiece::Attr(a) = piece {
            placeholders += 1;
            if a != "id" && !attributes.contains_key(a) {
                return Err(format!(
                    "id format {format:?} names unknown attribute {a:?}"
                ));
            }
        }
    }
    if placeholders == 0 {
        return Err(format!("id format {format:?} names no attribute"));
    }
    Ok(())
}

fn convert_blocks(
    raw: IndexMap<String, RawBlock>,
    kind: SchemaKind,
    path: &str,
) -> Result<Named<BlockSchema>, String> {
    let mut out = Named::default();
    for (name, b) in raw {
        let here = format!("{path}{name}");
        if name == "timeouts" {
            return Err(format!(
                "{here}: timeouts is implicit, give defaults at top level"
            ));
        }
        let nesting = match b.nesting.as_str() {
            "single" => Nesting::Single,
            "list" => Nesting::List,
            "set" => Nesting::Set,
            other => {
                return Err(format!(
                    "{here}: nesting must be single, list or set, got {other:?}"
                ));
            }
        };
        if let Some(max) = b.max_items
            && (max < b.min_items || max == 0)
        {
            return Err(format!(
                "{here}: max_items {max} is below min_items {}",
                b.min_items
            ));
        }
        if b.force_new && kind == SchemaKind::Data {
            return Err(format!("{here}: force_new means nothing on a data source"));
        }
        let prefix = format!("{here}.");
        out.insert(
            name,
            BlockSchema {
                nesting,
                min_items: b.min_items,
                max_items: b.max_items,
                force_new: b.force_new,
                attributes: convert_attrs(b.attributes, kind, &prefix)?,
                blocks: convert_blocks(b.blocks, kind, &prefix)?,
            },
        );
    }
    Ok(out)
}

fn convert_attrs(
    raw: IndexMap<String, RawAttr>,
    kind: SchemaKind,
    path: &str,
) -> Result<Named<AttrSchema>, String> {
    let mut out: Named<AttrSchema> = Named::default();
    for (name, a) in raw {
        let here = format!("{path}{name}");
        if name == "id" && path.is_empty() {
            return Err("id is implicit and must not be listed".into());
        }
        let ty = AttrType::parse(&a.ty).map_err(|e| format!("{here}: {e}"))?;
        if a.required && (a.optional || a.computed) {
            return Err(format!("{here}: required excludes optional and computed"));
        }
        if !a.required && !a.optional && !a.computed {
            return Err(format!("{here}: needs one of required, optional, computed"));
        }
        if a.force_new && !a.required && !a.optional {
            return Err(format!(
                "{here}: force_new on an attribute that cannot be set"
            ));
        }
        if a.force_new && kind == SchemaKind::Data {
            return Err(format!("{here}: force_new means nothing on a data source"));
        }
        let default = match a.default {
            None => None,
            Some(d) => {
                if !a.optional {
                    return Err(format!("{here}: default needs optional"));
                }
                let c = ty.coerce(&d).map_err(|e| format!("{here}: default: {e}"))?;
                if c != d {
                    return Err(format!(
                        "{here}: default must already be a {}",
                        ty.display()
                    ));
                }
                Some(c)
            }
        };
        let validation = match a.validation {
            None => None,
            Some(v) => Some(convert_validation(v, &ty).map_err(|e| format!("{here}: {e}"))?),
        };
        if let Some(msg) = &a.deprecated
            && msg.trim().is_empty()
        {
            return Err(format!("{here}: empty deprecation message"));
        }
        let attr = AttrSchema {
            ty,
            required: a.required,
            optional: a.optional,
            computed: a.computed,
            force_new: a.force_new,
            sensitive: a.sensitive,
            default,
            description: a.description,
            deprecated: a.deprecated,
            conflicts_with: a.conflicts_with,
            alias_of: a.alias_of,
            validation,
        };
        if let Some(d) = &attr.default {
            attr.validate(&here, d)
                .map_err(|e| format!("{here}: default: {e}"))?;
        }
        out.insert(name, attr);
    }
    // Cross-attribute references.
    for (name, a) in &out {
        let here = format!("{path}{name}");
        for c in &a.conflicts_with {
            if c == name || !out.contains_key(c) {
                return Err(format!(
                    "{here}: conflicts_with names {c:?}, not another attribute"
                ));
            }
        }
        if let Some(target) = &a.alias_of {
            let Some(t) = out.get(target).filter(|_| target != name) else {
                return Err(format!(
                    "{here}: alias_of names {target:?}, not another attribute"
                ));
            };
            if t.alias_of.is_some() {
                return Err(format!(
                    "{here}: alias_of {target:?}, which is itself an alias"
                ));
            }
            if t.ty != a.ty {
                return Err(format!(
                    "{here}: alias of {target:?} must have its type {}",
                    t.ty
                ));
            }
            if a.deprecated.is_none() {
                return Err(format!("{here}: an alias must carry a deprecation message"));
            }
            if !a.is_argument() {
                return Err(format!("{here}: an alias must be settable"));
            }
        }
    }
    Ok(out)
}

fn convert_validation(v: RawValidation, ty: &AttrType) -> Result<Validation, String> {
    let scalar = match ty {
        AttrType::List(t) | AttrType::Set(t) | AttrType::Map(t) => t.as_ref(),
        t => t,
    };
    let stringy = !v.one_of.is_empty()
        || v.regex.is_some()
        || v.min_length.is_some()
        || v.max_length.is_some();
    let numeric = !v.int_in.is_empty() || v.int_between.is_some();
    if stringy && *scalar != AttrType::String {
        return Err(format!("string validation on a {} attribute", ty.display()));
    }
    if numeric && *scalar != AttrType::Number {
        return Err(format!(
            "integer validation on a {} attribute",
            ty.display()
        ));
    }
    if let Some((min, max)) = v.int_between
        && min > max
    {
        return Err(format!("int_between [{min}, {max}] is empty"));
    }
    if let (Some(min), Some(max)) = (v.min_length, v.max_length)
        && min > max
    {
        return Err(format!("min_length {min} exceeds max_length {max}"));
    }
    let regex = v.regex.map(Pattern::new).transpose()?;
    let mut seen = BTreeSet::new();
    if let Some(dup) = v.one_of.iter().find(|o| !seen.insert(o.as_str())) {
        return Err(format!("one_of lists {dup:?} twice"));
    }
    let out = Validation {
        one_of: v.one_of,
        int_in: v.int_in,
        int_between: v.int_between,
        regex,
        min_length: v.min_length,
        max_length: v.max_length,
    };
    if out.is_empty() {
        return Err("empty validation".into());
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------

/// The rule and error code behind a schema validation of `attr` (a value outside the allowed
/// set), so that validate names them as the cloud would.
pub fn rule_for_invalid_value(
    schema_type: &str,
    attr: &str,
) -> Option<(&'static str, &'static str)> {
    match (schema_type, attr) {
        ("alicloud_eip_address", "payment_type" | "instance_charge_type") => {
            Some(("A01", "InvalidParameter"))
        }
        ("alicloud_eip_address" | "alicloud_eip_segment_address", "internet_charge_type") => {
            Some(("A02", "InvalidParameter"))
        }
        ("alicloud_eip_address" | "alicloud_eip_segment_address", "isp") => {
            Some(("A06", "IllegalParam.Isp"))
        }
        ("alicloud_eip_address" | "alicloud_eip_segment_address", "netmode") => {
            Some(("A07", "InvalidParameter"))
        }
        ("alicloud_eip_address", "period" | "pricing_cycle") => Some(("A13", "InvalidParameter")),
        ("alicloud_eip_address", "address_name" | "name" | "description") => {
            Some(("A10", "InvalidParameter"))
        }
        ("alicloud_eip_association", "instance_type") => {
            Some(("S01", "InvalidInstanceType.ValueNotSupported"))
        }
        ("alicloud_eip_association", "mode") => Some(("S07", "InvalidParameter")),
        ("alicloud_vpc_public_ip_address_pool_cidr_block", "cidr_mask" | "cidr_block") => {
            Some(("P02", "InvalidParameter"))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_embedded_file_parses() {
        for (file, text) in FILES {
            let s = parse_schema(file, text).unwrap_or_else(|e| panic!("{e}"));
            assert!(!s.description.is_empty(), "{file}: no description");
            for (name, a) in &s.attributes {
                assert!(
                    !a.description.is_empty(),
                    "{file}: {name} has no description"
                );
            }
        }
        assert_eq!(all().count(), FILES.len());
    }

    #[test]
    fn every_file_in_the_schemas_folder_is_embedded() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/schemas");
        let mut on_disk: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".json") && !n.ends_with(".schema.json"))
            .collect();
        on_disk.sort();
        let mut embedded: Vec<String> = FILES.iter().map(|(f, _)| f.to_string()).collect();
        embedded.sort();
        assert_eq!(on_disk, embedded);
    }

    #[test]
    fn aliases_resolve() {
        assert_eq!(
            resource("alicloud_eip").unwrap().type_name,
            "alicloud_eip_address"
        );
        assert_eq!(
            resource("alicloud_eip_address").unwrap().type_name,
            "alicloud_eip_address"
        );
        assert_eq!(
            resource("alicloud_network_interface").unwrap().type_name,
            "alicloud_ecs_network_interface"
        );
        let havip = resource("alicloud_havip").unwrap();
        assert!(std::ptr::eq(
            havip,
            resource("alicloud_vpc_ha_vip").unwrap()
        ));
        assert_eq!(
            data_source("alicloud_eips").unwrap().type_name,
            "alicloud_eip_addresses"
        );
        assert!(resource("alicloud_eips").is_none());
        assert!(data_source("alicloud_eip").is_none());
        assert!(resource("alicloud_nope").is_none());
        assert!(
            lookup(SchemaKind::Data, "alicloud_zones")
                .unwrap()
                .is_data()
        );
    }

    #[test]
    fn type_lists_are_sorted_and_include_aliases() {
        let r = resource_types();
        assert!(r.windows(2).all(|w| w[0] < w[1]));
        for t in [
            "alicloud_eip",
            "alicloud_eip_address",
            "alicloud_havip",
            "alicloud_vpc_ha_vip",
            "alicloud_network_interface",
            "alicloud_ecs_network_interface",
            "alicloud_instance",
            "alicloud_kms_key",
        ] {
            assert!(r.contains(&t), "{t}");
        }
        let d = data_source_types();
        assert!(d.windows(2).all(|w| w[0] < w[1]));
        assert!(d.contains(&"alicloud_eips") && d.contains(&"alicloud_zones"));
        for s in all().filter(|s| s.is_data()) {
            assert!(
                s.attribute("output_file").is_some_and(|a| a.optional),
                "{}",
                s.type_name
            );
        }
    }

    #[test]
    fn eip_force_new_set() {
        let eip = resource("alicloud_eip_address").unwrap();
        let mut got = eip.force_new_attributes();
        got.sort_unstable();
        let mut want = vec![
            "allocation_id",
            "high_definition_monitor_log_status",
            "internet_charge_type",
            "ip_address",
            "isp",
            "netmode",
            "payment_type",
            "instance_charge_type",
            "public_ip_address_pool_id",
            "security_protection_types",
            "zone",
        ];
        want.sort_unstable();
        assert_eq!(got, want);
        assert!(eip.attributes.values().all(|a| a.default.is_none()));
        assert_eq!(eip.attribute("bandwidth").unwrap().ty, AttrType::String);
    }

    #[test]
    fn deprecated_aliases() {
        let eip = resource("alicloud_eip").unwrap();
        assert_eq!(eip.canonical_name("name"), "address_name");
        assert_eq!(eip.canonical_name("instance_charge_type"), "payment_type");
        assert_eq!(eip.canonical_name("bandwidth"), "bandwidth");
        assert_eq!(eip.aliases_of("address_name"), vec!["name"]);
        // The diff finds an unset argument's stand-in without looking it up.
        let diffed = |name: &str| eip.diffed.iter().find(|d| d.name == name).unwrap();
        assert_eq!(diffed("address_name").aliased_by, ["name"]);
        assert_eq!(diffed("address_name").alias_of, None);
        assert_eq!(diffed("name").alias_of.as_deref(), Some("address_name"));
        assert!(diffed("name").aliased_by.is_empty());
        assert!(
            diffed("bandwidth").alias_of.is_none() && diffed("bandwidth").aliased_by.is_empty()
        );
        assert!(eip.attribute("name").unwrap().deprecated.is_some());
        assert_eq!(
            eip.attribute("name").unwrap().conflicts_with,
            vec!["address_name"]
        );
        let eni = resource("alicloud_network_interface").unwrap();
        for (alias, target) in [
            ("private_ip", "primary_ip_address"),
            ("private_ips", "private_ip_addresses"),
            ("private_ips_count", "secondary_private_ip_address_count"),
            ("security_groups", "security_group_ids"),
            ("name", "network_interface_name"),
        ] {
            assert_eq!(eni.canonical_name(alias), target);
        }
        assert_eq!(
            resource("alicloud_havip")
                .unwrap()
                .canonical_name("havip_name"),
            "ha_vip_name"
        );
        assert_eq!(
            resource("alicloud_vswitch").unwrap().canonical_name("name"),
            "vswitch_name"
        );
        assert_eq!(
            resource("alicloud_vpc").unwrap().canonical_name("name"),
            "vpc_name"
        );
        assert_eq!(
            resource("alicloud_security_group")
                .unwrap()
                .canonical_name("name"),
            "security_group_name"
        );
    }

    #[test]
    fn timeouts_and_ids() {
        let eip = resource("alicloud_eip").unwrap();
        assert_eq!(eip.timeouts.create, Duration::from_secs(9 * 60));
        assert_eq!(eip.timeouts.delete, Duration::from_secs(9 * 60));
        let ecs = resource("alicloud_instance").unwrap();
        assert_eq!(ecs.timeouts.delete, Duration::from_secs(20 * 60));
        assert_eq!(
            resource("alicloud_eip_association")
                .unwrap()
                .timeouts
                .update,
            Duration::from_secs(300)
        );
        assert_eq!(
            data_source("alicloud_zones").unwrap().timeouts,
            Timeouts::default()
        );

        let assoc = resource("alicloud_eip_association").unwrap();
        let id = assoc
            .format_id(|a| match a {
                "allocation_id" => Some("eip-abc".into()),
                "instance_id" => Some("i-xyz".into()),
                _ => None,
            })
            .unwrap();
        assert_eq!(id, "eip-abc:i-xyz");
        let parts = assoc.parse_id("eip-abc:192.168.0.1").unwrap();
        assert_eq!(parts["allocation_id"], "eip-abc");
        assert_eq!(parts["instance_id"], "192.168.0.1");
        assert!(assoc.parse_id("eip-abc").is_none());
        assert!(assoc.parse_id("lb-abc:i-1").is_none());

        let cidr = resource("alicloud_vpc_public_ip_address_pool_cidr_block").unwrap();
        let parts = cidr.parse_id("pippool-1:47.118.126.0/25").unwrap();
        assert_eq!(parts["cidr_block"], "47.118.126.0/25");
        assert_eq!(eip.parse_id("eip-123").unwrap()["allocation_id"], "eip-123");
        assert_eq!(
            resource("alicloud_vpc").unwrap().parse_id("vpc-1").unwrap()["id"],
            "vpc-1"
        );
        assert!(assoc.format_id(|_| None).is_none());
    }

    #[test]
    fn type_grammar() {
        for s in [
            "string",
            "number",
            "bool",
            "object",
            "any",
            "list(string)",
            "set(number)",
            "map(string)",
            "list(object)",
            "list(map(string))",
        ] {
            assert_eq!(AttrType::parse(s).unwrap().display(), s);
        }
        assert_eq!(
            AttrType::parse("list(string)").unwrap().to_string(),
            "list(string)"
        );
        assert!(AttrType::parse("list(string").is_err());
        assert!(AttrType::parse("tuple").is_err());
        assert!(AttrType::parse("int").is_err());
    }

    #[test]
    fn coercion() {
        let n = AttrType::Number;
        assert_eq!(n.coerce(&json!("10")).unwrap(), json!(10));
        assert_eq!(n.coerce(&json!("-3")).unwrap(), json!(-3));
        assert_eq!(n.coerce(&json!("1.5")).unwrap(), json!(1.5));
        assert_eq!(n.coerce(&json!("1e3")).unwrap(), json!(1000));
        assert_eq!(n.coerce(&json!(7)).unwrap(), json!(7));
        assert_eq!(
            n.coerce(&json!("abc")).unwrap_err(),
            r#"a number is required, got "abc""#
        );
        assert!(n.coerce(&json!("")).is_err());
        assert!(n.coerce(&json!("inf")).is_err());
        assert!(n.coerce(&json!("NaN")).is_err());
        assert_eq!(
            n.coerce(&json!(true)).unwrap_err(),
            "a number is required, got true"
        );
        assert_eq!(n.coerce(&Value::Null).unwrap(), Value::Null);

        let b = AttrType::Bool;
        assert_eq!(b.coerce(&json!("true")).unwrap(), json!(true));
        assert_eq!(b.coerce(&json!("false")).unwrap(), json!(false));
        assert_eq!(b.coerce(&json!(false)).unwrap(), json!(false));
        assert_eq!(
            b.coerce(&json!("yes")).unwrap_err(),
            r#"a bool is required, got "yes""#
        );
        assert!(b.coerce(&json!(1)).is_err());

        let s = AttrType::String;
        assert_eq!(s.coerce(&json!(10)).unwrap(), json!("10"));
        assert_eq!(s.coerce(&json!(1.5)).unwrap(), json!("1.5"));
        assert_eq!(s.coerce(&json!(true)).unwrap(), json!("true"));
        assert_eq!(s.coerce(&json!("x")).unwrap(), json!("x"));
        assert_eq!(
            s.coerce(&json!(["x"])).unwrap_err(),
            "a string is required, got a list"
        );

        let l = AttrType::List(Box::new(AttrType::Number));
        assert_eq!(l.coerce(&json!(["1", 2])).unwrap(), json!([1, 2]));
        assert_eq!(
            l.coerce(&json!(["1", "x"])).unwrap_err(),
            r#"element 1: a number is required, got "x""#
        );
        assert_eq!(
            l.coerce(&json!("1")).unwrap_err(),
            r#"a list is required, got "1""#
        );

        let set = AttrType::Set(Box::new(AttrType::String));
        assert_eq!(
            set.coerce(&json!(["b", "a", "b", 1, "1"])).unwrap(),
            json!(["b", "a", "1"])
        );

        let m = AttrType::Map(Box::new(AttrType::String));
        assert_eq!(
            m.coerce(&json!({"A": 1, "B": true})).unwrap(),
            json!({"A": "1", "B": "true"})
        );
        assert!(
            m.coerce(&json!({"A": [1]}))
                .unwrap_err()
                .starts_with("element \"A\"")
        );

        let lo = AttrType::parse("list(object)").unwrap();
        assert_eq!(
            lo.coerce(&json!([{"id": "z"}])).unwrap(),
            json!([{"id": "z"}])
        );
        assert!(lo.coerce(&json!(["z"])).is_err());
        assert_eq!(
            AttrType::Any.coerce(&json!({"x": [1]})).unwrap(),
            json!({"x": [1]})
        );
    }

    #[test]
    fn validation_messages() {
        let eip = resource("alicloud_eip_address").unwrap();
        let isp = eip.attribute("isp").unwrap();
        assert!(isp.validate("isp", &json!("BGP")).is_ok());
        let e = isp.validate("isp", &json!("bgp")).unwrap_err();
        assert!(
            e.starts_with(r#"expected isp to be one of ["BGP", "BGP_PRO", "#),
            "{e}"
        );
        assert!(e.ends_with("], got bgp"), "{e}");

        let ict = eip.attribute("internet_charge_type").unwrap();
        assert_eq!(
            ict.validate("internet_charge_type", &json!("PayByDominantTraffic"))
                .unwrap_err(),
            r#"expected internet_charge_type to be one of ["PayByBandwidth", "PayByTraffic"], got PayByDominantTraffic"#
        );

        let period = eip.attribute("period").unwrap();
        assert!(period.validate("period", &json!(12)).is_ok());
        assert_eq!(
            period.validate("period", &json!(10)).unwrap_err(),
            "expected period to be one of [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 24, 36], got 10"
        );
        assert_eq!(
            period.validate("period", &json!("12")).unwrap_err(),
            "expected type of period to be integer"
        );
        assert_eq!(
            period.coerce_and_validate("period", &json!("12")).unwrap(),
            json!(12)
        );
        assert!(
            period
                .coerce_and_validate("period", &json!("x"))
                .unwrap_err()
                .contains("a number is required")
        );
        assert!(period.validate("period", &Value::Null).is_ok());

        let eni = resource("alicloud_ecs_network_interface").unwrap();
        let count = eni.attribute("ipv6_address_count").unwrap();
        assert_eq!(
            count
                .validate("ipv6_address_count", &json!(11))
                .unwrap_err(),
            "expected ipv6_address_count to be in the range (1 - 10), got 11"
        );

        let havip = resource("alicloud_havip").unwrap();
        let d = havip.attribute("description").unwrap();
        assert!(d.validate("description", &json!("ok")).is_ok());
        assert!(
            d.validate("description", &json!("x"))
                .unwrap_err()
                .contains("regular expression")
        );

        let v = Validation {
            min_length: Some(2),
            max_length: Some(4),
            ..Validation::default()
        };
        assert_eq!(
            v.check("name", &json!("abcde")).unwrap_err(),
            "expected length of name to be in the range (2 - 4), got abcde"
        );
        let elems = AttrSchema {
            ty: AttrType::List(Box::new(AttrType::String)),
            required: false,
            optional: true,
            computed: false,
            force_new: false,
            sensitive: false,
            default: None,
            description: String::new(),
            deprecated: None,
            conflicts_with: vec![],
            alias_of: None,
            validation: Some(Validation {
                one_of: vec!["a".into()],
                ..Validation::default()
            }),
        };
        assert_eq!(
            elems.validate("xs", &json!(["a", "b"])).unwrap_err(),
            r#"expected xs.1 to be one of ["a"], got b"#
        );
    }

    #[test]
    fn a_validation_pattern_is_checked_at_load_and_compiled_once() {
        assert!(
            Pattern::new("^(unclosed$".into())
                .unwrap_err()
                .contains("invalid regex")
        );
        let p = Pattern::new("^.{2,4}$".into()).unwrap();
        let copy = p.clone();
        assert_eq!(p.is_match("abc"), Ok(true));
        assert_eq!(
            copy.is_match("a"),
            Ok(false),
            "copies share the compiled expression"
        );
        assert!(Arc::ptr_eq(&p.compiled, &copy.compiled));
        assert!(p.compiled.get().is_some());
    }

    #[test]
    fn defaults_only_where_the_provider_has_them() {
        let ds = data_source("alicloud_eips").unwrap();
        assert_eq!(
            ds.attribute("enable_details").unwrap().default,
            Some(json!(true))
        );
        for s in all().filter(|s| {
            s.type_name.starts_with("alicloud_eip")
                || s.type_name.starts_with("alicloud_vpc_public")
        }) {
            if s.is_resource() {
                assert!(
                    s.attributes.values().all(|a| a.default.is_none()),
                    "{}",
                    s.type_name
                );
            }
        }
    }

    #[test]
    fn segment_exports_members() {
        let seg = resource("alicloud_eip_segment_address").unwrap();
        assert_eq!(
            seg.attribute("segment_address").unwrap().ty,
            AttrType::String
        );
        assert_eq!(seg.attribute("ip_count").unwrap().ty, AttrType::Number);
        let eips = seg.attribute("eips").unwrap();
        assert!(eips.is_output_only());
        assert_eq!(eips.ty.display(), "list(object)");
        assert_eq!(seg.required_attributes(), vec!["eip_mask"]);
        assert!(!seg.attribute("eip_mask").unwrap().force_new);
    }

    #[test]
    fn bad_files_are_rejected() {
        let ok = r#"{"type":"t","kind":"resource","id":{"prefix":"x-","format":"<id>"},"timeouts":{"create":"1m"},"attributes":{"a":{"type":"string","optional":true}}}"#;
        let s = parse_schema("t.json", ok).unwrap();
        assert_eq!(s.timeouts.create, Duration::from_secs(60));
        assert_eq!(s.timeouts.update, DEFAULT_TIMEOUT);
        assert!(parse_schema("data.t.json", ok).is_err());
        for bad in [
            ok.replace("\"optional\":true", "\"required\":true,\"optional\":true"),
            ok.replace("\"optional\":true", "\"optional\":true,\"bogus\":1"),
            ok.replace("\"optional\":true", "\"optional\":true,\"alias_of\":\"b\""),
            ok.replace(
                "\"optional\":true",
                "\"optional\":true,\"conflicts_with\":[\"a\"]",
            ),
            ok.replace(
                "\"optional\":true",
                "\"optional\":true,\"validation\":{\"int_in\":[1]}",
            ),
            ok.replace("\"optional\":true", "\"optional\":true,\"default\":1"),
            ok.replace("\"optional\":true", "\"computed\":true,\"force_new\":true"),
            ok.replace("<id>", "<nope>"),
            ok.replace("\"string\"", "\"strin\""),
            ok.replace("1m", "soon"),
        ] {
            assert!(parse_schema("t.json", &bad).is_err(), "{bad}");
        }
    }
}
