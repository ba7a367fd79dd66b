//! The EIP rules of `eip-rules.md`, one file per rule group: `allocation` (A01-A14), `recovery`
//! (R01-R06), `groups` (G01-G07), `associations` (S01-S10), `release` (D01-D07), `pools`
//! (P01-P03). Each check fails with Alibaba's code and carries its rule ID.
//!
//! Static checks (decidable from the request alone) are pure functions the actions call;
//! [`static_violations`] maps a resource's Terraform arguments onto the same checks so that
//! `eipform validate` reports them with the same codes. It expects `config` to hold only known
//! values (unknown ones omitted) and mirrors the provider's request building (period > 9 becomes
//! years, deprecated aliases map to their targets).

pub mod allocation;
pub mod associations;
pub mod groups;
pub mod pools;
pub mod recovery;
pub mod release;

use serde_json::{Map, Value};

use super::regions;
use crate::cloud::CloudError;

/// A known scalar argument as the string the API would receive.
fn arg(config: &Map<String, Value>, key: &str) -> Option<String> {
    match config.get(key)? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn list(config: &Map<String, Value>, key: &str) -> Vec<String> {
    config
        .get(key)
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// The `Period`/`PricingCycle` the provider sends for a subscription EIP: `period` defaults to 1,
/// a period above 9 is sent as `period / 12` years, an explicit `pricing_cycle` wins.
pub fn subscription_period(period: Option<i64>, pricing_cycle: Option<&str>) -> (i64, String) {
    let p = period.filter(|p| *p > 0).unwrap_or(1);
    let (p, cycle) = if p > 9 {
        (p / 12, "Year")
    } else {
        (p, "Month")
    };
    (p, pricing_cycle.unwrap_or(cycle).to_string())
}

/// Every statically decidable rule the arguments of one resource violate, with the codes the
/// cloud would answer.
pub fn static_violations(
    rtype: &str,
    config: &Map<String, Value>,
    region: &str,
) -> Vec<CloudError> {
    let a = |k: &str| arg(config, k);
    match rtype {
        "alicloud_eip_address" | "alicloud_eip" => {
            let charge = a("payment_type").or_else(|| a("instance_charge_type"));
            let prepaid = matches!(charge.as_deref(), Some("Subscription" | "PrePaid"));
            let (period, cycle) = if prepaid {
                let period = a("period").and_then(|p| p.trim().parse::<i64>().ok());
                let (p, c) = subscription_period(period, a("pricing_cycle").as_deref());
                (Some(p.to_string()), Some(c))
            } else {
                (None, a("pricing_cycle"))
            };
            let (name, desc, icharge, bw, isp, netmode, pool, zone, auto_pay) = (
                a("address_name").or_else(|| a("name")),
                a("description"),
                a("internet_charge_type"),
                a("bandwidth"),
                a("isp"),
                a("netmode"),
                a("public_ip_address_pool_id"),
                a("zone"),
                a("auto_pay"),
            );
            let req = allocation::EipRequest {
                region,
                charge_type: charge.as_deref(),
                internet_charge_type: icharge.as_deref(),
                bandwidth: bw.as_deref(),
                isp: isp.as_deref(),
                netmode: netmode.as_deref(),
                name: name.as_deref(),
                description: desc.as_deref(),
                protection: list(config, "security_protection_types"),
                pool_id: pool.as_deref(),
                zone: zone.as_deref(),
                period: period.as_deref(),
                pricing_cycle: cycle.as_deref(),
                auto_pay: auto_pay.as_deref(),
                recovery: a("ip_address").is_some() || a("allocation_id").is_some(),
            };
            allocation::violations(&req).1
        }
        "alicloud_eip_segment_address" => {
            let (mask, bw, icharge, isp, netmode) = (
                a("eip_mask"),
                a("bandwidth"),
                a("internet_charge_type"),
                a("isp"),
                a("netmode"),
            );
            let req = groups::SegmentRequest {
                region,
                mask: mask.as_deref(),
                bandwidth: bw.as_deref(),
                internet_charge_type: icharge.as_deref(),
                isp: isp.as_deref(),
                netmode: netmode.as_deref(),
                charge_type: None,
            };
            groups::violations(&req).1
        }
        "alicloud_eip_association" => {
            let mut errs: Vec<CloudError> = regions::check(region).err().into_iter().collect();
            let (id, ty, mode) = (a("instance_id"), a("instance_type"), a("mode"));
            let ty_ok = match ty.as_deref() {
                Some(t) if !associations::INSTANCE_TYPES.contains(&t) => {
                    errs.push(
                        associations::check_request(&associations::AssocRequest {
                            instance_type: Some(t),
                            ..Default::default()
                        })
                        .unwrap_err(),
                    );
                    false
                }
                _ => true,
            };
            if let Some(m) = mode.as_deref().filter(|m| !associations::MODES.contains(m)) {
                errs.push(
                    associations::check_request(&associations::AssocRequest {
                        mode: Some(m),
                        ..Default::default()
                    })
                    .unwrap_err(),
                );
            }
            if ty_ok
                && ty.as_deref() == Some("IpAddress")
                && id
                    .as_deref()
                    .is_some_and(|i| i.parse::<std::net::Ipv4Addr>().is_err())
            {
                errs.push(
                    CloudError::new(
                        "InvalidParameter",
                        format!(
                            "instance {:?} is not an IPv4 address, as an IpAddress target must be",
                            id.unwrap_or_default()
                        ),
                    )
                    .rule("S10"),
                );
            }
            errs
        }
        "alicloud_vpc_public_ip_address_pool" => {
            let mut errs: Vec<CloudError> = Vec::new();
            if let Err(e) = regions::check(region) {
                return vec![e];
            }
            let isp = a("isp");
            let isp = match allocation::isp(isp.as_deref(), region, allocation::Billing::PostPaid) {
                Ok(i) => i,
                Err(e) => {
                    errs.push(e);
                    "BGP"
                }
            };
            if let Err(e) = pool_protection(&list(config, "security_protection_types"), region, isp)
            {
                errs.push(e);
            }
            errs
        }
        "alicloud_vpc_public_ip_address_pool_cidr_block" => {
            let mut errs: Vec<CloudError> = regions::check(region).err().into_iter().collect();
            if let Err(e) = pools::cidr_request(
                a("cidr_block").as_deref(),
                a("cidr_mask").as_deref(),
                region,
            ) {
                errs.push(e);
            }
            errs
        }
        _ => Vec::new(),
    }
}

/// A08 for pools: Anti-DDoS (Enhanced) pools exist outside the Chinese mainland in the Enhanced
/// regions, on the BGP line.
pub fn pool_protection(types: &[String], region: &str, isp: &str) -> Result<(), CloudError> {
    allocation::protection(types, region, allocation::Billing::PostPaid, isp)?;
    let enhanced = types.iter().any(|t| t == "AntiDDoS_Enhanced");
    if enhanced && regions::find(region).is_some_and(|(_, r)| r.mainland) {
        return Err(CloudError::new(
            "InvalidRegion.NotSupport",
            format!("Anti-DDoS (Enhanced) IP address pools are not supported in region {region}"),
        )
        .rule("A08"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn cfg(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap()
    }

    #[test]
    fn eip_arguments_map_onto_allocation_rules() {
        let ok = cfg(json!({"bandwidth": "10", "internet_charge_type": "PayByBandwidth"}));
        assert!(static_violations("alicloud_eip", &ok, "cn-hangzhou").is_empty());
        let sub = cfg(json!({"payment_type": "Subscription", "period": 12, "auto_pay": true}));
        assert!(static_violations("alicloud_eip_address", &sub, "cn-hangzhou").is_empty());
        let bad =
            cfg(json!({"payment_type": "Subscription", "period": 5, "pricing_cycle": "Year"}));
        let errs = static_violations("alicloud_eip_address", &bad, "cn-hangzhou");
        assert_eq!(errs[0].rule.as_deref(), Some("A13"));
        let bad = cfg(json!({"internet_charge_type": "PayByDominantTraffic"}));
        let errs = static_violations("alicloud_eip_address", &bad, "cn-beijing");
        assert_eq!(
            (errs[0].code.as_str(), errs[0].rule.as_deref()),
            ("InvalidParameter", Some("A02"))
        );
        let errs = static_violations(
            "alicloud_eip_address",
            &cfg(json!({"isp": "BGP_PRO"})),
            "cn-beijing",
        );
        assert_eq!(errs[0].rule.as_deref(), Some("A06"));
        let errs = static_violations("alicloud_eip_address", &cfg(json!({})), "atlantis-1");
        assert_eq!(errs[0].code, "InvalidRegionId.NotFound");
    }

    #[test]
    fn other_types() {
        let errs = static_violations(
            "alicloud_eip_segment_address",
            &cfg(json!({"eip_mask": "29"})),
            "cn-hangzhou",
        );
        assert_eq!(errs[0].rule.as_deref(), Some("G02"));
        assert!(
            static_violations(
                "alicloud_eip_segment_address",
                &cfg(json!({"eip_mask": "28"})),
                "cn-hangzhou"
            )
            .is_empty()
        );
        let errs = static_violations(
            "alicloud_eip_association",
            &cfg(json!({"instance_type": "Vpn"})),
            "cn-hangzhou",
        );
        assert_eq!(errs[0].rule.as_deref(), Some("S01"));
        let errs = static_violations(
            "alicloud_vpc_public_ip_address_pool_cidr_block",
            &cfg(json!({"cidr_block": "47.118.126.0/25", "cidr_mask": 25})),
            "cn-hangzhou",
        );
        assert_eq!(errs[0].rule.as_deref(), Some("P02"));
        let errs = static_violations(
            "alicloud_vpc_public_ip_address_pool",
            &cfg(json!({"security_protection_types": ["AntiDDoS_Enhanced"]})),
            "cn-hangzhou",
        );
        assert_eq!(errs[0].rule.as_deref(), Some("A08"));
    }
}
