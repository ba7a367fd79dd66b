//! `alicloud_vpc_public_ip_address_pool`: CreatePublicIpAddressPool, ListPublicIpAddressPools
//! (batched by `PublicIpAddressPoolIds.N`, 100 per call), UpdatePublicIpAddressPoolAttribute,
//! MoveResourceGroup (PUBLICIPADDRESSPOOL), tags, DeletePublicIpAddressPool.

use foldhash::{HashMap, HashMapExt};

use serde_json::{Value, json};

use super::ResourceOps;
use super::api::{Api, attrs, sync_tags, token_record};
use crate::provider::{Attrs, Deleted, OpContext, ProviderError, ReadItem};

pub struct PublicIpAddressPool;

fn to_attrs(item: &Value) -> Attrs {
    let f = |k: &str| attrs::field(item, k);
    let mut a = Attrs::new();
    a.insert("id", json!(f("PublicIpAddressPoolId")));
    a.insert(
        "public_ip_address_pool_name",
        attrs::field_or_null(item, "Name"),
    );
    a.insert("description", attrs::field_or_null(item, "Description"));
    a.insert("isp", json!(f("Isp")));
    a.insert("biz_type", json!(f("BizType")));
    a.insert("resource_group_id", json!(f("ResourceGroupId")));
    a.insert(
        "security_protection_types",
        item.get("SecurityProtectionTypes")
            .cloned()
            .unwrap_or_else(|| json!([])),
    );
    a.insert("tags", attrs::tags(item, "Tags"));
    a.insert(
        "public_ip_address_pool_id",
        json!(f("PublicIpAddressPoolId")),
    );
    a.insert("status", json!(f("Status")));
    a.insert("create_time", json!(f("CreationTime")));
    a.insert(
        "ip_address_remaining",
        json!(
            item.get("IpAddressRemaining")
                .and_then(Value::as_bool)
                .unwrap_or(false)
        ),
    );
    a.insert(
        "total_ip_num",
        json!(item.get("TotalIpNum").and_then(Value::as_i64).unwrap_or(0)),
    );
    a.insert(
        "used_ip_num",
        json!(item.get("UsedIpNum").and_then(Value::as_i64).unwrap_or(0)),
    );
    a
}

/// The attributes of a pool this provider just created, as ListPublicIpAddressPools would answer
/// them: a new pool holds no CIDR block yet. Its creation time waits for a read.
fn created(id: &str, resp: &Value, config: &Attrs) -> Attrs {
    let s = |k: &str| attrs::string(config, k);
    let protection = attrs::protection_types(config);
    let tags = attrs::tag_items(config);
    let item = json!({
        "PublicIpAddressPoolId": id,
        "Name": s("public_ip_address_pool_name").unwrap_or_default(),
        "Description": s("description").unwrap_or_default(),
        "Isp": s("isp").unwrap_or_else(|| "BGP".into()),
        "BizType": s("biz_type").unwrap_or_else(|| "Default".into()),
        "ResourceGroupId": attrs::field(resp, "ResourceGroupId"),
        "SecurityProtectionTypes": protection,
        "Tags": tags,
        "Status": "Created",
        "IpAddressRemaining": false,
        "TotalIpNum": 0,
        "UsedIpNum": 0,
    });
    let mut a = to_attrs(&item);
    let mut deferred = vec!["create_time"];
    if attrs::field(resp, "ResourceGroupId").is_empty() {
        deferred.push("resource_group_id");
    }
    attrs::defer(&mut a, &deferred);
    a
}

fn list(api: &Api, ctx: &OpContext, ids: &[&str]) -> Result<HashMap<String, Value>, ProviderError> {
    let mut out = HashMap::new();
    for chunk in ids.chunks(100) {
        let mut p = attrs::params(&[("MaxResults", "100")]);
        for (i, id) in chunk.iter().enumerate() {
            p.insert(
                format!("PublicIpAddressPoolIds.{}", i + 1),
                (*id).to_string(),
            );
        }
        let resp = api.call(ctx, "ListPublicIpAddressPools", p)?;
        for item in resp
            .get("PublicIpAddressPoolList")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            out.insert(attrs::field(item, "PublicIpAddressPoolId"), item.clone());
        }
    }
    Ok(out)
}

fn read_one(api: &Api, ctx: &OpContext, id: &str) -> Result<Option<Attrs>, ProviderError> {
    Ok(list(api, ctx, &[id])?.get(id).map(to_attrs))
}

fn read_back(api: &Api, ctx: &OpContext, id: &str) -> Result<Attrs, ProviderError> {
    read_one(api, ctx, id)?.ok_or_else(|| {
        ProviderError::Invalid(format!(
            "IP address pool {id} is missing right after it was changed"
        ))
    })
}

impl ResourceOps for PublicIpAddressPool {
    fn create(&self, api: &Api, ctx: &OpContext, config: &Attrs) -> Result<Attrs, ProviderError> {
        let s = |k: &str| attrs::string(config, k);
        let mut p = crate::cloud::Params::new();
        attrs::put(&mut p, "Isp", s("isp"));
        attrs::put(&mut p, "Name", s("public_ip_address_pool_name"));
        attrs::put(&mut p, "Description", s("description"));
        attrs::put(&mut p, "BizType", s("biz_type"));
        attrs::put(&mut p, "ResourceGroupId", s("resource_group_id"));
        for (i, t) in attrs::strings(config, "security_protection_types")
            .iter()
            .enumerate()
        {
            p.insert(format!("SecurityProtectionTypes.{}", i + 1), t.clone());
        }
        attrs::put_tags(&mut p, &attrs::map(config, "tags"));
        let resp = api.mutate(ctx, "CreatePublicIpAddressPool", "", p)?;
        // The API spells the key `PulbicIpAddressPoolId`.
        let id = match attrs::field(&resp, "PulbicIpAddressPoolId") {
            s if s.is_empty() => attrs::field(&resp, "PublicIpAddressPoolId"),
            s => s,
        };
        Ok(created(&id, &resp, config))
    }

    fn read(
        &self,
        api: &Api,
        ctx: &OpContext,
        items: &[ReadItem],
    ) -> Result<Vec<Option<Attrs>>, ProviderError> {
        let ids: Vec<&str> = items.iter().map(|(id, _)| id.as_str()).collect();
        let found = list(api, ctx, &ids)?;
        Ok(items
            .iter()
            .map(|(id, _)| found.get(id).map(to_attrs))
            .collect())
    }

    fn update(
        &self,
        api: &Api,
        ctx: &OpContext,
        id: &str,
        prior: &Attrs,
        config: &Attrs,
        changed: &[String],
    ) -> Result<Attrs, ProviderError> {
        let has = |k: &str| changed.iter().any(|c| c == k);
        if has("public_ip_address_pool_name") || has("description") {
            let mut p = attrs::params(&[("PublicIpAddressPoolId", id)]);
            if has("public_ip_address_pool_name") {
                p.insert(
                    "Name".into(),
                    attrs::string(config, "public_ip_address_pool_name").unwrap_or_default(),
                );
            }
            if has("description") {
                p.insert(
                    "Description".into(),
                    attrs::string(config, "description").unwrap_or_default(),
                );
            }
            api.mutate(ctx, "UpdatePublicIpAddressPoolAttribute", "attr", p)?;
        }
        if has("resource_group_id")
            && let Some(rg) = attrs::string(config, "resource_group_id").filter(|r| !r.is_empty())
        {
            let p = attrs::params(&[
                ("ResourceId", id),
                ("ResourceType", "PUBLICIPADDRESSPOOL"),
                ("NewResourceGroupId", &rg),
            ]);
            api.mutate(ctx, "MoveResourceGroup", "rg", p)?;
        }
        if has("tags") {
            sync_tags(
                api,
                ctx,
                "PUBLICIPADDRESSPOOL",
                id,
                &attrs::map(prior, "tags"),
                &attrs::map(config, "tags"),
            )?;
        }
        read_back(api, ctx, id)
    }

    fn delete(
        &self,
        api: &Api,
        ctx: &OpContext,
        id: &str,
        _prior: &Attrs,
    ) -> Result<Deleted, ProviderError> {
        match api.mutate(
            ctx,
            "DeletePublicIpAddressPool",
            "delete",
            attrs::params(&[("PublicIpAddressPoolId", id)]),
        ) {
            Ok(_) => Ok(Deleted::Released),
            Err(ProviderError::Cloud(e)) if e.code == "ResourceNotFound.PublicIpAddressPool" => {
                Ok(Deleted::Released)
            }
            Err(e) => Err(e),
        }
    }

    fn import(&self, api: &Api, ctx: &OpContext, id: &str) -> Result<Option<Attrs>, ProviderError> {
        read_one(api, ctx, id)
    }

    fn find_by_token(
        &self,
        api: &Api,
        ctx: &OpContext,
        client_token: &str,
    ) -> Result<Option<Attrs>, ProviderError> {
        let Some((_, resp)) = token_record(api, ctx, client_token, "CreatePublicIpAddressPool")?
        else {
            return Ok(None);
        };
        read_one(api, ctx, &attrs::field(&resp, "PublicIpAddressPoolId"))
    }
}
