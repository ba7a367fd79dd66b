//! `alicloud_vswitch`: `CreateVSwitch`, `DescribeVSwitches` (20 ids a call),
//! `ModifyVSwitchAttribute`, tags, `DeleteVSwitch`.

use serde_json::{Value, json};

use super::common::{self as c, Out};
use crate::cloud::Params;
use crate::provider::alicloud::{Api, ResourceOps};
use crate::provider::{Attrs, Deleted, OpContext, ProviderError, ReadItem};

pub struct VSwitch;

const TYPE: &str = "alicloud_vswitch";

fn to_attrs(item: &Value, src: &Attrs) -> Attrs {
    let mut o = Out::new(&c::js(item, "VSwitchId"), src);
    let ipv6 = c::js(item, "Ipv6CidrBlock");
    o.set("vpc_id", c::js(item, "VpcId"))
        .set("cidr_block", c::js(item, "CidrBlock"))
        .set("zone_id", c::js(item, "ZoneId"))
        .set("availability_zone", c::js(item, "ZoneId"))
        .set("vswitch_name", c::js(item, "VSwitchName"))
        .opt("description", c::js(item, "Description"))
        .opt("tags", c::jtags(item))
        .opt("enable_ipv6", !ipv6.is_empty())
        .echo("ipv6_cidr_block_mask")
        .opt("is_default", c::jb(item, "IsDefault"))
        .set("ipv6_cidr_block", ipv6)
        .set("status", c::js(item, "Status"))
        .set("create_time", c::js(item, "CreationTime"));
    o.finish(TYPE, false)
}

/// The attributes of a vSwitch this provider just created, from its arguments, as
/// DescribeVSwitches would answer them; the creation time waits for a read.
fn created(id: &str, config: &Attrs) -> Attrs {
    let item = json!({
        "VSwitchId": id,
        "VpcId": c::s(config, &["vpc_id"]).unwrap_or_default(),
        "Status": "Available",
        "CidrBlock": c::canonical_cidr(&c::s(config, &["cidr_block"]).unwrap_or_default()),
        "Ipv6CidrBlock": "",
        "ZoneId": c::s(config, &["zone_id", "availability_zone"]).unwrap_or_default(),
        "Description": c::s(config, &["description"]).unwrap_or_default(),
        "VSwitchName": c::s(config, &["vswitch_name", "name"]).unwrap_or_default(),
        "IsDefault": false,
        "Tags": c::tag_items(config),
    });
    let mut a = to_attrs(&item, config);
    c::defer(&mut a, &["create_time"]);
    a
}

fn describe(api: &Api, ctx: &OpContext, mut p: Params) -> Result<Value, ProviderError> {
    p.insert("PageSize".into(), "50".into());
    api.call(ctx, "DescribeVSwitches", p)
}

fn fetch(
    api: &Api,
    ctx: &OpContext,
    ids: &[String],
) -> Result<foldhash::HashMap<String, Value>, ProviderError> {
    let answer = describe(api, ctx, c::params(&[("VSwitchId", &ids.join(","))]))?;
    Ok(c::by_id(answer, "VSwitches", "VSwitch", "VSwitchId"))
}

fn read_one(api: &Api, ctx: &OpContext, id: &str, src: &Attrs) -> Result<Attrs, ProviderError> {
    fetch(api, ctx, &[id.to_string()])?
        .get(id)
        .map(|item| to_attrs(item, src))
        .ok_or_else(|| {
            ProviderError::Invalid(format!(
                "vSwitch {id} disappeared right after it was changed"
            ))
        })
}

impl ResourceOps for VSwitch {
    fn create(&self, api: &Api, ctx: &OpContext, config: &Attrs) -> Result<Attrs, ProviderError> {
        let mut p = Params::new();
        c::put(&mut p, "VpcId", c::s(config, &["vpc_id"]));
        c::put(&mut p, "CidrBlock", c::s(config, &["cidr_block"]));
        c::put(
            &mut p,
            "ZoneId",
            c::s(config, &["zone_id", "availability_zone"]),
        );
        c::put(
            &mut p,
            "VSwitchName",
            c::s(config, &["vswitch_name", "name"]),
        );
        c::put(&mut p, "Description", c::s(config, &["description"]));
        c::put_tags(&mut p, config);
        let answer = api.mutate(ctx, "CreateVSwitch", "", p)?;
        Ok(created(&c::js(&answer, "VSwitchId"), config))
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
        if c::any(changed, &["vswitch_name", "name", "description"]) {
            let mut p = c::params(&[("VSwitchId", id)]);
            if c::any(changed, &["vswitch_name", "name"]) {
                c::put(
                    &mut p,
                    "VSwitchName",
                    Some(c::s(config, &["vswitch_name", "name"]).unwrap_or_default()),
                );
            }
            if c::any(changed, &["description"]) {
                c::put(
                    &mut p,
                    "Description",
                    Some(c::s(config, &["description"]).unwrap_or_default()),
                );
            }
            api.call(ctx, "ModifyVSwitchAttribute", p)?;
        }
        if c::any(changed, &["tags"]) {
            c::update_tags(api, ctx, id, "VSWITCH", "UnTagResources", prior, config)?;
        }
        read_one(api, ctx, id, config)
    }

    fn delete(
        &self,
        api: &Api,
        ctx: &OpContext,
        id: &str,
        _prior: &Attrs,
    ) -> Result<Deleted, ProviderError> {
        match api.call(ctx, "DeleteVSwitch", c::params(&[("VSwitchId", id)])) {
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
        Ok(c::by_id(answer, "VSwitches", "VSwitch", "VSwitchId")
            .values()
            .next()
            .map(|i| to_attrs(i, &Attrs::new())))
    }
}
