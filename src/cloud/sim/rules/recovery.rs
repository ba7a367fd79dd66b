//! Recovery rules R01-R06 and A14: asking AllocateEipAddress(Pro) for a specific `IpAddress` or
//! EIP id (`InstanceId`) is a recovery of an EIP this account released, never a free choice.
//!
//! Reads the release history (`released`, via `addresses.rs`) and the month's recoveries.
//! R04's defaults (pay-as-you-go, PayByTraffic, 5 Mbit/s) are applied in
//! `allocation::violations` when the request is a recovery.
//!
//! Note on R03: the product guide (which wins) lets "the static public IP address of the ECS
//! instance" be requested by IP address and only excludes public IPs of ECS/CLB instances in the
//! classic network, so static public IPs of VPC instances are recoverable and classic-network
//! addresses are not.

use std::net::Ipv4Addr;

use chrono::{Datelike, Duration, TimeZone, Utc};
use rusqlite::params;

use crate::cloud::CloudError;
use crate::cloud::sim::addresses::{self, Released, origin};
use crate::cloud::sim::store::db_error;
use crate::cloud::sim::{Ctx, account, clock};

/// R01: how long a released EIP stays recoverable.
pub const WINDOW_DAYS: i64 = 7;

/// A recovery request.
#[derive(Debug, Default, Clone)]
pub struct RecoveryAsk<'a> {
    pub ip: Option<&'a str>,
    pub allocation_id: Option<&'a str>,
    pub region: &'a str,
    pub pool_id: Option<&'a str>,
}

fn unfamiliar(what: &str, rule: &str) -> CloudError {
    CloudError::new(
        "OperationFailed.AllocateUnfamiliarIp",
        format!("{what}: only IP addresses used within the last seven days can be allocated, and a purchase cannot choose its address"),
    )
    .rule(rule)
}

/// Recoveries made this calendar month (UTC).
pub fn recoveries_this_month(ctx: &Ctx<'_>) -> Result<i64, CloudError> {
    let now = clock::now(ctx)?;
    let start = Utc
        .with_ymd_and_hms(now.year(), now.month(), 1, 0, 0, 0)
        .single()
        .unwrap_or(now);
    ctx.query_row(
        "SELECT COUNT(*) FROM recoveries WHERE at >= ?1",
        params![clock::format_time(start)],
        |r| r.get(0),
    )
    .map_err(db_error)
}

/// Records a recovery (R05).
pub fn record(ctx: &Ctx<'_>, ip: Ipv4Addr, allocation_id: &str) -> Result<(), CloudError> {
    ctx.execute(
        "INSERT INTO recoveries(at, ip, allocation_id) VALUES (?1, ?2, ?3)",
        params![
            clock::now_str(ctx)?,
            crate::cloud::sim::regions::ip_to_int(ip),
            allocation_id
        ],
    )
    .map_err(db_error)?;
    Ok(())
}

/// A14, R01, R02, R03, R05, R06: finds the released EIP the request asks for.
pub fn check(ctx: &Ctx<'_>, ask: &RecoveryAsk<'_>) -> Result<Released, CloudError> {
    let ip = match ask.ip {
        Some(s) => Some(s.parse::<Ipv4Addr>().map_err(|_| {
            CloudError::new(
                "IllegalParam.IpAddress",
                format!("{s:?} is not an IPv4 address"),
            )
            .rule("A14")
        })?),
        None => None,
    };
    if let Some(ip) = ip
        && let Some((owner, _)) = addresses::holder(ctx, ip)?
    {
        return Err(CloudError::new(
            "Ip.Allocated",
            format!("IP address {ip} is already allocated (held by {owner}); only a released address can be recovered"),
        )
        .rule("R02"));
    }
    let by_ip = match ip {
        Some(ip) => addresses::released_ip(ctx, ip)?,
        None => None,
    };
    let by_id = match ask.allocation_id {
        Some(id) => addresses::released_id(ctx, id)?,
        None => None,
    };
    let found = match (ip, ask.allocation_id) {
        (Some(_), Some(_)) => match (by_ip, by_id) {
            (Some(a), Some(b)) if a.ip == b.ip && a.allocation_id == b.allocation_id => Some(a),
            _ => None,
        },
        (Some(_), None) => by_ip,
        _ => by_id,
    };
    let what = match (ask.ip, ask.allocation_id) {
        (Some(ip), Some(id)) => format!("IP address {ip} with EIP id {id}"),
        (Some(ip), None) => format!("IP address {ip}"),
        (None, Some(id)) => format!("EIP {id}"),
        (None, None) => "nothing".to_string(),
    };
    let Some(rel) = found else {
        return Err(unfamiliar(
            &format!("{what} was never used by this account"),
            "A14",
        ));
    };
    if rel.region != ask.region {
        return Err(unfamiliar(
            &format!("{what} was used in {}, not in {}", rel.region, ask.region),
            "R01",
        ));
    }
    match rel.fate.as_str() {
        "other_account" => {
            return Err(CloudError::new(
                "OperationDenied.IpBelongToOtherUser",
                format!(
                    "{what} now belongs to another Alibaba Cloud account and cannot be recovered"
                ),
            )
            .rule("R02"));
        }
        "locked" | "recycled" => {
            return Err(CloudError::new(
                "OperationFailed.IpIsLocked",
                format!(
                    "{what} was {} for security reasons and cannot be recovered",
                    rel.fate
                ),
            )
            .rule("R02"));
        }
        _ => {}
    }
    let now = clock::now(ctx)?;
    if now - rel.released_at > Duration::days(WINDOW_DAYS) {
        return Err(unfamiliar(
            &format!(
                "{what} was released at {}, more than {WINDOW_DAYS} days ago",
                clock::format_time(rel.released_at)
            ),
            "R01",
        ));
    }
    if rel.origin == origin::CLASSIC {
        return Err(unfamiliar(
            &format!(
                "{what} was the public IP of an instance in the classic network, which cannot be recovered"
            ),
            "R03",
        ));
    }
    let quota = account::int(ctx, "recovery_quota_per_month")?;
    let used = recoveries_this_month(ctx)?;
    if used >= quota {
        return Err(CloudError::new(
            "QuotaExceeded.Recovery",
            format!("this account already recovered {used} EIPs this month; at most {quota} recoveries per month are allowed"),
        )
        .rule("R05"));
    }
    if let Some(pool) = ask.pool_id {
        let owner = addresses::reserved_owner(ctx, rel.ip)?;
        if owner.as_deref() != Some(pool) {
            return Err(CloudError::new(
                "Mismatch.IpAndPublicIpAddressPool",
                format!(
                    "{what} ({}) does not belong to IP address pool {pool}",
                    rel.ip
                ),
            )
            .rule("R06"));
        }
    }
    Ok(rel)
}
