//! `eipform import ADDRESS ID`: adopts an object the cloud already holds into the state at
//! ADDRESS, which the configuration must declare. The work is `plan::imports::import_one`.

use std::path::Path;

use super::VarOpts;
use super::common::{Ui, load};
use super::spool::{print, print_last};
use crate::addr::ResourceAddress;
use crate::diag::Diagnostic;
use crate::provider::alicloud::AlicloudProvider;
use crate::state::StateStore;

pub fn import(ui: &Ui, dir: &Path, vars: &VarOpts, address: &str, id: &str) -> i32 {
    let Some(ws) = load(ui, dir, vars) else {
        return 1;
    };
    let fail = |d: Diagnostic| {
        ui.errors(&[d], &ws.config.sources);
        1
    };
    let addr: ResourceAddress = match address.parse() {
        Ok(a) => a,
        Err(e) => return fail(Diagnostic::error("Invalid address").detail(e)),
    };
    let mut state = match ws.open_state() {
        Ok(s) => s,
        Err(d) => return fail(d),
    };
    match state.get(&addr) {
        Ok(Some(r)) => {
            return fail(
                Diagnostic::error("Resource already managed by eipform")
                    .detail(format!(
                        "eipform is already managing a remote object for {addr} (id {}). To import to this address you must first remove the existing object from the state.",
                        r.id
                    ))
                    .address(addr.to_string()),
            );
        }
        Ok(None) => {}
        Err(e) => return fail(Diagnostic::error("Cannot read the state").detail(e.to_string())),
    }
    let cloud = match ws.cloud() {
        Ok(c) => c,
        Err(d) => return fail(d),
    };
    let provider = AlicloudProvider::new(cloud);
    if let Err(code) = print(format!("{addr}: Importing from ID \"{id}\"...\n")) {
        return code;
    }
    let record = match crate::plan::imports::import_one(&ws, &provider, &addr, id) {
        Ok(r) => r,
        Err(d) => return fail(d),
    };
    // One object is managed at one address only.
    match state.resources() {
        Ok(all) => {
            if let Some(other) = all
                .iter()
                .find(|r| r.schema_type == record.schema_type && r.id == record.id)
            {
                return fail(
                    Diagnostic::error("Resource already managed by eipform")
                        .detail(format!("The object {} is already managed at {}; an object can be managed at one address only.", record.id, other.addr))
                        .address(addr.to_string()),
                );
            }
        }
        Err(e) => return fail(Diagnostic::error("Cannot read the state").detail(e.to_string())),
    }
    if let Err(code) = print(format!(
        "{addr}: Import prepared!\n  Prepared {} for import\n{addr}: Refreshing state... [id={}]\n",
        record.schema_type, record.id
    )) {
        return code;
    }
    state.set_command("import");
    if let Err(e) = state.put(&record) {
        return fail(
            Diagnostic::error("Failed to save state")
                .detail(e.to_string())
                .address(addr.to_string()),
        );
    }
    print_last(
        "\nImport successful!\n\nThe resources that were imported are shown above. These resources are now in\nyour eipform state and will henceforth be managed by eipform.\n",
        0,
    )
}
