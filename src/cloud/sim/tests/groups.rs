//! G01-G07: contiguous EIP groups.

use serde_json::json;

use super::{assert_rule, world};

fn group(w: &super::World, mask: &str) -> String {
    w.ok("AllocateEipSegmentAddress", &[("EipMask", mask)])["EipSegmentInstanceId"]
        .as_str()
        .unwrap()
        .to_string()
}

fn members(w: &super::World, id: &str) -> Vec<serde_json::Value> {
    w.ok(
        "DescribeEipAddresses",
        &[("SegmentInstanceId", id), ("PageSize", "100")],
    )["EipAddresses"]["EipAddress"]
        .as_array()
        .unwrap()
        .clone()
}

#[test]
fn g01_new_accounts_use_pools() {
    let w = world();
    w.set("created_at", "2024-08-06T00:00:00+08:00");
    w.set("used_segments_before_cutoff", "false");
    let e = w.err("AllocateEipSegmentAddress", &[("EipMask", "28")]);
    assert_rule(&e, "Forbidden.AllocateEipSegmentAddress", "G01");
    assert!(e.message.contains("IP address pool"));
    w.set("used_segments_before_cutoff", "true");
    group(&w, "28");
    w.set("used_segments_before_cutoff", "false");
    w.set("created_at", "2024-08-05T23:59:59+08:00");
    group(&w, "28");
}

#[test]
fn g02_masks_and_reserved_addresses() {
    let w = world();
    assert_rule(
        &w.err("AllocateEipSegmentAddress", &[("EipMask", "29")]),
        "IllegalParam.EipMask",
        "G02",
    );
    let id = group(&w, "28");
    let seg = w.ok("DescribeEipSegment", &[("SegmentInstanceId", &id)]);
    let s = &seg["EipSegments"]["EipSegment"][0];
    assert_eq!(s["IpCount"], "15");
    assert!(s["Segment"].as_str().unwrap().ends_with("/28"));
    assert_eq!(members(&w, &id).len(), 15);
    let big = group(&w, "24");
    let r = w.ok("DescribeEipAddresses", &[("SegmentInstanceId", &big)]);
    assert_eq!(r["TotalCount"], 252);
}

#[test]
fn g03_pay_as_you_go_only() {
    let w = world();
    assert_rule(
        &w.err(
            "AllocateEipSegmentAddress",
            &[("EipMask", "28"), ("InstanceChargeType", "PrePaid")],
        ),
        "OperationFailed.ChargeTypeInvalid",
        "G03",
    );
    let id = group(&w, "28");
    let member = members(&w, &id)[0]["AllocationId"]
        .as_str()
        .unwrap()
        .to_string();
    assert_rule(
        &w.err(
            "ModifyInstanceChargeType",
            &[
                ("InstanceIds", &format!("[\"{member}\"]")),
                ("InstanceChargeType", "PrePaid"),
                ("Period", "1"),
            ],
        ),
        "OperationFailed.ChargeTypeInvalid",
        "G03",
    );
}

#[test]
fn g04_bandwidth_and_metering() {
    let w = world();
    assert_rule(
        &w.err(
            "AllocateEipSegmentAddress",
            &[("EipMask", "28"), ("Bandwidth", "201")],
        ),
        "InvalidBandwidth.Malformed",
        "G04",
    );
    assert_rule(
        &w.err(
            "AllocateEipSegmentAddress",
            &[("EipMask", "28"), ("Netmode", "hybrid")],
        ),
        "InvalidParameter",
        "G04",
    );
    assert_rule(
        &w.err(
            "AllocateEipSegmentAddress",
            &[("EipMask", "28"), ("InternetChargeType", "PayByDay")],
        ),
        "InvalidParameter",
        "G04",
    );
    let id = w.ok(
        "AllocateEipSegmentAddress",
        &[
            ("EipMask", "28"),
            ("Bandwidth", "200"),
            ("InternetChargeType", "PayByTraffic"),
        ],
    )["EipSegmentInstanceId"]
        .as_str()
        .unwrap()
        .to_string();
    let m = members(&w, &id)[0].clone();
    assert_eq!(m["Bandwidth"], "200");
    let mid = m["AllocationId"].as_str().unwrap();
    assert_rule(
        &w.err(
            "ModifyEipAddressAttribute",
            &[("AllocationId", mid), ("Bandwidth", "300")],
        ),
        "InvalidBandwidth.Malformed",
        "G04",
    );
}

#[test]
fn g05_release_all_or_nothing() {
    let w = world();
    let id = group(&w, "28");
    let member = members(&w, &id)[0]["AllocationId"]
        .as_str()
        .unwrap()
        .to_string();
    assert_rule(
        &w.err("ReleaseEipAddress", &[("AllocationId", &member)]),
        "Forbidden.ReleaseSegmentEip",
        "G05",
    );
    w.instance("i-1");
    w.ok(
        "AssociateEipAddress",
        &[("AllocationId", &member), ("InstanceId", "i-1")],
    );
    assert_rule(
        &w.err("ReleaseEipSegmentAddress", &[("SegmentInstanceId", &id)]),
        "OperationFailed.EipStatusInvalid",
        "G05",
    );
    w.ok("UnassociateEipAddress", &[("AllocationId", &member)]);
    w.ok("ReleaseEipSegmentAddress", &[("SegmentInstanceId", &id)]);
    assert!(members(&w, &id).is_empty());
    assert!(w.describe(&member).is_none());
}

#[test]
fn g06_member_targets() {
    let w = world();
    let id = group(&w, "28");
    let ms = members(&w, &id);
    let (a, b) = (
        ms[0]["AllocationId"].as_str().unwrap(),
        ms[1]["AllocationId"].as_str().unwrap(),
    );
    w.insert("slb", "lb-public", "cn-hangzhou", "active", json!({"LoadBalancerId": "lb-public", "AddressType": "internet", "NetworkType": "vpc", "VpcId": "vpc-1", "Address": "47.1.1.1"}));
    w.insert("slb", "lb-internal", "cn-hangzhou", "active", json!({"LoadBalancerId": "lb-internal", "AddressType": "intranet", "NetworkType": "vpc", "VpcId": "vpc-1", "Address": "10.0.0.9"}));
    assert_rule(
        &w.err(
            "AssociateEipAddress",
            &[("AllocationId", a), ("InstanceId", "lb-public")],
        ),
        "InvalidInstanceType.ValueNotSupported",
        "G06",
    );
    w.ok(
        "AssociateEipAddress",
        &[("AllocationId", a), ("InstanceId", "lb-internal")],
    );
    w.insert(
        "vpc",
        "vpc-gw",
        "cn-hangzhou",
        "Available",
        json!({"VpcId": "vpc-gw", "CidrBlock": "192.168.0.0/16", "VpcName": "", "Ipv4GatewayId": "ipv4gw-1"}),
    );
    assert_rule(
        &w.err(
            "AssociateEipAddress",
            &[
                ("AllocationId", b),
                ("InstanceId", "192.168.0.1"),
                ("InstanceType", "IpAddress"),
                ("VpcId", "vpc-gw"),
            ],
        ),
        "InvalidInstanceType.ValueNotSupported",
        "G06",
    );
}

#[test]
fn g07_members_are_billed_like_eips() {
    let w = world();
    let id = group(&w, "28");
    let m = &members(&w, &id)[0];
    assert_eq!(m["ChargeType"], "PostPaid");
    assert_eq!(m["BillingCycle"], "Day");
    assert_eq!(m["SegmentInstanceId"], id.as_str());
}
