//! The cloud as the provider sees it: calls with the region filled in, `ClientToken` on
//! mutating calls, and retries with exponential backoff and jitter for retryable codes, bounded
//! by the operation's timeout.

use std::sync::Arc;
use std::time::{Duration, Instant};

use rand::Rng;
use serde_json::Value;

use crate::cloud::{CloudApi, CloudError, Params};
use crate::provider::{OpContext, ProviderError};

pub struct Api {
    cloud: Arc<dyn CloudApi>,
}

impl Api {
    pub fn new(cloud: Arc<dyn CloudApi>) -> Api {
        Api { cloud }
    }

    pub fn read_concurrency(&self) -> Option<usize> {
        self.cloud.read_concurrency()
    }

    /// Calls `action` in `ctx.region` (unless `params` names a `RegionId`), retrying retryable
    /// errors until `ctx.timeout` runs out.
    pub fn call(
        &self,
        ctx: &OpContext,
        action: &str,
        mut params: Params,
    ) -> Result<Value, ProviderError> {
        params
            .entry("RegionId".into())
            .or_insert_with(|| ctx.region.clone());
        self.call_with_retry(ctx, action, &params)
    }

    /// Like [`Api::call`], and sends `ctx.client_token` (suffixed with `suffix` so that several
    /// mutating calls of one operation keep distinct tokens) as `ClientToken`.
    pub fn mutate(
        &self,
        ctx: &OpContext,
        action: &str,
        suffix: &str,
        mut params: Params,
    ) -> Result<Value, ProviderError> {
        if let Some(token) = &ctx.client_token {
            let token = if suffix.is_empty() {
                token.clone()
            } else {
                format!("{token}-{suffix}")
            };
            params.insert("ClientToken".into(), token);
        }
        self.call(ctx, action, params)
    }

    /// Like [`Api::call`], answering the JSON text the cloud sent (see
    /// [`CloudApi::call_text`](crate::cloud::CloudApi::call_text)).
    pub fn call_text(
        &self,
        ctx: &OpContext,
        action: &str,
        mut params: Params,
    ) -> Result<String, ProviderError> {
        params
            .entry("RegionId".into())
            .or_insert_with(|| ctx.region.clone());
        retrying(ctx, || self.cloud.call_text(action, &params))
    }

    fn call_with_retry(
        &self,
        ctx: &OpContext,
        action: &str,
        params: &Params,
    ) -> Result<Value, ProviderError> {
        retrying(ctx, || self.cloud.call(action, params))
    }
}

/// Runs `call` until it answers something other than a retryable error, backing off between
/// tries, or gives up once `ctx.timeout` would pass.
fn retrying<T>(
    ctx: &OpContext,
    mut call: impl FnMut() -> Result<T, CloudError>,
) -> Result<T, ProviderError> {
    let started = Instant::now();
    let mut delay = Duration::from_millis(20);
    loop {
        match call() {
            Err(e) if e.is_retryable() => {
                let jitter = rand::rng().random_range(0..=delay.as_millis() as u64 / 2);
                let wait = delay + Duration::from_millis(jitter);
                if started.elapsed() + wait > ctx.timeout {
                    return Err(ProviderError::Cloud(CloudError {
                        message: format!(
                            "{} (gave up after retrying for {:?})",
                            e.message,
                            started.elapsed()
                        ),
                        ..e
                    }));
                }
                std::thread::sleep(wait);
                delay = (delay * 2).min(Duration::from_secs(2));
            }
            other => return other.map_err(ProviderError::from),
        }
    }
}

impl Api {
    /// Like [`Api::mutate`], and also waits out D07 (`IncorrectEipStatus` while an EIP is
    /// Associating/Unassociating/Releasing), as the public provider retries `IncorrectEipStatus`.
    /// Every other refusal (a rule the call breaks) is returned at once.
    pub fn mutate_settled(
        &self,
        ctx: &OpContext,
        action: &str,
        suffix: &str,
        params: Params,
    ) -> Result<Value, ProviderError> {
        let started = Instant::now();
        loop {
            match self.mutate(ctx, action, suffix, params.clone()) {
                Err(ProviderError::Cloud(e))
                    if e.rule.as_deref() == Some("D07") && started.elapsed() < ctx.timeout =>
                {
                    std::thread::sleep(Duration::from_millis(50));
                }
                other => return other,
            }
        }
    }
}

/// Helpers the resource mappings share: reading Terraform arguments and Alibaba answers.
pub mod attrs {
    use serde_json::{Map, Value};

    use crate::cloud::Params;
    use crate::provider::Attrs;

    /// A scalar argument as the string the API takes (numbers and bools written out).
    pub fn string(config: &Attrs, key: &str) -> Option<String> {
        match config.get(key)? {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }

    /// A bool argument (`true`, or `"true"` as upstream tests write it).
    pub fn boolean(config: &Attrs, key: &str) -> Option<bool> {
        match config.get(key)? {
            Value::Bool(b) => Some(*b),
            Value::String(s) => s.parse().ok(),
            _ => None,
        }
    }

    /// A whole-number argument.
    pub fn int(config: &Attrs, key: &str) -> Option<i64> {
        match config.get(key)? {
            Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        }
    }

    /// A list-of-strings argument.
    pub fn strings(config: &Attrs, key: &str) -> Vec<String> {
        config
            .get(key)
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// A map-of-strings argument (`tags`), sorted by key.
    pub fn map(config: &Attrs, key: &str) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = config
            .get(key)
            .and_then(Value::as_object)
            .map(|m| {
                m.iter()
                    .map(|(k, v)| {
                        (
                            k.clone(),
                            v.as_str()
                                .map(str::to_string)
                                .unwrap_or_else(|| v.to_string()),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        out.sort();
        out
    }

    /// `security_protection_types` without empty entries, as a describe answer lists them.
    pub fn protection_types(config: &Attrs) -> Vec<String> {
        strings(config, "security_protection_types")
            .into_iter()
            .filter(|t| !t.is_empty())
            .collect()
    }

    /// The `tags` argument as a describe answer lists them (`{"Key", "Value"}` items by key).
    pub fn tag_items(config: &Attrs) -> Vec<Value> {
        map(config, "tags")
            .into_iter()
            .map(|(k, v)| serde_json::json!({"Key": k, "Value": v}))
            .collect()
    }

    /// Marks `keys` as known only after a read of the object (the `eval::UNKNOWN` sentinel): what
    /// the cloud picks on create and the create answer does not tell (creation times, addresses
    /// the cloud assigns). The engine reads the object when the configuration needs one of them,
    /// and the settle pass after the apply records them (see `apply::settle`).
    pub fn defer(a: &mut Attrs, keys: &[&str]) {
        // Built again rather than changed key by key: an object keeps only the values that
        // differ from those most objects of the same names have, the deferred ones included
        // (see `crate::attrs`), where each change would be kept apart. Callers defer all their
        // keys in one call.
        let unknown = crate::eval::unknown;
        let added = keys
            .iter()
            .filter(|k| !a.contains_key(k))
            .map(|k| (crate::attrs::Key::from(*k), unknown()));
        *a = a
            .iter()
            .map(|(k, v)| {
                let v = if keys.contains(&k.as_str()) {
                    unknown()
                } else {
                    v.clone()
                };
                (k.clone(), v)
            })
            .chain(added)
            .collect();
    }

    /// `config[key]`, or null: for arguments the cloud never reports back.
    pub fn echo(config: &Attrs, key: &str) -> Value {
        config.get(key).cloned().unwrap_or(Value::Null)
    }

    /// A string field of an API answer ("" when absent; numbers written out).
    pub fn field(item: &Value, key: &str) -> String {
        match item.get(key) {
            Some(v @ (Value::String(_) | Value::Number(_) | Value::Bool(_))) => {
                string_of(v.clone())
            }
            _ => String::new(),
        }
    }

    /// The attributes of a result that only has to say which object it is (see
    /// [`crate::provider::OpContext::outcome_only`]).
    pub fn id_only(id: String) -> Attrs {
        [("id", Value::String(id))].into_iter().collect()
    }

    /// A field's value as [`field`] writes it, moved.
    pub fn string_of(v: Value) -> String {
        match v {
            Value::String(s) => s,
            Value::Number(n) => n.to_string(),
            Value::Bool(b) => b.to_string(),
            _ => String::new(),
        }
    }

    /// A string field, or null when empty (for optional, non-computed arguments).
    pub fn field_or_null(item: &Value, key: &str) -> Value {
        match field(item, key) {
            s if s.is_empty() => Value::Null,
            s => Value::String(s),
        }
    }

    /// Alibaba's tag list (`{"Tag": [{"Key","Value"}]}` or `[{"Key","Value"}]`) as a map.
    pub fn tags(item: &Value, key: &str) -> Value {
        tag_map(item.get(key))
    }

    /// [`tags`] of the list itself.
    pub fn tag_map(tags: Option<&Value>) -> Value {
        let list = tags
            .map(|t| t.get("Tag").unwrap_or(t))
            .and_then(Value::as_array);
        let mut out = Map::new();
        for t in list.into_iter().flatten() {
            out.insert(field(t, "Key"), Value::String(field(t, "Value")));
        }
        Value::Object(out)
    }

    /// Sets `name` when `value` is present.
    pub fn put(p: &mut Params, name: &str, value: Option<String>) {
        if let Some(v) = value {
            p.insert(name.to_string(), v);
        }
    }

    /// `Tag.N.Key`/`Tag.N.Value` parameters.
    pub fn put_tags(p: &mut Params, tags: &[(String, String)]) {
        for (i, (k, v)) in tags.iter().enumerate() {
            p.insert(format!("Tag.{}.Key", i + 1), k.clone());
            p.insert(format!("Tag.{}.Value", i + 1), v.clone());
        }
    }

    /// A `Params` from pairs.
    pub fn params(pairs: &[(&str, &str)]) -> Params {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
            .collect()
    }
}

/// Changes the tags of `id` (ResourceType `rtype`) from `old` to `new` with UnTagResources and
/// TagResources.
pub fn sync_tags(
    api: &Api,
    ctx: &OpContext,
    rtype: &str,
    id: &str,
    old: &[(String, String)],
    new: &[(String, String)],
) -> Result<(), ProviderError> {
    let removed: Vec<&String> = old
        .iter()
        .filter(|(k, _)| !new.iter().any(|(nk, _)| nk == k))
        .map(|(k, _)| k)
        .collect();
    if !removed.is_empty() {
        let mut p = attrs::params(&[("ResourceType", rtype), ("ResourceId.1", id)]);
        for (i, k) in removed.iter().enumerate() {
            p.insert(format!("TagKey.{}", i + 1), (*k).clone());
        }
        api.mutate(ctx, "UnTagResources", "untag", p)?;
    }
    let added: Vec<(String, String)> = new.iter().filter(|t| !old.contains(t)).cloned().collect();
    if !added.is_empty() {
        let mut p = attrs::params(&[("ResourceType", rtype), ("ResourceId.1", id)]);
        attrs::put_tags(&mut p, &added);
        api.mutate(ctx, "TagResources", "tag", p)?;
    }
    Ok(())
}

/// What the create made with `client_token` (`DescribeClientToken`, an eipform extension):
/// `(params, response)` of `action`, if the cloud saw the token.
pub fn token_record(
    api: &Api,
    ctx: &OpContext,
    client_token: &str,
    action: &str,
) -> Result<Option<(Value, Value)>, ProviderError> {
    let out = api.call(
        ctx,
        "DescribeClientToken",
        attrs::params(&[("ClientToken", client_token), ("Action", action)]),
    )?;
    if out.get("Found").and_then(Value::as_bool) != Some(true) {
        return Ok(None);
    }
    Ok(Some((
        out.get("Params").cloned().unwrap_or(Value::Null),
        out.get("Response").cloned().unwrap_or(Value::Null),
    )))
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;

    /// Answers each call with the next scripted error, then succeeds; counts calls.
    struct Scripted {
        errors: Mutex<Vec<CloudError>>,
        calls: Mutex<usize>,
    }

    impl CloudApi for Scripted {
        fn call(&self, _action: &str, _params: &crate::cloud::Params) -> Result<Value, CloudError> {
            *self.calls.lock().unwrap() += 1;
            match self.errors.lock().unwrap().pop() {
                Some(e) => Err(e),
                None => Ok(serde_json::json!({"RequestId": "r"})),
            }
        }
        fn scratch(&self) -> Result<Box<dyn CloudApi>, CloudError> {
            Err(CloudError::new("Unsupported", "no scratch"))
        }
    }

    fn api(errors: Vec<CloudError>) -> (Api, Arc<Scripted>) {
        let cloud = Arc::new(Scripted {
            errors: Mutex::new(errors),
            calls: Mutex::new(0),
        });
        (Api::new(cloud.clone()), cloud)
    }

    fn ctx(timeout: Duration) -> OpContext {
        OpContext {
            region: "cn-beijing".into(),
            client_token: Some("eipform-t".into()),
            timeout,
            outcome_only: false,
        }
    }

    #[test]
    fn retryable_codes_are_retried_until_they_pass() {
        let errors = vec![
            CloudError::new("TaskConflict", "busy"),
            CloudError::new("OperationConflict", "busy").status(409),
            CloudError::new("ServiceUnavailable", "down").status(503),
            CloudError::new("Throttling.User", "slow down"),
        ];
        let (api, cloud) = api(errors);
        api.mutate(
            &ctx(Duration::from_secs(30)),
            "AllocateEipAddress",
            "",
            Params::new(),
        )
        .unwrap();
        assert_eq!(*cloud.calls.lock().unwrap(), 5);
    }

    #[test]
    fn non_retryable_codes_fail_at_once() {
        let (api, cloud) = api(vec![
            CloudError::new("QuotaExceeded.Eip", "quota").rule("A12"),
        ]);
        let started = Instant::now();
        let err = api
            .mutate(
                &ctx(Duration::from_secs(30)),
                "AllocateEipAddress",
                "",
                Params::new(),
            )
            .unwrap_err();
        assert_eq!(
            *cloud.calls.lock().unwrap(),
            1,
            "a non-retryable code is not retried"
        );
        assert!(
            started.elapsed() < Duration::from_millis(15),
            "no backoff before failing"
        );
        assert_eq!(err.rule(), Some("A12"));
    }

    #[test]
    fn retries_are_bounded_by_the_timeout() {
        let errors = (0..1000)
            .map(|_| CloudError::new("Throttling.User", "slow down"))
            .collect();
        let (api, cloud) = api(errors);
        let started = Instant::now();
        let err = api
            .call(
                &ctx(Duration::from_millis(300)),
                "DescribeEipAddresses",
                Params::new(),
            )
            .unwrap_err();
        assert!(
            started.elapsed() <= Duration::from_millis(400),
            "{:?}",
            started.elapsed()
        );
        assert!(err.to_string().contains("gave up after retrying"), "{err}");
        let calls = *cloud.calls.lock().unwrap();
        assert!(
            (2..20).contains(&calls),
            "exponential backoff: {calls} calls"
        );
    }
}
