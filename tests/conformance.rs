//! Conformance: the public alicloud provider's documentation examples and acceptance-test
//! configurations (`../shared/conformance/`, read in place; each file is copied into a fresh
//! temporary working directory as its `main.tf`) must validate, plan and apply against the
//! simulated cloud, multi-step tests must give the action the corpus README expects at each
//! step, and a final destroy must leave the cloud empty. The two `SkipTest` files must be
//! rejected by `validate` with the expected diagnostic.
//!
//! Cases that need more than the file itself say why next to their setup: BGP_PRO tests run in
//! a BGP_PRO region (upstream runs them only there), recoveries of a specific EIP id or address
//! need a release of that EIP in the account's history, the `alicloud_eips` example needs an EIP
//! to list.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn corpus(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/conformance")
        .join(rel)
}

struct Case {
    tmp: tempfile::TempDir,
    region: String,
}

impl Case {
    fn new(region: &str) -> Case {
        Case {
            tmp: tempfile::tempdir().unwrap(),
            region: region.to_string(),
        }
    }

    fn dir(&self) -> &Path {
        self.tmp.path()
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_eipform"))
            .arg("--chdir")
            .arg(self.dir())
            .arg("--no-color")
            .args(args)
            .env_remove("EIPFORM_CLOUD")
            .env_remove("EIPFORM_SIM_FAULTS")
            .env_remove("NO_COLOR")
            .env("ALICLOUD_REGION", &self.region)
            .output()
            .expect("run eipform")
    }

    /// Uses corpus file `rel` as the configuration.
    fn use_file(&self, rel: &str) {
        let text =
            std::fs::read_to_string(corpus(rel)).unwrap_or_else(|e| panic!("read {rel}: {e}"));
        std::fs::write(self.dir().join("main.tf"), text).unwrap();
    }

    fn ok(&self, what: &str, args: &[&str]) -> String {
        let o = self.run(args);
        let t = text(&o);
        assert_eq!(
            code(&o),
            0,
            "{what}: eipform {} failed:\n{t}",
            args.join(" ")
        );
        assert!(!t.contains("panicked"), "{what}: {t}");
        t
    }

    /// validate, plan, apply of corpus file `rel`; returns the plan's actions by address.
    fn step(&self, rel: &str) -> Vec<(String, Vec<String>)> {
        self.use_file(rel);
        self.ok(rel, &["validate"]);
        let o = self.run(&["plan", "--json"]);
        assert_eq!(code(&o), 0, "{rel}: plan failed:\n{}", text(&o));
        let plan: Value = serde_json::from_slice(&o.stdout)
            .unwrap_or_else(|e| panic!("{rel}: plan --json: {e}\n{}", text(&o)));
        let actions = plan["resource_changes"]
            .as_array()
            .map(|rc| {
                rc.iter()
                    .map(|c| {
                        let a = c["change"]["actions"]
                            .as_array()
                            .map(|a| {
                                a.iter()
                                    .filter_map(|x| x.as_str().map(str::to_string))
                                    .collect()
                            })
                            .unwrap_or_default();
                        (c["address"].as_str().unwrap_or_default().to_string(), a)
                    })
                    .collect()
            })
            .unwrap_or_default();
        let t = self.ok(rel, &["apply", "--auto-approve"]);
        assert!(
            t.contains("Apply complete!") || t.contains("No changes."),
            "{rel}: {t}"
        );
        // Applied: the configuration and the cloud agree.
        let o = self.run(&["plan", "--detailed-exitcode"]);
        assert_eq!(
            code(&o),
            0,
            "{rel}: a plan right after apply must show no changes:\n{}",
            text(&o)
        );
        actions
    }

    /// Cloud objects that still exist (not released or deleted).
    fn live_objects(&self) -> Vec<Value> {
        let o = self.run(&["cloud", "list", "--json"]);
        assert_eq!(code(&o), 0, "{}", text(&o));
        let all: Vec<Value> = serde_json::from_slice(&o.stdout).unwrap();
        // A KMS key is scheduled for deletion (PendingDeletion), never deleted at once.
        all.into_iter()
            .filter(|x| {
                !matches!(
                    x["status"].as_str(),
                    Some("Released" | "Deleted" | "PendingDeletion")
                )
            })
            .collect()
    }

    fn destroy_empties_the_cloud(&self, what: &str) {
        let t = self.ok(what, &["destroy", "--auto-approve"]);
        assert!(
            t.contains("Destroy complete!") || t.contains("No objects need to be destroyed."),
            "{what}: {t}"
        );
        let o = self.run(&["state", "list"]);
        assert!(
            String::from_utf8_lossy(&o.stdout).trim().is_empty(),
            "{what}: state not empty after destroy"
        );
        let live = self.live_objects();
        assert!(live.is_empty(), "{what}: the cloud still holds {live:#?}");
    }

    fn sim(&self) -> eipform::cloud::sim::SimCloud {
        std::fs::create_dir_all(self.dir().join(".eipform")).unwrap();
        eipform::cloud::sim::SimCloud::open(&self.dir().join(".eipform/cloud.db"))
            .expect("open the simulated cloud")
    }
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn code(o: &Output) -> i32 {
    o.status.code().unwrap_or(-1)
}

/// The action planned for `addr`: `create`, `update`, `replace`, `no-op`, ...
fn action_of(actions: &[(String, Vec<String>)], addr: &str) -> String {
    let a = actions
        .iter()
        .find(|(a, _)| a == addr)
        .unwrap_or_else(|| panic!("no planned change for {addr} in {actions:?}"));
    match a.1.as_slice() {
        [x] => x.clone(),
        [_, _] => "replace".to_string(),
        other => other.join(","),
    }
}

/// One file: validate, plan, apply (and destroy, which must empty the cloud, unless `keep`).
fn single(rel: &str, region: &str, destroy: bool) {
    let c = Case::new(region);
    c.step(rel);
    if destroy {
        c.destroy_empties_the_cloud(rel);
    }
}

/// A multi-step test: each step applied in order, with the expected action for the resource
/// under test; then destroy empties the cloud.
fn steps(prefix: &str, addr: &str, expected: &[&str], region: &str) {
    let c = Case::new(region);
    for (i, want) in expected.iter().enumerate() {
        let rel = format!("alicloud-acc/{prefix}-step{}.tf", i + 1);
        let actions = c.step(&rel);
        assert_eq!(
            action_of(&actions, addr),
            *want,
            "{rel}: planned action of {addr}: {actions:?}"
        );
    }
    c.destroy_empties_the_cloud(prefix);
}

macro_rules! single_files {
    ($($name:ident => $file:expr),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                single($file, "cn-beijing", true);
            }
        )*
    };
}

// Documentation examples.
single_files! {
    example_ecs_network_interface => "alicloud-examples/alicloud_ecs_network_interface-1.tf",
    example_eip => "alicloud-examples/alicloud_eip-1.tf",
    example_eip_address => "alicloud-examples/alicloud_eip_address-1.tf",
    example_eip_segment_address => "alicloud-examples/alicloud_eip_segment_address-1.tf",
    example_havip => "alicloud-examples/alicloud_havip-1.tf",
    example_instance => "alicloud-examples/alicloud_instance-1.tf",
    example_nat_gateway_1 => "alicloud-examples/alicloud_nat_gateway-1.tf",
    example_nat_gateway_2 => "alicloud-examples/alicloud_nat_gateway-2.tf",
    example_network_interface => "alicloud-examples/alicloud_network_interface-1.tf",
    example_public_ip_address_pool => "alicloud-examples/alicloud_vpc_public_ip_address_pool-1.tf",
    example_public_ip_address_pool_cidr_block => "alicloud-examples/alicloud_vpc_public_ip_address_pool_cidr_block-1.tf",
}

#[test]
fn example_eip_association() {
    single(
        "alicloud-examples/alicloud_eip_association-1.tf",
        "cn-beijing",
        true,
    );
}

#[test]
fn example_data_eips_lists_an_existing_eip() {
    // The example reads `eips.0.id`: the account must hold an EIP for the index to exist.
    let c = Case::new("cn-beijing");
    let mut p = eipform::cloud::Params::new();
    p.insert("RegionId".into(), "cn-beijing".into());
    let created = eipform::cloud::CloudApi::call(&c.sim(), "AllocateEipAddress", &p)
        .expect("allocate an EIP in the simulated cloud");
    let id = created["AllocationId"].as_str().unwrap().to_string();
    c.step("alicloud-examples/data-alicloud_eips-1.tf");
    let o = c.run(&["output", "--json"]);
    let out: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(out["first_eip_id"]["value"], id.as_str(), "{}", text(&o));
}

#[test]
fn example_data_eip_addresses_with_a_placeholder_id_fails_clearly() {
    // The page's example filters on the redacted id "eip-bp1jvx5ki6c********", which no cloud
    // holds: the list is empty and `addresses.0.id` is an invalid index, as in Terraform. The
    // configuration is valid; the plan fails with a diagnostic at the output's expression.
    let c = Case::new("cn-beijing");
    c.use_file("alicloud-examples/data-alicloud_eip_addresses-1.tf");
    c.ok("validate", &["validate"]);
    let o = c.run(&["plan"]);
    let t = text(&o);
    assert_eq!(code(&o), 1, "{t}");
    assert!(t.contains("addresses.0.id") && t.contains("index"), "{t}");
    assert!(!t.contains("panicked"), "{t}");
}

// Acceptance tests: dependence templates by themselves.
single_files! {
    dependence_eip_address_0 => "alicloud-acc/eip_address-dependence-AlicloudEIPAddressBasicDependence0.tf",
    dependence_eip_address_1 => "alicloud-acc/eip_address-dependence-AlicloudEIPAddressBasicDependence1.tf",
    dependence_eip_address_2 => "alicloud-acc/eip_address-dependence-AlicloudEIPAddressBasicDependence2.tf",
    dependence_eip_address_3 => "alicloud-acc/eip_address-dependence-AlicloudEIPAddressBasicDependence3.tf",
    dependence_eip_address_4 => "alicloud-acc/eip_address-dependence-AlicloudEIPAddressBasicDependence4.tf",
    dependence_eip_association_1 => "alicloud-acc/eip_association-dependence-AliCloudEipAssociationBasicDependence1.tf",
    dependence_eip_association_2 => "alicloud-acc/eip_association-dependence-AliCloudEipAssociationBasicDependence2.tf",
    dependence_eip_segment_address => "alicloud-acc/eip_segment_address-dependence-AlicloudEipSegmentAddressBasicDependence3419.tf",
    dependence_pool_2534 => "alicloud-acc/vpc_public_ip_address_pool-dependence-AlicloudVpcPublicIpAddressPoolBasicDependence2534.tf",
    dependence_pool => "alicloud-acc/vpc_public_ip_address_pool-dependence-resourceAlicloudVpcPublicIpAddressPoolBasicDependence.tf",
    dependence_pool_cidr_block => "alicloud-acc/vpc_public_ip_address_pool_cidr_block-dependence-resourceAlicloudVpcPublicIpAddressPoolCidrBlockBasicDependence.tf",
}

#[test]
fn dependence_eip_association_0() {
    single(
        "alicloud-acc/eip_association-dependence-AliCloudEipAssociationBasicDependence0.tf",
        "cn-beijing",
        true,
    );
}

// Acceptance tests with one step.
single_files! {
    acc_eip_address_basic6 => "alicloud-acc/eip_address-TestAccAliCloudEIPAddress_basic6-step1.tf",
    acc_eip_association_basic1 => "alicloud-acc/eip_association-TestAccAliCloudEipAssociation_basic1-step1.tf",
    acc_eip_association_basic2 => "alicloud-acc/eip_association-TestAccAliCloudEipAssociation_basic2-step1.tf",
    acc_eip_association_basic2_twin => "alicloud-acc/eip_association-TestAccAliCloudEipAssociation_basic2_twin-step1.tf",
    acc_segment_basic3419_twin => "alicloud-acc/eip_segment_address-TestAccAliCloudEipSegmentAddress_basic3419_twin-step1.tf",
    acc_pool_cidr_block_basic0 => "alicloud-acc/vpc_public_ip_address_pool_cidr_block-TestAccAliCloudVpcPublicIpAddressPoolCidrBlock_basic0-step1.tf",
    acc_pool_cidr_block_basic1 => "alicloud-acc/vpc_public_ip_address_pool_cidr_block-TestAccAliCloudVpcPublicIpAddressPoolCidrBlock_basic1-step1.tf",
}

#[test]
fn acc_eip_association_basic0() {
    single(
        "alicloud-acc/eip_association-TestAccAliCloudEipAssociation_basic0-step1.tf",
        "cn-beijing",
        true,
    );
}

#[test]
fn acc_eip_association_basic0_twin() {
    single(
        "alicloud-acc/eip_association-TestAccAliCloudEipAssociation_basic0_twin-step1.tf",
        "cn-beijing",
        true,
    );
}

/// Subscription EIPs cannot be released (D03): destroy only drops them from the state.
fn subscription(rel: &str) {
    let c = Case::new("cn-beijing");
    c.step(rel);
    let t = c.ok(rel, &["destroy", "--auto-approve"]);
    assert!(
        t.contains("D03") || t.contains("subscription"),
        "{rel}: destroy must say the EIP stays billed: {t}"
    );
    let o = c.run(&["state", "list"]);
    assert!(
        String::from_utf8_lossy(&o.stdout).trim().is_empty(),
        "{rel}: state not empty"
    );
}

#[test]
fn acc_eip_address_basic4_subscription() {
    subscription("alicloud-acc/eip_address-TestAccAliCloudEIPAddress_basic4-step1.tf");
}

#[test]
fn acc_eip_address_basic7_subscription_period_12() {
    subscription("alicloud-acc/eip_address-TestAccAliCloudEIPAddress_basic7-step1.tf");
}

#[test]
fn acc_eip_address_basic10_subscription_month() {
    subscription("alicloud-acc/eip_address-TestAccAliCloudEIPAddress_basic10-step1.tf");
}

/// Records that the account released EIP `id` (address `ip`) in `region` a moment ago, so the
/// test's request for that specific EIP is a recovery (rules A14, R01).
fn released(c: &Case, ip: &str, id: &str, region: &str) {
    use eipform::cloud::sim::addresses;
    c.sim()
        .with_ctx(|ctx| {
            addresses::remember_release(
                ctx,
                ip.parse().unwrap(),
                id,
                region,
                addresses::origin::EIP,
                "BGP",
                "",
            )
        })
        .expect("record a release");
}

#[test]
fn acc_eip_address_basic13_recovers_by_allocation_id() {
    let c = Case::new("cn-beijing");
    let prefix =
        eipform::cloud::sim::regions::alloc_prefix("cn-beijing", "BGP").expect("BGP in cn-beijing");
    let ip = prefix.hosts().nth(200).unwrap().to_string();
    released(&c, &ip, "eip-bp1pktw6wwavjqudm4mon", "cn-beijing");
    c.step("alicloud-acc/eip_address-TestAccAliCloudEIPAddress_basic13-step1.tf");
    let live = c.live_objects();
    assert!(
        live.iter().any(|o| o["id"] == "eip-bp1pktw6wwavjqudm4mon"),
        "{live:#?}"
    );
    c.destroy_empties_the_cloud("basic13");
}

#[test]
fn acc_eip_address_basic9_ip_recovers_by_address() {
    let ip: std::net::Ipv4Addr = "47.91.57.17".parse().unwrap();
    let region = eipform::cloud::sim::regions::REGIONS
        .iter()
        .map(|r| r.id)
        .find(|r| {
            eipform::cloud::sim::regions::alloc_prefix(r, "BGP").is_some_and(|p| p.contains(&ip))
        })
        .unwrap_or("cn-beijing");
    let c = Case::new(region);
    released(&c, "47.91.57.17", "eip-recovered0000000000", region);
    c.step("alicloud-acc/eip_address-TestAccAliCloudEIPAddress_basic9_ip-step1.tf");
    let live = c.live_objects();
    assert!(
        live.iter()
            .any(|o| o["attributes"]["IpAddress"] == "47.91.57.17"),
        "{live:#?}"
    );
    c.destroy_empties_the_cloud("basic9_ip");
}

#[test]
fn acc_skip_tests_are_rejected_at_validation() {
    for f in [
        "eip_address-SkipTestAccAliCloudEIPAddress_basic3-step1.tf",
        "eip_address-SkipTestAccAliCloudEIPAddress_basic5-step1.tf",
    ] {
        let c = Case::new("cn-beijing");
        c.use_file(&format!("alicloud-acc/{f}"));
        let o = c.run(&["validate", "--json"]);
        assert_eq!(code(&o), 1, "{f}: {}", text(&o));
        let v: Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(v["valid"], false);
        let d = v["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["severity"] == "error")
            .unwrap_or_else(|| panic!("{f}: no error in {v}"));
        let detail = d["detail"].as_str().unwrap_or_default();
        assert!(
            detail.contains("internet_charge_type") && detail.contains("PayByDominantTraffic"),
            "{f}: {d}"
        );
        assert!(
            detail.contains("PayByBandwidth") && detail.contains("PayByTraffic"),
            "{f}: {d}"
        );
        // Plan refuses it too, and the cloud stays untouched.
        let o = c.run(&["plan"]);
        assert_eq!(code(&o), 1, "{f}: {}", text(&o));
        assert!(c.live_objects().iter().all(|o| o["type"] != "eip"));
    }
}

const EIP: &str = "alicloud_eip_address.default";

#[test]
fn acc_eip_address_basic0_steps() {
    steps(
        "eip_address-TestAccAliCloudEIPAddress_basic0",
        EIP,
        &[
            "create", "update", "update", "update", "update", "update", "update", "update",
        ],
        "cn-beijing",
    );
}

#[test]
fn acc_eip_address_basic1_steps() {
    steps(
        "eip_address-TestAccAliCloudEIPAddress_basic1",
        EIP,
        &["create", "update", "update", "update", "update"],
        "cn-beijing",
    );
}

#[test]
fn acc_eip_address_basic2_steps_bgp_pro() {
    // isp = BGP_PRO: upstream runs this test only in BGP_PRO regions (rule A06).
    steps(
        "eip_address-TestAccAliCloudEIPAddress_basic2",
        EIP,
        &["create", "update", "update", "update", "update"],
        "cn-hongkong",
    );
}

#[test]
fn acc_eip_address_basic8_steps_force_new_monitor_log() {
    steps(
        "eip_address-TestAccAliCloudEIPAddress_basic8",
        EIP,
        &["create", "replace"],
        "cn-beijing",
    );
}

#[test]
fn acc_eip_address_basic9_steps_mode() {
    steps(
        "eip_address-TestAccAliCloudEIPAddress_basic9",
        EIP,
        &["create", "update", "update"],
        "cn-hangzhou",
    );
}

/// Step 2 switches the association to BINDED mode in place (ModifyEipForwardMode). Rule S07's
/// "ENI detached, without secondary IPs" applies when an EIP is associated in BINDED mode; the
/// simulated cloud, like the real one the upstream test runs against, lets an existing
/// association change its forwarding mode.
#[test]
fn acc_eip_association_basic1_twin_steps() {
    steps(
        "eip_association-TestAccAliCloudEipAssociation_basic1_twin",
        "alicloud_eip_association.default",
        &["create", "update"],
        "cn-beijing",
    );
}

#[test]
fn acc_segment_basic3419_steps() {
    steps(
        "eip_segment_address-TestAccAliCloudEipSegmentAddress_basic3419",
        "alicloud_eip_segment_address.default",
        &["create", "update"],
        "cn-beijing",
    );
}

const POOL: &str = "alicloud_vpc_public_ip_address_pool.default";

#[test]
fn acc_pool_basic0_steps() {
    // isp = BGP_PRO: run in a BGP_PRO region, as upstream does (rule A06).
    steps(
        "vpc_public_ip_address_pool-TestAccAliCloudVpcPublicIpAddressPool_basic0",
        POOL,
        &["create", "update"],
        "cn-hongkong",
    );
}

#[test]
fn acc_pool_basic1_steps() {
    // AntiDDoS_Enhanced pools exist only outside the Chinese mainland (rule A08); upstream runs
    // this test in such a region.
    steps(
        "vpc_public_ip_address_pool-TestAccAliCloudVpcPublicIpAddressPool_basic1",
        POOL,
        &["create", "update"],
        "cn-hongkong",
    );
}

#[test]
fn acc_pool_basic2534_steps() {
    let mut want = vec!["create"];
    want.extend(std::iter::repeat_n("update", 9));
    steps(
        "vpc_public_ip_address_pool-TestAccAliCloudVpcPublicIpAddressPool_basic2534",
        POOL,
        &want,
        "cn-beijing",
    );
}

/// Every corpus file is exercised by a test above (a new file must get its own case).
#[test]
fn every_corpus_file_has_a_case() {
    let me = std::fs::read_to_string(file!())
        .or_else(|_| {
            std::fs::read_to_string(
                Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/conformance.rs"),
            )
        })
        .unwrap();
    for sub in ["alicloud-examples", "alicloud-acc"] {
        for e in std::fs::read_dir(corpus(sub)).unwrap() {
            let name = e.unwrap().file_name().into_string().unwrap();
            let Some(stem) = name.strip_suffix(".tf") else {
                continue;
            };
            let covered = me.contains(&name)
                || stem
                    .rsplit_once("-step")
                    .is_some_and(|(prefix, _)| me.contains(&format!("\"{prefix}\"")));
            assert!(covered, "{sub}/{name} has no conformance case");
        }
    }
}
