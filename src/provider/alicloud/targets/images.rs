//! Data source `alicloud_images`: `DescribeImages` (by owner alias, OS type, architecture,
//! instance type, image id/name), filtered by `name_regex`; `most_recent` keeps the newest.

use serde_json::{Value, json};

use super::common::{self as c, Out};
use crate::provider::alicloud::{Api, DataOps};
use crate::provider::{Attrs, OpContext, ProviderError};

pub struct Images;

impl DataOps for Images {
    fn read(&self, api: &Api, ctx: &OpContext, config: &Attrs) -> Result<Attrs, ProviderError> {
        let mut p = crate::cloud::Params::new();
        c::put(&mut p, "ImageOwnerAlias", c::ne(config, &["owners"]));
        c::put(&mut p, "OSType", c::ne(config, &["os_type"]));
        c::put(&mut p, "Architecture", c::ne(config, &["architecture"]));
        c::put(&mut p, "InstanceType", c::ne(config, &["instance_type"]));
        c::put(&mut p, "ImageId", c::ne(config, &["image_id"]));
        c::put(&mut p, "ImageName", c::ne(config, &["image_name"]));
        c::put(&mut p, "Status", c::ne(config, &["status"]));
        let regex = c::name_filter(config)?;
        let mut images: Vec<Value> =
            c::all_pages(api, ctx, "DescribeImages", p, 100, "Images", "Image")?
                .into_iter()
                .filter(|i| {
                    regex
                        .as_ref()
                        .is_none_or(|r| r.is_match(&c::js(i, "ImageName")))
                })
                .collect();
        images.sort_by_key(|i| std::cmp::Reverse(c::js(i, "CreationTime")));
        if c::b(config, &["most_recent"]).unwrap_or(false) {
            images.truncate(1);
        }
        let ids: Vec<String> = images.iter().map(|i| c::js(i, "ImageId")).collect();
        let items: Vec<Value> = images
            .iter()
            .map(|i| {
                let disks: Vec<Value> = i
                    .get("DiskDeviceMappings")
                    .and_then(|d| d.get("DiskDeviceMapping"))
                    .and_then(Value::as_array)
                    .map(|a| a.iter().map(|d| json!({"device": c::js(d, "Device"), "size": c::js(d, "Size"), "snapshot_id": c::js(d, "SnapshotId"), "type": c::js(d, "Type")})).collect())
                    .unwrap_or_default();
                json!({
                    "id": c::js(i, "ImageId"),
                    "image_id": c::js(i, "ImageId"),
                    "name": c::js(i, "ImageName"),
                    "architecture": c::js(i, "Architecture"),
                    "creation_time": c::js(i, "CreationTime"),
                    "description": c::js(i, "Description"),
                    "image_owner_alias": c::js(i, "ImageOwnerAlias"),
                    "owner_alias": c::js(i, "ImageOwnerAlias"),
                    "os_type": c::js(i, "OSType"),
                    "os_name": c::js(i, "OSName"),
                    "os_name_en": c::js(i, "OSNameEn"),
                    "platform": c::js(i, "Platform"),
                    "status": c::js(i, "Status"),
                    "state": c::js(i, "Status"),
                    "size": c::ji(i, "Size"),
                    "image_family": c::js(i, "ImageFamily"),
                    "image_version": c::js(i, "ImageVersion"),
                    "is_subscribed": c::jb(i, "IsSubscribed"),
                    "is_copied": c::jb(i, "IsCopied"),
                    "is_self_shared": c::js(i, "IsSelfShared"),
                    "is_support_io_optimized": c::jb(i, "IsSupportIoOptimized"),
                    "is_support_cloud_init": c::jb(i, "IsSupportCloudinit"),
                    "progress": c::js(i, "Progress"),
                    "usage": c::js(i, "Usage"),
                    "product_code": c::js(i, "ProductCode"),
                    "boot_mode": c::js(i, "BootMode"),
                    "disk_device_mappings": disks,
                    "tags": {},
                })
            })
            .collect();
        let mut o = Out::new(&c::data_id(&ids), config);
        o.set("ids", json!(ids)).set("images", Value::Array(items));
        Ok(o.finish("alicloud_images", true))
    }
}
