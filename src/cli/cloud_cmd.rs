//! `eipform cloud ...`: read what the simulated cloud holds.

use std::path::Path;

use clap::Subcommand;
use serde_json::json;

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
}

fn open(dir: &Path) -> Result<SimCloud, String> {
    let endpoint = crate::workspace::endpoint_for(dir);
    let path = endpoint
        .strip_prefix("sim:")
        .ok_or_else(|| format!("the cloud endpoint {endpoint:?} is not a simulated cloud (sim:PATH)"))?;
    SimCloud::open(&dir.join(path)).map_err(|e| e.to_string())
}

fn obj_json(o: &Obj) -> serde_json::Value {
    json!({ "type": o.kind, "id": o.id, "region": o.region, "status": o.status, "created_at": o.created_at, "attributes": o.attrs })
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
            if json {
                println!("{}", serde_json::to_string_pretty(&objs.iter().map(obj_json).collect::<Vec<_>>()).unwrap_or_default());
            } else {
                for o in &objs {
                    println!("{:<16} {:<32} {:<16} {}", o.kind, o.id, o.region, o.status);
                }
            }
            0
        }
        CloudCommand::Show { id, json } => match cloud.with_ctx(|ctx| ctx.get(&id)) {
            Ok(Some(o)) => {
                if json {
                    println!("{}", serde_json::to_string_pretty(&obj_json(&o)).unwrap_or_default());
                } else {
                    println!("type:    {}\nid:      {}\nregion:  {}\nstatus:  {}\ncreated: {}", o.kind, o.id, o.region, o.status, o.created_at);
                    for (k, v) in &o.attrs {
                        println!("  {k} = {v}");
                    }
                }
                0
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
    }
}

/// Every object (of `kind` when given), ordered by type and id.
fn list_all(ctx: &mut crate::cloud::sim::Ctx<'_>, kind: Option<&str>) -> Result<Vec<Obj>, crate::cloud::CloudError> {
    let kinds: Vec<String> = match kind {
        Some(k) => vec![k.to_string()],
        None => {
            let mut stmt = ctx
                .db()
                .prepare("SELECT DISTINCT type FROM objects ORDER BY type")
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
