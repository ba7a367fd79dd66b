//! P01-P03: IP address pools.

use super::{assert_rule, world};

fn pool(w: &super::World) -> String {
    w.ok("CreatePublicIpAddressPool", &[])["PulbicIpAddressPoolId"]
        .as_str()
        .unwrap()
        .to_string()
}

#[test]
fn p01_privilege_and_quotas() {
    let w = world();
    w.set("pool_privilege", "false");
    assert_rule(
        &w.err("CreatePublicIpAddressPool", &[]),
        "OperationDenied.PublicIpAddressPoolNotOpened",
        "P01",
    );
    w.set("pool_privilege", "true");
    let pools: Vec<String> = (0..16).map(|_| pool(&w)).collect();
    assert_rule(
        &w.err("CreatePublicIpAddressPool", &[]),
        "QuotaExceeded.PublicIpAddressPool",
        "P01",
    );
    pool_in(&w, "cn-beijing");
    w.ok(
        "AddPublicIpAddressPoolCidrBlock",
        &[("PublicIpAddressPoolId", &pools[0]), ("CidrMask", "24")],
    );
    assert_rule(
        &w.err(
            "AddPublicIpAddressPoolCidrBlock",
            &[("PublicIpAddressPoolId", &pools[1]), ("CidrMask", "28")],
        ),
        "QuotaExceeded.PublicIpAddressPool",
        "P01",
    );
    let list = w.ok(
        "ListPublicIpAddressPools",
        &[("PublicIpAddressPoolIds.1", &pools[0])],
    );
    assert_eq!(list["PublicIpAddressPoolList"][0]["TotalIpNum"], 256);
}

fn pool_in(w: &super::World, region: &str) -> String {
    w.ok("CreatePublicIpAddressPool", &[("RegionId", region)])["PulbicIpAddressPoolId"]
        .as_str()
        .unwrap()
        .to_string()
}

#[test]
fn p02_cidr_blocks() {
    let w = world();
    let p = pool(&w);
    let add = |args: &[(&str, &str)]| {
        let mut a = vec![("PublicIpAddressPoolId", p.as_str())];
        a.extend_from_slice(args);
        w.call("AddPublicIpAddressPoolCidrBlock", &a)
    };
    assert_rule(
        &add(&[("CidrBlock", "47.118.126.0/25"), ("CidrMask", "25")]).unwrap_err(),
        "InvalidParameter",
        "P02",
    );
    assert_rule(
        &add(&[("CidrMask", "23")]).unwrap_err(),
        "InvalidParameter",
        "P02",
    );
    assert_rule(
        &add(&[("CidrBlock", "8.8.8.0/24")]).unwrap_err(),
        "InvalidParameter",
        "P02",
    );
    assert_rule(
        &add(&[("CidrBlock", "47.236.0.0/28")]).unwrap_err(),
        "InvalidParameter",
        "P02",
    );
    let r = add(&[("CidrBlock", "47.118.126.0/25")]).unwrap();
    assert_eq!(r["CidrBlock"], "47.118.126.0/25");
    assert_rule(
        &add(&[("CidrBlock", "47.118.126.0/26")]).unwrap_err(),
        "OperationFailed.CidrBlockInUse",
        "P02",
    );
    let r = add(&[("CidrMask", "28")]).unwrap();
    assert_eq!(r["CidrBlock"], "47.118.0.0/28");
    let blocks = w.ok(
        "ListPublicIpAddressPoolCidrBlocks",
        &[("PublicIpAddressPoolId", &p)],
    );
    assert_eq!(blocks["TotalCount"], 2);
}

#[test]
fn p03_delete_only_unused() {
    let w = world();
    let p = pool(&w);
    w.ok(
        "AddPublicIpAddressPoolCidrBlock",
        &[
            ("PublicIpAddressPoolId", &p),
            ("CidrBlock", "47.118.126.0/28"),
        ],
    );
    let id = w.ok("AllocateEipAddress", &[("PublicIpAddressPoolId", &p)])["AllocationId"]
        .as_str()
        .unwrap()
        .to_string();
    assert_rule(
        &w.err(
            "DeletePublicIpAddressPool",
            &[("PublicIpAddressPoolId", &p)],
        ),
        "OperationFailed.IpInUse",
        "P03",
    );
    assert_rule(
        &w.err(
            "DeletePublicIpAddressPoolCidrBlock",
            &[
                ("PublicIpAddressPoolId", &p),
                ("CidrBlock", "47.118.126.0/28"),
            ],
        ),
        "OperationFailed.IpInUse",
        "P03",
    );
    w.ok("ReleaseEipAddress", &[("AllocationId", &id)]);
    w.ok(
        "DeletePublicIpAddressPool",
        &[("PublicIpAddressPoolId", &p)],
    );
    let list = w.ok("ListPublicIpAddressPools", &[]);
    assert_eq!(list["TotalCount"], 0);
    // The block is free again for another pool.
    let q = pool(&w);
    w.ok(
        "AddPublicIpAddressPoolCidrBlock",
        &[
            ("PublicIpAddressPoolId", &q),
            ("CidrBlock", "47.118.126.0/28"),
        ],
    );
}
