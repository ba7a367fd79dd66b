//! What a create answers without reading the object back, checked against a read: for every type
//! whose read-back was dropped, each configuration below is created through `AlicloudProvider`
//! against a fresh `SimCloud` and then read (with the create's answer as the prior attributes, as
//! the settle pass reads it). Every attribute must be equal, except the ones listed as deferred:
//! those the create answers as unknown (the cloud picks them and the create answer does not tell
//! them), and the read must know them. Also counts the calls of creates and deletes.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};

use crate::cloud::sim::SimCloud;
use crate::cloud::{CloudApi, CloudError, Params};
use crate::eval::is_unknown;
use crate::provider::alicloud::AlicloudProvider;
use crate::provider::{Attrs, Deleted, OpContext, Provider, ReadItem};

/// Counts the calls on the way to a fresh simulated cloud.
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

struct World {
    _dir: tempfile::TempDir,
    cloud: Arc<Counting>,
    p: AlicloudProvider,
}

fn world() -> World {
    let dir = tempfile::tempdir().unwrap();
    let inner = SimCloud::open_with_faults(&dir.path().join("cloud.db"), None).unwrap();
    let cloud = Arc::new(Counting {
        inner,
        calls: Mutex::new(Vec::new()),
        total: AtomicUsize::new(0),
    });
    let p = AlicloudProvider::new(cloud.clone());
    World {
        _dir: dir,
        cloud,
        p,
    }
}

fn ctx() -> OpContext {
    OpContext {
        region: "cn-hangzhou".into(),
        client_token: Some(format!("tok-{}", uuid::Uuid::new_v4().simple())),
        timeout: Duration::from_secs(5),
        outcome_only: false,
    }
}

fn attrs(v: Value) -> Attrs {
    v.as_object().cloned().unwrap().into()
}

impl World {
    /// The actions called since `from`.
    fn calls_since(&self, from: usize) -> Vec<String> {
        self.cloud.calls.lock().unwrap()[from..].to_vec()
    }

    fn mark(&self) -> usize {
        self.cloud.total.load(Ordering::SeqCst)
    }

    /// Creates `config`, checks the answer against a read (see the module doc) with `deferred`
    /// the exact set of attributes the answer leaves unknown, and that the create made
    /// `calls` calls. Returns the read attributes.
    fn check(&self, rtype: &str, config: Value, deferred: &[&str], calls: &[&str]) -> Attrs {
        let before = self.mark();
        let created = self
            .p
            .create(&ctx(), rtype, &attrs(config.clone()))
            .unwrap();
        assert_eq!(
            self.calls_since(before),
            calls,
            "{rtype} {config}: the calls of the create"
        );
        let read = read_back(&self.p, rtype, &created);
        compare(rtype, &config, &created, &read, deferred);
        read
    }
}

/// Reads the object `created` describes, with `created` as its prior attributes.
pub(crate) fn read_back(p: &dyn Provider, rtype: &str, created: &Attrs) -> Attrs {
    let id = created["id"].as_str().unwrap().to_string();
    let item: ReadItem = (id, Arc::new(created.clone()));
    p.read(&ctx(), rtype, &[item])
        .unwrap()
        .pop()
        .flatten()
        .unwrap_or_else(|| panic!("{rtype}: the created object is not found"))
}

/// `created` equals `read` attribute by attribute, except that the attributes in `deferred`
/// (all of them, and no other) are unknown in `created`; `read` knows everything.
pub(crate) fn compare(
    rtype: &str,
    config: &Value,
    created: &Attrs,
    read: &Attrs,
    deferred: &[&str],
) {
    let mut created_keys: Vec<&str> = created.keys().map(|k| k.as_str()).collect();
    let mut read_keys: Vec<&str> = read.keys().map(|k| k.as_str()).collect();
    created_keys.sort();
    read_keys.sort();
    assert_eq!(created_keys, read_keys, "{rtype} {config}: attribute names");
    let mut unknown: Vec<&str> = Vec::new();
    for (k, v) in read {
        assert!(
            !is_unknown(v),
            "{rtype} {config}: the read leaves {k} unknown"
        );
        let c = &created[k];
        if is_unknown(c) {
            unknown.push(k);
        } else {
            assert_eq!(
                c, v,
                "{rtype} {config}: {k} differs between create and read"
            );
        }
    }
    unknown.sort_unstable();
    let mut want: Vec<&str> = deferred.to_vec();
    want.sort_unstable();
    assert_eq!(
        unknown, want,
        "{rtype} {config}: the attributes left to a read"
    );
}

/// A VPC, a vSwitch in it and a security group.
fn network(w: &World) -> (String, String, String) {
    let vpc = w.check(
        "alicloud_vpc",
        json!({"vpc_name": "net", "cidr_block": "10.4.0.0/16"}),
        &["create_time"],
        &["CreateVpc"],
    );
    let vpc = vpc["id"].as_str().unwrap().to_string();
    let vsw = w.check(
        "alicloud_vswitch",
        json!({"vswitch_name": "net", "cidr_block": "10.4.0.0/24", "vpc_id": vpc, "zone_id": "cn-hangzhou-i"}),
        &["create_time"],
        &["CreateVSwitch"],
    );
    let sg = w.check(
        "alicloud_security_group",
        json!({"name": "net", "vpc_id": vpc}),
        &["create_time", "resource_group_id"],
        &["CreateSecurityGroup"],
    );
    (
        vpc,
        vsw["id"].as_str().unwrap().to_string(),
        sg["id"].as_str().unwrap().to_string(),
    )
}

const INSTANCE_PICKED: &[&str] = &[
    "availability_zone",
    "vpc_id",
    "private_ip",
    "primary_ip_address",
    "network_interface_id",
    "system_disk_id",
    "cpu",
    "memory",
    "os_type",
    "os_name",
    "stopped_mode",
    "create_time",
    "start_time",
    "expired_time",
];

fn with(base: &[&'static str], more: &[&'static str]) -> Vec<&'static str> {
    base.iter().chain(more).copied().collect()
}

#[test]
fn eip_address_answers_what_a_read_answers() {
    let w = world();
    w.check(
        "alicloud_eip_address",
        json!({}),
        &["create_time"],
        &["AllocateEipAddress"],
    );
    w.check(
        "alicloud_eip_address",
        json!({"address_name": "web", "payment_type": "PayAsYouGo", "internet_charge_type": "PayByTraffic", "bandwidth": "15", "isp": "BGP"}),
        &["create_time"],
        &["AllocateEipAddress"],
    );
    // The deprecated name, a number for the bandwidth, the protection edition and a resource group.
    w.check(
        "alicloud_eip_address",
        json!({"name": "old", "bandwidth": 7, "description": "desc", "netmode": "public",
               "security_protection_types": ["AntiDDoS_Enhanced"], "resource_group_id": "rg-acfmprod00002"}),
        &["create_time"],
        &["AllocateEipAddress"],
    );
    // The public provider's create-then-update steps.
    w.check(
        "alicloud_eip_address",
        json!({"address_name": "full", "deletion_protection": true, "mode": "BINDED",
               "high_definition_monitor_log_status": "ON", "log_project": "p", "log_store": "s",
               "tags": {"env": "prod", "team": "net"}}),
        &["create_time"],
        &[
            "AllocateEipAddress",
            "DeletionProtection",
            "SetHighDefinitionMonitorLogStatus",
            "ModifyEipForwardMode",
            "TagResources",
        ],
    );
    w.check(
        "alicloud_eip_address",
        json!({"deletion_protection": false, "high_definition_monitor_log_status": "OFF"}),
        &["create_time"],
        &["AllocateEipAddress", "SetHighDefinitionMonitorLogStatus"],
    );
    // A subscription's answer holds only its id and order: address and group wait for a read.
    w.check(
        "alicloud_eip_address",
        json!({"payment_type": "Subscription", "period": 1, "pricing_cycle": "Month", "auto_pay": true, "bandwidth": "30"}),
        &["create_time", "ip_address", "resource_group_id"],
        &["AllocateEipAddress"],
    );
    w.check(
        "alicloud_eip_address",
        json!({"instance_charge_type": "PrePaid", "period": 2, "resource_group_id": "rg-acfmtest00003"}),
        &["create_time", "ip_address"],
        &["AllocateEipAddress"],
    );
}

#[test]
fn pool_block_and_pool_eip_answer_what_a_read_answers() {
    let w = world();
    let pool = w.check(
        "alicloud_vpc_public_ip_address_pool",
        json!({}),
        &["create_time"],
        &["CreatePublicIpAddressPool"],
    );
    w.check(
        "alicloud_vpc_public_ip_address_pool",
        json!({"public_ip_address_pool_name": "pool", "description": "desc", "isp": "BGP", "tags": {"k": "v"}}),
        &["create_time"],
        &["CreatePublicIpAddressPool"],
    );
    let pool_id = pool["id"].as_str().unwrap();
    for mask in [26, 28] {
        w.check(
            "alicloud_vpc_public_ip_address_pool_cidr_block",
            json!({"public_ip_address_pool_id": pool_id, "cidr_mask": mask}),
            &["create_time"],
            &["AddPublicIpAddressPoolCidrBlock"],
        );
    }
    w.check(
        "alicloud_eip_address",
        json!({"address_name": "from-pool", "public_ip_address_pool_id": pool_id, "internet_charge_type": "PayByTraffic"}),
        &["create_time"],
        &["AllocateEipAddress"],
    );
}

#[test]
fn vpc_vswitch_and_security_group_answer_what_a_read_answers() {
    let w = world();
    let (vpc, _, _) = network(&w);
    w.check("alicloud_vpc", json!({}), &["create_time"], &["CreateVpc"]);
    w.check(
        "alicloud_vpc",
        json!({"name": "old", "cidr_block": "192.168.0.0/16", "description": "desc", "tags": {"a": "b"},
               "user_cidrs": ["10.10.0.0/16"], "classic_link_enabled": true}),
        &["create_time"],
        &["CreateVpc"],
    );
    w.check(
        "alicloud_vpc",
        json!({"vpc_name": "v6", "cidr_block": "172.16.0.0/12", "enable_ipv6": true}),
        &["create_time", "ipv6_cidr_block", "ipv6_cidr_blocks"],
        &["CreateVpc"],
    );
    w.check(
        "alicloud_vswitch",
        json!({"name": "old", "cidr_block": "10.4.1.0/24", "vpc_id": vpc, "availability_zone": "cn-hangzhou-j",
               "description": "desc", "tags": {"a": "b"}}),
        &["create_time"],
        &["CreateVSwitch"],
    );
    w.check(
        "alicloud_security_group",
        json!({"security_group_name": "ent", "description": "desc", "vpc_id": vpc, "security_group_type": "enterprise",
               "resource_group_id": "rg-acfmdefault0001", "tags": {"a": "b"}}),
        &["create_time"],
        &["CreateSecurityGroup"],
    );
    w.check(
        "alicloud_security_group",
        json!({"vpc_id": vpc, "inner_access_policy": "Drop"}),
        &["create_time", "resource_group_id"],
        &["CreateSecurityGroup", "ModifySecurityGroupPolicy"],
    );
    w.check(
        "alicloud_security_group",
        json!({"vpc_id": vpc, "inner_access": false}),
        &["create_time", "resource_group_id"],
        &["CreateSecurityGroup", "ModifySecurityGroupPolicy"],
    );
}

#[test]
fn instance_answers_what_a_read_answers() {
    let w = world();
    let (_, vsw, sg) = network(&w);
    // As the realistic benchmark writes them.
    w.check(
        "alicloud_instance",
        json!({"instance_name": "vm", "image_id": "ubuntu_18_04_64_20G_alibase_20190624.vhd",
               "instance_type": "ecs.g6.large", "vswitch_id": vsw, "security_groups": [sg],
               "internet_max_bandwidth_out": 0}),
        &with(
            INSTANCE_PICKED,
            &[
                "host_name",
                "resource_group_id",
                "internet_max_bandwidth_in",
                "credit_specification",
                "system_disk_category",
                "system_disk_size",
                "system_disk_performance_level",
            ],
        ),
        &["RunInstances"],
    );
    // Everything the cloud would otherwise default set: only what it picks is left.
    w.check(
        "alicloud_instance",
        json!({"instance_name": "full", "description": "desc", "host_name": "web-1",
               "image_id": "ubuntu_18_04_64_20G_alibase_20190624.vhd", "instance_type": "ecs.g6.large",
               "vswitch_id": vsw, "security_groups": [sg], "internet_charge_type": "PayByBandwidth",
               "internet_max_bandwidth_out": 5, "internet_max_bandwidth_in": 50,
               "instance_charge_type": "PostPaid", "spot_strategy": "NoSpot", "deletion_protection": true,
               "resource_group_id": "rg-acfmprod00002", "credit_specification": "Standard",
               "system_disk_category": "cloud_essd", "system_disk_size": 60, "system_disk_name": "sys",
               "system_disk_description": "sd", "system_disk_performance_level": "PL2",
               "tags": {"Created": "TF"}, "data_disks": []}),
        &with(INSTANCE_PICKED, &["public_ip"]),
        &["RunInstances"],
    );
    // Secondary private IPs, data disks and a stopped instance are read back.
    let stopped = w.p.create(
        &ctx(),
        "alicloud_instance",
        &attrs(
            json!({"image_id": "ubuntu_18_04_64_20G_alibase_20190624.vhd",
                      "instance_type": "ecs.g6.large", "vswitch_id": vsw, "security_groups": [sg],
                      "status": "Stopped"}),
        ),
    );
    let stopped = stopped.unwrap();
    assert!(!stopped.values().any(is_unknown));
    assert_eq!(stopped["status"], "Stopped");
}

#[test]
fn association_answers_what_a_read_answers() {
    let w = world();
    let (_, vsw, sg) = network(&w);
    let vm = |name: &str| {
        let a = w
            .p
            .create(
                &ctx(),
                "alicloud_instance",
                &attrs(json!({"instance_name": name, "image_id": "ubuntu_18_04_64_20G_alibase_20190624.vhd",
                              "instance_type": "ecs.g6.large", "vswitch_id": vsw, "security_groups": [sg]})),
            )
            .unwrap();
        a["id"].as_str().unwrap().to_string()
    };
    let eip = |config: Value| {
        let a =
            w.p.create(&ctx(), "alicloud_eip_address", &attrs(config))
                .unwrap();
        a["id"].as_str().unwrap().to_string()
    };
    // An ECS association keeps the EIP's mode, which only a read tells.
    w.check(
        "alicloud_eip_association",
        json!({"allocation_id": eip(json!({})), "instance_id": vm("a")}),
        &["mode"],
        &["AssociateEipAddress"],
    );
    w.check(
        "alicloud_eip_association",
        json!({"allocation_id": eip(json!({"mode": "NAT"})), "instance_id": vm("b"),
               "instance_type": "EcsInstance", "force": true, "mode": "NAT"}),
        &["mode"],
        &["AssociateEipAddress"],
    );
    // A secondary ENI with a mode: everything is known, but a named private IP is not.
    let eni = |name: &str| {
        let a = w
            .p
            .create(
                &ctx(),
                "alicloud_ecs_network_interface",
                &attrs(json!({"network_interface_name": name, "vswitch_id": vsw, "security_group_ids": [sg]})),
            )
            .unwrap();
        (
            a["id"].as_str().unwrap().to_string(),
            a["primary_ip_address"].as_str().unwrap().to_string(),
        )
    };
    let (eni_a, _) = eni("a");
    w.check(
        "alicloud_eip_association",
        json!({"allocation_id": eip(json!({})), "instance_id": eni_a, "instance_type": "NetworkInterface", "mode": "NAT"}),
        &[],
        &["AssociateEipAddress"],
    );
    let (eni_b, ip_b) = eni("b");
    w.check(
        "alicloud_eip_association",
        json!({"allocation_id": eip(json!({})), "instance_id": eni_b, "instance_type": "NetworkInterface",
               "mode": "NAT", "private_ip_address": ip_b}),
        &["private_ip_address"],
        &["AssociateEipAddress"],
    );
}

/// An association and its EIP on an instance; the association's recorded attributes.
fn associated(w: &World) -> (String, Attrs) {
    let (_, vsw, sg) = network(w);
    let vm = w
        .p
        .create(
            &ctx(),
            "alicloud_instance",
            &attrs(json!({"image_id": "ubuntu_18_04_64_20G_alibase_20190624.vhd",
                          "instance_type": "ecs.g6.large", "vswitch_id": vsw, "security_groups": [sg]})),
        )
        .unwrap();
    let eip =
        w.p.create(&ctx(), "alicloud_eip_address", &Attrs::new())
            .unwrap();
    let alloc = eip["id"].as_str().unwrap().to_string();
    let a =
        w.p.create(
            &ctx(),
            "alicloud_eip_association",
            &attrs(json!({"allocation_id": alloc, "instance_id": vm["id"]})),
        )
        .unwrap();
    let a = read_back(&w.p, "alicloud_eip_association", &a);
    (alloc, a)
}

#[test]
fn association_delete_unbinds_and_confirms_with_one_read() {
    let w = world();
    let (alloc, a) = associated(&w);
    let id = a["id"].as_str().unwrap();
    let before = w.mark();
    assert_eq!(
        w.p.delete(&ctx(), "alicloud_eip_association", id, &a)
            .unwrap(),
        Deleted::Released
    );
    assert_eq!(
        w.calls_since(before),
        ["UnassociateEipAddress", "DescribeEipAddresses"]
    );
    let eip = read_back(&w.p, "alicloud_eip_address", &attrs(json!({"id": alloc})));
    assert_eq!(eip["status"], "Available");
    // Deleting it again finds it gone: the refusal is confirmed by one read.
    let before = w.mark();
    assert_eq!(
        w.p.delete(&ctx(), "alicloud_eip_association", id, &a)
            .unwrap(),
        Deleted::Released
    );
    assert_eq!(
        w.calls_since(before),
        ["UnassociateEipAddress", "DescribeEipAddresses"]
    );
    // The EIP now bound to another instance: the old association is gone, the new one stays.
    let (_, other) = associated(&w);
    let vm = other["instance_id"].as_str().unwrap();
    let (other_alloc, _) = other["id"].as_str().unwrap().split_once(':').unwrap();
    let other_id = format!("{other_alloc}:{vm}");
    w.p.delete(&ctx(), "alicloud_eip_association", &other_id, &other)
        .unwrap();
    w.p.create(
        &ctx(),
        "alicloud_eip_association",
        &attrs(json!({"allocation_id": alloc, "instance_id": vm})),
    )
    .unwrap();
    assert_eq!(
        w.p.delete(&ctx(), "alicloud_eip_association", id, &a)
            .unwrap(),
        Deleted::Released
    );
    let now = read_back(
        &w.p,
        "alicloud_eip_association",
        &attrs(json!({"id": format!("{alloc}:{vm}")})),
    );
    assert_eq!(now["instance_id"], vm, "the other association is untouched");
}

#[test]
fn association_delete_waits_out_an_asynchronous_unbinding() {
    let w = world();
    let (alloc, a) = associated(&w);
    let (_, b) = associated(&w);
    // From now on the cloud unbinds asynchronously: Unassociating for about two seconds (its
    // clock counts whole seconds).
    w.cloud
        .inner
        .with_ctx(|c| crate::cloud::sim::account::set(c, "transition_ms", "2000"))
        .unwrap();
    let started = std::time::Instant::now();
    let before = w.mark();
    let id = a["id"].as_str().unwrap();
    assert_eq!(
        w.p.delete(&ctx(), "alicloud_eip_association", id, &a)
            .unwrap(),
        Deleted::Released
    );
    let calls = w.calls_since(before);
    assert!(started.elapsed() >= Duration::from_millis(900), "{calls:?}");
    assert_eq!(calls[0], "UnassociateEipAddress");
    assert!(
        calls.len() > 2 && calls[1..].iter().all(|c| c == "DescribeEipAddresses"),
        "polled until the EIP is Available: {calls:?}"
    );
    let eip = read_back(&w.p, "alicloud_eip_address", &attrs(json!({"id": alloc})));
    assert_eq!(eip["status"], "Available");
    // A delete timeout shorter than the unbinding gives up with a timeout.
    let mut short = ctx();
    short.timeout = Duration::from_millis(100);
    let e =
        w.p.delete(
            &short,
            "alicloud_eip_association",
            b["id"].as_str().unwrap(),
            &b,
        )
        .unwrap_err();
    assert!(e.to_string().contains("timeout"), "{e}");
}
