//! Disassociation, change, release and billing-change rules D01-D07 (and G05 for members of
//! contiguous groups), as pure functions over the EIP object.
//!
//! D01 (a disassociated EIP stays allocated and billed) and D03's warning are plan messages; the
//! cloud's side of D03 is [`check_release`]'s `Forbidden.ChargeTypeIsPrepaid`. D05's ordering is
//! the planner's; the cloud's side is S06's `InvalidAssociation.Duplicated`.

use crate::cloud::CloudError;
use crate::cloud::sim::Obj;

/// The transitional states during which only queries are allowed (D07).
pub const TRANSITIONAL: &[&str] = &["Associating", "Unassociating", "Releasing"];

/// D07: a mutating call on a transitional EIP fails.
pub fn check_not_transitional(eip: &Obj, action: &str) -> Result<(), CloudError> {
    if TRANSITIONAL.contains(&eip.status.as_str()) {
        return Err(CloudError::new(
            "IncorrectEipStatus",
            format!("EIP {} is {}; while an EIP is Associating, Unassociating or Releasing only queries are allowed, not {action}", eip.id, eip.status),
        )
        .rule("D07"));
    }
    Ok(())
}

/// G05, D03, D04, D07, D02: whether `eip` can be released by ReleaseEipAddress.
pub fn check_release(eip: &Obj) -> Result<(), CloudError> {
    if !eip.str("SegmentInstanceId").is_empty() {
        return Err(CloudError::new(
            "Forbidden.ReleaseSegmentEip",
            format!(
                "Release single segment eip is forbidden: EIP {} belongs to contiguous group {}; release the whole group instead",
                eip.id,
                eip.str("SegmentInstanceId")
            ),
        )
        .rule("G05"));
    }
    if eip.str("ChargeType") == "PrePaid" {
        return Err(CloudError::new(
            "Forbidden.ChargeTypeIsPrepaid",
            format!(
                "It's forbidden to release a prepaid EIP: subscription EIP {} stays billed until it expires",
                eip.id
            ),
        )
        .rule("D03"));
    }
    check_deletion_protection(eip)?;
    check_not_transitional(eip, "ReleaseEipAddress")?;
    if eip.status != "Available" {
        return Err(CloudError::new(
            "IncorrectEipStatus",
            format!(
                "EIP {} is {} (associated with {} {}); only an Available EIP can be released, so remove its association first",
                eip.id,
                eip.status,
                eip.str("InstanceType"),
                eip.str("InstanceId")
            ),
        )
        .rule("D02"));
    }
    Ok(())
}

/// D04: deletion protection blocks release.
pub fn check_deletion_protection(eip: &Obj) -> Result<(), CloudError> {
    if eip
        .attrs
        .get("DeletionProtection")
        .and_then(|v| v.as_bool())
        == Some(true)
    {
        return Err(CloudError::new(
            "InvalidOperation.DeletionProtection",
            format!(
                "EIP {} has deletion protection enabled; disable deletion_protection before releasing it",
                eip.id
            ),
        )
        .rule("D04"));
    }
    Ok(())
}

/// D06 (and G03): a charge-type change of `eip` to `target` (`PrePaid`/`PostPaid`).
pub fn check_charge_change(eip: &Obj, target: &str) -> Result<(), CloudError> {
    if !eip.str("SegmentInstanceId").is_empty() {
        return Err(super::groups::group_not_subscription());
    }
    let current = eip.str("ChargeType");
    match (current, target) {
        (c, t) if c == t => Ok(()),
        ("PostPaid", "PrePaid") => {
            if eip.str("InternetChargeType") != "PayByBandwidth" {
                return Err(CloudError::new(
                    "InvalidParameter",
                    format!("EIP {} is PayByTraffic; a subscription EIP is charged on its maximum bandwidth and must use PayByBandwidth", eip.id),
                )
                .rule("A02"));
            }
            if !eip.str("PublicIpAddressPoolId").is_empty() {
                return Err(CloudError::new(
                    "Mismatch.ChargeTypeAndPublicIpAddressPool",
                    format!("EIP {} comes from an IP address pool; pool EIPs are pay-as-you-go only", eip.id),
                )
                .rule("A09"));
            }
            Ok(())
        }
        ("PrePaid", _) => Err(CloudError::new(
            "OperationFailed.ChargeTypeInvalid",
            format!("EIP {} is a subscription EIP; it cannot switch back to pay-as-you-go (only pay-as-you-go to subscription is allowed)", eip.id),
        )
        .rule("D06")),
        (_, other) => Err(CloudError::new(
            "InvalidParameter",
            format!("Specified value of \"InstanceChargeType\" is not valid: {other:?}; an EIP can be switched to PrePaid"),
        )
        .rule("D06")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn eip(status: &str, attrs: serde_json::Value) -> Obj {
        Obj {
            id: "eip-1".into(),
            kind: "eip".into(),
            region: "cn-hangzhou".into(),
            status: status.into(),
            attrs: attrs.as_object().cloned().unwrap_or_default(),
            created_at: String::new(),
            client_token: None,
        }
    }

    #[test]
    fn release_rules_in_order() {
        let rule = |o: Obj| check_release(&o).err().and_then(|e| e.rule);
        assert_eq!(
            rule(eip("Available", json!({"ChargeType": "PostPaid"}))),
            None
        );
        assert_eq!(
            rule(eip("Available", json!({"SegmentInstanceId": "eipsg-1"}))).as_deref(),
            Some("G05")
        );
        assert_eq!(
            rule(eip("Available", json!({"ChargeType": "PrePaid"}))).as_deref(),
            Some("D03")
        );
        assert_eq!(
            rule(eip("Available", json!({"DeletionProtection": true}))).as_deref(),
            Some("D04")
        );
        assert_eq!(rule(eip("Associating", json!({}))).as_deref(), Some("D07"));
        assert_eq!(rule(eip("InUse", json!({}))).as_deref(), Some("D02"));
    }

    #[test]
    fn charge_changes() {
        let payg = eip(
            "Available",
            json!({"ChargeType": "PostPaid", "InternetChargeType": "PayByBandwidth"}),
        );
        assert!(check_charge_change(&payg, "PrePaid").is_ok());
        let sub = eip("Available", json!({"ChargeType": "PrePaid"}));
        let e = check_charge_change(&sub, "PostPaid").unwrap_err();
        assert_eq!(
            (e.code.as_str(), e.rule.as_deref()),
            ("OperationFailed.ChargeTypeInvalid", Some("D06"))
        );
        let member = eip(
            "Available",
            json!({"ChargeType": "PostPaid", "SegmentInstanceId": "eipsg-1"}),
        );
        assert_eq!(
            check_charge_change(&member, "PrePaid")
                .unwrap_err()
                .rule
                .as_deref(),
            Some("G03")
        );
    }
}
