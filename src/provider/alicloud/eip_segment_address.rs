//! `alicloud_eip_segment_address` (contiguous EIP group): AllocateEipSegmentAddress,
//! DescribeEipSegment (+ DescribeEipAddresses by `SegmentInstanceId` for the member list),
//! ReleaseEipSegmentAddress. Update is a no-op, as in the public provider. Computed beyond the
//! public schema: `segment_address` (the CIDR), `ip_count` (usable members, G02) and `eips`
//! (`[{id, ip_address}]`).

use serde_json::{Value, json};

use super::ResourceOps;
use super::api::{Api, attrs, token_record};
use crate::provider::{Attrs, Deleted, OpContext, ProviderError, ReadItem};

pub struct EipSegmentAddress;

fn members(api: &Api, ctx: &OpContext, id: &str) -> Result<Vec<Value>, ProviderError> {
    let mut out = Vec::new();
    for page in 1.. {
        let p = attrs::params(&[
            ("SegmentInstanceId", id),
            ("PageSize", "100"),
            ("PageNumber", &page.to_string()),
        ]);
        let resp = api.call(ctx, "DescribeEipAddresses", p)?;
        let items = resp
            .pointer("/EipAddresses/EipAddress")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let total = resp.get("TotalCount").and_then(Value::as_u64).unwrap_or(0) as usize;
        out.extend(
            items
                .iter()
                .map(|i| json!({"id": attrs::field(i, "AllocationId"), "ip_address": attrs::field(i, "IpAddress")})),
        );
        if items.is_empty() || out.len() >= total {
            break;
        }
    }
    Ok(out)
}

fn read_one(
    api: &Api,
    ctx: &OpContext,
    id: &str,
    echo: &Attrs,
) -> Result<Option<Attrs>, ProviderError> {
    let resp = api.call(
        ctx,
        "DescribeEipSegment",
        attrs::params(&[("SegmentInstanceId", id)]),
    )?;
    let Some(seg) = resp
        .pointer("/EipSegments/EipSegment")
        .and_then(Value::as_array)
        .and_then(|a| a.iter().find(|s| attrs::field(s, "InstanceId") == id))
        .cloned()
    else {
        return Ok(None);
    };
    let f = |k: &str| attrs::field(&seg, k);
    let mut a = Attrs::new();
    a.insert("id", json!(id));
    let mask = match echo.get("eip_mask") {
        Some(v) if !v.is_null() => v.clone(),
        _ => json!(f("Mask")),
    };
    a.insert("eip_mask", mask);
    for k in [
        "bandwidth",
        "internet_charge_type",
        "isp",
        "netmode",
        "resource_group_id",
    ] {
        a.insert(k, attrs::echo(echo, k));
    }
    a.insert("zone", json!(f("Zone")));
    a.insert("status", json!(f("Status")));
    a.insert("create_time", json!(f("CreationTime")));
    a.insert("segment_address_name", json!(f("Name")));
    a.insert("segment_address", json!(f("Segment")));
    a.insert("ip_count", json!(f("IpCount").parse::<i64>().unwrap_or(0)));
    a.insert("eips", Value::Array(members(api, ctx, id)?));
    Ok(Some(a))
}

impl ResourceOps for EipSegmentAddress {
    fn create(&self, api: &Api, ctx: &OpContext, config: &Attrs) -> Result<Attrs, ProviderError> {
        let s = |k: &str| attrs::string(config, k);
        let mut p = crate::cloud::Params::new();
        attrs::put(&mut p, "EipMask", s("eip_mask"));
        attrs::put(&mut p, "Bandwidth", s("bandwidth"));
        attrs::put(&mut p, "InternetChargeType", s("internet_charge_type"));
        attrs::put(&mut p, "Isp", s("isp"));
        attrs::put(&mut p, "Netmode", s("netmode"));
        attrs::put(&mut p, "ResourceGroupId", s("resource_group_id"));
        attrs::put(&mut p, "Zone", s("zone"));
        let resp = api.mutate(ctx, "AllocateEipSegmentAddress", "", p)?;
        let id = attrs::field(&resp, "EipSegmentInstanceId");
        read_one(api, ctx, &id, config)?.ok_or_else(|| {
            ProviderError::Invalid(format!(
                "contiguous EIP group {id} is missing right after it was allocated"
            ))
        })
    }

    fn read(
        &self,
        api: &Api,
        ctx: &OpContext,
        items: &[ReadItem],
    ) -> Result<Vec<Option<Attrs>>, ProviderError> {
        items
            .iter()
            .map(|(id, prior)| read_one(api, ctx, id, prior))
            .collect()
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
        // The public provider's Update is a no-op ("Cannot update ...").
        read_one(api, ctx, id, config)?.ok_or_else(|| {
            ProviderError::Invalid(format!("contiguous EIP group {id} no longer exists"))
        })
    }

    fn delete(
        &self,
        api: &Api,
        ctx: &OpContext,
        id: &str,
        _prior: &Attrs,
    ) -> Result<Deleted, ProviderError> {
        match api.mutate_settled(
            ctx,
            "ReleaseEipSegmentAddress",
            "release",
            attrs::params(&[("SegmentInstanceId", id)]),
        ) {
            Ok(_) => Ok(Deleted::Released),
            Err(ProviderError::Cloud(e)) if e.code == "OperationFailed.InstanceNotExist" => {
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
        let Some((_, resp)) = token_record(api, ctx, client_token, "AllocateEipSegmentAddress")?
        else {
            return Ok(None);
        };
        read_one(
            api,
            ctx,
            &attrs::field(&resp, "EipSegmentInstanceId"),
            &Attrs::new(),
        )
    }
}
