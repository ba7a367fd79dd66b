//! The core: client tokens, paging, clock, account, faults, scratch sessions and the dump.

use serde_json::{Value, json};

use super::world;
use crate::cloud::sim::{SimCloud, admin, faults::Faults};
use crate::cloud::{CloudApi, Params};

#[test]
fn client_token_makes_creates_idempotent() {
    let w = world();
    let a = w.ok("AllocateEipAddress", &[("ClientToken", "tok-1")]);
    let b = w.ok("AllocateEipAddress", &[("ClientToken", "tok-1")]);
    assert_eq!(a, b);
    assert_eq!(admin::list(&w.cloud, Some("eip")).unwrap().len(), 1);
    let t = w.ok(
        "DescribeClientToken",
        &[("ClientToken", "tok-1"), ("Action", "AllocateEipAddress")],
    );
    assert_eq!(t["Response"]["AllocationId"], a["AllocationId"]);
    assert_eq!(
        w.ok("DescribeClientToken", &[("ClientToken", "nope")])["Found"],
        false
    );
    // The same token with other parameters is a new request, not a failure.
    let c = w.ok(
        "AllocateEipAddress",
        &[("ClientToken", "tok-1"), ("Bandwidth", "7")],
    );
    assert_ne!(a["AllocationId"], c["AllocationId"]);
}

#[test]
fn describe_filters_and_pages() {
    let w = world();
    let ids: Vec<String> = (0..12).map(|_| w.eip(&[])).collect();
    w.ok(
        "ModifyEipAddressAttribute",
        &[("AllocationId", &ids[3]), ("Name", "web")],
    );
    let r = w.ok("DescribeEipAddresses", &[]);
    assert_eq!(
        (r["TotalCount"].as_i64(), r["PageSize"].as_i64()),
        (Some(12), Some(10))
    );
    assert_eq!(
        r["EipAddresses"]["EipAddress"].as_array().unwrap().len(),
        10
    );
    let r = w.ok("DescribeEipAddresses", &[("PageNumber", "2")]);
    assert_eq!(r["EipAddresses"]["EipAddress"].as_array().unwrap().len(), 2);
    let r = w.ok("DescribeEipAddresses", &[("EipName", "web")]);
    assert_eq!(
        r["EipAddresses"]["EipAddress"][0]["AllocationId"],
        ids[3].as_str()
    );
    let ip = w.describe(&ids[5]).unwrap()["IpAddress"]
        .as_str()
        .unwrap()
        .to_string();
    let r = w.ok("DescribeEipAddresses", &[("EipAddress", &ip)]);
    assert_eq!(
        r["EipAddresses"]["EipAddress"][0]["AllocationId"],
        ids[5].as_str()
    );
    let joined = ids[..3].join(",");
    let r = w.ok(
        "DescribeEipAddresses",
        &[("AllocationId", &joined), ("PageSize", "100")],
    );
    assert_eq!(r["TotalCount"], 3);
    assert_eq!(
        w.err("DescribeEipAddresses", &[("PageSize", "101")]).code,
        "InvalidParameter"
    );
    let many = (0..51)
        .map(|i| format!("eip-{i}"))
        .collect::<Vec<_>>()
        .join(",");
    assert_eq!(
        w.err("DescribeEipAddresses", &[("AllocationId", &many)])
            .code,
        "InvalidParameter"
    );
    let r = w.ok("DescribeEipAddresses", &[("RegionId", "cn-beijing")]);
    assert_eq!(r["TotalCount"], 0);
}

#[test]
fn tags_on_eips_and_pools() {
    let w = world();
    let id = w.eip(&[]);
    w.ok(
        "TagResources",
        &[
            ("ResourceType", "EIP"),
            ("ResourceId.1", &id),
            ("Tag.1.Key", "env"),
            ("Tag.1.Value", "prod"),
        ],
    );
    let r = w.ok(
        "DescribeEipAddresses",
        &[("Tag.1.Key", "env"), ("Tag.1.Value", "prod")],
    );
    assert_eq!(r["TotalCount"], 1);
    let l = w.ok(
        "ListTagResources",
        &[("ResourceType", "EIP"), ("ResourceId.1", &id)],
    );
    assert_eq!(
        l["TagResources"]["TagResource"][0],
        json!({"ResourceId": id, "ResourceType": "EIP", "TagKey": "env", "TagValue": "prod"})
    );
    w.ok(
        "UnTagResources",
        &[
            ("ResourceType", "EIP"),
            ("ResourceId.1", &id),
            ("TagKey.1", "env"),
        ],
    );
    assert_eq!(w.describe(&id).unwrap()["Tags"]["Tag"], json!([]));
    assert_eq!(
        w.err(
            "TagResources",
            &[
                ("ResourceType", "EIP"),
                ("ResourceId.1", &id),
                ("Tag.1.Key", "acs:x"),
                ("Tag.1.Value", "v")
            ]
        )
        .code,
        "InvalidTagKey"
    );
    // Other resource types belong to other families.
    assert_eq!(
        w.err(
            "TagResources",
            &[("ResourceType", "VPC"), ("ResourceId.1", "vpc-1")]
        )
        .code,
        "InvalidAction.NotFound"
    );
}

#[test]
fn clock_and_account() {
    let w = world();
    admin::clock_set(&w.cloud, "2030-01-01T00:00:00+08:00").unwrap();
    let now = admin::clock_show(&w.cloud).unwrap()["now"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(now.starts_with("2029-12-31T16:00"), "{now}");
    admin::clock_advance(&w.cloud, "36h").unwrap();
    let now = admin::clock_show(&w.cloud).unwrap()["now"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(now.starts_with("2030-01-02T04:00"), "{now}");
    assert!(admin::clock_advance(&w.cloud, "soon").is_err());
    let id = w.eip(&[]);
    assert!(
        w.describe(&id).unwrap()["AllocationTime"]
            .as_str()
            .unwrap()
            .starts_with("2030-01-02")
    );
    let acct = admin::account_show(&w.cloud).unwrap();
    assert_eq!(acct["eip_quota"], 20);
    assert_eq!(acct["resource_groups"][0], "rg-acfmdefault0001");
    admin::account_set(&w.cloud, "eip_quota", "50").unwrap();
    assert_eq!(admin::account_show(&w.cloud).unwrap()["eip_quota"], 50);
    assert!(admin::account_set(&w.cloud, "eip_quota", "many").is_err());
    assert!(admin::account_set(&w.cloud, "color", "blue").is_err());
    assert!(admin::account_set(&w.cloud, "resource_groups", "rg-a,rg-b").is_ok());
}

#[test]
fn faults_fail_before_the_call_and_never_in_scratch() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.db");
    let cloud = SimCloud::open_with_faults(&path, Faults::parse("throttle=1").unwrap()).unwrap();
    let mut p = Params::new();
    p.insert("RegionId".into(), "cn-hangzhou".into());
    let e = cloud.call("AllocateEipAddress", &p).unwrap_err();
    assert_eq!(
        (e.code.as_str(), e.message.as_str()),
        (
            "Throttling.User",
            "Request was denied due to user flow control."
        )
    );
    assert!(e.is_retryable());
    assert!(admin::list(&cloud, Some("eip")).unwrap().is_empty());
    let scratch = cloud.scratch().unwrap();
    scratch.call("AllocateEipAddress", &p).unwrap();
    drop(scratch);
    let cloud =
        SimCloud::open_with_faults(&path, Faults::parse("conflict=1,seed=3").unwrap()).unwrap();
    assert_eq!(
        cloud.call("AllocateEipAddress", &p).unwrap_err().code,
        "OperationConflict"
    );
    assert!(cloud.call("DescribeEipAddresses", &p).is_ok());
}

#[test]
fn scratch_leaves_the_world_byte_identical() {
    let w = world();
    let id = w.eip(&[]);
    w.instance("i-1");
    let before = admin::dump(&w.cloud).unwrap();
    {
        let scratch = w.cloud.scratch().unwrap();
        let mut p = Params::new();
        p.insert("RegionId".into(), "cn-hangzhou".into());
        p.insert("AllocationId".into(), id.clone());
        p.insert("InstanceId".into(), "i-1".into());
        scratch.call("AssociateEipAddress", &p).unwrap();
        p.insert("Bandwidth".into(), "9999".into());
        scratch.call("AllocateEipAddress", &p).unwrap_err();
        let mut q = Params::new();
        q.insert("RegionId".into(), "cn-hangzhou".into());
        scratch.call("AllocateEipAddress", &q).unwrap();
    }
    assert_eq!(before, admin::dump(&w.cloud).unwrap());
    assert!(before.contains("== objects"));
}

#[test]
fn admin_out_of_band_changes_go_through_the_api() {
    let w = world();
    let id = w.eip(&[]);
    w.instance("i-1");
    admin::eip_modify(&w.cloud, &id, "50").unwrap();
    assert_eq!(w.describe(&id).unwrap()["Bandwidth"], "50");
    assert_eq!(
        admin::eip_modify(&w.cloud, &id, "9999")
            .unwrap_err()
            .rule
            .as_deref(),
        Some("A04")
    );
    admin::eip_associate(&w.cloud, &id, "i-1", "").unwrap();
    assert_eq!(
        admin::eip_release(&w.cloud, &id)
            .unwrap_err()
            .rule
            .as_deref(),
        Some("D02")
    );
    admin::eip_unassociate(&w.cloud, &id).unwrap();
    admin::eip_release(&w.cloud, &id).unwrap();
    assert!(admin::show(&w.cloud, &id).unwrap().is_none());
    assert!(
        admin::list(&w.cloud, None)
            .unwrap()
            .iter()
            .any(|o| o.id == "i-1")
    );
}

/// `settle_due` skips its query while nothing can be due; what another connection (another
/// process) puts in transition, and what falls due there, is still settled here.
#[test]
fn transitions_started_by_another_connection_settle_here() {
    let w = world();
    w.set("transition_ms", "60000");
    let id = w.eip(&[]);
    w.instance("i-1");
    let status = |c: &SimCloud| {
        let mut p = Params::new();
        p.insert("RegionId".into(), "cn-hangzhou".into());
        p.insert("AllocationId".into(), id.clone());
        c.call("DescribeEipAddresses", &p).unwrap()["EipAddresses"]["EipAddress"][0]["Status"]
            .as_str()
            .unwrap()
            .to_string()
    };
    // This connection has looked and found nothing in transition.
    assert_eq!(status(&w.cloud), "Available");
    let other = SimCloud::open_with_faults(w.cloud.path(), None).unwrap();
    let mut p = Params::new();
    p.insert("RegionId".into(), "cn-hangzhou".into());
    p.insert("AllocationId".into(), id.clone());
    p.insert("InstanceId".into(), "i-1".into());
    other.call("AssociateEipAddress", &p).unwrap();
    assert_eq!(status(&w.cloud), "Associating", "not due yet");
    admin::clock_advance(&other, "2m").unwrap();
    assert_eq!(status(&w.cloud), "InUse", "due: settled by this connection");
    assert_eq!(status(&other), "InUse");
    // Started here, due after a clock change made elsewhere.
    p.remove("InstanceId");
    w.cloud.call("UnassociateEipAddress", &p).unwrap();
    assert_eq!(status(&other), "Unassociating");
    assert_eq!(status(&w.cloud), "Unassociating");
    admin::clock_advance(&other, "2m").unwrap();
    assert_eq!(status(&w.cloud), "Available");
}

#[test]
#[ignore = "timing probe: cargo test --lib bulk_allocation -- --ignored --nocapture"]
fn bulk_allocation_scales() {
    let w = world();
    w.set("eip_quota", "100000");
    w.instance("i-x");
    let start = std::time::Instant::now();
    let n = 20_000;
    let mut ids = Vec::new();
    for i in 0..n {
        ids.push(w.eip(&[]));
        if i % 5000 == 4999 {
            eprintln!("{} allocations: {:?}", i + 1, start.elapsed());
        }
    }
    let t = std::time::Instant::now();
    for chunk in ids.chunks(50) {
        w.ok(
            "DescribeEipAddresses",
            &[("AllocationId", &chunk.join(",")), ("PageSize", "100")],
        );
    }
    eprintln!("describe {n} in batches: {:?}", t.elapsed());
    let t = std::time::Instant::now();
    w.ok(
        "AssociateEipAddress",
        &[("AllocationId", &ids[0]), ("InstanceId", "i-x")],
    );
    w.ok(
        "DescribeEipAddresses",
        &[("PageNumber", "150"), ("PageSize", "100")],
    );
    eprintln!("associate + page: {:?}", t.elapsed());
}

/// DescribeEipAddresses's text answer (copied from the stored objects) is the `Value` answer
/// written out, item for item, for EIPs of every kind; other calls fall back to the `Value`.
#[test]
fn describe_by_id_answers_the_same_text_as_the_value() {
    let w = world();
    let plain = w.eip(&[]);
    let month = w.eip(&[("InstanceChargeType", "PrePaid"), ("Period", "1")]);
    let traffic = w.eip(&[("InternetChargeType", "PayByTraffic"), ("Bandwidth", "7")]);
    let enhanced = w.eip(&[("SecurityProtectionTypes.1", "AntiDDoS_Enhanced")]);
    let named = w.eip(&[]);
    w.ok(
        "ModifyEipAddressAttribute",
        &[
            ("AllocationId", &named),
            ("Name", "web.front_1"),
            ("Description", "say \"hi\" \\ é\nnext"),
        ],
    );
    w.ok(
        "TagResources",
        &[
            ("ResourceType", "EIP"),
            ("ResourceId.1", &named),
            ("Tag.1.Key", "env"),
            ("Tag.1.Value", "prod"),
        ],
    );
    let bound = w.eip(&[]);
    w.instance("i-1");
    w.ok(
        "AssociateEipAddress",
        &[("AllocationId", &bound), ("InstanceId", "i-1")],
    );
    // Internal attributes (`_LogProject`, `_TransitionUntil`, `_AutoPay`) stay out.
    let monitored = w.eip(&[]);
    w.ok(
        "SetHighDefinitionMonitorLogStatus",
        &[
            ("InstanceId", &monitored),
            ("InstanceType", "EIP"),
            ("Status", "ON"),
            ("LogProject", "p"),
            ("LogStore", "s"),
        ],
    );
    let moving = w.eip(&[]);
    w.associate_slowly(&moving, "i-2");
    let all = [
        &plain, &month, &traffic, &enhanced, &named, &bound, &monitored, &moving,
    ];
    let mut ids: Vec<&str> = all.iter().map(|s| s.as_str()).collect();
    ids.extend(["eip-missing", ids[0]]);
    let joined = ids.join(",");
    let params = |extra: &[(&str, &str)]| -> Params {
        let mut p: Params = [
            ("RegionId", "cn-hangzhou"),
            ("AllocationId", joined.as_str()),
        ]
        .into_iter()
        .chain(extra.iter().copied())
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        p.retain(|_, v| !v.is_empty());
        p
    };
    let without_request_id = |mut v: Value| {
        v.as_object_mut().unwrap().remove("RequestId").unwrap();
        v
    };
    for extra in [
        vec![("PageSize", "100")],
        vec![("PageSize", "3"), ("PageNumber", "2")],
        vec![("PageSize", "100"), ("Status", "InUse")],
        vec![("PageNumber", "9")],
        vec![("PageNumber", "9223372036854775807"), ("PageSize", "100")],
    ] {
        let p = params(&extra);
        let value = w.cloud.call("DescribeEipAddresses", &p).unwrap();
        let text = w.cloud.call_text("DescribeEipAddresses", &p).unwrap();
        let copied = w
            .cloud
            .with_ctx(|ctx| crate::cloud::sim::answer_text::describe_eips(ctx, &p))
            .unwrap();
        assert_eq!(copied.is_some(), !p.contains_key("Status"), "{extra:?}");
        let parsed: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(
            without_request_id(parsed),
            without_request_id(value.clone()),
            "{extra:?}"
        );
        // Byte for byte, item by item: what a refresh recognises objects by.
        let items: Vec<String> = value["EipAddresses"]["EipAddress"]
            .as_array()
            .unwrap()
            .iter()
            .map(Value::to_string)
            .collect();
        for item in &items {
            assert!(
                text.contains(item.as_str()),
                "{extra:?}: {item} not in {text}"
            );
        }
    }
    let all_items = w
        .cloud
        .call_text("DescribeEipAddresses", &params(&[("PageSize", "100")]));
    let all_items: Value = serde_json::from_str(&all_items.unwrap()).unwrap();
    assert_eq!(
        all_items["TotalCount"], 9,
        "eight EIPs, one twice, one missing"
    );
    assert!(!all_items.to_string().contains("\"_"), "{all_items}");
    assert_eq!(
        all_items["EipAddresses"]["EipAddress"][5]["Status"], "InUse",
        "{all_items}"
    );
    assert_eq!(
        all_items["EipAddresses"]["EipAddress"][3]["ProtectionEdition"],
        "AntiDDoS_Enhanced"
    );
    // Errors are the `Value` call's.
    let mut bad = params(&[]);
    bad.insert("PageSize".into(), "0".into());
    let e = w.cloud.call_text("DescribeEipAddresses", &bad).unwrap_err();
    assert_eq!(e.code, "InvalidParameter");
    // Another action answers its `Value` as text.
    let regions = w
        .cloud
        .call_text("DescribeRegions", &params(&[]))
        .map(|t| serde_json::from_str::<Value>(&t).unwrap());
    let expected = w.cloud.call("DescribeRegions", &params(&[]));
    assert_eq!(
        regions.map(&without_request_id).ok(),
        expected.map(without_request_id).ok()
    );
}
