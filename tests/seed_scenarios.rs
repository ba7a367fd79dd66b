//! The product guide's scenarios (seed/eip-user-guide.txt) end to end through the built binary:
//! buying EIPs in several regions with both billing methods, allocating from an IP address pool,
//! recovering released EIPs by IP and by ID (and being refused after seven days), a /28
//! contiguous group with two associated members, associating with an ECS instance, several EIPs
//! on one instance through a secondary ENI in NAT mode, disassociating, changing the EIP of an
//! instance in one apply (D05 ordering) and releasing. Every assertion is on what a user sees:
//! exit codes, output, `cloud list --json` and `state list`.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

fn eipform(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_eipform"))
        .arg("--chdir")
        .arg(dir)
        .arg("--no-color")
        .args(args)
        .env_remove("EIPFORM_CLOUD")
        .env_remove("EIPFORM_SIM_FAULTS")
        .env_remove("NO_COLOR")
        .env("ALICLOUD_REGION", "cn-hangzhou")
        .output()
        .expect("run eipform")
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

/// Runs `args` and asserts exit code `want`; returns the combined output.
fn run(dir: &Path, args: &[&str], want: i32) -> String {
    let o = eipform(dir, args);
    assert_eq!(code(&o), want, "eipform {args:?}:\n{}", text(&o));
    text(&o)
}

fn write(dir: &Path, tf: &str) {
    std::fs::write(dir.join("main.tf"), tf).expect("write main.tf");
}

fn apply(dir: &Path, tf: &str) -> String {
    write(dir, tf);
    run(dir, &["apply", "--auto-approve"], 0)
}

fn cloud(dir: &Path, kind: &str) -> Vec<Value> {
    let o = eipform(dir, &["cloud", "list", "--type", kind, "--json"]);
    assert_eq!(code(&o), 0, "{}", text(&o));
    serde_json::from_slice(&o.stdout).expect("cloud list --json")
}

fn output(dir: &Path, name: &str) -> Value {
    let o = eipform(dir, &["output", "--json", name]);
    assert_eq!(code(&o), 0, "{}", text(&o));
    serde_json::from_slice(&o.stdout).expect("output --json")
}

fn output_str(dir: &Path, name: &str) -> String {
    output(dir, name)
        .as_str()
        .expect("string output")
        .to_string()
}

fn eip_by_id<'a>(eips: &'a [Value], id: &str) -> &'a Value {
    eips.iter()
        .find(|e| e["id"] == id)
        .unwrap_or_else(|| panic!("no EIP {id} in {eips:#?}"))
}

fn attr<'a>(obj: &'a Value, key: &str) -> &'a str {
    obj["attributes"][key].as_str().unwrap_or("")
}

fn no_changes(dir: &Path) {
    let out = run(dir, &["plan", "--detailed-exitcode"], 0);
    assert!(out.contains("No changes"), "{out}");
}

const NET: &str = r#"
provider "alicloud" {
  region = "cn-hangzhou"
}

resource "alicloud_vpc" "main" {
  vpc_name   = "seed"
  cidr_block = "10.0.0.0/16"
}

resource "alicloud_vswitch" "main" {
  vpc_id       = alicloud_vpc.main.id
  cidr_block   = "10.0.1.0/24"
  zone_id      = "cn-hangzhou-i"
  vswitch_name = "seed"
}

resource "alicloud_security_group" "main" {
  security_group_name = "seed"
  vpc_id              = alicloud_vpc.main.id
}

resource "alicloud_instance" "web" {
  instance_name   = "web"
  image_id        = "ubuntu_18_04_64_20G_alibase_20190624.vhd"
  instance_type   = "ecs.g6.large"
  security_groups = [alicloud_security_group.main.id]
  vswitch_id      = alicloud_vswitch.main.id
}

output "web" {
  value = alicloud_instance.web.id
}
"#;

#[test]
fn buy_eips_in_several_regions_with_both_billing_methods() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let tf = r#"
provider "alicloud" {
  region = "cn-hangzhou"
}

provider "alicloud" {
  alias  = "hk"
  region = "cn-hongkong"
}

provider "alicloud" {
  alias  = "fra"
  region = "eu-central-1"
}

resource "alicloud_eip_address" "hz_bandwidth" {
  address_name         = "hz-bandwidth"
  internet_charge_type = "PayByBandwidth"
  bandwidth            = "10"
}

resource "alicloud_eip_address" "hk_traffic" {
  provider             = alicloud.hk
  address_name         = "hk-traffic"
  internet_charge_type = "PayByTraffic"
  bandwidth            = "50"
  isp                  = "BGP_PRO"
}

resource "alicloud_eip_address" "fra_subscription" {
  provider     = alicloud.fra
  address_name = "fra-subscription"
  payment_type = "Subscription"
  period       = 12
  bandwidth    = "100"
}
"#;
    write(dir, tf);
    let plan = run(dir, &["plan"], 0);
    assert!(
        plan.contains("Plan: 3 to add, 0 to change, 0 to destroy."),
        "{plan}"
    );
    assert!(cloud(dir, "eip").is_empty(), "plan must not buy anything");
    let out = apply(dir, tf);
    assert!(out.contains("Apply complete! Resources: 3 added"), "{out}");
    let eips = cloud(dir, "eip");
    assert_eq!(eips.len(), 3, "{eips:#?}");
    let by_name = |n: &str| {
        eips.iter()
            .find(|e| attr(e, "Name") == n)
            .unwrap_or_else(|| panic!("no EIP named {n}"))
    };
    let hz = by_name("hz-bandwidth");
    assert_eq!(hz["region"], "cn-hangzhou");
    assert_eq!(
        (
            attr(hz, "ChargeType"),
            attr(hz, "InternetChargeType"),
            attr(hz, "Bandwidth")
        ),
        ("PostPaid", "PayByBandwidth", "10")
    );
    let hk = by_name("hk-traffic");
    assert_eq!(hk["region"], "cn-hongkong");
    assert_eq!(
        (
            attr(hk, "ChargeType"),
            attr(hk, "InternetChargeType"),
            attr(hk, "ISP")
        ),
        ("PostPaid", "PayByTraffic", "BGP_PRO")
    );
    let fra = by_name("fra-subscription");
    assert_eq!(fra["region"], "eu-central-1");
    assert_eq!(
        (attr(fra, "ChargeType"), attr(fra, "InternetChargeType")),
        ("PrePaid", "PayByBandwidth")
    );
    // Billing facts are attributes the state shows (A03).
    let show = run(
        dir,
        &["state", "show", "alicloud_eip_address.hk_traffic"],
        0,
    );
    assert!(
        show.contains("billing_cycle") && show.contains("\"Hour\""),
        "{show}"
    );
    let show = run(
        dir,
        &["state", "show", "alicloud_eip_address.fra_subscription"],
        0,
    );
    assert!(show.contains("\"Month\""), "{show}");
    no_changes(dir);
}

#[test]
fn allocate_from_an_ip_address_pool() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let out = apply(
        dir,
        r#"
provider "alicloud" {
  region = "cn-hangzhou"
}

resource "alicloud_vpc_public_ip_address_pool" "pool" {
  public_ip_address_pool_name = "seed-pool"
  isp                         = "BGP"
}

resource "alicloud_vpc_public_ip_address_pool_cidr_block" "block" {
  public_ip_address_pool_id = alicloud_vpc_public_ip_address_pool.pool.id
  cidr_mask                 = 28
}

resource "alicloud_eip_address" "pooled" {
  address_name              = "pooled"
  public_ip_address_pool_id = alicloud_vpc_public_ip_address_pool.pool.id
  depends_on                = [alicloud_vpc_public_ip_address_pool_cidr_block.block]
}

output "block" {
  value = alicloud_vpc_public_ip_address_pool_cidr_block.block.cidr_block
}

output "pool" {
  value = alicloud_vpc_public_ip_address_pool.pool.id
}
"#,
    );
    assert!(out.contains("3 added"), "{out}");
    let block = output_str(dir, "block");
    let pool = output_str(dir, "pool");
    let eips = cloud(dir, "eip");
    assert_eq!(eips.len(), 1);
    assert_eq!(attr(&eips[0], "PublicIpAddressPoolId"), pool);
    let ip: std::net::Ipv4Addr = attr(&eips[0], "IpAddress").parse().unwrap();
    let net: ipnet::Ipv4Net = block.parse().unwrap();
    assert!(net.contains(&ip), "{ip} is not in the pool's block {block}");
    no_changes(dir);
}

const TWO_EIPS: &str = r#"
provider "alicloud" {
  region = "cn-hangzhou"
}

resource "alicloud_eip_address" "a" {
  address_name = "a"
}

resource "alicloud_eip_address" "b" {
  address_name = "b"
}

output "a_ip" {
  value = alicloud_eip_address.a.ip_address
}

output "b_id" {
  value = alicloud_eip_address.b.id
}

output "b_ip" {
  value = alicloud_eip_address.b.ip_address
}
"#;

#[test]
fn recover_released_eips_by_ip_and_by_id() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    apply(dir, TWO_EIPS);
    let (a_ip, b_id, b_ip) = (
        output_str(dir, "a_ip"),
        output_str(dir, "b_id"),
        output_str(dir, "b_ip"),
    );
    // Release b outside eipform (and accept that into the state), and a by removing it from the
    // configuration.
    let out = run(dir, &["cloud", "eip", "release", &b_id], 0);
    assert!(out.contains("ReleaseEipAddress done"), "{out}");
    run(dir, &["apply", "--refresh-only", "--auto-approve"], 0);
    let state = run(dir, &["state", "list"], 0);
    assert!(!state.contains("alicloud_eip_address.b"), "{state}");
    let out = apply(
        dir,
        "provider \"alicloud\" {\n  region = \"cn-hangzhou\"\n}\n",
    );
    assert!(out.contains("destroyed"), "{out}");
    assert!(cloud(dir, "eip").is_empty());
    run(dir, &["cloud", "clock", "advance", "6d"], 0);
    let tf = format!(
        r#"
provider "alicloud" {{
  region = "cn-hangzhou"
}}

resource "alicloud_eip_address" "by_ip" {{
  address_name = "by-ip"
  ip_address   = "{a_ip}"
}}

resource "alicloud_eip_address" "by_id" {{
  address_name  = "by-id"
  allocation_id = "{b_id}"
}}
"#
    );
    let out = apply(dir, &tf);
    assert!(out.contains("2 added"), "{out}");
    let eips = cloud(dir, "eip");
    let mut ips: Vec<&str> = eips.iter().map(|e| attr(e, "IpAddress")).collect();
    ips.sort();
    let mut want = vec![a_ip.as_str(), b_ip.as_str()];
    want.sort();
    assert_eq!(ips, want, "the recovered EIPs keep their addresses");
    let by_id = eips.iter().find(|e| attr(e, "Name") == "by-id").unwrap();
    assert_eq!(
        by_id["id"],
        b_id.as_str(),
        "recovery by ID gets the same EIP ID back"
    );
    // R04: a recovered EIP is pay-as-you-go, pay-by-data-transfer, 5 Mbit/s by default.
    for e in &eips {
        assert_eq!(
            (
                attr(e, "ChargeType"),
                attr(e, "InternetChargeType"),
                attr(e, "Bandwidth")
            ),
            ("PostPaid", "PayByTraffic", "5"),
            "{e:#?}"
        );
    }
    no_changes(dir);
}

/// An EIP released outside eipform and removed from the configuration is gone from the state
/// after the next apply (the refreshed state is saved, as Terraform does).
#[test]
fn apply_forgets_an_eip_released_outside_eipform() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    apply(dir, TWO_EIPS);
    let b_id = output_str(dir, "b_id");
    run(dir, &["cloud", "eip", "release", &b_id], 0);
    let out = apply(
        dir,
        "provider \"alicloud\" {\n  region = \"cn-hangzhou\"\n}\n",
    );
    assert!(out.contains("1 destroyed"), "a is released: {out}");
    let state = run(dir, &["state", "list"], 0);
    assert!(state.trim().is_empty(), "the state still lists: {state}");
}

#[test]
fn recovery_refused_after_eight_days() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    apply(dir, TWO_EIPS);
    let a_ip = output_str(dir, "a_ip");
    apply(
        dir,
        "provider \"alicloud\" {\n  region = \"cn-hangzhou\"\n}\n",
    );
    let out = run(dir, &["cloud", "clock", "advance", "8d"], 0);
    assert!(out.contains("cloud clock now"), "{out}");
    let clock: Value =
        serde_json::from_slice(&eipform(dir, &["cloud", "clock", "show", "--json"]).stdout)
            .unwrap();
    assert!(
        clock["offset_seconds"].as_i64().unwrap() >= 8 * 86400,
        "{clock}"
    );
    write(
        dir,
        &format!(
            "provider \"alicloud\" {{\n  region = \"cn-hangzhou\"\n}}\n\nresource \"alicloud_eip_address\" \"back\" {{\n  address_name = \"back\"\n  ip_address   = \"{a_ip}\"\n}}\n"
        ),
    );
    let out = run(dir, &["plan"], 1);
    assert!(out.contains("rule R01"), "{out}");
    assert!(
        out.contains("OperationFailed.AllocateUnfamiliarIp"),
        "{out}"
    );
    assert!(out.contains("main.tf:7:"), "points at ip_address: {out}");
    let out = run(dir, &["apply", "--auto-approve"], 1);
    assert!(out.contains("rule R01"), "{out}");
    assert!(cloud(dir, "eip").is_empty(), "nothing was bought");
}

#[test]
fn contiguous_group_with_two_associated_members() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let tf = format!(
        r#"{NET}
resource "alicloud_instance" "db" {{
  instance_name   = "db"
  image_id        = "ubuntu_18_04_64_20G_alibase_20190624.vhd"
  instance_type   = "ecs.g6.large"
  security_groups = [alicloud_security_group.main.id]
  vswitch_id      = alicloud_vswitch.main.id
}}

resource "alicloud_eip_segment_address" "group" {{
  eip_mask             = "28"
  bandwidth            = "10"
  internet_charge_type = "PayByTraffic"
}}

resource "alicloud_eip_association" "web" {{
  allocation_id = alicloud_eip_segment_address.group.eips[0].id
  instance_id   = alicloud_instance.web.id
}}

resource "alicloud_eip_association" "db" {{
  allocation_id = alicloud_eip_segment_address.group.eips[1].id
  instance_id   = alicloud_instance.db.id
}}

output "count" {{
  value = alicloud_eip_segment_address.group.ip_count
}}

output "members" {{
  value = alicloud_eip_segment_address.group.eips
}}
"#
    );
    let out = apply(dir, &tf);
    assert!(out.contains("Apply complete!"), "{out}");
    let members = output(dir, "members");
    let members = members.as_array().expect("members list");
    let count: usize = match output(dir, "count") {
        Value::Number(n) => n.as_u64().unwrap() as usize,
        Value::String(s) => s.parse().unwrap(),
        other => panic!("ip_count {other}"),
    };
    assert_eq!(members.len(), count, "ip_count is the number of members");
    assert!(
        (12..=16).contains(&count),
        "a /28 holds 16 addresses less 0, 1, 3 or 4 reserved: {count}"
    );
    let eips = cloud(dir, "eip");
    let in_use: Vec<&Value> = eips.iter().filter(|e| e["status"] == "InUse").collect();
    assert_eq!(in_use.len(), 2, "{eips:#?}");
    let instances: Vec<String> = cloud(dir, "instance")
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_string())
        .collect();
    for e in &in_use {
        assert!(!attr(e, "SegmentInstanceId").is_empty());
        assert!(
            instances.iter().any(|i| i == attr(e, "InstanceId")),
            "{e:#?}"
        );
    }
    // The group's members are contiguous.
    let mut ips: Vec<u32> = members
        .iter()
        .map(|m| {
            u32::from(
                m["ip_address"]
                    .as_str()
                    .unwrap()
                    .parse::<std::net::Ipv4Addr>()
                    .unwrap(),
            )
        })
        .collect();
    ips.sort();
    assert!(ips.last().unwrap() - ips.first().unwrap() < 16, "{ips:?}");
    no_changes(dir);
    // Releasing the group disassociates its members first (G05 ordering).
    let out = apply(dir, NET);
    assert!(out.contains("0 added, 0 changed, 4 destroyed"), "{out}");
    assert!(cloud(dir, "eip").is_empty());
}

#[test]
fn associate_change_disassociate_release_on_an_ecs_instance() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let eips = r#"
resource "alicloud_eip_address" "a" {
  address_name = "a"
}

resource "alicloud_eip_address" "b" {
  address_name = "b"
}

output "a" {
  value = alicloud_eip_address.a.id
}

output "b" {
  value = alicloud_eip_address.b.id
}
"#;
    let with = |eip: &str| {
        format!(
            "{NET}{eips}\nresource \"alicloud_eip_association\" \"web\" {{\n  allocation_id = alicloud_eip_address.{eip}.id\n  instance_id   = alicloud_instance.web.id\n}}\n"
        )
    };
    // Associate EIP a with the instance.
    let out = apply(dir, &with("a"));
    assert!(out.contains("7 added"), "{out}");
    let (a, b, web) = (
        output_str(dir, "a"),
        output_str(dir, "b"),
        output_str(dir, "web"),
    );
    let list = cloud(dir, "eip");
    assert_eq!(eip_by_id(&list, &a)["status"], "InUse");
    assert_eq!(attr(eip_by_id(&list, &a), "InstanceId"), web);
    assert_eq!(eip_by_id(&list, &b)["status"], "Available");

    // Change the EIP of the instance: a off, b on, in one apply (D05).
    write(dir, &with("b"));
    let plan = run(dir, &["plan"], 0);
    assert!(plan.contains("must be replaced"), "{plan}");
    let out = run(dir, &["apply", "--auto-approve"], 0);
    assert!(out.contains("1 added, 0 changed, 1 destroyed"), "{out}");
    let list = cloud(dir, "eip");
    assert_eq!(eip_by_id(&list, &a)["status"], "Available");
    assert_eq!(eip_by_id(&list, &b)["status"], "InUse");
    assert_eq!(attr(eip_by_id(&list, &b), "InstanceId"), web);

    // Disassociate: the EIP stays and the plan says it keeps being charged (D01).
    let without = format!("{NET}{eips}");
    write(dir, &without);
    let plan = run(dir, &["plan"], 0);
    assert!(plan.contains("rule D01"), "{plan}");
    let out = run(dir, &["apply", "--auto-approve"], 0);
    assert!(out.contains("0 added, 0 changed, 1 destroyed"), "{out}");
    let list = cloud(dir, "eip");
    assert_eq!(list.len(), 2);
    assert!(
        list.iter()
            .all(|e| e["status"] == "Available" && attr(e, "InstanceId").is_empty()),
        "{list:#?}"
    );

    // Release both EIPs.
    let out = apply(dir, NET);
    assert!(out.contains("2 destroyed"), "{out}");
    assert!(cloud(dir, "eip").is_empty());
    let state = run(dir, &["state", "list"], 0);
    assert!(!state.contains("alicloud_eip"), "{state}");
}

#[test]
fn several_eips_on_one_instance_through_a_secondary_eni_in_nat_mode() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let eni = r#"
resource "alicloud_ecs_network_interface" "eni" {
  network_interface_name             = "multi"
  vswitch_id                         = alicloud_vswitch.main.id
  security_group_ids                 = [alicloud_security_group.main.id]
  secondary_private_ip_address_count = 2
}

output "eni" {
  value = alicloud_ecs_network_interface.eni.id
}
"#;
    apply(dir, &format!("{NET}{eni}"));
    let (eni_id, web) = (output_str(dir, "eni"), output_str(dir, "web"));
    // Attach the ENI to the instance (console step; no Terraform resource does it here).
    {
        use eipform::cloud::CloudApi;
        let sim = eipform::cloud::sim::SimCloud::open(&dir.join(".eipform/cloud.db")).unwrap();
        let mut p = eipform::cloud::Params::new();
        p.insert("RegionId".into(), "cn-hangzhou".into());
        p.insert("NetworkInterfaceId".into(), eni_id.clone());
        p.insert("InstanceId".into(), web.clone());
        sim.call("AttachNetworkInterface", &p)
            .expect("attach the ENI");
    }
    let eips = r#"
resource "alicloud_eip_address" "app" {
  count        = 3
  address_name = "app-${count.index}"
}

locals {
  private_ips = concat([alicloud_ecs_network_interface.eni.primary_ip_address], tolist(alicloud_ecs_network_interface.eni.private_ip_addresses))
}

resource "alicloud_eip_association" "app" {
  count              = 3
  allocation_id      = alicloud_eip_address.app[count.index].id
  instance_id        = alicloud_ecs_network_interface.eni.id
  instance_type      = "NetworkInterface"
  mode               = "NAT"
  private_ip_address = local.private_ips[count.index]
}
"#;
    let out = apply(dir, &format!("{NET}{eni}{eips}"));
    assert!(out.contains("6 added"), "{out}");
    let list = cloud(dir, "eip");
    assert_eq!(list.len(), 3);
    let mut private: Vec<&str> = list.iter().map(|e| attr(e, "PrivateIpAddress")).collect();
    private.sort();
    private.dedup();
    assert_eq!(private.len(), 3, "one EIP per private IP: {list:#?}");
    for e in &list {
        assert_eq!(e["status"], "InUse");
        assert_eq!(attr(e, "InstanceId"), eni_id);
        assert_eq!(attr(e, "Mode"), "NAT");
    }
    let enis = cloud(dir, "eni");
    let eni_obj = enis.iter().find(|e| e["id"] == eni_id.as_str()).unwrap();
    assert_eq!(
        attr(eni_obj, "InstanceId"),
        web,
        "the ENI is on the instance"
    );
    no_changes(dir);
    // Disassociate all three: the EIPs stay allocated (D01).
    let out = apply(
        dir,
        &format!(
            "{NET}{eni}\nresource \"alicloud_eip_address\" \"app\" {{\n  count        = 3\n  address_name = \"app-${{count.index}}\"\n}}\n"
        ),
    );
    assert!(out.contains("3 destroyed"), "{out}");
    assert!(cloud(dir, "eip").iter().all(|e| e["status"] == "Available"));
}

#[test]
fn account_and_clock_commands() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let out = run(dir, &["cloud", "account", "show"], 0);
    assert!(out.contains("eip_quota = 20"), "{out}");
    assert!(out.contains("pool_privilege = true"), "{out}");
    let out = run(dir, &["cloud", "account", "set", "eip_quota", "1"], 0);
    assert!(out.contains("account eip_quota = 1"), "{out}");
    let shown: Value =
        serde_json::from_slice(&eipform(dir, &["cloud", "account", "show", "--json"]).stdout)
            .unwrap();
    assert_eq!(shown["eip_quota"], 1);
    let out = run(dir, &["cloud", "account", "set", "eip_quota", "many"], 1);
    assert!(out.contains("whole number"), "{out}");
    let out = run(dir, &["cloud", "account", "set", "no_such_key", "1"], 1);
    assert!(out.contains("unknown account setting"), "{out}");
    // The quota is enforced: a second pay-as-you-go EIP is refused at plan (A12).
    write(
        dir,
        "provider \"alicloud\" {\n  region = \"cn-hangzhou\"\n}\n\nresource \"alicloud_eip_address\" \"e\" {\n  count        = 2\n  address_name = \"q-${count.index}\"\n}\n",
    );
    let out = run(dir, &["plan"], 1);
    assert!(
        out.contains("QuotaExceeded.Eip") && out.contains("rule A12"),
        "{out}"
    );
    run(dir, &["cloud", "account", "set", "eip_quota", "2"], 0);
    run(dir, &["apply", "--auto-approve"], 0);

    run(
        dir,
        &["cloud", "clock", "set", "2030-01-31T12:00:00+08:00"],
        0,
    );
    let clock: Value =
        serde_json::from_slice(&eipform(dir, &["cloud", "clock", "show", "--json"]).stdout)
            .unwrap();
    assert_eq!(clock["now"], "2030-01-31T04:00:00Z");
    let out = run(dir, &["cloud", "clock", "advance", "36h"], 0);
    assert!(out.contains("2030-02-01T16:00:0"), "{out}");
    let out = run(dir, &["cloud", "clock", "show"], 0);
    assert!(out.contains("now = \"2030-02-01T16:00:0"), "{out}");
    let out = run(dir, &["cloud", "clock", "advance", "soon"], 1);
    assert!(out.contains("not a duration"), "{out}");
    let out = run(dir, &["cloud", "clock", "set", "tomorrow"], 1);
    assert!(out.contains("RFC 3339"), "{out}");
}
