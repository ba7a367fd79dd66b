//! The apply graph: one node per provider operation (a replace is a delete node and a create
//! node), edges from dependencies, and the ordering rules of the EIP product.

use foldhash::{HashMap, HashMapExt};

use crate::addr::ResourceAddress;
use crate::plan::model::Action;
use crate::plan::planner::Planned;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Create,
    Update,
    Delete,
    Read,
}

#[derive(Debug, Clone)]
pub enum Node {
    /// Operation `Op` for the change at this index of `plan.changes`.
    Change(usize, Op, ResourceAddress),
    /// Every association removal precedes this; every association creation follows it (D05).
    AssociationBarrier,
}

impl Node {
    pub fn change(&self) -> Option<usize> {
        match self {
            Node::Change(i, _, _) => Some(*i),
            Node::AssociationBarrier => None,
        }
    }

    pub fn op(&self) -> Option<Op> {
        match self {
            Node::Change(_, op, _) => Some(*op),
            Node::AssociationBarrier => None,
        }
    }

    pub fn addr(&self) -> Option<&ResourceAddress> {
        match self {
            Node::Change(_, _, a) => Some(a),
            Node::AssociationBarrier => None,
        }
    }
}

pub struct Graph {
    pub nodes: Vec<Node>,
    /// For each node, the nodes it waits for.
    pub deps: Vec<Vec<usize>>,
    /// For each node, the nodes waiting for it.
    pub dependents: Vec<Vec<usize>>,
}

impl Graph {
    /// For each node, how many operations the longest chain starting at it holds (itself
    /// included). The walk starts the node with the longest chain first, so a deep chain
    /// (VPC, vSwitch, instance, association) does not wait behind thousands of independent EIPs.
    pub fn heights(&self) -> Vec<usize> {
        let n = self.nodes.len();
        let mut waiting: Vec<usize> = self.dependents.iter().map(Vec::len).collect();
        let mut stack: Vec<usize> = (0..n).filter(|i| waiting[*i] == 0).collect();
        let mut height = vec![1usize; n];
        while let Some(i) = stack.pop() {
            for &d in &self.deps[i] {
                height[d] = height[d].max(height[i] + 1);
                waiting[d] -= 1;
                if waiting[d] == 0 {
                    stack.push(d);
                }
            }
        }
        height
    }

    fn edge(&mut self, before: usize, after: usize) {
        if before != after {
            self.deps[after].push(before);
            self.dependents[before].push(after);
        }
    }
}

const ASSOCIATION: &str = "alicloud_eip_association";

pub fn build(planned: &Planned) -> Graph {
    let mut g = Graph {
        nodes: Vec::new(),
        deps: Vec::new(),
        dependents: Vec::new(),
    };
    let mut creates: HashMap<&ResourceAddress, usize> = HashMap::new();
    let mut deletes: HashMap<&ResourceAddress, usize> = HashMap::new();
    let add = |g: &mut Graph, node: Node| {
        g.nodes.push(node);
        g.deps.push(Vec::new());
        g.dependents.push(Vec::new());
        g.nodes.len() - 1
    };
    for (i, c) in planned.plan.changes.iter().enumerate() {
        let addr = c.addr.clone();
        match c.action {
            Action::NoOp => {}
            Action::Create => {
                creates.insert(&c.addr, add(&mut g, Node::Change(i, Op::Create, addr)));
            }
            Action::Update => {
                creates.insert(&c.addr, add(&mut g, Node::Change(i, Op::Update, addr)));
            }
            Action::Read => {
                creates.insert(&c.addr, add(&mut g, Node::Change(i, Op::Read, addr)));
            }
            Action::Delete => {
                deletes.insert(&c.addr, add(&mut g, Node::Change(i, Op::Delete, addr)));
            }
            Action::DeleteThenCreate | Action::CreateThenDelete => {
                let d = add(&mut g, Node::Change(i, Op::Delete, addr.clone()));
                let n = add(&mut g, Node::Change(i, Op::Create, addr));
                deletes.insert(&c.addr, d);
                creates.insert(&c.addr, n);
                if c.action == Action::DeleteThenCreate {
                    g.edge(d, n);
                } else {
                    g.edge(n, d);
                }
            }
        }
    }
    // Creations and updates follow what they reference.
    for (addr, &n) in &creates {
        if let Some(inst) = planned.instances.get(*addr) {
            for dep in &inst.deps {
                if let Some(&d) = creates.get(dep) {
                    g.edge(d, n);
                }
            }
        }
    }
    // Deletes run in reverse dependency order: a resource goes before what it depended on.
    for (addr, &n) in &deletes {
        if let Some(prior) = planned.prior.get(*addr) {
            for dep in &prior.deps {
                if let Some(&d) = deletes.get(dep) {
                    g.edge(n, d);
                }
            }
        }
    }
    // D05: every association removal before any association creation.
    let assoc = |c: &crate::plan::model::ResourceChange| c.schema_type == ASSOCIATION;
    let assoc_deletes: Vec<usize> = deletes
        .iter()
        .filter(|(a, _)| is_assoc(planned, a, assoc))
        .filter(|(a, _)| !cbd(planned, a))
        .map(|(_, n)| *n)
        .collect();
    let assoc_creates: Vec<usize> = creates
        .iter()
        .filter(|(a, n)| {
            is_assoc(planned, a, assoc)
                && matches!(g.nodes[**n].op(), Some(Op::Create))
                && !cbd(planned, a)
        })
        .map(|(_, n)| *n)
        .collect();
    if !assoc_deletes.is_empty() && !assoc_creates.is_empty() {
        let b = add(&mut g, Node::AssociationBarrier);
        for d in assoc_deletes {
            g.edge(d, b);
        }
        for c in assoc_creates {
            g.edge(b, c);
        }
    }
    g
}

fn change_of<'p>(
    planned: &'p Planned,
    addr: &ResourceAddress,
) -> Option<&'p crate::plan::model::ResourceChange> {
    planned
        .plan
        .changes
        .binary_search_by(|c| c.addr.cmp(addr))
        .ok()
        .map(|i| &planned.plan.changes[i])
}

fn is_assoc(
    planned: &Planned,
    addr: &ResourceAddress,
    f: impl Fn(&crate::plan::model::ResourceChange) -> bool,
) -> bool {
    change_of(planned, addr).is_some_and(f)
}

fn cbd(planned: &Planned, addr: &ResourceAddress) -> bool {
    change_of(planned, addr).is_some_and(|c| c.action == Action::CreateThenDelete)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_longest_chain_is_counted_from_each_node() {
        // 0 -> 1 -> 2 -> 3 (a chain) and 4 alone; 3 also waits for 4.
        let mut g = Graph {
            nodes: vec![Node::AssociationBarrier; 5],
            deps: vec![Vec::new(); 5],
            dependents: vec![Vec::new(); 5],
        };
        for (a, b) in [(0, 1), (1, 2), (2, 3), (4, 3)] {
            g.edge(a, b);
        }
        assert_eq!(g.heights(), vec![4, 3, 2, 1, 2]);
    }
}
