//! ECS instances: `RunInstances`, `DescribeInstances`, `StopInstance`, `StartInstance`,
//! `ModifyInstanceAttribute`, `ModifyInstanceNetworkSpec`, `ModifyInstanceVpcAttribute`,
//! `AllocatePublicIpAddress`, `DeleteInstance`.
//!
//! Object kind `instance` (status Running/Stopped) {InstanceId, VpcId, VSwitchId, ZoneId,
//! PrimaryIpAddress, PublicIpAddress ("" when the instance has no static public IP),
//! NetworkType ("vpc", or "classic" when launched without a vSwitch), NetworkInterfaceId (the
//! primary ENI), SecondaryEniIds, InternetMaxBandwidthOut, ...}.
//!
//! Static public IPs come from the region's BGP address space through `addresses`, which keeps
//! them apart from EIPs and remembers them as not recoverable (R03). Deleting an instance keeps its EIPs: they are disassociated and stay
//! allocated (ECS DeleteInstance: "EIPs are not released along with the instance").

use serde_json::{Map, Value, json};

use super::common::{self, copy_params, flag, int, new_obj, ok, region, replay};
use super::eni::{self, EniSpec};
use super::{catalog, security_group, vswitch};
use crate::cloud::sim::addresses;
use crate::cloud::sim::{Ctx, Obj};
use crate::cloud::{CloudError, Params, optional, repeated, required};

pub const KIND: &str = "instance";

pub fn get(ctx: &Ctx<'_>, region: &str, id: &str) -> Result<Obj, CloudError> {
    common::must_get(
        ctx,
        KIND,
        region,
        id,
        "InvalidInstanceId.NotFound",
        "instance",
    )
}

fn next_seq(ctx: &Ctx<'_>, name: &str) -> Result<u32, CloudError> {
    Ok(ctx.next_seq(name)? as u32)
}

/// A fresh static public IP of `region` for `owner`, from the address space EIPs also draw from
/// (so the two never collide, and R03 knows the address was a static one).
pub fn static_public_ip(ctx: &Ctx<'_>, region: &str, owner: &str) -> Result<String, CloudError> {
    addresses::allocate_public_ip(ctx, region, owner)
}

/// Gives back the static public IP `ip` of `owner` (recorded as not recoverable, R03).
pub fn release_static_ip(
    ctx: &Ctx<'_>,
    ip: &str,
    owner: &str,
    classic: bool,
) -> Result<(), CloudError> {
    if ip.is_empty() {
        return Ok(());
    }
    let origin = if classic {
        addresses::origin::CLASSIC
    } else {
        addresses::origin::ECS_STATIC
    };
    addresses::release_public_ip(ctx, ip, owner, origin)
}

/// A private IP for an instance of the classic network: `10.<region index>.<hi>.<lo>`.
pub(super) fn classic_private_ip(ctx: &Ctx<'_>, region: &str) -> Result<String, CloudError> {
    let idx = common::region_index(region).unwrap_or(0);
    let n = next_seq(ctx, &format!("classic-ip:{region}"))? - 1;
    Ok(format!(
        "10.{}.{}.{}",
        100 + idx,
        (n / 250) % 256,
        n % 250 + 1
    ))
}

fn check_bandwidth(v: i64, code: &str) -> Result<(), CloudError> {
    if !(0..=100).contains(&v) {
        return Err(CloudError::new(
            code,
            format!("InternetMaxBandwidthOut must be between 0 and 100 Mbit/s, not {v}."),
        ));
    }
    Ok(())
}

fn disk_id(ctx: &Ctx<'_>) -> Result<String, CloudError> {
    ctx.new_id("d-")
}

fn data_disks(ctx: &Ctx<'_>, params: &Params) -> Result<Vec<Value>, CloudError> {
    let mut disks = Vec::new();
    for i in 1..=16 {
        let p = |k: &str| params.get(&format!("DataDisk.{i}.{k}")).cloned();
        if p("Size").is_none() && p("Category").is_none() && p("SnapshotId").is_none() {
            break;
        }
        let size: i64 = p("Size").and_then(|s| s.parse().ok()).unwrap_or(20);
        let category = p("Category").unwrap_or_else(|| "cloud_efficiency".into());
        if !catalog::DISK_CATEGORIES.contains(&category.as_str()) {
            return Err(CloudError::new(
                "InvalidDataDiskCategory.ValueNotSupported",
                format!("Disk category {category:?} is not supported."),
            ));
        }
        if !(20..=32768).contains(&size) {
            return Err(CloudError::new(
                "InvalidDataDiskSize.ValueNotSupported",
                format!("Data disk size {size} GiB is outside 20-32768."),
            ));
        }
        disks.push(json!({
            "DiskId": disk_id(ctx)?,
            "Size": size,
            "Category": category,
            "DiskName": p("DiskName").unwrap_or_default(),
            "Description": p("Description").unwrap_or_default(),
            "Encrypted": p("Encrypted").is_some_and(|v| v.eq_ignore_ascii_case("true")),
            "KMSKeyId": p("KMSKeyId").unwrap_or_default(),
            "SnapshotId": p("SnapshotId").unwrap_or_default(),
            "PerformanceLevel": p("PerformanceLevel").unwrap_or_default(),
            "DeleteWithInstance": p("DeleteWithInstance").is_none_or(|v| v.eq_ignore_ascii_case("true")),
            "Device": format!("/dev/xvd{}", (b'a' + i as u8) as char),
        }));
    }
    Ok(disks)
}

pub fn run(ctx: &mut Ctx<'_>, params: &Params) -> Result<Value, CloudError> {
    let region = region(params)?;
    if let Some(existing) = replay(ctx, KIND, params)? {
        return Ok(created(&existing));
    }
    let image = required(params, "ImageId")?;
    let image = catalog::image(image).ok_or_else(|| {
        CloudError::not_found(
            "InvalidImageId.NotFound",
            format!("The specified image {image:?} does not exist."),
        )
    })?;
    let itype = required(params, "InstanceType")?;
    let itype = catalog::instance_type(itype).ok_or_else(|| {
        CloudError::new(
            "InvalidInstanceType.NotFound",
            format!("The specified instance type {itype:?} does not exist."),
        )
    })?;
    let bandwidth = int(params, "InternetMaxBandwidthOut")?.unwrap_or(0);
    check_bandwidth(bandwidth, "InvalidInternetMaxBandwidthOut.Malformed")?;
    let charge = optional(params, "InternetChargeType").unwrap_or("PayByTraffic");
    if !matches!(charge, "PayByTraffic" | "PayByBandwidth") {
        return Err(CloudError::new(
            "InvalidInternetChargeType.ValueNotSupported",
            format!("InternetChargeType {charge:?} is not supported."),
        ));
    }
    let pay = optional(params, "InstanceChargeType").unwrap_or("PostPaid");
    if !matches!(pay, "PostPaid" | "PrePaid") {
        return Err(CloudError::new(
            "InvalidInstanceChargeType.ValueNotSupported",
            format!("InstanceChargeType {pay:?} is not supported."),
        ));
    }
    let sys_category = optional(params, "SystemDisk.Category").unwrap_or("cloud_efficiency");
    if !catalog::DISK_CATEGORIES.contains(&sys_category) {
        return Err(CloudError::new(
            "InvalidSystemDiskCategory.ValueNotSupported",
            format!("Disk category {sys_category:?} is not supported."),
        ));
    }
    let sys_size = int(params, "SystemDisk.Size")?.unwrap_or(40.max(image.size));
    if sys_size < image.size || sys_size > 2048 {
        return Err(CloudError::new(
            "InvalidSystemDiskSize.ValueNotSupported",
            format!(
                "System disk size {sys_size} GiB must be between {} (the image size) and 2048.",
                image.size
            ),
        ));
    }
    let mut groups = repeated(params, "SecurityGroupIds");
    groups.extend(common::id_list(params, "SecurityGroupId"));
    let id = ctx.new_id("i-")?;
    let mut attrs = Map::new();
    let (vpc_id, vsw_id, zone, primary_ip, eni_id, network_type);
    if let Some(vsw_id_param) = optional(params, "VSwitchId") {
        let vsw = vswitch::get(ctx, &region, vsw_id_param)?;
        if let Some(z) = optional(params, "ZoneId")
            && z != vsw.str("ZoneId")
        {
            return Err(CloudError::new(
                "InvalidVSwitchId.ZoneMismatch",
                format!(
                    "The vSwitch {} is in zone {}, not in the requested zone {z}.",
                    vsw.id,
                    vsw.str("ZoneId")
                ),
            ));
        }
        if groups.is_empty() {
            return Err(CloudError::new(
                "MissingParameter",
                "The input parameter \"SecurityGroupId\" that is mandatory for processing this request is not supplied.",
            ));
        }
        let spec = EniSpec {
            vswitch: &vsw,
            security_groups: groups.clone(),
            primary_ip: optional(params, "PrivateIpAddress").map(str::to_string),
            secondary_ips: Vec::new(),
            secondary_count: int(params, "NetworkInterface.1.SecondaryPrivateIpAddressCount")?
                .unwrap_or(0)
                .clamp(0, 49) as usize,
            eni_type: "Primary",
            instance_id: id.clone(),
        };
        let primary = eni::create_eni(ctx, &region, spec, &Params::new())?;
        vpc_id = vsw.str("VpcId").to_string();
        vsw_id = vsw.id.clone();
        zone = vsw.str("ZoneId").to_string();
        primary_ip = primary.str("PrimaryIpAddress").to_string();
        eni_id = primary.id.clone();
        network_type = "vpc";
    } else {
        let z = optional(params, "ZoneId")
            .map(str::to_string)
            .unwrap_or_else(|| catalog::zones(&region)[0].clone());
        catalog::check_zone(&region, &z)?;
        for g in &groups {
            security_group::get(ctx, &region, g)?;
        }
        vpc_id = String::new();
        vsw_id = String::new();
        zone = z;
        primary_ip = classic_private_ip(ctx, &region)?;
        eni_id = String::new();
        network_type = "classic";
    }
    let public_ip = if bandwidth > 0 {
        static_public_ip(ctx, &region, &id)?
    } else {
        String::new()
    };
    attrs.insert("InstanceId".into(), json!(id));
    attrs.insert(
        "InstanceName".into(),
        json!(optional(params, "InstanceName").unwrap_or(&id)),
    );
    attrs.insert(
        "Description".into(),
        json!(optional(params, "Description").unwrap_or("")),
    );
    attrs.insert(
        "HostName".into(),
        json!(
            optional(params, "HostName")
                .map(str::to_string)
                .unwrap_or_else(|| format!("iZ{}Z", id.trim_start_matches("i-")))
        ),
    );
    attrs.insert("ImageId".into(), json!(image.id));
    attrs.insert("OSType".into(), json!(image.os_type));
    attrs.insert("OSName".into(), json!(image.os_name));
    attrs.insert("InstanceType".into(), json!(itype.id));
    attrs.insert("Cpu".into(), json!(itype.cpu));
    attrs.insert("Memory".into(), json!((itype.memory * 1024.0) as i64));
    attrs.insert("ZoneId".into(), json!(zone));
    attrs.insert("VpcId".into(), json!(vpc_id));
    attrs.insert("VSwitchId".into(), json!(vsw_id));
    attrs.insert("PrimaryIpAddress".into(), json!(primary_ip));
    attrs.insert("PublicIpAddress".into(), json!(public_ip));
    attrs.insert("NetworkType".into(), json!(network_type));
    attrs.insert("NetworkInterfaceId".into(), json!(eni_id));
    attrs.insert("SecondaryEniIds".into(), json!([]));
    attrs.insert("SecurityGroupIds".into(), json!(groups));
    attrs.insert("InternetChargeType".into(), json!(charge));
    attrs.insert("InternetMaxBandwidthOut".into(), json!(bandwidth));
    attrs.insert(
        "InternetMaxBandwidthIn".into(),
        json!(int(params, "InternetMaxBandwidthIn")?.unwrap_or(100)),
    );
    attrs.insert("InstanceChargeType".into(), json!(pay));
    attrs.insert(
        "SpotStrategy".into(),
        json!(optional(params, "SpotStrategy").unwrap_or("NoSpot")),
    );
    attrs.insert("StoppedMode".into(), json!("Not-applicable"));
    attrs.insert(
        "DeletionProtection".into(),
        json!(flag(params, "DeletionProtection").unwrap_or(false)),
    );
    attrs.insert(
        "KeyPairName".into(),
        json!(optional(params, "KeyPairName").unwrap_or("")),
    );
    attrs.insert(
        "CreditSpecification".into(),
        json!(
            optional(params, "CreditSpecification").unwrap_or(if itype.family == "ecs.t5" {
                "Standard"
            } else {
                ""
            })
        ),
    );
    attrs.insert(
        "ResourceGroupId".into(),
        json!(catalog::resource_group_param(ctx, params)?),
    );
    attrs.insert(
        "SystemDisk".into(),
        json!({
            "DiskId": disk_id(ctx)?,
            "Category": sys_category,
            "Size": sys_size,
            "DiskName": optional(params, "SystemDisk.DiskName").unwrap_or(""),
            "Description": optional(params, "SystemDisk.Description").unwrap_or(""),
            "PerformanceLevel": optional(params, "SystemDisk.PerformanceLevel").unwrap_or(if sys_category == "cloud_essd" { "PL1" } else { "" }),
        }),
    );
    attrs.insert("DataDisks".into(), json!(data_disks(ctx, params)?));
    attrs.insert(
        "Tags".into(),
        Value::Object(common::tags_from_params(params)),
    );
    copy_params(
        &mut attrs,
        params,
        &[
            "UserData",
            "SecurityEnhancementStrategy",
            "Period",
            "PeriodUnit",
            "AutoRenew",
        ],
    );
    let obj = new_obj(ctx, id, KIND, &region, "Running", attrs, params);
    ctx.insert(&obj)?;
    Ok(created(&obj))
}

fn created(obj: &Obj) -> Value {
    ok(json!({"InstanceIdSets": {"InstanceIdSet": [obj.id]}, "OrderId": "", "TradePrice": 0.0}))
}

/// The `Instance` item of `DescribeInstances` (plus `SystemDisk`/`DataDisks`, which the real
/// API serves from `DescribeDisks`).
pub fn describe_item(ctx: &Ctx<'_>, obj: &Obj) -> Result<Value, CloudError> {
    let public: Vec<&str> = Some(obj.str("PublicIpAddress"))
        .filter(|s| !s.is_empty())
        .into_iter()
        .collect();
    let vpc = obj.str("NetworkType") == "vpc";
    let mut nics = Vec::new();
    if let Some(primary) = ctx.get_kind(obj.str("NetworkInterfaceId"), eni::KIND)? {
        let item = eni::describe_item(&primary);
        nics.push(json!({
            "NetworkInterfaceId": primary.id,
            "PrimaryIpAddress": primary.str("PrimaryIpAddress"),
            "MacAddress": primary.str("MacAddress"),
            "Type": "Primary",
            "PrivateIpSets": item.get("PrivateIpSets").cloned().unwrap_or(json!({"PrivateIpSet": []})),
            "Ipv6Sets": {"Ipv6Set": primary.attrs.get("Ipv6Sets").cloned().unwrap_or(json!([]))},
        }));
    }
    for id in obj
        .attrs
        .get("SecondaryEniIds")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        nics.push(json!({"NetworkInterfaceId": id, "Type": "Secondary"}));
    }
    Ok(json!({
        "InstanceId": obj.id,
        "InstanceName": obj.str("InstanceName"),
        "Description": obj.str("Description"),
        "HostName": obj.str("HostName"),
        "ImageId": obj.str("ImageId"),
        "OSType": obj.str("OSType"),
        "OSName": obj.str("OSName"),
        "InstanceType": obj.str("InstanceType"),
        "Cpu": obj.attrs.get("Cpu").cloned().unwrap_or(json!(0)),
        "Memory": obj.attrs.get("Memory").cloned().unwrap_or(json!(0)),
        "RegionId": obj.region,
        "ZoneId": obj.str("ZoneId"),
        "Status": obj.status,
        "InstanceNetworkType": obj.str("NetworkType"),
        "VpcAttributes": {
            "VpcId": obj.str("VpcId"),
            "VSwitchId": obj.str("VSwitchId"),
            "PrivateIpAddress": {"IpAddress": if vpc { vec![obj.str("PrimaryIpAddress")] } else { vec![] }},
            "NatIpAddress": "",
        },
        "InnerIpAddress": {"IpAddress": if vpc { vec![] } else { vec![obj.str("PrimaryIpAddress")] }},
        "PublicIpAddress": {"IpAddress": public},
        "EipAddress": {"IpAddress": "", "AllocationId": "", "InternetChargeType": "", "Bandwidth": 0},
        "SecurityGroupIds": {"SecurityGroupId": obj.attrs.get("SecurityGroupIds").cloned().unwrap_or(json!([]))},
        "NetworkInterfaces": {"NetworkInterface": nics},
        "InternetChargeType": obj.str("InternetChargeType"),
        "InternetMaxBandwidthOut": obj.attrs.get("InternetMaxBandwidthOut").cloned().unwrap_or(json!(0)),
        "InternetMaxBandwidthIn": obj.attrs.get("InternetMaxBandwidthIn").cloned().unwrap_or(json!(0)),
        "InstanceChargeType": obj.str("InstanceChargeType"),
        "SpotStrategy": obj.str("SpotStrategy"),
        "StoppedMode": obj.str("StoppedMode"),
        "DeletionProtection": obj.attrs.get("DeletionProtection").cloned().unwrap_or(json!(false)),
        "KeyPairName": obj.str("KeyPairName"),
        "CreditSpecification": obj.str("CreditSpecification"),
        "ResourceGroupId": obj.str("ResourceGroupId"),
        "CreationTime": obj.created_at,
        "StartTime": obj.created_at,
        "ExpiredTime": "2099-12-31T15:59Z",
        "SystemDisk": obj.attrs.get("SystemDisk").cloned().unwrap_or(json!({})),
        "DataDisks": obj.attrs.get("DataDisks").cloned().unwrap_or(json!([])),
        "UserData": obj.str("UserData"),
        "Tags": common::ecs_tags_out(obj),
    }))
}

pub fn describe(ctx: &mut Ctx<'_>, params: &Params) -> Result<Value, CloudError> {
    let region = region(params)?;
    let (number, size) = common::paging(params, 100)?;
    let objs = match optional(params, "ClientToken") {
        Some(token) => ctx
            .by_token(KIND, token)?
            .filter(|o| o.region == region)
            .into_iter()
            .collect(),
        None => common::select(ctx, KIND, &region, &common::id_list(params, "InstanceIds"))?,
    };
    let filters = [
        ("VpcId", optional(params, "VpcId")),
        ("VSwitchId", optional(params, "VSwitchId")),
        ("ZoneId", optional(params, "ZoneId")),
        ("InstanceName", optional(params, "InstanceName")),
        ("NetworkType", optional(params, "InstanceNetworkType")),
        ("ResourceGroupId", optional(params, "ResourceGroupId")),
        ("ImageId", optional(params, "ImageId")),
        ("InstanceType", optional(params, "InstanceType")),
    ];
    let status = optional(params, "Status");
    let private = common::id_list(params, "PrivateIpAddresses");
    let public = common::id_list(params, "PublicIpAddresses");
    let tags = common::tags_from_params(params);
    let mut items = Vec::new();
    for o in objs
        .iter()
        .filter(|o| filters.iter().all(|(k, v)| v.is_none_or(|v| o.str(k) == v)))
        .filter(|o| status.is_none_or(|s| o.status == s))
        .filter(|o| private.is_empty() || private.iter().any(|ip| ip == o.str("PrimaryIpAddress")))
        .filter(|o| public.is_empty() || public.iter().any(|ip| ip == o.str("PublicIpAddress")))
        .filter(|o| common::tags_match(o, &tags))
    {
        items.push(describe_item(ctx, o)?);
    }
    let mut page = common::page_of(items, number, size, "Instances", "Instance");
    if let Value::Object(m) = &mut page {
        m.insert("NextToken".into(), json!(""));
    }
    Ok(page)
}

/// The status after a stop or start: the final one at once, or the transitional one until the
/// account's `transition_ms` has passed (then `eip::settle_due` finishes it). Rule S05 refuses
/// associations while an instance is Stopping or Starting.
fn transition(
    ctx: &Ctx<'_>,
    obj: &mut crate::cloud::sim::Obj,
    during: &str,
    done: &str,
) -> Result<String, CloudError> {
    let ms = crate::cloud::sim::account::int(ctx, "transition_ms")?;
    if ms <= 0 {
        return Ok(done.into());
    }
    let until = crate::cloud::sim::clock::now(ctx)? + chrono::Duration::milliseconds(ms);
    obj.attrs.insert(
        "_TransitionUntil".into(),
        json!(crate::cloud::sim::clock::format_time(until)),
    );
    Ok(during.into())
}

pub fn stop(ctx: &mut Ctx<'_>, params: &Params) -> Result<Value, CloudError> {
    let region = region(params)?;
    let mut obj = get(ctx, &region, required(params, "InstanceId")?)?;
    if obj.status != "Running" {
        return Err(CloudError::new(
            "IncorrectInstanceStatus",
            format!(
                "The instance {} is {}; only a Running instance can be stopped.",
                obj.id, obj.status
            ),
        ));
    }
    let mode = optional(params, "StoppedMode").unwrap_or("KeepCharging");
    if !matches!(mode, "KeepCharging" | "StopCharging") {
        return Err(CloudError::new(
            "InvalidParameter.StoppedMode",
            format!("StoppedMode must be KeepCharging or StopCharging, not {mode:?}."),
        ));
    }
    obj.status = transition(ctx, &mut obj, "Stopping", "Stopped")?;
    obj.attrs.insert("StoppedMode".into(), json!(mode));
    ctx.update(&obj)?;
    Ok(common::ok_empty())
}

pub fn start(ctx: &mut Ctx<'_>, params: &Params) -> Result<Value, CloudError> {
    let region = region(params)?;
    let mut obj = get(ctx, &region, required(params, "InstanceId")?)?;
    if obj.status != "Stopped" {
        return Err(CloudError::new(
            "IncorrectInstanceStatus",
            format!(
                "The instance {} is {}; only a Stopped instance can be started.",
                obj.id, obj.status
            ),
        ));
    }
    obj.status = transition(ctx, &mut obj, "Starting", "Running")?;
    obj.attrs
        .insert("StoppedMode".into(), json!("Not-applicable"));
    ctx.update(&obj)?;
    Ok(common::ok_empty())
}

pub fn modify(ctx: &mut Ctx<'_>, params: &Params) -> Result<Value, CloudError> {
    let region = region(params)?;
    let mut obj = get(ctx, &region, required(params, "InstanceId")?)?;
    common::check_name(params, "InstanceName")?;
    copy_params(
        &mut obj.attrs,
        params,
        &[
            "InstanceName",
            "Description",
            "HostName",
            "UserData",
            "CreditSpecification",
        ],
    );
    if let Some(b) = flag(params, "DeletionProtection") {
        obj.attrs.insert("DeletionProtection".into(), json!(b));
    }
    let groups = repeated(params, "SecurityGroupIds");
    if !groups.is_empty() {
        security_group::check_groups(ctx, &region, &groups, obj.str("VpcId"))?;
        if let Some(mut primary) = ctx.get_kind(obj.str("NetworkInterfaceId"), eni::KIND)? {
            security_group::count_refs(ctx, &eni::security_groups(&primary), -1)?;
            security_group::count_refs(ctx, &groups, 1)?;
            primary
                .attrs
                .insert("SecurityGroupIds".into(), json!(groups));
            ctx.update(&primary)?;
        }
        obj.attrs.insert("SecurityGroupIds".into(), json!(groups));
    }
    ctx.update(&obj)?;
    Ok(common::ok_empty())
}

pub fn modify_network_spec(ctx: &mut Ctx<'_>, params: &Params) -> Result<Value, CloudError> {
    let region = region(params)?;
    let mut obj = get(ctx, &region, required(params, "InstanceId")?)?;
    if let Some(out) = int(params, "InternetMaxBandwidthOut")? {
        check_bandwidth(out, "InvalidParameter.Bandwidth")?;
        let had = !obj.str("PublicIpAddress").is_empty();
        if out > 0 && !had {
            // S06: a primary NIC carries one public IP; an instance with an EIP gets no static one.
            if let Some(eip) = eni::eips_of(ctx, &region, &obj.id)?.first() {
                return Err(CloudError::new(
                    "InvalidOperation.EipAssociated",
                    format!(
                        "The instance {} is associated with EIP {}; a primary network interface holds one public IP, so it cannot also get a static public IP.",
                        obj.id, eip.id
                    ),
                )
                .rule("S06"));
            }
            let ip = static_public_ip(ctx, &region, &obj.id)?;
            obj.attrs.insert("PublicIpAddress".into(), json!(ip));
        } else if out == 0 && had {
            release_static_ip(
                ctx,
                obj.str("PublicIpAddress"),
                &obj.id,
                obj.str("NetworkType") == "classic",
            )?;
            obj.attrs.insert("PublicIpAddress".into(), json!(""));
        }
        obj.attrs
            .insert("InternetMaxBandwidthOut".into(), json!(out));
    }
    if let Some(bw_in) = int(params, "InternetMaxBandwidthIn")? {
        obj.attrs
            .insert("InternetMaxBandwidthIn".into(), json!(bw_in));
    }
    if let Some(charge) = optional(params, "NetworkChargeType") {
        if !matches!(charge, "PayByTraffic" | "PayByBandwidth") {
            return Err(CloudError::new(
                "InvalidInternetChargeType.ValueNotSupported",
                format!("NetworkChargeType {charge:?} is not supported."),
            ));
        }
        obj.attrs.insert("InternetChargeType".into(), json!(charge));
    }
    ctx.update(&obj)?;
    Ok(ok(json!({"OrderId": ""})))
}

pub fn allocate_public_ip(ctx: &mut Ctx<'_>, params: &Params) -> Result<Value, CloudError> {
    let region = region(params)?;
    let mut obj = get(ctx, &region, required(params, "InstanceId")?)?;
    if obj.str("PublicIpAddress").is_empty() {
        if obj
            .attrs
            .get("InternetMaxBandwidthOut")
            .and_then(Value::as_i64)
            .unwrap_or(0)
            == 0
        {
            return Err(CloudError::new(
                "InvalidOperation.NoBandwidth",
                format!(
                    "The instance {} has no outbound bandwidth; set InternetMaxBandwidthOut above 0 first.",
                    obj.id
                ),
            ));
        }
        let ip = static_public_ip(ctx, &region, &obj.id)?;
        obj.attrs.insert("PublicIpAddress".into(), json!(ip));
        ctx.update(&obj)?;
    }
    Ok(ok(json!({"IpAddress": obj.str("PublicIpAddress")})))
}

pub fn modify_vpc_attribute(ctx: &mut Ctx<'_>, params: &Params) -> Result<Value, CloudError> {
    let region = region(params)?;
    let mut obj = get(ctx, &region, required(params, "InstanceId")?)?;
    if obj.status != "Stopped" {
        return Err(CloudError::new(
            "IncorrectInstanceStatus",
            format!(
                "The instance {} is {}; its vSwitch or private IP can change only while it is Stopped.",
                obj.id, obj.status
            ),
        ));
    }
    let vsw = vswitch::get(
        ctx,
        &region,
        optional(params, "VSwitchId").unwrap_or(obj.str("VSwitchId")),
    )?;
    let Some(mut primary) = ctx.get_kind(obj.str("NetworkInterfaceId"), eni::KIND)? else {
        return Err(CloudError::new(
            "OperationDenied",
            format!("The instance {} is not in a VPC.", obj.id),
        ));
    };
    if vsw.str("ZoneId") != obj.str("ZoneId") {
        return Err(CloudError::new(
            "InvalidVSwitchId.ZoneMismatch",
            format!(
                "The vSwitch {} is in zone {}, the instance {} in zone {}.",
                vsw.id,
                vsw.str("ZoneId"),
                obj.id,
                obj.str("ZoneId")
            ),
        ));
    }
    let old_vsw = primary.str("VSwitchId").to_string();
    let old_ips = eni::private_ips(&primary);
    for ip in &old_ips {
        super::ipam::release(ctx, &old_vsw, ip)?;
    }
    let ip = match optional(params, "PrivateIpAddress") {
        Some(ip) => {
            super::ipam::reserve(ctx, &vsw.id, ip, &primary.id)?;
            ip.to_string()
        }
        None => super::ipam::allocate(ctx, &vsw.id, &primary.id)?,
    };
    if let Some(vpc_id) = optional(params, "VpcId") {
        let groups = repeated(params, "SecurityGroupId");
        security_group::check_groups(ctx, &region, &groups, vpc_id)?;
        if !groups.is_empty() {
            security_group::count_refs(ctx, &eni::security_groups(&primary), -1)?;
            security_group::count_refs(ctx, &groups, 1)?;
            primary
                .attrs
                .insert("SecurityGroupIds".into(), json!(groups));
            obj.attrs.insert("SecurityGroupIds".into(), json!(groups));
        }
    }
    for o in [&mut primary, &mut obj] {
        o.attrs.insert("VSwitchId".into(), json!(vsw.id));
        o.attrs.insert("VpcId".into(), json!(vsw.str("VpcId")));
        o.attrs.insert("PrimaryIpAddress".into(), json!(ip));
    }
    primary.attrs.insert("PrivateIpSets".into(), json!([ip]));
    ctx.update(&primary)?;
    ctx.update(&obj)?;
    Ok(common::ok_empty())
}

pub fn delete(ctx: &mut Ctx<'_>, params: &Params) -> Result<Value, CloudError> {
    let region = region(params)?;
    let obj = get(ctx, &region, required(params, "InstanceId")?)?;
    let force = flag(params, "Force").unwrap_or(false);
    if obj.status != "Stopped" && !force {
        return Err(CloudError::new(
            "IncorrectInstanceStatus",
            format!(
                "The instance {} is {}; stop it first or delete it with Force=true.",
                obj.id, obj.status
            ),
        ));
    }
    if obj.attrs.get("DeletionProtection").and_then(Value::as_bool) == Some(true) {
        return Err(CloudError::new(
            "InvalidOperation.DeletionProtection",
            format!("The instance {} has deletion protection enabled.", obj.id),
        ));
    }
    // EIPs are not released with the instance: they are disassociated and stay allocated.
    eni::disassociate_all(ctx, &region, &obj.id)?;
    for id in obj
        .attrs
        .get("SecondaryEniIds")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
    {
        if let Some(secondary) = id
            .as_str()
            .and_then(|id| ctx.get_kind(id, eni::KIND).ok().flatten())
        {
            eni::detach_from(ctx, secondary)?;
        }
    }
    if let Some(primary) = ctx.get_kind(obj.str("NetworkInterfaceId"), eni::KIND)? {
        eni::destroy(ctx, &primary)?;
    }
    release_static_ip(
        ctx,
        obj.str("PublicIpAddress"),
        &obj.id,
        obj.str("NetworkType") == "classic",
    )?;
    ctx.delete(&obj.id)?;
    Ok(common::ok_empty())
}

fn require_stopped(obj: &Obj, what: &str) -> Result<(), CloudError> {
    if obj.status != "Stopped" {
        return Err(CloudError::new(
            "IncorrectInstanceStatus",
            format!(
                "The instance {} is {}; {what} only while it is Stopped.",
                obj.id, obj.status
            ),
        ));
    }
    Ok(())
}

/// `ModifyInstanceSpec`: a new instance type for a stopped instance.
pub fn modify_spec(ctx: &mut Ctx<'_>, params: &Params) -> Result<Value, CloudError> {
    let region = region(params)?;
    let mut obj = get(ctx, &region, required(params, "InstanceId")?)?;
    require_stopped(&obj, "its instance type can change")?;
    let t = required(params, "InstanceType")?;
    let t = catalog::instance_type(t).ok_or_else(|| {
        CloudError::new(
            "InvalidInstanceType.NotFound",
            format!("The specified instance type {t:?} does not exist."),
        )
    })?;
    obj.attrs.insert("InstanceType".into(), json!(t.id));
    obj.attrs.insert("Cpu".into(), json!(t.cpu));
    obj.attrs
        .insert("Memory".into(), json!((t.memory * 1024.0) as i64));
    ctx.update(&obj)?;
    Ok(common::ok_empty())
}

/// `ReplaceSystemDisk`: a new image (and optionally size) for a stopped instance.
pub fn replace_system_disk(ctx: &mut Ctx<'_>, params: &Params) -> Result<Value, CloudError> {
    let region = region(params)?;
    let mut obj = get(ctx, &region, required(params, "InstanceId")?)?;
    require_stopped(&obj, "its system disk can be replaced")?;
    let image = required(params, "ImageId")?;
    let image = catalog::image(image).ok_or_else(|| {
        CloudError::not_found(
            "InvalidImageId.NotFound",
            format!("The specified image {image:?} does not exist."),
        )
    })?;
    let mut disk = obj.attrs.get("SystemDisk").cloned().unwrap_or(json!({}));
    let size = int(params, "SystemDisk.Size")?
        .unwrap_or_else(|| disk.get("Size").and_then(Value::as_i64).unwrap_or(40));
    disk["Size"] = json!(size.max(image.size));
    disk["DiskId"] = json!(disk_id(ctx)?);
    obj.attrs.insert("SystemDisk".into(), disk);
    obj.attrs.insert("ImageId".into(), json!(image.id));
    obj.attrs.insert("OSType".into(), json!(image.os_type));
    obj.attrs.insert("OSName".into(), json!(image.os_name));
    ctx.update(&obj)?;
    Ok(ok(json!({"DiskId": obj.attrs["SystemDisk"]["DiskId"]})))
}

/// `ResizeDisk` of an instance's system disk (disks only grow).
pub fn resize_disk(ctx: &mut Ctx<'_>, params: &Params) -> Result<Value, CloudError> {
    let region = region(params)?;
    let disk_id = required(params, "DiskId")?;
    let size = int(params, "NewSize")?.unwrap_or(0);
    let owner = common::find_by_attr(ctx, KIND, &region, "SystemDisk.DiskId", disk_id)?;
    let Some(mut obj) = owner.into_iter().next() else {
        return Err(CloudError::not_found(
            "InvalidDiskId.NotFound",
            format!("The specified disk {disk_id:?} does not exist."),
        ));
    };
    let mut disk = obj.attrs.get("SystemDisk").cloned().unwrap_or(json!({}));
    let current = disk.get("Size").and_then(Value::as_i64).unwrap_or(0);
    if size < current || size > 2048 {
        return Err(CloudError::new(
            "InvalidDiskSize.TooSmall",
            format!(
                "The disk {disk_id} holds {current} GiB; it can only grow, up to 2048 GiB (asked {size})."
            ),
        ));
    }
    disk["Size"] = json!(size);
    obj.attrs.insert("SystemDisk".into(), disk);
    ctx.update(&obj)?;
    Ok(common::ok_empty())
}
