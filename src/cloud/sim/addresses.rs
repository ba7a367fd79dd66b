//! Public address bookkeeping: which addresses are held (`addresses`), which blocks IP address
//! pools and contiguous groups reserve (`reserved`), and which were released (`released`, for
//! recovery). Every lookup is by primary key or index, so allocation stays O(log n).
//!
//! A purchase gets the lowest free address of its region's prefix for the line type
//! ([`regions::alloc_prefix`]), skipping `.0` and `.255`, reserved blocks and held addresses.
//! Released addresses are not handed to new purchases (real EIPs are random; the simulator keeps
//! released addresses aside so they stay recoverable), which makes "lowest free" a per-prefix
//! cursor (`meta` `cursor:<prefix>`). Pool addresses go back to their pool when released.
//!
//! Other families use [`allocate_public_ip`] / [`release_public_ip`] for ECS static public IPs so
//! that they never collide with EIPs and R03 knows their origin.

use std::net::Ipv4Addr;

use chrono::{DateTime, Utc};
use ipnet::Ipv4Net;
use rusqlite::{OptionalExtension, params};

use super::store::db_error;
use super::{Ctx, clock, regions};
use crate::cloud::CloudError;

/// Where a released address came from (R03).
pub mod origin {
    /// An EIP.
    pub const EIP: &str = "eip";
    /// The static public IP of an ECS instance in a VPC.
    pub const ECS_STATIC: &str = "ecs_static";
    /// The public IP of an ECS or CLB instance in the classic network.
    pub const CLASSIC: &str = "classic";
}

fn start_end(net: &Ipv4Net) -> (i64, i64) {
    (
        regions::ip_to_int(net.network()),
        regions::ip_to_int(net.broadcast()),
    )
}

/// The holder (`owner`, `kind`) of `ip`, if it is held.
pub fn holder(ctx: &Ctx<'_>, ip: Ipv4Addr) -> Result<Option<(String, String)>, CloudError> {
    ctx.query_row(
        "SELECT owner, kind FROM addresses WHERE ip = ?1",
        params![regions::ip_to_int(ip)],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
    .optional()
    .map_err(db_error)
}

/// Marks `ip` as held by `owner`.
pub fn take(
    ctx: &Ctx<'_>,
    ip: Ipv4Addr,
    region: &str,
    owner: &str,
    kind: &str,
) -> Result<(), CloudError> {
    ctx.execute(
        "INSERT INTO addresses(ip, region, owner, kind) VALUES (?1, ?2, ?3, ?4)",
        params![regions::ip_to_int(ip), region, owner, kind],
    )
    .map_err(db_error)?;
    Ok(())
}

/// Frees `ip`.
pub fn free(ctx: &Ctx<'_>, ip: Ipv4Addr) -> Result<(), CloudError> {
    ctx.execute(
        "DELETE FROM addresses WHERE ip = ?1",
        params![regions::ip_to_int(ip)],
    )
    .map_err(db_error)?;
    Ok(())
}

/// How many addresses in `[start, end]` are held.
pub fn held_in(ctx: &Ctx<'_>, net: &Ipv4Net) -> Result<i64, CloudError> {
    let (start, end) = start_end(net);
    ctx.query_row(
        "SELECT COUNT(*) FROM addresses WHERE ip BETWEEN ?1 AND ?2",
        params![start, end],
        |r| r.get(0),
    )
    .map_err(db_error)
}

/// The reserved block `(start, end, owner)` that overlaps `[start, end]`, if any.
fn reserved_overlap(
    ctx: &Ctx<'_>,
    start: i64,
    end: i64,
) -> Result<Option<(i64, i64, String)>, CloudError> {
    let row: Option<(i64, i64, String)> = ctx
        .query_row(
            "SELECT start, end, owner FROM reserved WHERE start <= ?1 ORDER BY start DESC LIMIT 1",
            params![end],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()
        .map_err(db_error)?;
    Ok(row.filter(|(_, e, _)| *e >= start))
}

/// The owner of the reserved block holding `ip`, if any.
pub fn reserved_owner(ctx: &Ctx<'_>, ip: Ipv4Addr) -> Result<Option<String>, CloudError> {
    let n = regions::ip_to_int(ip);
    Ok(reserved_overlap(ctx, n, n)?.map(|(_, _, o)| o))
}

/// Reserves `net` for `owner` (a pool CIDR block or a contiguous group); refuses blocks that
/// overlap another reservation or a held address.
pub fn reserve(ctx: &Ctx<'_>, net: &Ipv4Net, region: &str, owner: &str) -> Result<(), CloudError> {
    let (start, end) = start_end(net);
    if let Some((_, _, other)) = reserved_overlap(ctx, start, end)? {
        return Err(CloudError::new(
            "OperationFailed.CidrBlockInUse",
            format!("CIDR block {net} overlaps addresses already reserved by {other}"),
        ));
    }
    if held_in(ctx, net)? > 0 {
        return Err(CloudError::new(
            "OperationFailed.CidrBlockInUse",
            format!("CIDR block {net} contains addresses that are in use"),
        ));
    }
    ctx.execute(
        "INSERT INTO reserved(start, end, region, owner) VALUES (?1, ?2, ?3, ?4)",
        params![start, end, region, owner],
    )
    .map_err(db_error)?;
    Ok(())
}

/// Drops the reservation of `net`.
pub fn unreserve(ctx: &Ctx<'_>, net: &Ipv4Net) -> Result<(), CloudError> {
    ctx.execute(
        "DELETE FROM reserved WHERE start = ?1",
        params![start_end(net).0],
    )
    .map_err(db_error)?;
    Ok(())
}

fn no_stock(region: &str, isp: &str) -> CloudError {
    CloudError::new(
        "OperationFailed.InsufficientEIP",
        format!("No public address of line type {isp} is left in region {region}"),
    )
}

/// The lowest free address of `region`'s prefix for `isp`, now held by `owner`.
pub fn allocate(
    ctx: &Ctx<'_>,
    region: &str,
    isp: &str,
    owner: &str,
    kind: &str,
) -> Result<Ipv4Addr, CloudError> {
    let prefix = regions::alloc_prefix(region, isp).ok_or_else(|| no_stock(region, isp))?;
    let (first, last) = start_end(&prefix);
    let key = format!("cursor:{}", prefix.network());
    let mut c = ctx
        .meta(&key)?
        .and_then(|v| v.parse::<i64>().ok())
        .unwrap_or(first);
    loop {
        if c > last {
            return Err(no_stock(region, isp));
        }
        if matches!(c & 0xff, 0 | 255) {
            c += 1;
            continue;
        }
        if let Some((_, end, _)) = reserved_overlap(ctx, c, c)? {
            c = end + 1;
            continue;
        }
        let ip = regions::int_to_ip(c);
        if holder(ctx, ip)?.is_some() {
            c += 1;
            continue;
        }
        take(ctx, ip, region, owner, kind)?;
        ctx.set_meta(&key, &(c + 1).to_string())?;
        return Ok(ip);
    }
}

/// The lowest free address of `blocks` (a pool's CIDR blocks), now held by `owner`; `None` when
/// the pool is full.
pub fn allocate_in(
    ctx: &Ctx<'_>,
    blocks: &[Ipv4Net],
    region: &str,
    owner: &str,
) -> Result<Option<Ipv4Addr>, CloudError> {
    for block in blocks {
        for ip in block.hosts().chain([block.network(), block.broadcast()]) {
            if holder(ctx, ip)?.is_none() {
                take(ctx, ip, region, owner, "eip")?;
                return Ok(Some(ip));
            }
        }
    }
    Ok(None)
}

/// A free, aligned block of `2^(32-mask)` addresses in `region`'s prefix for `isp`, reserved
/// for `owner` (a contiguous group).
pub fn reserve_aligned(
    ctx: &Ctx<'_>,
    region: &str,
    isp: &str,
    mask: u8,
    owner: &str,
) -> Result<Ipv4Net, CloudError> {
    let prefix = regions::alloc_prefix(region, isp).ok_or_else(|| no_stock(region, isp))?;
    let key = format!("cursor:{}", prefix.network());
    let cursor = ctx
        .meta(&key)?
        .and_then(|v| v.parse::<i64>().ok())
        .unwrap_or(start_end(&prefix).0);
    reserve_aligned_in(ctx, &prefix, cursor, mask, region, owner)?.ok_or_else(|| {
        CloudError::new(
            "OperationFailed.AllocateEipSegment",
            format!(
                "No contiguous block of {} addresses is left in region {region}",
                1u64 << (32 - mask)
            ),
        )
    })
}

/// The lowest free, aligned /`mask` block of `prefix` at or above `from`, reserved for
/// `owner`; `None` when the prefix has none left.
pub fn reserve_aligned_in(
    ctx: &Ctx<'_>,
    prefix: &Ipv4Net,
    from: i64,
    mask: u8,
    region: &str,
    owner: &str,
) -> Result<Option<Ipv4Net>, CloudError> {
    let last = start_end(prefix).1;
    let size = 1i64 << (32 - i64::from(mask));
    let align = |n: i64| (n + size - 1) / size * size;
    let mut cand = align(from);
    loop {
        let end = cand + size - 1;
        if end > last {
            return Ok(None);
        }
        if let Some((_, e, _)) = reserved_overlap(ctx, cand, end)? {
            cand = align(e + 1);
            continue;
        }
        let net = Ipv4Net::new(regions::int_to_ip(cand), mask)
            .map_err(|e| CloudError::new("InternalError", e.to_string()))?;
        if held_in(ctx, &net)? > 0 {
            cand += size;
            continue;
        }
        reserve(ctx, &net, region, owner)?;
        return Ok(Some(net));
    }
}

/// One row of the release history.
#[derive(Debug, Clone)]
pub struct Released {
    pub ip: Ipv4Addr,
    pub allocation_id: String,
    pub region: String,
    pub released_at: DateTime<Utc>,
    pub origin: String,
    pub isp: String,
    pub pool_id: String,
    /// `""`, `other_account`, `locked` or `recycled` (R02).
    pub fate: String,
}

/// Remembers that `ip` (EIP `allocation_id`, or an instance id for static IPs) was released now.
pub fn remember_release(
    ctx: &Ctx<'_>,
    ip: Ipv4Addr,
    allocation_id: &str,
    region: &str,
    origin: &str,
    isp: &str,
    pool_id: &str,
) -> Result<(), CloudError> {
    let at = clock::now_str(ctx)?;
    ctx.execute(
            "INSERT OR REPLACE INTO released(ip, allocation_id, region, released_at, origin, isp, pool_id, fate)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, '')",
            params![regions::ip_to_int(ip), allocation_id, region, at, origin, isp, pool_id],
        )
        .map_err(db_error)?;
    Ok(())
}

fn row_to_released(r: &rusqlite::Row<'_>) -> rusqlite::Result<Released> {
    let at: String = r.get(3)?;
    Ok(Released {
        ip: regions::int_to_ip(r.get(0)?),
        allocation_id: r.get(1)?,
        region: r.get(2)?,
        released_at: clock::parse_time(&at).unwrap_or_default(),
        origin: r.get(4)?,
        isp: r.get(5)?,
        pool_id: r.get(6)?,
        fate: r.get(7)?,
    })
}

const RELEASED_COLUMNS: &str = "ip, allocation_id, region, released_at, origin, isp, pool_id, fate";

/// The latest release of `ip`.
pub fn released_ip(ctx: &Ctx<'_>, ip: Ipv4Addr) -> Result<Option<Released>, CloudError> {
    ctx.query_row(
            &format!("SELECT {RELEASED_COLUMNS} FROM released WHERE ip = ?1 ORDER BY released_at DESC LIMIT 1"),
            params![regions::ip_to_int(ip)],
            row_to_released,
        )
        .optional()
        .map_err(db_error)
}

/// The latest release of EIP `allocation_id`.
pub fn released_id(ctx: &Ctx<'_>, allocation_id: &str) -> Result<Option<Released>, CloudError> {
    ctx.query_row(
            &format!(
                "SELECT {RELEASED_COLUMNS} FROM released WHERE allocation_id = ?1 ORDER BY released_at DESC LIMIT 1"
            ),
            params![allocation_id],
            row_to_released,
        )
        .optional()
        .map_err(db_error)
}

/// Forgets every release of `ip` (it was recovered).
pub fn forget_release(ctx: &Ctx<'_>, ip: Ipv4Addr) -> Result<(), CloudError> {
    ctx.execute(
        "DELETE FROM released WHERE ip = ?1",
        params![regions::ip_to_int(ip)],
    )
    .map_err(db_error)?;
    Ok(())
}

/// Sets what became of released address `ip` (R02): `other_account`, `locked`, `recycled` or
/// `""`. Returns whether the address was in the release history.
pub fn set_fate(ctx: &Ctx<'_>, ip: Ipv4Addr, fate: &str) -> Result<bool, CloudError> {
    if !matches!(fate, "" | "other_account" | "locked" | "recycled") {
        return Err(CloudError::new(
            "InvalidParameter",
            format!("fate {fate:?} is not one of other_account, locked, recycled or empty"),
        ));
    }
    let n = ctx
        .execute(
            "UPDATE released SET fate = ?2 WHERE ip = ?1",
            params![regions::ip_to_int(ip), fate],
        )
        .map_err(db_error)?;
    Ok(n > 0)
}

/// A static public IP for ECS instance `owner` (BGP line of `region`).
pub fn allocate_public_ip(ctx: &Ctx<'_>, region: &str, owner: &str) -> Result<String, CloudError> {
    Ok(allocate(ctx, region, "BGP", owner, origin::ECS_STATIC)?.to_string())
}

/// Releases the static public IP `ip` of `owner`; `origin` is [`origin::ECS_STATIC`] or
/// [`origin::CLASSIC`] (R03). Unknown or malformed addresses are ignored.
pub fn release_public_ip(
    ctx: &Ctx<'_>,
    ip: &str,
    owner: &str,
    origin: &str,
) -> Result<(), CloudError> {
    let Ok(addr) = ip.parse::<Ipv4Addr>() else {
        return Ok(());
    };
    let Some((holder_id, _)) = holder(ctx, addr)? else {
        return Ok(());
    };
    if holder_id != owner {
        return Ok(());
    }
    let region: String = ctx
        .query_row(
            "SELECT region FROM addresses WHERE ip = ?1",
            params![regions::ip_to_int(addr)],
            |r| r.get(0),
        )
        .map_err(db_error)?;
    free(ctx, addr)?;
    remember_release(ctx, addr, owner, &region, origin, "BGP", "")
}
