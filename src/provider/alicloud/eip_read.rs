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

/// Where each item of one page of DescribeEipAddresses is in its text.
fn ranges_of(page: &str) -> Result<Vec<Range<usize>>, ProviderError> {
    Ok(items_of(page)?
        .into_iter()
        .map(|item| {
            let start = item.as_ptr() as usize - page.as_ptr() as usize;
            start..start + item.len()
        })
        .collect())
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

/// Whether `item` (compact JSON) begins with `AllocationId` `id`, as the answer's items of
/// sorted names do.
fn begins_with_id(item: &str, id: &str) -> bool {
    item.strip_prefix(r#"{"AllocationId":""#)
        .and_then(|rest| rest.strip_prefix(id))
        .is_some_and(|rest| rest.starts_with('"'))
}

/// The item of each of `ids`, in their order (`None` for one the answer does not hold).
fn match_items<'a>(ids: &[&str], found: &[&'a str]) -> Result<Vec<Option<&'a str>>, ProviderError> {
    // The answer lists the EIPs in the order asked, without those that are gone: matched by
    // the head of each item, unless some id is missing or out of order.
    if ids.len() == found.len()
        && ids
            .iter()
            .zip(found)
            .all(|(id, item)| begins_with_id(item, id))
    {
        return Ok(found.iter().map(|item| Some(*item)).collect());
    }
    // A repeated id keeps its last item, as a map of the answers would.
    let mut by_id: HashMap<String, &str> = HashMap::with_capacity(found.len());
    for item in found {
        by_id.insert(head_of(item)?.0, item);
    }
    Ok(ids.iter().map(|id| by_id.remove(*id)).collect())
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
    let mut ranges = Vec::with_capacity(pages.len());
    for page in &mut pages {
        ranges.push(match ranges_of(page) {
            Ok(r) => r,
            // Not as `serde_json` writes it (a remote API's whitespace): written so, and cut.
            Err(_) => {
                *page = serde_json::from_str::<Value>(page)
                    .map_err(invalid)?
                    .to_string();
                ranges_of(page)?
            }
        });
    }
    let found: Vec<&str> = pages
        .iter()
        .zip(&ranges)
        .flat_map(|(page, ranges)| ranges.iter().map(|r| &page[r.clone()]))
        .collect();
    let matched = match_items(&ids, &found)?;
    let mut out = Vec::with_capacity(items.len());
    for (((id, prior), memo), text) in items.iter().zip(memos).zip(matched) {
        let Some(text) = text else {
            out.push(None);
            continue;
        };
        // A memo is recorded only for an EIP without HD monitoring (whose log settings come
        // from another call), so an item that is the recorded one has none either.
        if memo.is_some_and(|m| m.holds(text, prior)) {
            out.push(Some(Read {
                attrs: Arc::clone(prior),
                memo: *memo,
            }));
            continue;
        }
        let hd_on = head_of(text)?.1;
        let hd = if hd_on {
            Some(hd_log(api, ctx, id)?)
        } else {
            None
        };
        let item = crate::json_map::from_str(text).map_err(invalid)?;
        let attrs = to_attrs(Value::Object(item), prior, hd, &[]);
        let memo = (!hd_on).then(|| ReadMemo::new(text, &attrs));
        out.push(Some(Read {
            attrs: Arc::new(attrs),
            memo,
        }));
    }
    Ok(out)
}
