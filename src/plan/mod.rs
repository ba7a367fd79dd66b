//! Planning: refresh, evaluate, diff, and check the planned actions against a throw-away copy
//! of the cloud.

pub mod diff;
pub mod evaluate;
pub mod model;
pub mod planner;
pub mod static_rules;
pub mod values;
