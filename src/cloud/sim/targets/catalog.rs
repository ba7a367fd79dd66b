//! The simulated cloud's fixed catalog: zones per region, ECS instance types, public images,
//! zones that offer enhanced NAT gateways, and the account's resource groups. Actions:
//! `DescribeZones`, `DescribeInstanceTypes`, `DescribeImages`, `ListResourceGroups`,
//! `ListEnhanhcedNatGatewayAvailableZones` (Alibaba's own spelling; the corrected spelling is
//! accepted too).

use serde_json::{Value, json};

use super::common::{self, ok, region};
use crate::cloud::sim::{Ctx, account};
use crate::cloud::{CloudError, Params, optional};

/// The resource group used when a create names none and the account lists none.
pub const DEFAULT_RESOURCE_GROUP: (&str, &str) = ("rg-acfmdefault0001", "default");

/// Zone letters of a region (`cn-hangzhou` -> `cn-hangzhou-b`, ..., `cn-hangzhou-k`).
fn zone_letters(region: &str) -> &'static [&'static str] {
    match region {
        "cn-hangzhou" => &["b", "e", "f", "g", "h", "i", "j", "k"],
        "cn-beijing" => &["a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l"],
        "cn-shanghai" => &["a", "b", "e", "f", "g", "l", "m", "n"],
        "cn-shenzhen" => &["a", "b", "c", "d", "e", "f"],
        "cn-qingdao" => &["b", "c"],
        "cn-zhangjiakou" => &["a", "b", "c"],
        "cn-hongkong" => &["b", "c", "d"],
        "ap-southeast-1" => &["a", "b", "c"],
        _ => &["a", "b"],
    }
}

/// The zone ids of `region`.
pub fn zones(region: &str) -> Vec<String> {
    zone_letters(region)
        .iter()
        .map(|l| format!("{region}-{l}"))
        .collect()
}

/// Zones where enhanced NAT gateways can be created: every zone but the oldest of large regions.
pub fn nat_zones(region: &str) -> Vec<String> {
    let all = zones(region);
    if all.len() > 4 {
        all[1..].to_vec()
    } else {
        all
    }
}

/// Checks that `zone` is a zone of `region`.
pub fn check_zone(region: &str, zone: &str) -> Result<(), CloudError> {
    if zones(region).iter().any(|z| z == zone) {
        return Ok(());
    }
    Err(CloudError::new(
        "InvalidZoneId.NotFound",
        format!(
            "The specified zone {zone:?} does not exist in region {region} (zones: {}).",
            zones(region).join(", ")
        ),
    ))
}

fn local_name(region: &str, zone: &str) -> String {
    let name = common::region_name(region);
    let city = if name.is_empty() { region } else { name };
    let letter = zone.rsplit('-').next().unwrap_or("").to_uppercase();
    format!("{city} Zone {letter}")
}

/// An ECS instance type: id, vCPUs, memory (GiB), family, ENIs, private IPs per ENI, GPUs.
pub struct InstanceType {
    pub id: &'static str,
    pub cpu: i64,
    pub memory: f64,
    pub family: &'static str,
    pub enis: i64,
    pub ips_per_eni: i64,
    pub gpu: i64,
}

const fn it(
    id: &'static str,
    cpu: i64,
    memory: f64,
    family: &'static str,
    enis: i64,
    gpu: i64,
) -> InstanceType {
    InstanceType {
        id,
        cpu,
        memory,
        family,
        enis,
        ips_per_eni: if enis > 2 { 10 } else { 6 },
        gpu,
    }
}

pub const INSTANCE_TYPES: &[InstanceType] = &[
    it("ecs.t5-lc1m1.small", 1, 1.0, "ecs.t5", 1, 0),
    it("ecs.t5-lc1m2.small", 1, 2.0, "ecs.t5", 1, 0),
    it("ecs.s6-c1m1.small", 1, 1.0, "ecs.s6", 2, 0),
    it("ecs.s6-c1m2.small", 1, 2.0, "ecs.s6", 2, 0),
    it("ecs.n1.small", 1, 2.0, "ecs.n1", 1, 0),
    it("ecs.n4.small", 1, 2.0, "ecs.n4", 1, 0),
    it("ecs.n4.large", 2, 4.0, "ecs.n4", 2, 0),
    it("ecs.sn1ne.large", 2, 4.0, "ecs.sn1ne", 2, 0),
    it("ecs.sn1ne.xlarge", 4, 8.0, "ecs.sn1ne", 3, 0),
    it("ecs.c6.large", 2, 4.0, "ecs.c6", 3, 0),
    it("ecs.g6.large", 2, 8.0, "ecs.g6", 3, 0),
    it("ecs.g6.xlarge", 4, 16.0, "ecs.g6", 4, 0),
    it("ecs.g7.large", 2, 8.0, "ecs.g7", 3, 0),
    it("ecs.r6.large", 2, 16.0, "ecs.r6", 3, 0),
    it("ecs.gn6i-c4g1.xlarge", 4, 15.0, "ecs.gn6i", 2, 1),
];

pub fn instance_type(id: &str) -> Option<&'static InstanceType> {
    INSTANCE_TYPES.iter().find(|t| t.id == id)
}

/// A public image: id (= name), OS type, OS name, creation date, size (GiB).
pub struct Image {
    pub id: &'static str,
    pub os_type: &'static str,
    pub os_name: &'static str,
    pub platform: &'static str,
    pub created: &'static str,
    pub size: i64,
}

const fn img(
    id: &'static str,
    os_type: &'static str,
    os_name: &'static str,
    platform: &'static str,
    created: &'static str,
    size: i64,
) -> Image {
    Image {
        id,
        os_type,
        os_name,
        platform,
        created,
        size,
    }
}

/// Newest first, as `DescribeImages` answers.
pub const IMAGES: &[Image] = &[
    img(
        "ubuntu_22_04_x64_20G_alibase_20240130.vhd",
        "linux",
        "Ubuntu  22.04 64 bit",
        "Ubuntu",
        "2024-01-30T00:00:00Z",
        20,
    ),
    img(
        "ubuntu_20_04_x64_20G_alibase_20240130.vhd",
        "linux",
        "Ubuntu  20.04 64 bit",
        "Ubuntu",
        "2024-01-30T00:00:00Z",
        20,
    ),
    img(
        "aliyun_3_x64_20G_alibase_20240130.vhd",
        "linux",
        "Alibaba Cloud Linux  3.2104 LTS 64 bit",
        "Aliyun",
        "2024-01-30T00:00:00Z",
        20,
    ),
    img(
        "centos_7_9_x64_20G_alibase_20240130.vhd",
        "linux",
        "CentOS  7.9 64 bit",
        "CentOS",
        "2024-01-30T00:00:00Z",
        20,
    ),
    img(
        "debian_12_x64_20G_alibase_20240130.vhd",
        "linux",
        "Debian  12.4 64 bit",
        "Debian",
        "2024-01-30T00:00:00Z",
        20,
    ),
    img(
        "win2019_1809_x64_dtc_en-us_40G_alibase_20240130.vhd",
        "windows",
        "Windows Server  2019 Datacenter 64 bit",
        "Windows Server 2019",
        "2024-01-30T00:00:00Z",
        40,
    ),
    img(
        "aliyun_2_1903_x64_20G_alibase_20230627.vhd",
        "linux",
        "Alibaba Cloud Linux  2.1903 LTS 64 bit",
        "Aliyun",
        "2023-06-27T00:00:00Z",
        20,
    ),
    img(
        "ubuntu_18_04_x64_20G_alibase_20230515.vhd",
        "linux",
        "Ubuntu  18.04 64 bit",
        "Ubuntu",
        "2023-05-15T00:00:00Z",
        20,
    ),
    img(
        "centos_7_06_64_20G_alibase_20190711.vhd",
        "linux",
        "CentOS  7.6 64 bit",
        "CentOS",
        "2019-07-11T00:00:00Z",
        20,
    ),
    img(
        "ubuntu_18_04_64_20G_alibase_20190624.vhd",
        "linux",
        "Ubuntu  18.04 64 bit",
        "Ubuntu",
        "2019-06-24T00:00:00Z",
        20,
    ),
];

pub fn image(id: &str) -> Option<&'static Image> {
    IMAGES.iter().find(|i| i.id == id)
}

pub const DISK_CATEGORIES: &[&str] = &[
    "cloud",
    "cloud_efficiency",
    "cloud_ssd",
    "cloud_essd",
    "cloud_auto",
];

const RESOURCE_TYPES: &[&str] = &[
    "Instance",
    "Disk",
    "VSwitch",
    "IoOptimized",
    "DedicatedHost",
    "Slb",
    "Rds",
    "Kvstore",
];

pub fn describe_zones(_ctx: &mut Ctx<'_>, params: &Params) -> Result<Value, CloudError> {
    let region = region(params)?;
    let types: Vec<&str> = INSTANCE_TYPES.iter().map(|t| t.id).collect();
    let items: Vec<Value> = zones(&region)
        .iter()
        .map(|z| {
            json!({
                "ZoneId": z,
                "LocalName": local_name(&region, z),
                "ZoneType": "AvailabilityZone",
                "AvailableResourceCreation": {"ResourceTypes": RESOURCE_TYPES},
                "AvailableDiskCategories": {"DiskCategories": DISK_CATEGORIES},
                "AvailableVolumeCategories": {"VolumeCategories": ["san_ssd", "san_efficiency"]},
                "AvailableInstanceTypes": {"InstanceTypes": types},
                "DedicatedHostGenerations": {"DedicatedHostGeneration": []},
                "AvailableDedicatedHostTypes": {"DedicatedHostType": []},
            })
        })
        .collect();
    Ok(ok(json!({"Zones": {"Zone": items}})))
}

pub fn describe_instance_types(_ctx: &mut Ctx<'_>, params: &Params) -> Result<Value, CloudError> {
    region(params)?;
    let wanted = common::repeated_or_list(params, "InstanceTypes");
    let family = optional(params, "InstanceTypeFamily");
    let items: Vec<Value> = INSTANCE_TYPES
        .iter()
        .filter(|t| wanted.is_empty() || wanted.iter().any(|w| w == t.id))
        .filter(|t| family.is_none_or(|f| t.family == f))
        .map(|t| {
            json!({
                "InstanceTypeId": t.id,
                "CpuCoreCount": t.cpu,
                "MemorySize": t.memory,
                "InstanceTypeFamily": t.family,
                "EniQuantity": t.enis,
                "EniPrivateIpAddressQuantity": t.ips_per_eni,
                "EniIpv6AddressQuantity": 1,
                "GPUAmount": t.gpu,
                "GPUSpec": if t.gpu > 0 { "NVIDIA T4" } else { "" },
                "LocalStorageCapacity": 0,
                "LocalStorageAmount": 0,
                "LocalStorageCategory": "",
                "PrimaryEniQueueNumber": t.cpu.min(8),
                "SecondaryEniQueueNumber": t.cpu.min(8),
                "NvmeSupport": "unsupported",
                "InitialCredit": if t.family == "ecs.t5" { 30 } else { 0 },
                "BaselineCredit": if t.family == "ecs.t5" { 10 } else { 0 },
                "InstanceBandwidthRx": 1024000,
                "InstanceBandwidthTx": 1024000,
            })
        })
        .collect();
    Ok(ok(
        json!({"InstanceTypes": {"InstanceType": items}, "NextToken": ""}),
    ))
}

pub fn describe_images(_ctx: &mut Ctx<'_>, params: &Params) -> Result<Value, CloudError> {
    let region = region(params)?;
    let (number, size) = common::paging(params, 100)?;
    let ids = common::id_list(params, "ImageId");
    let name = optional(params, "ImageName");
    let owner = optional(params, "ImageOwnerAlias");
    let os_type = optional(params, "OSType");
    let arch = optional(params, "Architecture");
    if let Some(t) = optional(params, "InstanceType")
        && instance_type(t).is_none()
    {
        return Err(CloudError::new(
            "InvalidInstanceType.NotFound",
            format!("The instance type {t:?} does not exist."),
        ));
    }
    let items: Vec<Value> = IMAGES
        .iter()
        .filter(|i| ids.is_empty() || ids.iter().any(|w| w == i.id))
        .filter(|i| name.is_none_or(|n| i.id == n))
        .filter(|_| owner.is_none_or(|o| o.split(',').any(|o| o == "system")))
        .filter(|i| os_type.is_none_or(|o| i.os_type == o))
        .filter(|_| arch.is_none_or(|a| a == "x86_64"))
        .map(|i| {
            json!({
                "ImageId": i.id,
                "ImageName": i.id,
                "ImageFamily": "",
                "ImageVersion": "",
                "Description": "",
                "OSType": i.os_type,
                "OSName": i.os_name,
                "OSNameEn": i.os_name,
                "Platform": i.platform,
                "Architecture": "x86_64",
                "ImageOwnerAlias": "system",
                "ImageOwnerId": 0,
                "CreationTime": i.created,
                "Size": i.size,
                "Status": "Available",
                "Progress": "100%",
                "Usage": "instance",
                "IsSubscribed": false,
                "IsCopied": false,
                "IsSelfShared": "",
                "IsSupportIoOptimized": true,
                "IsSupportCloudinit": true,
                "ProductCode": "",
                "BootMode": "BIOS",
                "RegionId": region,
                "DiskDeviceMappings": {"DiskDeviceMapping": [{"Device": "/dev/xvda", "Size": i.size.to_string(), "Type": "system", "Format": "", "ImportOSSBucket": "", "ImportOSSObject": "", "SnapshotId": ""}]},
                "Tags": {"Tag": []},
            })
        })
        .collect();
    Ok(common::page_of(items, number, size, "Images", "Image"))
}

/// The display name of a group known only by id: `rg-acfmprod00002` -> `prod`.
fn name_of(id: &str, first: bool) -> String {
    if first {
        return DEFAULT_RESOURCE_GROUP.1.to_string();
    }
    let core = id
        .trim_start_matches("rg-")
        .trim_start_matches("acfm")
        .trim_end_matches(|c: char| c.is_ascii_digit());
    if core.is_empty() {
        id.to_string()
    } else {
        core.to_string()
    }
}

/// The account's resource groups as `(id, name, display name)`: the account setting
/// `account.resource_groups` (ids, or objects `{id, name}`), else meta `resource_groups`, else
/// the default groups. The first is the default group.
pub fn resource_groups(ctx: &Ctx<'_>) -> Vec<(String, String, String)> {
    let stored = ["account.resource_groups", "resource_groups"]
        .iter()
        .find_map(|k| {
            ctx.meta(k)
                .ok()
                .flatten()
                .and_then(|t| serde_json::from_str::<Value>(&t).ok())
        });
    let items: Vec<Value> = match stored {
        Some(Value::Array(items)) => items,
        _ => account::resource_groups(ctx)
            .unwrap_or_default()
            .into_iter()
            .map(Value::String)
            .collect(),
    };
    items
        .iter()
        .enumerate()
        .filter_map(|(i, g)| {
            if let Some(id) = g.as_str() {
                let name = name_of(id, i == 0);
                return Some((id.to_string(), name.clone(), name));
            }
            let field = |names: &[&str]| {
                names
                    .iter()
                    .find_map(|n| g.get(*n).and_then(Value::as_str))
                    .map(str::to_string)
            };
            let id = field(&["id", "Id", "ResourceGroupId"])?;
            let name = field(&["name", "Name"]).unwrap_or_else(|| name_of(&id, i == 0));
            let display = field(&["display_name", "DisplayName"]).unwrap_or_else(|| name.clone());
            Some((id, name, display))
        })
        .collect()
}

/// The id of the account's default resource group (the first listed).
pub fn default_resource_group(ctx: &Ctx<'_>) -> String {
    resource_groups(ctx)
        .into_iter()
        .next()
        .map(|g| g.0)
        .unwrap_or_else(|| DEFAULT_RESOURCE_GROUP.0.to_string())
}

pub fn list_resource_groups(ctx: &mut Ctx<'_>, params: &Params) -> Result<Value, CloudError> {
    let (number, size) = common::paging(params, 100)?;
    let status = optional(params, "Status");
    let name = optional(params, "Name");
    let ids = common::id_list(params, "ResourceGroupIds");
    let created = common::now(ctx);
    // Newest group first, so the account's default group (the oldest) comes last: a
    // configuration that picks `ids.0` moves its resources out of the default group, as the
    // upstream acceptance tests expect of a real account.
    let items: Vec<Value> = resource_groups(ctx)
        .into_iter()
        .rev()
        .filter(|_| status.is_none_or(|s| s == "OK"))
        .filter(|(_, n, _)| name.is_none_or(|want| want == n))
        .filter(|(id, _, _)| ids.is_empty() || ids.contains(id))
        .map(|(id, name, display)| {
            json!({
                "Id": id, "Name": name, "DisplayName": display, "Status": "OK",
                "AccountId": "1234567890123456", "CreateDate": created,
                "RegionStatuses": {"RegionStatus": []},
            })
        })
        .collect();
    Ok(common::page_of(
        items,
        number,
        size,
        "ResourceGroups",
        "ResourceGroup",
    ))
}

pub fn list_nat_zones(_ctx: &mut Ctx<'_>, params: &Params) -> Result<Value, CloudError> {
    let region = region(params)?;
    let items: Vec<Value> = nat_zones(&region)
        .iter()
        .map(|z| json!({"ZoneId": z, "LocalName": local_name(&region, z)}))
        .collect();
    Ok(ok(json!({"Zones": items})))
}

/// The `ResourceGroupId` of a create: the named group, which must exist (rule A11, checked by
/// [`account::check_resource_group`]), or the account's default group.
pub fn resource_group_param(ctx: &Ctx<'_>, params: &Params) -> Result<String, CloudError> {
    match optional(params, "ResourceGroupId") {
        Some(group) => {
            account::check_resource_group(ctx, group)?;
            Ok(group.to_string())
        }
        None => Ok(default_resource_group(ctx)),
    }
}
