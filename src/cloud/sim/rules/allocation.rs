//! Allocation rules A01-A14 that are decidable from the request alone (the static ones), as pure
//! functions. The account- and world-dependent parts (A06 whitelist, A08 activation, A09 pool,
//! A11, A12, A14) are checked in `eip.rs` with the same codes.

use crate::cloud::CloudError;
use crate::cloud::sim::regions;

/// The two billing methods (A01).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Billing {
    /// Pay-as-you-go (`PostPaid`, `PayAsYouGo`).
    PostPaid,
    /// Subscription (`PrePaid`, `Subscription`).
    PrePaid,
}

impl Billing {
    pub fn api(self) -> &'static str {
        match self {
            Billing::PostPaid => "PostPaid",
            Billing::PrePaid => "PrePaid",
        }
    }
}

/// A01: `PayAsYouGo`/`Subscription` (and the aliases `PostPaid`/`PrePaid`); default pay-as-you-go.
pub fn billing(value: Option<&str>) -> Result<Billing, CloudError> {
    match value {
        None | Some("PostPaid") | Some("PayAsYouGo") => Ok(Billing::PostPaid),
        Some("PrePaid") | Some("Subscription") => Ok(Billing::PrePaid),
        Some(other) => Err(CloudError::new(
            "InvalidParameter",
            format!(
                "Specified value of \"InstanceChargeType\" is not valid: {other:?}; the billing method is PayAsYouGo (PostPaid) or Subscription (PrePaid)"
            ),
        )
        .rule("A01")),
    }
}

/// A02: metering `PayByBandwidth` (default) or `PayByTraffic`; subscription needs PayByBandwidth.
pub fn metering(value: Option<&str>, billing: Billing) -> Result<&'static str, CloudError> {
    let m = match value {
        None | Some("PayByBandwidth") => "PayByBandwidth",
        Some("PayByTraffic") => "PayByTraffic",
        Some(other) => {
            return Err(CloudError::new(
                "InvalidParameter",
                format!(
                    "Specified value of \"InternetChargeType\" is not valid: {other:?}; the metering method is PayByBandwidth or PayByTraffic"
                ),
            )
            .rule("A02"));
        }
    };
    if billing == Billing::PrePaid && m == "PayByTraffic" {
        return Err(CloudError::new(
            "InvalidParameter",
            "Specified value of \"InternetChargeType\" is not valid: a subscription EIP is charged on its maximum bandwidth and must use PayByBandwidth, not PayByTraffic",
        )
        .rule("A02"));
    }
    Ok(m)
}

/// A03: the billing cycle that follows from billing method and metering.
pub fn billing_cycle(charge_type: &str, internet_charge_type: &str) -> &'static str {
    match (charge_type, internet_charge_type) {
        ("PrePaid", _) => "Month",
        (_, "PayByTraffic") => "Hour",
        _ => "Day",
    }
}

/// A08: the protection edition of a list of security protection types.
pub fn protection_edition(types: &[String]) -> &'static str {
    if types.iter().any(|t| t == "AntiDDoS_Enhanced") {
        "AntiDDoS_Enhanced"
    } else {
        "AntiDDoS_Origin_Basic"
    }
}

/// The bandwidth range (Mbit/s) of billing method and metering (A04).
pub fn bandwidth_range(billing: Billing, metering: &str) -> (i64, i64) {
    match (billing, metering) {
        (Billing::PrePaid, _) => (1, 1000),
        (Billing::PostPaid, "PayByTraffic") => (1, 200),
        _ => (1, 500),
    }
}

/// A04 (and G04 with `rule = "G04"`): a whole number of Mbit/s within `range`; numbers written
/// as strings are accepted.
pub fn bandwidth(
    value: Option<&str>,
    range: (i64, i64),
    what: &str,
    rule: &str,
) -> Result<i64, CloudError> {
    let Some(v) = value else {
        return Ok(5.clamp(range.0, range.1));
    };
    match v.trim().parse::<i64>() {
        Ok(n) if (range.0..=range.1).contains(&n) => Ok(n),
        _ => Err(CloudError::new(
            "InvalidBandwidth.Malformed",
            format!(
                "The specified Bandwidth {v:?} is invalid: {what} takes a whole number of Mbit/s from {} to {}",
                range.0, range.1
            ),
        )
        .rule(rule)),
    }
}

/// A06 (static part): the line type exists, and exists in the region for this billing method.
/// The single-ISP whitelist is checked against the account in `eip.rs`.
pub fn isp(
    value: Option<&str>,
    region: &str,
    billing: Billing,
) -> Result<&'static str, CloudError> {
    let isp = value.unwrap_or("BGP");
    let Some(known) = regions::ISPS.iter().find(|i| **i == isp) else {
        return Err(CloudError::new(
            "IllegalParam.Isp",
            format!(
                "ISP {isp:?} is illegal; line types are {}",
                regions::ISPS.join(", ")
            ),
        )
        .rule("A06"));
    };
    let not_here = |why: String| Err(CloudError::new("InvalidRegion.NotSupport", why).rule("A06"));
    match *known {
        "BGP_PRO"
            if billing == Billing::PrePaid && region != regions::BGP_PRO_SUBSCRIPTION_REGION =>
        {
            not_here(format!(
                "BGP (Multi-ISP) Pro subscription EIPs exist only in cn-hongkong, not in {region}"
            ))
        }
        "BGP_PRO" if regions::alloc_prefix(region, "BGP_PRO").is_none() => not_here(format!(
            "BGP (Multi-ISP) Pro is supported only in cn-hongkong, ap-northeast-1, ap-southeast-1, ap-southeast-3, ap-southeast-5, ap-southeast-6 and ap-southeast-7, not in {region}"
        )),
        "BGP_FinanceCloud" if region != regions::FINANCE_REGION => Err(CloudError::new(
            "IllegalParam.Isp",
            format!(
                "BGP_FinanceCloud lines exist only in {}, not in {region}",
                regions::FINANCE_REGION
            ),
        )
        .rule("A06")),
        other
            if regions::needs_whitelist(other)
                && regions::alloc_prefix(region, other).is_none() =>
        {
            not_here(format!("line type {other} is not offered in {region}"))
        }
        other => Ok(other),
    }
}

/// A07: the network type is Internet only.
pub fn netmode(value: Option<&str>, rule: &str) -> Result<(), CloudError> {
    match value {
        None | Some("public") => Ok(()),
        Some(other) => Err(CloudError::new(
            "InvalidParameter",
            format!(
                "Specified value of \"Netmode\" is not valid: {other:?}; the only network type is public (Internet)"
            ),
        )
        .rule(rule)),
    }
}

/// A08 (static part): security protection types.
pub fn protection(
    types: &[String],
    region: &str,
    billing: Billing,
    isp: &str,
) -> Result<(), CloudError> {
    let mut editions: Vec<&str> = types
        .iter()
        .map(String::as_str)
        .filter(|t| !t.is_empty())
        .collect();
    editions.dedup();
    if let Some(bad) = editions.iter().find(|t| **t != "AntiDDoS_Enhanced") {
        return Err(CloudError::new(
            "InvalidParameter",
            format!("security protection type {bad:?} is not valid; use AntiDDoS_Enhanced, or nothing for Anti-DDoS Origin Basic"),
        )
        .rule("A08"));
    }
    if editions.is_empty() {
        return Ok(());
    }
    if billing == Billing::PrePaid || isp != "BGP" {
        return Err(CloudError::new(
            "InvalidParameter",
            "Anti-DDoS (Enhanced) EIPs must be pay-as-you-go with the BGP (Multi-ISP) line",
        )
        .rule("A08"));
    }
    match regions::find(region) {
        Some((_, r)) if r.anti_ddos_enhanced => Ok(()),
        _ => Err(CloudError::new(
            "InvalidRegion.NotSupport",
            format!("Anti-DDoS (Enhanced) EIPs are not supported in region {region}"),
        )
        .rule("A08")),
    }
}

/// A09 (static part): a pool excludes `zone` and subscription.
pub fn pool(pool_id: Option<&str>, zone: Option<&str>, billing: Billing) -> Result<(), CloudError> {
    let Some(pool) = pool_id else { return Ok(()) };
    if zone.is_some() {
        return Err(CloudError::new(
            "ExclusiveParam.ZoneAndPublicIpAddressPoolId",
            "Zone and PublicIpAddressPoolId cannot both be specified",
        )
        .rule("A09"));
    }
    if billing == Billing::PrePaid {
        return Err(CloudError::new(
            "Mismatch.ChargeTypeAndPublicIpAddressPool",
            format!("only pay-as-you-go EIPs can be allocated from IP address pool {pool}"),
        )
        .rule("A09"));
    }
    Ok(())
}

fn starts_with_letter(s: &str) -> bool {
    s.chars().next().is_some_and(char::is_alphabetic)
}

/// A10: a name is 1-128 characters, starts with a letter, and holds letters, digits, `.`, `_`, `-`.
pub fn name(value: Option<&str>, rule: &str) -> Result<(), CloudError> {
    let Some(v) = value else { return Ok(()) };
    let len = v.chars().count();
    let ok = (1..=128).contains(&len)
        && starts_with_letter(v)
        && v.chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if ok {
        return Ok(());
    }
    Err(CloudError::new(
        "InvalidParameter",
        format!(
            "Specified value of \"Name\" is not valid: {v:?}; a name is 1-128 characters, starts with a letter and holds letters, digits, '.', '_' and '-'"
        ),
    )
    .rule(rule))
}

/// A10: a description is 2-256 characters, starts with a letter, not `http://`/`https://`.
pub fn description(value: Option<&str>, rule: &str) -> Result<(), CloudError> {
    let Some(v) = value else { return Ok(()) };
    let len = v.chars().count();
    let ok = (2..=256).contains(&len)
        && starts_with_letter(v)
        && !v.starts_with("http://")
        && !v.starts_with("https://");
    if ok {
        return Ok(());
    }
    Err(CloudError::new(
        "InvalidParameter",
        format!(
            "Specified value of \"Description\" is not valid: {v:?}; a description is 2-256 characters, starts with a letter and does not start with http:// or https://"
        ),
    )
    .rule(rule))
}

/// A13: subscription duration. `Period` is 1-9 for `Month`, 1-`max_years` for `Year`.
pub fn subscription(
    billing: Billing,
    period: Option<&str>,
    pricing_cycle: Option<&str>,
    auto_pay: Option<&str>,
    max_years: i64,
) -> Result<(), CloudError> {
    let err = |m: String| Err(CloudError::new("InvalidParameter", m).rule("A13"));
    if let Some(a) = auto_pay.filter(|a| !matches!(*a, "true" | "false")) {
        return err(format!(
            "Specified value of \"AutoPay\" is not valid: {a:?}; use true or false"
        ));
    }
    let cycle = pricing_cycle.unwrap_or("Month");
    if !matches!(cycle, "Month" | "Year") {
        return err(format!(
            "Specified value of \"PricingCycle\" is not valid: {cycle:?}; use Month or Year"
        ));
    }
    if billing == Billing::PostPaid {
        return Ok(());
    }
    let Some(p) = period else {
        return err("a subscription EIP needs a Period (1-9 months, or 1-3 years)".to_string());
    };
    let max = if cycle == "Year" { max_years } else { 9 };
    match p.trim().parse::<i64>() {
        Ok(n) if (1..=max).contains(&n) => Ok(()),
        _ => err(format!(
            "Specified value of \"Period\" is not valid: {p:?}; a subscription lasts 1-9 months or 1-{max_years} years (period 12, 24 or 36)"
        )),
    }
}

/// Everything an allocation request asks for, as raw strings.
#[derive(Debug, Default, Clone)]
pub struct EipRequest<'a> {
    pub region: &'a str,
    pub charge_type: Option<&'a str>,
    pub internet_charge_type: Option<&'a str>,
    pub bandwidth: Option<&'a str>,
    pub isp: Option<&'a str>,
    pub netmode: Option<&'a str>,
    pub name: Option<&'a str>,
    pub description: Option<&'a str>,
    pub protection: Vec<String>,
    pub pool_id: Option<&'a str>,
    pub zone: Option<&'a str>,
    pub period: Option<&'a str>,
    pub pricing_cycle: Option<&'a str>,
    pub auto_pay: Option<&'a str>,
    /// A recovery (`IpAddress`/`InstanceId` given): R04's defaults apply.
    pub recovery: bool,
}

/// The request with defaults applied, once the static rules pass.
#[derive(Debug, Clone)]
pub struct CheckedEip {
    pub billing: Billing,
    pub metering: &'static str,
    pub bandwidth: i64,
    pub isp: &'static str,
}

/// Every static allocation rule violated by `req`, in rule order (A01, A02, A04-A10, A13).
pub fn violations(req: &EipRequest<'_>) -> (Option<CheckedEip>, Vec<CloudError>) {
    let mut errs = Vec::new();
    if let Err(e) = regions::check(req.region) {
        errs.push(e);
    }
    let billing = billing(req.charge_type)
        .map_err(|e| errs.push(e))
        .unwrap_or(Billing::PostPaid);
    // R04: a recovered EIP is pay-by-data-transfer unless the request says otherwise.
    let default_metering = if req.recovery && billing == Billing::PostPaid {
        "PayByTraffic"
    } else {
        "PayByBandwidth"
    };
    let metering = metering(
        Some(req.internet_charge_type.unwrap_or(default_metering)),
        billing,
    )
    .map_err(|e| errs.push(e))
    .unwrap_or("PayByBandwidth");
    let bw = bandwidth(
        req.bandwidth,
        bandwidth_range(billing, metering),
        &format!("a {} {metering} EIP", billing.api()),
        "A04",
    )
    .map_err(|e| errs.push(e))
    .unwrap_or(5);
    let isp = isp(req.isp, req.region, billing)
        .map_err(|e| errs.push(e))
        .unwrap_or("BGP");
    if let Err(e) = netmode(req.netmode, "A07") {
        errs.push(e);
    }
    if let Err(e) = protection(&req.protection, req.region, billing, isp) {
        errs.push(e);
    }
    if let Err(e) = pool(req.pool_id, req.zone, billing) {
        errs.push(e);
    }
    if let Err(e) = name(req.name, "A10") {
        errs.push(e);
    }
    if let Err(e) = description(req.description, "A10") {
        errs.push(e);
    }
    if let Err(e) = subscription(billing, req.period, req.pricing_cycle, req.auto_pay, 3) {
        errs.push(e);
    }
    let checked = errs.is_empty().then_some(CheckedEip {
        billing,
        metering,
        bandwidth: bw,
        isp,
    });
    (checked, errs)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req() -> EipRequest<'static> {
        EipRequest {
            region: "cn-hangzhou",
            ..Default::default()
        }
    }

    #[test]
    fn defaults_pass() {
        let (c, errs) = violations(&req());
        assert!(errs.is_empty(), "{errs:?}");
        let c = c.unwrap();
        assert_eq!(
            (c.billing, c.metering, c.bandwidth, c.isp),
            (Billing::PostPaid, "PayByBandwidth", 5, "BGP")
        );
    }

    #[test]
    fn each_static_rule_has_its_code() {
        let cases: Vec<(EipRequest<'static>, &str, &str)> = vec![
            (
                EipRequest {
                    charge_type: Some("Monthly"),
                    ..req()
                },
                "InvalidParameter",
                "A01",
            ),
            (
                EipRequest {
                    charge_type: Some("PrePaid"),
                    period: Some("1"),
                    internet_charge_type: Some("PayByTraffic"),
                    ..req()
                },
                "InvalidParameter",
                "A02",
            ),
            (
                EipRequest {
                    bandwidth: Some("501"),
                    ..req()
                },
                "InvalidBandwidth.Malformed",
                "A04",
            ),
            (
                EipRequest {
                    region: "mars-1",
                    ..req()
                },
                "InvalidRegionId.NotFound",
                "A05",
            ),
            (
                EipRequest {
                    isp: Some("BGP_PRO"),
                    ..req()
                },
                "InvalidRegion.NotSupport",
                "A06",
            ),
            (
                EipRequest {
                    netmode: Some("hybrid"),
                    ..req()
                },
                "InvalidParameter",
                "A07",
            ),
            (
                EipRequest {
                    region: "cn-qingdao",
                    protection: vec!["AntiDDoS_Enhanced".into()],
                    ..req()
                },
                "InvalidRegion.NotSupport",
                "A08",
            ),
            (
                EipRequest {
                    pool_id: Some("pippool-1"),
                    zone: Some("cn-hangzhou-i"),
                    ..req()
                },
                "ExclusiveParam.ZoneAndPublicIpAddressPoolId",
                "A09",
            ),
            (
                EipRequest {
                    name: Some("1abc"),
                    ..req()
                },
                "InvalidParameter",
                "A10",
            ),
            (
                EipRequest {
                    charge_type: Some("PrePaid"),
                    period: Some("10"),
                    ..req()
                },
                "InvalidParameter",
                "A13",
            ),
        ];
        for (r, code, rule) in cases {
            let (_, errs) = violations(&r);
            assert_eq!(errs.len(), 1, "{rule}: {errs:?}");
            assert_eq!(errs[0].code, code, "{rule}");
            assert_eq!(errs[0].rule.as_deref(), Some(rule));
        }
    }

    #[test]
    fn ranges_follow_billing() {
        let ok = |r: EipRequest<'static>| violations(&r).1.is_empty();
        assert!(ok(EipRequest {
            bandwidth: Some("500"),
            ..req()
        }));
        assert!(!ok(EipRequest {
            bandwidth: Some("201"),
            internet_charge_type: Some("PayByTraffic"),
            ..req()
        }));
        assert!(ok(EipRequest {
            bandwidth: Some("1000"),
            charge_type: Some("Subscription"),
            period: Some("1"),
            ..req()
        }));
        assert!(ok(EipRequest {
            isp: Some("BGP_PRO"),
            region: "ap-northeast-1",
            ..req()
        }));
        assert!(!ok(EipRequest {
            isp: Some("BGP_PRO"),
            region: "ap-northeast-1",
            charge_type: Some("PrePaid"),
            period: Some("1"),
            ..req()
        }));
        assert!(ok(EipRequest {
            protection: vec!["AntiDDoS_Enhanced".into()],
            ..req()
        }));
        assert_eq!(billing_cycle("PostPaid", "PayByBandwidth"), "Day");
        assert_eq!(billing_cycle("PostPaid", "PayByTraffic"), "Hour");
        assert_eq!(billing_cycle("PrePaid", "PayByBandwidth"), "Month");
    }
}
