//! DescribeEipAddresses by id, answered as JSON text straight from the stored objects.
//!
//! A refresh asks for its EIPs by id, 50 at a time. Answering with a [`serde_json::Value`]
//! parses each stored object into a map and builds the answer's tree, which the provider then
//! takes apart again: ~30 k instructions an EIP. Here each stored object's text is copied into
//! the answer entry by entry, and only the four attributes the answer derives values from are
//! parsed. The text is the one `serde_json::to_string` writes for the `Value` answer of
//! [`super::eip::describe`], so a remote API's answer and this one read the same.
//!
//! Only the plain case is served here (ids, paging, nothing else); everything else, and any
//! stored object this cannot copy as it is, goes through [`super::eip::describe`].

use std::borrow::Cow;

use rusqlite::OptionalExtension;

use super::eip::{multi, request_id};
use super::rules::allocation;
use super::store::{Ctx, db_error};
use crate::cloud::{CloudError, Params, optional};
use crate::json_scan;

/// The parameters the plain case may have.
const PLAIN: [&str; 4] = ["RegionId", "AllocationId", "PageSize", "PageNumber"];

/// The answer's own values, in name order, each inserted over a stored attribute of its name.
const DERIVED: [&str; 5] = [
    "BillingCycle",
    "EipBandwidth",
    "ProtectionEdition",
    "RegionId",
    "Status",
];

/// DescribeEipAddresses's answer as JSON text, or `None` when the call is not the plain case or
/// a stored object is not in the form this copies (the caller answers through the `Value`).
/// The row `describe_eips` copies an EIP from.
pub(super) const EIP_ROW: &str = "SELECT type, region, status, attrs FROM objects WHERE id = ?1";

pub fn describe_eips(ctx: &Ctx<'_>, p: &Params) -> Result<Option<String>, CloudError> {
    if !p.keys().all(|k| PLAIN.contains(&k.as_str())) {
        return Ok(None);
    }
    let (Some(region), Some((num, size))) = (optional(p, "RegionId"), plain_page(p)) else {
        return Ok(None);
    };
    let ids = multi(p, "AllocationId");
    if ids.is_empty() || ids.len() > 50 || super::regions::check(region).is_err() {
        return Ok(None);
    }
    let window = (num - 1).saturating_mul(size) as usize..num.saturating_mul(size) as usize;
    let mut out = String::with_capacity(64 + 1600 * ids.len().min(size as usize));
    out.push_str(r#"{"EipAddresses":{"EipAddress":["#);
    let mut total = 0usize;
    for id in &ids {
        let copied = ctx
            .query_row(EIP_ROW, [id], |r| {
                let (kind, at) = (r.get_ref(0)?.as_str()?, r.get_ref(1)?.as_str()?);
                if kind != "eip" || at != region {
                    return Ok(true);
                }
                total += 1;
                if !window.contains(&(total - 1)) {
                    return Ok(true);
                }
                if !out.ends_with('[') {
                    out.push(',');
                }
                let (status, attrs) = (r.get_ref(2)?.as_str()?, r.get_ref(3)?.as_str()?);
                Ok(write_eip(&mut out, region, status, attrs))
            })
            .optional()
            .map_err(db_error)?;
        if copied == Some(false) {
            return Ok(None);
        }
    }
    out.push_str(r#"]},"PageNumber":"#);
    out.push_str(&format!(
        r#"{num},"PageSize":{size},"RequestId":{},"TotalCount":{total}}}"#,
        serde_json::Value::String(request_id())
    ));
    Ok(Some(out))
}

/// `PageNumber` and `PageSize` when both are valid (as [`super::eip::describe`] reads them).
fn plain_page(p: &Params) -> Option<(i64, i64)> {
    let num = optional(p, "PageNumber").map_or(Some(1), |v| v.parse().ok().filter(|n| *n >= 1));
    let size = optional(p, "PageSize").map_or(Some(10), |v| {
        v.parse().ok().filter(|n| (1..=100).contains(n))
    });
    num.zip(size)
}

/// Appends the answer entry of the EIP stored as `attrs` (what `eip::into_answer` makes of it):
/// its attributes but the internal ones (`_...`), with [`DERIVED`] merged in by name. `false`
/// when `attrs` is not one object of unescaped names in name order, as `serde_json` writes a map.
fn write_eip(out: &mut String, region: &str, status: &str, attrs: &str) -> bool {
    let Some(entries) = entries(attrs) else {
        return false;
    };
    let (mut charge, mut metering, mut bandwidth, mut protection) = ("", "", "", "");
    for &(name, value) in &entries {
        match name {
            "ChargeType" => charge = value,
            "InternetChargeType" => metering = value,
            "Bandwidth" => bandwidth = value,
            "SecurityProtectionTypes" => protection = value,
            _ => {}
        }
    }
    let protection = serde_json::from_str::<serde_json::Value>(protection)
        .map(|v| super::eip::protection_types_of(&v))
        .unwrap_or_default();
    let (charge, metering) = (text(charge), text(metering));
    let derived = [
        Derived::Text(allocation::billing_cycle(&charge, &metering)),
        // `Bandwidth`'s string, or an empty one.
        Derived::Json(if bandwidth.starts_with('"') {
            bandwidth
        } else {
            r#""""#
        }),
        Derived::Text(allocation::protection_edition(&protection)),
        Derived::Text(region),
        Derived::Text(status),
    ];
    // Runs of stored entries are copied as they are (with the commas between them); a run ends
    // where a derived entry goes in or a stored one is left out.
    out.push('{');
    let mut comma = false;
    let mut run: Option<(usize, usize)> = None;
    let flush = |out: &mut String, run: &mut Option<(usize, usize)>, comma: &mut bool| {
        if let Some((start, end)) = run.take() {
            if std::mem::replace(comma, true) {
                out.push(',');
            }
            out.push_str(&attrs[start..end]);
        }
    };
    let mut next = 0;
    for &(name, value) in &entries {
        while next < DERIVED.len() && DERIVED[next] < name {
            flush(out, &mut run, &mut comma);
            write_entry(out, &mut comma, DERIVED[next], derived[next]);
            next += 1;
        }
        if name.starts_with('_') || DERIVED.get(next) == Some(&name) {
            flush(out, &mut run, &mut comma);
            continue;
        }
        // The entry's text: from its name's opening quote to the end of its value.
        let start = name.as_ptr() as usize - attrs.as_ptr() as usize - 1;
        let end = value.as_ptr() as usize - attrs.as_ptr() as usize + value.len();
        run = Some(run.map_or((start, end), |(s, _)| (s, end)));
    }
    flush(out, &mut run, &mut comma);
    for i in next..DERIVED.len() {
        write_entry(out, &mut comma, DERIVED[i], derived[i]);
    }
    out.push('}');
    true
}

/// The top-level entries of the JSON object `text`: `None` unless it is compact (see
/// [`json_scan`]) and its names are in strictly ascending order.
fn entries(text: &str) -> Option<Vec<(&str, &str)>> {
    let mut out: Vec<(&str, &str)> = Vec::with_capacity(48);
    for entry in json_scan::entries(text) {
        let (name, value) = entry.ok()?;
        if out.last().is_some_and(|(last, _)| *last >= name) {
            return None;
        }
        out.push((name, value));
    }
    Some(out)
}

/// The string a JSON value holds (`Obj::str`: empty for anything else).
fn text(value: &str) -> Cow<'_, str> {
    match json_scan::plain_string(value) {
        Some(s) => Cow::Borrowed(s),
        None => serde_json::from_str::<String>(value).map_or(Cow::Borrowed(""), Cow::Owned),
    }
}

fn write_entry(out: &mut String, comma: &mut bool, name: &str, value: Derived<'_>) {
    if std::mem::replace(comma, true) {
        out.push(',');
    }
    out.push('"');
    out.push_str(name);
    out.push_str("\":");
    value.write(out);
}

/// A value written into an answer.
#[derive(Clone, Copy)]
enum Derived<'a> {
    /// JSON text, written as it is.
    Json(&'a str),
    /// A string, written as a JSON string.
    Text(&'a str),
}

impl Derived<'_> {
    fn write(self, out: &mut String) {
        match self {
            Derived::Json(json) => out.push_str(json),
            Derived::Text(s) if s.bytes().all(|c| c >= b' ' && c != b'"' && c != b'\\') => {
                out.push('"');
                out.push_str(s);
                out.push('"');
            }
            Derived::Text(s) => out.push_str(&serde_json::Value::String(s.to_string()).to_string()),
        }
    }
}
