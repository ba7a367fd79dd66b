//! The simulated cloud's clock: real UTC time plus an offset kept in `meta` (`clock_offset_ms`),
//! so tests and `eipform cloud clock ...` can move it (R01's seven days, R05's month, billing
//! cycles, subscription expiry) without touching the host clock.

use chrono::{DateTime, Duration, SecondsFormat, Utc};

use super::Ctx;
use crate::cloud::CloudError;

const OFFSET_KEY: &str = "clock_offset_ms";

fn offset_ms(ctx: &Ctx<'_>) -> Result<i64, CloudError> {
    Ok(ctx
        .meta(OFFSET_KEY)?
        .and_then(|v| v.parse().ok())
        .unwrap_or(0))
}

/// The cloud's current time.
pub fn now(ctx: &Ctx<'_>) -> Result<DateTime<Utc>, CloudError> {
    Ok(Utc::now() + Duration::milliseconds(offset_ms(ctx)?))
}

/// The cloud's current time as Alibaba writes it (`2024-05-01T08:00:00Z`).
pub fn now_str(ctx: &Ctx<'_>) -> Result<String, CloudError> {
    Ok(format_time(now(ctx)?))
}

/// `t` as Alibaba writes times (UTC, seconds).
pub fn format_time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Parses an RFC 3339 time (any offset).
pub fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// The clock as shown by `eipform cloud clock`: `{now, offset_seconds}`.
pub fn show(ctx: &Ctx<'_>) -> Result<serde_json::Value, CloudError> {
    Ok(serde_json::json!({
        "now": now_str(ctx)?,
        "offset_seconds": offset_ms(ctx)? / 1000,
    }))
}

/// Sets the cloud's time to `when` (RFC 3339).
pub fn set(ctx: &Ctx<'_>, when: &str) -> Result<(), CloudError> {
    let target = parse_time(when).ok_or_else(|| {
        CloudError::new(
            "InvalidParameter",
            format!("{when:?} is not an RFC 3339 time such as 2025-01-31T12:00:00+08:00"),
        )
    })?;
    // Rounded up so that the clock reads `when` (not a millisecond before) right away.
    let offset = (target - Utc::now()).num_milliseconds() + 1;
    ctx.set_meta(OFFSET_KEY, &offset.to_string())
}

/// Moves the cloud's time forward by `by` (`8d`, `36h`, `90m`, `1h 30m`).
pub fn advance(ctx: &Ctx<'_>, by: &str) -> Result<(), CloudError> {
    let d = humantime::parse_duration(by.trim()).map_err(|e| {
        CloudError::new(
            "InvalidParameter",
            format!("{by:?} is not a duration such as 8d or 36h: {e}"),
        )
    })?;
    let ms = i64::try_from(d.as_millis())
        .map_err(|_| CloudError::new("InvalidParameter", format!("duration {by:?} is too long")))?;
    let offset = offset_ms(ctx)?.saturating_add(ms);
    ctx.set_meta(OFFSET_KEY, &offset.to_string())
}
