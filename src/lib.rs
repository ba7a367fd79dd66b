//! eipform: a Terraform-style declarative provisioning engine for Alibaba Cloud Elastic IP addresses.
//!
//! Data flows one way: `config` -> `eval` -> `graph` -> `plan` -> `apply` -> `state`.
//! See ARCHITECTURE.md for the code map and invariants.

// Diagnostics are values that every layer returns in `Result`s; they are larger than clippy's
// threshold by design (source range, code, rule, address), and boxing them would only add noise.
#![allow(clippy::result_large_err)]

pub mod addr;
pub mod apply;
pub mod attrs;
pub mod checkpointer;
pub mod cli;
pub mod cloud;
pub mod config;
pub mod diag;
pub mod eval;
pub mod fmt;
pub mod graph;
pub mod host;
pub mod json_map;
pub mod json_scan;
pub mod mmap;
pub mod parallel;
pub mod plan;
pub mod provider;
pub mod render;
pub mod schema;
pub mod sqlite_alloc;
pub mod state;
pub mod workspace;
