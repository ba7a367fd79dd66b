//! The `eipform cloud ...` commands, as library calls (the CLI is a thin shell over these):
//! inspect the world ([`list`], [`show`], [`dump`]), read and change the account and the clock,
//! and make out-of-band changes that go through the same API actions (and rules) a user's calls
//! would: [`eip_modify`], [`eip_associate`], [`eip_unassociate`], [`eip_release`]. Admin calls
//! never see injected faults.

use std::fmt::Write as _;

use rusqlite::types::ValueRef;
use serde_json::Value;

use super::store::db_error;
use super::{Obj, SimCloud, account, addresses, clock, dispatch};
use crate::cloud::{CloudError, Params};

/// Every object (of `kind` when given: `eip`, `eip_segment`, `pool`, `pool_cidr`, `vpc`, ...),
/// ordered by id.
pub fn list(cloud: &SimCloud, kind: Option<&str>) -> Result<Vec<Obj>, CloudError> {
    cloud.with_ctx(|ctx| match kind {
        Some(k) => ctx.list(k, None),
        None => ctx.select("1 = 1", &[]),
    })
}

/// The object `id`.
pub fn show(cloud: &SimCloud, id: &str) -> Result<Option<Obj>, CloudError> {
    cloud.with_ctx(|ctx| ctx.get(id))
}

/// The account settings.
pub fn account_show(cloud: &SimCloud) -> Result<Value, CloudError> {
    cloud.with_ctx(|ctx| account::show(ctx))
}

/// Changes one account setting (see `account`).
pub fn account_set(cloud: &SimCloud, key: &str, value: &str) -> Result<(), CloudError> {
    cloud.with_ctx(|ctx| account::set(ctx, key, value))
}

/// The cloud's clock: `{now, offset_seconds}`.
pub fn clock_show(cloud: &SimCloud) -> Result<Value, CloudError> {
    cloud.with_ctx(|ctx| clock::show(ctx))
}

/// Sets the cloud's time (RFC 3339).
pub fn clock_set(cloud: &SimCloud, when: &str) -> Result<(), CloudError> {
    cloud.with_ctx(|ctx| clock::set(ctx, when))
}

/// Moves the cloud's time forward (`8d`, `36h`).
pub fn clock_advance(cloud: &SimCloud, by: &str) -> Result<(), CloudError> {
    cloud.with_ctx(|ctx| clock::advance(ctx, by))
}

/// R02: marks released address `ip` as taken by another account (`other_account`), `locked`,
/// `recycled`, or `""` (recoverable again).
pub fn address_fate(cloud: &SimCloud, ip: &str, fate: &str) -> Result<(), CloudError> {
    let addr = ip.parse().map_err(|_| {
        CloudError::new("InvalidParameter", format!("{ip:?} is not an IPv4 address"))
    })?;
    cloud.with_ctx(|ctx| {
        if addresses::set_fate(ctx, addr, fate)? {
            Ok(())
        } else {
            Err(CloudError::not_found(
                "ResourceNotFound.Ip",
                format!("{ip} was never released by this account"),
            ))
        }
    })
}

/// Runs `action` on EIP `id` in its own region.
fn on_eip(
    cloud: &SimCloud,
    id: &str,
    action: &str,
    id_param: &str,
    extra: &[(&str, &str)],
) -> Result<Value, CloudError> {
    cloud.with_ctx(|ctx| {
        let eip = ctx.get_kind(id, "eip")?.ok_or_else(|| {
            CloudError::not_found(
                "InvalidAllocationId.NotFound",
                format!("Specified allocation ID {id} is not found"),
            )
        })?;
        let mut p = Params::new();
        p.insert("RegionId".into(), eip.region.clone());
        p.insert(id_param.into(), id.into());
        for (k, v) in extra {
            p.insert((*k).into(), (*v).into());
        }
        dispatch(ctx, action, &p)
    })
}

/// Out-of-band bandwidth change (ModifyEipAddressAttribute).
pub fn eip_modify(cloud: &SimCloud, id: &str, bandwidth: &str) -> Result<Value, CloudError> {
    on_eip(
        cloud,
        id,
        "ModifyEipAddressAttribute",
        "AllocationId",
        &[("Bandwidth", bandwidth)],
    )
}

/// Out-of-band association (AssociateEipAddress; `instance_type` empty = inferred).
pub fn eip_associate(
    cloud: &SimCloud,
    id: &str,
    instance_id: &str,
    instance_type: &str,
) -> Result<Value, CloudError> {
    let mut extra = vec![("InstanceId", instance_id)];
    if !instance_type.is_empty() {
        extra.push(("InstanceType", instance_type));
    }
    on_eip(cloud, id, "AssociateEipAddress", "AllocationId", &extra)
}

/// Out-of-band disassociation (UnassociateEipAddress).
pub fn eip_unassociate(cloud: &SimCloud, id: &str) -> Result<Value, CloudError> {
    on_eip(cloud, id, "UnassociateEipAddress", "AllocationId", &[])
}

/// Out-of-band release (ReleaseEipAddress).
pub fn eip_release(cloud: &SimCloud, id: &str) -> Result<Value, CloudError> {
    on_eip(cloud, id, "ReleaseEipAddress", "AllocationId", &[])
}

fn cell(v: ValueRef<'_>) -> Value {
    match v {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(i) => Value::from(i),
        ValueRef::Real(f) => Value::from(f),
        ValueRef::Text(t) => Value::from(String::from_utf8_lossy(t).into_owned()),
        ValueRef::Blob(b) => Value::from(format!("blob:{}", b.len())),
    }
}

/// Every table of the world, each row as a JSON array, tables by name and rows fully ordered:
/// byte-identical for identical worlds (tests compare it before and after a plan).
pub fn dump(cloud: &SimCloud) -> Result<String, CloudError> {
    cloud.with_ctx(|ctx| {
        let db = ctx.db();
        let mut stmt = db
            .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
            .map_err(db_error)?;
        let tables: Vec<String> = stmt
            .query_map([], |r| r.get(0))
            .map_err(db_error)?
            .collect::<rusqlite::Result<_>>()
            .map_err(db_error)?;
        let mut out = String::new();
        for t in tables {
            let stmt = db.prepare(&format!("SELECT * FROM \"{t}\"")).map_err(db_error)?;
            let n = stmt.column_count();
            let order: Vec<String> = (1..=n).map(|i| i.to_string()).collect();
            drop(stmt);
            let mut stmt = db
                .prepare(&format!("SELECT * FROM \"{t}\" ORDER BY {}", order.join(", ")))
                .map_err(db_error)?;
            let _ = writeln!(out, "== {t}");
            let mut rows = stmt.query([]).map_err(db_error)?;
            while let Some(row) = rows.next().map_err(db_error)? {
                let cells: Vec<Value> = (0..n)
                    .map(|i| row.get_ref(i).map(cell).unwrap_or(Value::Null))
                    .collect();
                let _ = writeln!(out, "{}", Value::Array(cells));
            }
        }
        Ok(out)
    })
}
