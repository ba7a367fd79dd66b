//! Tests of the target types through `AlicloudProvider` over a temporary `SimCloud`: create,
//! read, update and delete of each type, the attributes returned (every schema attribute), and
//! the Alibaba-style attributes of the objects the EIP rules read.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};

use crate::cloud::sim::{Obj, SimCloud};
use crate::cloud::{CloudApi, Params};
use crate::provider::alicloud::AlicloudProvider;
use crate::provider::{Attrs, Deleted, OpContext, Provider, ProviderError};

struct World {
    _dir: tempfile::TempDir,
    sim: Arc<SimCloud>,
    p: AlicloudProvider,
}

fn world() -> World {
    let dir = tempfile::tempdir().unwrap();
    let sim = Arc::new(SimCloud::open(&dir.path().join("cloud.db")).unwrap());
    let p = AlicloudProvider::new(sim.clone() as Arc<dyn CloudApi>);
    World { _dir: dir, sim, p }
}

fn ctx() -> OpContext {
    OpContext {
        region: "cn-hangzhou".into(),
        client_token: None,
        timeout: Duration::from_secs(5),
        outcome_only: false,
    }
}

fn attrs(v: Value) -> Attrs {
    v.as_object().cloned().unwrap().into()
}

fn obj(w: &World, id: &str) -> Obj {
    w.sim
        .with_ctx(|c| Ok(c.get(id)?.expect("object exists")))
        .unwrap()
}

fn code(e: ProviderError) -> String {
    match e {
        ProviderError::Cloud(c) => c.code,
        other => format!("{other:?}"),
    }
}

/// Every attribute and block of the schema is present in `a`.
fn complete(rtype: &str, a: &Attrs) {
    let schema = crate::schema::resource(rtype)
        .or_else(|| crate::schema::data_source(rtype))
        .unwrap();
    for name in schema.attributes.keys().chain(schema.blocks.keys()) {
        assert!(a.contains_key(name), "{rtype} misses attribute {name}");
    }
    assert!(a.contains_key("id"));
}

/// Reading right after a create or update answers the same attributes.
fn stable(w: &World, rtype: &str, a: &Attrs) {
    let id = a["id"].as_str().unwrap().to_string();
    let read =
        w.p.read(&ctx(), rtype, &[(id, a.clone().into())])
            .unwrap()
            .pop()
            .unwrap()
            .unwrap();
    assert_eq!(
        &read, a,
        "{rtype}: read differs from the create/update answer"
    );
}

/// Creates `config` and checks the answer: every schema attribute, and equal to a read right
/// after, except the values the create leaves unknown (which the read knows; see
/// `created_tests`). Returns the read, as the settle pass records it.
fn create(w: &World, rtype: &str, config: Value) -> Attrs {
    let a = w.p.create(&ctx(), rtype, &attrs(config.clone())).unwrap();
    complete(rtype, &a);
    let read = super::super::created_tests::read_back(&w.p, rtype, &a);
    let deferred: Vec<&str> = a
        .iter()
        .filter(|(_, v)| crate::eval::is_unknown(v))
        .map(|(k, _)| k.as_str())
        .collect();
    super::super::created_tests::compare(rtype, &config, &a, &read, &deferred);
    stable(w, rtype, &read);
    read
}

fn zone(w: &World) -> String {
    let z =
        w.p.read_data(
            &ctx(),
            "alicloud_zones",
            &attrs(json!({"available_resource_creation": "VSwitch"})),
        )
        .unwrap();
    z["zones"][0]["id"].as_str().unwrap().to_string()
}

/// A VPC 10.4.0.0/16 with a vSwitch 10.4.0.0/24 and a security group.
fn network(w: &World) -> (String, String, String) {
    let vpc = create(
        w,
        "alicloud_vpc",
        json!({"vpc_name": "tf-example", "cidr_block": "10.4.0.0/16"}),
    );
    let vpc_id = vpc["id"].as_str().unwrap().to_string();
    let z = zone(w);
    let vsw = create(
        w,
        "alicloud_vswitch",
        json!({"vswitch_name": "tf-example", "cidr_block": "10.4.0.0/24", "vpc_id": vpc_id, "zone_id": z}),
    );
    let sg = create(
        w,
        "alicloud_security_group",
        json!({"name": "tf-example", "vpc_id": vpc_id}),
    );
    (
        vpc_id,
        vsw["id"].as_str().unwrap().to_string(),
        sg["id"].as_str().unwrap().to_string(),
    )
}

#[test]
fn vpc_lifecycle() {
    let w = world();
    let a = create(
        &w,
        "alicloud_vpc",
        json!({"vpc_name": "tf-example", "cidr_block": "172.16.0.0/16", "tags": {"Created": "TF"}}),
    );
    let id = a["id"].as_str().unwrap();
    assert!(id.starts_with("vpc-"));
    assert_eq!(a["vpc_name"], "tf-example");
    assert_eq!(a["name"], "tf-example");
    assert_eq!(a["cidr_block"], "172.16.0.0/16");
    assert_eq!(a["status"], "Available");
    assert_eq!(a["description"], Value::Null);
    assert_eq!(a["tags"], json!({"Created": "TF"}));
    assert_eq!(a["resource_group_id"], "rg-acfmdefault0001");
    assert!(a["router_id"].as_str().unwrap().starts_with("vrt-"));
    assert_eq!(obj(&w, id).str("Ipv4GatewayId"), "");

    let config = attrs(
        json!({"vpc_name": "renamed", "cidr_block": "172.16.0.0/16", "description": "d1", "tags": {"For": "Test"}}),
    );
    let changed = ["vpc_name".to_string(), "description".into(), "tags".into()];
    let b =
        w.p.update(&ctx(), "alicloud_vpc", id, &a, &config, &changed)
            .unwrap();
    assert_eq!(b["vpc_name"], "renamed");
    assert_eq!(b["description"], "d1");
    assert_eq!(b["tags"], json!({"For": "Test"}));
    stable(&w, "alicloud_vpc", &b);
    assert_eq!(obj(&w, id).str("VpcName"), "renamed");

    assert_eq!(
        w.p.delete(&ctx(), "alicloud_vpc", id, &b).unwrap(),
        Deleted::Released
    );
    assert_eq!(
        w.p.read(&ctx(), "alicloud_vpc", &[(id.to_string(), b.into())])
            .unwrap(),
        vec![None]
    );
}

#[test]
fn vswitch_and_security_group() {
    let w = world();
    let (vpc, vsw, sg) = network(&w);
    let v = obj(&w, &vsw);
    assert_eq!(v.kind, "vswitch");
    assert_eq!(v.str("VpcId"), vpc);
    assert_eq!(v.str("CidrBlock"), "10.4.0.0/24");
    assert_eq!(v.str("ZoneId"), zone(&w));
    let s = obj(&w, &sg);
    assert_eq!(
        (s.kind.as_str(), s.str("VpcId")),
        ("security_group", vpc.as_str())
    );

    // Overlapping and out-of-VPC blocks are refused.
    let overlap = w.p.create(
        &ctx(),
        "alicloud_vswitch",
        &attrs(json!({"vpc_id": vpc, "cidr_block": "10.4.0.128/25", "zone_id": zone(&w)})),
    );
    assert_eq!(code(overlap.unwrap_err()), "InvalidCidrBlock.Overlapped");
    let outside = w.p.create(
        &ctx(),
        "alicloud_vswitch",
        &attrs(json!({"vpc_id": vpc, "cidr_block": "10.5.0.0/24", "zone_id": zone(&w)})),
    );
    assert_eq!(code(outside.unwrap_err()), "InvalidCidrBlock.Malformed");

    // The deprecated `name` and `availability_zone` work and mirror their targets.
    let b = create(
        &w,
        "alicloud_vswitch",
        json!({"name": "old", "cidr_block": "10.4.1.0/24", "vpc_id": vpc, "availability_zone": zone(&w)}),
    );
    assert_eq!(
        (b["vswitch_name"].clone(), b["zone_id"].clone()),
        (json!("old"), json!(zone(&w)))
    );

    // A VPC with vSwitches cannot be deleted.
    let e =
        w.p.delete(&ctx(), "alicloud_vpc", &vpc, &Attrs::new())
            .unwrap_err();
    assert!(code(e).starts_with("DependencyViolation"));
}

#[test]
fn instance_with_static_public_ip() {
    let w = world();
    let (vpc, vsw, sg) = network(&w);
    let config = json!({
        "availability_zone": zone(&w),
        "security_groups": [sg],
        "instance_type": "ecs.n4.large",
        "system_disk_category": "cloud_efficiency",
        "system_disk_name": "terraform-example",
        "system_disk_description": "test_foo_system_disk_description",
        "image_id": "ubuntu_18_04_64_20G_alibase_20190624.vhd",
        "instance_name": "terraform-example",
        "vswitch_id": vsw,
        "internet_max_bandwidth_out": 10,
        "data_disks": [{"name": "disk2", "size": 20, "category": "cloud_efficiency", "description": "disk2", "encrypted": true, "kms_key_id": "key-x"}],
    });
    let a = create(&w, "alicloud_instance", config.clone());
    let id = a["id"].as_str().unwrap();
    assert_eq!(a["status"], "Running");
    assert_eq!(a["vpc_id"], json!(vpc));
    assert_eq!(a["internet_max_bandwidth_out"], 10);
    let public = a["public_ip"].as_str().unwrap().to_string();
    assert!(!public.is_empty());
    assert_eq!(a["system_disk_name"], "terraform-example");
    assert_eq!(a["data_disks"][0]["name"], "disk2");
    assert_eq!(a["data_disks"], config["data_disks"]);
    for (k, v) in config.as_object().unwrap() {
        if k != "data_disks" {
            assert_eq!(&a[k], v, "{k} does not round-trip");
        }
    }
    let o = obj(&w, id);
    assert_eq!(
        (o.status.as_str(), o.str("NetworkType"), o.str("VpcId")),
        ("Running", "vpc", vpc.as_str())
    );
    assert_eq!(o.str("PublicIpAddress"), public);
    assert_eq!(o.str("VSwitchId"), vsw);
    let eni = obj(&w, o.str("NetworkInterfaceId"));
    assert_eq!(
        (eni.kind.as_str(), eni.str("Type"), eni.str("InstanceId")),
        ("eni", "Primary", id)
    );
    assert_eq!(eni.str("PrimaryIpAddress"), o.str("PrimaryIpAddress"));

    // Stop it and drop the static public IP in one update.
    let mut cfg = attrs(config);
    cfg.insert("status", json!("Stopped"));
    cfg.insert("internet_max_bandwidth_out", json!(0));
    let changed = ["status".to_string(), "internet_max_bandwidth_out".into()];
    let b =
        w.p.update(&ctx(), "alicloud_instance", id, &a, &cfg, &changed)
            .unwrap();
    assert_eq!(
        (b["status"].clone(), b["public_ip"].clone()),
        (json!("Stopped"), json!(""))
    );
    assert_eq!(obj(&w, id).str("PublicIpAddress"), "");
    stable(&w, "alicloud_instance", &b);

    // Back to Running with bandwidth: a new static public IP.
    cfg.insert("status", json!("Running"));
    cfg.insert("internet_max_bandwidth_out", json!(5));
    let c2 =
        w.p.update(&ctx(), "alicloud_instance", id, &b, &cfg, &changed)
            .unwrap();
    assert_eq!(c2["status"], "Running");
    assert!(!c2["public_ip"].as_str().unwrap().is_empty());
    assert_ne!(c2["public_ip"], json!(public));

    assert_eq!(
        w.p.delete(&ctx(), "alicloud_instance", id, &c2).unwrap(),
        Deleted::Released
    );
    assert!(
        w.sim
            .with_ctx(|c| c.get(eni.id.as_str()))
            .unwrap()
            .is_none(),
        "the primary ENI goes with the instance"
    );
}

#[test]
fn instance_without_bandwidth_has_no_public_ip_and_can_start_stopped() {
    let w = world();
    let (_, vsw, sg) = network(&w);
    let a = create(
        &w,
        "alicloud_instance",
        json!({
            "image_id": "ubuntu_18_04_64_20G_alibase_20190624.vhd", "instance_type": "ecs.s6-c1m2.small",
            "security_groups": [sg], "vswitch_id": vsw, "status": "Stopped", "instance_charge_type": "PostPaid",
        }),
    );
    assert_eq!(
        (a["public_ip"].clone(), a["status"].clone()),
        (json!(""), json!("Stopped"))
    );
    let o = obj(&w, a["id"].as_str().unwrap());
    assert_eq!(
        (o.status.as_str(), o.str("PublicIpAddress")),
        ("Stopped", "")
    );
}

#[test]
fn network_interface_deprecated_arguments() {
    let w = world();
    let vpc = create(
        &w,
        "alicloud_vpc",
        json!({"vpc_name": "n", "cidr_block": "192.168.0.0/24"}),
    );
    let vpc_id = vpc["id"].as_str().unwrap();
    let vsw = create(
        &w,
        "alicloud_vswitch",
        json!({"name": "n", "cidr_block": "192.168.0.0/24", "zone_id": zone(&w), "vpc_id": vpc_id}),
    );
    let sg = create(
        &w,
        "alicloud_security_group",
        json!({"name": "n", "vpc_id": vpc_id}),
    );
    let config = json!({
        "network_interface_name": "n", "vswitch_id": vsw["id"], "security_group_ids": [sg["id"]],
        "private_ip": "192.168.0.2", "private_ips_count": 3,
    });
    let a = create(&w, "alicloud_network_interface", config.clone());
    for (k, v) in config.as_object().unwrap() {
        assert_eq!(&a[k], v, "{k} does not round-trip");
    }
    assert_eq!(a["primary_ip_address"], "192.168.0.2");
    assert_eq!(a["private_ips"].as_array().unwrap().len(), 3);
    assert_eq!(a["status"], "Available");
    let id = a["id"].as_str().unwrap();
    let o = obj(&w, id);
    assert_eq!(
        (o.str("Type"), o.str("InstanceId"), o.str("VpcId")),
        ("Secondary", "", vpc_id)
    );
    assert_eq!(o.attrs["PrivateIpSets"].as_array().unwrap().len(), 4);

    let mut cfg = attrs(config);
    cfg.insert("private_ips_count", json!(1));
    let b =
        w.p.update(
            &ctx(),
            "alicloud_network_interface",
            id,
            &a,
            &cfg,
            &["private_ips_count".into()],
        )
        .unwrap();
    assert_eq!(b["private_ips_count"], 1);
    assert_eq!(
        obj(&w, id).attrs["PrivateIpSets"].as_array().unwrap().len(),
        2
    );
    assert_eq!(
        w.p.delete(&ctx(), "alicloud_network_interface", id, &b)
            .unwrap(),
        Deleted::Released
    );
}

#[test]
fn network_interface_with_secondary_ips_and_tags() {
    let w = world();
    let (_, vsw, sg) = network(&w);
    let a = create(
        &w,
        "alicloud_ecs_network_interface",
        json!({
            "network_interface_name": "n", "vswitch_id": vsw, "security_group_ids": [sg],
            "private_ip_addresses": ["10.4.0.100"], "description": "Basic test", "tags": {"Created": "TF", "For": "Test"},
            "resource_group_id": "rg-acfmdefault0001",
        }),
    );
    assert_eq!(a["private_ip_addresses"], json!(["10.4.0.100"]));
    assert_eq!(a["tags"], json!({"Created": "TF", "For": "Test"}));
    let o = obj(&w, a["id"].as_str().unwrap());
    assert!(
        o.attrs["PrivateIpSets"]
            .as_array()
            .unwrap()
            .contains(&json!("10.4.0.100"))
    );
}

#[test]
fn nat_gateway_enhanced() {
    let w = world();
    let z =
        w.p.read_data(
            &ctx(),
            "alicloud_enhanced_nat_available_zones",
            &Attrs::new(),
        )
        .unwrap();
    complete("alicloud_enhanced_nat_available_zones", &z);
    let zone = z["zones"][0]["zone_id"].as_str().unwrap().to_string();
    let vpc = create(
        &w,
        "alicloud_vpc",
        json!({"vpc_name": "tf_example", "cidr_block": "10.0.0.0/8"}),
    );
    let vsw = create(
        &w,
        "alicloud_vswitch",
        json!({"vswitch_name": "tf_example", "zone_id": zone, "cidr_block": "10.10.0.0/20", "vpc_id": vpc["id"]}),
    );
    let config = json!({"vpc_id": vpc["id"], "nat_gateway_name": "tf_example", "payment_type": "PayAsYouGo", "vswitch_id": vsw["id"], "nat_type": "Enhanced"});
    let a = create(&w, "alicloud_nat_gateway", config.clone());
    for (k, v) in config.as_object().unwrap() {
        assert_eq!(&a[k], v, "{k} does not round-trip");
    }
    assert_eq!(
        (a["network_type"].clone(), a["eip_bind_mode"].clone()),
        (json!("internet"), json!("MULTI_BINDED"))
    );
    let id = a["id"].as_str().unwrap();
    let o = obj(&w, id);
    assert_eq!(
        (o.kind.as_str(), o.str("NetworkType"), o.str("EipBindMode")),
        ("nat_gateway", "internet", "MULTI_BINDED")
    );
    let mut cfg = attrs(config);
    cfg.insert("eip_bind_mode", json!("NAT"));
    let b =
        w.p.update(
            &ctx(),
            "alicloud_nat_gateway",
            id,
            &a,
            &cfg,
            &["eip_bind_mode".into()],
        )
        .unwrap();
    assert_eq!(b["eip_bind_mode"], "NAT");
    assert_eq!(
        w.p.delete(&ctx(), "alicloud_nat_gateway", id, &b).unwrap(),
        Deleted::Released
    );
}

#[test]
fn havip_shows_associated_eips() {
    let w = world();
    let (vpc, vsw, _) = network(&w);
    let a = create(
        &w,
        "alicloud_havip",
        json!({"vswitch_id": vsw, "description": "tf-example"}),
    );
    let id = a["id"].as_str().unwrap().to_string();
    assert!(id.starts_with("havip-"));
    assert_eq!(a["vpc_id"], json!(vpc));
    assert_eq!(a["associated_eip_addresses"], json!([]));
    let ip = a["ip_address"].as_str().unwrap();
    assert!(ip.starts_with("10.4.0."));
    let o = obj(&w, &id);
    assert_eq!(
        (o.str("VpcId"), o.str("VSwitchId"), o.str("IpAddress")),
        (vpc.as_str(), vsw.as_str(), ip)
    );
    // An EIP object associated with the HAVIP (as the EIP family stores it).
    w.sim
        .with_ctx(|c| {
            let mut e = o.clone();
            e.id = "eip-test0001".into();
            e.kind = "eip".into();
            e.client_token = None;
            e.attrs = attrs(json!({"AllocationId": "eip-test0001", "IpAddress": "47.69.0.9", "InstanceId": id, "InstanceType": "HaVip"})).to_map();
            c.insert(&e)
        })
        .unwrap();
    let b =
        w.p.read(&ctx(), "alicloud_vpc_ha_vip", &[(id.clone(), a.into())])
            .unwrap()
            .pop()
            .unwrap()
            .unwrap();
    assert_eq!(b["associated_eip_addresses"], json!(["47.69.0.9"]));
    let e =
        w.p.delete(&ctx(), "alicloud_vpc_ha_vip", &id, &b)
            .unwrap_err();
    assert!(code(e).starts_with("DependencyViolation"));
}

#[test]
fn slb_addresses() {
    let w = world();
    let (vpc, vsw, _) = network(&w);
    let a = create(
        &w,
        "alicloud_slb_load_balancer",
        json!({"load_balancer_name": "lb", "address_type": "intranet", "vswitch_id": vsw, "load_balancer_spec": "slb.s2.small"}),
    );
    let addr = a["address"].as_str().unwrap();
    assert!(addr.starts_with("10.4.0."));
    let o = obj(&w, a["id"].as_str().unwrap());
    assert_eq!(
        (
            o.str("AddressType"),
            o.str("NetworkType"),
            o.str("VpcId"),
            o.str("Address")
        ),
        ("intranet", "vpc", vpc.as_str(), addr)
    );
    let b = create(
        &w,
        "alicloud_slb_load_balancer",
        json!({"name": "public", "address_type": "internet"}),
    );
    assert_eq!(
        obj(&w, b["id"].as_str().unwrap()).str("NetworkType"),
        "classic"
    );
    assert!(!b["address"].as_str().unwrap().starts_with("10."));
    let mut cfg = attrs(json!({"name": "renamed", "address_type": "internet"}));
    cfg.insert("status", json!("inactive"));
    let c2 =
        w.p.update(
            &ctx(),
            "alicloud_slb_load_balancer",
            b["id"].as_str().unwrap(),
            &b,
            &cfg,
            &["name".into(), "status".into()],
        )
        .unwrap();
    assert_eq!(
        (
            c2["load_balancer_name"].clone(),
            c2["name"].clone(),
            c2["status"].clone()
        ),
        (json!("renamed"), json!("renamed"), json!("inactive"))
    );
}

#[test]
fn ipv4_gateway_sets_the_vpc_attribute() {
    let w = world();
    let vpc = create(
        &w,
        "alicloud_vpc",
        json!({"name": "x", "cidr_block": "192.168.0.0/16"}),
    );
    let vpc_id = vpc["id"].as_str().unwrap();
    let config = json!({"vpc_id": vpc_id, "ipv4_gateway_name": "x", "ipv4_gateway_description": "x", "enabled": true});
    let a = create(&w, "alicloud_vpc_ipv4_gateway", config.clone());
    for (k, v) in config.as_object().unwrap() {
        assert_eq!(&a[k], v, "{k} does not round-trip");
    }
    let id = a["id"].as_str().unwrap();
    assert_eq!(obj(&w, vpc_id).str("Ipv4GatewayId"), id);
    assert_eq!(obj(&w, id).attrs["Enabled"], json!(true));
    let mut cfg = attrs(config);
    cfg.insert("enabled", json!(false));
    w.p.update(
        &ctx(),
        "alicloud_vpc_ipv4_gateway",
        id,
        &a,
        &cfg,
        &["enabled".into()],
    )
    .unwrap();
    assert_eq!(obj(&w, vpc_id).str("Ipv4GatewayId"), "");
    w.p.delete(&ctx(), "alicloud_vpc_ipv4_gateway", id, &a)
        .unwrap();
    assert_eq!(
        w.p.read(
            &ctx(),
            "alicloud_vpc_ipv4_gateway",
            &[(id.to_string(), a.into())]
        )
        .unwrap(),
        vec![None]
    );
}

#[test]
fn kms_key_lifecycle() {
    let w = world();
    let config =
        json!({"description": "Hello KMS", "pending_window_in_days": 7, "status": "Enabled"});
    let a = create(&w, "alicloud_kms_key", config.clone());
    for (k, v) in config.as_object().unwrap() {
        assert_eq!(&a[k], v, "{k} does not round-trip");
    }
    assert_eq!(
        (a["key_usage"].clone(), a["key_spec"].clone()),
        (json!("ENCRYPT/DECRYPT"), json!("Aliyun_AES_256"))
    );
    let id = a["id"].as_str().unwrap();
    let mut cfg = attrs(config);
    cfg.insert("status", json!("Disabled"));
    cfg.insert("description", json!("Bye"));
    let b =
        w.p.update(
            &ctx(),
            "alicloud_kms_key",
            id,
            &a,
            &cfg,
            &["status".into(), "description".into()],
        )
        .unwrap();
    assert_eq!(
        (b["status"].clone(), b["description"].clone()),
        (json!("Disabled"), json!("Bye"))
    );
    w.p.delete(&ctx(), "alicloud_kms_key", id, &b).unwrap();
    assert_eq!(obj(&w, id).status, "PendingDeletion");
    assert_eq!(
        w.p.read(&ctx(), "alicloud_kms_key", &[(id.to_string(), b.into())])
            .unwrap(),
        vec![None]
    );
}

#[test]
fn client_token_makes_creates_idempotent() {
    let w = world();
    let mut c = ctx();
    c.client_token = Some("tok-1".into());
    let config = attrs(json!({"vpc_name": "a", "cidr_block": "10.0.0.0/16"}));
    let a = w.p.create(&c, "alicloud_vpc", &config).unwrap();
    let b = w.p.create(&c, "alicloud_vpc", &config).unwrap();
    assert_eq!(a["id"], b["id"]);
    let found =
        w.p.find_by_token(&ctx(), "alicloud_vpc", "tok-1")
            .unwrap()
            .unwrap();
    assert_eq!(found["id"], a["id"]);
    assert!(
        w.p.find_by_token(&ctx(), "alicloud_vpc", "tok-2")
            .unwrap()
            .is_none()
    );
    let n = w.sim.with_ctx(|c| c.list("vpc", None)).unwrap().len();
    assert_eq!(n, 1);
}

#[test]
fn data_sources_of_the_examples() {
    let w = world();
    let z = w
        .p
        .read_data(&ctx(), "alicloud_zones", &attrs(json!({"available_disk_category": "cloud_efficiency", "available_resource_creation": "VSwitch", "available_instance_type": "ecs.n4.large"})))
        .unwrap();
    complete("alicloud_zones", &z);
    assert_eq!(z["zones"][0]["id"], z["ids"][0]);
    assert!(
        z["zones"][0]["local_name"]
            .as_str()
            .unwrap()
            .contains("Hangzhou")
    );

    let t =
        w.p.read_data(
            &ctx(),
            "alicloud_instance_types",
            &attrs(
                json!({"availability_zone": z["ids"][0], "cpu_core_count": 1, "memory_size": 2}),
            ),
        )
        .unwrap();
    complete("alicloud_instance_types", &t);
    let first = &t["instance_types"][0];
    assert_eq!(
        (
            first["cpu_core_count"].clone(),
            first["memory_size"].clone()
        ),
        (json!(1), json!(2.0))
    );
    let sn1ne =
        w.p.read_data(
            &ctx(),
            "alicloud_instance_types",
            &attrs(json!({"instance_type_family": "ecs.sn1ne"})),
        )
        .unwrap();
    assert!(
        sn1ne["ids"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i.as_str().unwrap().starts_with("ecs.sn1ne."))
    );

    let i =
        w.p.read_data(
            &ctx(),
            "alicloud_images",
            &attrs(json!({"name_regex": "^ubuntu_18.*64", "owners": "system"})),
        )
        .unwrap();
    complete("alicloud_images", &i);
    assert!(
        i["images"][0]["id"]
            .as_str()
            .unwrap()
            .starts_with("ubuntu_18")
    );
    let recent =
        w.p.read_data(
            &ctx(),
            "alicloud_images",
            &attrs(json!({"name_regex": "^ubuntu_[0-9]+_[0-9]+_x64*", "most_recent": true, "owners": "system"})),
        )
        .unwrap();
    assert_eq!(recent["ids"].as_array().unwrap().len(), 1);
    let bad = w.p.read_data(
        &ctx(),
        "alicloud_images",
        &attrs(json!({"name_regex": "("})),
    );
    assert!(matches!(bad, Err(ProviderError::Invalid(_))));

    let g =
        w.p.read_data(
            &ctx(),
            "alicloud_resource_manager_resource_groups",
            &attrs(json!({"status": "OK"})),
        )
        .unwrap();
    complete("alicloud_resource_manager_resource_groups", &g);
    // Newest first: the default group (the account's oldest) comes last.
    assert_eq!(g["ids"][0], "rg-acfmtest00003");
    assert_eq!(g["ids"][2], "rg-acfmdefault0001");
    assert_eq!(g["groups"][2]["name"], "default");
    assert_eq!(g["status"], "OK");

    let (vpc, vsw, _) = network(&w);
    let v =
        w.p.read_data(
            &ctx(),
            "alicloud_vpcs",
            &attrs(json!({"name_regex": "^tf-"})),
        )
        .unwrap();
    complete("alicloud_vpcs", &v);
    assert_eq!(v["ids"], json!([vpc]));
    assert_eq!(v["vpcs"][0]["vswitch_ids"], json!([vsw]));
    let s =
        w.p.read_data(&ctx(), "alicloud_vswitches", &attrs(json!({"vpc_id": vpc})))
            .unwrap();
    complete("alicloud_vswitches", &s);
    assert_eq!(
        (s["ids"].clone(), s["total_count"].clone()),
        (json!([vsw]), json!(1))
    );
    let none =
        w.p.read_data(
            &ctx(),
            "alicloud_vswitches",
            &attrs(json!({"name_regex": "^nothing$"})),
        )
        .unwrap();
    assert_eq!(
        (none["ids"].clone(), none["vswitches"].clone()),
        (json!([]), json!([]))
    );
}

#[test]
fn reads_batch_many_objects() {
    let w = world();
    let (_, vsw, sg) = network(&w);
    let mut items = Vec::new();
    for i in 0..25 {
        let a =
            w.p.create(
                &ctx(),
                "alicloud_ecs_network_interface",
                &attrs(
                    json!({"name": format!("n{i}"), "vswitch_id": vsw, "security_group_ids": [sg]}),
                ),
            )
            .unwrap();
        items.push((a["id"].as_str().unwrap().to_string(), a.into()));
    }
    items.push(("eni-missing".to_string(), Default::default()));
    let read =
        w.p.read(&ctx(), "alicloud_ecs_network_interface", &items)
            .unwrap();
    assert_eq!(read.len(), 26);
    assert!(
        read[..25]
            .iter()
            .zip(&items)
            .all(|(r, (_, a))| r.as_ref() == Some(a))
    );
    assert!(read[25].is_none());
    let free = obj(&w, &vsw).attrs["AvailableIpAddressCount"]
        .as_i64()
        .unwrap();
    assert_eq!(free, 252 - 25);
}

#[test]
fn unknown_region_is_rule_a05() {
    let w = world();
    let mut c = ctx();
    c.region = "mars-1".into();
    let e =
        w.p.create(
            &c,
            "alicloud_vpc",
            &attrs(json!({"cidr_block": "10.0.0.0/16"})),
        )
        .unwrap_err();
    assert_eq!(e.rule(), Some("A05"));
    let _ = Params::new();
}
