//! Helpers shared by the target families: request ids, region checks, paging, id lists, tags,
//! lookups by attribute, `ClientToken` idempotency, and the clock used for creation times.

use foldhash::{HashSet, HashSetExt};

use serde_json::{Map, Value, json};

use crate::cloud::sim::store::kind_literal;
use crate::cloud::sim::{Ctx, Obj, clock, regions};
use crate::cloud::{CloudError, Params, optional, required};

/// The position of `region` in the simulated cloud's region list.
pub fn region_index(region: &str) -> Option<usize> {
    regions::find(region).map(|(i, _)| i)
}

/// The English name of `region` ("China (Hangzhou)").
pub fn region_name(region: &str) -> &'static str {
    regions::find(region).map(|(_, r)| r.name).unwrap_or("")
}

/// The request's `RegionId`, which must name a known region (rule A05, checked by
/// [`regions::check`]).
pub fn region(params: &Params) -> Result<String, CloudError> {
    let region = required(params, "RegionId")?;
    regions::check(region)?;
    Ok(region.to_string())
}

pub use crate::cloud::sim::eip::request_id;

/// Adds `RequestId` to a response object.
pub fn ok(mut v: Value) -> Value {
    if let Value::Object(m) = &mut v {
        m.insert("RequestId".into(), Value::String(request_id()));
    }
    v
}

/// An empty success response.
pub fn ok_empty() -> Value {
    ok(json!({}))
}

/// The current time of the simulated world's clock, `YYYY-MM-DDTHH:MM:SSZ`.
pub fn now(ctx: &Ctx<'_>) -> String {
    clock::now_str(ctx)
        .unwrap_or_else(|_| chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string())
}

/// Parses a boolean parameter (`true`/`false`, any case).
pub fn flag(params: &Params, name: &str) -> Option<bool> {
    optional(params, name).map(|v| v.eq_ignore_ascii_case("true"))
}

/// Parses an integer parameter; a malformed value is `InvalidParameter`.
pub fn int(params: &Params, name: &str) -> Result<Option<i64>, CloudError> {
    match optional(params, name) {
        None => Ok(None),
        Some(v) => v.trim().parse::<i64>().map(Some).map_err(|_| {
            CloudError::new(
                "InvalidParameter",
                format!("Specified value of \"{name}\" is not valid: {v:?}"),
            )
        }),
    }
}

/// A list of ids given as a JSON array (`["a","b"]`) or as a comma-separated list.
pub fn id_list(params: &Params, name: &str) -> Vec<String> {
    let Some(raw) = optional(params, name) else {
        return Vec::new();
    };
    let raw = raw.trim();
    if raw.starts_with('[')
        && let Ok(Value::Array(items)) = serde_json::from_str::<Value>(raw)
    {
        return items
            .iter()
            .filter_map(|v| v.as_str().map(str::to_string))
            .filter(|s| !s.is_empty())
            .collect();
    }
    raw.split(',')
        .map(|s| s.trim().trim_matches('"').to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

/// `PageNumber` / `PageSize` (defaults 1 / 10, size capped at `max`).
pub fn paging(params: &Params, max: i64) -> Result<(i64, i64), CloudError> {
    let number = int(params, "PageNumber")?.unwrap_or(1).max(1);
    let size = int(params, "PageSize")?.unwrap_or(10).clamp(1, max);
    Ok((number, size))
}

/// One page of `items`, wrapped as `{TotalCount, PageNumber, PageSize, outer: {inner: [...]}}`.
pub fn page_of(items: Vec<Value>, number: i64, size: i64, outer: &str, inner: &str) -> Value {
    let total = items.len();
    let start = ((number - 1) * size) as usize;
    let page: Vec<Value> = items.into_iter().skip(start).take(size as usize).collect();
    let mut body = Map::new();
    body.insert("TotalCount".into(), json!(total));
    body.insert("PageNumber".into(), json!(number));
    body.insert("PageSize".into(), json!(size));
    let mut list = Map::new();
    list.insert(inner.into(), Value::Array(page));
    body.insert(outer.into(), Value::Object(list));
    ok(Value::Object(body))
}

/// The SQL expression reading attribute `attr` (a dotted path of identifiers, written into the
/// statement literally so that an expression index on it can serve the query).
fn attr_expr(attr: &str) -> Result<String, CloudError> {
    if attr.is_empty() || !attr.chars().all(|c| c.is_ascii_alphanumeric() || c == '.') {
        return Err(
            CloudError::new("InternalError", format!("bad attribute path {attr:?}")).status(500),
        );
    }
    Ok(format!("json_extract(attrs, '$.{attr}')"))
}

/// Objects of `kind` in `region` whose attribute `attr` equals `value`.
pub fn find_by_attr(
    ctx: &Ctx<'_>,
    kind: &str,
    region: &str,
    attr: &str,
    value: &str,
) -> Result<Vec<Obj>, CloudError> {
    let attr = attr_expr(attr)?;
    match kind_literal(kind) {
        Some(k) => ctx.select(
            &format!("type = {k} AND region = ?1 AND {attr} = ?2"),
            &[&region, &value],
        ),
        None => ctx.select(
            &format!("type = ?1 AND region = ?2 AND {attr} = ?3"),
            &[&kind, &region, &value],
        ),
    }
}

/// How many objects of `kind` in `region` have `attr` equal to `value`.
pub fn count_by_attr(
    ctx: &Ctx<'_>,
    kind: &str,
    region: &str,
    attr: &str,
    value: &str,
) -> Result<i64, CloudError> {
    let attr = attr_expr(attr)?;
    match kind_literal(kind) {
        Some(k) => ctx.count(
            &format!("type = {k} AND region = ?1 AND {attr} = ?2"),
            &[&region, &value],
        ),
        None => ctx.count(
            &format!("type = ?1 AND region = ?2 AND {attr} = ?3"),
            &[&kind, &region, &value],
        ),
    }
}

pub fn db_error(e: rusqlite::Error) -> CloudError {
    CloudError::new("InternalError", format!("simulated cloud storage: {e}")).status(500)
}

/// The object of `kind` named by `id` in `region`, or `code` (404) naming `what`.
pub fn must_get(
    ctx: &Ctx<'_>,
    kind: &str,
    region: &str,
    id: &str,
    code: &str,
    what: &str,
) -> Result<Obj, CloudError> {
    match ctx.get_kind(id, kind)? {
        Some(o) if o.region == region => Ok(o),
        _ => Err(CloudError::not_found(
            code,
            format!("The specified {what} {id:?} does not exist in region {region}."),
        )),
    }
}

/// The object a previous create with the same `ClientToken` made, if any.
pub fn replay(ctx: &Ctx<'_>, kind: &str, params: &Params) -> Result<Option<Obj>, CloudError> {
    match optional(params, "ClientToken") {
        Some(token) => ctx.by_token(kind, token),
        None => Ok(None),
    }
}

/// A new object (not yet inserted) with the request's `ClientToken`.
pub fn new_obj(
    ctx: &Ctx<'_>,
    id: String,
    kind: &str,
    region: &str,
    status: &str,
    attrs: Map<String, Value>,
    params: &Params,
) -> Obj {
    Obj {
        id,
        kind: kind.into(),
        region: region.into(),
        status: status.into(),
        attrs,
        created_at: now(ctx),
        client_token: optional(params, "ClientToken").map(str::to_string),
    }
}

/// Tags given as `Tag.N.Key` / `Tag.N.Value`.
pub fn tags_from_params(params: &Params) -> Map<String, Value> {
    let mut tags = Map::new();
    for i in 1.. {
        let Some(key) = params.get(&format!("Tag.{i}.Key")) else {
            break;
        };
        let value = params
            .get(&format!("Tag.{i}.Value"))
            .cloned()
            .unwrap_or_default();
        tags.insert(key.clone(), Value::String(value));
    }
    tags
}

/// Tags as Alibaba's VPC API answers them: `{"Tag": [{"Key":..,"Value":..}]}`.
pub fn tags_out(obj: &Obj) -> Value {
    let tags: Vec<Value> = obj
        .attrs
        .get("Tags")
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .map(|(k, v)| json!({"Key": k, "Value": v}))
                .collect()
        })
        .unwrap_or_default();
    json!({ "Tag": tags })
}

/// Tags as ECS answers them: `{"Tag": [{"TagKey":..,"TagValue":..}]}`.
pub fn ecs_tags_out(obj: &Obj) -> Value {
    let tags: Vec<Value> = obj
        .attrs
        .get("Tags")
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .map(|(k, v)| json!({"TagKey": k, "TagValue": v, "Key": k, "Value": v}))
                .collect()
        })
        .unwrap_or_default();
    json!({ "Tag": tags })
}

/// Whether `obj` carries every tag of `filter` (`Tag.N.Key`/`Tag.N.Value` in a describe).
pub fn tags_match(obj: &Obj, filter: &Map<String, Value>) -> bool {
    let tags = obj.attrs.get("Tags").and_then(Value::as_object);
    filter.iter().all(|(k, v)| {
        tags.and_then(|t| t.get(k)).is_some_and(|have| {
            v.as_str()
                .is_none_or(|want| want.is_empty() || have.as_str() == Some(want))
        })
    })
}

/// Keeps the objects named in `ids` (all when empty).
pub fn filter_ids(objs: Vec<Obj>, ids: &[String]) -> Vec<Obj> {
    if ids.is_empty() {
        return objs;
    }
    let wanted: HashSet<&str> = ids.iter().map(String::as_str).collect();
    objs.into_iter()
        .filter(|o| wanted.contains(o.id.as_str()))
        .collect()
}

/// Objects of `kind` in `region` named by `ids` (by primary key), or all of them when `ids` is empty.
pub fn select(
    ctx: &Ctx<'_>,
    kind: &str,
    region: &str,
    ids: &[String],
) -> Result<Vec<Obj>, CloudError> {
    if ids.is_empty() {
        return ctx.list(kind, Some(region));
    }
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    for id in ids {
        if !seen.insert(id.as_str()) {
            continue;
        }
        if let Some(o) = ctx.get_kind(id, kind)?
            && o.region == region
        {
            out.push(o);
        }
    }
    out.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(out)
}

/// Checks a name: 1-128 characters, not starting with `http://` or `https://`.
pub fn check_name(params: &Params, name: &str) -> Result<(), CloudError> {
    if let Some(v) = optional(params, name)
        && (v.chars().count() > 128 || v.starts_with("http://") || v.starts_with("https://"))
    {
        return Err(CloudError::new(
            format!("InvalidParameter.{name}"),
            format!(
                "Specified value of \"{name}\" is not valid: 1-128 characters, not starting with http:// or https://"
            ),
        ));
    }
    Ok(())
}

/// Copies the parameters `names` that are present into `attrs` under the same name.
pub fn copy_params(attrs: &mut Map<String, Value>, params: &Params, names: &[&str]) {
    for name in names {
        if let Some(v) = params.get(*name) {
            attrs.insert((*name).into(), Value::String(v.clone()));
        }
    }
}

/// A list given as `Name.1`, `Name.2`, ... or as `Name` (JSON array or comma list).
pub fn repeated_or_list(params: &Params, name: &str) -> Vec<String> {
    let mut out = crate::cloud::repeated(params, name);
    out.extend(id_list(params, name));
    out
}
