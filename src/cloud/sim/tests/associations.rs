//! S01-S10: associations.

use serde_json::json;

use super::{assert_rule, world};

#[test]
fn s01_target_types() {
    let w = world();
    let id = w.eip(&[]);
    assert_rule(
        &w.err(
            "AssociateEipAddress",
            &[
                ("AllocationId", &id),
                ("InstanceId", "i-1"),
                ("InstanceType", "Router"),
            ],
        ),
        "InvalidInstanceType.ValueNotSupported",
        "S01",
    );
    w.insert(
        "nat_gateway",
        "ngw-1",
        "cn-hangzhou",
        "Available",
        json!({"NatGatewayId": "ngw-1", "VpcId": "vpc-1", "NetworkType": "internet", "EipBindMode": "NAT"}),
    );
    // ngw- implies Nat.
    w.ok(
        "AssociateEipAddress",
        &[("AllocationId", &id), ("InstanceId", "ngw-1")],
    );
    assert_eq!(w.describe(&id).unwrap()["InstanceType"], "Nat");
    // Primary ENIs are not targets.
    w.insert("eni", "eni-p", "cn-hangzhou", "InUse", json!({"NetworkInterfaceId": "eni-p", "VpcId": "vpc-1", "PrimaryIpAddress": "10.0.0.5", "PrivateIpSets": ["10.0.0.5"], "InstanceId": "i-1", "Type": "Primary"}));
    let other = w.eip(&[]);
    assert_rule(
        &w.err(
            "AssociateEipAddress",
            &[
                ("AllocationId", &other),
                ("InstanceId", "eni-p"),
                ("InstanceType", "NetworkInterface"),
            ],
        ),
        "InvalidInstanceType.ValueNotSupported",
        "S01",
    );
}

#[test]
fn s02_same_region() {
    let w = world();
    let id = w.eip(&[]);
    w.insert("instance", "i-bj", "cn-beijing", "Running", json!({"InstanceId": "i-bj", "VpcId": "vpc-9", "PrimaryIpAddress": "10.0.0.5", "PublicIpAddress": "", "NetworkType": "vpc"}));
    assert_rule(
        &w.err(
            "AssociateEipAddress",
            &[("AllocationId", &id), ("InstanceId", "i-bj")],
        ),
        "InvalidParameter.Mismatch",
        "S02",
    );
    w.instance("i-hz");
    w.ok(
        "AssociateEipAddress",
        &[("AllocationId", &id), ("InstanceId", "i-hz")],
    );
}

#[test]
fn s03_one_resource_at_a_time() {
    let w = world();
    let id = w.eip(&[]);
    w.instance("i-1");
    w.instance("i-2");
    w.ok(
        "AssociateEipAddress",
        &[("AllocationId", &id), ("InstanceId", "i-1")],
    );
    assert_rule(
        &w.err(
            "AssociateEipAddress",
            &[("AllocationId", &id), ("InstanceId", "i-2")],
        ),
        "IncorrectEipStatus",
        "S03",
    );
    let e = w.describe(&id).unwrap();
    assert_eq!(
        (
            e["Status"].as_str(),
            e["InstanceId"].as_str(),
            e["PrivateIpAddress"].as_str()
        ),
        (Some("InUse"), Some("i-1"), Some("10.0.0.5"))
    );
}

#[test]
fn s04_instance_in_vpc() {
    let w = world();
    let id = w.eip(&[]);
    w.insert("instance", "i-classic", "cn-hangzhou", "Running", json!({"InstanceId": "i-classic", "VpcId": "", "PrimaryIpAddress": "10.0.0.5", "PublicIpAddress": "", "NetworkType": "classic"}));
    assert_rule(
        &w.err(
            "AssociateEipAddress",
            &[("AllocationId", &id), ("InstanceId", "i-classic")],
        ),
        "OperationDenied",
        "S04",
    );
    w.instance("i-vpc");
    w.ok(
        "AssociateEipAddress",
        &[("AllocationId", &id), ("InstanceId", "i-vpc")],
    );
}

#[test]
fn s05_instance_running_or_stopped() {
    let w = world();
    let id = w.eip(&[]);
    w.insert("instance", "i-p", "cn-hangzhou", "Pending", json!({"InstanceId": "i-p", "VpcId": "vpc-1", "PrimaryIpAddress": "10.0.0.6", "PublicIpAddress": "", "NetworkType": "vpc"}));
    w.insert("instance", "i-s", "cn-hangzhou", "Stopped", json!({"InstanceId": "i-s", "VpcId": "vpc-1", "PrimaryIpAddress": "10.0.0.7", "PublicIpAddress": "", "NetworkType": "vpc"}));
    assert_rule(
        &w.err(
            "AssociateEipAddress",
            &[("AllocationId", &id), ("InstanceId", "i-p")],
        ),
        "IncorrectInstanceStatus",
        "S05",
    );
    w.ok(
        "AssociateEipAddress",
        &[("AllocationId", &id), ("InstanceId", "i-s")],
    );
}

#[test]
fn s06_primary_nic_without_public_ip() {
    let w = world();
    let (a, b) = (w.eip(&[]), w.eip(&[]));
    w.insert("instance", "i-pub", "cn-hangzhou", "Running", json!({"InstanceId": "i-pub", "VpcId": "vpc-1", "PrimaryIpAddress": "10.0.0.5", "PublicIpAddress": "47.69.9.9", "NetworkType": "vpc"}));
    assert_rule(
        &w.err(
            "AssociateEipAddress",
            &[("AllocationId", &a), ("InstanceId", "i-pub")],
        ),
        "EIP_CAN_NOT_ASSOCIATE_WITH_PUBLIC_IP",
        "S06",
    );
    w.instance("i-1");
    w.ok(
        "AssociateEipAddress",
        &[("AllocationId", &a), ("InstanceId", "i-1")],
    );
    let e = w.err(
        "AssociateEipAddress",
        &[("AllocationId", &b), ("InstanceId", "i-1")],
    );
    assert_rule(&e, "InvalidAssociation.Duplicated", "S06");
}

#[test]
fn d05_change_the_eip_of_an_instance() {
    let w = world();
    let (old, new) = (w.eip(&[]), w.eip(&[]));
    w.instance("i-1");
    w.ok(
        "AssociateEipAddress",
        &[("AllocationId", &old), ("InstanceId", "i-1")],
    );
    // Associating the new EIP first is refused; the old association goes first (D05).
    let e = w.err(
        "AssociateEipAddress",
        &[("AllocationId", &new), ("InstanceId", "i-1")],
    );
    assert_eq!(e.code, "InvalidAssociation.Duplicated");
    assert!(e.message.contains("D05"), "{e}");
    w.ok(
        "UnassociateEipAddress",
        &[("AllocationId", &old), ("InstanceId", "i-1")],
    );
    w.ok(
        "AssociateEipAddress",
        &[("AllocationId", &new), ("InstanceId", "i-1")],
    );
    assert_eq!(w.describe(&old).unwrap()["Status"], "Available");
}

#[test]
fn s07_secondary_eni_modes() {
    let w = world();
    w.eni("eni-nat", &["10.0.0.20", "10.0.0.21"], "i-1");
    let (a, b, c) = (w.eip(&[]), w.eip(&[]), w.eip(&[]));
    let assoc = |id: &str, eni: &str, extra: &[(&str, &str)]| {
        let mut args = vec![
            ("AllocationId", id),
            ("InstanceId", eni),
            ("InstanceType", "NetworkInterface"),
        ];
        args.extend_from_slice(extra);
        w.call("AssociateEipAddress", &args)
    };
    assert_rule(
        &assoc(&a, "eni-nat", &[("PrivateIpAddress", "10.0.0.99")]).unwrap_err(),
        "InvalidParameter",
        "S07",
    );
    assoc(&a, "eni-nat", &[("PrivateIpAddress", "10.0.0.21")]).unwrap();
    assert_rule(
        &assoc(&b, "eni-nat", &[("PrivateIpAddress", "10.0.0.21")]).unwrap_err(),
        "InvalidEip.EipQuotaExceeded",
        "S07",
    );
    assoc(&b, "eni-nat", &[]).unwrap();
    assert_eq!(w.describe(&b).unwrap()["PrivateIpAddress"], "10.0.0.20");
    assert_rule(
        &assoc(&c, "eni-nat", &[]).unwrap_err(),
        "InvalidEip.EipQuotaExceeded",
        "S07",
    );
    // One ENI never mixes modes.
    w.set("multi_binded_whitelist", "true");
    assert_rule(
        &assoc(&c, "eni-nat", &[("Mode", "MULTI_BINDED")]).unwrap_err(),
        "Mode.Conflict",
        "S07",
    );
    // BINDED: detached ENI without secondary private IPs.
    assert_rule(
        &assoc(&c, "eni-nat", &[("Mode", "BINDED")]).unwrap_err(),
        "Mode.Conflict",
        "S07",
    );
    w.eni("eni-attached", &["10.0.0.30"], "i-2");
    assert_rule(
        &assoc(&c, "eni-attached", &[("Mode", "BINDED")]).unwrap_err(),
        "Eni.Attached",
        "S07",
    );
    w.eni("eni-subip", &["10.0.0.40", "10.0.0.41"], "");
    assert_rule(
        &assoc(&c, "eni-subip", &[("Mode", "BINDED")]).unwrap_err(),
        "Eni.HasSubIp",
        "S07",
    );
    w.eni("eni-free", &["10.0.0.50"], "");
    assoc(&c, "eni-free", &[("Mode", "BINDED")]).unwrap();
    // MULTI_BINDED needs the whitelist.
    w.set("multi_binded_whitelist", "false");
    w.eni("eni-multi", &["10.0.0.60"], "");
    let d = w.eip(&[]);
    assert_rule(
        &assoc(&d, "eni-multi", &[("Mode", "MULTI_BINDED")]).unwrap_err(),
        "Mode.NotSupport",
        "S07",
    );
    // A mode change in place checks that the ENI does not mix modes and the MULTI_BINDED
    // whitelist (not the association-time BINDED conditions; see check_mode_change).
    w.ok("UnassociateEipAddress", &[("AllocationId", &c)]);
    let e = w.eip(&[]);
    assoc(&e, "eni-subip", &[("PrivateIpAddress", "10.0.0.41")]).unwrap();
    assert_rule(
        &w.err(
            "ModifyEipForwardMode",
            &[("InstanceId", &a), ("Mode", "BINDED")],
        ),
        "Mode.Conflict",
        "S07",
    );
    assert_rule(
        &w.err(
            "ModifyEipForwardMode",
            &[("InstanceId", &e), ("Mode", "MULTI_BINDED")],
        ),
        "Mode.NotSupport",
        "S07",
    );
    w.ok(
        "ModifyEipForwardMode",
        &[("InstanceId", &e), ("Mode", "BINDED")],
    );
    assert_eq!(w.describe(&e).unwrap()["Mode"], "BINDED");
}

#[test]
fn s08_nat_clb_havip_capacity() {
    let w = world();
    w.set("eip_quota", "100");
    w.insert(
        "nat_gateway",
        "ngw-1",
        "cn-hangzhou",
        "Available",
        json!({"NatGatewayId": "ngw-1", "VpcId": "vpc-1", "NetworkType": "internet", "EipBindMode": "NAT"}),
    );
    for _ in 0..20 {
        let id = w.eip(&[]);
        w.ok(
            "AssociateEipAddress",
            &[("AllocationId", &id), ("InstanceId", "ngw-1")],
        );
    }
    let extra = w.eip(&[]);
    assert_rule(
        &w.err(
            "AssociateEipAddress",
            &[("AllocationId", &extra), ("InstanceId", "ngw-1")],
        ),
        "QuotaExceeded.NumberOfEip",
        "S08",
    );
    w.insert("slb", "lb-1", "cn-hangzhou", "active", json!({"LoadBalancerId": "lb-1", "AddressType": "intranet", "NetworkType": "vpc", "VpcId": "vpc-1", "Address": "10.0.0.9"}));
    w.insert("slb", "lb-classic", "cn-hangzhou", "active", json!({"LoadBalancerId": "lb-classic", "AddressType": "intranet", "NetworkType": "classic", "VpcId": "", "Address": "10.1.0.9"}));
    assert_rule(
        &w.err(
            "AssociateEipAddress",
            &[("AllocationId", &extra), ("InstanceId", "lb-classic")],
        ),
        "OperationDenied",
        "S08",
    );
    w.ok(
        "AssociateEipAddress",
        &[("AllocationId", &extra), ("InstanceId", "lb-1")],
    );
    let another = w.eip(&[]);
    assert_rule(
        &w.err(
            "AssociateEipAddress",
            &[("AllocationId", &another), ("InstanceId", "lb-1")],
        ),
        "InvalidAssociation.Duplicated",
        "S08",
    );
    w.insert(
        "havip",
        "havip-1",
        "cn-hangzhou",
        "Available",
        json!({"HaVipId": "havip-1", "VpcId": "vpc-1", "VSwitchId": "vsw-1", "IpAddress": "10.0.0.100"}),
    );
    w.ok(
        "AssociateEipAddress",
        &[
            ("AllocationId", &another),
            ("InstanceId", "havip-1"),
            ("InstanceType", "HaVip"),
        ],
    );
    let third = w.eip(&[]);
    assert_rule(
        &w.err(
            "AssociateEipAddress",
            &[
                ("AllocationId", &third),
                ("InstanceId", "havip-1"),
                ("InstanceType", "HaVip"),
            ],
        ),
        "InvalidAssociation.Duplicated",
        "S08",
    );
}

#[test]
fn s09_target_exists() {
    let w = world();
    let id = w.eip(&[]);
    assert_rule(
        &w.err(
            "AssociateEipAddress",
            &[("AllocationId", &id), ("InstanceId", "i-ghost")],
        ),
        "InvalidInstanceId.NotFound",
        "S09",
    );
    assert_rule(
        &w.err(
            "AssociateEipAddress",
            &[
                ("AllocationId", &id),
                ("InstanceId", "havip-ghost"),
                ("InstanceType", "HaVip"),
            ],
        ),
        "InvalidInstanceId.NotFound",
        "S09",
    );
    w.instance("i-real");
    w.ok(
        "AssociateEipAddress",
        &[("AllocationId", &id), ("InstanceId", "i-real")],
    );
}

#[test]
fn s10_ip_address_targets() {
    let w = world();
    let id = w.eip(&[]);
    assert_rule(
        &w.err(
            "AssociateEipAddress",
            &[
                ("AllocationId", &id),
                ("InstanceId", "192.168.0.1"),
                ("InstanceType", "IpAddress"),
            ],
        ),
        "MissingParameter",
        "S10",
    );
    w.insert(
        "vpc",
        "vpc-nogw",
        "cn-hangzhou",
        "Available",
        json!({"VpcId": "vpc-nogw", "CidrBlock": "192.168.0.0/16", "VpcName": "", "Ipv4GatewayId": ""}),
    );
    assert_rule(
        &w.err(
            "AssociateEipAddress",
            &[
                ("AllocationId", &id),
                ("InstanceId", "192.168.0.1"),
                ("InstanceType", "IpAddress"),
                ("VpcId", "vpc-nogw"),
            ],
        ),
        "OperationFailed.Ipv4GatewayNotOpenedInVpc",
        "S10",
    );
    w.insert(
        "vpc",
        "vpc-gw",
        "cn-hangzhou",
        "Available",
        json!({"VpcId": "vpc-gw", "CidrBlock": "192.168.0.0/16", "VpcName": "", "Ipv4GatewayId": "ipv4gw-1"}),
    );
    w.ok(
        "AssociateEipAddress",
        &[
            ("AllocationId", &id),
            ("InstanceId", "192.168.0.1"),
            ("InstanceType", "IpAddress"),
            ("VpcId", "vpc-gw"),
        ],
    );
    let e = w.describe(&id).unwrap();
    assert_eq!(
        (e["InstanceType"].as_str(), e["VpcId"].as_str()),
        (Some("IpAddress"), Some("vpc-gw"))
    );
}
