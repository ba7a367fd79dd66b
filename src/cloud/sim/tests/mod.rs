//! API-level tests of the EIP family: for each rule a violating and a satisfying call, through
//! `SimCloud::open` + `CloudApi::call`, asserting Alibaba's code and the rule ID. Association
//! targets are inserted directly with `Ctx::insert` (kinds and attributes as the other families
//! write them).

mod allocation;
mod associations;
mod batch;
mod core;
mod groups;
mod pools;
mod provider;
mod recovery;
mod release;

use serde_json::{Value, json};

use super::{Obj, SimCloud, account};
use crate::cloud::{CloudApi, CloudError, Params};

/// A fresh world in a temporary directory.
pub struct World {
    _dir: tempfile::TempDir,
    pub cloud: SimCloud,
}

pub fn world() -> World {
    let dir = tempfile::tempdir().expect("tempdir");
    let cloud = SimCloud::open_with_faults(&dir.path().join("cloud.db"), None).expect("open");
    World { _dir: dir, cloud }
}

impl World {
    /// Calls `action` (RegionId cn-hangzhou unless given).
    pub fn call(&self, action: &str, args: &[(&str, &str)]) -> Result<Value, CloudError> {
        let mut p: Params = args
            .iter()
            .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
            .collect();
        p.entry("RegionId".into())
            .or_insert_with(|| "cn-hangzhou".into());
        self.cloud.call(action, &p)
    }

    pub fn ok(&self, action: &str, args: &[(&str, &str)]) -> Value {
        self.call(action, args)
            .unwrap_or_else(|e| panic!("{action} failed: {e}"))
    }

    pub fn err(&self, action: &str, args: &[(&str, &str)]) -> CloudError {
        match self.call(action, args) {
            Ok(v) => panic!("{action} should fail, answered {v}"),
            Err(e) => e,
        }
    }

    /// Allocates a default EIP and returns its id.
    pub fn eip(&self, args: &[(&str, &str)]) -> String {
        self.ok("AllocateEipAddress", args)["AllocationId"]
            .as_str()
            .unwrap()
            .to_string()
    }

    /// The DescribeEipAddresses item of `id`.
    pub fn describe(&self, id: &str) -> Option<Value> {
        let r = self.ok("DescribeEipAddresses", &[("AllocationId", id)]);
        r["EipAddresses"]["EipAddress"]
            .as_array()
            .and_then(|a| a.first().cloned())
    }

    pub fn set(&self, key: &str, value: &str) {
        self.cloud
            .with_ctx(|ctx| account::set(ctx, key, value))
            .unwrap();
    }

    /// Inserts a target object as the other families would.
    pub fn insert(&self, kind: &str, id: &str, region: &str, status: &str, attrs: Value) {
        let obj = Obj {
            id: id.into(),
            kind: kind.into(),
            region: region.into(),
            status: status.into(),
            attrs: attrs.as_object().cloned().unwrap(),
            created_at: "2024-01-01T00:00:00Z".into(),
            client_token: None,
        };
        self.cloud.with_ctx(|ctx| ctx.insert(&obj)).unwrap();
    }

    /// A VPC ECS instance (Running, no static public IP).
    pub fn instance(&self, id: &str) {
        self.insert(
            "instance",
            id,
            "cn-hangzhou",
            "Running",
            json!({"InstanceId": id, "VpcId": "vpc-1", "VSwitchId": "vsw-1", "PrimaryIpAddress": "10.0.0.5",
                   "PublicIpAddress": "", "NetworkType": "vpc", "NetworkInterfaceId": format!("eni-p-{id}")}),
        );
    }

    /// Binds EIP `id` to a new instance `instance` with transitions taking a minute: the EIP is
    /// left `Associating`.
    pub fn associate_slowly(&self, id: &str, instance: &str) {
        self.set("transition_ms", "60000");
        self.instance(instance);
        self.ok(
            "AssociateEipAddress",
            &[("AllocationId", id), ("InstanceId", instance)],
        );
        assert_eq!(self.describe(id).unwrap()["Status"], "Associating");
    }

    /// A secondary ENI with `ips` (the first is primary), attached to `instance` ("" = detached).
    pub fn eni(&self, id: &str, ips: &[&str], instance: &str) {
        self.insert(
            "eni",
            id,
            "cn-hangzhou",
            if instance.is_empty() { "Available" } else { "InUse" },
            json!({"NetworkInterfaceId": id, "VpcId": "vpc-1", "VSwitchId": "vsw-1", "PrimaryIpAddress": ips[0],
                   "PrivateIpSets": ips, "InstanceId": instance, "Type": "Secondary"}),
        );
    }
}

/// Asserts `e` carries `code` and rule `rule`, and names the rule in its message.
pub fn assert_rule(e: &CloudError, code: &str, rule: &str) {
    assert_eq!(e.code, code, "{e}");
    assert_eq!(e.rule.as_deref(), Some(rule), "{e}");
    assert!(e.message.contains(&format!("(rule {rule})")), "{e}");
}
