//! `alicloud_eip_address` reads that keep the recorded attributes of EIPs whose
//! DescribeEipAddresses item is the one their last read recorded (see [`ReadMemo`]).
//!
//! The answers are taken as text ([`Api::call_text`]) and cut into items without building them
//! (see [`json_scan`]; an answer not in `serde_json`'s compact form is first written in it):
//! only the items that changed are parsed and converted.

use std::ops::Range;
use std::sync::Arc;

use foldhash::{HashMap, HashMapExt};
use serde_json::Value;

use super::api::{Api, attrs};
use super::eip_address::{hd_log, to_attrs};
use crate::json_scan;
use crate::provider::{OpContext, ProviderError, Read, ReadItem, ReadMemo, ReadMemoAnswer};

fn invalid(e: impl std::fmt::Display) -> ProviderError {
    ProviderError::Invalid(format!("cannot read the DescribeEipAddresses answer: {e}"))
}

fn not_compact(_: json_scan::NotCompact) -> ProviderError {
    invalid("not compact JSON")
}

/// Where each item of one page of DescribeEipAddresses is in its text, with its [`head_of`].
fn heads_of(page: &str) -> Result<Vec<(Range<usize>, String, bool)>, ProviderError> {
    let mut out = Vec::with_capacity(50);
    for item in items_of(page)? {
        let (id, hd_on) = head_of(item)?;
        let start = item.as_ptr() as usize - page.as_ptr() as usize;
        out.push((start..start + item.len(), id, hd_on));
    }
    Ok(out)
}

/// The items of one page of DescribeEipAddresses, as text.
fn items_of(page: &str) -> Result<Vec<&str>, ProviderError> {
    let Some(at) = json_scan::find(page, "EipAddresses").map_err(not_compact)? else {
        return Ok(Vec::new());
    };
    let Some(list) = json_scan::find(&page[at..], "EipAddress").map_err(not_compact)? else {
        return Ok(Vec::new());
    };
    json_scan::items_at(page, at + list).map_err(not_compact)
}

/// An item's `AllocationId`, and whether its `HDMonitorStatus` is `ON`.
fn head_of(item: &str) -> Result<(String, bool), ProviderError> {
    let (mut id, mut hd) = (None, None);
    for entry in json_scan::entries(item) {
        let (name, value) = entry.map_err(not_compact)?;
        match name {
            "AllocationId" => id = Some(serde_json::from_str(value).map_err(invalid)?),
            "HDMonitorStatus" => hd = Some(value == r#""ON""#),
            _ => {}
        }
        if id.is_some() && hd.is_some() {
            break;
        }
    }
    Ok((id.unwrap_or_default(), hd.unwrap_or(false)))
}

/// Reads `items` (50 ids a call), given their `memos` (in the same order).
pub fn read_memo(
    api: &Api,
    ctx: &OpContext,
    items: &[ReadItem],
    memos: &[Option<ReadMemo>],
) -> ReadMemoAnswer {
    let ids: Vec<&str> = items.iter().map(|(id, _)| id.as_str()).collect();
    let mut pages = Vec::with_capacity(ids.len().div_ceil(50));
    for chunk in ids.chunks(50) {
        let p = attrs::params(&[("AllocationId", &chunk.join(",")), ("PageSize", "100")]);
        pages.push(api.call_text(ctx, "DescribeEipAddresses", p)?);
    }
    let mut heads = Vec::with_capacity(pages.len());
    for page in &mut pages {
        heads.push(match heads_of(page) {
            Ok(h) => h,
            // Not as `serde_json` writes it (a remote API's whitespace): written so, and cut.
            Err(_) => {
                *page = serde_json::from_str::<Value>(page)
                    .map_err(invalid)?
                    .to_string();
                heads_of(page)?
            }
        });
    }
    // A repeated id keeps its last item, as a map of the answers would.
    let mut by_id: HashMap<String, (&str, bool)> = HashMap::with_capacity(ids.len());
    for (page, heads) in pages.iter().zip(heads) {
        for (at, id, hd_on) in heads {
            by_id.insert(id, (&page[at], hd_on));
        }
    }
    let mut out = Vec::with_capacity(items.len());
    for ((id, prior), memo) in items.iter().zip(memos) {
        let Some((text, hd_on)) = by_id.remove(id.as_str()) else {
            out.push(None);
            continue;
        };
        // HD monitoring's log settings come from another call: such EIPs are always read.
        if !hd_on && memo.is_some_and(|m| m.holds(text, prior)) {
            out.push(Some(Read {
                attrs: Arc::clone(prior),
                memo: *memo,
            }));
            continue;
        }
        let hd = if hd_on {
            Some(hd_log(api, ctx, id)?)
        } else {
            None
        };
        let value: Value = serde_json::from_str(text).map_err(invalid)?;
        let attrs = to_attrs(value, prior, hd, &[]);
        let memo = (!hd_on).then(|| ReadMemo::new(text, &attrs));
        out.push(Some(Read {
            attrs: Arc::new(attrs),
            memo,
        }));
    }
    Ok(out)
}
