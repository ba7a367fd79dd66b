//! `alicloud_slb_load_balancer` (CLB): `CreateLoadBalancer`, `DescribeLoadBalancers` (20 ids a
//! call), `SetLoadBalancerName`, `SetLoadBalancerStatus`, `SetLoadBalancerDeleteProtection`,
//! `SetLoadBalancerModificationProtection`, `ModifyLoadBalancerInternetSpec`,
//! `ModifyLoadBalancerInstanceSpec`, tags, `DeleteLoadBalancer`. `address` is computed.

use serde_json::Value;

use super::common::{self as c, Out};
use crate::cloud::Params;
use crate::provider::alicloud::{Api, ResourceOps};
use crate::provider::{Attrs, Deleted, OpContext, ProviderError, ReadItem};

pub struct LoadBalancer;

const TYPE: &str = "alicloud_slb_load_balancer";

fn charge_out(v: &str) -> &str {
    match v {
        "paybytraffic" => "PayByTraffic",
        "paybybandwidth" => "PayByBandwidth",
        other => other,
    }
}

fn to_attrs(item: &Value, src: &Attrs) -> Attrs {
    let mut o = Out::new(&c::js(item, "LoadBalancerId"), src);
    let pay = c::js(item, "PayType");
    o.set("load_balancer_name", c::js(item, "LoadBalancerName"))
        .set("address_type", c::js(item, "AddressType"))
        .set("address_ip_version", c::js(item, "AddressIPVersion"))
        .set("address", c::js(item, "Address"))
        .opt("vswitch_id", c::js(item, "VSwitchId"))
        .set(
            "internet_charge_type",
            charge_out(&c::js(item, "InternetChargeType")).to_string(),
        )
        .set("bandwidth", c::ji(item, "Bandwidth"))
        .set("load_balancer_spec", c::js(item, "LoadBalancerSpec"))
        .set("instance_charge_type", c::js(item, "InstanceChargeType"))
        .set(
            "payment_type",
            if pay == "PrePay" {
                "Subscription"
            } else {
                "PayAsYouGo"
            },
        )
        .echo("period")
        .set("master_zone_id", c::js(item, "MasterZoneId"))
        .set("slave_zone_id", c::js(item, "SlaveZoneId"))
        .set("delete_protection", c::js(item, "DeleteProtection"))
        .set(
            "modification_protection_status",
            c::js(item, "ModificationProtectionStatus"),
        )
        .set(
            "modification_protection_reason",
            c::js(item, "ModificationProtectionReason"),
        )
        .set("resource_group_id", c::js(item, "ResourceGroupId"))
        .set("status", c::js(item, "LoadBalancerStatus"))
        .opt("tags", c::jtags(item));
    o.finish(TYPE, false)
}

fn describe(api: &Api, ctx: &OpContext, mut p: Params) -> Result<Value, ProviderError> {
    p.insert("PageSize".into(), "100".into());
    api.call(ctx, "DescribeLoadBalancers", p)
}

fn fetch(
    api: &Api,
    ctx: &OpContext,
    ids: &[String],
) -> Result<foldhash::HashMap<String, Value>, ProviderError> {
    let answer = describe(api, ctx, c::params(&[("LoadBalancerId", &ids.join(","))]))?;
    Ok(c::by_id(
        answer,
        "LoadBalancers",
        "LoadBalancer",
        "LoadBalancerId",
    ))
}

fn item(api: &Api, ctx: &OpContext, id: &str) -> Result<Value, ProviderError> {
    fetch(api, ctx, &[id.to_string()])?
        .remove(id)
        .ok_or_else(|| {
            ProviderError::Invalid(format!(
                "load balancer {id} disappeared right after it was changed"
            ))
        })
}

impl ResourceOps for LoadBalancer {
    fn create(&self, api: &Api, ctx: &OpContext, config: &Attrs) -> Result<Attrs, ProviderError> {
        let mut p = Params::new();
        c::put(
            &mut p,
            "LoadBalancerName",
            c::ne(config, &["load_balancer_name", "name"]),
        );
        c::put(&mut p, "AddressType", c::ne(config, &["address_type"]));
        c::put(
            &mut p,
            "AddressIPVersion",
            c::ne(config, &["address_ip_version"]),
        );
        c::put(&mut p, "Address", c::ne(config, &["address"]));
        c::put(&mut p, "VSwitchId", c::ne(config, &["vswitch_id"]));
        c::put(
            &mut p,
            "InternetChargeType",
            c::ne(config, &["internet_charge_type"]).map(|v| v.to_lowercase()),
        );
        c::put(&mut p, "Bandwidth", c::n(config, &["bandwidth"]));
        c::put(
            &mut p,
            "LoadBalancerSpec",
            c::ne(config, &["load_balancer_spec", "specification"]),
        );
        c::put(
            &mut p,
            "InstanceChargeType",
            c::ne(config, &["instance_charge_type"]),
        );
        c::put(
            &mut p,
            "PayType",
            c::ne(config, &["payment_type"]).map(|v| {
                if v == "Subscription" {
                    "PrePay"
                } else {
                    "PayOnDemand"
                }
            }),
        );
        c::put(&mut p, "MasterZoneId", c::ne(config, &["master_zone_id"]));
        c::put(&mut p, "SlaveZoneId", c::ne(config, &["slave_zone_id"]));
        c::put(
            &mut p,
            "DeleteProtection",
            c::ne(config, &["delete_protection"]),
        );
        c::put(
            &mut p,
            "ModificationProtectionStatus",
            c::ne(config, &["modification_protection_status"]),
        );
        c::put(
            &mut p,
            "ModificationProtectionReason",
            c::ne(config, &["modification_protection_reason"]),
        );
        c::put(
            &mut p,
            "ResourceGroupId",
            c::ne(config, &["resource_group_id"]),
        );
        c::put_tags(&mut p, config);
        let answer = api.mutate(ctx, "CreateLoadBalancer", "", p)?;
        let id = c::js(&answer, "LoadBalancerId");
        if let Some(status) = c::ne(config, &["status"]).filter(|s| s != "active") {
            api.call(
                ctx,
                "SetLoadBalancerStatus",
                c::params(&[("LoadBalancerId", &id), ("LoadBalancerStatus", &status)]),
            )?;
        }
        Ok(to_attrs(&item(api, ctx, &id)?, config))
    }

    fn read(
        &self,
        api: &Api,
        ctx: &OpContext,
        items: &[ReadItem],
    ) -> Result<Vec<Option<Attrs>>, ProviderError> {
        c::read_batched(
            items,
            20,
            |ids| fetch(api, ctx, ids),
            |item, prior| Ok(to_attrs(item, prior)),
        )
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
        let one = |action: &str, pairs: &[(&str, String)]| -> Result<(), ProviderError> {
            let mut p = c::params(&[("LoadBalancerId", id)]);
            for (k, v) in pairs {
                p.insert((*k).to_string(), v.clone());
            }
            api.call(ctx, action, p).map(|_| ())
        };
        if c::any(changed, &["load_balancer_name", "name"]) {
            one(
                "SetLoadBalancerName",
                &[(
                    "LoadBalancerName",
                    c::s(config, &["load_balancer_name", "name"]).unwrap_or_default(),
                )],
            )?;
        }
        if c::any(changed, &["status"]) {
            one(
                "SetLoadBalancerStatus",
                &[(
                    "LoadBalancerStatus",
                    c::ne(config, &["status"]).unwrap_or_else(|| "active".into()),
                )],
            )?;
        }
        if c::any(changed, &["delete_protection"]) {
            one(
                "SetLoadBalancerDeleteProtection",
                &[(
                    "DeleteProtection",
                    c::ne(config, &["delete_protection"]).unwrap_or_else(|| "off".into()),
                )],
            )?;
        }
        if c::any(
            changed,
            &[
                "modification_protection_status",
                "modification_protection_reason",
            ],
        ) {
            one(
                "SetLoadBalancerModificationProtection",
                &[
                    (
                        "ModificationProtectionStatus",
                        c::ne(config, &["modification_protection_status"])
                            .unwrap_or_else(|| "NonProtection".into()),
                    ),
                    (
                        "ModificationProtectionReason",
                        c::s(config, &["modification_protection_reason"]).unwrap_or_default(),
                    ),
                ],
            )?;
        }
        if c::any(changed, &["bandwidth", "internet_charge_type"]) {
            let mut pairs = Vec::new();
            if let Some(bw) = c::n(config, &["bandwidth"]) {
                pairs.push(("Bandwidth", bw.to_string()));
            }
            if let Some(charge) = c::ne(config, &["internet_charge_type"]) {
                pairs.push(("InternetChargeType", charge.to_lowercase()));
            }
            one("ModifyLoadBalancerInternetSpec", &pairs)?;
        }
        if c::any(changed, &["load_balancer_spec", "specification"])
            && let Some(spec) = c::ne(config, &["load_balancer_spec", "specification"])
        {
            one(
                "ModifyLoadBalancerInstanceSpec",
                &[("LoadBalancerSpec", spec)],
            )?;
        }
        if c::any(changed, &["tags"]) {
            c::update_tags(api, ctx, id, "instance", "UntagResources", prior, config)?;
        }
        Ok(to_attrs(&item(api, ctx, id)?, config))
    }

    fn delete(
        &self,
        api: &Api,
        ctx: &OpContext,
        id: &str,
        _prior: &Attrs,
    ) -> Result<Deleted, ProviderError> {
        c::delete(
            api,
            ctx,
            "DeleteLoadBalancer",
            c::params(&[("LoadBalancerId", id)]),
        )
    }

    fn find_by_token(
        &self,
        api: &Api,
        ctx: &OpContext,
        token: &str,
    ) -> Result<Option<Attrs>, ProviderError> {
        let answer = describe(api, ctx, c::params(&[("ClientToken", token)]))?;
        Ok(
            c::by_id(answer, "LoadBalancers", "LoadBalancer", "LoadBalancerId")
                .values()
                .next()
                .map(|i| to_attrs(i, &Attrs::new())),
        )
    }
}
