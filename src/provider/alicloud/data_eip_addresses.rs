//! Data source `alicloud_eip_addresses` (and the deprecated `alicloud_eips`): DescribeEipAddresses
//! with the filters of the public provider (ids 50 per call, every page of 100), then `name_regex`.
//! Outputs `ids`, `names`, `addresses[*]` and the deprecated `eips[*]`.

use serde_json::{Value, json};

use super::DataOps;
use super::api::{Api, attrs};
use crate::cloud::Params;
use crate::provider::{Attrs, OpContext, ProviderError};

pub struct EipAddresses;

fn filters(config: &Attrs) -> Params {
    let s = |k: &str| attrs::string(config, k);
    let mut p = Params::new();
    let mut ips: Vec<String> = s("ip_address").into_iter().collect();
    ips.extend(attrs::strings(config, "ip_addresses"));
    if !ips.is_empty() {
        p.insert("EipAddress".into(), ips.join(","));
    }
    attrs::put(&mut p, "EipName", s("address_name"));
    attrs::put(&mut p, "AssociatedInstanceId", s("associated_instance_id"));
    attrs::put(
        &mut p,
        "AssociatedInstanceType",
        s("associated_instance_type"),
    );
    attrs::put(&mut p, "ISP", s("isp"));
    attrs::put(&mut p, "LockReason", s("lock_reason"));
    attrs::put(&mut p, "ResourceGroupId", s("resource_group_id"));
    attrs::put(&mut p, "SegmentInstanceId", s("segment_instance_id"));
    attrs::put(&mut p, "Status", s("status"));
    attrs::put(&mut p, "DryRun", s("dry_run"));
    attrs::put(
        &mut p,
        "IncludeReservationData",
        s("include_reservation_data"),
    );
    let charge = s("payment_type").map(|v| {
        if v == "Subscription" {
            "PrePaid".to_string()
        } else {
            "PostPaid".to_string()
        }
    });
    attrs::put(&mut p, "ChargeType", charge);
    attrs::put_tags(&mut p, &attrs::map(config, "tags"));
    p
}

fn all_pages(api: &Api, ctx: &OpContext, base: &Params) -> Result<Vec<Value>, ProviderError> {
    let mut out = Vec::new();
    for page in 1.. {
        let mut p = base.clone();
        p.insert("PageSize".into(), "100".into());
        p.insert("PageNumber".into(), page.to_string());
        let resp = api.call(ctx, "DescribeEipAddresses", p)?;
        let items = resp
            .pointer("/EipAddresses/EipAddress")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let total = resp.get("TotalCount").and_then(Value::as_u64).unwrap_or(0) as usize;
        let n = items.len();
        out.extend(items);
        if n == 0 || out.len() >= total {
            break;
        }
    }
    Ok(out)
}

fn address(item: &Value, details: bool) -> Value {
    let f = |k: &str| attrs::field(item, k);
    let regions = item
        .pointer("/AvailableRegions/AvailableRegion")
        .cloned()
        .unwrap_or_else(|| json!([]));
    let locks: Vec<Value> = item
        .pointer("/OperationLocks/LockReason")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .map(|l| json!({"lock_reason": attrs::field(l, "LockReason")}))
                .collect()
        })
        .unwrap_or_default();
    let payment = if f("ChargeType") == "PrePaid" {
        "Subscription"
    } else {
        "PayAsYouGo"
    };
    json!({
        "id": f("AllocationId"),
        "allocation_id": f("AllocationId"),
        "address_name": f("Name"),
        "available_regions": regions,
        "bandwidth": f("Bandwidth"),
        "bandwidth_package_bandwidth": f("BandwidthPackageBandwidth"),
        "bandwidth_package_id": f("BandwidthPackageId"),
        "bandwidth_package_type": f("BandwidthPackageType"),
        "create_time": f("AllocationTime"),
        "deletion_protection": item.get("DeletionProtection").and_then(Value::as_bool).unwrap_or(false),
        "description": f("Description"),
        "expired_time": f("ExpiredTime"),
        "has_reservation_data": f("HasReservationData"),
        "hd_monitor_status": f("HDMonitorStatus"),
        "instance_id": f("InstanceId"),
        "instance_region_id": f("InstanceRegionId"),
        "instance_type": f("InstanceType"),
        "internet_charge_type": f("InternetChargeType"),
        "ip_address": f("IpAddress"),
        "isp": f("ISP"),
        "operation_locks": locks,
        "payment_type": payment,
        "reservation_active_time": f("ReservationActiveTime"),
        "reservation_bandwidth": f("ReservationBandwidth"),
        "reservation_internet_charge_type": f("ReservationInternetChargeType"),
        "reservation_order_type": f("ReservationOrderType"),
        "resource_group_id": f("ResourceGroupId"),
        "second_limited": item.get("SecondLimited").and_then(Value::as_bool).unwrap_or(false),
        "segment_instance_id": f("SegmentInstanceId"),
        "status": f("Status"),
        "tags": if details { attrs::tags(item, "Tags") } else { json!({}) },
    })
}

fn legacy(item: &Value) -> Value {
    let f = |k: &str| attrs::field(item, k);
    json!({
        "id": f("AllocationId"),
        "ip_address": f("IpAddress"),
        "status": f("Status"),
        "instance_id": f("InstanceId"),
        "instance_type": f("InstanceType"),
        "bandwidth": f("Bandwidth"),
        "internet_charge_type": f("InternetChargeType"),
        "creation_time": f("AllocationTime"),
        "deletion_protection": item.get("DeletionProtection").and_then(Value::as_bool).unwrap_or(false),
    })
}

/// The data source's id: a hash of the ids it found (stable for the same result).
fn ids_hash(items: &[Value]) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    for i in items {
        h.update(attrs::field(i, "AllocationId").as_bytes());
        h.update(b",");
    }
    h.finalize()
        .iter()
        .take(5)
        .map(|b| format!("{b:02x}"))
        .collect()
}

impl DataOps for EipAddresses {
    fn read(&self, api: &Api, ctx: &OpContext, config: &Attrs) -> Result<Attrs, ProviderError> {
        let base = filters(config);
        let ids = attrs::strings(config, "ids");
        let mut items = Vec::new();
        if config.get("ids").is_some_and(|v| v.is_array()) {
            for chunk in ids.chunks(50) {
                let mut p = base.clone();
                p.insert("AllocationId".into(), chunk.join(","));
                items.extend(all_pages(api, ctx, &p)?);
            }
        } else {
            items = all_pages(api, ctx, &base)?;
        }
        if let Some(re) = attrs::string(config, "name_regex") {
            let re = regex::Regex::new(&re).map_err(|e| {
                ProviderError::Invalid(format!(
                    "name_regex {re:?} is not a valid regular expression: {e}"
                ))
            })?;
            items.retain(|i| re.is_match(&attrs::field(i, "Name")));
        }
        let details = attrs::boolean(config, "enable_details").unwrap_or(true);
        let mut out = config.clone();
        out.insert("id", json!(ids_hash(&items)));
        out.insert(
            "ids",
            json!(
                items
                    .iter()
                    .map(|i| attrs::field(i, "AllocationId"))
                    .collect::<Vec<_>>()
            ),
        );
        out.insert(
            "names",
            json!(
                items
                    .iter()
                    .map(|i| attrs::field(i, "Name"))
                    .collect::<Vec<_>>()
            ),
        );
        out.insert(
            "addresses",
            Value::Array(items.iter().map(|i| address(i, details)).collect()),
        );
        out.insert("eips", Value::Array(items.iter().map(legacy).collect()));
        out.insert("enable_details", json!(details));
        Ok(out)
    }
}
