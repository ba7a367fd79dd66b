//! Group commit and read connections on the world: calls from many threads at once answer only
//! effects that are committed (another connection sees them the moment the answer arrives, and
//! they survive reopening the world), a failing or panicking call in a batch undoes only itself,
//! and queries run without the writer's lock.

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::{Arc, Barrier, mpsc};
use std::time::Duration;

use rusqlite::{Connection, OptionalExtension};

use super::World;
use crate::cloud::sim::SimCloud;
use crate::cloud::{CloudApi, CloudError, Params};

const THREADS: usize = 8;
const CALLS: usize = 40;

fn region() -> Params {
    let mut p = Params::new();
    p.insert("RegionId".into(), "cn-hangzhou".into());
    p
}

/// Whether the committed world (seen through a connection of its own) holds object `id`.
fn committed(path: &Path, id: &str) -> bool {
    let conn = Connection::open(path).unwrap();
    conn.query_row("SELECT 1 FROM objects WHERE id = ?1", [id], |_| Ok(()))
        .optional()
        .unwrap()
        .is_some()
}

fn allocate(cloud: &SimCloud) -> String {
    let v = cloud.call("AllocateEipAddress", &region()).unwrap();
    v["AllocationId"].as_str().unwrap().to_string()
}

/// Runs `each(thread, call)` on [`THREADS`] threads started together.
fn in_parallel<T: Send + 'static>(
    cloud: &Arc<SimCloud>,
    each: impl Fn(&SimCloud, usize, usize) -> T + Send + Sync + 'static,
) -> Vec<T> {
    let barrier = Arc::new(Barrier::new(THREADS));
    let each = Arc::new(each);
    let handles: Vec<_> = (0..THREADS)
        .map(|t| {
            let (cloud, barrier, each) = (cloud.clone(), barrier.clone(), each.clone());
            std::thread::spawn(move || {
                barrier.wait();
                (0..CALLS).map(|i| each(&cloud, t, i)).collect::<Vec<_>>()
            })
        })
        .collect();
    handles
        .into_iter()
        .flat_map(|h| h.join().unwrap())
        .collect()
}

fn world_with_quota() -> World {
    let w = super::world();
    w.set("eip_quota", "100000");
    w
}

/// Many threads allocate at once: calls are grouped (fewer commits than calls), every answered
/// id is already committed when its answer arrives, and all are there after reopening.
#[test]
fn concurrent_calls_share_commits_and_answer_only_committed_effects() {
    let w = world_with_quota();
    let path = w.cloud.path().to_path_buf();
    let before = w.cloud.writer.batches();
    let World { _dir, cloud } = w;
    let cloud = Arc::new(cloud);
    let seen = path.clone();
    let ids = in_parallel(&cloud, move |c, _, _| {
        let id = allocate(c);
        // The answer is out: the call's effects must be committed already.
        assert!(committed(&seen, &id), "{id} answered before its commit");
        id
    });
    let batches = cloud.writer.batches() - before;
    let calls = (THREADS * CALLS) as u64;
    assert!(
        batches < calls,
        "{calls} concurrent calls took {batches} commits"
    );
    let unique: BTreeSet<_> = ids.iter().cloned().collect();
    assert_eq!(unique.len(), THREADS * CALLS, "ids are unique");
    drop(Arc::into_inner(cloud).expect("threads are done"));
    let reopened = SimCloud::open_with_faults(&path, None).unwrap();
    let held: BTreeSet<String> = reopened
        .with_ctx(|ctx| ctx.list("eip", None))
        .unwrap()
        .into_iter()
        .map(|o| o.id)
        .collect();
    assert_eq!(held, unique, "every answered id is in the reopened world");
    drop(_dir);
}

/// In batches mixing calls that fail after writing with calls that succeed, the failures leave
/// nothing behind and undo none of the successes.
#[test]
fn a_failing_call_undoes_only_itself_within_a_batch() {
    let w = world_with_quota();
    let path = w.cloud.path().to_path_buf();
    let World { _dir, cloud } = w;
    let cloud = Arc::new(cloud);
    let out = in_parallel(&cloud, |c, t, i| {
        if (t + i) % 2 == 0 {
            Some(allocate(c))
        } else {
            let failed: Result<(), CloudError> = c.with_ctx(|ctx| {
                ctx.set_meta(&format!("probe-{t}-{i}"), "1")?;
                ctx.new_id("eip-")?;
                Err(CloudError::new("Probe", "fails after writing"))
            });
            assert_eq!(failed.unwrap_err().code, "Probe");
            // An API call that fails on a rule, too.
            let mut p = region();
            p.insert("AllocationId".into(), format!("eip-missing-{t}-{i}"));
            let e = c.call("ReleaseEipAddress", &p).unwrap_err();
            assert_eq!(e.code, "InvalidAllocationId.NotFound");
            None
        }
    });
    let ids: BTreeSet<String> = out.into_iter().flatten().collect();
    assert_eq!(ids.len(), THREADS * CALLS / 2);
    drop(Arc::into_inner(cloud).expect("threads are done"));
    let conn = Connection::open(&path).unwrap();
    let probes: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM meta WHERE key LIKE 'probe-%'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(probes, 0, "failed calls left writes behind");
    let held: BTreeSet<String> = conn
        .prepare("SELECT id FROM objects WHERE type = 'eip'")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(held, ids, "every successful allocation survived its batch");
}

/// A call that panics (while others run) rolls back only itself and wedges nothing: the other
/// calls answer, and the world takes calls afterwards.
#[test]
fn a_panicking_call_neither_wedges_the_world_nor_loses_others() {
    let w = world_with_quota();
    let World { _dir, cloud } = w;
    let path = cloud.path().to_path_buf();
    let cloud = Arc::new(cloud);
    let out = in_parallel(&cloud, |c, t, i| {
        if t == 0 && i % 10 == 0 {
            let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                let _: Result<(), CloudError> = c.with_ctx(|ctx| {
                    ctx.set_meta("panicked", "1")?;
                    panic!("a call panics");
                });
            }));
            assert!(caught.is_err());
            None
        } else {
            Some(allocate(c))
        }
    });
    let ids: Vec<String> = out.into_iter().flatten().collect();
    assert_eq!(ids.len(), THREADS * CALLS - CALLS / 10);
    let last = allocate(&cloud);
    assert!(committed(&path, &last));
    for id in &ids {
        assert!(committed(&path, id), "{id} lost");
    }
    let conn = Connection::open(&path).unwrap();
    let panicked: Option<String> = conn
        .query_row("SELECT value FROM meta WHERE key = 'panicked'", [], |r| {
            r.get(0)
        })
        .optional()
        .unwrap();
    assert_eq!(panicked, None, "the panicking call was rolled back");
}

/// API calls that queue while the session is held for other work (copying the world for a
/// scratch session, here a test) answer once it is released: releasing hands them a leader.
#[test]
fn calls_queued_behind_other_work_answer_once_it_releases_the_session() {
    let World { _dir, cloud } = world_with_quota();
    let cloud = Arc::new(cloud);
    let held = cloud.writer.lock();
    let (tx, rx) = mpsc::channel();
    let callers: Vec<_> = (0..4)
        .map(|_| {
            let (c, tx) = (cloud.clone(), tx.clone());
            std::thread::spawn(move || tx.send(allocate(&c)).unwrap())
        })
        .collect();
    assert!(
        rx.recv_timeout(Duration::from_millis(300)).is_err(),
        "a call answered while the session was held"
    );
    drop(held);
    let ids: BTreeSet<String> = (0..4)
        .map(|_| {
            rx.recv_timeout(Duration::from_secs(20))
                .expect("a queued call was left without a leader")
        })
        .collect();
    assert_eq!(ids.len(), 4);
    for c in callers {
        c.join().unwrap();
    }
}

/// Queries answer while the writer's lock is held (they run on read connections) and see what
/// was committed; a query that finds a transition due goes through the writer, which settles it.
#[test]
fn queries_run_beside_the_writer_and_settle_through_it_when_due() {
    let w = world_with_quota();
    let id = w.eip(&[]);
    let World { _dir, cloud } = w;
    let cloud = Arc::new(cloud);
    let held = cloud.writer.lock();
    let (tx, rx) = mpsc::channel();
    let c = cloud.clone();
    let want = id.clone();
    let query = std::thread::spawn(move || {
        let mut p = region();
        p.insert("AllocationId".into(), want);
        let _ = tx.send(c.call("DescribeEipAddresses", &p));
    });
    let seen = rx
        .recv_timeout(Duration::from_secs(20))
        .expect("a query waited for the writer's lock")
        .unwrap();
    assert_eq!(seen["TotalCount"], 1);
    assert_eq!(seen["EipAddresses"]["EipAddress"][0]["AllocationId"], id);
    drop(held);
    query.join().unwrap();

    // An association that finishes after a minute: a query once the clock has passed it sees
    // it finished (InUse), which only the writer can record.
    let w = World {
        _dir,
        cloud: Arc::into_inner(cloud).unwrap(),
    };
    w.associate_slowly(&id, "i-batch1");
    crate::cloud::sim::admin::clock_advance(&w.cloud, "2m").unwrap();
    assert_eq!(w.describe(&id).unwrap()["Status"], "InUse");
    let conn = Connection::open(w.cloud.path()).unwrap();
    let status: String = conn
        .query_row("SELECT status FROM objects WHERE id = ?1", [&id], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(status, "InUse", "the settled status is committed");
}

/// A world (quota 100) whose schema `old` turned back into a former one, opened again (which
/// migrates it), with the path of its file.
fn reopened_after(old: &str) -> (World, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cloud.db");
    {
        let cloud = SimCloud::open_with_faults(&path, None).unwrap();
        cloud
            .with_ctx(|ctx| crate::cloud::sim::account::set(ctx, "eip_quota", "100"))
            .unwrap();
    }
    // Worlds made before `PRAGMA user_version` was kept are at version 0.
    Connection::open(&path)
        .unwrap()
        .execute_batch(&format!("{old}; PRAGMA user_version = 0;"))
        .unwrap();
    let w = World {
        _dir: dir,
        cloud: SimCloud::open_with_faults(&path, None).unwrap(),
    };
    (w, path)
}

/// The names of the indexes of the world at `path` matching the `LIKE` pattern `like`.
fn index_names(path: &std::path::Path, like: &str) -> Vec<String> {
    Connection::open(path)
        .unwrap()
        .prepare(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE ?1 ORDER BY name",
        )
        .unwrap()
        .query_map([like], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

/// The single number `sql` (a `COUNT(*)` of parameter `?1` = `arg`) answers.
fn count(conn: &Connection, sql: &str, arg: &str) -> i64 {
    conn.query_row(sql, [arg], |r| r.get(0)).unwrap()
}

/// What turns a world back into one made before the EIP columns: their indexes and the columns
/// dropped, then the expression indexes of `indexes` (the last format's or the one before).
fn without_eip_columns(indexes: &str) -> String {
    format!(
        "DROP INDEX objects_by_eip_instance; DROP INDEX objects_by_eip_segment; DROP INDEX objects_by_eip_pool;
         ALTER TABLE objects DROP COLUMN eip_instance;
         ALTER TABLE objects DROP COLUMN eip_segment;
         ALTER TABLE objects DROP COLUMN eip_pool;
         {indexes}
         PRAGMA user_version = 0;"
    )
}

/// A world at the current schema version opens without migrating (what a migration would put
/// back stays missing), and one at version 0 (made before the version was kept) is migrated.
#[test]
fn only_worlds_below_the_schema_version_are_migrated() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cloud.db");
    let version = |path: &std::path::Path| -> i64 {
        Connection::open(path)
            .unwrap()
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap()
    };
    drop(SimCloud::open_with_faults(&path, None).unwrap());
    assert_eq!(version(&path), 1);
    let drop_index = "DROP INDEX objects_by_eip_pool;";
    Connection::open(&path)
        .unwrap()
        .execute_batch(drop_index)
        .unwrap();
    drop(SimCloud::open_with_faults(&path, None).unwrap());
    assert!(index_names(&path, "objects_by_eip_pool").is_empty());
    Connection::open(&path)
        .unwrap()
        .execute_batch("PRAGMA user_version = 0;")
        .unwrap();
    drop(SimCloud::open_with_faults(&path, None).unwrap());
    assert_eq!(
        index_names(&path, "objects_by_eip_pool"),
        ["objects_by_eip_pool"]
    );
    assert_eq!(version(&path), 1);
}

/// Worlds made before the EIP columns (with the full expression indexes of the first format,
/// or the partial ones of the next) open with the columns, filled from the EIPs they already
/// hold, and only the column indexes: an EIP bound and a group allocated before are found by
/// instance and by group, and allocating an unbound EIP adds no entry.
#[test]
fn worlds_with_the_former_attribute_indexes_are_migrated() {
    let formats = [
        "CREATE INDEX objects_eip_instance ON objects(json_extract(attrs, '$.InstanceId')) WHERE type = 'eip';
         CREATE INDEX objects_eip_segment ON objects(json_extract(attrs, '$.SegmentInstanceId')) WHERE type = 'eip';
         CREATE INDEX objects_eip_pool ON objects(json_extract(attrs, '$.PublicIpAddressPoolId')) WHERE type = 'eip';",
        "CREATE INDEX objects_eip_bound ON objects(json_extract(attrs, '$.InstanceId'))
             WHERE type = 'eip' AND json_extract(attrs, '$.InstanceId') <> '';
         CREATE INDEX objects_eip_grouped ON objects(json_extract(attrs, '$.SegmentInstanceId'))
             WHERE type = 'eip' AND json_extract(attrs, '$.SegmentInstanceId') <> '';
         CREATE INDEX objects_eip_pooled ON objects(json_extract(attrs, '$.PublicIpAddressPoolId'))
             WHERE type = 'eip' AND json_extract(attrs, '$.PublicIpAddressPoolId') <> '';",
    ];
    for indexes in formats {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cloud.db");
        let (bound, group) = {
            let w = World {
                _dir: tempfile::tempdir().unwrap(),
                cloud: SimCloud::open_with_faults(&path, None).unwrap(),
            };
            w.set("eip_quota", "100");
            let bound = w.eip(&[]);
            w.instance("i-migrated");
            w.ok(
                "AssociateEipAddress",
                &[("AllocationId", &bound), ("InstanceId", "i-migrated")],
            );
            let group = w.ok("AllocateEipSegmentAddress", &[("EipMask", "28")]);
            (
                bound,
                group["EipSegmentInstanceId"].as_str().unwrap().to_string(),
            )
        };
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch(&without_eip_columns(indexes)).unwrap();
        drop(conn);
        let w = World {
            _dir: dir,
            cloud: SimCloud::open_with_faults(&path, None).unwrap(),
        };
        assert_eq!(index_names(&path, "objects_eip_%"), Vec::<String>::new());
        assert_eq!(
            index_names(&path, "objects_by_eip_%"),
            [
                "objects_by_eip_instance",
                "objects_by_eip_pool",
                "objects_by_eip_segment"
            ]
        );
        let on = w.ok(
            "DescribeEipAddresses",
            &[("AssociatedInstanceId", "i-migrated")],
        );
        assert_eq!(
            on["TotalCount"], 1,
            "the bound EIP is found after migrating"
        );
        assert_eq!(on["EipAddresses"]["EipAddress"][0]["AllocationId"], bound);
        let members = w.ok("DescribeEipAddresses", &[("SegmentInstanceId", &group)]);
        let conn = Connection::open(&path).unwrap();
        let held = count(
            &conn,
            "SELECT COUNT(*) FROM objects NOT INDEXED WHERE type = 'eip' AND json_extract(attrs, '$.SegmentInstanceId') = ?1",
            &group,
        );
        assert!(held > 1, "{held}");
        assert_eq!(members["TotalCount"], held);
        let free = w.eip(&[]);
        let entries = count(
            &conn,
            "SELECT COUNT(*) FROM objects INDEXED BY objects_by_eip_instance WHERE id = ?1 AND eip_instance IS NOT NULL",
            &free,
        );
        assert_eq!(entries, 0);
        // An association made after migrating writes the column.
        w.instance("i-after");
        w.ok(
            "AssociateEipAddress",
            &[("AllocationId", &free), ("InstanceId", "i-after")],
        );
        let on = w.ok(
            "DescribeEipAddresses",
            &[("AssociatedInstanceId", "i-after")],
        );
        assert_eq!(on["EipAddresses"]["EipAddress"][0]["AllocationId"], free);
    }
}

/// A world made with the former full status index and the indexes by owner opens without them
/// (no query used the latter; the status is indexed only while in transition): allocating an EIP
/// adds no status entry, and an association in transition is still found and settled through
/// the partial indexes.
#[test]
fn worlds_with_the_former_status_and_owner_indexes_are_migrated() {
    let (w, path) = reopened_after(
        "DROP INDEX objects_associating; DROP INDEX objects_starting;
         CREATE INDEX objects_by_status ON objects(type, status);
         CREATE INDEX addresses_by_owner ON addresses(owner);
         CREATE INDEX reserved_by_owner ON reserved(owner);",
    );
    let indexes = index_names(&path, "%");
    let conn = Connection::open(&path).unwrap();
    for gone in [
        "objects_by_status",
        "addresses_by_owner",
        "reserved_by_owner",
    ] {
        assert!(!indexes.iter().any(|i| i == gone), "{gone} in {indexes:?}");
    }
    for kept in ["objects_associating", "objects_starting", "objects_by_type"] {
        assert!(indexes.iter().any(|i| i == kept), "{kept} in {indexes:?}");
    }
    let plan: Vec<String> = conn
        .prepare(&format!(
            "EXPLAIN QUERY PLAN SELECT id FROM objects WHERE {}",
            crate::cloud::sim::store::IN_TRANSITION
        ))
        .unwrap()
        .query_map([], |r| r.get(3))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let plan = plan.join("\n");
    assert!(
        plan.contains("objects_associating") && plan.contains("objects_starting"),
        "{plan}"
    );
    let id = w.eip(&[]);
    let entries = |index: &str| -> i64 {
        conn.query_row(
            &format!("SELECT COUNT(*) FROM objects INDEXED BY {index} WHERE type = 'eip' AND status IN ('Associating', 'Unassociating')"),
            [],
            |r| r.get(0),
        )
        .unwrap()
    };
    assert_eq!(entries("objects_associating"), 0, "an available EIP");
    w.associate_slowly(&id, "i-migrated");
    assert_eq!(entries("objects_associating"), 1);
    crate::cloud::sim::admin::clock_advance(&w.cloud, "2m").unwrap();
    assert_eq!(w.describe(&id).unwrap()["Status"], "InUse");
    assert_eq!(
        entries("objects_associating"),
        0,
        "settled: out of the index"
    );
}

/// Calls keep what they read of the account for their batch only: a setting another process
/// changes between two calls holds for the second (A12: the quota of pay-as-you-go EIPs). A
/// scratch session (which nobody else writes) counts against the setting its copy holds, also
/// after a call of it failed.
#[test]
fn account_settings_are_read_afresh_for_each_batch() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cloud.db");
    let cloud = SimCloud::open_with_faults(&path, None).unwrap();
    let other = SimCloud::open_with_faults(&path, None).unwrap();
    crate::cloud::sim::admin::account_set(&other, "eip_quota", "5").unwrap();
    allocate(&cloud);
    crate::cloud::sim::admin::account_set(&other, "eip_quota", "1").unwrap();
    let refused = cloud.call("AllocateEipAddress", &region()).unwrap_err();
    assert_eq!(refused.rule.as_deref(), Some("A12"), "{refused:?}");
    crate::cloud::sim::admin::account_set(&other, "eip_quota", "3").unwrap();
    allocate(&cloud);
    let scratch = cloud.scratch().unwrap();
    let failed = scratch.call("AllocateEipAddress", &{
        let mut p = region();
        p.insert("Bandwidth".into(), "0".into());
        p
    });
    assert!(failed.is_err());
    scratch.call("AllocateEipAddress", &region()).unwrap();
    let full = scratch.call("AllocateEipAddress", &region()).unwrap_err();
    assert_eq!(full.rule.as_deref(), Some("A12"));
}
