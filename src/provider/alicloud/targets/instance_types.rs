//! Data source `alicloud_instance_types`: `DescribeInstanceTypes` (and `DescribeZones` when
//! `availability_zone` is set), filtered by `cpu_core_count`, `memory_size`,
//! `instance_type_family`, `instance_type`, `eni_amount`, `gpu_amount`, `gpu_spec`; sorted by
//! vCPUs then memory (or as `sorted_by` says).

use serde_json::{Value, json};

use super::common::{self as c, Out};
use crate::provider::alicloud::{Api, DataOps};
use crate::provider::{Attrs, OpContext, ProviderError};

pub struct InstanceTypes;

impl DataOps for InstanceTypes {
    fn read(&self, api: &Api, ctx: &OpContext, config: &Attrs) -> Result<Attrs, ProviderError> {
        let mut p = crate::cloud::Params::new();
        c::put(
            &mut p,
            "InstanceTypeFamily",
            c::ne(config, &["instance_type_family"]),
        );
        let answer = api.call(ctx, "DescribeInstanceTypes", p)?;
        let zones = api.call(ctx, "DescribeZones", crate::cloud::Params::new())?;
        let zone_list: Vec<Value> = zones
            .get("Zones")
            .and_then(|z| z.get("Zone"))
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let zones_of = |t: &str| -> Vec<String> {
            zone_list
                .iter()
                .filter(|z| {
                    c::jlist(z, "AvailableInstanceTypes", "InstanceTypes")
                        .iter()
                        .any(|x| x == t)
                })
                .map(|z| c::js(z, "ZoneId"))
                .collect()
        };
        let zone = c::ne(config, &["availability_zone"]);
        let cpu = c::n(config, &["cpu_core_count"]);
        let memory = c::f(config, &["memory_size"]);
        let only = c::ne(config, &["instance_type"]);
        let enis = c::n(config, &["eni_amount"]);
        let gpus = c::n(config, &["gpu_amount"]);
        let gpu_spec = c::ne(config, &["gpu_spec"]);
        let mut types: Vec<Value> = answer
            .get("InstanceTypes")
            .and_then(|t| t.get("InstanceType"))
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .filter(|t| cpu.is_none_or(|n| c::ji(t, "CpuCoreCount") == n))
            .filter(|t| {
                memory.is_none_or(|m| {
                    (t.get("MemorySize").and_then(Value::as_f64).unwrap_or(0.0) - m).abs() < 1e-6
                })
            })
            .filter(|t| {
                only.as_ref()
                    .is_none_or(|o| *o == c::js(t, "InstanceTypeId"))
            })
            .filter(|t| enis.is_none_or(|n| c::ji(t, "EniQuantity") >= n))
            .filter(|t| gpus.is_none_or(|n| c::ji(t, "GPUAmount") == n))
            .filter(|t| gpu_spec.as_ref().is_none_or(|s| *s == c::js(t, "GPUSpec")))
            .filter(|t| {
                zone.as_ref()
                    .is_none_or(|z| zones_of(&c::js(t, "InstanceTypeId")).contains(z))
            })
            .collect();
        let mem = |t: &Value| t.get("MemorySize").and_then(Value::as_f64).unwrap_or(0.0);
        match c::s(config, &["sorted_by"]).as_deref() {
            Some("Memory") => types.sort_by(|a, b| {
                mem(a)
                    .total_cmp(&mem(b))
                    .then(c::ji(a, "CpuCoreCount").cmp(&c::ji(b, "CpuCoreCount")))
            }),
            _ => types.sort_by(|a, b| {
                c::ji(a, "CpuCoreCount")
                    .cmp(&c::ji(b, "CpuCoreCount"))
                    .then(mem(a).total_cmp(&mem(b)))
                    .then(c::js(a, "InstanceTypeId").cmp(&c::js(b, "InstanceTypeId")))
            }),
        }
        let ids: Vec<String> = types.iter().map(|t| c::js(t, "InstanceTypeId")).collect();
        let items: Vec<Value> = types
            .iter()
            .map(|t| {
                let id = c::js(t, "InstanceTypeId");
                json!({
                    "id": id,
                    "cpu_core_count": c::ji(t, "CpuCoreCount"),
                    "memory_size": mem(t),
                    "family": c::js(t, "InstanceTypeFamily"),
                    "availability_zones": zones_of(&id),
                    "price": "",
                    "gpu": {"amount": c::js(t, "GPUAmount"), "category": c::js(t, "GPUSpec")},
                    "burstable_instance": {"initial_credit": c::js(t, "InitialCredit"), "baseline_credit": c::js(t, "BaselineCredit")},
                    "eni_amount": c::js(t, "EniQuantity"),
                    "primary_eni_queue_number": c::js(t, "PrimaryEniQueueNumber"),
                    "secondary_eni_queue_number": c::js(t, "SecondaryEniQueueNumber"),
                    "local_storage": {"capacity": c::js(t, "LocalStorageCapacity"), "amount": c::js(t, "LocalStorageAmount"), "category": c::js(t, "LocalStorageCategory")},
                    "nvme_support": c::js(t, "NvmeSupport"),
                })
            })
            .collect();
        let mut o = Out::new(&c::data_id(&ids), config);
        o.set("ids", json!(ids))
            .set("instance_types", Value::Array(items));
        Ok(o.finish("alicloud_instance_types", true))
    }
}
