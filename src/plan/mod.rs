//! Planning: refresh, evaluate, diff, and check the planned actions against a throw-away copy
//! of the cloud.

pub mod conditions;
pub mod diff;
pub mod evaluate;
pub mod imports;
pub mod model;
pub mod moved;
pub mod planfile;
pub mod planner;
pub mod static_rules;
pub mod values;
