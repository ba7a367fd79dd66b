//! `alicloud_eip_association`: AssociateEipAddress / UnassociateEipAddress, id
//! `<allocation_id>:<instance_id>`. The type is inferred when unset (`lb-` SlbInstance, `ngw-`
//! Nat, else EcsInstance); reads go through the EIPs (batched DescribeEipAddresses): an association
//! exists while its EIP's `InstanceId` is the instance. `mode` changes in place with
//! ModifyEipForwardMode; `force` is used only on delete.

use std::collections::HashMap;
use std::time::Instant;

use serde_json::{Value, json};

use super::ResourceOps;
use super::api::{Api, attrs, token_record};
use super::eip_address::describe_many;
use crate::cloud::sim::rules::associations::infer_type;
use crate::provider::{Attrs, Deleted, OpContext, ProviderError};

pub struct EipAssociation;

fn split(id: &str) -> Result<(&str, &str), ProviderError> {
    id.split_once(':').ok_or_else(|| {
        ProviderError::Invalid(format!(
            "invalid association id {id:?}: expected <allocation_id>:<instance_id>"
        ))
    })
}

fn to_attrs(item: &Value, id: &str, instance: &str, echo: &Attrs) -> Attrs {
    let mut a = Attrs::new();
    a.insert("id".into(), json!(id));
    a.insert(
        "allocation_id".into(),
        json!(attrs::field(item, "AllocationId")),
    );
    a.insert("instance_id".into(), json!(instance));
    a.insert(
        "instance_type".into(),
        json!(attrs::field(item, "InstanceType")),
    );
    a.insert("mode".into(), json!(attrs::field(item, "Mode")));
    let private_ip = match echo.get("private_ip_address") {
        Some(v) if !v.is_null() => json!(attrs::field(item, "PrivateIpAddress")),
        _ => Value::Null,
    };
    a.insert("private_ip_address".into(), private_ip);
    a.insert("vpc_id".into(), attrs::echo(echo, "vpc_id"));
    a.insert("force".into(), attrs::echo(echo, "force"));
    a
}

fn read_one(
    api: &Api,
    ctx: &OpContext,
    id: &str,
    echo: &Attrs,
) -> Result<Option<Attrs>, ProviderError> {
    let (alloc, instance) = split(id)?;
    let items = describe_many(api, ctx, &[alloc])?;
    Ok(items
        .iter()
        .find(|i| {
            attrs::field(i, "AllocationId") == alloc && attrs::field(i, "InstanceId") == instance
        })
        .map(|i| to_attrs(i, id, instance, echo)))
}

impl ResourceOps for EipAssociation {
    fn create(&self, api: &Api, ctx: &OpContext, config: &Attrs) -> Result<Attrs, ProviderError> {
        let s = |k: &str| attrs::string(config, k);
        let alloc = s("allocation_id")
            .ok_or_else(|| ProviderError::Invalid("allocation_id is required".into()))?;
        let instance = s("instance_id")
            .ok_or_else(|| ProviderError::Invalid("instance_id is required".into()))?;
        let ty = s("instance_type").unwrap_or_else(|| infer_type(&instance).to_string());
        let mut p = attrs::params(&[
            ("AllocationId", &alloc),
            ("InstanceId", &instance),
            ("InstanceType", &ty),
        ]);
        attrs::put(&mut p, "Mode", s("mode"));
        attrs::put(&mut p, "PrivateIpAddress", s("private_ip_address"));
        attrs::put(&mut p, "VpcId", s("vpc_id"));
        api.mutate_settled(ctx, "AssociateEipAddress", "", p)?;
        let id = format!("{alloc}:{instance}");
        read_one(api, ctx, &id, config)?.ok_or_else(|| {
            ProviderError::Invalid(format!(
                "association {id} is missing right after it was made"
            ))
        })
    }

    fn read(
        &self,
        api: &Api,
        ctx: &OpContext,
        items: &[(String, Attrs)],
    ) -> Result<Vec<Option<Attrs>>, ProviderError> {
        let mut allocs = Vec::new();
        for (id, _) in items {
            allocs.push(split(id)?.0);
        }
        let found = describe_many(api, ctx, &allocs)?;
        let by_id: HashMap<String, &Value> = found
            .iter()
            .map(|i| (attrs::field(i, "AllocationId"), i))
            .collect();
        let mut out = Vec::with_capacity(items.len());
        for (id, prior) in items {
            let (alloc, instance) = split(id)?;
            out.push(
                by_id
                    .get(alloc)
                    .filter(|i| attrs::field(i, "InstanceId") == instance)
                    .map(|i| to_attrs(i, id, instance, prior)),
            );
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
        changed: &[String],
    ) -> Result<Attrs, ProviderError> {
        let (alloc, _) = split(id)?;
        if changed.iter().any(|c| c == "mode")
            && let Some(mode) = attrs::string(config, "mode")
        {
            api.mutate_settled(
                ctx,
                "ModifyEipForwardMode",
                "mode",
                attrs::params(&[("InstanceId", alloc), ("Mode", &mode)]),
            )?;
        }
        read_one(api, ctx, id, config)?
            .ok_or_else(|| ProviderError::Invalid(format!("association {id} no longer exists")))
    }

    fn delete(
        &self,
        api: &Api,
        ctx: &OpContext,
        id: &str,
        prior: &Attrs,
    ) -> Result<Deleted, ProviderError> {
        let (alloc, instance) = split(id)?;
        let Some(current) = read_one(api, ctx, id, prior)? else {
            return Ok(Deleted::Released);
        };
        let mut p = attrs::params(&[("AllocationId", alloc), ("InstanceId", instance)]);
        attrs::put(
            &mut p,
            "InstanceType",
            attrs::string(&current, "instance_type"),
        );
        if attrs::boolean(prior, "force") == Some(true) {
            p.insert("Force".into(), "true".into());
        }
        match api.mutate_settled(ctx, "UnassociateEipAddress", "unassociate", p) {
            Ok(_) => {}
            Err(ProviderError::Cloud(e)) if e.code == "InvalidAllocationId.NotFound" => {
                return Ok(Deleted::Released);
            }
            Err(e) => return Err(e),
        }
        // Wait until the association is gone (it may pass through Unassociating).
        let started = Instant::now();
        loop {
            let items = describe_many(api, ctx, &[alloc])?;
            let still = items
                .iter()
                .any(|i| attrs::field(i, "InstanceId") == instance);
            if !still {
                return Ok(Deleted::Released);
            }
            if started.elapsed() > ctx.timeout {
                return Err(ProviderError::Timeout(
                    ctx.timeout,
                    format!("association {id} to be removed"),
                ));
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
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
        let Some((params, _)) = token_record(api, ctx, client_token, "AssociateEipAddress")? else {
            return Ok(None);
        };
        let id = format!(
            "{}:{}",
            attrs::field(&params, "AllocationId"),
            attrs::field(&params, "InstanceId")
        );
        read_one(api, ctx, &id, &Attrs::new())
    }
}
