//! `eipform output [--json] [NAME]`: the root outputs recorded in the state.

use std::path::Path;

use serde_json::{Map, Value, json};

use super::common::{Ui, open_state_only};
use super::spool::print_last;
use crate::render;
use crate::state::StateStore;

pub fn output(ui: &Ui, dir: &Path, json: bool, name: Option<&str>) -> i32 {
    let Some(state) = open_state_only(ui, dir) else {
        return 1;
    };
    let outputs = match state.outputs() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("Error: Cannot read the state\n\n{e}");
            return 1;
        }
    };
    if let Some(name) = name {
        let Some(o) = outputs.iter().find(|o| o.name == name) else {
            eprintln!(
                "Error: Output \"{name}\" not found\n\nThe output variable requested could not be found in the state. If you recently added it to your configuration, be sure to run `eipform apply`, since the state won't be updated with new output variables until that command is run."
            );
            return 1;
        };
        // Asked for by name, a sensitive value is printed (as Terraform does).
        let text = if json {
            serde_json::to_string_pretty(&o.value).unwrap_or_default()
        } else {
            render::value::inline(&o.value)
        };
        return print_last(text + "\n", 0);
    }
    if json {
        let m: Map<String, Value> = outputs
            .iter()
            .map(|o| {
                (
                    o.name.clone(),
                    json!({ "sensitive": o.sensitive, "value": o.value }),
                )
            })
            .collect();
        return print_last(
            serde_json::to_string_pretty(&Value::Object(m)).unwrap_or_default() + "\n",
            0,
        );
    }
    if outputs.is_empty() {
        eprintln!(
            "Warning: No outputs found\n\nThe state has no outputs defined, or all the defined outputs are empty. Add output blocks to your configuration and run `eipform apply` to record them."
        );
        return 0;
    }
    let lines: String = outputs
        .iter()
        .map(|o| {
            let v = if o.sensitive {
                "<sensitive>".to_string()
            } else {
                render::value::inline(&o.value)
            };
            format!("{} = {v}\n", o.name)
        })
        .collect();
    print_last(lines, 0)
}
