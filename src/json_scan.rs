//! Cutting compact JSON text (as `serde_json` writes it: no whitespace) into the top-level
//! entries of an object or the items of an array, as slices of the text, without parsing the
//! values.
//!
//! A refresh copies stored objects into answers and recognises answer items it has seen before
//! by their text; parsing them (`serde_json` into `RawValue`s or `IgnoredAny`, or `sonic-rs`'s
//! lazy iterators, which copy every name and validate every value) cost 10-15 k instructions an
//! EIP for work that only needs to know where each entry starts and ends. Here names are found
//! with `memchr` and values are skipped by their brackets and strings.
//!
//! Anything not in the compact form (whitespace, a name with escapes, text after the end) is
//! reported as [`NotCompact`]; callers then parse the text in full. A value is not checked
//! beyond its extent: callers parse what they use.

use memchr::{memchr, memchr2};

/// The text is not one compact JSON object or array (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotCompact;

/// The top-level entries of the JSON object `text`, in order: each name (without its quotes,
/// which it needs no escapes inside) and its value's text.
pub fn entries(text: &str) -> Entries<'_> {
    Entries {
        text,
        at: 0,
        done: false,
    }
}

/// See [`entries`].
pub struct Entries<'a> {
    text: &'a str,
    at: usize,
    done: bool,
}

impl<'a> Iterator for Entries<'a> {
    type Item = Result<(&'a str, &'a str), NotCompact>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let entry = self.entry();
        if !matches!(entry, Some(Ok(_))) {
            self.done = true;
        }
        entry
    }
}

impl<'a> Entries<'a> {
    fn entry(&mut self) -> Option<Result<(&'a str, &'a str), NotCompact>> {
        let b = self.text.as_bytes();
        if self.at == 0 {
            if b.first() != Some(&b'{') {
                return Some(Err(NotCompact));
            }
            if b.get(1) == Some(&b'}') {
                return (b.len() != 2).then_some(Err(NotCompact));
            }
            self.at = 1;
        }
        let Ok((name, value_start)) = name_at(self.text, self.at) else {
            return Some(Err(NotCompact));
        };
        let Some(value_end) = skip_value(b, value_start) else {
            return Some(Err(NotCompact));
        };
        match b.get(value_end) {
            Some(b',') => self.at = value_end + 1,
            Some(b'}') if value_end + 1 == b.len() => self.done = true,
            _ => return Some(Err(NotCompact)),
        }
        Some(Ok((name, &self.text[value_start..value_end])))
    }
}

/// The name of the entry at `at` (its opening quote) and where its value starts.
fn name_at(text: &str, at: usize) -> Result<(&str, usize), NotCompact> {
    let b = text.as_bytes();
    if b.get(at) != Some(&b'"') {
        return Err(NotCompact);
    }
    let start = at + 1;
    let end = quote_or_escape(b, start).ok_or(NotCompact)?;
    if b[end] != b'"' || b.get(end + 1) != Some(&b':') {
        return Err(NotCompact);
    }
    Ok((&text[start..end], end + 2))
}

/// Where the value of `name` starts in the JSON object `text`, reading no further than that:
/// what follows it is not looked at (unlike [`entries`]).
pub fn find(text: &str, name: &str) -> Result<Option<usize>, NotCompact> {
    let b = text.as_bytes();
    if b.first() != Some(&b'{') {
        return Err(NotCompact);
    }
    if b.get(1) == Some(&b'}') {
        return Ok(None);
    }
    let mut at = 1;
    loop {
        let (n, value_start) = name_at(text, at)?;
        if n == name {
            return Ok(Some(value_start));
        }
        let end = skip_value(b, value_start).ok_or(NotCompact)?;
        match b.get(end) {
            Some(b',') => at = end + 1,
            Some(b'}') => return Ok(None),
            _ => return Err(NotCompact),
        }
    }
}

/// The items of the JSON array starting at `at` in `text`, each as its text; what follows the
/// array is not looked at.
pub fn items_at(text: &str, at: usize) -> Result<Vec<&str>, NotCompact> {
    let b = text.as_bytes();
    if b.get(at) != Some(&b'[') {
        return Err(NotCompact);
    }
    let mut out = Vec::new();
    if b.get(at + 1) == Some(&b']') {
        return Ok(out);
    }
    let mut at = at + 1;
    loop {
        let end = skip_value(b, at).ok_or(NotCompact)?;
        out.push(&text[at..end]);
        match b.get(end) {
            Some(b',') => at = end + 1,
            Some(b']') => return Ok(out),
            _ => return Err(NotCompact),
        }
    }
}

/// Where the value starting at `at` ends (the index just past it).
fn skip_value(b: &[u8], at: usize) -> Option<usize> {
    match *b.get(at)? {
        b'"' => skip_string(b, at),
        b'{' | b'[' => {
            let mut depth = 0usize;
            let mut i = at;
            loop {
                match *b.get(i)? {
                    b'"' => {
                        i = skip_string(b, i)?;
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            return Some(i + 1);
                        }
                    }
                    _ => {}
                }
                i += 1;
            }
        }
        // A number, `true`, `false` or `null`: up to the next separator, without whitespace.
        b'-' | b'0'..=b'9' | b't' | b'f' | b'n' => {
            let len = b[at..]
                .iter()
                .position(|c| matches!(c, b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r'))?;
            Some(at + len)
        }
        _ => None,
    }
}

/// Where the string starting at `at` (its opening quote) ends.
fn skip_string(b: &[u8], at: usize) -> Option<usize> {
    let mut i = at + 1;
    loop {
        i = quote_or_escape(b, i)?;
        if b[i] == b'"' {
            return Some(i + 1);
        }
        // An escape: the next byte is part of it (`\"`, `\\`, `\u...`).
        i += 2;
        if i > b.len() {
            return None;
        }
    }
}

/// The first `"` or `\\` at or after `i`. JSON strings here are mostly short: eight bytes are
/// tested at a time in a word (setting up `memchr2` cost more than most searches).
fn quote_or_escape(b: &[u8], mut i: usize) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    const QUOTES: u64 = ONES * b'"' as u64;
    const ESCAPES: u64 = ONES * b'\\' as u64;
    while let Some(word) = b.get(i..i + 8) {
        let w = u64::from_le_bytes(word.try_into().ok()?);
        let (q, e) = (w ^ QUOTES, w ^ ESCAPES);
        // A zero byte of `q` or `e` is a match; the lowest flagged byte is the first one.
        let found = ((q.wrapping_sub(ONES) & !q) | (e.wrapping_sub(ONES) & !e)) & HIGH;
        if found != 0 {
            return Some(i + found.trailing_zeros() as usize / 8);
        }
        i += 8;
    }
    memchr2(b'"', b'\\', &b[i..]).map(|n| i + n)
}

/// The string a JSON string value's text holds, when it needs no unescaping.
pub fn plain_string(value: &str) -> Option<&str> {
    let inner = value.strip_prefix('"')?.strip_suffix('"')?;
    memchr(b'\\', inner.as_bytes()).is_none().then_some(inner)
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;

    #[test]
    fn cuts_objects_and_arrays_as_serde_json_writes_them() {
        let v = json!({
            "a": "x\"y\\z",
            "b": {"c": [1, {"d": "]}"}], "e": null},
            "f": -1.5e3,
            "g": [],
            "h": {},
            "i": true,
            "j": "",
        });
        let text = v.to_string();
        let cut: Vec<(&str, &str)> = entries(&text).collect::<Result<_, _>>().unwrap();
        let names: Vec<&str> = cut.iter().map(|(n, _)| *n).collect();
        assert_eq!(names, ["a", "b", "f", "g", "h", "i", "j"]);
        for (name, value) in &cut {
            let parsed: Value = serde_json::from_str(value).unwrap();
            assert_eq!(parsed, v[*name], "{name}");
        }
        let list = json!([{"a": 1}, "s]", [1, [2]], 3, null]).to_string();
        let parts = items_at(&list, 0).unwrap();
        assert_eq!(parts, [r#"{"a":1}"#, r#""s]""#, "[1,[2]]", "3", "null"]);
        assert_eq!(items_at("[]", 0).unwrap(), Vec::<&str>::new());
        assert_eq!(entries("{}").count(), 0);
        let page = r#"{"L":{"I":[{"a":1},{"b":[2]}]},"N":1}"#;
        let at = find(page, "L").unwrap().unwrap();
        let at = at + find(&page[at..], "I").unwrap().unwrap();
        assert_eq!(items_at(page, at).unwrap(), [r#"{"a":1}"#, r#"{"b":[2]}"#]);
        assert_eq!(find(page, "N").unwrap(), Some(page.len() - 2));
        assert_eq!(find(page, "Z").unwrap(), None);
        assert_eq!(find("{}", "Z").unwrap(), None);
        assert_eq!(find("[]", "Z"), Err(NotCompact));
        assert_eq!(plain_string(r#""abc""#), Some("abc"));
        assert_eq!(plain_string(r#""a\"c""#), None);
        assert_eq!(plain_string("1"), None);
    }

    #[test]
    fn finds_the_first_quote_or_escape_anywhere_in_a_word() {
        for len in 0..40 {
            for at in 0..len {
                for c in [b'"', b'\\'] {
                    let mut text = vec![b'a'; len];
                    text[at] = c;
                    if at + 3 < len {
                        text[at + 3] = b'"';
                    }
                    for from in 0..=at {
                        assert_eq!(quote_or_escape(&text, from), Some(at), "{len} {at} {from}");
                    }
                }
            }
            assert_eq!(quote_or_escape(&vec![0x80 | b'"'; len], 0), None);
            assert_eq!(quote_or_escape(&vec![b'a'; len], 0), None);
        }
    }

    #[test]
    fn refuses_what_is_not_compact() {
        for text in [
            "",
            "[1]",
            r#"{ "a":1}"#,
            r#"{"a": 1}"#,
            r#"{"a\"b":1}"#,
            r#"{"a":1} "#,
            r#"{"a":1}{}"#,
            r#"{"a":"unterminated}"#,
            r#"{"a":[1,2}"#,
            r#"{"a":}"#,
            r#"{"a":1"#,
            r#"{"a":1 }"#,
            "{}x",
        ] {
            let all: Result<Vec<_>, _> = entries(text).collect();
            assert_eq!(all, Err(NotCompact), "{text:?}");
        }
        for text in ["", "{}", "[1,]", "[", "[\"a]", "[1 ]"] {
            assert_eq!(items_at(text, 0), Err(NotCompact), "{text:?}");
        }
    }
}
