//! `alicloud_eip_association`: AssociateEipAddress / UnassociateEipAddress, id
//! `<allocation_id>:<instance_id>`. The type is inferred when unset (`lb-` SlbInstance, `ngw-`
//! Nat, else EcsInstance); reads go through the EIPs (batched DescribeEipAddresses): an association
//! exists while its EIP's `InstanceId` is the instance. `mode` changes in place with
//! ModifyEipForwardMode; `force` is used only on delete.
//!
//! Create is the one AssociateEipAddress call (its answer is built without a read). Delete calls
//! UnassociateEipAddress with the recorded type, then reads the EIP until it is unbound: once when
//! the cloud unbinds at once, more while it is Unassociating (bounded by the delete timeout). A
//! refusal because the EIP is not bound to the instance (any more) counts as deleted once a read
//! agrees.

use foldhash::HashMap;
use std::time::Instant;

use serde_json::{Value, json};

use super::ResourceOps;
use super::api::{Api, attrs, token_record};
use super::eip_address::describe_many;
use crate::cloud::sim::rules::associations::infer_type;
use crate::provider::{Attrs, Deleted, OpContext, ProviderError, ReadItem};

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
    a.insert("id", json!(id));
    a.insert("allocation_id", json!(attrs::field(item, "AllocationId")));
    a.insert("instance_id", json!(instance));
    a.insert("instance_type", json!(attrs::field(item, "InstanceType")));
    a.insert("mode", json!(attrs::field(item, "Mode")));
    let private_ip = match echo.get("private_ip_address") {
        Some(v) if !v.is_null() => json!(attrs::field(item, "PrivateIpAddress")),
        _ => Value::Null,
    };
    a.insert("private_ip_address", private_ip);
    a.insert("vpc_id", attrs::echo(echo, "vpc_id"));
    a.insert("force", attrs::echo(echo, "force"));
    a
}

/// The attributes of an association this provider just made, as a read would answer them. The
/// forward mode is known only for an ENI association that sets it: otherwise the EIP keeps the
/// mode it had, which only a read tells. A private IP the configuration names may be replaced by
/// the target's own (a CLB's or HAVIP's address), so it too waits for a read.
fn created(alloc: &str, instance: &str, ty: &str, config: &Attrs) -> Attrs {
    let mode = attrs::string(config, "mode").filter(|_| ty == "NetworkInterface");
    let private_ip = config
        .get("private_ip_address")
        .is_some_and(|v| !v.is_null());
    let item = json!({
        "AllocationId": alloc,
        "InstanceId": instance,
        "InstanceType": ty,
        "Mode": mode.clone().unwrap_or_default(),
    });
    let mut a = to_attrs(&item, &format!("{alloc}:{instance}"), instance, config);
    let mut deferred = Vec::new();
    if mode.is_none() {
        deferred.push("mode");
    }
    if private_ip {
        deferred.push("private_ip_address");
    }
    if !deferred.is_empty() {
        attrs::defer(&mut a, &deferred);
    }
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

/// Whether EIP `alloc` is bound to `instance` now.
fn bound(api: &Api, ctx: &OpContext, alloc: &str, instance: &str) -> Result<bool, ProviderError> {
    Ok(describe_many(api, ctx, &[alloc])?.iter().any(|i| {
        attrs::field(i, "AllocationId") == alloc && attrs::field(i, "InstanceId") == instance
    }))
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
        if ctx.outcome_only {
            return Ok(attrs::id_only(format!("{alloc}:{instance}")));
        }
        Ok(created(&alloc, &instance, &ty, config))
    }

    fn read(
        &self,
        api: &Api,
        ctx: &OpContext,
        items: &[ReadItem],
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
        let mut p = attrs::params(&[("AllocationId", alloc), ("InstanceId", instance)]);
        // The recorded type (the cloud checks the EIP is bound to this very instance).
        attrs::put(
            &mut p,
            "InstanceType",
            attrs::string(prior, "instance_type").filter(|t| !t.is_empty()),
        );
        if attrs::boolean(prior, "force") == Some(true) {
            p.insert("Force".into(), "true".into());
        }
        match api.mutate_settled(ctx, "UnassociateEipAddress", "unassociate", p) {
            Ok(_) => {}
            Err(ProviderError::Cloud(e)) if e.code == "InvalidAllocationId.NotFound" => {
                return Ok(Deleted::Released);
            }
            // The EIP is not bound (any more) or bound to something else: the association is
            // gone if a read agrees. D07 (a transition still running after the timeout) is not.
            Err(ProviderError::Cloud(e))
                if e.rule.as_deref() != Some("D07")
                    && matches!(
                        e.code.as_str(),
                        "IncorrectEipStatus" | "InvalidInstanceId.NotFound"
                    ) =>
            {
                if bound(api, ctx, alloc, instance)? {
                    return Err(ProviderError::Cloud(e));
                }
                return Ok(Deleted::Released);
            }
            Err(e) => return Err(e),
        }
        // Wait until the association is gone: one read when the cloud unbinds at once, more while
        // the EIP is Unassociating, up to the delete timeout.
        let started = Instant::now();
        loop {
            if !bound(api, ctx, alloc, instance)? {
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
