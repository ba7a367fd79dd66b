//! `eipform show` and `eipform state ...`.

use std::path::Path;

use super::StateCommand;
use super::common::{Ui, open_state_only};
use crate::addr::ResourceAddress;
use crate::render;
use crate::state::StateStore;

pub fn show(ui: &Ui, dir: &Path) -> i32 {
    let Some(state) = open_state_only(ui, dir) else { return 1 };
    match (state.resources(), state.outputs()) {
        (Ok(r), Ok(o)) => {
            if r.is_empty() && o.is_empty() {
                println!("The state is empty. No resources are represented.");
            } else {
                print!("{}", render::human::state(&r, &o));
            }
            0
        }
        (Err(e), _) | (_, Err(e)) => {
            eprintln!("Error: {e}");
            1
        }
    }
}

pub fn state_cmd(ui: &Ui, dir: &Path, cmd: StateCommand) -> i32 {
    let Some(state) = open_state_only(ui, dir) else { return 1 };
    match cmd {
        StateCommand::List => match state.resources() {
            Ok(r) => {
                for res in r {
                    println!("{}", res.addr);
                }
                0
            }
            Err(e) => {
                eprintln!("Error: {e}");
                1
            }
        },
        StateCommand::Show { address } => {
            let addr: ResourceAddress = match address.parse() {
                Ok(a) => a,
                Err(e) => {
                    eprintln!("Error: {e}");
                    return 1;
                }
            };
            match state.get(&addr) {
                Ok(Some(r)) => {
                    print!("{}", render::human::resource_state(&r));
                    0
                }
                Ok(None) => {
                    eprintln!("Error: No instance found for the given address {addr}.\n\nThis command requires that the address references one specific instance; `eipform state list` shows them.");
                    1
                }
                Err(e) => {
                    eprintln!("Error: {e}");
                    1
                }
            }
        }
    }
}
