//! A working directory opened for a command: its configuration, variable values, provider
//! configurations (regions), the state store and the cloud endpoint.

use foldhash::{HashMap, HashMapExt};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::{Map, Value};

use crate::cloud::{self, CloudApi};
use crate::config::{self, Config};
use crate::diag::{Diagnostic, has_errors};
use crate::eval::{self, InstanceVars, Scope};
use crate::graph::{self, BlockGraph};
use crate::plan::values::Values;
use crate::state::sqlite::SqliteState;

pub const DEFAULT_STATE: &str = ".eipform/state.db";
pub const DEFAULT_CLOUD: &str = "sim:.eipform/cloud.db";

/// Variable values given on the command line.
#[derive(Debug, Clone, Default)]
pub struct VarArgs {
    /// `--var NAME=VALUE`, in order.
    pub vars: Vec<String>,
    /// `--var-file FILE`, in order.
    pub var_files: Vec<PathBuf>,
}

/// A loaded configuration with everything evaluated that needs no resource.
pub struct Workspace {
    pub dir: PathBuf,
    pub config: Config,
    pub graph: BlockGraph,
    pub vars: Map<String, Value>,
    /// Region of each provider configuration (`alicloud`, `alicloud.hk`).
    pub regions: HashMap<String, String>,
    pub endpoint: String,
    /// Warnings found while loading.
    pub warnings: Vec<Diagnostic>,
}

/// Loads and checks the configuration in `dir`. Errors are returned all together.
pub fn load(dir: &Path, args: &VarArgs) -> Result<Workspace, (Vec<Diagnostic>, config::Config)> {
    let loaded = match config::load_dir(dir) {
        Ok(l) => l,
        Err(d) => return Err((vec![d], Config::default())),
    };
    let mut diags = loaded.diags;
    let config = loaded.config;
    let graph = match graph::build(&config) {
        Ok(g) => Some(g),
        Err(d) => {
            diags.extend(d);
            None
        }
    };
    let vars = crate::eval::variables::resolve(&config, dir, args, &mut diags);
    let regions = provider_regions(&config, &vars, &mut diags);
    let endpoint = std::env::var("EIPFORM_CLOUD")
        .ok()
        .filter(|e| !e.is_empty())
        .unwrap_or_else(|| {
            config
                .providers
                .iter()
                .find_map(|p| {
                    p.body
                        .attrs
                        .get("endpoint")
                        .and_then(|a| config::literal(&a.expr))
                })
                .unwrap_or_else(|| DEFAULT_CLOUD.to_string())
        });
    if has_errors(&diags) || graph.is_none() {
        return Err((diags, config));
    }
    let warnings = diags;
    Ok(Workspace {
        dir: dir.to_path_buf(),
        config,
        graph: graph.unwrap_or_default(),
        vars,
        regions,
        endpoint,
        warnings,
    })
}

/// The default region when no provider block sets one: `ALICLOUD_REGION`, else cn-beijing
/// (the public provider's acceptance-test default).
pub fn default_region() -> String {
    std::env::var("ALICLOUD_REGION")
        .ok()
        .filter(|r| !r.is_empty())
        .unwrap_or_else(|| "cn-beijing".to_string())
}

fn provider_regions(
    config: &Config,
    vars: &Map<String, Value>,
    diags: &mut Vec<Diagnostic>,
) -> HashMap<String, String> {
    let mut out = HashMap::new();
    let locals = HashMap::new();
    let values = Values::default();
    let inst = InstanceVars::default();
    let scope = Scope {
        vars,
        locals: &locals,
        resources: &values,
        instance: &inst,
        module_path: ".",
        self_value: None,
    };
    for p in config.providers.iter().filter(|p| p.name == "alicloud") {
        match p.body.attrs.get("region") {
            Some(a) => match eval::eval_expr(&a.expr, &a.range, &scope) {
                Ok(Value::String(s)) if !s.is_empty() => {
                    out.insert(p.key(), s);
                }
                Ok(other) => diags.push(
                    Diagnostic::error("Invalid provider region")
                        .detail(format!("region must be a non-empty string, got {other}."))
                        .at(Some(a.range.clone()), "invalid region"),
                ),
                Err(e) => diags.push(e.into_diagnostic()),
            },
            None => {
                if p.alias.is_some() {
                    diags.push(
                        Diagnostic::error("Missing required argument")
                            .detail(format!(
                                "The provider configuration \"{}\" needs a region.",
                                p.key()
                            ))
                            .at(Some(p.range.clone()), "region is required"),
                    );
                } else {
                    out.insert(p.key(), default_region());
                }
            }
        }
    }
    out.entry("alicloud".to_string())
        .or_insert_with(default_region);
    out
}

impl Workspace {
    pub fn state_path(&self) -> PathBuf {
        state_path(&self.dir, &self.config)
    }

    pub fn open_state(&self) -> Result<SqliteState, Diagnostic> {
        open_state(&self.state_path())
    }

    pub fn cloud(&self) -> Result<Arc<dyn CloudApi>, Diagnostic> {
        connect(&self.endpoint, &self.dir)
    }

    /// The region of a resource's provider configuration.
    pub fn region_of(&self, provider: &str) -> String {
        self.regions
            .get(provider)
            .cloned()
            .unwrap_or_else(default_region)
    }
}

pub fn state_path(dir: &Path, config: &Config) -> PathBuf {
    state_file(dir, config.backend_path.as_deref())
}

/// The state file of the workspace in `dir` whose backend names `backend_path` (if any).
fn state_file(dir: &Path, backend_path: Option<&str>) -> PathBuf {
    dir.join(backend_path.unwrap_or(DEFAULT_STATE))
}

/// The state file of the workspace in `dir`, for commands that take the lock or read the state
/// before (or without) loading the configuration.
pub fn state_path_in(dir: &Path) -> PathBuf {
    state_file(dir, config::backend_path(dir).as_deref())
}

pub fn open_state(path: &Path) -> Result<SqliteState, Diagnostic> {
    SqliteState::open(path).map_err(|e| {
        Diagnostic::error("Cannot open the state").detail(format!("{}: {e}", path.display()))
    })
}

pub fn connect(endpoint: &str, dir: &Path) -> Result<Arc<dyn CloudApi>, Diagnostic> {
    cloud::connect(endpoint, dir)
        .map_err(|e| Diagnostic::error("Cannot open the cloud").detail(e.to_string()))
}

/// The cloud endpoint for commands that have no configuration to read (`eipform cloud ...`).
pub fn endpoint_for(dir: &Path) -> String {
    if let Ok(e) = std::env::var("EIPFORM_CLOUD")
        && !e.is_empty()
    {
        return e;
    }
    match config::load_dir(dir) {
        Ok(l) => l
            .config
            .providers
            .iter()
            .find_map(|p| {
                p.body
                    .attrs
                    .get("endpoint")
                    .and_then(|a| config::literal(&a.expr))
            })
            .unwrap_or_else(|| DEFAULT_CLOUD.to_string()),
        Err(_) => DEFAULT_CLOUD.to_string(),
    }
}
