//! Contiguous EIP group rules G01-G07 (static parts as pure functions; G01, G05 and G06 need the
//! world and are applied in `segment.rs`, `release.rs` and `associations.rs` with these codes).

use super::allocation::{self, Billing};
use crate::cloud::CloudError;
use crate::cloud::sim::regions;

/// G02: the addresses of a /`mask` group and the offsets in it that are reserved (one, three or
/// four of them: the network address; for /26 and /25 also the gateway and the last address;
/// for /24 also the one before the last).
pub fn layout(mask: u8) -> (u32, Vec<u32>) {
    let size = 1u32 << (32 - u32::from(mask));
    let reserved = match mask {
        27 | 28 => vec![0],
        25 | 26 => vec![0, 1, size - 1],
        _ => vec![0, 1, size - 2, size - 1],
    };
    (size, reserved)
}

/// G02: `eip_mask` is 24-28.
pub fn mask(value: Option<&str>) -> Result<u8, CloudError> {
    let v = value.unwrap_or("");
    match v.trim().parse::<u8>() {
        Ok(m) if (24..=28).contains(&m) => Ok(m),
        _ => Err(CloudError::new(
            "IllegalParam.EipMask",
            format!("EipMask {v:?} is illegal: a contiguous EIP group has mask 24 (256 addresses), 25 (128), 26 (64), 27 (32) or 28 (16)"),
        )
        .rule("G02")),
    }
}

/// G03: groups are pay-as-you-go only.
pub fn charge_type(value: Option<&str>) -> Result<(), CloudError> {
    match allocation::billing(value) {
        Ok(Billing::PostPaid) => Ok(()),
        Ok(Billing::PrePaid) => Err(group_not_subscription()),
        Err(e) => Err(e),
    }
}

/// G03: the error for any attempt to make a group or one of its members subscription.
pub fn group_not_subscription() -> CloudError {
    CloudError::new(
        "OperationFailed.ChargeTypeInvalid",
        "contiguous EIP groups and their members are pay-as-you-go only and cannot switch to subscription",
    )
    .rule("G03")
}

/// G04: bandwidth range of a group.
pub const BANDWIDTH_RANGE: (i64, i64) = (1, 200);

/// A group allocation request, as raw strings.
#[derive(Debug, Default, Clone)]
pub struct SegmentRequest<'a> {
    pub region: &'a str,
    pub mask: Option<&'a str>,
    pub bandwidth: Option<&'a str>,
    pub internet_charge_type: Option<&'a str>,
    pub isp: Option<&'a str>,
    pub netmode: Option<&'a str>,
    pub charge_type: Option<&'a str>,
}

/// The checked request.
#[derive(Debug, Clone)]
pub struct CheckedSegment {
    pub mask: u8,
    pub bandwidth: i64,
    pub metering: &'static str,
    pub isp: &'static str,
}

/// Every static group rule violated by `req` (A05, G02, G03, G04, A06).
pub fn violations(req: &SegmentRequest<'_>) -> (Option<CheckedSegment>, Vec<CloudError>) {
    let mut errs = Vec::new();
    if let Err(e) = regions::check(req.region) {
        errs.push(e);
    }
    let mask = mask(req.mask).map_err(|e| errs.push(e)).unwrap_or(28);
    if let Err(e) = charge_type(req.charge_type) {
        errs.push(e);
    }
    let metering = allocation::metering(req.internet_charge_type, Billing::PostPaid)
        .map_err(|e| errs.push(CloudError { rule: None, ..e }.rule("G04")))
        .unwrap_or("PayByBandwidth");
    let bandwidth = allocation::bandwidth(
        req.bandwidth,
        BANDWIDTH_RANGE,
        "a contiguous EIP group",
        "G04",
    )
    .map_err(|e| errs.push(e))
    .unwrap_or(5);
    if let Err(e) = allocation::netmode(req.netmode, "G04") {
        errs.push(e);
    }
    let isp = allocation::isp(req.isp, req.region, Billing::PostPaid)
        .map_err(|e| errs.push(e))
        .unwrap_or("BGP");
    let checked = errs.is_empty().then_some(CheckedSegment {
        mask,
        bandwidth,
        metering,
        isp,
    });
    (checked, errs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_reserves_one_three_or_four() {
        assert_eq!(layout(28), (16, vec![0]));
        assert_eq!(layout(26).1.len(), 3);
        assert_eq!(layout(24), (256, vec![0, 1, 254, 255]));
    }

    #[test]
    fn static_group_rules() {
        let base = SegmentRequest {
            region: "cn-hangzhou",
            mask: Some("28"),
            ..Default::default()
        };
        assert!(violations(&base).1.is_empty());
        let errs = violations(&SegmentRequest {
            mask: Some("23"),
            ..base.clone()
        })
        .1;
        assert_eq!(
            (errs[0].code.as_str(), errs[0].rule.as_deref()),
            ("IllegalParam.EipMask", Some("G02"))
        );
        let errs = violations(&SegmentRequest {
            charge_type: Some("PrePaid"),
            ..base.clone()
        })
        .1;
        assert_eq!(
            (errs[0].code.as_str(), errs[0].rule.as_deref()),
            ("OperationFailed.ChargeTypeInvalid", Some("G03"))
        );
        let errs = violations(&SegmentRequest {
            bandwidth: Some("300"),
            ..base.clone()
        })
        .1;
        assert_eq!(
            (errs[0].code.as_str(), errs[0].rule.as_deref()),
            ("InvalidBandwidth.Malformed", Some("G04"))
        );
        assert!(
            violations(&SegmentRequest {
                bandwidth: Some("200"),
                ..base
            })
            .1
            .is_empty()
        );
    }
}
