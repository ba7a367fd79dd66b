//! `alicloud_vpc`: `CreateVpc`, `DescribeVpcs` (20 ids a call), `ModifyVpcAttribute`,
//! `MoveResourceGroup`, tags, `DeleteVpc`.

use serde_json::{Value, json};

use super::common::{self as c, Out};
use crate::cloud::Params;
use crate::provider::alicloud::{Api, ResourceOps};
use crate::provider::{Attrs, Deleted, OpContext, ProviderError, ReadItem};

pub struct Vpc;

const TYPE: &str = "alicloud_vpc";

fn to_attrs(item: &Value, src: &Attrs) -> Attrs {
    let mut o = Out::new(&c::js(item, "VpcId"), src);
    let route_table = c::js(item, "RouteTableId");
    let route_table = if route_table.is_empty() {
        c::jlist(item, "RouterTableIds", "RouterTableIds")
            .into_iter()
            .next()
            .unwrap_or_default()
    } else {
        route_table
    };
    let ipv6 = c::js(item, "Ipv6CidrBlock");
    o.set("cidr_block", c::js(item, "CidrBlock"))
        .set("vpc_name", c::js(item, "VpcName"))
        .opt("description", c::js(item, "Description"))
        .set("resource_group_id", c::js(item, "ResourceGroupId"))
        .opt("tags", c::jtags(item))
        .set(
            "secondary_cidr_blocks",
            json!(c::jlist(item, "SecondaryCidrBlocks", "SecondaryCidrBlock")),
        )
        .set("user_cidrs", json!(c::jlist(item, "UserCidrs", "UserCidr")))
        .opt("enable_ipv6", !ipv6.is_empty())
        .opt("classic_link_enabled", c::jb(item, "ClassicLinkEnabled"))
        .opt("is_default", c::jb(item, "IsDefault"))
        .echo_or("system_route_table_name", "")
        .echo_or("system_route_table_description", "")
        .set("router_id", c::js(item, "VRouterId"))
        .set("route_table_id", route_table.clone())
        .set("router_table_id", route_table)
        .set("ipv6_cidr_block", ipv6.clone())
        .set(
            "ipv6_cidr_blocks",
            if ipv6.is_empty() {
                json!([])
            } else {
                json!([{"ipv6_cidr_block": ipv6, "ipv6_isp": "BGP"}])
            },
        )
        .set("status", c::js(item, "Status"))
        .set("create_time", c::js(item, "CreationTime"));
    o.finish(TYPE, false)
}

/// The attributes of a VPC this provider just created, from its arguments and the CreateVpc
/// answer (id, router, route table, resource group), as DescribeVpcs would answer them. The
/// creation time, and the IPv6 block the cloud assigns, wait for a read.
fn created(answer: &Value, config: &Attrs) -> Attrs {
    let ipv6 = c::b(config, &["enable_ipv6"]).unwrap_or(false);
    let item = json!({
        "VpcId": c::js(answer, "VpcId"),
        "Status": "Available",
        "VpcName": c::s(config, &["vpc_name", "name"]).unwrap_or_default(),
        "CidrBlock": c::canonical_cidr(c::ne(config, &["cidr_block"]).as_deref().unwrap_or("172.16.0.0/12")),
        // Stands for the block the cloud assigns (deferred below).
        "Ipv6CidrBlock": if ipv6 { "?" } else { "" },
        "VRouterId": c::js(answer, "VRouterId"),
        "RouteTableId": c::js(answer, "RouteTableId"),
        "Description": c::s(config, &["description"]).unwrap_or_default(),
        "IsDefault": c::b(config, &["is_default"]).unwrap_or(false),
        "ResourceGroupId": c::js(answer, "ResourceGroupId"),
        "ClassicLinkEnabled": false,
        "UserCidrs": {"UserCidr": c::list(config, &["user_cidrs"]).unwrap_or_default()},
        "SecondaryCidrBlocks": {"SecondaryCidrBlock": []},
        "Tags": c::tag_items(config),
    });
    let mut a = to_attrs(&item, config);
    let mut deferred = vec!["create_time"];
    if ipv6 {
        deferred.extend(["ipv6_cidr_block", "ipv6_cidr_blocks"]);
    }
    if c::js(answer, "ResourceGroupId").is_empty() {
        deferred.push("resource_group_id");
    }
    c::defer(&mut a, &deferred);
    a
}

fn describe(api: &Api, ctx: &OpContext, mut p: Params) -> Result<Value, ProviderError> {
    p.insert("PageSize".into(), "50".into());
    api.call(ctx, "DescribeVpcs", p)
}

fn read_one(api: &Api, ctx: &OpContext, id: &str, src: &Attrs) -> Result<Attrs, ProviderError> {
    let answer = describe(api, ctx, c::params(&[("VpcId", id)]))?;
    let found = c::by_id(answer, "Vpcs", "Vpc", "VpcId");
    found
        .get(id)
        .map(|item| to_attrs(item, src))
        .ok_or_else(|| {
            ProviderError::Invalid(format!("VPC {id} disappeared right after it was changed"))
        })
}

impl ResourceOps for Vpc {
    fn create(&self, api: &Api, ctx: &OpContext, config: &Attrs) -> Result<Attrs, ProviderError> {
        let mut p = Params::new();
        c::put(&mut p, "CidrBlock", c::ne(config, &["cidr_block"]));
        c::put(&mut p, "VpcName", c::s(config, &["vpc_name", "name"]));
        c::put(&mut p, "Description", c::s(config, &["description"]));
        c::put(
            &mut p,
            "ResourceGroupId",
            c::ne(config, &["resource_group_id"]),
        );
        c::put(&mut p, "EnableIpv6", c::b(config, &["enable_ipv6"]));
        c::put(&mut p, "Ipv6Isp", c::ne(config, &["ipv6_isp"]));
        c::put(&mut p, "IsDefault", c::b(config, &["is_default"]));
        c::put(&mut p, "DryRun", c::b(config, &["dry_run"]));
        if let Some(cidrs) = c::list(config, &["user_cidrs"]).filter(|l| !l.is_empty()) {
            p.insert("UserCidr".into(), cidrs.join(","));
        }
        c::put_tags(&mut p, config);
        let answer = api.mutate(ctx, "CreateVpc", "", p)?;
        Ok(created(&answer, config))
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
            |ids| {
                Ok(c::by_id(
                    describe(api, ctx, c::params(&[("VpcId", &ids.join(","))]))?,
                    "Vpcs",
                    "Vpc",
                    "VpcId",
                ))
            },
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
        if c::any(changed, &["vpc_name", "name", "description", "enable_ipv6"]) {
            let mut p = c::params(&[("VpcId", id)]);
            if c::any(changed, &["vpc_name", "name"]) {
                c::put(
                    &mut p,
                    "VpcName",
                    Some(c::s(config, &["vpc_name", "name"]).unwrap_or_default()),
                );
            }
            if c::any(changed, &["description"]) {
                c::put(
                    &mut p,
                    "Description",
                    Some(c::s(config, &["description"]).unwrap_or_default()),
                );
            }
            if c::any(changed, &["enable_ipv6"]) {
                c::put(
                    &mut p,
                    "EnableIPv6",
                    Some(c::b(config, &["enable_ipv6"]).unwrap_or(false)),
                );
            }
            api.call(ctx, "ModifyVpcAttribute", p)?;
        }
        if c::any(changed, &["resource_group_id"]) {
            c::move_resource_group(api, ctx, id, "VPC", config)?;
        }
        if c::any(changed, &["tags"]) {
            c::update_tags(api, ctx, id, "VPC", "UnTagResources", prior, config)?;
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
        match api.call(ctx, "DeleteVpc", c::params(&[("VpcId", id)])) {
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
        Ok(c::by_id(answer, "Vpcs", "Vpc", "VpcId")
            .values()
            .next()
            .map(|item| to_attrs(item, &Attrs::new())))
    }
}
