//! eipform: a Terraform-style declarative provisioning engine for Alibaba Cloud Elastic IP addresses.
//!
//! Data flows one way: `config` -> `eval` -> `graph` -> `plan` -> `apply` -> `state`.
//! See ARCHITECTURE.md for the code map and invariants.

pub mod addr;
pub mod apply;
pub mod cli;
pub mod cloud;
pub mod config;
pub mod diag;
pub mod eval;
pub mod fmt;
pub mod graph;
pub mod plan;
pub mod provider;
pub mod render;
pub mod schema;
pub mod state;
pub mod workspace;
