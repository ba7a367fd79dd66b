//! `alicloud_instance` (ECS): `RunInstances` (then `StopInstance` when `status = "Stopped"`),
//! `DescribeInstances` (100 ids a call), `ModifyInstanceAttribute`,
//! `ModifyInstanceNetworkSpec` (bandwidth; 0 -> >0 gives a static public IP),
//! `ModifyInstanceVpcAttribute` (stop, modify, start), `ModifyInstanceSpec`,
//! `ReplaceSystemDisk`, `ResizeDisk`, `AssignPrivateIpAddresses`/`UnassignPrivateIpAddresses`
//! on the primary ENI, `JoinResourceGroup`, tags, `DeleteInstance` (`Force=true`).
//!
//! `public_ip` is the static public IP ("" when there is none); an associated EIP is not shown.

use serde_json::{Value, json};

use super::common::{self as c, Out};
use crate::cloud::Params;
use crate::provider::alicloud::{Api, ResourceOps};
use crate::provider::{Attrs, Deleted, OpContext, ProviderError, ReadItem};

pub struct Instance;

const TYPE: &str = "alicloud_instance";

fn disk_out(disk: &Value, src: Option<&Value>) -> Value {
    let src: Attrs = src
        .and_then(Value::as_object)
        .cloned()
        .map(Attrs::from)
        .unwrap_or_default();
    let mut o = Out::new("", &src);
    o.opt("name", c::js(disk, "DiskName"))
        .set("size", c::ji(disk, "Size"))
        .set("category", c::js(disk, "Category"))
        .set("encrypted", c::jb(disk, "Encrypted"))
        .opt("kms_key_id", c::js(disk, "KMSKeyId"))
        .opt("snapshot_id", c::js(disk, "SnapshotId"))
        .echo("auto_snapshot_policy_id")
        .set("delete_with_instance", c::jb(disk, "DeleteWithInstance"))
        .opt("description", c::js(disk, "Description"))
        .opt("performance_level", c::js(disk, "PerformanceLevel"))
        .set("device", c::js(disk, "Device"));
    let mut m = o.finish("", false);
    m.remove("id");
    // A disk the configuration declares answers with the keys it declares, so the block compares
    // equal to the configuration; an imported disk shows everything.
    if !src.is_empty() {
        m.retain(|k, _| src.contains_key(k));
    }
    Value::from(m)
}

fn to_attrs(item: &Value, src: &Attrs) -> Attrs {
    let mut o = Out::new(&c::js(item, "InstanceId"), src);
    let vpc = item.get("VpcAttributes").cloned().unwrap_or(Value::Null);
    let primary_ip = c::jlist(&vpc, "PrivateIpAddress", "IpAddress")
        .into_iter()
        .next()
        .or_else(|| {
            c::jlist(item, "InnerIpAddress", "IpAddress")
                .into_iter()
                .next()
        })
        .unwrap_or_default();
    let public_ip = c::jlist(item, "PublicIpAddress", "IpAddress")
        .into_iter()
        .next()
        .unwrap_or_default();
    let nics = item
        .get("NetworkInterfaces")
        .and_then(|n| n.get("NetworkInterface"))
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let primary_nic = nics
        .iter()
        .find(|n| c::js(n, "Type") == "Primary")
        .cloned()
        .unwrap_or(Value::Null);
    let secondary_ips: Vec<String> = primary_nic
        .get("PrivateIpSets")
        .and_then(|s| s.get("PrivateIpSet"))
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter(|i| !c::jb(i, "Primary"))
                .map(|i| c::js(i, "PrivateIpAddress"))
                .collect()
        })
        .unwrap_or_default();
    let ipv6: Vec<String> = c::jlist(&primary_nic, "Ipv6Sets", "Ipv6Set");
    let sys = item.get("SystemDisk").cloned().unwrap_or(Value::Null);
    let src_disks = src
        .get("data_disks")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let disks: Vec<Value> = item
        .get("DataDisks")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .enumerate()
                .map(|(i, d)| disk_out(d, src_disks.get(i)))
                .collect()
        })
        .unwrap_or_default();
    let charge = c::js(item, "InstanceChargeType");
    o.set("availability_zone", c::js(item, "ZoneId"))
        .set("image_id", c::js(item, "ImageId"))
        .set("instance_type", c::js(item, "InstanceType"))
        .set("instance_name", c::js(item, "InstanceName"))
        .opt("description", c::js(item, "Description"))
        .set("host_name", c::js(item, "HostName"))
        .echo("password")
        .echo("kms_encrypted_password")
        .echo("kms_encryption_context")
        .set("key_name", c::js(item, "KeyPairName"))
        .echo_or("role_name", "")
        .echo("user_data")
        .set("resource_group_id", c::js(item, "ResourceGroupId"))
        .set(
            "security_groups",
            json!(c::jlist(item, "SecurityGroupIds", "SecurityGroupId")),
        )
        .set("vswitch_id", c::js(&vpc, "VSwitchId"))
        .set("vpc_id", c::js(&vpc, "VpcId"))
        .set("private_ip", primary_ip.clone())
        .set("internet_charge_type", c::js(item, "InternetChargeType"))
        .set(
            "internet_max_bandwidth_out",
            c::ji(item, "InternetMaxBandwidthOut"),
        )
        .set(
            "internet_max_bandwidth_in",
            c::ji(item, "InternetMaxBandwidthIn"),
        )
        .echo("allocate_public_ip")
        .set("instance_charge_type", charge.clone())
        .echo_or(
            "period",
            if charge == "PrePaid" {
                json!(1)
            } else {
                Value::Null
            },
        )
        .echo_or("period_unit", "Month")
        .echo_or("renewal_status", "Normal")
        .echo_or("auto_renew_period", 0)
        .echo("include_data_disks")
        .echo("dry_run")
        .echo("force_delete")
        .opt("deletion_protection", c::jb(item, "DeletionProtection"))
        .set("status", c::js(item, "Status"))
        .set("stopped_mode", c::js(item, "StoppedMode"))
        .set("system_disk_category", c::js(&sys, "Category"))
        .set("system_disk_size", c::ji(&sys, "Size"))
        .set("system_disk_name", c::js(&sys, "DiskName"))
        .set("system_disk_description", c::js(&sys, "Description"))
        .set(
            "system_disk_performance_level",
            c::js(&sys, "PerformanceLevel"),
        )
        .echo("system_disk_auto_snapshot_policy_id")
        .echo("system_disk_storage_cluster_id")
        .echo("system_disk_encrypted")
        .echo("system_disk_kms_key_id")
        .echo("system_disk_encrypt_algorithm")
        .set("system_disk_id", c::js(&sys, "DiskId"))
        .set("spot_strategy", c::js(item, "SpotStrategy"))
        .echo_or("spot_price_limit", 0)
        .echo_or("spot_duration", 1)
        .echo("security_enhancement_strategy")
        .set("credit_specification", c::js(item, "CreditSpecification"))
        .echo("auto_release_time")
        .echo("deployment_set_id")
        .set("deployment_set_group_no", "")
        .echo("dedicated_host_id")
        .echo("hpc_cluster_id")
        .echo_or("launch_template_id", "")
        .echo_or("launch_template_name", "")
        .echo("launch_template_version")
        .echo("operator_type")
        .set("secondary_private_ips", json!(secondary_ips))
        .set("secondary_private_ip_address_count", secondary_ips.len())
        .set("ipv6_address_count", ipv6.len())
        .set("ipv6_addresses", json!(ipv6))
        .set(
            "network_interface_id",
            c::js(&primary_nic, "NetworkInterfaceId"),
        )
        .echo_or("enable_jumbo_frame", false)
        .echo_or("maintenance_action", "AutoRecover")
        .echo("maintenance_notify")
        .echo_or("http_endpoint", "enabled")
        .echo_or("http_tokens", "optional")
        .echo_or("http_put_response_hop_limit", 1)
        .echo("is_outdated")
        .opt("tags", c::jtags(item))
        .echo_or("volume_tags", json!({}))
        .set("public_ip", public_ip)
        .set("primary_ip_address", primary_ip)
        .set("cpu", c::ji(item, "Cpu"))
        .set("memory", c::ji(item, "Memory"))
        .set("os_type", c::js(item, "OSType"))
        .set("os_name", c::js(item, "OSName"))
        .set("create_time", c::js(item, "CreationTime"))
        .set("start_time", c::js(item, "StartTime"))
        .set("expired_time", c::js(item, "ExpiredTime"))
        .set(
            "data_disks",
            if disks.is_empty() && src.get("data_disks").is_none_or(Value::is_null) {
                Value::Null
            } else {
                json!(disks)
            },
        )
        .echo_or("network_interfaces", Value::Null)
        .echo("maintenance_time");
    o.finish(TYPE, false)
}

/// What RunInstances leaves to the cloud and its answer (only the id) does not tell: addresses,
/// the primary ENI and system disk, the zone and VPC of the vSwitch, the type's CPU and memory,
/// the image's OS, the times.
const PICKED_BY_CLOUD: &[&str] = &[
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

/// The attributes of a running instance this provider just created (no data disks, secondary
/// private IPs or stop), from its arguments, as DescribeInstances would answer them; what the
/// cloud picks ([`PICKED_BY_CLOUD`], and the defaults of arguments left unset that depend on
/// the image or instance type) waits for a read.
fn created(id: &str, config: &Attrs) -> Attrs {
    let ne = |k: &str| c::ne(config, &[k]);
    let bandwidth_out = c::n(config, &["internet_max_bandwidth_out"]).unwrap_or(0);
    let secondary_count = c::n(config, &["secondary_private_ip_address_count"]).unwrap_or(0);
    let item = json!({
        "InstanceId": id,
        "InstanceName": ne("instance_name").unwrap_or_else(|| id.to_string()),
        "Description": ne("description").unwrap_or_default(),
        "HostName": ne("host_name").unwrap_or_default(),
        "ImageId": c::s(config, &["image_id"]).unwrap_or_default(),
        "InstanceType": c::s(config, &["instance_type"]).unwrap_or_default(),
        "Status": "Running",
        "VpcAttributes": {"VSwitchId": ne("vswitch_id").unwrap_or_default()},
        "PublicIpAddress": {"IpAddress": []},
        "SecurityGroupIds": {"SecurityGroupId": c::list(config, &["security_groups"]).unwrap_or_default()},
        "NetworkInterfaces": {"NetworkInterface": [{"Type": "Primary", "PrivateIpSets": {"PrivateIpSet": []}, "Ipv6Sets": {"Ipv6Set": []}}]},
        "InternetChargeType": ne("internet_charge_type").unwrap_or_else(|| "PayByTraffic".into()),
        "InternetMaxBandwidthOut": bandwidth_out,
        "InternetMaxBandwidthIn": c::n(config, &["internet_max_bandwidth_in"]).unwrap_or(0),
        "InstanceChargeType": ne("instance_charge_type").unwrap_or_else(|| "PostPaid".into()),
        "SpotStrategy": ne("spot_strategy").unwrap_or_else(|| "NoSpot".into()),
        "DeletionProtection": c::b(config, &["deletion_protection"]).unwrap_or(false),
        "KeyPairName": ne("key_name").unwrap_or_default(),
        "CreditSpecification": ne("credit_specification").unwrap_or_default(),
        "ResourceGroupId": ne("resource_group_id").unwrap_or_default(),
        "SystemDisk": {
            "Category": ne("system_disk_category").unwrap_or_default(),
            "Size": c::n(config, &["system_disk_size"]).unwrap_or(0),
            "DiskName": ne("system_disk_name").unwrap_or_default(),
            "Description": ne("system_disk_description").unwrap_or_default(),
            "PerformanceLevel": ne("system_disk_performance_level").unwrap_or_default(),
        },
        "Tags": c::tag_items(config),
    });
    let mut a = to_attrs(&item, config);
    let mut deferred = PICKED_BY_CLOUD.to_vec();
    // Arguments whose default the cloud derives (a generated host name, the account's resource
    // group, the instance type's or image's disk and credit settings).
    deferred.extend(
        [
            "host_name",
            "resource_group_id",
            "internet_max_bandwidth_in",
            "credit_specification",
            "system_disk_category",
            "system_disk_size",
            "system_disk_performance_level",
        ]
        .into_iter()
        .filter(|arg| c::val(config, &[arg]).is_none_or(|v| v.as_str() == Some(""))),
    );
    if bandwidth_out > 0 {
        deferred.push("public_ip");
    }
    if secondary_count > 0 {
        deferred.extend([
            "secondary_private_ips",
            "secondary_private_ip_address_count",
        ]);
    }
    // All at once: each deferral builds the object again.
    c::defer(&mut a, &deferred);
    a
}

fn describe(api: &Api, ctx: &OpContext, mut p: Params) -> Result<Value, ProviderError> {
    p.insert("PageSize".into(), "100".into());
    api.call(ctx, "DescribeInstances", p)
}

fn fetch(
    api: &Api,
    ctx: &OpContext,
    ids: &[String],
) -> Result<foldhash::HashMap<String, Value>, ProviderError> {
    let list = serde_json::to_string(ids).unwrap_or_default();
    let answer = describe(api, ctx, c::params(&[("InstanceIds", &list)]))?;
    Ok(c::by_id(answer, "Instances", "Instance", "InstanceId"))
}

fn item(api: &Api, ctx: &OpContext, id: &str) -> Result<Value, ProviderError> {
    fetch(api, ctx, &[id.to_string()])?
        .remove(id)
        .ok_or_else(|| {
            ProviderError::Invalid(format!(
                "instance {id} disappeared right after it was changed"
            ))
        })
}

fn stop(api: &Api, ctx: &OpContext, id: &str, config: &Attrs) -> Result<(), ProviderError> {
    let mut p = c::params(&[("InstanceId", id)]);
    c::put(
        &mut p,
        "StoppedMode",
        c::ne(config, &["stopped_mode"]).filter(|m| m != "Not-applicable"),
    );
    api.call(ctx, "StopInstance", p)?;
    Ok(())
}

fn start(api: &Api, ctx: &OpContext, id: &str) -> Result<(), ProviderError> {
    api.call(ctx, "StartInstance", c::params(&[("InstanceId", id)]))?;
    Ok(())
}

fn data_disk_params(p: &mut Params, config: &Attrs) {
    let disks = config
        .get("data_disks")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    for (i, d) in disks.iter().enumerate() {
        let d = d.as_object().cloned().unwrap_or_default();
        let n = i + 1;
        c::put(p, &format!("DataDisk.{n}.Size"), c::n(&d, &["size"]));
        c::put(
            p,
            &format!("DataDisk.{n}.Category"),
            c::ne(&d, &["category"]),
        );
        c::put(p, &format!("DataDisk.{n}.DiskName"), c::ne(&d, &["name"]));
        c::put(
            p,
            &format!("DataDisk.{n}.Description"),
            c::ne(&d, &["description"]),
        );
        c::put(
            p,
            &format!("DataDisk.{n}.Encrypted"),
            c::b(&d, &["encrypted"]),
        );
        c::put(
            p,
            &format!("DataDisk.{n}.KMSKeyId"),
            c::ne(&d, &["kms_key_id"]),
        );
        c::put(
            p,
            &format!("DataDisk.{n}.SnapshotId"),
            c::ne(&d, &["snapshot_id"]),
        );
        c::put(
            p,
            &format!("DataDisk.{n}.PerformanceLevel"),
            c::ne(&d, &["performance_level"]),
        );
        c::put(
            p,
            &format!("DataDisk.{n}.DeleteWithInstance"),
            c::b(&d, &["delete_with_instance"]),
        );
    }
}

fn run_params(config: &Attrs) -> Params {
    let mut p = Params::new();
    c::put(&mut p, "ImageId", c::s(config, &["image_id"]));
    c::put(&mut p, "InstanceType", c::s(config, &["instance_type"]));
    c::put(&mut p, "InstanceName", c::ne(config, &["instance_name"]));
    c::put(&mut p, "Description", c::ne(config, &["description"]));
    c::put(&mut p, "HostName", c::ne(config, &["host_name"]));
    c::put(&mut p, "Password", c::ne(config, &["password"]));
    c::put(&mut p, "KeyPairName", c::ne(config, &["key_name"]));
    c::put(&mut p, "UserData", c::ne(config, &["user_data"]));
    c::put(
        &mut p,
        "ResourceGroupId",
        c::ne(config, &["resource_group_id"]),
    );
    c::put_list(
        &mut p,
        "SecurityGroupIds",
        &c::list(config, &["security_groups"]).unwrap_or_default(),
    );
    match c::ne(config, &["vswitch_id"]) {
        Some(vsw) => {
            p.insert("VSwitchId".into(), vsw);
            c::put(&mut p, "PrivateIpAddress", c::ne(config, &["private_ip"]));
        }
        None => c::put(&mut p, "ZoneId", c::ne(config, &["availability_zone"])),
    }
    c::put(
        &mut p,
        "InternetChargeType",
        c::ne(config, &["internet_charge_type"]),
    );
    c::put(
        &mut p,
        "InternetMaxBandwidthOut",
        c::n(config, &["internet_max_bandwidth_out"]),
    );
    c::put(
        &mut p,
        "InternetMaxBandwidthIn",
        c::n(config, &["internet_max_bandwidth_in"]),
    );
    c::put(
        &mut p,
        "InstanceChargeType",
        c::ne(config, &["instance_charge_type"]),
    );
    c::put(&mut p, "Period", c::n(config, &["period"]));
    c::put(&mut p, "PeriodUnit", c::ne(config, &["period_unit"]));
    c::put(&mut p, "SpotStrategy", c::ne(config, &["spot_strategy"]));
    c::put(
        &mut p,
        "SystemDisk.Category",
        c::ne(config, &["system_disk_category"]),
    );
    c::put(
        &mut p,
        "SystemDisk.Size",
        c::n(config, &["system_disk_size"]),
    );
    c::put(
        &mut p,
        "SystemDisk.DiskName",
        c::ne(config, &["system_disk_name"]),
    );
    c::put(
        &mut p,
        "SystemDisk.Description",
        c::ne(config, &["system_disk_description"]),
    );
    c::put(
        &mut p,
        "SystemDisk.PerformanceLevel",
        c::ne(config, &["system_disk_performance_level"]),
    );
    c::put(
        &mut p,
        "DeletionProtection",
        c::b(config, &["deletion_protection"]),
    );
    c::put(
        &mut p,
        "CreditSpecification",
        c::ne(config, &["credit_specification"]),
    );
    c::put(
        &mut p,
        "SecurityEnhancementStrategy",
        c::ne(config, &["security_enhancement_strategy"]),
    );
    c::put(
        &mut p,
        "NetworkInterface.1.SecondaryPrivateIpAddressCount",
        c::n(config, &["secondary_private_ip_address_count"]),
    );
    data_disk_params(&mut p, config);
    c::put_tags(&mut p, config);
    p
}

/// Brings the primary ENI's secondary private IPs to `config`'s `secondary_private_ips`.
fn sync_secondary_ips(
    api: &Api,
    ctx: &OpContext,
    current: &Value,
    config: &Attrs,
) -> Result<(), ProviderError> {
    let Some(want) = c::list(config, &["secondary_private_ips"]) else {
        return Ok(());
    };
    let attrs = to_attrs(current, &Attrs::new());
    let eni = c::s(&attrs, &["network_interface_id"]).unwrap_or_default();
    let have = c::list(&attrs, &["secondary_private_ips"]).unwrap_or_default();
    let remove: Vec<String> = have
        .iter()
        .filter(|ip| !want.contains(ip))
        .cloned()
        .collect();
    let add: Vec<String> = want
        .iter()
        .filter(|ip| !have.contains(ip))
        .cloned()
        .collect();
    if !remove.is_empty() {
        let mut p = c::params(&[("NetworkInterfaceId", &eni)]);
        c::put_list(&mut p, "PrivateIpAddress", &remove);
        api.call(ctx, "UnassignPrivateIpAddresses", p)?;
    }
    if !add.is_empty() {
        let mut p = c::params(&[("NetworkInterfaceId", &eni)]);
        c::put_list(&mut p, "PrivateIpAddress", &add);
        api.call(ctx, "AssignPrivateIpAddresses", p)?;
    }
    Ok(())
}

impl ResourceOps for Instance {
    fn create(&self, api: &Api, ctx: &OpContext, config: &Attrs) -> Result<Attrs, ProviderError> {
        let answer = api.mutate(ctx, "RunInstances", "", run_params(config))?;
        let id = c::jlist(&answer, "InstanceIdSets", "InstanceIdSet")
            .into_iter()
            .next()
            .unwrap_or_default();
        let secondary = c::list(config, &["secondary_private_ips"]).is_some_and(|l| !l.is_empty());
        if secondary {
            sync_secondary_ips(api, ctx, &item(api, ctx, &id)?, config)?;
        }
        let stopped = c::s(config, &["status"]).as_deref() == Some("Stopped");
        if stopped {
            stop(api, ctx, &id, config)?;
        }
        let disks = config
            .get("data_disks")
            .and_then(Value::as_array)
            .is_some_and(|d| !d.is_empty());
        if secondary || stopped || disks {
            // Addresses, disk ids and a stop in progress: only a read tells them.
            return Ok(to_attrs(&item(api, ctx, &id)?, config));
        }
        if ctx.outcome_only {
            return Ok(crate::provider::alicloud::api::attrs::id_only(id));
        }
        Ok(created(&id, config))
    }

    fn read(
        &self,
        api: &Api,
        ctx: &OpContext,
        items: &[ReadItem],
    ) -> Result<Vec<Option<Attrs>>, ProviderError> {
        c::read_batched(
            items,
            100,
            |ids| fetch(api, ctx, ids),
            |item, prior| Ok(to_attrs(item, prior)),
        )
    }

    fn update(
        &self,
        api: &Api,
        ctx: &OpContext,
        id: &str,
        prior: &Attrs,
        config: &Attrs,
        changed: &[String],
    ) -> Result<Attrs, ProviderError> {
        let current = item(api, ctx, id)?;
        let mut running = c::js(&current, "Status") == "Running";
        // Changes that need a stopped instance: stop once, then start again unless the config
        // wants it stopped.
        let needs_stop = c::any(
            changed,
            &[
                "vswitch_id",
                "private_ip",
                "vpc_id",
                "instance_type",
                "image_id",
            ],
        );
        if needs_stop && running {
            stop(api, ctx, id, config)?;
            running = false;
        }
        if c::any(changed, &["vswitch_id", "private_ip", "vpc_id"]) {
            let vsw = c::ne(config, &["vswitch_id"]).ok_or_else(|| {
                ProviderError::Invalid("vswitch_id cannot be changed to an empty value".to_string())
            })?;
            let mut p = c::params(&[("InstanceId", id), ("VSwitchId", &vsw)]);
            c::put(
                &mut p,
                "PrivateIpAddress",
                c::ne(config, &["private_ip"]).filter(|_| c::any(changed, &["private_ip"])),
            );
            if c::any(changed, &["vpc_id"]) {
                c::put(&mut p, "VpcId", c::ne(config, &["vpc_id"]));
                c::put_list(
                    &mut p,
                    "SecurityGroupId",
                    &c::list(config, &["security_groups"]).unwrap_or_default(),
                );
            }
            api.call(ctx, "ModifyInstanceVpcAttribute", p)?;
        }
        if c::any(changed, &["instance_type"]) {
            let t = c::s(config, &["instance_type"]).unwrap_or_default();
            api.call(
                ctx,
                "ModifyInstanceSpec",
                c::params(&[("InstanceId", id), ("InstanceType", &t)]),
            )?;
        }
        if c::any(changed, &["image_id"]) {
            let image = c::s(config, &["image_id"]).unwrap_or_default();
            let mut p = c::params(&[("InstanceId", id), ("ImageId", &image)]);
            c::put(
                &mut p,
                "SystemDisk.Size",
                c::n(config, &["system_disk_size"]),
            );
            api.call(ctx, "ReplaceSystemDisk", p)?;
        } else if c::any(changed, &["system_disk_size"])
            && let Some(size) = c::n(config, &["system_disk_size"])
        {
            let disk = c::js(current.get("SystemDisk").unwrap_or(&Value::Null), "DiskId");
            api.call(
                ctx,
                "ResizeDisk",
                c::params(&[("DiskId", &disk), ("NewSize", &size.to_string())]),
            )?;
        }
        let attr_keys = [
            "instance_name",
            "description",
            "host_name",
            "password",
            "user_data",
            "deletion_protection",
            "credit_specification",
            "security_groups",
        ];
        if c::any(changed, &attr_keys) {
            let mut p = c::params(&[("InstanceId", id)]);
            for (key, param) in [
                ("instance_name", "InstanceName"),
                ("description", "Description"),
                ("host_name", "HostName"),
                ("password", "Password"),
                ("user_data", "UserData"),
                ("credit_specification", "CreditSpecification"),
            ] {
                if c::any(changed, &[key]) {
                    c::put(
                        &mut p,
                        param,
                        Some(c::s(config, &[key]).unwrap_or_default()),
                    );
                }
            }
            if c::any(changed, &["deletion_protection"]) {
                c::put(
                    &mut p,
                    "DeletionProtection",
                    Some(c::b(config, &["deletion_protection"]).unwrap_or(false)),
                );
            }
            if c::any(changed, &["security_groups"]) {
                c::put_list(
                    &mut p,
                    "SecurityGroupIds",
                    &c::list(config, &["security_groups"]).unwrap_or_default(),
                );
            }
            api.call(ctx, "ModifyInstanceAttribute", p)?;
        }
        if c::any(
            changed,
            &[
                "internet_max_bandwidth_out",
                "internet_max_bandwidth_in",
                "internet_charge_type",
            ],
        ) {
            let mut p = c::params(&[("InstanceId", id)]);
            c::put(
                &mut p,
                "InternetMaxBandwidthOut",
                c::n(config, &["internet_max_bandwidth_out"])
                    .or(Some(0))
                    .filter(|_| c::any(changed, &["internet_max_bandwidth_out"])),
            );
            c::put(
                &mut p,
                "InternetMaxBandwidthIn",
                c::n(config, &["internet_max_bandwidth_in"])
                    .filter(|_| c::any(changed, &["internet_max_bandwidth_in"])),
            );
            c::put(
                &mut p,
                "NetworkChargeType",
                c::ne(config, &["internet_charge_type"])
                    .filter(|_| c::any(changed, &["internet_charge_type"])),
            );
            api.call(ctx, "ModifyInstanceNetworkSpec", p)?;
        }
        if c::any(changed, &["secondary_private_ips"]) {
            sync_secondary_ips(api, ctx, &item(api, ctx, id)?, config)?;
        }
        if c::any(changed, &["resource_group_id"])
            && let Some(group) = c::ne(config, &["resource_group_id"])
        {
            let p = c::params(&[
                ("ResourceId", id),
                ("ResourceGroupId", &group),
                ("ResourceType", "instance"),
            ]);
            api.call(ctx, "JoinResourceGroup", p)?;
        }
        if c::any(changed, &["tags"]) {
            c::update_tags(api, ctx, id, "instance", "UntagResources", prior, config)?;
        }
        let want_stopped = c::s(config, &["status"]).as_deref() == Some("Stopped");
        if want_stopped && running {
            stop(api, ctx, id, config)?;
        } else if !want_stopped && !running {
            start(api, ctx, id)?;
        }
        Ok(to_attrs(&item(api, ctx, id)?, config))
    }

    fn delete(
        &self,
        api: &Api,
        ctx: &OpContext,
        id: &str,
        _prior: &Attrs,
    ) -> Result<Deleted, ProviderError> {
        c::delete(
            api,
            ctx,
            "DeleteInstance",
            c::params(&[("InstanceId", id), ("Force", "true")]),
        )
    }

    fn find_by_token(
        &self,
        api: &Api,
        ctx: &OpContext,
        token: &str,
    ) -> Result<Option<Attrs>, ProviderError> {
        let answer = describe(api, ctx, c::params(&[("ClientToken", token)]))?;
        Ok(c::by_id(answer, "Instances", "Instance", "InstanceId")
            .values()
            .next()
            .map(|i| to_attrs(i, &Attrs::new())))
    }
}
