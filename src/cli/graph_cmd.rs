//! `eipform graph`: the resource dependency graph in DOT.

use std::path::Path;

use super::common::Ui;
use super::spool::print_last;
use crate::diag::has_errors;
use crate::render;

pub fn graph(ui: &Ui, dir: &Path) -> i32 {
    let loaded = match crate::config::load_dir(dir) {
        Ok(l) => l,
        Err(d) => {
            ui.errors(&[d], &crate::diag::Sources::default());
            return 1;
        }
    };
    if has_errors(&loaded.diags) {
        ui.errors(&loaded.diags, &loaded.config.sources);
        return 1;
    }
    match crate::graph::build(&loaded.config) {
        Ok(g) => print_last(
            render::dot::dot(&render::dot::resource_graph(&loaded.config, &g)),
            0,
        ),
        Err(diags) => {
            ui.errors(&diags, &loaded.config.sources);
            1
        }
    }
}
