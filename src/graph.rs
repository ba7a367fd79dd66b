//! The dependency graph of configuration blocks (locals, resources, data sources, outputs),
//! built with petgraph from references and `depends_on`. Gives the evaluation order, each
//! resource's direct dependencies, and reports every cycle with every block in it.

use foldhash::{HashMap, HashMapExt};

use petgraph::algo::{tarjan_scc, toposort};
use petgraph::graph::{DiGraph, NodeIndex};

use crate::addr::BlockAddress;
use crate::config::{Body, Config, ResourceBlock};
use crate::diag::{Diagnostic, SourceRange};
use crate::eval::{Reference, Target, references};

/// One block of the configuration.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Node {
    Local(String),
    /// Index into `Config::resources`.
    Resource(usize),
    Output(String),
}

/// The evaluation order and the direct dependencies between resources.
#[derive(Debug, Default)]
pub struct BlockGraph {
    pub order: Vec<Node>,
    /// `order` cut into levels: positions in `order` of the nodes whose dependencies are all in
    /// earlier levels (so the nodes of one level can be evaluated at the same time), in order.
    pub levels: Vec<Vec<usize>>,
    /// For each resource block, the resource blocks it references (directly or through locals).
    pub resource_deps: HashMap<BlockAddress, Vec<BlockAddress>>,
    /// For each resource block (by index into `Config::resources`), its references to resources:
    /// planning needs them for every instance, and finding them again was a sixth of planning a
    /// block.
    pub resource_refs: Vec<Box<[ResourceRef]>>,
}

/// A resource block's reference to a resource or data block, as planning its instances needs
/// it (kept small: a plan of 50,000 blocks holds one per reference).
#[derive(Debug)]
pub struct ResourceRef {
    pub addr: BlockAddress,
    /// The expression of `[...]` right after the name, if any.
    pub index: Option<Box<hcl_edit::expr::Expression>>,
    /// The file the reference is in.
    pub file: std::sync::Arc<str>,
}

/// Every expression of a resource block, with the meta-arguments.
fn resource_refs(r: &ResourceBlock) -> Vec<Reference> {
    let mut out = Vec::new();
    body_refs(&r.body, &mut out);
    for a in r.count.iter().chain(r.for_each.iter()) {
        out.extend(references(&a.expr, &a.range.file));
    }
    for (text, range) in r.depends_on.iter().chain(&r.lifecycle.replace_triggered_by) {
        out.push(depends_on_ref(text, range));
    }
    for c in r
        .lifecycle
        .preconditions
        .iter()
        .chain(&r.lifecycle.postconditions)
    {
        out.extend(
            references(&c.condition.expr, &c.condition.range.file)
                .into_iter()
                .filter(|r| r.target != Target::SelfRef),
        );
        out.extend(
            references(&c.error_message.expr, &c.error_message.range.file)
                .into_iter()
                .filter(|r| r.target != Target::SelfRef),
        );
    }
    out
}

fn depends_on_ref(text: &str, range: &SourceRange) -> Reference {
    let target = match hcl_edit::parser::parse_expr(text) {
        Ok(e) => references(&e, &range.file)
            .into_iter()
            .next()
            .map(|r| r.target),
        Err(_) => None,
    };
    Reference {
        target: target.unwrap_or(Target::Unknown(text.to_string())),
        attr: None,
        range: range.clone(),
    }
}

fn body_refs(b: &Body, out: &mut Vec<Reference>) {
    for a in b.attrs.values() {
        out.extend(references(&a.expr, &a.range.file));
    }
    for nb in &b.blocks {
        body_refs(&nb.body, out);
    }
}

/// Builds the graph; reports undeclared references and cycles.
pub fn build(config: &Config) -> Result<BlockGraph, Vec<Diagnostic>> {
    let mut g: DiGraph<Node, ()> = DiGraph::new();
    let mut index: HashMap<Node, NodeIndex> = HashMap::new();
    let mut by_addr: HashMap<&BlockAddress, usize> = HashMap::with_capacity(config.resources.len());
    for (i, r) in config.resources.iter().enumerate() {
        by_addr.insert(&r.addr, i);
        index.insert(Node::Resource(i), g.add_node(Node::Resource(i)));
    }
    for name in config.locals.keys() {
        index.insert(
            Node::Local(name.clone()),
            g.add_node(Node::Local(name.clone())),
        );
    }
    for name in config.outputs.keys() {
        index.insert(
            Node::Output(name.clone()),
            g.add_node(Node::Output(name.clone())),
        );
    }
    let mut diags = Vec::new();
    let mut edges = Vec::new();
    let mut resolve = |from: &Node,
                       refs: Vec<Reference>,
                       diags: &mut Vec<Diagnostic>,
                       allow_self: bool| {
        for r in refs {
            let to = match &r.target {
                Target::Local(n) => match config.locals.contains_key(n) {
                    true => Some(Node::Local(n.clone())),
                    false => {
                        diags.push(undeclared("local value", &format!("local.{n}"), &r));
                        None
                    }
                },
                Target::Var(n) => {
                    if !config.variables.contains_key(n) {
                        diags.push(undeclared("input variable", &format!("var.{n}"), &r));
                    }
                    None
                }
                Target::Resource { addr, .. } => match by_addr.get(addr) {
                    Some(i) => Some(Node::Resource(*i)),
                    None => {
                        diags.push(undeclared("resource", &addr.to_string(), &r));
                        None
                    }
                },
                Target::SelfRef if allow_self => None,
                Target::Unknown(name) => {
                    diags.push(
                        Diagnostic::error("Invalid reference")
                            .detail(format!("\"{name}\" is not a known name: a reference is var.NAME, local.NAME, TYPE.NAME or data.TYPE.NAME."))
                            .at(Some(r.range.clone()), "unknown reference"),
                    );
                    None
                }
                _ => None,
            };
            if let Some(to) = to {
                edges.push((from.clone(), to));
            }
        }
    };
    let mut kept_refs = Vec::with_capacity(config.resources.len());
    for (i, r) in config.resources.iter().enumerate() {
        let refs = resource_refs(r);
        let to_resources: Vec<ResourceRef> = refs
            .iter()
            .filter_map(|r| match &r.target {
                Target::Resource { addr, index } => Some(ResourceRef {
                    addr: addr.clone(),
                    index: index.clone().map(Box::new),
                    file: r.range.file.clone(),
                }),
                _ => None,
            })
            .collect();
        kept_refs.push(to_resources.into_boxed_slice());
        resolve(&Node::Resource(i), refs, &mut diags, false);
    }
    for (name, a) in &config.locals {
        resolve(
            &Node::Local(name.clone()),
            references(&a.expr, &a.range.file),
            &mut diags,
            false,
        );
    }
    for (name, o) in &config.outputs {
        let mut refs: Vec<Reference> = o
            .value
            .iter()
            .flat_map(|a| references(&a.expr, &a.range.file))
            .collect();
        refs.extend(o.depends_on.iter().map(|(t, r)| depends_on_ref(t, r)));
        resolve(&Node::Output(name.clone()), refs, &mut diags, false);
    }
    for (from, to) in &edges {
        let (a, b) = (index[to], index[from]);
        if a == b {
            continue;
        }
        g.update_edge(a, b, ());
    }
    // A block that references itself is a cycle of one.
    for (from, to) in &edges {
        if from == to {
            diags.push(cycle_diag(config, std::slice::from_ref(from)));
        }
    }
    if !diags.is_empty() {
        return Err(diags);
    }
    let order = match toposort(&g, None) {
        Ok(order) => order,
        Err(_) => {
            let cycles: Vec<Diagnostic> = tarjan_scc(&g)
                .into_iter()
                .filter(|scc| scc.len() > 1)
                .map(|scc| {
                    let mut nodes: Vec<Node> = scc.iter().map(|n| g[*n].clone()).collect();
                    nodes.sort_by_key(|n| name_of(config, n));
                    cycle_diag(config, &nodes)
                })
                .collect();
            return Err(cycles);
        }
    };
    let mut resource_deps: HashMap<BlockAddress, Vec<BlockAddress>> = HashMap::new();
    // Dependencies through locals count as direct dependencies of the resource.
    let mut local_deps: HashMap<String, Vec<BlockAddress>> = HashMap::new();
    for n in &order {
        let node = &g[*n];
        let mut deps: Vec<BlockAddress> = Vec::new();
        for dep in g.neighbors_directed(*n, petgraph::Direction::Incoming) {
            match &g[dep] {
                Node::Resource(i) => deps.push(config.resources[*i].addr.clone()),
                Node::Local(l) => deps.extend(local_deps.get(l).cloned().unwrap_or_default()),
                Node::Output(_) => {}
            }
        }
        deps.sort();
        deps.dedup();
        match node {
            Node::Local(l) => {
                local_deps.insert(l.clone(), deps);
            }
            Node::Resource(i) => {
                resource_deps.insert(config.resources[*i].addr.clone(), deps);
            }
            Node::Output(_) => {}
        }
    }
    let levels = levels_of(&g, &order);
    Ok(BlockGraph {
        order: order.into_iter().map(|n| g[n].clone()).collect(),
        levels,
        resource_deps,
        resource_refs: kept_refs,
    })
}

/// Each node's level is one more than the highest level among its dependencies; returns the
/// positions in `order` (a topological order) grouped by level, each group in `order`'s order.
fn levels_of(g: &DiGraph<Node, ()>, order: &[NodeIndex]) -> Vec<Vec<usize>> {
    let mut level_of = vec![0usize; g.node_count()];
    let mut levels: Vec<Vec<usize>> = Vec::new();
    for (pos, n) in order.iter().enumerate() {
        let level = g
            .neighbors_directed(*n, petgraph::Direction::Incoming)
            .map(|dep| level_of[dep.index()] + 1)
            .max()
            .unwrap_or(0);
        level_of[n.index()] = level;
        if levels.len() <= level {
            levels.resize_with(level + 1, Vec::new);
        }
        levels[level].push(pos);
    }
    levels
}

fn name_of(config: &Config, n: &Node) -> String {
    match n {
        Node::Local(l) => format!("local.{l}"),
        Node::Resource(i) => config.resources[*i].addr.to_string(),
        Node::Output(o) => format!("output.{o}"),
    }
}

fn range_of(config: &Config, n: &Node) -> Option<SourceRange> {
    match n {
        Node::Local(l) => config.locals.get(l).map(|a| a.key_range.clone()),
        Node::Resource(i) => Some(config.resources[*i].range.clone()),
        Node::Output(o) => config.outputs.get(o).map(|o| o.range.clone()),
    }
}

fn cycle_diag(config: &Config, nodes: &[Node]) -> Diagnostic {
    let names: Vec<String> = nodes.iter().map(|n| name_of(config, n)).collect();
    Diagnostic::error("Cycle")
        .detail(format!("These blocks depend on each other in a cycle: {}. Break the cycle by removing one of the references.", names.join(", ")))
        .at(nodes.first().and_then(|n| range_of(config, n)), format!("part of a cycle: {}", names.join(" -> ")))
}

fn undeclared(kind: &str, name: &str, r: &Reference) -> Diagnostic {
    Diagnostic::error(format!("Reference to undeclared {kind}"))
        .detail(format!(
            "{name} is referenced here but has not been declared in the configuration."
        ))
        .at(Some(r.range.clone()), format!("undeclared {kind}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONFIG: &str = r#"
locals {
  cidr = "10.0.0.0/16"
}
resource "alicloud_vpc" "a" {
  cidr_block = local.cidr
}
resource "alicloud_vswitch" "b" {
  vpc_id     = alicloud_vpc.a.id
  cidr_block = "10.0.1.0/24"
  zone_id    = "cn-hangzhou-h"
}
resource "alicloud_eip_address" "free" {}
resource "alicloud_eip_address" "after_b" {
  depends_on = [alicloud_vswitch.b]
}
output "b" { value = alicloud_vswitch.b.id }
"#;

    #[test]
    fn each_block_keeps_its_references_to_resources_only() {
        let loaded = crate::config::load_files(&[("main.tf".into(), CONFIG.into())]);
        let g = build(&loaded.config).unwrap();
        let kept: Vec<(String, Vec<String>)> = loaded
            .config
            .resources
            .iter()
            .zip(&g.resource_refs)
            .map(|(r, refs)| {
                let targets = refs.iter().map(|rf| rf.addr.to_string()).collect();
                (r.addr.to_string(), targets)
            })
            .collect();
        let names: Vec<&str> = kept.iter().map(|(a, _)| a.as_str()).collect();
        assert_eq!(
            names,
            [
                "alicloud_vpc.a",
                "alicloud_vswitch.b",
                "alicloud_eip_address.free",
                "alicloud_eip_address.after_b"
            ]
        );
        // `local.cidr` is not a resource; `alicloud_vpc.a.id` and `depends_on` are.
        assert!(kept[0].1.is_empty() && kept[2].1.is_empty(), "{kept:?}");
        assert_eq!(kept[1].1, ["alicloud_vpc.a"]);
        assert_eq!(kept[3].1, ["alicloud_vswitch.b"]);
    }

    #[test]
    fn levels_hold_each_node_after_all_it_depends_on() {
        let loaded = crate::config::load_files(&[("main.tf".into(), CONFIG.into())]);
        assert!(loaded.diags.is_empty(), "{:?}", loaded.diags);
        let g = build(&loaded.config).unwrap();
        let levels: Vec<Vec<String>> = g
            .levels
            .iter()
            .map(|l| {
                let mut names: Vec<String> = l
                    .iter()
                    .map(|&pos| name_of(&loaded.config, &g.order[pos]))
                    .collect();
                names.sort();
                names
            })
            .collect();
        assert_eq!(
            levels,
            vec![
                vec!["alicloud_eip_address.free", "local.cidr"],
                vec!["alicloud_vpc.a"],
                vec!["alicloud_vswitch.b"],
                vec!["alicloud_eip_address.after_b", "output.b"],
            ]
        );
        // Every position of `order` is in exactly one level, each level in `order`'s order.
        let mut all: Vec<usize> = g.levels.iter().flatten().copied().collect();
        assert!(g.levels.iter().all(|l| l.is_sorted()));
        all.sort();
        assert_eq!(all, (0..g.order.len()).collect::<Vec<_>>());
    }
}
