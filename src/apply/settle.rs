//! After an apply, re-reads what the run touched (and what those resources depend on), so the
//! state holds exactly what the cloud holds:
//! - side effects of the run itself are recorded instead of showing up as drift on the next plan:
//!   an association changes its EIP's `status` and `instance_id`, a pool's `used_ip_num` grows
//!   when an EIP is allocated from it;
//! - a create answers from what it knows (arguments, the create call's answer, the cloud's
//!   documented defaults) without reading the new object back, and leaves what only a read tells
//!   (creation times, what the cloud picks) unknown; this pass records those values, unless the
//!   walk read the new object back before committing it (`apply::complete`).
//!
//! The reads are batched per (region, type) and run in parallel.
//!
//! During the walk, [`Needed`] says which attributes of each resource block the configuration
//! reads; [`complete`] reads a new object right away when its create left one of those unknown,
//! so dependents, outputs and conditions never see an unknown value.

use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};
use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, mpsc};
use std::time::Duration;

use serde_json::Value;

use crate::addr::{BlockAddress, Mode, ResourceAddress};
use crate::config::{Attr, Body, Config};
use crate::eval::{Target, is_unknown, references};
use crate::plan::planner::op_context;
use crate::provider::{Attrs, OpContext, Provider, ReadItem, ReadMemo, ReadMemoAnswer};
use crate::state::{RegionChunk, ResourceState, StateError, StateStore, chunks_by_region_and_type};

/// How many batched reads run at once (the default `-parallelism` of apply).
pub const PARALLELISM: usize = 10;

/// Re-reads `touched` and their recorded dependencies, batched per (region, type) with up to
/// [`PARALLELISM`] reads at once, and records every resource whose attributes differ from what
/// the state holds. Returns how many records changed.
pub fn settle(
    store: &mut dyn StateStore,
    provider: &dyn Provider,
    touched: &[ResourceAddress],
) -> Result<usize, StateError> {
    settle_with(
        store,
        provider,
        touched,
        HashMap::new(),
        &HashSet::new(),
        PARALLELISM,
    )
}

/// [`settle`] with up to `parallelism` reads at once. `recorded` holds records just committed
/// (by the apply walk): those are taken as they are instead of being read back from the store.
/// Of `touched`, those in `read_back` were read back by the walk before they were committed
/// (`apply::complete`): they are not read again unless another touched record depends on them.
pub fn settle_with(
    store: &mut dyn StateStore,
    provider: &dyn Provider,
    touched: &[ResourceAddress],
    mut recorded: HashMap<ResourceAddress, ResourceState>,
    read_back: &HashSet<ResourceAddress>,
    parallelism: usize,
) -> Result<usize, StateError> {
    let mut get = |a: &ResourceAddress| match recorded.remove(a) {
        Some(r) => Ok(Some(r)),
        None => store.get(a),
    };
    // Each record once: the touched ones, then their dependencies not touched themselves.
    let mut loaded: HashSet<ResourceAddress> = HashSet::with_capacity(touched.len());
    let mut deps: BTreeSet<ResourceAddress> = BTreeSet::new();
    let mut records: Vec<ResourceState> = Vec::with_capacity(touched.len());
    // Read back already, and read again only as a dependency of another.
    let mut current: HashMap<ResourceAddress, ResourceState> = HashMap::new();
    for a in touched {
        if !loaded.contains(a)
            && let Some(r) = get(a)?
        {
            deps.extend(r.deps.iter().cloned());
            loaded.insert(a.clone());
            if read_back.contains(a) {
                current.insert(a.clone(), r);
            } else {
                records.push(r);
            }
        }
    }
    for d in deps {
        if let Some(r) = current.remove(&d) {
            records.push(r);
        } else if !loaded.contains(&d)
            && let Some(r) = get(&d)?
        {
            loaded.insert(d);
            records.push(r);
        }
    }
    // One read per chunk of the provider's batch size; chunks of every group run in parallel.
    let chunks = chunks_by_region_and_type(records, |ty| provider.read_batch_size(ty));
    // Each answer is recorded as it arrives (the state is written on this thread only).
    let mut changed = 0;
    read_each(
        provider,
        &chunks,
        provider.read_threads(parallelism),
        |i, answer| {
            // A failed read leaves these records as they are; the next refresh reads them again.
            let Ok(now) = answer else { return Ok(()) };
            let moved: Vec<ResourceState> = chunks[i]
                .2
                .iter()
                .zip(now)
                .filter_map(|(r, read)| {
                    let read = read?;
                    let same = Arc::ptr_eq(&read.attrs, &r.attrs) || *read.attrs == *r.attrs;
                    if same && read.memo == r.read {
                        return None;
                    }
                    Some(ResourceState {
                        attrs: read.attrs,
                        read: read.memo,
                        ..r.clone()
                    })
                })
                .collect();
            // One transaction per answer: each record is whole either way.
            store.put_many(&moved)?;
            changed += moved.len();
            Ok(())
        },
    )?;
    Ok(changed)
}

/// Reads every chunk with up to `parallelism` threads and hands each answer to `handle` on the
/// calling thread as it arrives. The first error of `handle` stops further reads and is returned.
fn read_each(
    provider: &dyn Provider,
    chunks: &[RegionChunk],
    parallelism: usize,
    mut handle: impl FnMut(usize, ReadMemoAnswer) -> Result<(), StateError>,
) -> Result<(), StateError> {
    let read = |i: usize| {
        let (region, ty, items) = &chunks[i];
        let batch: Vec<ReadItem> = items
            .iter()
            .map(|r| (r.id.clone(), r.attrs.clone()))
            .collect();
        let memos: Vec<Option<ReadMemo>> = items.iter().map(|r| r.read).collect();
        let ctx = op_context(region, Duration::from_secs(120));
        provider.read_memo(&ctx, ty, &batch, &memos)
    };
    let threads = parallelism.max(1).min(chunks.len());
    if threads <= 1 {
        for i in 0..chunks.len() {
            handle(i, read(i))?;
        }
        return Ok(());
    }
    let next = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    std::thread::scope(|s| {
        let (tx, rx) = mpsc::sync_channel::<(usize, ReadMemoAnswer)>(threads);
        for _ in 0..threads {
            let (tx, next, stop, read) = (tx.clone(), &next, &stop, &read);
            s.spawn(move || {
                while !stop.load(Ordering::SeqCst) {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    if i >= chunks.len() || tx.send((i, read(i))).is_err() {
                        break;
                    }
                }
            });
        }
        drop(tx);
        let mut result = Ok(());
        for (i, answer) in rx {
            if result.is_ok() {
                result = handle(i, answer);
                if result.is_err() {
                    stop.store(true, Ordering::SeqCst);
                }
            }
        }
        result
    })
}

/// Which attributes of one resource block the configuration reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Wanted {
    /// The whole object (`alicloud_vpc.main`, a splat, a postcondition on `self`).
    All,
    /// These top-level attributes (`id` of `alicloud_vpc.main.id`, `alicloud_vpc.main[0].id`).
    Attrs(BTreeSet<String>),
}

impl Wanted {
    fn wants(&self, attr: &str) -> bool {
        match self {
            Wanted::All => true,
            Wanted::Attrs(names) => names.contains(attr),
        }
    }
}

/// The attributes of each managed resource block that an expression reads: arguments of
/// resources and data sources, `count`/`for_each`, locals, outputs, provider settings and
/// conditions (`depends_on` reads nothing). Built once per walk, linear in the configuration.
#[derive(Debug, Default)]
pub struct Needed {
    blocks: HashMap<BlockAddress, Wanted>,
}

impl Needed {
    pub fn of(config: &Config) -> Needed {
        let mut n = Needed::default();
        for r in &config.resources {
            n.body(&r.body);
            for a in r.count.iter().chain(r.for_each.iter()) {
                n.attr(a);
            }
            for c in r
                .lifecycle
                .preconditions
                .iter()
                .chain(&r.lifecycle.postconditions)
            {
                n.attr(&c.condition);
                n.attr(&c.error_message);
            }
            // Postconditions read `self` after the create.
            if r.addr.mode == Mode::Managed && !r.lifecycle.postconditions.is_empty() {
                n.blocks.insert(r.addr.clone(), Wanted::All);
            }
        }
        for a in config.locals.values() {
            n.attr(a);
        }
        for o in config.outputs.values() {
            if let Some(a) = &o.value {
                n.attr(a);
            }
            for c in &o.preconditions {
                n.attr(&c.condition);
                n.attr(&c.error_message);
            }
        }
        for p in &config.providers {
            n.body(&p.body);
        }
        n
    }

    /// What the configuration reads of `block`; `None` when nothing does.
    pub fn of_block(&self, block: &BlockAddress) -> Option<&Wanted> {
        self.blocks.get(block)
    }

    /// The part of `attrs`, an object of `block`, that the configuration reads, and its `id`.
    /// Whether nothing reads of block `block` but its `id` (which every result keeps).
    pub fn reads_only_id(&self, block: &BlockAddress) -> bool {
        match self.blocks.get(block) {
            None => true,
            Some(Wanted::All) => false,
            Some(Wanted::Attrs(names)) => names.iter().all(|n| n == "id"),
        }
    }

    pub fn read_of(&self, block: &BlockAddress, attrs: &Attrs) -> Attrs {
        match self.blocks.get(block) {
            Some(Wanted::All) => attrs.clone(),
            wanted => attrs
                .iter()
                .filter(|(k, _)| k.as_str() == "id" || wanted.is_some_and(|w| w.wants(k)))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        }
    }

    fn body(&mut self, b: &Body) {
        for a in b.attrs.values() {
            self.attr(a);
        }
        for nb in &b.blocks {
            self.body(&nb.body);
        }
    }

    fn attr(&mut self, a: &Attr) {
        for r in references(&a.expr, &a.range.file) {
            let Target::Resource { addr, .. } = r.target else {
                continue;
            };
            if addr.mode != Mode::Managed {
                continue;
            }
            match r.attr {
                None => {
                    self.blocks.insert(addr, Wanted::All);
                }
                Some(name) => match self
                    .blocks
                    .entry(addr)
                    .or_insert_with(|| Wanted::Attrs(BTreeSet::new()))
                {
                    Wanted::All => {}
                    Wanted::Attrs(names) => {
                        names.insert(name);
                    }
                },
            }
        }
    }
}

/// Whether `attrs` leaves unknown an attribute that `wanted` reads.
pub fn incomplete(attrs: &Attrs, wanted: Option<&Wanted>) -> bool {
    wanted.is_some_and(|w| attrs.iter().any(|(k, v)| is_unknown(v) && w.wants(k)))
}

/// What a create answered (`attrs`), completed by one read of the new object when the
/// configuration reads an attribute the create left unknown (see [`Needed`]). When that read
/// fails the answer is kept: the object is recorded all the same, and a dependent that needs the
/// value reports it as unknown.
pub fn complete(
    provider: &dyn Provider,
    ctx: &OpContext,
    rtype: &str,
    attrs: Attrs,
    wanted: Option<&Wanted>,
) -> Attrs {
    if !incomplete(&attrs, wanted) {
        return attrs;
    }
    let Some(id) = attrs.get("id").and_then(Value::as_str).map(str::to_string) else {
        return attrs;
    };
    let item: ReadItem = (id, Arc::new(attrs));
    match provider.read(ctx, rtype, std::slice::from_ref(&item)) {
        Ok(mut found) => match found.pop().flatten() {
            Some(read) => read,
            None => Arc::unwrap_or_clone(item.1),
        },
        Err(_) => Arc::unwrap_or_clone(item.1),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicUsize;

    use serde_json::json;

    use super::*;
    use crate::eval::unknown;
    use crate::provider::alicloud::AlicloudProvider;
    use crate::provider::{Deleted, ProviderError};
    use crate::workspace;

    fn block(text: &str) -> BlockAddress {
        let (rtype, name) = text.split_once('.').unwrap();
        BlockAddress {
            mode: Mode::Managed,
            rtype: rtype.into(),
            name: name.into(),
        }
    }

    fn names(list: &[&str]) -> Wanted {
        Wanted::Attrs(list.iter().map(|s| s.to_string()).collect())
    }

    #[test]
    fn needed_names_what_the_configuration_reads() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("main.tf"),
            r#"
resource "alicloud_vpc" "v" {
  cidr_block = "10.0.0.0/16"
}
resource "alicloud_vswitch" "s" {
  vpc_id      = alicloud_vpc.v.id
  cidr_block  = cidrsubnet(alicloud_vpc.v.cidr_block, 8, 1)
  zone_id     = "cn-hangzhou-i"
  description = "in ${local.vpc_name}"
}
resource "alicloud_eip_address" "e" {
  count = 2
}
resource "alicloud_eip_address" "later" {
  depends_on = [alicloud_vswitch.s]
}
resource "alicloud_security_group" "g" {
  vpc_id = alicloud_vpc.v.id
  lifecycle {
    postcondition {
      condition     = self.create_time != ""
      error_message = "made"
    }
  }
}
locals {
  vpc_name = alicloud_vpc.v.vpc_name
}
resource "alicloud_vpc" "w" {
  cidr_block = "10.1.0.0/16"
}
resource "alicloud_security_group" "h" {
  vpc_id = alicloud_vpc.w.id
}
output "eips" {
  value = alicloud_eip_address.e
}
output "first" {
  value = alicloud_eip_address.e[0].ip_address
}
"#,
        )
        .unwrap();
        let loaded = crate::config::load_dir(dir.path()).unwrap();
        let n = Needed::of(&loaded.config);
        assert_eq!(
            n.of_block(&block("alicloud_vpc.v")),
            Some(&names(&["cidr_block", "id", "vpc_name"]))
        );
        // A whole object (the output), and a postcondition on `self`.
        assert_eq!(
            n.of_block(&block("alicloud_eip_address.e")),
            Some(&Wanted::All)
        );
        assert_eq!(
            n.of_block(&block("alicloud_security_group.g")),
            Some(&Wanted::All)
        );
        // `depends_on` reads nothing; nothing reads the vSwitch's or `later`'s values.
        assert_eq!(n.of_block(&block("alicloud_vswitch.s")), None);
        assert_eq!(n.of_block(&block("alicloud_eip_address.later")), None);
        // A rehearsal needs of these no more than the id every result has.
        for only_id in [
            "alicloud_vpc.w",
            "alicloud_vswitch.s",
            "alicloud_security_group.h",
        ] {
            assert!(n.reads_only_id(&block(only_id)), "{only_id}");
        }
        for read in [
            "alicloud_vpc.v",
            "alicloud_eip_address.e",
            "alicloud_security_group.g",
        ] {
            assert!(!n.reads_only_id(&block(read)), "{read}");
        }
    }

    /// Answers reads with fixed attributes; counts them.
    struct Reader {
        answer: Attrs,
        reads: AtomicUsize,
    }

    impl Provider for Reader {
        fn create(&self, _: &OpContext, _: &str, _: &Attrs) -> Result<Attrs, ProviderError> {
            unreachable!()
        }
        fn read(
            &self,
            _: &OpContext,
            _: &str,
            items: &[ReadItem],
        ) -> Result<Vec<Option<Attrs>>, ProviderError> {
            self.reads.fetch_add(1, Ordering::SeqCst);
            Ok(items.iter().map(|_| Some(self.answer.clone())).collect())
        }
        fn update(
            &self,
            _: &OpContext,
            _: &str,
            _: &str,
            _: &Attrs,
            _: &Attrs,
            _: &[String],
        ) -> Result<Attrs, ProviderError> {
            unreachable!()
        }
        fn delete(
            &self,
            _: &OpContext,
            _: &str,
            _: &str,
            _: &Attrs,
        ) -> Result<Deleted, ProviderError> {
            unreachable!()
        }
        fn read_data(&self, _: &OpContext, _: &str, _: &Attrs) -> Result<Attrs, ProviderError> {
            unreachable!()
        }
        fn import(&self, _: &OpContext, _: &str, _: &str) -> Result<Option<Attrs>, ProviderError> {
            unreachable!()
        }
        fn find_by_token(
            &self,
            _: &OpContext,
            _: &str,
            _: &str,
        ) -> Result<Option<Attrs>, ProviderError> {
            unreachable!()
        }
    }

    #[test]
    fn complete_reads_only_when_a_wanted_value_is_unknown() {
        let created: Attrs =
            json!({"id": "vpc-1", "cidr_block": "10.0.0.0/16", "create_time": unknown()})
                .as_object()
                .cloned()
                .unwrap()
                .into();
        let read: Attrs = json!({"id": "vpc-1", "cidr_block": "10.0.0.0/16", "create_time": "2026-01-01T00:00:00Z"})
            .as_object().cloned().unwrap().into();
        let p = Reader {
            answer: read.clone(),
            reads: AtomicUsize::new(0),
        };
        let ctx = op_context("cn-hangzhou", Duration::from_secs(5));
        let run = |wanted: Option<Wanted>| {
            complete(&p, &ctx, "alicloud_vpc", created.clone(), wanted.as_ref())
        };
        assert_eq!(run(None), created);
        assert_eq!(run(Some(names(&["id", "cidr_block"]))), created);
        assert_eq!(
            p.reads.load(Ordering::SeqCst),
            0,
            "no read for known values"
        );
        assert_eq!(run(Some(names(&["create_time"]))), read);
        assert_eq!(run(Some(Wanted::All)), read);
        assert_eq!(p.reads.load(Ordering::SeqCst), 2);
    }

    fn record(addr: &str, deps: &[&str], v: &str) -> ResourceState {
        let addr: ResourceAddress = addr.parse().unwrap();
        ResourceState {
            schema_type: addr.block.rtype.clone(),
            addr,
            provider: "alicloud".into(),
            region: "cn-hangzhou".into(),
            id: "x-1".into(),
            attrs: Arc::new(
                json!({"id": "x-1", "v": v})
                    .as_object()
                    .cloned()
                    .unwrap()
                    .into(),
            ),
            deps: deps.iter().map(|d| d.parse().unwrap()).collect(),
            create_before_destroy: false,
            sensitive: Vec::new(),
            read: None,
        }
    }

    #[test]
    fn settle_reads_each_touched_record_and_dependency_once_in_parallel_batches() {
        let dir = tempfile::tempdir().unwrap();
        let mut state = crate::state::sqlite::SqliteState::open(&dir.path().join("s.db")).unwrap();
        // A dependent touched before its dependency, a dependency not touched, and one already
        // exact.
        let assoc = record(
            "alicloud_eip_association.a",
            &["alicloud_eip_address.e", "alicloud_instance.i"],
            "old",
        );
        let eip = record("alicloud_eip_address.e", &[], "old");
        let vm = record("alicloud_instance.i", &[], "new");
        let many: Vec<ResourceState> = (0..120)
            .map(|i| record(&format!("alicloud_eip_address.m[{i}]"), &[], "old"))
            .collect();
        for r in [&assoc, &eip, &vm].into_iter().chain(&many) {
            state.put(r).unwrap();
        }
        let answer: Attrs = json!({"id": "x-1", "v": "new"})
            .as_object()
            .cloned()
            .unwrap()
            .into();
        let p = Reader {
            answer,
            reads: AtomicUsize::new(0),
        };
        let mut touched = vec![assoc.addr.clone(), eip.addr.clone()];
        touched.extend(many.iter().map(|r| r.addr.clone()));
        assert_eq!(settle(&mut state, &p, &touched).unwrap(), 122);
        // One read per type, per 50 EIPs: association 1, EIPs 3 (121), instance 1.
        assert_eq!(p.reads.load(Ordering::SeqCst), 5);
        for r in state.resources().unwrap() {
            assert_eq!(r.attrs["v"], "new", "{}", r.addr);
        }
    }

    /// Plans and applies `ws` as `eipform apply` does, up to the settle pass: the state, the
    /// provider and the addresses the apply touched.
    fn apply_dir(
        ws: &workspace::Workspace,
    ) -> (
        crate::state::sqlite::SqliteState,
        AlicloudProvider,
        Vec<ResourceAddress>,
    ) {
        let mut state = ws.open_state().unwrap();
        let provider = AlicloudProvider::new(ws.cloud().unwrap());
        let planned = crate::apply::tests::plan_from(ws, &state, &provider);
        let outcome = crate::apply::apply(
            ws,
            &planned,
            &provider,
            &mut state,
            &crate::apply::ApplyOptions {
                progress: None,
                parallelism: 4,
                stop: None,
                rehearsal: false,
            },
        );
        assert!(outcome.failed.is_empty(), "{:?}", outcome.failed);
        let touched: Vec<ResourceAddress> =
            outcome.applied.iter().map(|(a, _)| a.clone()).collect();
        (state, provider, touched)
    }

    #[test]
    fn values_only_a_read_tells_reach_dependents_and_outputs_and_the_state() {
        let dir = tempfile::tempdir().unwrap();
        let ws = crate::apply::tests::workspace_with(
            dir.path(),
            r#"
resource "alicloud_vpc" "v" {
  cidr_block = "10.0.0.0/16"
}
resource "alicloud_vswitch" "s" {
  vpc_id      = alicloud_vpc.v.id
  cidr_block  = "10.0.1.0/24"
  zone_id     = "cn-hangzhou-i"
  description = "vpc made ${alicloud_vpc.v.create_time}"
}
resource "alicloud_security_group" "g" {
  vpc_id = alicloud_vpc.v.id
}
resource "alicloud_instance" "i" {
  image_id        = "ubuntu_18_04_64_20G_alibase_20190624.vhd"
  instance_type   = "ecs.g6.large"
  vswitch_id      = alicloud_vswitch.s.id
  security_groups = [alicloud_security_group.g.id]
}
resource "alicloud_eip_address" "e" {
  payment_type = "Subscription"
}
output "ip" {
  value = alicloud_instance.i.private_ip
}
output "eip" {
  value = alicloud_eip_address.e.ip_address
}
"#,
        );
        let (mut state, provider, touched) = apply_dir(&ws);
        // Before the settle pass, only what nothing reads may still be unknown.
        let get = |state: &crate::state::sqlite::SqliteState, a: &str| {
            let addr: ResourceAddress = a.parse().unwrap();
            state.get(&addr).unwrap().unwrap().attrs
        };
        let vpc = get(&state, "alicloud_vpc.v");
        let vsw = get(&state, "alicloud_vswitch.s");
        let vm = get(&state, "alicloud_instance.i");
        let eip = get(&state, "alicloud_eip_address.e");
        let time = vpc["create_time"].as_str().unwrap();
        assert!(
            !is_unknown(&vpc["create_time"]) && time.starts_with("20"),
            "{time}"
        );
        assert_eq!(vsw["description"], format!("vpc made {time}"));
        let outputs = state.outputs().unwrap();
        let out = |name: &str| {
            outputs
                .iter()
                .find(|o| o.name == name)
                .unwrap()
                .value
                .clone()
        };
        assert_eq!(out("ip"), vm["private_ip"]);
        assert!(out("ip").as_str().unwrap().starts_with("10.0.1."));
        assert_eq!(out("eip"), eip["ip_address"]);
        assert!(!is_unknown(&out("eip")));
        assert!(
            is_unknown(&vsw["create_time"]),
            "nothing reads it: no read during the walk"
        );
        // The settle pass records every value.
        // The VPC, instance and EIP were read during the walk (the configuration reads values
        // of theirs that only a read tells); the vSwitch and security group now, and the EIP's
        // record gains what its read recorded (see `ReadMemo`; the walk's read records nothing).
        let changed = settle(&mut state, &provider, &touched).unwrap();
        assert_eq!(changed, 3, "records completed by the settle pass");
        for r in state.resources().unwrap() {
            for (k, v) in r.attrs.iter() {
                assert!(!is_unknown(v), "{}.{k} is still unknown", r.addr);
            }
        }
        let vsw = get(&state, "alicloud_vswitch.s");
        assert!(vsw["create_time"].as_str().unwrap().starts_with("20"));
    }
}
