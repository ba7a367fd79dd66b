//! R01-R06: recovery of released EIPs.

use super::{assert_rule, world};
use crate::cloud::sim::{addresses, admin};

fn released(w: &super::World) -> (String, String) {
    let r = w.ok("AllocateEipAddress", &[("Bandwidth", "20")]);
    let id = r["AllocationId"].as_str().unwrap().to_string();
    let ip = r["EipAddress"].as_str().unwrap().to_string();
    w.ok("ReleaseEipAddress", &[("AllocationId", &id)]);
    (id, ip)
}

#[test]
fn r01_seven_day_window() {
    let w = world();
    let (id, ip) = released(&w);
    admin::clock_advance(&w.cloud, "6d").unwrap();
    let r = w.ok("AllocateEipAddress", &[("IpAddress", &ip)]);
    assert_eq!(r["AllocationId"], id.as_str());
    assert_eq!(r["EipAddress"], ip.as_str());
    let (id2, _) = released(&w);
    admin::clock_advance(&w.cloud, "8d").unwrap();
    assert_rule(
        &w.err("AllocateEipAddress", &[("InstanceId", &id2)]),
        "OperationFailed.AllocateUnfamiliarIp",
        "R01",
    );
    // Used in another region.
    let (id3, _) = released(&w);
    assert_rule(
        &w.err(
            "AllocateEipAddress",
            &[("RegionId", "cn-beijing"), ("InstanceId", &id3)],
        ),
        "OperationFailed.AllocateUnfamiliarIp",
        "R01",
    );
}

#[test]
fn r02_taken_or_locked() {
    let w = world();
    let (_, ip) = released(&w);
    admin::address_fate(&w.cloud, &ip, "other_account").unwrap();
    assert_rule(
        &w.err("AllocateEipAddress", &[("IpAddress", &ip)]),
        "OperationDenied.IpBelongToOtherUser",
        "R02",
    );
    admin::address_fate(&w.cloud, &ip, "locked").unwrap();
    assert_rule(
        &w.err("AllocateEipAddress", &[("IpAddress", &ip)]),
        "OperationFailed.IpIsLocked",
        "R02",
    );
    admin::address_fate(&w.cloud, &ip, "").unwrap();
    w.ok("AllocateEipAddress", &[("IpAddress", &ip)]);
    assert_rule(
        &w.err("AllocateEipAddress", &[("IpAddress", &ip)]),
        "Ip.Allocated",
        "R02",
    );
}

#[test]
fn r03_classic_addresses_are_not_recoverable() {
    let w = world();
    let (classic, vpc_static) = w
        .cloud
        .with_ctx(|ctx| {
            let a = addresses::allocate_public_ip(ctx, "cn-hangzhou", "i-classic")?;
            let b = addresses::allocate_public_ip(ctx, "cn-hangzhou", "i-vpc")?;
            addresses::release_public_ip(ctx, &a, "i-classic", addresses::origin::CLASSIC)?;
            addresses::release_public_ip(ctx, &b, "i-vpc", addresses::origin::ECS_STATIC)?;
            Ok((a, b))
        })
        .unwrap();
    assert_rule(
        &w.err("AllocateEipAddress", &[("IpAddress", &classic)]),
        "OperationFailed.AllocateUnfamiliarIp",
        "R03",
    );
    // The guide lets the static public IP of a VPC instance be requested by IP address.
    let r = w.ok("AllocateEipAddress", &[("IpAddress", &vpc_static)]);
    assert_eq!(r["EipAddress"], vpc_static.as_str());
    assert!(r["AllocationId"].as_str().unwrap().starts_with("eip-"));
}

#[test]
fn r04_recovered_defaults() {
    let w = world();
    let (id, ip) = released(&w);
    w.ok("AllocateEipAddress", &[("IpAddress", &ip)]);
    let e = w.describe(&id).unwrap();
    assert_eq!(
        (
            e["ChargeType"].as_str(),
            e["InternetChargeType"].as_str(),
            e["Bandwidth"].as_str()
        ),
        (Some("PostPaid"), Some("PayByTraffic"), Some("5"))
    );
    w.ok("ReleaseEipAddress", &[("AllocationId", &id)]);
    w.ok(
        "AllocateEipAddress",
        &[
            ("InstanceId", &id),
            ("InternetChargeType", "PayByBandwidth"),
            ("Bandwidth", "50"),
        ],
    );
    let e = w.describe(&id).unwrap();
    assert_eq!(
        (e["InternetChargeType"].as_str(), e["Bandwidth"].as_str()),
        (Some("PayByBandwidth"), Some("50"))
    );
}

#[test]
fn r05_monthly_recovery_quota() {
    let w = world();
    w.set("recovery_quota_per_month", "1");
    let (_, a) = released(&w);
    let (_, b) = released(&w);
    w.ok("AllocateEipAddress", &[("IpAddress", &a)]);
    assert_rule(
        &w.err("AllocateEipAddress", &[("IpAddress", &b)]),
        "QuotaExceeded.Recovery",
        "R05",
    );
}

#[test]
fn r06_recovery_from_a_pool() {
    let w = world();
    let pool = w.ok("CreatePublicIpAddressPool", &[])["PublicIpAddressPoolId"]
        .as_str()
        .unwrap()
        .to_string();
    let other = w.ok("CreatePublicIpAddressPool", &[])["PublicIpAddressPoolId"]
        .as_str()
        .unwrap()
        .to_string();
    w.ok(
        "AddPublicIpAddressPoolCidrBlock",
        &[("PublicIpAddressPoolId", &pool), ("CidrMask", "28")],
    );
    w.ok(
        "AddPublicIpAddressPoolCidrBlock",
        &[("PublicIpAddressPoolId", &other), ("CidrMask", "28")],
    );
    let r = w.ok("AllocateEipAddress", &[("PublicIpAddressPoolId", &pool)]);
    let (id, ip) = (
        r["AllocationId"].as_str().unwrap().to_string(),
        r["EipAddress"].as_str().unwrap().to_string(),
    );
    w.ok("ReleaseEipAddress", &[("AllocationId", &id)]);
    assert_rule(
        &w.err(
            "AllocateEipAddress",
            &[("IpAddress", &ip), ("PublicIpAddressPoolId", &other)],
        ),
        "Mismatch.IpAndPublicIpAddressPool",
        "R06",
    );
    w.ok(
        "AllocateEipAddress",
        &[("IpAddress", &ip), ("PublicIpAddressPoolId", &pool)],
    );
    assert_eq!(
        w.describe(&id).unwrap()["PublicIpAddressPoolId"],
        pool.as_str()
    );
}
