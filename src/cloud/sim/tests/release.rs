//! D01-D07: disassociation, change, release and billing changes.

use super::{assert_rule, world};
use crate::cloud::sim::admin;

#[test]
fn d01_disassociated_eip_stays_allocated() {
    let w = world();
    let id = w.eip(&[]);
    w.instance("i-1");
    w.ok(
        "AssociateEipAddress",
        &[("AllocationId", &id), ("InstanceId", "i-1")],
    );
    w.ok("UnassociateEipAddress", &[("AllocationId", &id)]);
    let e = w.describe(&id).unwrap();
    assert_eq!(
        (
            e["Status"].as_str(),
            e["InstanceId"].as_str(),
            e["BillingCycle"].as_str()
        ),
        (Some("Available"), Some(""), Some("Day"))
    );
    assert_eq!(
        w.err("UnassociateEipAddress", &[("AllocationId", &id)])
            .code,
        "IncorrectEipStatus"
    );
}

#[test]
fn d02_release_only_available() {
    let w = world();
    let id = w.eip(&[]);
    w.instance("i-1");
    w.ok(
        "AssociateEipAddress",
        &[("AllocationId", &id), ("InstanceId", "i-1")],
    );
    assert_rule(
        &w.err("ReleaseEipAddress", &[("AllocationId", &id)]),
        "IncorrectEipStatus",
        "D02",
    );
    w.ok("UnassociateEipAddress", &[("AllocationId", &id)]);
    w.ok("ReleaseEipAddress", &[("AllocationId", &id)]);
    assert!(w.describe(&id).is_none());
    assert_eq!(
        w.err("ReleaseEipAddress", &[("AllocationId", &id)]).code,
        "InvalidAllocationId.NotFound"
    );
}

#[test]
fn d03_subscription_cannot_be_released() {
    let w = world();
    let id = w.eip(&[("InstanceChargeType", "PrePaid"), ("Period", "1")]);
    assert_rule(
        &w.err("ReleaseEipAddress", &[("AllocationId", &id)]),
        "Forbidden.ChargeTypeIsPrepaid",
        "D03",
    );
    assert!(w.describe(&id).is_some());
}

#[test]
fn d04_deletion_protection() {
    let w = world();
    let id = w.eip(&[]);
    w.ok(
        "DeletionProtection",
        &[
            ("InstanceId", &id),
            ("Type", "EIP"),
            ("ProtectionEnable", "true"),
        ],
    );
    assert_eq!(w.describe(&id).unwrap()["DeletionProtection"], true);
    assert_rule(
        &w.err("ReleaseEipAddress", &[("AllocationId", &id)]),
        "InvalidOperation.DeletionProtection",
        "D04",
    );
    w.ok(
        "DeletionProtection",
        &[
            ("InstanceId", &id),
            ("Type", "EIP"),
            ("ProtectionEnable", "false"),
        ],
    );
    w.ok("ReleaseEipAddress", &[("AllocationId", &id)]);
}

#[test]
fn d06_pay_as_you_go_to_subscription_only() {
    let w = world();
    let id = w.eip(&[]);
    let ip = w.describe(&id).unwrap()["IpAddress"].clone();
    w.ok(
        "ModifyInstanceChargeType",
        &[
            ("InstanceIds", &format!("[\"{id}\"]")),
            ("InstanceChargeType", "PrePaid"),
            ("Period", "1"),
        ],
    );
    let e = w.describe(&id).unwrap();
    assert_eq!(
        (e["ChargeType"].as_str(), e["BillingCycle"].as_str()),
        (Some("PrePaid"), Some("Month"))
    );
    assert_eq!(e["IpAddress"], ip);
    assert_rule(
        &w.err(
            "ModifyInstanceChargeType",
            &[
                ("InstanceIds", &format!("[\"{id}\"]")),
                ("InstanceChargeType", "PostPaid"),
            ],
        ),
        "OperationFailed.ChargeTypeInvalid",
        "D06",
    );
}

#[test]
fn d07_transitional_states_allow_queries_only() {
    let w = world();
    let id = w.eip(&[]);
    w.associate_slowly(&id, "i-1");
    assert_rule(
        &w.err(
            "ModifyEipAddressAttribute",
            &[("AllocationId", &id), ("Bandwidth", "6")],
        ),
        "IncorrectEipStatus",
        "D07",
    );
    assert_rule(
        &w.err("UnassociateEipAddress", &[("AllocationId", &id)]),
        "IncorrectEipStatus",
        "D07",
    );
    admin::clock_advance(&w.cloud, "2m").unwrap();
    assert_eq!(w.describe(&id).unwrap()["Status"], "InUse");
    w.ok(
        "ModifyEipAddressAttribute",
        &[("AllocationId", &id), ("Bandwidth", "6")],
    );
    w.ok("UnassociateEipAddress", &[("AllocationId", &id)]);
    assert_eq!(w.describe(&id).unwrap()["Status"], "Unassociating");
    assert_rule(
        &w.err("ReleaseEipAddress", &[("AllocationId", &id)]),
        "IncorrectEipStatus",
        "D07",
    );
    admin::clock_advance(&w.cloud, "2m").unwrap();
    let e = w.describe(&id).unwrap();
    assert_eq!(
        (e["Status"].as_str(), e["InstanceId"].as_str()),
        (Some("Available"), Some(""))
    );
    w.ok("ReleaseEipAddress", &[("AllocationId", &id)]);
}
