//! The resource dependency graph in DOT (Graphviz), laid out like `terraform graph`'s default
//! resource-only graph: `rankdir = "RL"`, rectangular nodes labelled with the resource address,
//! and one edge from each resource to each resource it depends on (through references, locals
//! or `depends_on`). Nodes and edges are sorted, so the output is stable.

use foldhash::HashMap;
use std::fmt::Write as _;

use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::visit::EdgeRef;

use crate::config::Config;
use crate::graph::BlockGraph;

/// The petgraph graph of resources: one node per resource or data block (its address), an edge
/// `a -> b` when `a` depends on `b`.
pub fn resource_graph(config: &Config, graph: &BlockGraph) -> DiGraph<String, ()> {
    let mut g = DiGraph::new();
    let mut addrs: Vec<String> = config
        .resources
        .iter()
        .map(|r| r.addr.to_string())
        .collect();
    addrs.sort();
    let index: HashMap<String, NodeIndex> = addrs
        .iter()
        .map(|a| (a.clone(), g.add_node(a.clone())))
        .collect();
    for r in &config.resources {
        let from = index[&r.addr.to_string()];
        for dep in graph.resource_deps.get(&r.addr).into_iter().flatten() {
            if let Some(&to) = index.get(&dep.to_string())
                && to != from
            {
                g.update_edge(from, to, ());
            }
        }
    }
    g
}

/// DOT text of a graph made by [`resource_graph`].
pub fn dot(g: &DiGraph<String, ()>) -> String {
    let mut out = String::from(
        "digraph G {\n  rankdir = \"RL\";\n  node [shape = rect, fontname = \"sans-serif\"];\n",
    );
    let mut nodes: Vec<&String> = g.node_weights().collect();
    nodes.sort();
    for n in nodes {
        let _ = writeln!(out, "  {} [label={}];", quote(n), quote(n));
    }
    let mut edges: Vec<(&String, &String)> = g
        .edge_references()
        .map(|e| (&g[e.source()], &g[e.target()]))
        .collect();
    edges.sort();
    for (a, b) in edges {
        let _ = writeln!(out, "  {} -> {};", quote(a), quote(b));
    }
    out.push_str("}\n");
    out
}

fn quote(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dot_layout() {
        let mut g = DiGraph::new();
        let a = g.add_node("alicloud_vswitch.main".to_string());
        let b = g.add_node("alicloud_vpc.main".to_string());
        g.add_edge(a, b, ());
        assert_eq!(
            dot(&g),
            "digraph G {\n  rankdir = \"RL\";\n  node [shape = rect, fontname = \"sans-serif\"];\n  \"alicloud_vpc.main\" [label=\"alicloud_vpc.main\"];\n  \"alicloud_vswitch.main\" [label=\"alicloud_vswitch.main\"];\n  \"alicloud_vswitch.main\" -> \"alicloud_vpc.main\";\n}\n"
        );
    }
}
