//! `alicloud_ecs_network_interface` (alias `alicloud_network_interface`):
//! `CreateNetworkInterface`, `DescribeNetworkInterfaces` (100 ids a call),
//! `ModifyNetworkInterfaceAttribute`, `AssignPrivateIpAddresses`/`UnassignPrivateIpAddresses`,
//! `JoinResourceGroup`, tags, `DeleteNetworkInterface`.
//!
//! `private_ip_addresses` (deprecated `private_ips`) are the secondary private IPs; the primary
//! one is `primary_ip_address` (deprecated `private_ip`).

use serde_json::{Value, json};

use super::common::{self as c, Out};
use crate::cloud::Params;
use crate::provider::alicloud::{Api, ResourceOps};
use crate::provider::{Attrs, Deleted, OpContext, ProviderError, ReadItem};

pub struct NetworkInterface;

const TYPE: &str = "alicloud_ecs_network_interface";

fn secondary_ips(item: &Value) -> Vec<String> {
    item.get("PrivateIpSets")
        .and_then(|s| s.get("PrivateIpSet"))
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter(|i| !c::jb(i, "Primary"))
                .map(|i| c::js(i, "PrivateIpAddress"))
                .collect()
        })
        .unwrap_or_default()
}

fn to_attrs(item: &Value, src: &Attrs) -> Attrs {
    let mut o = Out::new(&c::js(item, "NetworkInterfaceId"), src);
    let secondary = secondary_ips(item);
    let groups = c::jlist(item, "SecurityGroupIds", "SecurityGroupId");
    let ipv6: Vec<String> = item
        .get("Ipv6Sets")
        .and_then(|s| s.get("Ipv6Set"))
        .and_then(Value::as_array)
        .map(|a| a.iter().map(|i| c::js(i, "Ipv6Address")).collect())
        .unwrap_or_default();
    let name = c::js(item, "NetworkInterfaceName");
    let primary = c::js(item, "PrivateIpAddress");
    o.set("vswitch_id", c::js(item, "VSwitchId"))
        .set("network_interface_name", name.clone())
        .set("name", name)
        .opt("description", c::js(item, "Description"))
        .set("security_group_ids", json!(groups))
        .set("security_groups", json!(groups))
        .set("primary_ip_address", primary.clone())
        .set("private_ip", primary)
        .set("private_ip_addresses", json!(secondary))
        .set("private_ips", json!(secondary))
        .set("secondary_private_ip_address_count", secondary.len())
        .set("private_ips_count", secondary.len())
        .set("ipv4_prefixes", json!([]))
        .set("ipv4_prefix_count", 0)
        .set("ipv6_addresses", json!(ipv6))
        .set("ipv6_address_count", ipv6.len())
        .set("resource_group_id", c::js(item, "ResourceGroupId"))
        .set("instance_type", c::js(item, "Type"))
        .set(
            "network_interface_traffic_mode",
            c::js(item, "NetworkInterfaceTrafficMode"),
        )
        .set("queue_number", c::ji(item, "QueueNumber"))
        .set("source_dest_check", c::jb(item, "SourceDestCheck"))
        .set("delete_on_release", c::jb(item, "DeleteOnRelease"))
        .opt("tags", c::jtags(item))
        .set("mac", c::js(item, "MacAddress"))
        .set("status", c::js(item, "Status"))
        .set("create_time", c::js(item, "CreationTime"));
    o.finish(TYPE, false)
}

fn describe(api: &Api, ctx: &OpContext, mut p: Params) -> Result<Value, ProviderError> {
    p.insert("PageSize".into(), "100".into());
    api.call(ctx, "DescribeNetworkInterfaces", p)
}

fn fetch(
    api: &Api,
    ctx: &OpContext,
    ids: &[String],
) -> Result<foldhash::HashMap<String, Value>, ProviderError> {
    let mut p = Params::new();
    c::put_list(&mut p, "NetworkInterfaceId", ids);
    let answer = describe(api, ctx, p)?;
    Ok(c::by_id(
        answer,
        "NetworkInterfaceSets",
        "NetworkInterfaceSet",
        "NetworkInterfaceId",
    ))
}

fn item(api: &Api, ctx: &OpContext, id: &str) -> Result<Value, ProviderError> {
    fetch(api, ctx, &[id.to_string()])?
        .remove(id)
        .ok_or_else(|| {
            ProviderError::Invalid(format!(
                "network interface {id} disappeared right after it was changed"
            ))
        })
}

const GROUPS: &[&str] = &["security_group_ids", "security_groups"];
const SECONDARY: &[&str] = &["private_ip_addresses", "private_ips"];
const COUNT: &[&str] = &["secondary_private_ip_address_count", "private_ips_count"];

impl ResourceOps for NetworkInterface {
    fn create(&self, api: &Api, ctx: &OpContext, config: &Attrs) -> Result<Attrs, ProviderError> {
        let mut p = Params::new();
        c::put(&mut p, "VSwitchId", c::s(config, &["vswitch_id"]));
        c::put_list(
            &mut p,
            "SecurityGroupIds",
            &c::list(config, GROUPS).unwrap_or_default(),
        );
        c::put(
            &mut p,
            "PrimaryIpAddress",
            c::ne(config, &["primary_ip_address", "private_ip"]),
        );
        c::put_list(
            &mut p,
            "PrivateIpAddress",
            &c::list(config, SECONDARY).unwrap_or_default(),
        );
        c::put(
            &mut p,
            "SecondaryPrivateIpAddressCount",
            c::n(config, COUNT).filter(|n| *n > 0),
        );
        c::put(
            &mut p,
            "NetworkInterfaceName",
            c::ne(config, &["network_interface_name", "name"]),
        );
        c::put(&mut p, "Description", c::ne(config, &["description"]));
        c::put(
            &mut p,
            "ResourceGroupId",
            c::ne(config, &["resource_group_id"]),
        );
        c::put(&mut p, "InstanceType", c::ne(config, &["instance_type"]));
        c::put(
            &mut p,
            "NetworkInterfaceTrafficMode",
            c::ne(config, &["network_interface_traffic_mode"]),
        );
        c::put(&mut p, "QueueNumber", c::n(config, &["queue_number"]));
        c::put(
            &mut p,
            "Ipv6AddressCount",
            c::n(config, &["ipv6_address_count"]),
        );
        c::put(
            &mut p,
            "SourceDestCheck",
            c::b(config, &["source_dest_check"]),
        );
        c::put(
            &mut p,
            "DeleteOnRelease",
            c::b(config, &["delete_on_release"]),
        );
        c::put_tags(&mut p, config);
        let answer = api.mutate(ctx, "CreateNetworkInterface", "", p)?;
        let id = c::js(&answer, "NetworkInterfaceId");
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
            100,
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
        let modify_keys = [
            "network_interface_name",
            "name",
            "description",
            "security_group_ids",
            "security_groups",
            "queue_number",
            "source_dest_check",
            "delete_on_release",
        ];
        if c::any(changed, &modify_keys) {
            let mut p = c::params(&[("NetworkInterfaceId", id)]);
            if c::any(changed, &["network_interface_name", "name"]) {
                c::put(
                    &mut p,
                    "NetworkInterfaceName",
                    Some(c::s(config, &["network_interface_name", "name"]).unwrap_or_default()),
                );
            }
            if c::any(changed, &["description"]) {
                c::put(
                    &mut p,
                    "Description",
                    Some(c::s(config, &["description"]).unwrap_or_default()),
                );
            }
            if c::any(changed, GROUPS) {
                c::put_list(
                    &mut p,
                    "SecurityGroupId",
                    &c::list(config, GROUPS).unwrap_or_default(),
                );
            }
            for (key, param) in [("queue_number", "QueueNumber")] {
                if c::any(changed, &[key]) {
                    c::put(&mut p, param, c::n(config, &[key]));
                }
            }
            for (key, param) in [
                ("source_dest_check", "SourceDestCheck"),
                ("delete_on_release", "DeleteOnRelease"),
            ] {
                if c::any(changed, &[key]) {
                    c::put(&mut p, param, c::b(config, &[key]));
                }
            }
            api.call(ctx, "ModifyNetworkInterfaceAttribute", p)?;
        }
        if c::any(changed, SECONDARY) || c::any(changed, COUNT) {
            let have = secondary_ips(&item(api, ctx, id)?);
            let (add, remove, count): (Vec<String>, Vec<String>, i64) =
                match c::list(config, SECONDARY) {
                    Some(want) if c::any(changed, SECONDARY) => (
                        want.iter()
                            .filter(|ip| !have.contains(ip))
                            .cloned()
                            .collect(),
                        have.iter()
                            .filter(|ip| !want.contains(ip))
                            .cloned()
                            .collect(),
                        0,
                    ),
                    _ => {
                        let want = c::n(config, COUNT).unwrap_or(0).max(0) as usize;
                        if want >= have.len() {
                            (Vec::new(), Vec::new(), (want - have.len()) as i64)
                        } else {
                            (Vec::new(), have[want..].to_vec(), 0)
                        }
                    }
                };
            if !remove.is_empty() {
                let mut p = c::params(&[("NetworkInterfaceId", id)]);
                c::put_list(&mut p, "PrivateIpAddress", &remove);
                api.call(ctx, "UnassignPrivateIpAddresses", p)?;
            }
            if !add.is_empty() || count > 0 {
                let mut p = c::params(&[("NetworkInterfaceId", id)]);
                c::put_list(&mut p, "PrivateIpAddress", &add);
                c::put(
                    &mut p,
                    "SecondaryPrivateIpAddressCount",
                    Some(count).filter(|n| *n > 0),
                );
                api.call(ctx, "AssignPrivateIpAddresses", p)?;
            }
        }
        if c::any(changed, &["tags"]) {
            c::update_tags(api, ctx, id, "eni", "UntagResources", prior, config)?;
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
            "DeleteNetworkInterface",
            c::params(&[("NetworkInterfaceId", id)]),
        )
    }

    fn find_by_token(
        &self,
        api: &Api,
        ctx: &OpContext,
        token: &str,
    ) -> Result<Option<Attrs>, ProviderError> {
        let answer = describe(api, ctx, c::params(&[("ClientToken", token)]))?;
        Ok(c::by_id(
            answer,
            "NetworkInterfaceSets",
            "NetworkInterfaceSet",
            "NetworkInterfaceId",
        )
        .values()
        .next()
        .map(|i| to_attrs(i, &Attrs::new())))
    }
}
