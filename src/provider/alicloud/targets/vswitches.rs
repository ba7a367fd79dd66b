//! Data source `alicloud_vswitches`: `DescribeVSwitches` (all pages), filtered by `ids`,
//! `name_regex`, `vpc_id`, `zone_id`, `vswitch_name`, `cidr_block`, `status`, `is_default`,
//! `resource_group_id`, `route_table_id`, `tags`.

use serde_json::{Value, json};

use super::common::{self as c, Out};
use crate::provider::alicloud::{Api, DataOps};
use crate::provider::{Attrs, OpContext, ProviderError};

pub struct VSwitches;

impl DataOps for VSwitches {
    fn read(&self, api: &Api, ctx: &OpContext, config: &Attrs) -> Result<Attrs, ProviderError> {
        let mut p = crate::cloud::Params::new();
        c::put(&mut p, "VpcId", c::ne(config, &["vpc_id"]));
        c::put(&mut p, "ZoneId", c::ne(config, &["zone_id"]));
        c::put(&mut p, "VSwitchName", c::ne(config, &["vswitch_name"]));
        c::put(
            &mut p,
            "ResourceGroupId",
            c::ne(config, &["resource_group_id"]),
        );
        if let Some(ids) = c::list(config, &["ids"]).filter(|l| !l.is_empty()) {
            p.insert("VSwitchId".into(), ids.join(","));
        }
        c::put_tags(&mut p, config);
        let regex = c::name_filter(config)?;
        let cidr = c::ne(config, &["cidr_block"]);
        let status = c::ne(config, &["status"]);
        let route_table = c::ne(config, &["route_table_id"]);
        let is_default = c::b(config, &["is_default"]);
        let list: Vec<Value> =
            c::all_pages(api, ctx, "DescribeVSwitches", p, 50, "VSwitches", "VSwitch")?
                .into_iter()
                .filter(|v| {
                    regex
                        .as_ref()
                        .is_none_or(|r| r.is_match(&c::js(v, "VSwitchName")))
                })
                .filter(|v| cidr.as_ref().is_none_or(|x| *x == c::js(v, "CidrBlock")))
                .filter(|v| status.as_ref().is_none_or(|x| *x == c::js(v, "Status")))
                .filter(|v| {
                    route_table.as_ref().is_none_or(|x| {
                        *x == c::js(v.get("RouteTable").unwrap_or(&Value::Null), "RouteTableId")
                    })
                })
                .filter(|v| is_default.is_none_or(|d| c::jb(v, "IsDefault") == d))
                .collect();
        let ids: Vec<String> = list.iter().map(|v| c::js(v, "VSwitchId")).collect();
        let names: Vec<String> = list.iter().map(|v| c::js(v, "VSwitchName")).collect();
        let items: Vec<Value> = list
            .iter()
            .map(|v| {
                json!({
                    "id": c::js(v, "VSwitchId"),
                    "vswitch_id": c::js(v, "VSwitchId"),
                    "vpc_id": c::js(v, "VpcId"),
                    "zone_id": c::js(v, "ZoneId"),
                    "name": c::js(v, "VSwitchName"),
                    "vswitch_name": c::js(v, "VSwitchName"),
                    "cidr_block": c::js(v, "CidrBlock"),
                    "ipv6_cidr_block": c::js(v, "Ipv6CidrBlock"),
                    "description": c::js(v, "Description"),
                    "is_default": c::jb(v, "IsDefault"),
                    "creation_time": c::js(v, "CreationTime"),
                    "create_time": c::js(v, "CreationTime"),
                    "available_ip_address_count": c::ji(v, "AvailableIpAddressCount"),
                    "resource_group_id": c::js(v, "ResourceGroupId"),
                    "route_table_id": c::js(v.get("RouteTable").unwrap_or(&Value::Null), "RouteTableId"),
                    "status": c::js(v, "Status"),
                    "tags": c::jtags(v),
                })
            })
            .collect();
        let mut o = Out::new(&c::data_id(&ids), config);
        o.set("total_count", ids.len())
            .set("ids", json!(ids))
            .set("names", json!(names))
            .set("vswitches", Value::Array(items));
        Ok(o.finish("alicloud_vswitches", true))
    }
}
