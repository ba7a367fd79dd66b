//! Tests of the target families through `SimCloud` and `CloudApi::call`: answers, error codes,
//! and the objects' attributes the EIP association rules read.

use serde_json::Value;

use crate::cloud::sim::SimCloud;
use crate::cloud::{CloudApi, CloudError, Params};

struct World {
    _dir: tempfile::TempDir,
    sim: SimCloud,
}

fn world() -> World {
    let dir = tempfile::tempdir().unwrap();
    let sim = SimCloud::open(&dir.path().join("cloud.db")).unwrap();
    World { _dir: dir, sim }
}

fn params(pairs: &[(&str, &str)]) -> Params {
    let mut p: Params = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    p.entry("RegionId".into())
        .or_insert_with(|| "cn-hangzhou".into());
    p
}

impl World {
    fn call(&self, action: &str, pairs: &[(&str, &str)]) -> Value {
        self.sim
            .call(action, &params(pairs))
            .unwrap_or_else(|e| panic!("{action}: {e}"))
    }

    fn fail(&self, action: &str, pairs: &[(&str, &str)]) -> CloudError {
        self.sim.call(action, &params(pairs)).expect_err(action)
    }

    fn attr(&self, id: &str, key: &str) -> Value {
        self.sim
            .with_ctx(|c| {
                Ok(c.get(id)?
                    .unwrap()
                    .attrs
                    .get(key)
                    .cloned()
                    .unwrap_or(Value::Null))
            })
            .unwrap()
    }

    fn status(&self, id: &str) -> String {
        self.sim
            .with_ctx(|c| Ok(c.get(id)?.unwrap().status))
            .unwrap()
    }

    /// VPC 192.168.0.0/16, vSwitch `cidr` in cn-hangzhou-i, security group.
    fn network(&self, cidr: &str) -> (String, String, String) {
        let vpc = s(
            &self.call(
                "CreateVpc",
                &[("CidrBlock", "192.168.0.0/16"), ("VpcName", "v")],
            ),
            "VpcId",
        );
        let vsw = s(
            &self.call(
                "CreateVSwitch",
                &[
                    ("VpcId", &vpc),
                    ("ZoneId", "cn-hangzhou-i"),
                    ("CidrBlock", cidr),
                ],
            ),
            "VSwitchId",
        );
        let sg = s(
            &self.call("CreateSecurityGroup", &[("VpcId", &vpc)]),
            "SecurityGroupId",
        );
        (vpc, vsw, sg)
    }

    fn instance(&self, vsw: &str, sg: &str, bandwidth: &str) -> String {
        let answer = self.call(
            "RunInstances",
            &[
                ("ImageId", "ubuntu_18_04_64_20G_alibase_20190624.vhd"),
                ("InstanceType", "ecs.g6.large"),
                ("VSwitchId", vsw),
                ("SecurityGroupIds.1", sg),
                ("InternetMaxBandwidthOut", bandwidth),
            ],
        );
        answer["InstanceIdSets"]["InstanceIdSet"][0]
            .as_str()
            .unwrap()
            .to_string()
    }
}

fn s(v: &Value, key: &str) -> String {
    v[key].as_str().unwrap_or_default().to_string()
}

#[test]
fn vswitch_blocks_must_fit_the_vpc() {
    let w = world();
    let (vpc, _, _) = w.network("192.168.1.0/24");
    for bad in [
        "192.168.2.0/33",
        "not-a-cidr",
        "192.168.2.1/24",
        "192.168.2.0/30",
        "10.0.0.0/24",
    ] {
        let e = w.fail(
            "CreateVSwitch",
            &[
                ("VpcId", &vpc),
                ("ZoneId", "cn-hangzhou-i"),
                ("CidrBlock", bad),
            ],
        );
        assert_eq!(e.code, "InvalidCidrBlock.Malformed", "{bad}");
    }
    let e = w.fail(
        "CreateVSwitch",
        &[
            ("VpcId", &vpc),
            ("ZoneId", "cn-hangzhou-i"),
            ("CidrBlock", "192.168.0.0/16"),
        ],
    );
    assert_eq!(e.code, "InvalidCidrBlock.Overlapped");
    let e = w.fail(
        "CreateVSwitch",
        &[
            ("VpcId", &vpc),
            ("ZoneId", "cn-beijing-a"),
            ("CidrBlock", "192.168.9.0/24"),
        ],
    );
    assert_eq!(e.code, "InvalidZoneId.NotFound");
    let e = w.fail("CreateVpc", &[("RegionId", "mars-1")]);
    assert_eq!(
        (e.code.as_str(), e.rule.as_deref()),
        ("InvalidRegionId.NotFound", Some("A05"))
    );
}

#[test]
fn describe_pages_and_filters() {
    let w = world();
    for i in 0..5 {
        w.call("CreateVpc", &[("VpcName", &format!("v{i}"))]);
    }
    let page = w.call("DescribeVpcs", &[("PageSize", "2"), ("PageNumber", "3")]);
    assert_eq!(page["TotalCount"], 5);
    assert_eq!(page["Vpcs"]["Vpc"].as_array().unwrap().len(), 1);
    let named = w.call("DescribeVpcs", &[("VpcName", "v3")]);
    assert_eq!(named["Vpcs"]["Vpc"][0]["VpcName"], "v3");
    assert_eq!(named["Vpcs"]["Vpc"][0]["CidrBlock"], "172.16.0.0/12");
}

#[test]
fn client_token_replays_a_create() {
    let w = world();
    let a = w.call("CreateVpc", &[("ClientToken", "t1")]);
    let b = w.call("CreateVpc", &[("ClientToken", "t1")]);
    assert_eq!(a["VpcId"], b["VpcId"]);
    assert_eq!(w.call("DescribeVpcs", &[])["TotalCount"], 1);
}

#[test]
fn instance_objects_carry_what_the_association_rules_read() {
    let w = world();
    let (vpc, vsw, sg) = w.network("192.168.1.0/24");
    let plain = w.instance(&vsw, &sg, "0");
    let public = w.instance(&vsw, &sg, "10");
    assert_eq!(w.status(&plain), "Running");
    assert_eq!(w.attr(&plain, "PublicIpAddress"), "");
    assert_eq!(w.attr(&plain, "NetworkType"), "vpc");
    assert_eq!(w.attr(&plain, "VpcId"), Value::String(vpc));
    let ip = w.attr(&public, "PublicIpAddress");
    assert!(!ip.as_str().unwrap().is_empty());
    let primary = w.attr(&plain, "NetworkInterfaceId");
    let primary = primary.as_str().unwrap();
    assert_eq!(w.attr(primary, "Type"), "Primary");
    assert_eq!(w.attr(primary, "InstanceId"), Value::String(plain.clone()));
    assert_eq!(w.attr(&plain, "PrimaryIpAddress"), "192.168.1.1");

    // A purchased EIP never takes the static public IP.
    let eip = w.call("AllocateEipAddress", &[]);
    assert_ne!(eip["EipAddress"], ip);

    // S06 (EIP family) reads PublicIpAddress: the instance with a static IP is refused.
    let id = s(&eip, "AllocationId");
    let e = w.fail(
        "AssociateEipAddress",
        &[("AllocationId", &id), ("InstanceId", &public)],
    );
    assert_eq!(e.rule.as_deref(), Some("S06"));
    w.call(
        "AssociateEipAddress",
        &[("AllocationId", &id), ("InstanceId", &plain)],
    );
    // ... and this instance, holding an EIP, cannot get a static public IP.
    let e = w.fail(
        "ModifyInstanceNetworkSpec",
        &[("InstanceId", &plain), ("InternetMaxBandwidthOut", "5")],
    );
    assert_eq!(
        (e.code.as_str(), e.rule.as_deref()),
        ("InvalidOperation.EipAssociated", Some("S06"))
    );

    // Deleting the instance keeps the EIP, disassociated.
    let e = w.fail("DeleteInstance", &[("InstanceId", &plain)]);
    assert_eq!(e.code, "IncorrectInstanceStatus");
    w.call(
        "DeleteInstance",
        &[("InstanceId", &plain), ("Force", "true")],
    );
    assert_eq!(w.attr(&id, "InstanceId"), "");
    assert!(w.sim.with_ctx(|c| c.get(primary)).unwrap().is_none());
}

#[test]
fn stop_start_and_bandwidth_changes() {
    let w = world();
    let (_, vsw, sg) = w.network("192.168.1.0/24");
    let i = w.instance(&vsw, &sg, "0");
    w.call("StopInstance", &[("InstanceId", &i)]);
    assert_eq!(w.status(&i), "Stopped");
    assert_eq!(
        w.fail("StopInstance", &[("InstanceId", &i)]).code,
        "IncorrectInstanceStatus"
    );
    w.call(
        "ModifyInstanceNetworkSpec",
        &[("InstanceId", &i), ("InternetMaxBandwidthOut", "10")],
    );
    assert!(!w.attr(&i, "PublicIpAddress").as_str().unwrap().is_empty());
    w.call(
        "ModifyInstanceNetworkSpec",
        &[("InstanceId", &i), ("InternetMaxBandwidthOut", "0")],
    );
    assert_eq!(w.attr(&i, "PublicIpAddress"), "");
    let e = w.fail(
        "ModifyInstanceNetworkSpec",
        &[("InstanceId", &i), ("InternetMaxBandwidthOut", "101")],
    );
    assert_eq!(e.code, "InvalidParameter.Bandwidth");
    w.call("StartInstance", &[("InstanceId", &i)]);
    assert_eq!(w.status(&i), "Running");
    let d = w.call(
        "DescribeInstances",
        &[("InstanceIds", &format!("[\"{i}\"]"))],
    );
    assert_eq!(d["Instances"]["Instance"][0]["Status"], "Running");
    assert_eq!(
        d["Instances"]["Instance"][0]["PublicIpAddress"]["IpAddress"],
        serde_json::json!([])
    );
}

#[test]
fn classic_instances_have_no_vpc() {
    let w = world();
    let answer = w.call(
        "RunInstances",
        &[
            ("ImageId", "centos_7_9_x64_20G_alibase_20240130.vhd"),
            ("InstanceType", "ecs.n4.small"),
        ],
    );
    let id = answer["InstanceIdSets"]["InstanceIdSet"][0]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(w.attr(&id, "NetworkType"), "classic");
    assert_eq!(w.attr(&id, "VpcId"), "");
}

#[test]
fn network_interfaces_attach_detach_and_ips() {
    let w = world();
    let (_, vsw, sg) = w.network("192.168.1.0/24");
    let i = w.instance(&vsw, &sg, "0");
    let eni = s(
        &w.call(
            "CreateNetworkInterface",
            &[
                ("VSwitchId", &vsw),
                ("SecurityGroupIds.1", &sg),
                ("PrimaryIpAddress", "192.168.1.50"),
                ("SecondaryPrivateIpAddressCount", "2"),
            ],
        ),
        "NetworkInterfaceId",
    );
    assert_eq!(w.attr(&eni, "PrivateIpSets").as_array().unwrap().len(), 3);
    assert_eq!(w.attr(&eni, "Type"), "Secondary");
    let dup = w.fail(
        "CreateNetworkInterface",
        &[
            ("VSwitchId", &vsw),
            ("SecurityGroupIds.1", &sg),
            ("PrimaryIpAddress", "192.168.1.50"),
        ],
    );
    assert_eq!(dup.code, "InvalidPrivateIpAddress.Duplicated");
    let outside = w.fail(
        "CreateNetworkInterface",
        &[
            ("VSwitchId", &vsw),
            ("SecurityGroupIds.1", &sg),
            ("PrimaryIpAddress", "192.168.1.255"),
        ],
    );
    assert_eq!(outside.code, "InvalidPrivateIpAddress");

    w.call(
        "AttachNetworkInterface",
        &[("NetworkInterfaceId", &eni), ("InstanceId", &i)],
    );
    assert_eq!(
        (w.status(&eni), w.attr(&eni, "InstanceId")),
        ("InUse".to_string(), Value::String(i.clone()))
    );
    assert_eq!(
        w.fail("DeleteNetworkInterface", &[("NetworkInterfaceId", &eni)])
            .code,
        "InvalidOperation.InvalidEniState"
    );
    w.call(
        "DetachNetworkInterface",
        &[("NetworkInterfaceId", &eni), ("InstanceId", &i)],
    );
    assert_eq!(w.attr(&eni, "InstanceId"), "");

    let e = w.fail(
        "UnassignPrivateIpAddresses",
        &[
            ("NetworkInterfaceId", &eni),
            ("PrivateIpAddress.1", "192.168.1.50"),
        ],
    );
    assert_eq!(e.code, "InvalidOperation.PrimaryIpAddress");
    w.call(
        "AssignPrivateIpAddresses",
        &[
            ("NetworkInterfaceId", &eni),
            ("PrivateIpAddress.1", "192.168.1.60"),
        ],
    );
    w.call(
        "UnassignPrivateIpAddresses",
        &[
            ("NetworkInterfaceId", &eni),
            ("PrivateIpAddress.1", "192.168.1.60"),
        ],
    );
    assert_eq!(w.attr(&eni, "PrivateIpSets").as_array().unwrap().len(), 3);

    // A security group in use and a vSwitch with IPs in use cannot be deleted.
    assert_eq!(
        w.fail("DeleteSecurityGroup", &[("SecurityGroupId", &sg)])
            .code,
        "DependencyViolation"
    );
    assert_eq!(
        w.fail("DeleteVSwitch", &[("VSwitchId", &vsw)]).code,
        "DependencyViolation"
    );
    w.call("DeleteNetworkInterface", &[("NetworkInterfaceId", &eni)]);
    w.call("DeleteInstance", &[("InstanceId", &i), ("Force", "true")]);
    w.call("DeleteSecurityGroup", &[("SecurityGroupId", &sg)]);
    w.call("DeleteVSwitch", &[("VSwitchId", &vsw)]);
}

#[test]
fn small_vswitch_runs_out_of_addresses() {
    let w = world();
    let (_, vsw, sg) = w.network("192.168.1.0/29");
    for _ in 0..4 {
        w.call(
            "CreateNetworkInterface",
            &[("VSwitchId", &vsw), ("SecurityGroupIds.1", &sg)],
        );
    }
    let e = w.fail(
        "CreateNetworkInterface",
        &[("VSwitchId", &vsw), ("SecurityGroupIds.1", &sg)],
    );
    assert_eq!(e.code, "InvalidVSwitchId.IpNotEnough");
    assert_eq!(w.attr(&vsw, "AvailableIpAddressCount"), 0);
}

#[test]
fn nat_gateways() {
    let w = world();
    let (vpc, vsw, _) = w.network("192.168.1.0/24");
    let normal = w.fail(
        "CreateNatGateway",
        &[("VpcId", &vpc), ("VSwitchId", &vsw), ("NatType", "Normal")],
    );
    assert_eq!(normal.code, "OperationUnsupported.NormalNatGateway");
    let ngw = s(
        &w.call(
            "CreateNatGateway",
            &[
                ("VpcId", &vpc),
                ("VSwitchId", &vsw),
                ("NetworkType", "intranet"),
            ],
        ),
        "NatGatewayId",
    );
    assert_eq!(
        (w.attr(&ngw, "NetworkType"), w.attr(&ngw, "EipBindMode")),
        (Value::from("intranet"), Value::from("MULTI_BINDED"))
    );
    let e = w.fail(
        "ModifyNatGatewayAttribute",
        &[("NatGatewayId", &ngw), ("EipBindMode", "BOGUS")],
    );
    assert_eq!(e.code, "InvalidParameter.EipBindMode");
    w.call(
        "ModifyNatGatewayAttribute",
        &[("NatGatewayId", &ngw), ("EipBindMode", "NAT")],
    );
    let e = w.fail(
        "ModifyNatGatewayAttribute",
        &[("NatGatewayId", &ngw), ("EipBindMode", "MULTI_BINDED")],
    );
    assert_eq!(e.code, "OperationUnsupported.EipBindMode");
    assert_eq!(
        w.fail("DeleteVpc", &[("VpcId", &vpc)]).code,
        "DependencyViolation.VSwitch"
    );
    w.call("DeleteNatGateway", &[("NatGatewayId", &ngw)]);
    assert_eq!(w.attr(&vsw, "AvailableIpAddressCount"), 252);
}

#[test]
fn ipv4_gateway_keeps_the_vpc_in_sync() {
    let w = world();
    let vpc = s(&w.call("CreateVpc", &[]), "VpcId");
    let gw = s(
        &w.call("CreateIpv4Gateway", &[("VpcId", &vpc)]),
        "Ipv4GatewayId",
    );
    assert_eq!(w.attr(&vpc, "Ipv4GatewayId"), "");
    assert_eq!(
        w.fail("CreateIpv4Gateway", &[("VpcId", &vpc)]).code,
        "ResourceAlreadyExist.Ipv4Gateway"
    );
    w.call("EnableVpcIpv4Gateway", &[("Ipv4GatewayId", &gw)]);
    assert_eq!(w.attr(&vpc, "Ipv4GatewayId"), Value::String(gw.clone()));
    assert_eq!(
        w.fail("DeleteVpc", &[("VpcId", &vpc)]).code,
        "DependencyViolation.Ipv4Gateway"
    );
    w.call("DeleteIpv4Gateway", &[("Ipv4GatewayId", &gw)]);
    assert_eq!(w.attr(&vpc, "Ipv4GatewayId"), "");
    w.call("DeleteVpc", &[("VpcId", &vpc)]);
}

#[test]
fn kms_keys_wait_out_their_pending_window() {
    let w = world();
    let key = w.call("CreateKey", &[("Description", "k")])["KeyMetadata"]["KeyId"]
        .as_str()
        .unwrap()
        .to_string();
    let e = w.fail(
        "ScheduleKeyDeletion",
        &[("KeyId", &key), ("PendingWindowInDays", "5")],
    );
    assert_eq!(e.code, "InvalidParameter.PendingWindowInDays");
    w.call(
        "ScheduleKeyDeletion",
        &[("KeyId", &key), ("PendingWindowInDays", "7")],
    );
    assert_eq!(
        w.call("DescribeKey", &[("KeyId", &key)])["KeyMetadata"]["KeyState"],
        "PendingDeletion"
    );
    w.sim
        .with_ctx(|c| crate::cloud::sim::clock::advance(c, "8d"))
        .unwrap();
    assert_eq!(
        w.fail("DescribeKey", &[("KeyId", &key)]).code,
        "Forbidden.KeyNotFound"
    );
}

#[test]
fn tags_and_resource_groups_of_targets() {
    let w = world();
    let vpc = s(
        &w.call("CreateVpc", &[("Tag.1.Key", "a"), ("Tag.1.Value", "1")]),
        "VpcId",
    );
    w.call(
        "TagResources",
        &[
            ("ResourceId.1", &vpc),
            ("ResourceType", "VPC"),
            ("Tag.1.Key", "b"),
            ("Tag.1.Value", "2"),
        ],
    );
    w.call(
        "UnTagResources",
        &[
            ("ResourceId.1", &vpc),
            ("ResourceType", "VPC"),
            ("TagKey.1", "a"),
        ],
    );
    let d = w.call("DescribeVpcs", &[("VpcId", &vpc)]);
    assert_eq!(
        d["Vpcs"]["Vpc"][0]["Tags"]["Tag"],
        serde_json::json!([{"Key": "b", "Value": "2"}])
    );
    let e = w.fail(
        "MoveResourceGroup",
        &[
            ("ResourceId", &vpc),
            ("ResourceType", "VPC"),
            ("NewResourceGroupId", "rg-nope"),
        ],
    );
    assert_eq!(e.rule.as_deref(), Some("A11"));
    let e = w.fail("CreateVpc", &[("ResourceGroupId", "rg-nope")]);
    assert_eq!(e.rule.as_deref(), Some("A11"));
    let groups = w.call("ListResourceGroups", &[]);
    let first = &groups["ResourceGroups"]["ResourceGroup"][0];
    w.call(
        "MoveResourceGroup",
        &[
            ("ResourceId", &vpc),
            ("ResourceType", "VPC"),
            ("NewResourceGroupId", first["Id"].as_str().unwrap()),
        ],
    );
}

#[test]
fn havip_addresses_and_slb_types() {
    let w = world();
    let (vpc, vsw, _) = w.network("192.168.1.0/24");
    let h = s(
        &w.call(
            "CreateHaVip",
            &[("VSwitchId", &vsw), ("IpAddress", "192.168.1.9")],
        ),
        "HaVipId",
    );
    assert_eq!(
        (w.attr(&h, "VpcId"), w.attr(&h, "IpAddress")),
        (Value::String(vpc.clone()), Value::from("192.168.1.9"))
    );
    let e = w.fail(
        "CreateHaVip",
        &[("VSwitchId", &vsw), ("IpAddress", "10.0.0.1")],
    );
    assert_eq!(e.code, "InvalidPrivateIpAddress");
    let lb = s(
        &w.call(
            "CreateLoadBalancer",
            &[("AddressType", "intranet"), ("VSwitchId", &vsw)],
        ),
        "LoadBalancerId",
    );
    assert_eq!(
        (w.attr(&lb, "NetworkType"), w.attr(&lb, "VpcId")),
        (Value::from("vpc"), Value::String(vpc))
    );
    let classic = s(&w.call("CreateLoadBalancer", &[]), "LoadBalancerId");
    assert_eq!(
        (
            w.attr(&classic, "AddressType"),
            w.attr(&classic, "NetworkType")
        ),
        (Value::from("internet"), Value::from("classic"))
    );
    let d = w.call(
        "DescribeHaVips",
        &[("Filter.1.Key", "HaVipId"), ("Filter.1.Value.1", &h)],
    );
    assert_eq!(d["HaVips"]["HaVip"][0]["IpAddress"], "192.168.1.9");
}
