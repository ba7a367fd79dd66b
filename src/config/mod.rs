//! Configuration loading: every `*.tf` file of a directory, parsed with hcl-edit (which keeps
//! source spans) into typed blocks. Checks what needs no evaluation: block types, labels,
//! argument and nested-block names against the resource schemas, required arguments.
//!
//! Never evaluates expressions that read anything (that is `eval`; each argument's expression is
//! analysed at load by [`crate::eval::Expr`], which folds constants), never touches state or the
//! cloud.

pub(crate) mod cache;
mod load;
mod pieces;
mod validate;

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

use crate::addr::{BlockAddress, Mode, Name};
use crate::diag::{Diagnostic, SourceRange, Sources};

pub use crate::eval::Expr;
pub(crate) use load::literal_value;
pub use load::{backend_path, literal, literal_string, load_dir, load_files, mentioned, mentions};

/// One argument: its expression and where it is.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Attr {
    pub name: Name,
    /// The value, analysed for evaluation; dereferences to the hcl-edit expression.
    pub expr: Expr,
    /// The value's range.
    pub range: SourceRange,
    /// The whole `name = value` range.
    pub key_range: SourceRange,
}

/// The arguments and nested blocks of a block body.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Body {
    pub attrs: IndexMap<Name, Attr>,
    pub blocks: Vec<NestedBlock>,
}

/// A nested block (`data_disks { ... }`, `lifecycle { ... }`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NestedBlock {
    pub name: String,
    pub labels: Vec<String>,
    pub body: Body,
    pub range: SourceRange,
}

/// `ignore_changes` of a lifecycle block.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub enum IgnoreChanges {
    #[default]
    None,
    All,
    List(Vec<String>),
}

/// A `precondition` or `postcondition`, or a variable `validation`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Condition {
    pub condition: Attr,
    pub error_message: Attr,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Lifecycle {
    pub prevent_destroy: Option<Attr>,
    pub create_before_destroy: Option<Attr>,
    pub ignore_changes: IgnoreChanges,
    /// References to resources whose replacement (or update) replaces this one.
    pub replace_triggered_by: Vec<(String, SourceRange)>,
    pub preconditions: Vec<Condition>,
    pub postconditions: Vec<Condition>,
}

impl Lifecycle {
    /// The lifecycle of a block without a `lifecycle` block, shared by all of them.
    pub fn none() -> Arc<Lifecycle> {
        static NONE: OnceLock<Arc<Lifecycle>> = OnceLock::new();
        NONE.get_or_init(Default::default).clone()
    }
}

/// A `resource` or `data` block.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ResourceBlock {
    pub addr: BlockAddress,
    /// The primary type name of the schema (`alicloud_eip` is read as `alicloud_eip_address`).
    pub schema_type: Name,
    /// The arguments and nested blocks, meta-arguments removed.
    pub body: Body,
    /// The block header (`resource "T" "N"`).
    pub range: SourceRange,
    // Boxed, as the rarely written parts below: the configuration holds one block per resource.
    pub count: Option<Box<Attr>>,
    pub for_each: Option<Box<Attr>>,
    pub depends_on: Vec<(String, SourceRange)>,
    /// `provider = alicloud.ALIAS`, as `alicloud.ALIAS` (or `alicloud`).
    pub provider: Option<Box<(String, SourceRange)>>,
    /// Shared: most blocks have none (they all point to one empty [`Lifecycle`]), and the
    /// configuration holds one block per resource.
    #[serde(with = "cache::shared_lifecycle")]
    pub lifecycle: Arc<Lifecycle>,
    /// `timeouts { create = "5m" ... }`.
    pub timeouts: Option<Box<Body>>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Variable {
    pub name: String,
    pub default: Option<Attr>,
    pub ty: Option<Attr>,
    pub description: Option<String>,
    pub sensitive: bool,
    pub nullable: bool,
    pub validations: Vec<Condition>,
    pub range: SourceRange,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Output {
    pub name: String,
    pub value: Option<Attr>,
    pub description: Option<String>,
    pub sensitive: bool,
    pub depends_on: Vec<(String, SourceRange)>,
    pub preconditions: Vec<Condition>,
    pub range: SourceRange,
}

/// A `provider "alicloud"` block.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ProviderBlock {
    pub name: String,
    pub alias: Option<String>,
    pub body: Body,
    pub range: SourceRange,
}

impl ProviderBlock {
    /// `alicloud` or `alicloud.ALIAS`.
    pub fn key(&self) -> String {
        match &self.alias {
            Some(a) => format!("{}.{a}", self.name),
            None => self.name.clone(),
        }
    }
}

/// A `moved { from = ..., to = ... }` block.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Moved {
    pub from: String,
    pub to: String,
    pub range: SourceRange,
}

/// An `import { to = ..., id = "..." }` block.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ImportBlock {
    pub to: String,
    pub id: Attr,
    pub provider: Option<String>,
    pub range: SourceRange,
}

/// A loaded configuration directory.
#[derive(Debug, Clone, Default)]
pub struct Config {
    pub dir: PathBuf,
    pub sources: Sources,
    /// `terraform { backend "sqlite" { path = "..." } }`.
    pub backend_path: Option<String>,
    pub providers: Vec<ProviderBlock>,
    pub variables: IndexMap<String, Variable>,
    pub locals: IndexMap<String, Attr>,
    pub resources: Vec<ResourceBlock>,
    pub outputs: IndexMap<String, Output>,
    pub moved: Vec<Moved>,
    pub imports: Vec<ImportBlock>,
}

impl Config {
    pub fn managed(&self) -> impl Iterator<Item = &ResourceBlock> {
        self.resources
            .iter()
            .filter(|r| r.addr.mode == Mode::Managed)
    }

    pub fn find(&self, addr: &BlockAddress) -> Option<&ResourceBlock> {
        self.resources.iter().find(|r| &r.addr == addr)
    }
}

/// The result of loading: what could be read, and every problem found.
pub struct Loaded {
    pub config: Config,
    pub diags: Vec<Diagnostic>,
    /// How many files were decoded from the configuration cache instead of parsed.
    pub from_cache: usize,
}
