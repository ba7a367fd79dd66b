//! The state as Terraform's v4 state JSON (`state pull`, `state push`): `version`,
//! `terraform_version`, `serial`, `lineage`, `outputs`, and `resources[]` grouped by block with
//! `mode`, `type`, `name`, `provider` and `instances[]` (`index_key`, `schema_version`,
//! `attributes`, `sensitive_attributes`, `private`, `dependencies`, `create_before_destroy`).
//!
//! What Terraform's format has no field for (the instance's region and schema type) travels in
//! the instance's opaque `private` field, as base64 JSON, the way providers keep private data.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use super::{OutputState, ResourceState, Snapshot};
use crate::addr::{BlockAddress, InstanceKey, Mode, ResourceAddress};

const PROVIDER: &str = "provider[\"registry.terraform.io/aliyun/alicloud\"]";

/// `provider["registry.terraform.io/aliyun/alicloud"]` (with `.ALIAS` for an aliased one).
fn provider_string(provider: &str) -> String {
    match provider.split_once('.') {
        Some((_, alias)) => format!("{PROVIDER}.{alias}"),
        None => PROVIDER.to_string(),
    }
}

fn provider_name(s: &str) -> Result<String, String> {
    let rest = s
        .strip_prefix(PROVIDER)
        .ok_or_else(|| format!("unsupported provider {s:?}: eipform manages {PROVIDER}"))?;
    match rest.strip_prefix('.') {
        Some(alias) if !alias.is_empty() => Ok(format!("alicloud.{alias}")),
        None if rest.is_empty() => Ok("alicloud".to_string()),
        _ => Err(format!("unsupported provider {s:?}")),
    }
}

/// A value's Terraform type constraint, as Terraform writes it for outputs.
fn type_of(v: &Value) -> Value {
    match v {
        Value::String(_) | Value::Null => json!("string"),
        Value::Number(_) => json!("number"),
        Value::Bool(_) => json!("bool"),
        Value::Array(a) => json!(["tuple", a.iter().map(type_of).collect::<Vec<_>>()]),
        Value::Object(o) => json!([
            "object",
            o.iter()
                .map(|(k, v)| (k.clone(), type_of(v)))
                .collect::<Map<_, _>>()
        ]),
    }
}

/// The snapshot as v4 state JSON.
pub fn to_v4(s: &Snapshot) -> Value {
    let mut outputs = Map::new();
    for o in &s.outputs {
        let mut m = Map::new();
        m.insert("value".into(), o.value.clone());
        m.insert("type".into(), type_of(&o.value));
        if o.sensitive {
            m.insert("sensitive".into(), json!(true));
        }
        outputs.insert(o.name.clone(), Value::Object(m));
    }
    // Group instances by block, keeping address order.
    let mut blocks: BTreeMap<(&BlockAddress, &str), Vec<&ResourceState>> = BTreeMap::new();
    for r in &s.resources {
        blocks
            .entry((&r.addr.block, r.provider.as_str()))
            .or_default()
            .push(r);
    }
    let resources: Vec<Value> = blocks
        .into_iter()
        .map(|((block, provider), list)| {
            let instances: Vec<Value> = list.iter().map(|r| instance(r)).collect();
            json!({
                "mode": if block.mode == Mode::Data { "data" } else { "managed" },
                "type": block.rtype,
                "name": block.name,
                "provider": provider_string(provider),
                "instances": instances,
            })
        })
        .collect();
    json!({
        "version": 4,
        "terraform_version": env!("CARGO_PKG_VERSION"),
        "serial": s.serial,
        "lineage": s.lineage,
        "outputs": outputs,
        "resources": resources,
        "check_results": null,
    })
}

fn instance(r: &ResourceState) -> Value {
    let mut m = Map::new();
    match &r.addr.key {
        Some(InstanceKey::Int(i)) => {
            m.insert("index_key".into(), json!(i));
        }
        Some(InstanceKey::Str(k)) => {
            m.insert("index_key".into(), json!(k));
        }
        None => {}
    }
    m.insert("schema_version".into(), json!(0));
    let mut attrs = r.attrs.to_map();
    attrs.entry("id").or_insert_with(|| json!(r.id));
    m.insert("attributes".into(), Value::Object(attrs));
    m.insert("sensitive_attributes".into(), json!([]));
    let private = json!({ "region": r.region, "schema_type": r.schema_type }).to_string();
    m.insert("private".into(), json!(base64_encode(private.as_bytes())));
    m.insert(
        "dependencies".into(),
        json!(r.deps.iter().map(ToString::to_string).collect::<Vec<_>>()),
    );
    if r.create_before_destroy {
        m.insert("create_before_destroy".into(), json!(true));
    }
    Value::Object(m)
}

/// Reads v4 state JSON. `default_region` is used for instances without eipform's private data.
pub fn from_v4(v: &Value, default_region: &str) -> Result<Snapshot, String> {
    let obj = v.as_object().ok_or("the state is not a JSON object")?;
    match obj.get("version").and_then(Value::as_u64) {
        Some(4) => {}
        Some(n) => {
            return Err(format!(
                "state format version {n} is not supported (expected 4)"
            ));
        }
        None => return Err("the state has no \"version\"".into()),
    }
    let serial = obj
        .get("serial")
        .and_then(Value::as_u64)
        .ok_or("the state has no numeric \"serial\"")?;
    let lineage = obj
        .get("lineage")
        .and_then(Value::as_str)
        .filter(|l| !l.is_empty())
        .ok_or("the state has no \"lineage\"")?
        .to_string();
    let mut outputs = Vec::new();
    for (name, o) in obj
        .get("outputs")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        outputs.push(OutputState {
            name: name.clone(),
            value: o.get("value").cloned().unwrap_or(Value::Null),
            sensitive: o.get("sensitive").and_then(Value::as_bool).unwrap_or(false),
        });
    }
    outputs.sort_by(|a, b| a.name.cmp(&b.name));
    let mut resources = Vec::new();
    for (i, r) in obj
        .get("resources")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        let field = |k: &str| {
            r.get(k)
                .and_then(Value::as_str)
                .ok_or_else(|| format!("resources[{i}] has no \"{k}\""))
        };
        let mode = match field("mode")? {
            "managed" => Mode::Managed,
            "data" => Mode::Data,
            m => return Err(format!("resources[{i}]: unknown mode {m:?}")),
        };
        let block = BlockAddress {
            mode,
            rtype: field("type")?.into(),
            name: field("name")?.into(),
        };
        let provider =
            provider_name(field("provider")?).map_err(|e| format!("resources[{i}]: {e}"))?;
        for (j, inst) in r
            .get("instances")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            let at = || format!("resources[{i}].instances[{j}]");
            let key = match inst.get("index_key") {
                None | Some(Value::Null) => None,
                Some(Value::Number(n)) => Some(InstanceKey::Int(
                    n.as_i64()
                        .ok_or_else(|| format!("{}: bad index_key", at()))?,
                )),
                Some(Value::String(s)) => Some(InstanceKey::Str(s.as_str().into())),
                Some(_) => return Err(format!("{}: bad index_key", at())),
            };
            let attrs = inst
                .get("attributes")
                .and_then(Value::as_object)
                .cloned()
                .ok_or_else(|| format!("{}: no \"attributes\"", at()))?;
            let private: Value = inst
                .get("private")
                .and_then(Value::as_str)
                .and_then(base64_decode)
                .and_then(|b| serde_json::from_slice(&b).ok())
                .unwrap_or(Value::Null);
            let schema_type = private
                .get("schema_type")
                .and_then(Value::as_str)
                .map(str::to_string)
                .or_else(|| crate::schema::resource(&block.rtype).map(|s| s.type_name.clone()))
                .unwrap_or_else(|| block.rtype.to_string());
            let region = private
                .get("region")
                .and_then(Value::as_str)
                .unwrap_or(default_region)
                .to_string();
            let mut deps = Vec::new();
            for d in inst
                .get("dependencies")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let d = d
                    .as_str()
                    .ok_or_else(|| format!("{}: a dependency is not a string", at()))?;
                deps.push(
                    d.parse::<ResourceAddress>()
                        .map_err(|e| format!("{}: {e}", at()))?,
                );
            }
            resources.push(ResourceState {
                addr: block.instance(key),
                schema_type: schema_type.into(),
                provider: provider.as_str().into(),
                region: region.into(),
                id: attrs
                    .get("id")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string(),
                attrs: std::sync::Arc::new(attrs.into()),
                deps,
                create_before_destroy: inst
                    .get("create_before_destroy")
                    .and_then(Value::as_bool)
                    .unwrap_or(false),
                sensitive: Vec::new(),
                read: None,
            });
        }
    }
    resources.sort_by(|a, b| a.addr.cmp(&b.addr));
    Ok(Snapshot {
        lineage,
        serial,
        resources,
        outputs,
    })
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

fn base64_encode(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for (i, shift) in [18, 12, 6, 0].into_iter().enumerate() {
            if i <= chunk.len() {
                out.push(B64[((n >> shift) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn base64_decode(s: &str) -> Option<Vec<u8>> {
    let s = s.trim_end_matches('=');
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in s.bytes() {
        let v = B64.iter().position(|b| *b == c)? as u32;
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_round_trips() {
        for s in ["", "a", "ab", "abc", "abcd", "{\"region\":\"cn-beijing\"}"] {
            assert_eq!(
                base64_decode(&base64_encode(s.as_bytes())).unwrap(),
                s.as_bytes()
            );
        }
        assert_eq!(base64_encode(b"Man"), "TWFu");
        assert_eq!(base64_encode(b"Ma"), "TWE=");
    }

    #[test]
    fn v4_round_trips() {
        let addr: ResourceAddress = "alicloud_eip_address.e[\"a\"]".parse().unwrap();
        let mut attrs = Map::new();
        attrs.insert("id".into(), json!("eip-1"));
        attrs.insert("bandwidth".into(), json!("5"));
        let snap = Snapshot {
            lineage: "l-1".into(),
            serial: 7,
            resources: vec![ResourceState {
                addr,
                schema_type: "alicloud_eip_address".into(),
                provider: "alicloud.west".into(),
                region: "cn-shanghai".into(),
                id: "eip-1".into(),
                attrs: std::sync::Arc::new(attrs.into()),
                deps: vec!["alicloud_vpc.v".parse().unwrap()],
                create_before_destroy: true,
                sensitive: Vec::new(),
                read: None,
            }],
            outputs: vec![OutputState {
                name: "ip".into(),
                value: json!("1.2.3.4"),
                sensitive: true,
            }],
        };
        let v = to_v4(&snap);
        assert_eq!(v["version"], 4);
        assert_eq!(
            v["resources"][0]["provider"],
            "provider[\"registry.terraform.io/aliyun/alicloud\"].west"
        );
        assert_eq!(v["resources"][0]["instances"][0]["index_key"], "a");
        assert_eq!(from_v4(&v, "cn-beijing").unwrap(), snap);
        assert!(
            from_v4(&json!({"version": 3, "serial": 1, "lineage": "x"}), "r")
                .unwrap_err()
                .contains("version 3")
        );
    }
}
