//! `alicloud_eip_address` (and the deprecated `alicloud_eip`): AllocateEipAddress, then the
//! public provider's create-then-update steps (DeletionProtection, SetHighDefinitionMonitorLogStatus,
//! ModifyEipForwardMode, TagResources); reads batched 50 ids per DescribeEipAddresses; updates
//! through ModifyEipAddressAttribute, DeletionProtection, MoveResourceGroup, tags, forward mode,
//! HD monitoring and ModifyInstanceChargeType (pay-as-you-go to subscription, D06); delete is
//! ReleaseEipAddress, or for a subscription EIP only an abandonment (D03). A create answers
//! without reading the EIP back (`created`), except a recovery.
//!
//! Beyond the public schema the attributes hold `billing_cycle` (A03: Day, Hour or Month) and
//! `protection_edition` (A08: `AntiDDoS_Origin_Basic` or `AntiDDoS_Enhanced`).

use serde_json::{Value, json};

use super::ResourceOps;
use super::api::{Api, attrs, sync_tags, token_record};
use crate::attrs::Key;
use crate::cloud::Params;
use crate::cloud::sim::rules::subscription_period;
use crate::provider::{Attrs, Deleted, OpContext, ProviderError, ReadItem};

pub struct EipAddress;

/// `PrePaid`/`PostPaid` for the billing arguments (`payment_type` wins over `instance_charge_type`).
fn charge_type(config: &Attrs) -> Option<&'static str> {
    let v = attrs::string(config, "payment_type")
        .or_else(|| attrs::string(config, "instance_charge_type"))?;
    Some(match v.as_str() {
        "Subscription" | "PrePaid" => "PrePaid",
        _ => "PostPaid",
    })
}

/// What a new EIP's computed attributes will be, from its arguments alone: the cloud's defaults
/// (pay-as-you-go, pay-by-bandwidth, 5 Mbit/s, BGP, public; a recovery defaults to
/// pay-by-data-transfer, R04), the billing cycle (A03) and the protection edition (A08).
pub fn planned_create(config: &Attrs) -> Attrs {
    use crate::cloud::sim::rules::allocation::{billing_cycle, protection_edition};
    let recovery = attrs::string(config, "ip_address").is_some()
        || attrs::string(config, "allocation_id").is_some();
    let charge = charge_type(config).unwrap_or("PostPaid");
    let metering = attrs::string(config, "internet_charge_type").unwrap_or_else(|| {
        if recovery && charge == "PostPaid" {
            "PayByTraffic"
        } else {
            "PayByBandwidth"
        }
        .to_string()
    });
    let types: Vec<String> = config
        .get("security_protection_types")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    let payment = if charge == "PrePaid" {
        "Subscription"
    } else {
        "PayAsYouGo"
    };
    let mut a = Attrs::new();
    a.insert("payment_type", json!(payment));
    a.insert("instance_charge_type", json!(charge));
    a.insert("internet_charge_type", json!(metering));
    a.insert("bandwidth", json!("5"));
    a.insert("isp", json!("BGP"));
    a.insert("netmode", json!("public"));
    a.insert("billing_cycle", json!(billing_cycle(charge, &metering)));
    a.insert("protection_edition", json!(protection_edition(&types)));
    a
}

/// Reads EIPs by id, 50 per DescribeEipAddresses call; the answer holds each found item.
pub fn describe_many(
    api: &Api,
    ctx: &OpContext,
    ids: &[&str],
) -> Result<Vec<Value>, ProviderError> {
    let mut out = Vec::new();
    for chunk in ids.chunks(50) {
        let p = attrs::params(&[("AllocationId", &chunk.join(",")), ("PageSize", "100")]);
        let mut resp = api.call(ctx, "DescribeEipAddresses", p)?;
        if let Some(Value::Array(items)) = resp.pointer_mut("/EipAddresses/EipAddress") {
            out.append(items);
        }
    }
    Ok(out)
}

pub(super) fn hd_log(
    api: &Api,
    ctx: &OpContext,
    id: &str,
) -> Result<(String, String), ProviderError> {
    let r = api.call(
        ctx,
        "DescribeHighDefinitionMonitorLogAttribute",
        attrs::params(&[("InstanceId", id), ("InstanceType", "EIP")]),
    )?;
    Ok((attrs::field(&r, "LogProject"), attrs::field(&r, "LogStore")))
}

/// The Terraform attributes of a DescribeEipAddresses item; `echo` supplies what the cloud never
/// reports (config on create/update, prior attributes on read); `deferred` are known only once
/// the EIP is read (they are unknown). The item's strings are moved, not copied, and the
/// attributes are written in name order, so that building the object sorts nothing.
pub(super) fn to_attrs(
    item: Value,
    echo: &Attrs,
    hd: Option<(String, String)>,
    deferred: &[&str],
) -> Attrs {
    // One pass over the item, moving each field out (a search per field costs more).
    let (mut charge, mut eip_bandwidth, mut bandwidth, mut id, mut name) = Default::default();
    let (mut description, mut hd_status, mut internet, mut ip, mut isp) = Default::default();
    let (mut mode, mut netmode, mut pool, mut group, mut zone) = Default::default();
    let (mut status, mut created, mut cycle, mut edition) = Default::default();
    let mut deletion_protection = false;
    let mut protection = Vec::new();
    let mut tags = None;
    if let Value::Object(item) = item {
        for (k, v) in item {
            let slot: &mut String = match k.as_str() {
                "ChargeType" => &mut charge,
                "EipBandwidth" => &mut eip_bandwidth,
                "Bandwidth" => &mut bandwidth,
                "AllocationId" => &mut id,
                "Name" => &mut name,
                "Description" => &mut description,
                "HDMonitorStatus" => &mut hd_status,
                "InternetChargeType" => &mut internet,
                "IpAddress" => &mut ip,
                "ISP" => &mut isp,
                "Mode" => &mut mode,
                "Netmode" => &mut netmode,
                "PublicIpAddressPoolId" => &mut pool,
                "ResourceGroupId" => &mut group,
                "Zone" => &mut zone,
                "Status" => &mut status,
                "AllocationTime" => &mut created,
                "BillingCycle" => &mut cycle,
                "ProtectionEdition" => &mut edition,
                "DeletionProtection" => {
                    deletion_protection = v.as_bool().unwrap_or(false);
                    continue;
                }
                "SecurityProtectionTypes" => {
                    if let Value::Object(mut m) = v
                        && let Some(Value::Array(list)) = m.remove("SecurityProtectionType")
                    {
                        protection = list;
                    }
                    continue;
                }
                "Tags" => {
                    tags = Some(v);
                    continue;
                }
                _ => continue,
            };
            *slot = attrs::string_of(v);
        }
    }
    let bandwidth = if eip_bandwidth.is_empty() {
        bandwidth
    } else {
        eip_bandwidth
    };
    let tags = attrs::tag_map(tags.as_ref());
    let (log_project, log_store) = match hd {
        Some((p, s)) => (json!(p), json!(s)),
        None => (
            attrs::echo(echo, "log_project"),
            attrs::echo(echo, "log_store"),
        ),
    };
    let payment = if charge == "PrePaid" {
        "Subscription"
    } else {
        "PayAsYouGo"
    };
    let mut a: Vec<(Key, Value)> = Vec::with_capacity(30);
    let mut put = |k: &str, v: Value| {
        let v = if deferred.contains(&k) {
            crate::eval::unknown()
        } else {
            v
        };
        a.push((k.into(), v));
    };
    put("activity_id", attrs::echo(echo, "activity_id"));
    put("address_name", json!(name));
    put("allocation_id", json!(id));
    put("auto_pay", attrs::echo(echo, "auto_pay"));
    put("bandwidth", json!(bandwidth));
    put("billing_cycle", json!(cycle));
    put("create_time", json!(created));
    put("deletion_protection", json!(deletion_protection));
    put("description", Value::String(description));
    put(
        "high_definition_monitor_log_status",
        Value::String(hd_status),
    );
    put("id", Value::String(id));
    put("instance_charge_type", Value::String(charge));
    put("internet_charge_type", Value::String(internet));
    put("ip_address", Value::String(ip));
    put("isp", Value::String(isp));
    put("log_project", log_project);
    put("log_store", log_store);
    put("mode", Value::String(mode));
    put("name", Value::String(name));
    put("netmode", Value::String(netmode));
    put("payment_type", json!(payment));
    put("period", attrs::echo(echo, "period"));
    put("pricing_cycle", attrs::echo(echo, "pricing_cycle"));
    put("protection_edition", Value::String(edition));
    put(
        "public_ip_address_pool_id",
        if pool.is_empty() {
            Value::Null
        } else {
            Value::String(pool)
        },
    );
    put("resource_group_id", Value::String(group));
    put("security_protection_types", Value::Array(protection));
    put("status", Value::String(status));
    put("tags", tags);
    put("zone", Value::String(zone));
    a.into_iter().collect()
}

/// The attributes of an EIP this provider just allocated (not a recovery), from its arguments,
/// the AllocateEipAddress answer and the calls the create made after it, as DescribeEipAddresses
/// would answer them. The allocation time is unknown until the object is read, and so are the
/// address and resource group of a subscription EIP (its answer holds only the id and order).
fn created(id: &str, resp: &Value, config: &Attrs) -> Attrs {
    let s = |k: &str| attrs::string(config, k);
    let plan = planned_create(config);
    let planned = |k: &str| {
        plan.get(k)
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    let bandwidth = s("bandwidth")
        .and_then(|b| b.trim().parse::<i64>().ok())
        .map_or_else(|| planned("bandwidth"), |b| b.to_string());
    let ip = attrs::field(resp, "EipAddress");
    let group = match attrs::field(resp, "ResourceGroupId") {
        g if g.is_empty() => s("resource_group_id").unwrap_or_default(),
        g => g,
    };
    let protection = attrs::protection_types(config);
    let tags = attrs::tag_items(config);
    let hd_status = s("high_definition_monitor_log_status").unwrap_or_else(|| "OFF".into());
    let (ip_unknown, group_unknown) = (ip.is_empty(), group.is_empty());
    let item = json!({
        "AllocationId": id,
        "Name": s("address_name").or_else(|| s("name")).unwrap_or_default(),
        "Description": s("description").unwrap_or_default(),
        "Bandwidth": bandwidth,
        "DeletionProtection": attrs::boolean(config, "deletion_protection") == Some(true),
        "HDMonitorStatus": hd_status,
        "InternetChargeType": planned("internet_charge_type"),
        "IpAddress": ip,
        "ISP": s("isp").unwrap_or_else(|| planned("isp")),
        "Mode": s("mode").unwrap_or_else(|| "NAT".into()),
        "Netmode": planned("netmode"),
        "ChargeType": planned("instance_charge_type"),
        "PublicIpAddressPoolId": s("public_ip_address_pool_id").unwrap_or_default(),
        "ResourceGroupId": group,
        "SecurityProtectionTypes": {"SecurityProtectionType": protection},
        "Tags": {"Tag": tags},
        "Zone": s("zone").unwrap_or_default(),
        "Status": "Available",
        "BillingCycle": planned("billing_cycle"),
        "ProtectionEdition": planned("protection_edition"),
    });
    // SetHighDefinitionMonitorLogStatus ON takes both log names (the call fails without them).
    let hd = (hd_status == "ON").then(|| {
        (
            s("log_project").unwrap_or_default(),
            s("log_store").unwrap_or_default(),
        )
    });
    let mut deferred = vec!["create_time"];
    if ip_unknown {
        deferred.push("ip_address");
    }
    if group_unknown {
        deferred.push("resource_group_id");
    }
    to_attrs(item, config, hd, &deferred)
}

fn read_one(
    api: &Api,
    ctx: &OpContext,
    id: &str,
    echo: &Attrs,
) -> Result<Option<Attrs>, ProviderError> {
    let items = describe_many(api, ctx, &[id])?;
    let Some(item) = items
        .into_iter()
        .find(|i| attrs::field(i, "AllocationId") == id)
    else {
        return Ok(None);
    };
    let hd = if attrs::field(&item, "HDMonitorStatus") == "ON" {
        Some(hd_log(api, ctx, id)?)
    } else {
        None
    };
    Ok(Some(to_attrs(item, echo, hd, &[])))
}

fn read_back(api: &Api, ctx: &OpContext, id: &str, echo: &Attrs) -> Result<Attrs, ProviderError> {
    read_one(api, ctx, id, echo)?.ok_or_else(|| {
        ProviderError::Invalid(format!("EIP {id} disappeared right after it was changed"))
    })
}

fn set_hd(api: &Api, ctx: &OpContext, id: &str, config: &Attrs) -> Result<(), ProviderError> {
    let status =
        attrs::string(config, "high_definition_monitor_log_status").unwrap_or_else(|| "OFF".into());
    let mut p = attrs::params(&[
        ("InstanceId", id),
        ("InstanceType", "EIP"),
        ("Status", &status),
    ]);
    attrs::put(&mut p, "LogProject", attrs::string(config, "log_project"));
    attrs::put(&mut p, "LogStore", attrs::string(config, "log_store"));
    api.mutate_settled(ctx, "SetHighDefinitionMonitorLogStatus", "hd", p)?;
    Ok(())
}

fn set_protection(api: &Api, ctx: &OpContext, id: &str, on: bool) -> Result<(), ProviderError> {
    let p = attrs::params(&[
        ("InstanceId", id),
        ("Type", "EIP"),
        ("ProtectionEnable", if on { "true" } else { "false" }),
    ]);
    api.mutate_settled(ctx, "DeletionProtection", "dp", p)?;
    Ok(())
}

fn set_mode(api: &Api, ctx: &OpContext, id: &str, mode: &str) -> Result<(), ProviderError> {
    api.mutate_settled(
        ctx,
        "ModifyEipForwardMode",
        "mode",
        attrs::params(&[("InstanceId", id), ("Mode", mode)]),
    )?;
    Ok(())
}

fn subscription_params(p: &mut Params, config: &Attrs) {
    let (period, cycle) = subscription_period(
        attrs::int(config, "period"),
        attrs::string(config, "pricing_cycle").as_deref(),
    );
    p.insert("Period".into(), period.to_string());
    p.insert("PricingCycle".into(), cycle);
    p.insert(
        "AutoPay".into(),
        attrs::boolean(config, "auto_pay")
            .unwrap_or(true)
            .to_string(),
    );
}

impl ResourceOps for EipAddress {
    fn create(&self, api: &Api, ctx: &OpContext, config: &Attrs) -> Result<Attrs, ProviderError> {
        let s = |k: &str| attrs::string(config, k);
        let mut p = Params::new();
        if let Some(charge) = charge_type(config) {
            p.insert("InstanceChargeType".into(), charge.into());
            if charge == "PrePaid" {
                subscription_params(&mut p, config);
            }
        }
        attrs::put(&mut p, "Bandwidth", s("bandwidth"));
        attrs::put(&mut p, "InternetChargeType", s("internet_charge_type"));
        attrs::put(&mut p, "ISP", s("isp"));
        attrs::put(&mut p, "Netmode", s("netmode"));
        attrs::put(&mut p, "Name", s("address_name").or_else(|| s("name")));
        attrs::put(&mut p, "Description", s("description"));
        attrs::put(&mut p, "ResourceGroupId", s("resource_group_id"));
        attrs::put(
            &mut p,
            "PublicIpAddressPoolId",
            s("public_ip_address_pool_id"),
        );
        attrs::put(&mut p, "Zone", s("zone"));
        attrs::put(&mut p, "ActivityId", s("activity_id"));
        attrs::put(&mut p, "IpAddress", s("ip_address"));
        attrs::put(&mut p, "InstanceId", s("allocation_id"));
        for (i, t) in attrs::strings(config, "security_protection_types")
            .iter()
            .enumerate()
        {
            p.insert(format!("SecurityProtectionTypes.{}", i + 1), t.clone());
        }
        let resp = api.mutate(ctx, "AllocateEipAddress", "", p)?;
        let id = attrs::field(&resp, "AllocationId");
        // The public provider's Create runs Update for these.
        if attrs::boolean(config, "deletion_protection") == Some(true) {
            set_protection(api, ctx, &id, true)?;
        }
        if config.contains_key("high_definition_monitor_log_status") {
            set_hd(api, ctx, &id, config)?;
        }
        if let Some(mode) = s("mode") {
            set_mode(api, ctx, &id, &mode)?;
        }
        let tags = attrs::map(config, "tags");
        if !tags.is_empty() {
            sync_tags(api, ctx, "EIP", &id, &[], &tags)?;
        }
        if attrs::string(config, "ip_address").is_some()
            || attrs::string(config, "allocation_id").is_some()
        {
            // A recovery takes its address, pool and id from the released EIP's record.
            return read_back(api, ctx, &id, config);
        }
        if ctx.outcome_only {
            return Ok(attrs::id_only(id));
        }
        Ok(created(&id, &resp, config))
    }

    fn read(
        &self,
        api: &Api,
        ctx: &OpContext,
        items: &[ReadItem],
    ) -> Result<Vec<Option<Attrs>>, ProviderError> {
        let ids: Vec<&str> = items.iter().map(|(id, _)| id.as_str()).collect();
        let found = describe_many(api, ctx, &ids)?;
        let mut by_id: foldhash::HashMap<String, Value> = found
            .into_iter()
            .map(|i| (attrs::field(&i, "AllocationId"), i))
            .collect();
        let mut out = Vec::with_capacity(items.len());
        for (id, prior) in items {
            out.push(match by_id.remove(id) {
                None => None,
                Some(item) => {
                    let hd = if attrs::field(&item, "HDMonitorStatus") == "ON" {
                        Some(hd_log(api, ctx, id)?)
                    } else {
                        None
                    };
                    Some(to_attrs(item, prior, hd, &[]))
                }
            });
        }
        Ok(out)
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
        let s = |k: &str| attrs::string(config, k);
        if has("payment_type") || has("instance_charge_type") {
            let target = charge_type(config).unwrap_or("PostPaid");
            let mut p = attrs::params(&[
                ("InstanceIds", &format!("[\"{id}\"]")),
                ("InstanceChargeType", target),
            ]);
            if target == "PrePaid" {
                subscription_params(&mut p, config);
            }
            api.mutate_settled(ctx, "ModifyInstanceChargeType", "charge", p)?;
        }
        if has("address_name") || has("name") || has("description") || has("bandwidth") {
            let mut p = attrs::params(&[("AllocationId", id)]);
            if has("address_name") || has("name") {
                p.insert(
                    "Name".into(),
                    s("address_name").or_else(|| s("name")).unwrap_or_default(),
                );
            }
            if has("description") {
                p.insert("Description".into(), s("description").unwrap_or_default());
            }
            if has("bandwidth") {
                attrs::put(&mut p, "Bandwidth", s("bandwidth"));
            }
            api.mutate_settled(ctx, "ModifyEipAddressAttribute", "attr", p)?;
        }
        if has("deletion_protection") {
            set_protection(
                api,
                ctx,
                id,
                attrs::boolean(config, "deletion_protection").unwrap_or(false),
            )?;
        }
        if has("resource_group_id")
            && let Some(rg) = s("resource_group_id").filter(|r| !r.is_empty())
        {
            let p = attrs::params(&[
                ("ResourceId", id),
                ("ResourceType", "EIP"),
                ("NewResourceGroupId", &rg),
            ]);
            api.mutate_settled(ctx, "MoveResourceGroup", "rg", p)?;
        }
        if has("mode")
            && let Some(mode) = s("mode")
        {
            set_mode(api, ctx, id, &mode)?;
        }
        if has("high_definition_monitor_log_status") || has("log_project") || has("log_store") {
            set_hd(api, ctx, id, config)?;
        }
        if has("tags") {
            sync_tags(
                api,
                ctx,
                "EIP",
                id,
                &attrs::map(prior, "tags"),
                &attrs::map(config, "tags"),
            )?;
        }
        read_back(api, ctx, id, config)
    }

    fn delete(
        &self,
        api: &Api,
        ctx: &OpContext,
        id: &str,
        prior: &Attrs,
    ) -> Result<Deleted, ProviderError> {
        if charge_type(prior) == Some("PrePaid") {
            return Ok(Deleted::Abandoned(format!(
                "EIP {id} is a subscription EIP and cannot be released: it was removed from management and stays billed until it expires (rule D03)"
            )));
        }
        match api.mutate_settled(
            ctx,
            "ReleaseEipAddress",
            "release",
            attrs::params(&[("AllocationId", id)]),
        ) {
            Ok(_) => Ok(Deleted::Released),
            Err(ProviderError::Cloud(e)) if e.code == "InvalidAllocationId.NotFound" => {
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
        let Some((_, resp)) = token_record(api, ctx, client_token, "AllocateEipAddress")? else {
            return Ok(None);
        };
        read_one(
            api,
            ctx,
            &attrs::field(&resp, "AllocationId"),
            &Attrs::new(),
        )
    }
}
