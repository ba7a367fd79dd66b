//! `alicloud_vpc_ha_vip` (alias `alicloud_havip`): `CreateHaVip`, `DescribeHaVips` (20 ids a
//! call, `Filter.1.Key=HaVipId`), `ModifyHaVipAttribute`, `MoveResourceGroup`, tags,
//! `DeleteHaVip`. `associated_eip_addresses` lists the EIPs associated with the HAVIP.

use serde_json::{Value, json};

use super::common::{self as c, Out};
use crate::cloud::Params;
use crate::provider::alicloud::{Api, ResourceOps};
use crate::provider::{Attrs, Deleted, OpContext, ProviderError, ReadItem};

pub struct HaVip;

const TYPE: &str = "alicloud_vpc_ha_vip";

fn to_attrs(item: &Value, src: &Attrs) -> Attrs {
    let mut o = Out::new(&c::js(item, "HaVipId"), src);
    let name = c::js(item, "Name");
    o.set("vswitch_id", c::js(item, "VSwitchId"))
        .set("ip_address", c::js(item, "IpAddress"))
        .opt("description", c::js(item, "Description"))
        .set("ha_vip_name", name.clone())
        .set("havip_name", name)
        .set("resource_group_id", c::js(item, "ResourceGroupId"))
        .opt("tags", c::jtags(item))
        .set("ha_vip_id", c::js(item, "HaVipId"))
        .set("vpc_id", c::js(item, "VpcId"))
        .set(
            "associated_eip_addresses",
            json!(c::jlist(
                item,
                "AssociatedEipAddresses",
                "associatedEipAddresse"
            )),
        )
        .set(
            "associated_instances",
            json!(c::jlist(item, "AssociatedInstances", "associatedInstance")),
        )
        .set(
            "associated_instance_type",
            c::js(item, "AssociatedInstanceType"),
        )
        .set("master_instance_id", c::js(item, "MasterInstanceId"))
        .set("status", c::js(item, "Status"))
        .set("create_time", c::js(item, "CreateTime"));
    o.finish(TYPE, false)
}

fn describe(api: &Api, ctx: &OpContext, mut p: Params) -> Result<Value, ProviderError> {
    p.insert("PageSize".into(), "50".into());
    api.call(ctx, "DescribeHaVips", p)
}

fn fetch(
    api: &Api,
    ctx: &OpContext,
    ids: &[String],
) -> Result<foldhash::HashMap<String, Value>, ProviderError> {
    let mut p = c::params(&[("Filter.1.Key", "HaVipId")]);
    c::put_list(&mut p, "Filter.1.Value", ids);
    Ok(c::by_id(
        describe(api, ctx, p)?,
        "HaVips",
        "HaVip",
        "HaVipId",
    ))
}

fn item(api: &Api, ctx: &OpContext, id: &str) -> Result<Value, ProviderError> {
    fetch(api, ctx, &[id.to_string()])?
        .remove(id)
        .ok_or_else(|| {
            ProviderError::Invalid(format!("HAVIP {id} disappeared right after it was changed"))
        })
}

impl ResourceOps for HaVip {
    fn create(&self, api: &Api, ctx: &OpContext, config: &Attrs) -> Result<Attrs, ProviderError> {
        let mut p = Params::new();
        c::put(&mut p, "VSwitchId", c::s(config, &["vswitch_id"]));
        c::put(&mut p, "IpAddress", c::ne(config, &["ip_address"]));
        c::put(&mut p, "Description", c::ne(config, &["description"]));
        c::put(
            &mut p,
            "Name",
            c::ne(config, &["ha_vip_name", "havip_name"]),
        );
        c::put(
            &mut p,
            "ResourceGroupId",
            c::ne(config, &["resource_group_id"]),
        );
        c::put_tags(&mut p, config);
        let answer = api.mutate(ctx, "CreateHaVip", "", p)?;
        Ok(to_attrs(
            &item(api, ctx, &c::js(&answer, "HaVipId"))?,
            config,
        ))
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
        if c::any(changed, &["ha_vip_name", "havip_name", "description"]) {
            let mut p = c::params(&[("HaVipId", id)]);
            if c::any(changed, &["ha_vip_name", "havip_name"]) {
                c::put(
                    &mut p,
                    "Name",
                    Some(c::s(config, &["ha_vip_name", "havip_name"]).unwrap_or_default()),
                );
            }
            if c::any(changed, &["description"]) {
                c::put(
                    &mut p,
                    "Description",
                    Some(c::s(config, &["description"]).unwrap_or_default()),
                );
            }
            api.call(ctx, "ModifyHaVipAttribute", p)?;
        }
        if c::any(changed, &["resource_group_id"]) {
            c::move_resource_group(api, ctx, id, "HAVIP", config)?;
        }
        if c::any(changed, &["tags"]) {
            c::update_tags(api, ctx, id, "HAVIP", "UnTagResources", prior, config)?;
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
        match api.call(ctx, "DeleteHaVip", c::params(&[("HaVipId", id)])) {
            Ok(_) => Ok(Deleted::Released),
            Err(e) if c::is_not_found(&e) => Ok(Deleted::Released),
            Err(e) => Err(e),
        }
    }

    fn find_by_token(
        &self,
        api: &Api,
        ctx: &OpContext,
        token: &str,
    ) -> Result<Option<Attrs>, ProviderError> {
        let answer = describe(api, ctx, c::params(&[("ClientToken", token)]))?;
        Ok(c::by_id(answer, "HaVips", "HaVip", "HaVipId")
            .values()
            .next()
            .map(|i| to_attrs(i, &Attrs::new())))
    }
}
