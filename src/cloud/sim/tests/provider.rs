//! The provider mappings of the EIP family, through `AlicloudProvider` over the simulated cloud.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};

use super::world;
use crate::cloud::sim::SimCloud;
use crate::cloud::{CloudApi, CloudError, Params};
use crate::provider::alicloud::AlicloudProvider;
use crate::provider::{Attrs, Deleted, OpContext, Provider, Read, ReadItem, ReadMemo};

/// Counts calls per action on the way to the cloud.
struct Counting {
    inner: SimCloud,
    calls: Mutex<Vec<String>>,
    total: AtomicUsize,
}

impl CloudApi for Counting {
    fn call(&self, action: &str, params: &Params) -> Result<Value, CloudError> {
        self.calls.lock().unwrap().push(action.to_string());
        self.total.fetch_add(1, Ordering::SeqCst);
        self.inner.call(action, params)
    }
    fn scratch(&self) -> Result<Box<dyn CloudApi>, CloudError> {
        self.inner.scratch()
    }
}

struct Setup {
    w: super::World,
    cloud: Arc<Counting>,
    p: AlicloudProvider,
}

fn setup() -> Setup {
    let w = world();
    let inner = SimCloud::open_with_faults(w.cloud.path(), None).unwrap();
    let cloud = Arc::new(Counting {
        inner,
        calls: Mutex::new(Vec::new()),
        total: AtomicUsize::new(0),
    });
    let p = AlicloudProvider::new(cloud.clone());
    Setup { w, cloud, p }
}

fn ctx() -> OpContext {
    OpContext {
        region: "cn-hangzhou".into(),
        client_token: None,
        timeout: Duration::from_secs(5),
        outcome_only: false,
    }
}

fn cfg(v: Value) -> Attrs {
    v.as_object().cloned().unwrap().into()
}

/// Asserts `attrs` holds every attribute of `schemas/<rtype>.json`.
fn assert_schema_complete(file: &str, attrs: &Attrs) {
    let path = format!("{}/schemas/{file}.json", env!("CARGO_MANIFEST_DIR"));
    let Ok(text) = std::fs::read_to_string(&path) else {
        return;
    };
    let schema: Value = serde_json::from_str(&text).unwrap();
    for name in schema["attributes"].as_object().unwrap().keys() {
        assert!(
            attrs.contains_key(name),
            "{file}: attribute {name} missing from {attrs:?}"
        );
    }
    assert!(attrs.contains_key("id"));
}

#[test]
fn eip_address_lifecycle() {
    let s = setup();
    let c = ctx();
    let config = cfg(
        json!({"address_name": "web", "bandwidth": "10", "tags": {"env": "prod"}, "deletion_protection": true, "mode": "BINDED"}),
    );
    let a = s.p.create(&c, "alicloud_eip_address", &config).unwrap();
    assert_schema_complete("alicloud_eip_address", &a);
    assert_eq!(a["bandwidth"], "10");
    assert_eq!(a["payment_type"], "PayAsYouGo");
    assert_eq!(a["instance_charge_type"], "PostPaid");
    assert_eq!(a["isp"], "BGP");
    assert_eq!(a["name"], "web");
    assert_eq!(a["billing_cycle"], "Day");
    assert_eq!(a["protection_edition"], "AntiDDoS_Origin_Basic");
    assert_eq!(a["tags"], json!({"env": "prod"}));
    assert_eq!(a["deletion_protection"], true);
    assert_eq!(a["mode"], "BINDED");
    assert_eq!(a["allocation_id"], a["id"]);
    let id = a["id"].as_str().unwrap().to_string();
    // Update only what changed.
    let mut next = config.clone();
    next.insert("bandwidth", json!("20"));
    next.insert("tags", json!({"team": "net"}));
    next.insert("deletion_protection", json!(false));
    let before = s.cloud.total.load(Ordering::SeqCst);
    let b =
        s.p.update(
            &c,
            "alicloud_eip_address",
            &id,
            &a,
            &next,
            &[
                "bandwidth".into(),
                "tags".into(),
                "deletion_protection".into(),
            ],
        )
        .unwrap();
    assert_eq!(
        (
            b["bandwidth"].as_str(),
            b["tags"].clone(),
            b["deletion_protection"].as_bool()
        ),
        (Some("20"), json!({"team": "net"}), Some(false))
    );
    let calls: Vec<String> = s.cloud.calls.lock().unwrap()[before..].to_vec();
    assert!(
        calls.contains(&"ModifyEipAddressAttribute".to_string())
            && !calls.contains(&"ModifyEipForwardMode".to_string()),
        "{calls:?}"
    );
    // Rules come back as cloud errors with their IDs.
    let mut bad = next.clone();
    bad.insert("bandwidth", json!("900"));
    let e =
        s.p.update(
            &c,
            "alicloud_eip_address",
            &id,
            &b,
            &bad,
            &["bandwidth".into()],
        )
        .unwrap_err();
    assert_eq!(e.rule(), Some("A04"));
    assert_eq!(
        s.p.delete(&c, "alicloud_eip_address", &id, &b).unwrap(),
        Deleted::Released
    );
    assert_eq!(
        s.p.read(&c, "alicloud_eip_address", &[(id, b.into())])
            .unwrap(),
        vec![None]
    );
}

#[test]
fn subscription_period_and_abandon() {
    let s = setup();
    let c = ctx();
    let a =
        s.p.create(
            &c,
            "alicloud_eip",
            &cfg(json!({"payment_type": "Subscription", "period": 12, "auto_pay": "true"})),
        )
        .unwrap();
    assert_eq!(
        (
            a["payment_type"].as_str(),
            a["billing_cycle"].as_str(),
            a["period"].as_i64()
        ),
        (Some("Subscription"), Some("Month"), Some(12))
    );
    let id = a["id"].as_str().unwrap();
    let expires = s.w.describe(id).unwrap()["ExpiredTime"]
        .as_str()
        .unwrap()
        .to_string();
    // The create leaves the allocation time to a read.
    let described = s.w.describe(id).unwrap();
    let allocated = described["AllocationTime"].as_str().unwrap();
    assert_eq!(
        expires[..4].parse::<i32>().unwrap(),
        allocated[..4].parse::<i32>().unwrap() + 1
    );
    match s.p.delete(&c, "alicloud_eip", id, &a).unwrap() {
        Deleted::Abandoned(msg) => assert!(msg.contains("D03")),
        other => panic!("{other:?}"),
    }
    assert!(s.w.describe(id).is_some());
    // Pay-as-you-go to subscription in place (D06).
    let b =
        s.p.create(&c, "alicloud_eip_address", &cfg(json!({})))
            .unwrap();
    let bid = b["id"].as_str().unwrap();
    let conv = cfg(json!({"payment_type": "Subscription", "period": 1}));
    let b2 =
        s.p.update(
            &c,
            "alicloud_eip_address",
            bid,
            &b,
            &conv,
            &["payment_type".into()],
        )
        .unwrap();
    assert_eq!(
        (b2["payment_type"].as_str(), b2["ip_address"].clone()),
        (Some("Subscription"), b["ip_address"].clone())
    );
    let back = cfg(json!({"payment_type": "PayAsYouGo"}));
    assert_eq!(
        s.p.update(
            &c,
            "alicloud_eip_address",
            bid,
            &b2,
            &back,
            &["payment_type".into()]
        )
        .unwrap_err()
        .rule(),
        Some("D06")
    );
}

#[test]
fn reads_are_batched() {
    let s = setup();
    let c = ctx();
    s.w.set("eip_quota", "1000");
    let mut items = Vec::new();
    for _ in 0..120 {
        let a =
            s.p.create(&c, "alicloud_eip_address", &cfg(json!({})))
                .unwrap();
        items.push((a["id"].as_str().unwrap().to_string(), a.into()));
    }
    s.cloud.calls.lock().unwrap().clear();
    let out = s.p.read(&c, "alicloud_eip_address", &items).unwrap();
    assert_eq!(out.iter().filter(|o| o.is_some()).count(), 120);
    let calls = s.cloud.calls.lock().unwrap().clone();
    assert_eq!(calls, vec!["DescribeEipAddresses"; 3]);
}

#[test]
fn association_lifecycle() {
    let s = setup();
    let c = ctx();
    s.w.instance("i-1");
    let eip =
        s.p.create(&c, "alicloud_eip_address", &cfg(json!({})))
            .unwrap();
    let alloc = eip["id"].as_str().unwrap();
    let config = cfg(json!({"allocation_id": alloc, "instance_id": "i-1", "force": true}));
    let a = s.p.create(&c, "alicloud_eip_association", &config).unwrap();
    assert_schema_complete("alicloud_eip_association", &a);
    // The EIP's forward mode is left to a read (the create leaves it unknown).
    let item = (a["id"].as_str().unwrap().to_string(), a.into());
    let a = s.p.read(&c, "alicloud_eip_association", &[item]).unwrap()[0]
        .clone()
        .unwrap();
    assert_eq!(a["id"], format!("{alloc}:i-1").as_str());
    assert_eq!(
        (
            a["instance_type"].as_str(),
            a["mode"].as_str(),
            a["force"].as_bool()
        ),
        (Some("EcsInstance"), Some("NAT"), Some(true))
    );
    let id = a["id"].as_str().unwrap().to_string();
    assert!(
        s.p.read(
            &c,
            "alicloud_eip_association",
            &[(id.clone(), a.clone().into())]
        )
        .unwrap()[0]
            .is_some()
    );
    // A second EIP on the same instance is refused with S06.
    let other =
        s.p.create(&c, "alicloud_eip_address", &cfg(json!({})))
            .unwrap();
    let e =
        s.p.create(
            &c,
            "alicloud_eip_association",
            &cfg(json!({"allocation_id": other["id"], "instance_id": "i-1"})),
        )
        .unwrap_err();
    assert_eq!(e.rule(), Some("S06"));
    // Releasing an associated EIP fails fast with D02 (no retry loop).
    assert_eq!(
        s.p.delete(&c, "alicloud_eip_address", alloc, &eip)
            .unwrap_err()
            .rule(),
        Some("D02")
    );
    assert_eq!(
        s.p.delete(&c, "alicloud_eip_association", &id, &a).unwrap(),
        Deleted::Released
    );
    assert_eq!(
        s.p.read(&c, "alicloud_eip_association", &[(id.clone(), a.into())])
            .unwrap(),
        vec![None]
    );
    assert!(
        s.p.import(&c, "alicloud_eip_association", &id)
            .unwrap()
            .is_none()
    );
    assert_eq!(
        s.p.delete(&c, "alicloud_eip_address", alloc, &eip).unwrap(),
        Deleted::Released
    );
}

#[test]
fn association_waits_out_transitions() {
    let s = setup();
    let c = ctx();
    s.w.set("transition_ms", "150");
    s.w.instance("i-1");
    let eip =
        s.p.create(&c, "alicloud_eip_address", &cfg(json!({})))
            .unwrap();
    let alloc = eip["id"].as_str().unwrap();
    let a =
        s.p.create(
            &c,
            "alicloud_eip_association",
            &cfg(json!({"allocation_id": alloc, "instance_id": "i-1"})),
        )
        .unwrap();
    // Unassociate while Associating: D07, which the provider waits out.
    assert_eq!(
        s.p.delete(
            &c,
            "alicloud_eip_association",
            a["id"].as_str().unwrap(),
            &a
        )
        .unwrap(),
        Deleted::Released
    );
    assert_eq!(s.w.describe(alloc).unwrap()["Status"], "Available");
}

#[test]
fn segment_pool_and_cidr_block() {
    let s = setup();
    let c = ctx();
    let g =
        s.p.create(
            &c,
            "alicloud_eip_segment_address",
            &cfg(json!({"eip_mask": "28", "bandwidth": "5"})),
        )
        .unwrap();
    assert_schema_complete("alicloud_eip_segment_address", &g);
    assert_eq!(
        (
            g["ip_count"].as_i64(),
            g["status"].as_str(),
            g["eip_mask"].as_str()
        ),
        (Some(15), Some("Allocated"), Some("28"))
    );
    assert_eq!(g["eips"].as_array().unwrap().len(), 15);
    assert!(g["segment_address"].as_str().unwrap().ends_with("/28"));
    let gid = g["id"].as_str().unwrap();
    let g2 =
        s.p.update(
            &c,
            "alicloud_eip_segment_address",
            gid,
            &g,
            &cfg(json!({"eip_mask": "28", "bandwidth": "10"})),
            &["bandwidth".into()],
        )
        .unwrap();
    assert_eq!(g2["segment_address"], g["segment_address"]);
    assert_eq!(
        s.p.delete(&c, "alicloud_eip_segment_address", gid, &g2)
            .unwrap(),
        Deleted::Released
    );

    let pool =
        s.p.create(
            &c,
            "alicloud_vpc_public_ip_address_pool",
            &cfg(json!({"public_ip_address_pool_name": "tf-example", "isp": "BGP", "tags": {"a": "b"}})),
        )
        .unwrap();
    assert_schema_complete("alicloud_vpc_public_ip_address_pool", &pool);
    let pid = pool["id"].as_str().unwrap().to_string();
    assert_eq!(
        (
            pool["status"].as_str(),
            pool["total_ip_num"].as_i64(),
            pool["public_ip_address_pool_id"].as_str()
        ),
        (Some("Created"), Some(0), Some(pid.as_str()))
    );
    let block =
        s.p.create(
            &c,
            "alicloud_vpc_public_ip_address_pool_cidr_block",
            &cfg(json!({"public_ip_address_pool_id": pid, "cidr_mask": 25})),
        )
        .unwrap();
    assert_schema_complete("alicloud_vpc_public_ip_address_pool_cidr_block", &block);
    assert_eq!(block["id"], format!("{pid}:47.118.0.0/25").as_str());
    assert_eq!(block["cidr_block"], "47.118.0.0/25");
    let pool2 = s.p.update(
        &c,
        "alicloud_vpc_public_ip_address_pool",
        &pid,
        &pool,
        &cfg(json!({"public_ip_address_pool_name": "tf-example-update", "isp": "BGP", "resource_group_id": "rg-acfmprod00002"})),
        &["public_ip_address_pool_name".into(), "resource_group_id".into(), "tags".into()],
    )
    .unwrap();
    assert_eq!(
        (
            pool2["public_ip_address_pool_name"].as_str(),
            pool2["resource_group_id"].as_str(),
            pool2["total_ip_num"].as_i64()
        ),
        (
            Some("tf-example-update"),
            Some("rg-acfmprod00002"),
            Some(128)
        )
    );
    assert_eq!(pool2["tags"], json!({}));
    let eip =
        s.p.create(
            &c,
            "alicloud_eip_address",
            &cfg(json!({"public_ip_address_pool_id": pid})),
        )
        .unwrap();
    assert_eq!(eip["ip_address"], "47.118.0.1");
    assert_eq!(
        s.p.delete(&c, "alicloud_vpc_public_ip_address_pool", &pid, &pool2)
            .unwrap_err()
            .rule(),
        Some("P03")
    );
    s.p.delete(
        &c,
        "alicloud_eip_address",
        eip["id"].as_str().unwrap(),
        &eip,
    )
    .unwrap();
    assert_eq!(
        s.p.delete(
            &c,
            "alicloud_vpc_public_ip_address_pool_cidr_block",
            block["id"].as_str().unwrap(),
            &block
        )
        .unwrap(),
        Deleted::Released
    );
    assert_eq!(
        s.p.delete(&c, "alicloud_vpc_public_ip_address_pool", &pid, &pool2)
            .unwrap(),
        Deleted::Released
    );
}

#[test]
fn data_source_and_tokens() {
    let s = setup();
    let c = OpContext {
        client_token: Some("apply-1-web".into()),
        ..ctx()
    };
    let a =
        s.p.create(
            &c,
            "alicloud_eip_address",
            &cfg(json!({"address_name": "the_resource_name"})),
        )
        .unwrap();
    let found =
        s.p.find_by_token(&c, "alicloud_eip_address", "apply-1-web")
            .unwrap()
            .unwrap();
    assert_eq!(found["id"], a["id"]);
    assert!(
        s.p.find_by_token(&c, "alicloud_eip_address", "other")
            .unwrap()
            .is_none()
    );
    s.p.create(
        &ctx(),
        "alicloud_eip_address",
        &cfg(json!({"address_name": "other"})),
    )
    .unwrap();
    let d =
        s.p.read_data(
            &ctx(),
            "alicloud_eip_addresses",
            &cfg(json!({"name_regex": "the_resource_name"})),
        )
        .unwrap();
    assert_eq!(d["ids"], json!([a["id"]]));
    assert_eq!(d["addresses"][0]["ip_address"], a["ip_address"]);
    assert_eq!(d["addresses"][0]["payment_type"], "PayAsYouGo");
    let d =
        s.p.read_data(&ctx(), "alicloud_eips", &cfg(json!({})))
            .unwrap();
    assert_eq!(d["eips"].as_array().unwrap().len(), 2);
    let d =
        s.p.read_data(
            &ctx(),
            "alicloud_eip_addresses",
            &cfg(json!({"ids": ["eip-bp1jvx5ki6c********"]})),
        )
        .unwrap();
    assert_eq!(d["ids"], json!([]));
}

/// A read given its last memo keeps the recorded attributes (the same `Arc`) of EIPs whose
/// answer is unchanged, and reads again those changed outside eipform, those whose record
/// changed since, those with HD monitoring (whose log settings come from another call) and those
/// gone; what it answers is always what a plain read answers.
#[test]
fn eip_reads_keep_the_recorded_attributes_of_unchanged_eips() {
    let w = world();
    let p = AlicloudProvider::new(Arc::new(
        SimCloud::open_with_faults(w.cloud.path(), None).unwrap(),
    ));
    let (c, ty) = (ctx(), "alicloud_eip_address");
    let hd =
        json!({"high_definition_monitor_log_status": "ON", "log_project": "p", "log_store": "s"});
    let created: Vec<Attrs> = [json!({"bandwidth": "5"}), json!({}), hd, json!({})]
        .into_iter()
        .map(|v| p.create(&c, ty, &cfg(v)).unwrap())
        .collect();
    let id = |a: &Attrs| a["id"].as_str().unwrap().to_string();
    let items: Vec<ReadItem> = created
        .iter()
        .map(|a| (id(a), Arc::new(a.clone())))
        .collect();
    let first = p.read_memo(&c, ty, &items, &[None; 4]).unwrap();
    let plain = p.read(&c, ty, &items).unwrap();
    for (read, plain) in first.iter().zip(&plain) {
        assert_eq!(*read.as_ref().unwrap().attrs, *plain.as_ref().unwrap());
    }
    let memos: Vec<Option<ReadMemo>> = first.iter().map(|r| r.as_ref().unwrap().memo).collect();
    assert!(memos[0].is_some() && memos[1].is_some() && memos[3].is_some());
    assert_eq!(memos[2], None, "an EIP with HD monitoring records no memo");
    let recorded: Vec<ReadItem> = first
        .iter()
        .zip(&items)
        .map(|(r, (id, _))| (id.clone(), r.as_ref().unwrap().attrs.clone()))
        .collect();
    let kept = |answer: &[Option<Read>], i: usize| {
        Arc::ptr_eq(&answer[i].as_ref().unwrap().attrs, &recorded[i].1)
    };
    let second = p.read_memo(&c, ty, &recorded, &memos).unwrap();
    assert!(kept(&second, 0) && kept(&second, 1) && kept(&second, 3));
    assert_eq!(second[0].as_ref().unwrap().memo, memos[0]);
    w.ok(
        "ModifyEipAddressAttribute",
        &[("AllocationId", &recorded[0].0), ("Bandwidth", "9")],
    );
    w.ok("ReleaseEipAddress", &[("AllocationId", &recorded[3].0)]);
    let third = p.read_memo(&c, ty, &recorded, &memos).unwrap();
    assert!(!kept(&third, 0) && kept(&third, 1));
    assert_eq!(third[0].as_ref().unwrap().attrs["bandwidth"], "9");
    assert_ne!(third[0].as_ref().unwrap().memo, memos[0]);
    assert!(third[3].is_none(), "released");
    let plain = p.read(&c, ty, &recorded).unwrap();
    for (read, plain) in third.iter().zip(&plain) {
        assert_eq!(read.as_ref().map(|r| &*r.attrs), plain.as_ref());
    }
    // An answer not in compact form (a remote API's whitespace) reads the same.
    struct Pretty(SimCloud);
    impl CloudApi for Pretty {
        fn call(&self, action: &str, params: &Params) -> Result<Value, CloudError> {
            self.0.call(action, params)
        }
        fn call_text(&self, action: &str, params: &Params) -> Result<String, CloudError> {
            Ok(serde_json::to_string_pretty(&self.0.call(action, params)?).unwrap())
        }
        fn scratch(&self) -> Result<Box<dyn CloudApi>, CloudError> {
            self.0.scratch()
        }
    }
    let pretty = AlicloudProvider::new(Arc::new(Pretty(
        SimCloud::open_with_faults(w.cloud.path(), None).unwrap(),
    )));
    let spaced = pretty.read_memo(&c, ty, &recorded, &memos).unwrap();
    for (read, plain) in spaced.iter().zip(&plain) {
        assert_eq!(read.as_ref().map(|r| &*r.attrs), plain.as_ref());
    }
    assert!(
        kept(&spaced, 1),
        "the same item, written compact, is recognised"
    );
    // A record changed since its read (by an update, or by hand) is converted again.
    let mut edited = (*recorded[1].1).clone();
    edited.insert("bandwidth", json!("77"));
    let fourth = p
        .read_memo(
            &c,
            ty,
            &[(recorded[1].0.clone(), Arc::new(edited))],
            &memos[1..2],
        )
        .unwrap();
    assert_eq!(*fourth[0].as_ref().unwrap().attrs, *recorded[1].1);
}
