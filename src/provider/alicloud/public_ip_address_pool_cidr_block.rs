//! `alicloud_vpc_public_ip_address_pool_cidr_block`: AddPublicIpAddressPoolCidrBlock (a
//! `cidr_block`, or a `cidr_mask` for the cloud to pick one), ListPublicIpAddressPoolCidrBlocks
//! (one call per pool), DeletePublicIpAddressPoolCidrBlock. Id `<pool_id>:<cidr_block>`; update is
//! a no-op.

use foldhash::{HashMap, HashMapExt};

use serde_json::{Value, json};

use super::ResourceOps;
use super::api::{Api, attrs, token_record};
use crate::provider::{Attrs, Deleted, OpContext, ProviderError, ReadItem};

pub struct PublicIpAddressPoolCidrBlock;

fn split(id: &str) -> Result<(&str, &str), ProviderError> {
    id.split_once(':').ok_or_else(|| {
        ProviderError::Invalid(format!(
            "invalid CIDR block id {id:?}: expected <public_ip_address_pool_id>:<cidr_block>"
        ))
    })
}

/// The blocks of `pool` by CIDR; empty when the pool is gone.
fn blocks(api: &Api, ctx: &OpContext, pool: &str) -> Result<HashMap<String, Value>, ProviderError> {
    let mut out = HashMap::new();
    let mut token = String::new();
    loop {
        let mut p = attrs::params(&[("PublicIpAddressPoolId", pool), ("MaxResults", "100")]);
        if !token.is_empty() {
            p.insert("NextToken".into(), token.clone());
        }
        let resp = match api.call(ctx, "ListPublicIpAddressPoolCidrBlocks", p) {
            Ok(r) => r,
            Err(ProviderError::Cloud(e)) if e.code == "ResourceNotFound.PublicIpAddressPool" => {
                return Ok(out);
            }
            Err(e) => return Err(e),
        };
        for b in resp
            .get("PublicIpPoolCidrBlockList")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            out.insert(attrs::field(b, "CidrBlock"), b.clone());
        }
        token = attrs::field(&resp, "NextToken");
        if token.is_empty() {
            return Ok(out);
        }
    }
}

fn to_attrs(item: &Value, pool: &str, echo: &Attrs) -> Attrs {
    let cidr = attrs::field(item, "CidrBlock");
    let mut a = Attrs::new();
    a.insert("id", json!(format!("{pool}:{cidr}")));
    a.insert("public_ip_address_pool_id", json!(pool));
    a.insert("cidr_block", json!(cidr));
    a.insert("cidr_mask", attrs::echo(echo, "cidr_mask"));
    a.insert("status", json!(attrs::field(item, "Status")));
    a.insert("create_time", json!(attrs::field(item, "CreationTime")));
    a
}

fn read_one(
    api: &Api,
    ctx: &OpContext,
    id: &str,
    echo: &Attrs,
) -> Result<Option<Attrs>, ProviderError> {
    let (pool, cidr) = split(id)?;
    Ok(blocks(api, ctx, pool)?
        .get(cidr)
        .map(|b| to_attrs(b, pool, echo)))
}

impl ResourceOps for PublicIpAddressPoolCidrBlock {
    fn create(&self, api: &Api, ctx: &OpContext, config: &Attrs) -> Result<Attrs, ProviderError> {
        let pool = attrs::string(config, "public_ip_address_pool_id").ok_or_else(|| {
            ProviderError::Invalid("public_ip_address_pool_id is required".into())
        })?;
        let mut p = attrs::params(&[("PublicIpAddressPoolId", &pool)]);
        attrs::put(&mut p, "CidrBlock", attrs::string(config, "cidr_block"));
        attrs::put(&mut p, "CidrMask", attrs::string(config, "cidr_mask"));
        let resp = api.mutate(ctx, "AddPublicIpAddressPoolCidrBlock", "", p)?;
        // The answer names the block (the one the cloud picked for a `cidr_mask`); its creation
        // time waits for a read.
        let item = json!({"CidrBlock": attrs::field(&resp, "CidrBlock"), "Status": "Created"});
        let mut a = to_attrs(&item, &pool, config);
        attrs::defer(&mut a, &["create_time"]);
        Ok(a)
    }

    fn read(
        &self,
        api: &Api,
        ctx: &OpContext,
        items: &[ReadItem],
    ) -> Result<Vec<Option<Attrs>>, ProviderError> {
        let mut by_pool: HashMap<String, HashMap<String, Value>> = HashMap::new();
        let mut out = Vec::with_capacity(items.len());
        for (id, prior) in items {
            let (pool, cidr) = split(id)?;
            if !by_pool.contains_key(pool) {
                by_pool.insert(pool.to_string(), blocks(api, ctx, pool)?);
            }
            out.push(by_pool[pool].get(cidr).map(|b| to_attrs(b, pool, prior)));
        }
        Ok(out)
    }

    fn update(
        &self,
        api: &Api,
        ctx: &OpContext,
        id: &str,
        _prior: &Attrs,
        config: &Attrs,
        _changed: &[String],
    ) -> Result<Attrs, ProviderError> {
        read_one(api, ctx, id, config)?
            .ok_or_else(|| ProviderError::Invalid(format!("CIDR block {id} no longer exists")))
    }

    fn delete(
        &self,
        api: &Api,
        ctx: &OpContext,
        id: &str,
        _prior: &Attrs,
    ) -> Result<Deleted, ProviderError> {
        let (pool, cidr) = split(id)?;
        let p = attrs::params(&[("PublicIpAddressPoolId", pool), ("CidrBlock", cidr)]);
        match api.mutate(ctx, "DeletePublicIpAddressPoolCidrBlock", "delete", p) {
            Ok(_) => Ok(Deleted::Released),
            Err(ProviderError::Cloud(e)) if e.code.starts_with("ResourceNotFound") => {
                Ok(Deleted::Released)
            }
            Err(e) => Err(e),
        }
    }

    fn import(&self, api: &Api, ctx: &OpContext, id: &str) -> Result<Option<Attrs>, ProviderError> {
        read_one(api, ctx, id, &Attrs::new())
    }

    fn find_by_token(
        &self,
        api: &Api,
        ctx: &OpContext,
        client_token: &str,
    ) -> Result<Option<Attrs>, ProviderError> {
        let Some((params, resp)) =
            token_record(api, ctx, client_token, "AddPublicIpAddressPoolCidrBlock")?
        else {
            return Ok(None);
        };
        let id = format!(
            "{}:{}",
            attrs::field(&params, "PublicIpAddressPoolId"),
            attrs::field(&resp, "CidrBlock")
        );
        read_one(api, ctx, &id, &Attrs::new())
    }
}
