//! A01-A14: allocation of EIPs.

use super::{assert_rule, world};

#[test]
fn a01_billing_method() {
    let w = world();
    let e = w.err("AllocateEipAddress", &[("InstanceChargeType", "Monthly")]);
    assert_rule(&e, "InvalidParameter", "A01");
    let id = w.eip(&[
        ("InstanceChargeType", "PrePaid"),
        ("Period", "1"),
        ("AutoPay", "true"),
    ]);
    assert_eq!(w.describe(&id).unwrap()["ChargeType"], "PrePaid");
    let id = w.eip(&[]);
    assert_eq!(w.describe(&id).unwrap()["ChargeType"], "PostPaid");
}

#[test]
fn a02_metering() {
    let w = world();
    let e = w.err(
        "AllocateEipAddress",
        &[
            ("InstanceChargeType", "PrePaid"),
            ("Period", "1"),
            ("InternetChargeType", "PayByTraffic"),
        ],
    );
    assert_rule(&e, "InvalidParameter", "A02");
    let e = w.err(
        "AllocateEipAddress",
        &[("InternetChargeType", "PayByDominantTraffic")],
    );
    assert_rule(&e, "InvalidParameter", "A02");
    let id = w.eip(&[("InternetChargeType", "PayByTraffic")]);
    assert_eq!(
        w.describe(&id).unwrap()["InternetChargeType"],
        "PayByTraffic"
    );
}

#[test]
fn a03_billing_cycle_follows_metering() {
    let w = world();
    let day = w.eip(&[]);
    let hour = w.eip(&[("InternetChargeType", "PayByTraffic")]);
    let month = w.eip(&[("InstanceChargeType", "PrePaid"), ("Period", "1")]);
    assert_eq!(w.describe(&day).unwrap()["BillingCycle"], "Day");
    assert_eq!(w.describe(&hour).unwrap()["BillingCycle"], "Hour");
    assert_eq!(w.describe(&month).unwrap()["BillingCycle"], "Month");
    assert_eq!(
        w.describe(&day).unwrap()["ProtectionEdition"],
        "AntiDDoS_Origin_Basic"
    );
}

#[test]
fn a04_bandwidth_ranges() {
    let w = world();
    assert_rule(
        &w.err("AllocateEipAddress", &[("Bandwidth", "501")]),
        "InvalidBandwidth.Malformed",
        "A04",
    );
    assert_rule(
        &w.err("AllocateEipAddress", &[("Bandwidth", "ten")]),
        "InvalidBandwidth.Malformed",
        "A04",
    );
    assert_rule(
        &w.err(
            "AllocateEipAddress",
            &[("Bandwidth", "201"), ("InternetChargeType", "PayByTraffic")],
        ),
        "InvalidBandwidth.Malformed",
        "A04",
    );
    let id = w.eip(&[("Bandwidth", "500")]);
    assert_eq!(w.describe(&id).unwrap()["Bandwidth"], "500");
    w.eip(&[
        ("Bandwidth", "1000"),
        ("InstanceChargeType", "PrePaid"),
        ("Period", "1"),
    ]);
    assert_eq!(w.describe(&w.eip(&[])).unwrap()["Bandwidth"], "5");
    // ModifyEipAddressAttribute applies the same ranges.
    assert_rule(
        &w.err(
            "ModifyEipAddressAttribute",
            &[("AllocationId", &id), ("Bandwidth", "0")],
        ),
        "InvalidBandwidth.Malformed",
        "A04",
    );
}

#[test]
fn a05_region_exists() {
    let w = world();
    let e = w.err("AllocateEipAddress", &[("RegionId", "mars-north-1")]);
    assert_rule(&e, "InvalidRegionId.NotFound", "A05");
    assert_eq!(e.http_status, 404);
    assert_rule(
        &w.err("DescribeEipAddresses", &[("RegionId", "mars-north-1")]),
        "InvalidRegionId.NotFound",
        "A05",
    );
    let r = w.ok("AllocateEipAddress", &[("RegionId", "cn-qingdao")]);
    assert_eq!(r["EipAddress"], "47.64.0.1");
}

#[test]
fn a06_line_types() {
    let w = world();
    assert_rule(
        &w.err("AllocateEipAddress", &[("ISP", "BGP_PRO")]),
        "InvalidRegion.NotSupport",
        "A06",
    );
    assert_rule(
        &w.err("AllocateEipAddress", &[("ISP", "Bogus")]),
        "IllegalParam.Isp",
        "A06",
    );
    assert_rule(
        &w.err(
            "AllocateEipAddress",
            &[("RegionId", "cn-beijing"), ("ISP", "ChinaTelecom")],
        ),
        "IllegalParam.Isp",
        "A06",
    );
    assert_rule(
        &w.err(
            "AllocateEipAddress",
            &[
                ("RegionId", "ap-southeast-1"),
                ("ISP", "BGP_PRO"),
                ("InstanceChargeType", "PrePaid"),
                ("Period", "1"),
            ],
        ),
        "InvalidRegion.NotSupport",
        "A06",
    );
    w.ok(
        "AllocateEipAddress",
        &[("RegionId", "ap-southeast-1"), ("ISP", "BGP_PRO")],
    );
    w.ok(
        "AllocateEipAddress",
        &[
            ("RegionId", "cn-hongkong"),
            ("ISP", "BGP_PRO"),
            ("InstanceChargeType", "PrePaid"),
            ("Period", "1"),
        ],
    );
    w.set("single_isp_whitelist", "true");
    let r = w.ok(
        "AllocateEipAddress",
        &[("RegionId", "cn-beijing"), ("ISP", "ChinaTelecom")],
    );
    assert!(r["EipAddress"].as_str().unwrap().starts_with("39."));
}

#[test]
fn a07_network_type() {
    let w = world();
    assert_rule(
        &w.err("AllocateEipAddress", &[("Netmode", "hybrid")]),
        "InvalidParameter",
        "A07",
    );
    w.eip(&[("Netmode", "public")]);
}

#[test]
fn a08_security_protection() {
    let w = world();
    let enhanced = [("SecurityProtectionTypes.1", "AntiDDoS_Enhanced")];
    assert_rule(
        &w.err(
            "AllocateEipAddress",
            &[("RegionId", "cn-qingdao"), enhanced[0]],
        ),
        "InvalidRegion.NotSupport",
        "A08",
    );
    assert_rule(
        &w.err(
            "AllocateEipAddress",
            &[
                ("InstanceChargeType", "PrePaid"),
                ("Period", "1"),
                enhanced[0],
            ],
        ),
        "InvalidParameter",
        "A08",
    );
    let id = w.eip(&enhanced);
    assert_eq!(
        w.describe(&id).unwrap()["ProtectionEdition"],
        "AntiDDoS_Enhanced"
    );
    w.set("anti_ddos_origin", "false");
    assert_rule(
        &w.err("AllocateEipAddress", &enhanced),
        "OperationDenied.NotOpenDdosOriginProtectService",
        "A08",
    );
}

#[test]
fn a09_pools() {
    let w = world();
    let pool = w.ok("CreatePublicIpAddressPool", &[("Name", "pool1")])["PublicIpAddressPoolId"]
        .as_str()
        .unwrap()
        .to_string();
    w.ok(
        "AddPublicIpAddressPoolCidrBlock",
        &[
            ("PublicIpAddressPoolId", &pool),
            ("CidrBlock", "47.118.126.0/28"),
        ],
    );
    let r = w.ok("AllocateEipAddress", &[("PublicIpAddressPoolId", &pool)]);
    assert_eq!(r["EipAddress"], "47.118.126.1");
    let id = r["AllocationId"].as_str().unwrap();
    assert_eq!(
        w.describe(id).unwrap()["PublicIpAddressPoolId"],
        pool.as_str()
    );
    assert_rule(
        &w.err(
            "AllocateEipAddress",
            &[("PublicIpAddressPoolId", "pippool-nope")],
        ),
        "ResourceNotFound.PublicIpAddressPool",
        "A09",
    );
    assert_rule(
        &w.err(
            "AllocateEipAddress",
            &[("PublicIpAddressPoolId", &pool), ("Zone", "cn-hangzhou-i")],
        ),
        "ExclusiveParam.ZoneAndPublicIpAddressPoolId",
        "A09",
    );
    assert_rule(
        &w.err(
            "AllocateEipAddress",
            &[
                ("PublicIpAddressPoolId", &pool),
                ("InstanceChargeType", "PrePaid"),
                ("Period", "1"),
            ],
        ),
        "Mismatch.ChargeTypeAndPublicIpAddressPool",
        "A09",
    );
    assert_rule(
        &w.err(
            "AllocateEipAddress",
            &[
                ("PublicIpAddressPoolId", &pool),
                ("SecurityProtectionTypes.1", "AntiDDoS_Enhanced"),
            ],
        ),
        "Mismatch.EipSecurityProtectionTypeAndPoolSecurityProtectionType",
        "A09",
    );
    w.set("eip_quota", "100");
    for _ in 0..15 {
        w.ok("AllocateEipAddress", &[("PublicIpAddressPoolId", &pool)]);
    }
    assert_rule(
        &w.err("AllocateEipAddress", &[("PublicIpAddressPoolId", &pool)]),
        "ResourceNotEnough.PublicIpAddressPool",
        "A09",
    );
    w.set("pool_privilege", "false");
    assert_rule(
        &w.err("AllocateEipAddress", &[("PublicIpAddressPoolId", &pool)]),
        "OperationDenied.PublicIpAddressPoolNotOpened",
        "A09",
    );
}

#[test]
fn a10_names_and_descriptions() {
    let w = world();
    assert_rule(
        &w.err("AllocateEipAddress", &[("Name", "1web")]),
        "InvalidParameter",
        "A10",
    );
    assert_rule(
        &w.err("AllocateEipAddress", &[("Name", "web ip")]),
        "InvalidParameter",
        "A10",
    );
    assert_rule(
        &w.err("AllocateEipAddress", &[("Description", "http://x")]),
        "InvalidParameter",
        "A10",
    );
    assert_rule(
        &w.err("AllocateEipAddress", &[("Description", "a")]),
        "InvalidParameter",
        "A10",
    );
    let id = w.eip(&[
        ("Name", "tf-testacc.web_1"),
        ("Description", "terraform-example"),
    ]);
    assert_eq!(w.describe(&id).unwrap()["Name"], "tf-testacc.web_1");
    assert_rule(
        &w.err(
            "ModifyEipAddressAttribute",
            &[("AllocationId", &id), ("Name", "-x")],
        ),
        "InvalidParameter",
        "A10",
    );
}

#[test]
fn a11_resource_groups() {
    let w = world();
    assert_rule(
        &w.err("AllocateEipAddress", &[("ResourceGroupId", "rg-nope")]),
        "InvalidResourceGroupId",
        "A11",
    );
    let id = w.eip(&[("ResourceGroupId", "rg-acfmprod00002")]);
    assert_eq!(
        w.describe(&id).unwrap()["ResourceGroupId"],
        "rg-acfmprod00002"
    );
    assert_rule(
        &w.err(
            "MoveResourceGroup",
            &[
                ("ResourceId", &id),
                ("ResourceType", "EIP"),
                ("NewResourceGroupId", "rg-nope"),
            ],
        ),
        "InvalidResourceGroupId",
        "A11",
    );
    w.ok(
        "MoveResourceGroup",
        &[
            ("ResourceId", &id),
            ("ResourceType", "EIP"),
            ("NewResourceGroupId", "rg-acfmtest00003"),
        ],
    );
    assert_eq!(
        w.describe(&id).unwrap()["ResourceGroupId"],
        "rg-acfmtest00003"
    );
}

#[test]
fn a12_quota_counts_pay_as_you_go() {
    let w = world();
    w.set("eip_quota", "2");
    let first = w.eip(&[]);
    w.eip(&[]);
    assert_rule(
        &w.err("AllocateEipAddress", &[]),
        "QuotaExceeded.Eip",
        "A12",
    );
    w.eip(&[("InstanceChargeType", "PrePaid"), ("Period", "1")]);
    w.ok("ReleaseEipAddress", &[("AllocationId", &first)]);
    w.eip(&[]);
}

#[test]
fn a12_a_call_refused_after_the_quota_check_leaves_the_quota_unused() {
    let w = world();
    w.set("eip_quota", "2");
    // Counted at the quota check, refused by the recovery check after it (the account never
    // held the address): the count is rolled back with the call.
    for _ in 0..3 {
        assert_rule(
            &w.err("AllocateEipAddress", &[("IpAddress", "47.1.2.3")]),
            "OperationFailed.AllocateUnfamiliarIp",
            "A14",
        );
    }
    w.eip(&[]);
    w.eip(&[]);
    assert_rule(
        &w.err("AllocateEipAddress", &[]),
        "QuotaExceeded.Eip",
        "A12",
    );
}

#[test]
fn a13_subscription_duration() {
    let w = world();
    assert_rule(
        &w.err(
            "AllocateEipAddress",
            &[("InstanceChargeType", "PrePaid"), ("Period", "10")],
        ),
        "InvalidParameter",
        "A13",
    );
    assert_rule(
        &w.err("AllocateEipAddress", &[("InstanceChargeType", "PrePaid")]),
        "InvalidParameter",
        "A13",
    );
    assert_rule(
        &w.err(
            "AllocateEipAddress",
            &[
                ("InstanceChargeType", "PrePaid"),
                ("Period", "4"),
                ("PricingCycle", "Year"),
            ],
        ),
        "InvalidParameter",
        "A13",
    );
    let r = w.ok(
        "AllocateEipAddress",
        &[
            ("InstanceChargeType", "PrePaid"),
            ("Period", "1"),
            ("PricingCycle", "Year"),
        ],
    );
    assert!(r["OrderId"].is_string());
    assert!(r.get("EipAddress").is_none());
    let e = w.describe(r["AllocationId"].as_str().unwrap()).unwrap();
    assert!(!e["ExpiredTime"].as_str().unwrap().is_empty());
}

#[test]
fn a14_purchase_cannot_choose_address() {
    let w = world();
    assert_rule(
        &w.err("AllocateEipAddress", &[("IpAddress", "47.91.57.17")]),
        "OperationFailed.AllocateUnfamiliarIp",
        "A14",
    );
    assert_rule(
        &w.err(
            "AllocateEipAddress",
            &[("InstanceId", "eip-bp1pktw6wwavjqudm4mon")],
        ),
        "OperationFailed.AllocateUnfamiliarIp",
        "A14",
    );
    let a = w.ok("AllocateEipAddress", &[]);
    let b = w.ok("AllocateEipAddress", &[]);
    assert_ne!(a["EipAddress"], b["EipAddress"]);
}
