//! Data source `alicloud_zones`: `DescribeZones`, filtered by `available_instance_type`,
//! `available_resource_creation`, `available_disk_category` (and `multi`, which yields no
//! multi-zone entries in the simulated cloud).

use serde_json::{Value, json};

use super::common::{self as c, Out};
use crate::provider::alicloud::{Api, DataOps};
use crate::provider::{Attrs, OpContext, ProviderError};

pub struct Zones;

impl DataOps for Zones {
    fn read(&self, api: &Api, ctx: &OpContext, config: &Attrs) -> Result<Attrs, ProviderError> {
        let mut p = crate::cloud::Params::new();
        c::put(
            &mut p,
            "InstanceChargeType",
            c::ne(config, &["instance_charge_type"]),
        );
        c::put(&mut p, "SpotStrategy", c::ne(config, &["spot_strategy"]));
        let answer = api.call(ctx, "DescribeZones", p)?;
        let instance_type = c::ne(config, &["available_instance_type"]);
        let resource = c::ne(config, &["available_resource_creation"]);
        let disk = c::ne(config, &["available_disk_category"]);
        let multi = c::b(config, &["multi"]).unwrap_or(false);
        let zones: Vec<Value> = answer
            .get("Zones")
            .and_then(|z| z.get("Zone"))
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .filter(|_| !multi)
            .filter(|z| {
                instance_type.as_ref().is_none_or(|t| {
                    c::jlist(z, "AvailableInstanceTypes", "InstanceTypes").contains(t)
                })
            })
            .filter(|z| {
                resource.as_ref().is_none_or(|r| {
                    c::jlist(z, "AvailableResourceCreation", "ResourceTypes").contains(r)
                })
            })
            .filter(|z| {
                disk.as_ref().is_none_or(|d| {
                    c::jlist(z, "AvailableDiskCategories", "DiskCategories").contains(d)
                })
            })
            .collect();
        let ids: Vec<String> = zones.iter().map(|z| c::js(z, "ZoneId")).collect();
        let items: Vec<Value> = zones
            .iter()
            .map(|z| {
                json!({
                    "id": c::js(z, "ZoneId"),
                    "local_name": c::js(z, "LocalName"),
                    "available_instance_types": c::jlist(z, "AvailableInstanceTypes", "InstanceTypes"),
                    "available_resource_creation": c::jlist(z, "AvailableResourceCreation", "ResourceTypes"),
                    "available_disk_categories": c::jlist(z, "AvailableDiskCategories", "DiskCategories"),
                    "multi_zone_ids": [],
                    "slb_slave_zone_ids": [],
                })
            })
            .collect();
        let mut o = Out::new(&c::data_id(&ids), config);
        o.set("ids", json!(ids)).set("zones", Value::Array(items));
        Ok(o.finish("alicloud_zones", true))
    }
}
