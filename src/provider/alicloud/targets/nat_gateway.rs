//! `alicloud_nat_gateway`: `CreateNatGateway` (then `DeletionProtection` when asked),
//! `DescribeNatGateways`, `ModifyNatGatewayAttribute`, `ModifyNatGatewaySpec`,
//! `DeletionProtection` (`Type=NATGW`), tags, `DeleteNatGateway` (`Force` from `force`).

use serde_json::Value;

use super::common::{self as c, Out};
use crate::cloud::Params;
use crate::provider::alicloud::{Api, ResourceOps};
use crate::provider::{Attrs, Deleted, OpContext, ProviderError, ReadItem};

pub struct NatGateway;

const TYPE: &str = "alicloud_nat_gateway";

fn to_attrs(item: &Value, src: &Attrs) -> Attrs {
    let mut o = Out::new(&c::js(item, "NatGatewayId"), src);
    let private = item
        .get("NatGatewayPrivateInfo")
        .cloned()
        .unwrap_or(Value::Null);
    let charge = c::js(item, "InstanceChargeType");
    o.set("vpc_id", c::js(item, "VpcId"))
        .set("vswitch_id", c::js(&private, "VswitchId"))
        .set("nat_gateway_name", c::js(item, "Name"))
        .opt("description", c::js(item, "Description"))
        .set("nat_type", c::js(item, "NatType"))
        .set("payment_type", c::payment_type(&charge).to_string())
        .set("instance_charge_type", charge)
        .set("internet_charge_type", c::js(item, "InternetChargeType"))
        .set("specification", c::js(item, "Spec"))
        .echo("period")
        .set("network_type", c::js(item, "NetworkType"))
        .set("eip_bind_mode", c::js(item, "EipBindMode"))
        .set("icmp_reply_enabled", c::jb(item, "IcmpReplyEnabled"))
        .set("private_link_enabled", c::jb(item, "PrivateLinkEnabled"))
        .echo_or("availability_mode", "SingleAZ")
        .set("deletion_protection", c::jb(item, "DeletionProtection"))
        .echo("force")
        .echo("dry_run")
        .opt("tags", c::jtags(item))
        .set(
            "snat_table_ids",
            c::jlist(item, "SnatTableIds", "SnatTableId").join(","),
        )
        .set(
            "forward_table_ids",
            c::jlist(item, "ForwardTableIds", "ForwardTableId").join(","),
        )
        .set("status", c::js(item, "Status"))
        .set("create_time", c::js(item, "CreationTime"))
        .echo_or("access_mode", Value::Null);
    o.finish(TYPE, false)
}

fn describe(api: &Api, ctx: &OpContext, mut p: Params) -> Result<Value, ProviderError> {
    p.insert("PageSize".into(), "50".into());
    api.call(ctx, "DescribeNatGateways", p)
}

fn fetch(
    api: &Api,
    ctx: &OpContext,
    ids: &[String],
) -> Result<foldhash::HashMap<String, Value>, ProviderError> {
    let answer = describe(api, ctx, c::params(&[("NatGatewayId", &ids.join(","))]))?;
    Ok(c::by_id(
        answer,
        "NatGateways",
        "NatGateway",
        "NatGatewayId",
    ))
}

fn item(api: &Api, ctx: &OpContext, id: &str) -> Result<Value, ProviderError> {
    fetch(api, ctx, &[id.to_string()])?
        .remove(id)
        .ok_or_else(|| {
            ProviderError::Invalid(format!(
                "NAT gateway {id} disappeared right after it was changed"
            ))
        })
}

fn protect(api: &Api, ctx: &OpContext, id: &str, on: bool) -> Result<(), ProviderError> {
    let p = c::params(&[
        ("InstanceId", id),
        ("Type", "NATGW"),
        ("ProtectionEnable", if on { "true" } else { "false" }),
    ]);
    api.call(ctx, "DeletionProtection", p)?;
    Ok(())
}

impl ResourceOps for NatGateway {
    fn create(&self, api: &Api, ctx: &OpContext, config: &Attrs) -> Result<Attrs, ProviderError> {
        let mut p = Params::new();
        c::put(&mut p, "VpcId", c::s(config, &["vpc_id"]));
        c::put(&mut p, "VSwitchId", c::ne(config, &["vswitch_id"]));
        c::put(
            &mut p,
            "NatType",
            Some(c::ne(config, &["nat_type"]).unwrap_or_else(|| "Enhanced".into())),
        );
        c::put(&mut p, "Name", c::ne(config, &["nat_gateway_name", "name"]));
        c::put(&mut p, "Description", c::ne(config, &["description"]));
        c::put(
            &mut p,
            "InstanceChargeType",
            c::ne(config, &["payment_type", "instance_charge_type"])
                .map(|v| c::charge_type(&v).to_string()),
        );
        c::put(
            &mut p,
            "InternetChargeType",
            c::ne(config, &["internet_charge_type"]),
        );
        c::put(&mut p, "Spec", c::ne(config, &["specification"]));
        c::put(&mut p, "NetworkType", c::ne(config, &["network_type"]));
        c::put(&mut p, "EipBindMode", c::ne(config, &["eip_bind_mode"]));
        c::put(
            &mut p,
            "IcmpReplyEnabled",
            c::b(config, &["icmp_reply_enabled"]),
        );
        c::put(
            &mut p,
            "PrivateLinkEnabled",
            c::b(config, &["private_link_enabled"]),
        );
        c::put(&mut p, "Period", c::n(config, &["period"]));
        c::put_tags(&mut p, config);
        let answer = api.mutate(ctx, "CreateNatGateway", "", p)?;
        let id = c::js(&answer, "NatGatewayId");
        if c::b(config, &["deletion_protection"]) == Some(true) {
            protect(api, ctx, &id, true)?;
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
        if c::any(
            changed,
            &[
                "nat_gateway_name",
                "name",
                "description",
                "eip_bind_mode",
                "icmp_reply_enabled",
            ],
        ) {
            let mut p = c::params(&[("NatGatewayId", id)]);
            if c::any(changed, &["nat_gateway_name", "name"]) {
                c::put(
                    &mut p,
                    "Name",
                    Some(c::s(config, &["nat_gateway_name", "name"]).unwrap_or_default()),
                );
            }
            if c::any(changed, &["description"]) {
                c::put(
                    &mut p,
                    "Description",
                    Some(c::s(config, &["description"]).unwrap_or_default()),
                );
            }
            if c::any(changed, &["eip_bind_mode"]) {
                c::put(&mut p, "EipBindMode", c::ne(config, &["eip_bind_mode"]));
            }
            if c::any(changed, &["icmp_reply_enabled"]) {
                c::put(
                    &mut p,
                    "IcmpReplyEnabled",
                    c::b(config, &["icmp_reply_enabled"]),
                );
            }
            api.call(ctx, "ModifyNatGatewayAttribute", p)?;
        }
        if c::any(changed, &["specification"])
            && let Some(spec) = c::ne(config, &["specification"])
        {
            api.call(
                ctx,
                "ModifyNatGatewaySpec",
                c::params(&[("NatGatewayId", id), ("Spec", &spec)]),
            )?;
        }
        if c::any(changed, &["deletion_protection"]) {
            protect(
                api,
                ctx,
                id,
                c::b(config, &["deletion_protection"]).unwrap_or(false),
            )?;
        }
        if c::any(changed, &["tags"]) {
            c::update_tags(api, ctx, id, "NATGATEWAY", "UnTagResources", prior, config)?;
        }
        Ok(to_attrs(&item(api, ctx, id)?, config))
    }

    fn delete(
        &self,
        api: &Api,
        ctx: &OpContext,
        id: &str,
        prior: &Attrs,
    ) -> Result<Deleted, ProviderError> {
        let force = c::b(prior, &["force"]).unwrap_or(false);
        c::delete(
            api,
            ctx,
            "DeleteNatGateway",
            c::params(&[
                ("NatGatewayId", id),
                ("Force", if force { "true" } else { "false" }),
            ]),
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
            c::by_id(answer, "NatGateways", "NatGateway", "NatGatewayId")
                .values()
                .next()
                .map(|i| to_attrs(i, &Attrs::new())),
        )
    }
}
