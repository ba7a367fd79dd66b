//! The simulated world's storage: one `objects` table for every kind of cloud object (EIPs,
//! groups, pools, VPCs, instances, ...), each with its type, region, status and Alibaba-style
//! attributes as JSON; plus `meta` (clock, account settings), `seq` (id sequences), `addresses`
//! (every public address held, by integer IP), `reserved` (address blocks held by IP address pools
//! and contiguous groups), `released` (recovery history), `recoveries` (R05's monthly count),
//! `counters` (A12's quota count) and `tokens` (ClientToken idempotency).

use std::cell::{Cell, RefCell};

use rusqlite::{Connection, OptionalExtension, params};
use serde_json::{Map, Value};

use crate::cloud::CloudError;

/// The schema version [`migrate`] brings a world to, kept in `PRAGMA user_version`: opening a
/// world already at it runs no migration (some thirty statements, each a transaction of its
/// own, on every open). Raise it with every change to the schema below.
const SCHEMA_VERSION: i64 = 1;

/// The tables and indexes, created when missing. An EIP's bound instance, contiguous group and
/// address pool are copied from its attributes into columns of their own (`eip_instance`,
/// `eip_segment`, `eip_pool`; NULL when empty and for other objects), each indexed without its
/// NULLs ([`EIP_BOUND`], [`EIP_GROUPED`], [`EIP_POOLED`]): allocating or updating an unbound EIP
/// writes none of their pages, and no write parses the attributes' JSON. Worlds made before
/// indexed expressions of the JSON instead; on open they get the columns, filled from the
/// attributes, and the expression indexes are dropped ([`add_eip_columns`]).
///
/// Every index costs each call that inserts a row one more B-tree page, in the call's savepoint
/// journal and in the write-ahead log (a 10,000-resource apply wrote 450 MB of log for an 18 MB
/// world, ~10 pages per call). So statuses are indexed only while in transition, all that
/// [`IN_TRANSITION`] asks for (two partial indexes of two statuses each: SQLite evaluates an
/// `IN` of more than two values through a temporary table on every insert), and addresses and
/// reserved blocks are found by address only (the indexes by owner, which no query used, are
/// dropped on open).
pub(crate) fn migrate(conn: &Connection) -> rusqlite::Result<()> {
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if version >= SCHEMA_VERSION {
        return Ok(());
    }
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS objects(
            id TEXT PRIMARY KEY,
            type TEXT NOT NULL,
            region TEXT NOT NULL,
            status TEXT NOT NULL,
            attrs TEXT NOT NULL,
            created_at TEXT NOT NULL,
            client_token TEXT,
            eip_instance TEXT,
            eip_segment TEXT,
            eip_pool TEXT
         );
         CREATE INDEX IF NOT EXISTS objects_by_type ON objects(type, region, id);
         CREATE UNIQUE INDEX IF NOT EXISTS objects_by_token ON objects(type, client_token)
             WHERE client_token IS NOT NULL;
         CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
         CREATE TABLE IF NOT EXISTS seq(prefix TEXT PRIMARY KEY, next INTEGER NOT NULL);
         DROP INDEX IF EXISTS objects_by_status;
         CREATE INDEX IF NOT EXISTS objects_associating ON objects(type, status)
             WHERE status IN ('Associating', 'Unassociating');
         CREATE INDEX IF NOT EXISTS objects_starting ON objects(type, status)
             WHERE status IN ('Stopping', 'Starting');
         DROP INDEX IF EXISTS objects_eip_instance;
         DROP INDEX IF EXISTS objects_eip_segment;
         DROP INDEX IF EXISTS objects_eip_pool;
         CREATE TABLE IF NOT EXISTS addresses(
            ip INTEGER PRIMARY KEY,
            region TEXT NOT NULL,
            owner TEXT NOT NULL,
            kind TEXT NOT NULL
         );
         DROP INDEX IF EXISTS addresses_by_owner;
         CREATE TABLE IF NOT EXISTS reserved(
            start INTEGER PRIMARY KEY,
            end INTEGER NOT NULL,
            region TEXT NOT NULL,
            owner TEXT NOT NULL
         );
         DROP INDEX IF EXISTS reserved_by_owner;
         CREATE TABLE IF NOT EXISTS released(
            ip INTEGER NOT NULL,
            allocation_id TEXT NOT NULL,
            region TEXT NOT NULL,
            released_at TEXT NOT NULL,
            origin TEXT NOT NULL,
            isp TEXT NOT NULL,
            pool_id TEXT NOT NULL DEFAULT '',
            fate TEXT NOT NULL DEFAULT '',
            PRIMARY KEY(ip, released_at)
         );
         CREATE INDEX IF NOT EXISTS released_by_allocation ON released(allocation_id, released_at);
         CREATE TABLE IF NOT EXISTS recoveries(at TEXT NOT NULL, ip INTEGER NOT NULL, allocation_id TEXT NOT NULL);
         CREATE INDEX IF NOT EXISTS recoveries_by_time ON recoveries(at);
         CREATE TABLE IF NOT EXISTS counters(name TEXT PRIMARY KEY, n INTEGER NOT NULL);
         CREATE TABLE IF NOT EXISTS tokens(
            token TEXT NOT NULL,
            action TEXT NOT NULL,
            params TEXT NOT NULL,
            response TEXT NOT NULL,
            PRIMARY KEY(token, action)
         );",
    )?;
    add_eip_columns(conn)?;
    conn.execute_batch(
        "DROP INDEX IF EXISTS objects_eip_bound;
         DROP INDEX IF EXISTS objects_eip_grouped;
         DROP INDEX IF EXISTS objects_eip_pooled;
         CREATE INDEX IF NOT EXISTS objects_by_eip_instance ON objects(eip_instance)
             WHERE eip_instance IS NOT NULL;
         CREATE INDEX IF NOT EXISTS objects_by_eip_segment ON objects(eip_segment)
             WHERE eip_segment IS NOT NULL;
         CREATE INDEX IF NOT EXISTS objects_by_eip_pool ON objects(eip_pool)
             WHERE eip_pool IS NOT NULL;",
    )?;
    conn.pragma_update(None, "user_version", SCHEMA_VERSION)
}

/// Gives a world made before the EIP columns existed its `eip_instance`, `eip_segment` and
/// `eip_pool`, filled from every EIP's attributes: in one write transaction, which a second
/// process opening the same world waits for and then finds done.
fn add_eip_columns(conn: &Connection) -> rusqlite::Result<()> {
    let has = |conn: &Connection| -> rusqlite::Result<bool> {
        conn.query_row(
            "SELECT COUNT(*) FROM pragma_table_info('objects') WHERE name = 'eip_instance'",
            [],
            |r| r.get::<_, i64>(0),
        )
        .map(|n| n > 0)
    };
    if has(conn)? {
        return Ok(());
    }
    conn.execute_batch("BEGIN IMMEDIATE")?;
    let added = (|| {
        if has(conn)? {
            return Ok(());
        }
        let mut sql = String::new();
        for (column, _) in EIP_COLUMNS {
            sql.push_str(&format!("ALTER TABLE objects ADD COLUMN {column} TEXT;"));
        }
        let fills: Vec<String> = EIP_COLUMNS
            .iter()
            .map(|(column, attr)| format!("{column} = NULLIF(json_extract(attrs, '$.{attr}'), '')"))
            .collect();
        sql.push_str(&format!(
            "UPDATE objects SET {} WHERE type = 'eip';",
            fills.join(", ")
        ));
        conn.execute_batch(&sql)
    })();
    match added {
        Ok(()) => conn.execute_batch("COMMIT"),
        Err(e) => {
            let _ = conn.execute_batch("ROLLBACK");
            Err(e)
        }
    }
}

/// The EIP columns, each with the attribute it copies.
const EIP_COLUMNS: [(&str, &str); 3] = [
    ("eip_instance", "InstanceId"),
    ("eip_segment", "SegmentInstanceId"),
    ("eip_pool", "PublicIpAddressPoolId"),
];

/// The values of the [`EIP_COLUMNS`] of `obj`: its non-empty bound instance, contiguous group
/// and address pool (none for other objects).
fn eip_columns(obj: &Obj) -> [Option<&str>; 3] {
    if obj.kind != "eip" {
        return [None; 3];
    }
    EIP_COLUMNS.map(|(_, attr)| {
        obj.attrs
            .get(attr)
            .and_then(Value::as_str)
            .filter(|v| !v.is_empty())
    })
}

/// The `objects` condition of the EIPs bound to instance `?1` (served by `objects_by_eip_instance`).
pub(crate) const EIP_BOUND: &str = "type = 'eip' AND eip_instance = ?1";

/// The `objects` condition of the members of contiguous group `?1`.
pub(crate) const EIP_GROUPED: &str = "type = 'eip' AND eip_segment = ?1";

/// The `objects` condition of the EIPs from address pool `?1`.
pub(crate) const EIP_POOLED: &str = "type = 'eip' AND eip_pool = ?1";

/// The columns [`row_to_obj`] reads, in order.
pub(crate) const OBJ_COLUMNS: &str = "id, type, region, status, attrs, created_at, client_token";

/// One object of the simulated world.
#[derive(Debug, Clone, PartialEq)]
pub struct Obj {
    pub id: String,
    /// `eip`, `eip_segment`, `pool`, `pool_cidr`, `vpc`, `vswitch`, `security_group`, `instance`, ...
    pub kind: String,
    pub region: String,
    pub status: String,
    /// Alibaba-style attribute names (`Bandwidth`, `InstanceId`, `VpcId`, ...).
    pub attrs: Map<String, Value>,
    pub created_at: String,
    pub client_token: Option<String>,
}

impl Obj {
    pub fn str(&self, key: &str) -> &str {
        self.attrs.get(key).and_then(Value::as_str).unwrap_or("")
    }
}

pub(crate) fn db_error(e: rusqlite::Error) -> CloudError {
    CloudError::new("InternalError", format!("simulated cloud storage: {e}")).status(500)
}

/// What one connection remembers between calls about objects in transition (EIPs `Associating`
/// or `Unassociating`, instances `Stopping` or `Starting`), so that `eip::settle_due`, which runs
/// before every call, costs one `PRAGMA data_version` when nothing can be due.
///
/// The knowledge holds while no other connection has committed (`PRAGMA data_version` unchanged):
/// this connection's own writes go through [`Ctx::insert`] and [`Ctx::update`], which lower
/// `earliest` whenever they write an object in transition. It may be too early (a call that wrote
/// one failed and rolled back; the object left its transition otherwise), never too late: a
/// `settle_due` that finds nothing due just records the true earliest time.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Transitions {
    /// The `PRAGMA data_version` `earliest` was learnt at; `None` before the first call.
    version: Option<i64>,
    /// The earliest time (milliseconds since the epoch) an object in transition may be due;
    /// `None` when no object is in transition, `i64::MIN` when one may be due at once.
    earliest: Option<i64>,
}

/// The `objects` condition of the objects in transition (`eip::settle_due` settles them): each
/// branch is served by one of the partial indexes `objects_associating` and `objects_starting`.
pub(crate) const IN_TRANSITION: &str = "(type = 'eip' AND status IN ('Associating', 'Unassociating')) OR (type = 'instance' AND status IN ('Stopping', 'Starting'))";

/// Whether `obj` matches [`IN_TRANSITION`].
fn in_transition(obj: &Obj) -> bool {
    match obj.kind.as_str() {
        "eip" => matches!(obj.status.as_str(), "Associating" | "Unassociating"),
        "instance" => matches!(obj.status.as_str(), "Stopping" | "Starting"),
        _ => false,
    }
}

/// When an object in transition is due: its `_TransitionUntil` in milliseconds since the epoch,
/// `i64::MIN` (at once) when it has none.
pub(crate) fn transition_due(obj: &Obj) -> i64 {
    obj.attrs
        .get("_TransitionUntil")
        .and_then(Value::as_str)
        .and_then(super::clock::parse_time)
        .map_or(i64::MIN, |t| t.timestamp_millis())
}

/// `kind` as an SQL string literal when it is a plain name (every kind the simulator uses), so
/// that the query planner sees it: the partial indexes (`WHERE type = 'eip'`) serve only a
/// literal kind, as the connections never let a bound value steer a plan (see `configure` in
/// the module root). Other kinds stay bound parameters.
pub(crate) fn kind_literal(kind: &str) -> Option<String> {
    (!kind.is_empty()
        && kind
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'))
    .then(|| format!("'{kind}'"))
}

/// What one API call sees: the world inside its savepoint. Every statement goes through the
/// connection's statement cache.
pub struct Ctx<'a> {
    conn: &'a Connection,
    transitions: &'a Cell<Transitions>,
    meta: &'a MetaCache,
}

/// `meta` rows (account settings, the clock, counters) read or written in one transaction,
/// where nobody else changes them: kept by a session for its open batch, dropped when the batch
/// ends or a call of it rolls back (see `Session`).
pub(crate) type MetaCache = RefCell<Vec<(String, Option<String>)>>;

impl<'a> Ctx<'a> {
    pub(crate) fn new(
        conn: &'a Connection,
        transitions: &'a Cell<Transitions>,
        meta: &'a MetaCache,
    ) -> Ctx<'a> {
        Ctx {
            conn,
            transitions,
            meta,
        }
    }

    /// The raw connection, for queries the helpers below do not cover.
    pub fn db(&self) -> &Connection {
        self.conn
    }

    /// Runs one statement through the statement cache (as `Connection::execute`).
    pub fn execute<P: rusqlite::Params>(&self, sql: &str, params: P) -> rusqlite::Result<usize> {
        self.conn.prepare_cached(sql)?.execute(params)
    }

    /// Reads one row through the statement cache (as `Connection::query_row`).
    /// Prepares `sql` into the connection's statement cache ahead of its first use.
    pub fn prepare(&self, sql: &str) -> Result<(), CloudError> {
        self.conn.prepare_cached(sql).map(drop).map_err(db_error)
    }

    pub fn query_row<T, P, F>(&self, sql: &str, params: P, f: F) -> rusqlite::Result<T>
    where
        P: rusqlite::Params,
        F: FnOnce(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
    {
        self.conn.prepare_cached(sql)?.query_row(params, f)
    }

    pub fn get(&self, id: &str) -> Result<Option<Obj>, CloudError> {
        self.query_row(
            "SELECT id, type, region, status, attrs, created_at, client_token FROM objects WHERE id = ?1",
            params![id],
            row_to_obj,
        )
        .optional()
        .map_err(db_error)
    }

    /// The object `id` when it exists and is of `kind`.
    pub fn get_kind(&self, id: &str, kind: &str) -> Result<Option<Obj>, CloudError> {
        Ok(self.get(id)?.filter(|o| o.kind == kind))
    }

    pub fn by_token(&self, kind: &str, token: &str) -> Result<Option<Obj>, CloudError> {
        let found = match kind_literal(kind) {
            Some(k) => self.query_row(
                &format!(
                    "SELECT {OBJ_COLUMNS} FROM objects WHERE type = {k} AND client_token = ?1"
                ),
                params![token],
                row_to_obj,
            ),
            None => self.query_row(
                &format!("SELECT {OBJ_COLUMNS} FROM objects WHERE type = ?1 AND client_token = ?2"),
                params![kind, token],
                row_to_obj,
            ),
        };
        found.optional().map_err(db_error)
    }

    /// Lowers the earliest known transition time when `obj` is in transition.
    fn note_transition(&self, obj: &Obj) {
        if in_transition(obj) {
            let mut t = self.transitions.get();
            let due = transition_due(obj);
            t.earliest = Some(t.earliest.map_or(due, |e| e.min(due)));
            self.transitions.set(t);
        }
    }

    /// The earliest time (milliseconds since the epoch) an object in transition may be due, or
    /// `None` when none is in transition (see [`Transitions`]).
    pub(crate) fn earliest_transition(&self) -> Result<Option<i64>, CloudError> {
        let version: i64 = self
            .query_row("PRAGMA data_version", [], |r| r.get(0))
            .map_err(db_error)?;
        let mut t = self.transitions.get();
        if t.version != Some(version) {
            // Another connection changed the world (or this is the first call): look.
            t = Transitions {
                version: Some(version),
                earliest: Some(i64::MIN),
            };
            self.transitions.set(t);
        }
        Ok(t.earliest)
    }

    /// Records the earliest due time of the objects still in transition (`None`: none is).
    pub(crate) fn set_earliest_transition(&self, earliest: Option<i64>) {
        let mut t = self.transitions.get();
        t.earliest = earliest;
        self.transitions.set(t);
    }

    pub fn insert(&self, obj: &Obj) -> Result<(), CloudError> {
        self.note_transition(obj);
        let [instance, segment, pool] = eip_columns(obj);
        self.execute(
            "INSERT INTO objects(id, type, region, status, attrs, created_at, client_token, eip_instance, eip_segment, eip_pool)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            params![
                obj.id,
                obj.kind,
                obj.region,
                obj.status,
                attrs_json(&obj.attrs),
                obj.created_at,
                obj.client_token,
                instance,
                segment,
                pool
            ],
        )
        .map_err(db_error)?;
        Ok(())
    }

    pub fn update(&self, obj: &Obj) -> Result<(), CloudError> {
        self.note_transition(obj);
        let [instance, segment, pool] = eip_columns(obj);
        self.execute(
            "UPDATE objects SET status = ?2, attrs = ?3, eip_instance = ?4, eip_segment = ?5, eip_pool = ?6
             WHERE id = ?1",
            params![
                obj.id,
                obj.status,
                attrs_json(&obj.attrs),
                instance,
                segment,
                pool
            ],
        )
        .map_err(db_error)?;
        Ok(())
    }

    pub fn delete(&self, id: &str) -> Result<(), CloudError> {
        self.execute("DELETE FROM objects WHERE id = ?1", params![id])
            .map_err(db_error)?;
        Ok(())
    }

    /// Objects of `kind` (in `region` when given), ordered by id.
    pub fn list(&self, kind: &str, region: Option<&str>) -> Result<Vec<Obj>, CloudError> {
        match (kind_literal(kind), region) {
            (Some(k), Some(r)) => self.select(&format!("type = {k} AND region = ?1"), &[&r]),
            (Some(k), None) => self.select(&format!("type = {k}"), &[]),
            (None, _) => self.select(
                "type = ?1 AND (?2 IS NULL OR region = ?2)",
                &[&kind, &region],
            ),
        }
    }

    /// A new id `prefix` + a stable, unique suffix (`eip-` -> `eip-bp1a2b3c4d5e6f7g8h9i0`).
    pub fn new_id(&self, prefix: &str) -> Result<String, CloudError> {
        let n = self.next_seq(prefix)?;
        Ok(format!("{prefix}{}", id_suffix(prefix, n as u64)))
    }

    /// The next number (1, 2, ...) of the sequence `name`.
    pub fn next_seq(&self, name: &str) -> Result<i64, CloudError> {
        // An UPDATE plus a read costs less than an upsert with RETURNING.
        let bumped = self
            .execute(
                "UPDATE seq SET next = next + 1 WHERE prefix = ?1",
                params![name],
            )
            .map_err(db_error)?;
        if bumped == 0 {
            self.execute(
                "INSERT INTO seq(prefix, next) VALUES (?1, 2)",
                params![name],
            )
            .map_err(db_error)?;
            return Ok(1);
        }
        self.query_row(
            "SELECT next - 1 FROM seq WHERE prefix = ?1",
            params![name],
            |r| r.get(0),
        )
        .map_err(db_error)
    }

    pub fn meta(&self, key: &str) -> Result<Option<String>, CloudError> {
        if let Some((_, v)) = self.meta.borrow().iter().find(|(k, _)| k == key) {
            return Ok(v.clone());
        }
        let v: Option<String> = self
            .query_row("SELECT value FROM meta WHERE key = ?1", params![key], |r| {
                r.get(0)
            })
            .optional()
            .map_err(db_error)?;
        self.meta.borrow_mut().push((key.to_string(), v.clone()));
        Ok(v)
    }

    /// Objects matching `filter` (an SQL condition over the `objects` columns, with `?1`...
    /// bound to `args`), ordered by id.
    pub fn select(
        &self,
        filter: &str,
        args: &[&dyn rusqlite::ToSql],
    ) -> Result<Vec<Obj>, CloudError> {
        let sql = format!("SELECT {OBJ_COLUMNS} FROM objects WHERE {filter} ORDER BY id");
        let mut stmt = self.conn.prepare_cached(&sql).map_err(db_error)?;
        let rows = stmt.query_map(args, row_to_obj).map_err(db_error)?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(db_error)
    }

    /// One page (`limit` rows from `offset`) of the objects matching `filter`, ordered by id.
    pub fn select_page(
        &self,
        filter: &str,
        args: &[&dyn rusqlite::ToSql],
        limit: i64,
        offset: i64,
    ) -> Result<Vec<Obj>, CloudError> {
        // Limit and offset are bound (numbered after `args`), so every page shares one statement.
        let n = args.len();
        let sql = format!(
            "SELECT {OBJ_COLUMNS} FROM objects WHERE {filter} ORDER BY id LIMIT ?{} OFFSET ?{}",
            n + 1,
            n + 2
        );
        let mut all: Vec<&dyn rusqlite::ToSql> = args.to_vec();
        all.push(&limit);
        all.push(&offset);
        let mut stmt = self.conn.prepare_cached(&sql).map_err(db_error)?;
        let rows = stmt.query_map(&all[..], row_to_obj).map_err(db_error)?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(db_error)
    }

    /// How many objects match `filter`.
    pub fn count(&self, filter: &str, args: &[&dyn rusqlite::ToSql]) -> Result<i64, CloudError> {
        let sql = format!("SELECT COUNT(*) FROM objects WHERE {filter}");
        self.query_row(&sql, args, |r| r.get(0)).map_err(db_error)
    }

    /// Adds `delta` to the counter `name` (created at 0) and returns the new value.
    pub fn bump(&self, name: &str, delta: i64) -> Result<i64, CloudError> {
        self.add(name, delta)?;
        self.counter(name)
    }

    /// Adds `delta` to the counter `name` (created at 0).
    pub fn add(&self, name: &str, delta: i64) -> Result<(), CloudError> {
        self.update_else_insert(
            "UPDATE counters SET n = n + ?2 WHERE name = ?1",
            "INSERT INTO counters(name, n) VALUES (?1, ?2)",
            params![name, delta],
        )
    }

    /// Runs `update`, and `insert` when that changed no row (both with `args`): for rows that
    /// mostly exist already, cheaper than an upsert (which tries the insert first).
    fn update_else_insert(
        &self,
        update: &str,
        insert: &str,
        args: &[&dyn rusqlite::ToSql],
    ) -> Result<(), CloudError> {
        if self.execute(update, args).map_err(db_error)? == 0 {
            self.execute(insert, args).map_err(db_error)?;
        }
        Ok(())
    }

    /// Adds 1 to the counter `name` (created at 0) unless it is `limit` or more already, which
    /// is `Err` with the counter's value (unchanged). One statement when there is room: the
    /// check and the count of a quota in one.
    pub fn add_one_below(&self, name: &str, limit: i64) -> Result<Result<(), i64>, CloudError> {
        let bumped = self
            .execute(
                "UPDATE counters SET n = n + 1 WHERE name = ?1 AND n < ?2",
                params![name, limit],
            )
            .map_err(db_error)?;
        if bumped > 0 {
            return Ok(Ok(()));
        }
        let used = self.counter(name)?;
        if used >= limit {
            return Ok(Err(used));
        }
        self.add(name, 1)?;
        Ok(Ok(()))
    }

    /// The value of counter `name` (0 when never bumped).
    pub fn counter(&self, name: &str) -> Result<i64, CloudError> {
        Ok(self
            .query_row(
                "SELECT n FROM counters WHERE name = ?1",
                params![name],
                |r| r.get(0),
            )
            .optional()
            .map_err(db_error)?
            .unwrap_or(0))
    }

    pub fn set_meta(&self, key: &str, value: &str) -> Result<(), CloudError> {
        // Most keys exist already (the allocation cursors).
        self.update_else_insert(
            "UPDATE meta SET value = ?2 WHERE key = ?1",
            "INSERT INTO meta(key, value) VALUES (?1, ?2)",
            params![key, value],
        )?;
        let mut cache = self.meta.borrow_mut();
        match cache.iter_mut().find(|(k, _)| k == key) {
            Some((_, v)) => *v = Some(value.to_string()),
            None => cache.push((key.to_string(), Some(value.to_string()))),
        }
        Ok(())
    }
}

/// An object's attributes as stored (a JSON object), serialised without copying the map.
fn attrs_json(attrs: &Map<String, Value>) -> String {
    serde_json::to_string(attrs).unwrap_or_else(|_| "{}".to_string())
}

fn row_to_obj(r: &rusqlite::Row<'_>) -> rusqlite::Result<Obj> {
    // Parsed from SQLite's own buffer, without copying the text first.
    let attrs = r.get_ref(4)?.as_str()?;
    Ok(Obj {
        id: r.get(0)?,
        kind: r.get(1)?,
        region: r.get(2)?,
        status: r.get(3)?,
        attrs: crate::json_map::from_str(attrs).unwrap_or_default(),
        created_at: r.get(5)?,
        client_token: r.get(6)?,
    })
}

/// Alibaba ids look like `bp1` + 20 lowercase alphanumerics. Twelve characters are a hash of the
/// prefix and the sequence number (so ids look random and differ between kinds); the last eight
/// are the sequence number itself, which keeps them unique and stable.
fn id_suffix(prefix: &str, n: u64) -> String {
    const ALPHABET: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let seed = prefix.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    });
    let mix = |n: u64| {
        let x = (n ^ seed).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0x5bd1_e995_1234_5678;
        x ^ (x >> 29)
    };
    let mut s = String::from("bp1");
    // The first four of a block of 4,096 consecutive ids are the same: the block's ids go to
    // one region of the indexes by id (a random id costs a random page once they outgrow the
    // page cache).
    let (mut block, mut x) = (mix(n >> 12), mix(n));
    for i in 0..12 {
        let v = if i < 4 { &mut block } else { &mut x };
        s.push(ALPHABET[(*v % 36) as usize] as char);
        *v /= 36;
    }
    s.push_str(&format!("{n:08}"));
    s
}
