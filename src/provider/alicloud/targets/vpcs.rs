//! Data source `alicloud_vpcs`: `DescribeVpcs` (all pages), filtered by `ids`, `name_regex`,
//! `vpc_name`, `cidr_block`, `status`, `is_default`, `vswitch_id`, `resource_group_id`, `tags`.

use serde_json::{Value, json};

use super::common::{self as c, Out};
use crate::provider::alicloud::{Api, DataOps};
use crate::provider::{Attrs, OpContext, ProviderError};

pub struct Vpcs;

impl DataOps for Vpcs {
    fn read(&self, api: &Api, ctx: &OpContext, config: &Attrs) -> Result<Attrs, ProviderError> {
        let mut p = crate::cloud::Params::new();
        c::put(&mut p, "VpcName", c::ne(config, &["vpc_name"]));
        c::put(&mut p, "IsDefault", c::b(config, &["is_default"]));
        c::put(
            &mut p,
            "ResourceGroupId",
            c::ne(config, &["resource_group_id"]),
        );
        if let Some(ids) = c::list(config, &["ids"]).filter(|l| !l.is_empty()) {
            p.insert("VpcId".into(), ids.join(","));
        }
        c::put_tags(&mut p, config);
        let regex = c::name_filter(config)?;
        let cidr = c::ne(config, &["cidr_block"]);
        let status = c::ne(config, &["status"]);
        let vswitch = c::ne(config, &["vswitch_id"]);
        let vpcs: Vec<Value> = c::all_pages(api, ctx, "DescribeVpcs", p, 50, "Vpcs", "Vpc")?
            .into_iter()
            .filter(|v| {
                regex
                    .as_ref()
                    .is_none_or(|r| r.is_match(&c::js(v, "VpcName")))
            })
            .filter(|v| cidr.as_ref().is_none_or(|x| *x == c::js(v, "CidrBlock")))
            .filter(|v| status.as_ref().is_none_or(|x| *x == c::js(v, "Status")))
            .filter(|v| {
                vswitch
                    .as_ref()
                    .is_none_or(|x| c::jlist(v, "VSwitchIds", "VSwitchId").contains(x))
            })
            .collect();
        let ids: Vec<String> = vpcs.iter().map(|v| c::js(v, "VpcId")).collect();
        let names: Vec<String> = vpcs.iter().map(|v| c::js(v, "VpcName")).collect();
        let items: Vec<Value> = vpcs
            .iter()
            .map(|v| {
                let route_table = c::jlist(v, "RouterTableIds", "RouterTableIds").into_iter().next().unwrap_or_default();
                json!({
                    "id": c::js(v, "VpcId"),
                    "vpc_id": c::js(v, "VpcId"),
                    "region_id": c::js(v, "RegionId"),
                    "status": c::js(v, "Status"),
                    "vpc_name": c::js(v, "VpcName"),
                    "vswitch_ids": c::jlist(v, "VSwitchIds", "VSwitchId"),
                    "cidr_block": c::js(v, "CidrBlock"),
                    "vrouter_id": c::js(v, "VRouterId"),
                    "router_id": c::js(v, "VRouterId"),
                    "route_table_id": route_table,
                    "description": c::js(v, "Description"),
                    "is_default": c::jb(v, "IsDefault"),
                    "creation_time": c::js(v, "CreationTime"),
                    "create_time": c::js(v, "CreationTime"),
                    "resource_group_id": c::js(v, "ResourceGroupId"),
                    "ipv6_cidr_block": c::js(v, "Ipv6CidrBlock"),
                    "secondary_cidr_blocks": c::jlist(v, "SecondaryCidrBlocks", "SecondaryCidrBlock"),
                    "user_cidrs": c::jlist(v, "UserCidrs", "UserCidr"),
                    "ipv4_gateway_id": c::js(v, "Ipv4GatewayId"),
                    "tags": c::jtags(v),
                })
            })
            .collect();
        let mut o = Out::new(&c::data_id(&ids), config);
        o.set("total_count", ids.len())
            .set("ids", json!(ids))
            .set("names", json!(names))
            .set("vpcs", Value::Array(items));
        Ok(o.finish("alicloud_vpcs", true))
    }
}
