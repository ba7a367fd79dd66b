//! `alicloud_vpc_ipv4_gateway`: `CreateIpv4Gateway` (then `EnableVpcIpv4Gateway` when
//! `enabled = true`), `GetIpv4GatewayAttribute` (one call per gateway),
//! `UpdateIpv4GatewayAttribute`, `EnableVpcIpv4Gateway`/`DisableVpcIpv4Gateway`,
//! `MoveResourceGroup`, tags, `DeleteIpv4Gateway`.

use serde_json::Value;

use super::common::{self as c, Out};
use crate::cloud::Params;
use crate::provider::alicloud::{Api, ResourceOps};
use crate::provider::{Attrs, Deleted, OpContext, ProviderError, ReadItem};

pub struct Ipv4Gateway;

const TYPE: &str = "alicloud_vpc_ipv4_gateway";

fn to_attrs(item: &Value, src: &Attrs) -> Attrs {
    let mut o = Out::new(&c::js(item, "Ipv4GatewayId"), src);
    let tags: Value =
        serde_json::json!({"Tags": {"Tag": item.get("Tags").cloned().unwrap_or(Value::Null)}});
    o.set("vpc_id", c::js(item, "VpcId"))
        .opt("ipv4_gateway_name", c::js(item, "Ipv4GatewayName"))
        .opt(
            "ipv4_gateway_description",
            c::js(item, "Ipv4GatewayDescription"),
        )
        .set("enabled", c::jb(item, "Enabled"))
        .set("resource_group_id", c::js(item, "ResourceGroupId"))
        .echo("dry_run")
        .opt("tags", c::jtags(&tags))
        .set("ipv4_gateway_id", c::js(item, "Ipv4GatewayId"))
        .set(
            "ipv4_gateway_route_table_id",
            c::js(item, "Ipv4GatewayRouteTableId"),
        )
        .set("status", c::js(item, "Status"))
        .set("create_time", c::js(item, "CreateTime"));
    o.finish(TYPE, false)
}

fn get(api: &Api, ctx: &OpContext, id: &str) -> Result<Option<Value>, ProviderError> {
    match api.call(
        ctx,
        "GetIpv4GatewayAttribute",
        c::params(&[("Ipv4GatewayId", id)]),
    ) {
        Ok(v) => Ok(Some(v)),
        Err(e) if c::is_not_found(&e) => Ok(None),
        Err(e) => Err(e),
    }
}

fn item(api: &Api, ctx: &OpContext, id: &str) -> Result<Value, ProviderError> {
    get(api, ctx, id)?.ok_or_else(|| {
        ProviderError::Invalid(format!(
            "IPv4 gateway {id} disappeared right after it was changed"
        ))
    })
}

fn set_enabled(api: &Api, ctx: &OpContext, id: &str, on: bool) -> Result<(), ProviderError> {
    let action = if on {
        "EnableVpcIpv4Gateway"
    } else {
        "DisableVpcIpv4Gateway"
    };
    api.call(ctx, action, c::params(&[("Ipv4GatewayId", id)]))?;
    Ok(())
}

impl ResourceOps for Ipv4Gateway {
    fn create(&self, api: &Api, ctx: &OpContext, config: &Attrs) -> Result<Attrs, ProviderError> {
        let mut p = Params::new();
        c::put(&mut p, "VpcId", c::s(config, &["vpc_id"]));
        c::put(
            &mut p,
            "Ipv4GatewayName",
            c::ne(config, &["ipv4_gateway_name"]),
        );
        c::put(
            &mut p,
            "Ipv4GatewayDescription",
            c::ne(config, &["ipv4_gateway_description"]),
        );
        c::put(
            &mut p,
            "ResourceGroupId",
            c::ne(config, &["resource_group_id"]),
        );
        c::put_tags(&mut p, config);
        let answer = api.mutate(ctx, "CreateIpv4Gateway", "", p)?;
        let id = c::js(&answer, "Ipv4GatewayId");
        if c::b(config, &["enabled"]) == Some(true) {
            set_enabled(api, ctx, &id, true)?;
        }
        Ok(to_attrs(&item(api, ctx, &id)?, config))
    }

    fn read(
        &self,
        api: &Api,
        ctx: &OpContext,
        items: &[ReadItem],
    ) -> Result<Vec<Option<Attrs>>, ProviderError> {
        items
            .iter()
            .map(|(id, prior)| Ok(get(api, ctx, id)?.map(|item| to_attrs(&item, prior))))
            .collect()
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
        if c::any(changed, &["ipv4_gateway_name", "ipv4_gateway_description"]) {
            let mut p = c::params(&[("Ipv4GatewayId", id)]);
            c::put(
                &mut p,
                "Ipv4GatewayName",
                Some(c::s(config, &["ipv4_gateway_name"]).unwrap_or_default()),
            );
            c::put(
                &mut p,
                "Ipv4GatewayDescription",
                Some(c::s(config, &["ipv4_gateway_description"]).unwrap_or_default()),
            );
            api.call(ctx, "UpdateIpv4GatewayAttribute", p)?;
        }
        if c::any(changed, &["enabled"]) {
            set_enabled(api, ctx, id, c::b(config, &["enabled"]).unwrap_or(false))?;
        }
        if c::any(changed, &["resource_group_id"]) {
            c::move_resource_group(api, ctx, id, "IPV4GATEWAY", config)?;
        }
        if c::any(changed, &["tags"]) {
            c::update_tags(api, ctx, id, "IPV4GATEWAY", "UnTagResources", prior, config)?;
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
            "DeleteIpv4Gateway",
            c::params(&[("Ipv4GatewayId", id)]),
        )
    }

    fn import(&self, api: &Api, ctx: &OpContext, id: &str) -> Result<Option<Attrs>, ProviderError> {
        Ok(get(api, ctx, id)?.map(|item| to_attrs(&item, &Attrs::new())))
    }

    fn find_by_token(
        &self,
        api: &Api,
        ctx: &OpContext,
        token: &str,
    ) -> Result<Option<Attrs>, ProviderError> {
        let answer = api.call(
            ctx,
            "ListIpv4Gateways",
            c::params(&[("ClientToken", token)]),
        )?;
        Ok(answer
            .get("Ipv4GatewayModels")
            .and_then(Value::as_array)
            .and_then(|a| a.first())
            .map(|i| to_attrs(i, &Attrs::new())))
    }
}
