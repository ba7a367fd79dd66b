//! The simulated world's storage: one `objects` table for every kind of cloud object (EIPs,
//! groups, pools, VPCs, instances, ...), each with its type, region, status and Alibaba-style
//! attributes as JSON; plus `meta` (clock, account settings), `seq` (id sequences), `addresses`
//! (every public address held, by integer IP), `reserved` (address blocks held by IP address pools
//! and contiguous groups), `released` (recovery history), `recoveries` (R05's monthly count),
//! `counters` (A12's quota count) and `tokens` (ClientToken idempotency).

use rusqlite::{Connection, OptionalExtension, Savepoint, params};
use serde_json::{Map, Value};

use crate::cloud::CloudError;

pub(crate) fn migrate(conn: &Connection) -> rusqlite::Result<()> {
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS objects(
            id TEXT PRIMARY KEY,
            type TEXT NOT NULL,
            region TEXT NOT NULL,
            status TEXT NOT NULL,
            attrs TEXT NOT NULL,
            created_at TEXT NOT NULL,
            client_token TEXT
         );
         CREATE INDEX IF NOT EXISTS objects_by_type ON objects(type, region, id);
         CREATE UNIQUE INDEX IF NOT EXISTS objects_by_token ON objects(type, client_token)
             WHERE client_token IS NOT NULL;
         CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
         CREATE TABLE IF NOT EXISTS seq(prefix TEXT PRIMARY KEY, next INTEGER NOT NULL);
         CREATE INDEX IF NOT EXISTS objects_by_status ON objects(type, status);
         CREATE INDEX IF NOT EXISTS objects_eip_instance ON objects(json_extract(attrs, '$.InstanceId'))
             WHERE type = 'eip';
         CREATE INDEX IF NOT EXISTS objects_eip_segment ON objects(json_extract(attrs, '$.SegmentInstanceId'))
             WHERE type = 'eip';
         CREATE INDEX IF NOT EXISTS objects_eip_pool ON objects(json_extract(attrs, '$.PublicIpAddressPoolId'))
             WHERE type = 'eip';
         CREATE TABLE IF NOT EXISTS addresses(
            ip INTEGER PRIMARY KEY,
            region TEXT NOT NULL,
            owner TEXT NOT NULL,
            kind TEXT NOT NULL
         );
         CREATE INDEX IF NOT EXISTS addresses_by_owner ON addresses(owner);
         CREATE TABLE IF NOT EXISTS reserved(
            start INTEGER PRIMARY KEY,
            end INTEGER NOT NULL,
            region TEXT NOT NULL,
            owner TEXT NOT NULL
         );
         CREATE INDEX IF NOT EXISTS reserved_by_owner ON reserved(owner);
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
    )
}

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

/// What one API call sees: the world inside its savepoint.
pub struct Ctx<'a> {
    tx: &'a Savepoint<'a>,
}

impl<'a> Ctx<'a> {
    pub(crate) fn new(tx: &'a Savepoint<'a>) -> Result<Ctx<'a>, CloudError> {
        Ok(Ctx { tx })
    }

    /// The raw connection, for queries the helpers below do not cover.
    pub fn db(&self) -> &Connection {
        self.tx
    }

    pub fn get(&self, id: &str) -> Result<Option<Obj>, CloudError> {
        self.tx.prepare_cached("SELECT id, type, region, status, attrs, created_at, client_token FROM objects WHERE id = ?1").map_err(db_error)?.query_row(
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
        self.tx.prepare_cached("SELECT id, type, region, status, attrs, created_at, client_token FROM objects WHERE type = ?1 AND client_token = ?2").map_err(db_error)?.query_row(
                params![kind, token],
                row_to_obj,
            )
            .optional()
            .map_err(db_error)
    }

    pub fn insert(&self, obj: &Obj) -> Result<(), CloudError> {
        self.tx.prepare_cached("INSERT INTO objects(id, type, region, status, attrs, created_at, client_token) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)").map_err(db_error)?.execute(
                params![
                    obj.id,
                    obj.kind,
                    obj.region,
                    obj.status,
                    Value::Object(obj.attrs.clone()).to_string(),
                    obj.created_at,
                    obj.client_token
                ],
            )
            .map_err(db_error)?;
        Ok(())
    }

    pub fn update(&self, obj: &Obj) -> Result<(), CloudError> {
        self.tx
            .prepare_cached("UPDATE objects SET status = ?2, attrs = ?3 WHERE id = ?1")
            .map_err(db_error)?
            .execute(params![
                obj.id,
                obj.status,
                Value::Object(obj.attrs.clone()).to_string()
            ])
            .map_err(db_error)?;
        Ok(())
    }

    pub fn delete(&self, id: &str) -> Result<(), CloudError> {
        self.tx
            .prepare_cached("DELETE FROM objects WHERE id = ?1")
            .map_err(db_error)?
            .execute(params![id])
            .map_err(db_error)?;
        Ok(())
    }

    /// Objects of `kind` (in `region` when given), ordered by id.
    pub fn list(&self, kind: &str, region: Option<&str>) -> Result<Vec<Obj>, CloudError> {
        let mut stmt = self
            .tx
            .prepare_cached(
                "SELECT id, type, region, status, attrs, created_at, client_token FROM objects
                 WHERE type = ?1 AND (?2 IS NULL OR region = ?2) ORDER BY id",
            )
            .map_err(db_error)?;
        let rows = stmt
            .query_map(params![kind, region], row_to_obj)
            .map_err(db_error)?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(db_error)
    }

    /// A new id `prefix` + a stable, unique suffix (`eip-` -> `eip-bp1a2b3c4d5e6f7g8h9i0`).
    pub fn new_id(&self, prefix: &str) -> Result<String, CloudError> {
        let n: i64 = self.tx.prepare_cached("INSERT INTO seq(prefix, next) VALUES (?1, 2) ON CONFLICT(prefix) DO UPDATE SET next = next + 1 RETURNING next - 1").map_err(db_error)?.query_row(
                params![prefix],
                |r| r.get(0),
            )
            .map_err(db_error)?;
        Ok(format!("{prefix}{}", id_suffix(prefix, n as u64)))
    }

    pub fn meta(&self, key: &str) -> Result<Option<String>, CloudError> {
        self.tx
            .prepare_cached("SELECT value FROM meta WHERE key = ?1")
            .map_err(db_error)?
            .query_row(params![key], |r| r.get(0))
            .optional()
            .map_err(db_error)
    }

    /// Objects matching `filter` (an SQL condition over the `objects` columns, with `?1`...
    /// bound to `args`), ordered by id.
    pub fn select(
        &self,
        filter: &str,
        args: &[&dyn rusqlite::ToSql],
    ) -> Result<Vec<Obj>, CloudError> {
        let sql = format!("SELECT {OBJ_COLUMNS} FROM objects WHERE {filter} ORDER BY id");
        let mut stmt = self.tx.prepare_cached(&sql).map_err(db_error)?;
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
        let sql = format!(
            "SELECT {OBJ_COLUMNS} FROM objects WHERE {filter} ORDER BY id LIMIT {limit} OFFSET {offset}"
        );
        let mut stmt = self.tx.prepare_cached(&sql).map_err(db_error)?;
        let rows = stmt.query_map(args, row_to_obj).map_err(db_error)?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(db_error)
    }

    /// How many objects match `filter`.
    pub fn count(&self, filter: &str, args: &[&dyn rusqlite::ToSql]) -> Result<i64, CloudError> {
        let sql = format!("SELECT COUNT(*) FROM objects WHERE {filter}");
        self.tx
            .prepare_cached(&sql)
            .map_err(db_error)?
            .query_row(args, |r| r.get(0))
            .map_err(db_error)
    }

    /// Adds `delta` to the counter `name` (created at 0) and returns the new value.
    pub fn bump(&self, name: &str, delta: i64) -> Result<i64, CloudError> {
        self.tx.prepare_cached("INSERT INTO counters(name, n) VALUES (?1, ?2) ON CONFLICT(name) DO UPDATE SET n = n + ?2 RETURNING n").map_err(db_error)?.query_row(
                params![name, delta],
                |r| r.get(0),
            )
            .map_err(db_error)
    }

    /// The value of counter `name` (0 when never bumped).
    pub fn counter(&self, name: &str) -> Result<i64, CloudError> {
        Ok(self
            .tx
            .prepare_cached("SELECT n FROM counters WHERE name = ?1")
            .map_err(db_error)?
            .query_row(params![name], |r| r.get(0))
            .optional()
            .map_err(db_error)?
            .unwrap_or(0))
    }

    pub fn set_meta(&self, key: &str, value: &str) -> Result<(), CloudError> {
        self.tx.prepare_cached("INSERT INTO meta(key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value").map_err(db_error)?.execute(
                params![key, value],
            )
            .map_err(db_error)?;
        Ok(())
    }
}

fn row_to_obj(r: &rusqlite::Row<'_>) -> rusqlite::Result<Obj> {
    let attrs: String = r.get(4)?;
    Ok(Obj {
        id: r.get(0)?,
        kind: r.get(1)?,
        region: r.get(2)?,
        status: r.get(3)?,
        attrs: serde_json::from_str(&attrs).unwrap_or_default(),
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
    let mut x = (n ^ seed).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0x5bd1_e995_1234_5678;
    x ^= x >> 29;
    let mut s = String::from("bp1");
    for _ in 0..12 {
        s.push(ALPHABET[(x % 36) as usize] as char);
        x /= 36;
    }
    s.push_str(&format!("{n:08}"));
    s
}
