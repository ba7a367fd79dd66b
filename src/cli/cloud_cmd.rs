//! `eipform cloud ...`: read what the simulated cloud holds.

use std::path::Path;

use clap::Subcommand;
use serde_json::json;

use super::spool::print_last;
use crate::cloud::sim::{Obj, SimCloud};

#[derive(Debug, Subcommand)]
pub enum CloudCommand {
    /// List objects (type, id, region, status).
    List {
        /// Only objects of this kind (eip, vpc, vswitch, instance, ...).
        #[arg(long = "type")]
        kind: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Show one object with its attributes.
    Show {
        id: String,
        #[arg(long)]
        json: bool,
    },
    /// Change an EIP outside eipform (same API actions as the provider), e.g. to produce drift.
    Eip {
        #[command(subcommand)]
        command: EipCommand,
    },
    /// Stop or start an ECS instance outside eipform.
    Instance {
        #[command(subcommand)]
        command: InstanceCommand,
    },
    /// Read or change the simulated account's settings (quotas, privileges, whitelists, ...).
    Account {
        #[command(subcommand)]
        command: AccountCommand,
    },
    /// Read or move the simulated cloud's clock.
    Clock {
        #[command(subcommand)]
        command: ClockCommand,
    },
}

/// The simulated account.
#[derive(Debug, Subcommand)]
pub enum AccountCommand {
    /// Print every account setting with its current value.
    Show {
        #[arg(long)]
        json: bool,
    },
    /// Change one setting, e.g. `eip_quota 50`, `pool_privilege false`,
    /// `created_at 2024-09-01T00:00:00+08:00`, `resource_groups rg-a,rg-b`.
    Set { key: String, value: String },
}

/// The simulated cloud's clock.
#[derive(Debug, Subcommand)]
pub enum ClockCommand {
    /// Print the cloud's current time and its offset from the host clock.
    Show {
        #[arg(long)]
        json: bool,
    },
    /// Set the cloud's time (RFC 3339, e.g. 2025-01-31T12:00:00+08:00).
    Set { time: String },
    /// Move the cloud's time forward by DURATION (8d, 36h, 90m).
    Advance { duration: String },
}

/// Out-of-band EIP changes.
#[derive(Debug, Subcommand)]
pub enum EipCommand {
    /// ModifyEipAddressAttribute: set the peak bandwidth (Mbps).
    Modify {
        id: String,
        #[arg(long, value_name = "N")]
        bandwidth: String,
    },
    /// AssociateEipAddress: bind the EIP to a target.
    Associate {
        id: String,
        #[arg(long, value_name = "INSTANCE")]
        instance: String,
        /// EcsInstance, SlbInstance, Nat, NetworkInterface, HaVip or IpAddress (default: inferred).
        #[arg(long = "type", value_name = "TYPE")]
        instance_type: Option<String>,
    },
    /// UnassociateEipAddress: unbind the EIP from its target.
    Unassociate { id: String },
    /// ReleaseEipAddress: release the EIP.
    Release { id: String },
}

/// Out-of-band instance changes.
#[derive(Debug, Subcommand)]
pub enum InstanceCommand {
    /// StopInstance.
    Stop { id: String },
    /// StartInstance.
    Start { id: String },
}

/// Runs an out-of-band change; prints `ID: ACTION done` or the cloud's error.
fn out_of_band(
    dir: &Path,
    id: &str,
    action: &str,
    f: impl FnOnce(&SimCloud) -> Result<serde_json::Value, crate::cloud::CloudError>,
) -> i32 {
    let cloud = match open_admin(dir) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("Error: {e}");
            return 1;
        }
    };
    match f(&cloud) {
        Ok(_) => print_last(format!("{id}: {action} done\n"), 0),
        Err(e) => {
            eprintln!("Error: {action} {id}: {e}");
            1
        }
    }
}

/// The simulated cloud without injected faults: out-of-band changes always reach it.
fn open_admin(dir: &Path) -> Result<SimCloud, String> {
    let endpoint = crate::workspace::endpoint_for(dir);
    let path = endpoint.strip_prefix("sim:").ok_or_else(|| {
        format!("the cloud endpoint {endpoint:?} is not a simulated cloud (sim:PATH)")
    })?;
    SimCloud::open_with_faults(&dir.join(path), None).map_err(|e| e.to_string())
}

/// StopInstance / StartInstance on instance `id`, in its own region.
fn instance_action(
    cloud: &SimCloud,
    id: &str,
    action: &str,
) -> Result<serde_json::Value, crate::cloud::CloudError> {
    use crate::cloud::CloudApi;
    let region = cloud
        .with_ctx(|ctx| ctx.get(id))?
        .filter(|o| o.kind == "instance")
        .map(|o| o.region)
        .ok_or_else(|| {
            crate::cloud::CloudError::not_found(
                "InvalidInstanceId.NotFound",
                format!("The specified instance {id} does not exist."),
            )
        })?;
    let mut p = crate::cloud::Params::new();
    p.insert("RegionId".into(), region);
    p.insert("InstanceId".into(), id.into());
    cloud.call(action, &p)
}

fn instance_cmd(dir: &Path, cmd: InstanceCommand) -> i32 {
    let (id, action) = match cmd {
        InstanceCommand::Stop { id } => (id, "StopInstance"),
        InstanceCommand::Start { id } => (id, "StartInstance"),
    };
    out_of_band(dir, &id, action, |c| instance_action(c, &id, action))
}

fn eip_cmd(dir: &Path, cmd: EipCommand) -> i32 {
    use crate::cloud::sim::admin;
    match cmd {
        EipCommand::Modify { id, bandwidth } => {
            out_of_band(dir, &id, "ModifyEipAddressAttribute", |c| {
                admin::eip_modify(c, &id, &bandwidth)
            })
        }
        EipCommand::Associate {
            id,
            instance,
            instance_type,
        } => out_of_band(dir, &id, "AssociateEipAddress", |c| {
            admin::eip_associate(c, &id, &instance, instance_type.as_deref().unwrap_or(""))
        }),
        EipCommand::Unassociate { id } => out_of_band(dir, &id, "UnassociateEipAddress", |c| {
            admin::eip_unassociate(c, &id)
        }),
        EipCommand::Release { id } => out_of_band(dir, &id, "ReleaseEipAddress", |c| {
            admin::eip_release(c, &id)
        }),
    }
}

fn open(dir: &Path) -> Result<SimCloud, String> {
    let endpoint = crate::workspace::endpoint_for(dir);
    let path = endpoint.strip_prefix("sim:").ok_or_else(|| {
        format!("the cloud endpoint {endpoint:?} is not a simulated cloud (sim:PATH)")
    })?;
    SimCloud::open(&dir.join(path)).map_err(|e| e.to_string())
}

fn obj_json(o: &Obj) -> serde_json::Value {
    json!({ "type": o.kind, "id": o.id, "region": o.region, "status": o.status, "created_at": o.created_at, "attributes": o.attrs })
}

/// `v` as pretty JSON, with the final newline.
fn pretty(v: &serde_json::Value) -> String {
    serde_json::to_string_pretty(v).unwrap_or_default() + "\n"
}

pub fn run(dir: &Path, cmd: CloudCommand) -> i32 {
    let cloud = match open(dir) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("Error: {e}");
            return 1;
        }
    };
    match cmd {
        CloudCommand::List { kind, json } => {
            let objs = match cloud.with_ctx(|ctx| list_all(ctx, kind.as_deref())) {
                Ok(o) => o,
                Err(e) => {
                    eprintln!("Error: {e}");
                    return 1;
                }
            };
            let text = if json {
                pretty(&objs.iter().map(obj_json).collect())
            } else {
                objs.iter()
                    .map(|o| {
                        format!(
                            "{:<16} {:<32} {:<16} {}\n",
                            o.kind, o.id, o.region, o.status
                        )
                    })
                    .collect()
            };
            print_last(text, 0)
        }
        CloudCommand::Show { id, json } => match cloud.with_ctx(|ctx| ctx.get(&id)) {
            Ok(Some(o)) => {
                let text = if json {
                    pretty(&obj_json(&o))
                } else {
                    let attrs: String = o
                        .attrs
                        .iter()
                        .map(|(k, v)| format!("  {k} = {v}\n"))
                        .collect();
                    format!(
                        "type:    {}\nid:      {}\nregion:  {}\nstatus:  {}\ncreated: {}\n{attrs}",
                        o.kind, o.id, o.region, o.status, o.created_at
                    )
                };
                print_last(text, 0)
            }
            Ok(None) => {
                eprintln!("Error: the simulated cloud holds no object {id}");
                1
            }
            Err(e) => {
                eprintln!("Error: {e}");
                1
            }
        },
        CloudCommand::Eip { command } => eip_cmd(dir, command),
        CloudCommand::Instance { command } => instance_cmd(dir, command),
        CloudCommand::Account { command } => account_cmd(&cloud, command),
        CloudCommand::Clock { command } => clock_cmd(&cloud, command),
    }
}

/// Prints a settings object: pretty JSON, or one `key = value` line per setting. The exit code.
fn print_settings(v: &serde_json::Value, json: bool) -> i32 {
    let text = if json {
        pretty(v)
    } else {
        (v.as_object().into_iter().flatten())
            .map(|(k, v)| format!("{k} = {v}\n"))
            .collect()
    };
    print_last(text, 0)
}

/// Prints the cloud's error for `what`; exit code 1.
fn fail(what: &str, e: &crate::cloud::CloudError) -> i32 {
    eprintln!("Error: {what}: {e}");
    1
}

fn account_cmd(cloud: &SimCloud, cmd: AccountCommand) -> i32 {
    use crate::cloud::sim::admin;
    match cmd {
        AccountCommand::Show { json } => match admin::account_show(cloud) {
            Ok(v) => print_settings(&v, json),
            Err(e) => fail("cannot read the account", &e),
        },
        AccountCommand::Set { key, value } => match admin::account_set(cloud, &key, &value) {
            Ok(()) => match admin::account_show(cloud) {
                Ok(v) => print_last(
                    format!(
                        "account {key} = {}\n",
                        v.get(&key).cloned().unwrap_or_default()
                    ),
                    0,
                ),
                Err(e) => fail("cannot read the account", &e),
            },
            Err(e) => fail(&format!("cannot set account {key}"), &e),
        },
    }
}

fn clock_cmd(cloud: &SimCloud, cmd: ClockCommand) -> i32 {
    use crate::cloud::sim::admin;
    let changed = match cmd {
        ClockCommand::Show { json } => {
            return match admin::clock_show(cloud) {
                Ok(v) => print_settings(&v, json),
                Err(e) => fail("cannot read the clock", &e),
            };
        }
        ClockCommand::Set { time } => admin::clock_set(cloud, &time),
        ClockCommand::Advance { duration } => admin::clock_advance(cloud, &duration),
    };
    if let Err(e) = changed {
        return fail("cannot change the clock", &e);
    }
    match admin::clock_show(cloud) {
        Ok(v) => print_last(
            format!(
                "cloud clock now {}\n",
                v["now"].as_str().unwrap_or_default()
            ),
            0,
        ),
        Err(e) => fail("cannot read the clock", &e),
    }
}

/// Every object (of `kind` when given), ordered by type and id.
fn list_all(
    ctx: &mut crate::cloud::sim::Ctx<'_>,
    kind: Option<&str>,
) -> Result<Vec<Obj>, crate::cloud::CloudError> {
    let kinds: Vec<String> = match kind {
        Some(k) => vec![k.to_string()],
        // `private_ip` rows are the simulator's bookkeeping of taken vSwitch addresses, not objects.
        None => {
            let mut stmt = ctx
                .db()
                .prepare(
                    "SELECT DISTINCT type FROM objects WHERE type != 'private_ip' ORDER BY type",
                )
                .map_err(|e| crate::cloud::CloudError::new("InternalError", e.to_string()))?;
            let rows = stmt
                .query_map([], |r| r.get::<_, String>(0))
                .map_err(|e| crate::cloud::CloudError::new("InternalError", e.to_string()))?;
            rows.filter_map(Result::ok).collect()
        }
    };
    let mut out = Vec::new();
    for k in kinds {
        out.extend(ctx.list(&k, None)?);
    }
    Ok(out)
}
