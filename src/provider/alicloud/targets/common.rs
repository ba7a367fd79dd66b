//! Helpers the target types share: reading arguments of either a primary or a deprecated name,
//! building request parameters, tags and resource groups, batched reads, and [`Out`], which
//! assembles the attributes a resource returns so that every schema attribute is present.

use foldhash::{HashMap, HashMapExt};

use serde_json::{Map, Value, json};

use crate::attrs::{Fields, Key, name_order, sort_entries};
use crate::cloud::{CloudError, Params};
use crate::provider::alicloud::Api;
use crate::provider::{Attrs, OpContext, ProviderError, ReadItem};

/// The first of `keys` that `c` holds with a non-null value.
pub fn val<'a>(c: &'a impl Fields, keys: &[&str]) -> Option<&'a Value> {
    keys.iter()
        .find_map(|k| c.field(k).filter(|v| !v.is_null()))
}

/// A string argument (numbers and bools are written out).
pub fn s(c: &impl Fields, keys: &[&str]) -> Option<String> {
    match val(c, keys)? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// A non-empty string argument.
pub fn ne(c: &impl Fields, keys: &[&str]) -> Option<String> {
    s(c, keys).filter(|v| !v.is_empty())
}

/// An integer argument (numbers written as strings are accepted).
pub fn n(c: &impl Fields, keys: &[&str]) -> Option<i64> {
    match val(c, keys)? {
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
        Value::String(s) => s.trim().parse::<f64>().ok().map(|f| f as i64),
        _ => None,
    }
}

/// A float argument (numbers written as strings are accepted).
pub fn f(c: &impl Fields, keys: &[&str]) -> Option<f64> {
    match val(c, keys)? {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse::<f64>().ok(),
        _ => None,
    }
}

/// A boolean argument (`"true"`/`"false"` accepted).
pub fn b(c: &impl Fields, keys: &[&str]) -> Option<bool> {
    match val(c, keys)? {
        Value::Bool(b) => Some(*b),
        Value::String(s) => s.trim().parse::<bool>().ok(),
        _ => None,
    }
}

/// A list or set of strings.
pub fn list(c: &impl Fields, keys: &[&str]) -> Option<Vec<String>> {
    match val(c, keys)? {
        Value::Array(a) => Some(
            a.iter()
                .filter_map(|v| match v {
                    Value::String(s) => Some(s.clone()),
                    Value::Number(n) => Some(n.to_string()),
                    _ => None,
                })
                .collect(),
        ),
        _ => None,
    }
}

/// A map of strings.
pub fn map(c: &impl Fields, key: &str) -> Option<Map<String, Value>> {
    c.field(key).and_then(Value::as_object).cloned()
}

/// A string field of an API answer ("" when missing; numbers and bools written out).
pub fn js(v: &Value, key: &str) -> String {
    match v.get(key) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::Bool(b)) => b.to_string(),
        _ => String::new(),
    }
}

/// An integer field of an API answer (strings holding numbers accepted).
pub fn ji(v: &Value, key: &str) -> i64 {
    match v.get(key) {
        Some(Value::Number(n)) => n
            .as_i64()
            .unwrap_or_else(|| n.as_f64().unwrap_or(0.0) as i64),
        Some(Value::String(s)) => s.parse().unwrap_or(0),
        _ => 0,
    }
}

/// A boolean field of an API answer (`"true"`, `"on"` accepted).
pub fn jb(v: &Value, key: &str) -> bool {
    match v.get(key) {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => matches!(s.as_str(), "true" | "on" | "Enabled"),
        _ => false,
    }
}

/// The strings of `v[outer][inner]` (Alibaba's wrapped lists), or of `v[outer]` if it is a list.
pub fn jlist(v: &Value, outer: &str, inner: &str) -> Vec<String> {
    let node = v.get(outer);
    let arr = node
        .and_then(|n| n.get(inner))
        .or(node)
        .and_then(Value::as_array);
    arr.map(|a| {
        a.iter()
            .filter_map(|x| x.as_str().map(str::to_string))
            .collect()
    })
    .unwrap_or_default()
}

/// The tags of an API answer (`Tags.Tag[]` with `Key`/`Value` or `TagKey`/`TagValue`).
pub fn jtags(v: &Value) -> Value {
    let mut out = Map::new();
    let tags = v
        .get("Tags")
        .and_then(|t| t.get("Tag").or(Some(t)))
        .and_then(Value::as_array);
    for t in tags.into_iter().flatten() {
        let key = t
            .get("TagKey")
            .or_else(|| t.get("Key"))
            .and_then(Value::as_str);
        let value = t
            .get("TagValue")
            .or_else(|| t.get("Value"))
            .and_then(Value::as_str)
            .unwrap_or("");
        if let Some(k) = key {
            out.insert(k.to_string(), json!(value));
        }
    }
    Value::Object(out)
}

/// Adds `Tag.N.Key` / `Tag.N.Value` for the config's `tags`.
pub fn put_tags(p: &mut Params, c: &Attrs) {
    if let Some(tags) = map(c, "tags") {
        for (i, (k, v)) in tags.iter().enumerate() {
            p.insert(format!("Tag.{}.Key", i + 1), k.clone());
            p.insert(
                format!("Tag.{}.Value", i + 1),
                v.as_str()
                    .map(str::to_string)
                    .unwrap_or_else(|| v.to_string()),
            );
        }
    }
}

/// The config's `tags` as an API answer's `{"Tag": [{"Key", "Value"}]}` (values as `put_tags`
/// sends them).
pub fn tag_items(c: &Attrs) -> Value {
    let tags: Vec<Value> = map(c, "tags")
        .unwrap_or_default()
        .iter()
        .map(|(k, v)| {
            let v = v
                .as_str()
                .map(str::to_string)
                .unwrap_or_else(|| v.to_string());
            json!({"Key": k, "Value": v})
        })
        .collect();
    json!({ "Tag": tags })
}

/// An IPv4 CIDR block as the cloud writes it back (`10.0.0.0/16`); unchanged if it does not
/// parse (the create call then fails anyway).
pub fn canonical_cidr(cidr: &str) -> String {
    cidr.trim()
        .parse::<ipnet::Ipv4Net>()
        .map_or_else(|_| cidr.to_string(), |n| n.to_string())
}

pub use crate::provider::alicloud::api::attrs::defer;

/// Puts `value` under `name` when it is set.
pub fn put(p: &mut Params, name: &str, value: Option<impl ToString>) {
    if let Some(v) = value {
        p.insert(name.to_string(), v.to_string());
    }
}

/// Puts a list as `Name.1`, `Name.2`, ...
pub fn put_list(p: &mut Params, name: &str, values: &[String]) {
    for (i, v) in values.iter().enumerate() {
        p.insert(format!("{name}.{}", i + 1), v.clone());
    }
}

pub fn params(pairs: &[(&str, &str)]) -> Params {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// Whether the error says the object does not exist.
pub fn is_not_found(e: &ProviderError) -> bool {
    matches!(e, ProviderError::Cloud(CloudError { code, http_status, .. })
        if *http_status == 404 || code.contains("NotFound") || code.contains("NotExist"))
}

/// Calls a delete action; an object that is already gone counts as deleted.
pub fn delete(
    api: &Api,
    ctx: &OpContext,
    action: &str,
    p: Params,
) -> Result<crate::provider::Deleted, ProviderError> {
    match api.call(ctx, action, p) {
        Ok(_) => Ok(crate::provider::Deleted::Released),
        Err(e) if is_not_found(&e) => Ok(crate::provider::Deleted::Released),
        Err(e) => Err(e),
    }
}

/// Brings tags from `old` to `new` with `TagResources` / `untag_action` (`UnTagResources` for the
/// VPC API, `UntagResources` for ECS and CLB).
pub fn update_tags(
    api: &Api,
    ctx: &OpContext,
    id: &str,
    resource_type: &str,
    untag_action: &str,
    old: &Attrs,
    new: &Attrs,
) -> Result<(), ProviderError> {
    let old = map(old, "tags").unwrap_or_default();
    let new = map(new, "tags").unwrap_or_default();
    let removed: Vec<String> = old
        .keys()
        .filter(|k| !new.contains_key(*k))
        .cloned()
        .collect();
    if !removed.is_empty() {
        let mut p = params(&[("ResourceId.1", id), ("ResourceType", resource_type)]);
        put_list(&mut p, "TagKey", &removed);
        api.call(ctx, untag_action, p)?;
    }
    let changed: Map<String, Value> = new
        .into_iter()
        .filter(|(k, v)| old.get(k) != Some(v))
        .collect();
    if !changed.is_empty() {
        let mut p = params(&[("ResourceId.1", id), ("ResourceType", resource_type)]);
        put_tags(
            &mut p,
            &Attrs::from_iter([("tags", Value::Object(changed))]),
        );
        api.call(ctx, "TagResources", p)?;
    }
    Ok(())
}

/// Moves `id` to the config's `resource_group_id` (VPC `MoveResourceGroup`).
pub fn move_resource_group(
    api: &Api,
    ctx: &OpContext,
    id: &str,
    resource_type: &str,
    c: &Attrs,
) -> Result<(), ProviderError> {
    if let Some(group) = ne(c, &["resource_group_id"]) {
        let p = params(&[
            ("ResourceId", id),
            ("NewResourceGroupId", &group),
            ("ResourceType", resource_type),
        ]);
        api.call(ctx, "MoveResourceGroup", p)?;
    }
    Ok(())
}

/// Reads `items` in chunks of `chunk` ids: `fetch` answers the API items of one chunk by id, and
/// `to_attrs` turns an item and the prior attributes into the resource's attributes.
pub fn read_batched(
    items: &[ReadItem],
    chunk: usize,
    mut fetch: impl FnMut(&[String]) -> Result<HashMap<String, Value>, ProviderError>,
    to_attrs: impl Fn(&Value, &Attrs) -> Result<Attrs, ProviderError>,
) -> Result<Vec<Option<Attrs>>, ProviderError> {
    let mut out = Vec::with_capacity(items.len());
    for batch in items.chunks(chunk.max(1)) {
        let ids: Vec<String> = batch.iter().map(|(id, _)| id.clone()).collect();
        let found = fetch(&ids)?;
        for (id, prior) in batch {
            out.push(match found.get(id) {
                Some(item) => Some(to_attrs(item, prior)?),
                None => None,
            });
        }
    }
    Ok(out)
}

/// The items of `answer[outer][inner]`, by their `id_key`.
pub fn by_id(mut answer: Value, outer: &str, inner: &str, id_key: &str) -> HashMap<String, Value> {
    let Some(list) = answer.get_mut(outer) else {
        return HashMap::new();
    };
    let list = if list.get(inner).is_some() {
        &mut list[inner]
    } else {
        list
    };
    match list.take() {
        Value::Array(items) => items.into_iter().map(|i| (js(&i, id_key), i)).collect(),
        _ => HashMap::new(),
    }
}

/// Whether `v` is a zero value ("" / false / 0 / empty list or map / null).
fn is_zero(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        Value::Bool(b) => !b,
        Value::Number(n) => n.as_f64() == Some(0.0),
        Value::Array(a) => a.is_empty(),
        Value::Object(m) => m.is_empty(),
    }
}

/// The attributes a resource or data source returns. `src` is what the caller knows (the config
/// on create/update, the prior attributes on read): arguments the cloud never reports are echoed
/// from it. The entries are collected and the map built once, in [`Out::finish`] (see
/// `plan::diff::planned_create`).
pub struct Out<'a> {
    entries: Vec<(Key, Value)>,
    src: &'a Attrs,
}

impl<'a> Out<'a> {
    pub fn new(id: &str, src: &'a Attrs) -> Out<'a> {
        let mut entries = Vec::with_capacity(64);
        entries.push((Key::from("id"), json!(id)));
        Out { entries, src }
    }

    /// A value the cloud reports (computed, or optional+computed).
    pub fn set(&mut self, key: &str, v: impl Into<Value>) -> &mut Self {
        self.entries.push((key.into(), v.into()));
        self
    }

    /// An optional, non-computed argument the cloud reports: its zero value stays null unless
    /// the caller set the argument.
    pub fn opt(&mut self, key: &str, v: impl Into<Value>) -> &mut Self {
        let v = v.into();
        let set = self.src.get(key).is_some_and(|x| !x.is_null());
        self.entries.push((
            key.into(),
            if !set && is_zero(&v) { Value::Null } else { v },
        ));
        self
    }

    /// The caller's value of `key`, or `default` when it has none.
    pub fn echo_or(&mut self, key: &str, default: impl Into<Value>) -> &mut Self {
        let v = self
            .src
            .get(key)
            .filter(|v| !v.is_null())
            .cloned()
            .unwrap_or_else(|| default.into());
        self.entries.push((key.into(), v));
        self
    }

    /// The argument as the caller set it (or null): arguments the cloud never reports.
    pub fn echo(&mut self, key: &str) -> &mut Self {
        self.echo_or(key, Value::Null)
    }

    pub fn src(&self) -> &Attrs {
        self.src
    }

    /// Completes the attributes from the schema of `type_name`: each deprecated alias mirrors
    /// its target unless set explicitly, and every other attribute or block the code did not set
    /// is echoed from the caller (or null), so the answer holds every schema attribute.
    pub fn finish(self, type_name: &str, data: bool) -> Attrs {
        let Out { mut entries, src } = self;
        // Kept as a sorted list, not an `Attrs`: the object is built once, below.
        sort_entries(&mut entries);
        let set = entries;
        let schema = if data {
            crate::schema::data_source(type_name)
        } else {
            crate::schema::resource(type_name)
        };
        let Some(schema) = schema else {
            return set.into_iter().collect();
        };
        let find = |key: &str| set.binary_search_by(|(k, _)| name_order(k, key));
        let mut added: Vec<(Key, Value)> = Vec::new();
        let get = |added: &[(Key, Value)], key: &str| -> Option<Value> {
            match find(key) {
                Ok(i) => Some(set[i].1.clone()),
                Err(_) => added.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone()),
            }
        };
        let has = |key: &str| find(key).is_ok();
        for (name, attr) in &schema.attributes {
            if has(name) {
                continue;
            }
            let v = match attr.alias_of.as_ref().and_then(|t| get(&added, t)) {
                Some(target) => target,
                None => src
                    .get(name)
                    .cloned()
                    .or_else(|| attr.default.clone())
                    .unwrap_or(Value::Null),
            };
            added.push((Key::from(name.as_str()), v));
        }
        for name in schema.blocks.keys() {
            if !has(name) && !added.iter().any(|(k, _)| k == name) {
                added.push((
                    Key::from(name.as_str()),
                    src.get(name).cloned().unwrap_or(Value::Null),
                ));
            }
        }
        // Both lists are sorted and share no name: merged, the object is built without sorting
        // every entry again (a sort of ~80 entries per answer showed in refresh).
        added.sort_by(|a, b| name_order(&a.0, &b.0));
        let mut merged = Vec::with_capacity(set.len() + added.len());
        let (mut set, mut added) = (set.into_iter().peekable(), added.into_iter().peekable());
        while let (Some(s), Some(a)) = (set.peek(), added.peek()) {
            let next = if name_order(&s.0, &a.0).is_lt() {
                set.next()
            } else {
                added.next()
            };
            merged.extend(next);
        }
        merged.extend(set.chain(added));
        merged.into_iter().collect()
    }
}

/// Whether `changed` names any of `keys`.
pub fn any(changed: &[String], keys: &[&str]) -> bool {
    changed.iter().any(|c| keys.contains(&c.as_str()))
}

/// `PayAsYouGo`/`Subscription` (or the raw `PostPaid`/`PrePaid`) as the API's charge type.
pub fn charge_type(v: &str) -> &str {
    match v {
        "PayAsYouGo" => "PostPaid",
        "Subscription" => "PrePaid",
        other => other,
    }
}

/// The API's `PostPaid`/`PrePaid` as `payment_type`.
pub fn payment_type(v: &str) -> &str {
    match v {
        "PostPaid" => "PayAsYouGo",
        "PrePaid" => "Subscription",
        other => other,
    }
}

/// A data source's id: a stable hash of the ids it found (as the alicloud provider does).
pub fn data_id(ids: &[String]) -> String {
    let h = ids
        .iter()
        .flat_map(|s| s.bytes().chain(std::iter::once(0)))
        .fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
        });
    (h % 4_294_967_296).to_string()
}

/// Keeps the names matching the config's `name_regex` (an invalid regex is an error).
pub fn name_filter(config: &Attrs) -> Result<Option<regex::Regex>, ProviderError> {
    match ne(config, &["name_regex"]) {
        None => Ok(None),
        Some(r) => regex::Regex::new(&r).map(Some).map_err(|e| {
            ProviderError::Invalid(format!(
                "name_regex {r:?} is not a valid regular expression: {e}"
            ))
        }),
    }
}

/// Every item of a paged describe: calls `action` with `PageNumber` 1, 2, ... until all
/// `TotalCount` items are in.
pub fn all_pages(
    api: &Api,
    ctx: &OpContext,
    action: &str,
    base: Params,
    page_size: usize,
    outer: &str,
    inner: &str,
) -> Result<Vec<Value>, ProviderError> {
    let mut out = Vec::new();
    for page in 1.. {
        let mut p = base.clone();
        p.insert("PageNumber".into(), page.to_string());
        p.insert("PageSize".into(), page_size.to_string());
        let answer = api.call(ctx, action, p)?;
        let items = answer
            .get(outer)
            .and_then(|o| o.get(inner).or(Some(o)))
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let total = ji(&answer, "TotalCount") as usize;
        let n = items.len();
        out.extend(items);
        if n == 0 || out.len() >= total {
            break;
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn finish_keeps_the_last_value_set_and_completes_the_schema_in_order() {
        let src: Attrs = [("description", json!("from the caller"))]
            .into_iter()
            .collect();
        let mut o = Out::new("vpc-1", &src);
        o.set("vpc_name", "first")
            .set("status", "Pending")
            .set("cidr_block", "10.0.0.0/16")
            .set("vpc_name", "second")
            .set("status", "Available");
        let a = o.finish("alicloud_vpc", false);
        assert_eq!(
            a["vpc_name"],
            json!("second"),
            "a key set twice keeps its last value"
        );
        assert_eq!(a["status"], json!("Available"));
        assert_eq!(
            a["name"],
            json!("second"),
            "a deprecated alias mirrors its target"
        );
        assert_eq!(
            a["description"],
            json!("from the caller"),
            "unset attributes are echoed"
        );
        assert_eq!(a["router_id"], json!(null));
        assert_eq!(a["id"], json!("vpc-1"));
        let schema = crate::schema::resource("alicloud_vpc").unwrap();
        assert_eq!(a.len(), 1 + schema.attributes.len() + schema.blocks.len());
        let names: Vec<&str> = a.keys().map(|k| k.as_str()).collect();
        let mut sorted = names.clone();
        sorted.sort();
        assert_eq!(names, sorted);
    }
}
