//! Cutting large files into pieces that parse on their own, so that one big file is parsed on
//! every thread instead of one.
//!
//! A piece starts where a top-level block (or argument) starts: at the beginning of a line,
//! outside every bracket, string, heredoc and comment. [`cuts`] finds such places with a scan
//! that only follows HCL's nesting, not its grammar. A piece is parsed as the whole file with
//! everything before the piece blanked (spaces, newlines kept), so spans, lines and columns are
//! the file's own. A cut in the wrong place cannot go unnoticed: the piece before it would end
//! inside a block, a string or a heredoc, and fail to parse; the loader then parses the whole
//! file, which gives the error (if any) a sequential read gives.

use std::ops::Range;

/// Files below this size are never cut: a piece's thread costs more than parsing it.
const MIN_PIECE: usize = 16 * 1024;

/// The pieces to parse, as (file index, byte range), in file order and in order within a file:
/// a file larger than its share of the work (the total over `threads`) is cut into up to
/// `threads` pieces; the rest are whole.
pub fn plan(texts: &[&str], threads: usize) -> Vec<(usize, Range<usize>)> {
    let total: usize = texts.iter().map(|t| t.len()).sum();
    let share = (total / threads.max(1)).max(MIN_PIECE);
    let mut out = Vec::with_capacity(texts.len());
    for (i, text) in texts.iter().enumerate() {
        let wanted = text.len().div_ceil(share).min(threads);
        let mut start = 0;
        for cut in cuts(text, wanted) {
            out.push((i, start..cut));
            start = cut;
        }
        out.push((i, start..text.len()));
    }
    out
}

/// The text of a piece: the file up to the piece's end, with what comes before the piece
/// blanked (every byte but newlines a space). `None` if that is not UTF-8, which it is when
/// the piece starts at a line start, as cuts do.
pub fn blanked(text: &str, piece: &Range<usize>) -> Option<String> {
    let mut out: Vec<u8> = text.as_bytes()[..piece.end].to_vec();
    for c in &mut out[..piece.start] {
        if *c != b'\n' {
            *c = b' ';
        }
    }
    String::from_utf8(out).ok()
}

/// What the scan is inside of.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Open {
    /// `{`, `[` or `(` in an expression or a body.
    Bracket,
    /// `${` or `%{` in a template: an expression up to its `}`.
    Interpolation,
    /// A quoted string (a template).
    Quote,
    /// A heredoc, with its terminator (the range of the identifier).
    Heredoc(usize, usize),
}

/// Bytes the scan stops at in an expression or a body: comments, strings, heredocs,
/// brackets, and newlines (a piece starts at a line start).
const CODE: [bool; 256] = marks(b"#/\"<{}[]()\n");
/// Bytes the scan stops at in a quoted string or a heredoc.
const TEMPLATE: [bool; 256] = marks(b"\\\"$%\n");

const fn marks(bytes: &[u8]) -> [bool; 256] {
    let mut out = [false; 256];
    let mut i = 0;
    while i < bytes.len() {
        out[bytes[i] as usize] = true;
        i += 1;
    }
    out
}

/// The first offset from `i` whose byte is in `set` (or the end of the text).
fn skip(b: &[u8], mut i: usize, set: &[bool; 256]) -> usize {
    while i < b.len() && !set[b[i] as usize] {
        i += 1;
    }
    i
}

/// Up to `pieces - 1` offsets where a piece can start, near even fractions of the text. The
/// scan stops at the last cut: text that does not parse further on fails in its piece, and the
/// loader then parses the whole file.
pub fn cuts(text: &str, pieces: usize) -> Vec<usize> {
    if pieces <= 1 {
        return Vec::new();
    }
    let b = text.as_bytes();
    let mut targets = (1..pieces).map(|k| text.len() * k / pieces).peekable();
    let mut out = Vec::with_capacity(pieces - 1);
    let mut stack: Vec<Open> = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let line_start = i == 0 || b[i - 1] == b'\n';
        match stack.last().copied() {
            None | Some(Open::Bracket) | Some(Open::Interpolation) => {
                if line_start
                    && stack.is_empty()
                    && (b[i].is_ascii_alphabetic() || b[i] == b'_')
                    && targets.peek().is_some_and(|&t| i >= t)
                {
                    out.push(i);
                    while targets.peek().is_some_and(|&t| t <= i) {
                        targets.next();
                    }
                    if targets.peek().is_none() {
                        return out;
                    }
                }
                match b[i] {
                    b'#' => i = line_end(b, i),
                    b'/' if b.get(i + 1) == Some(&b'/') => i = line_end(b, i),
                    b'/' if b.get(i + 1) == Some(&b'*') => match text[i + 2..].find("*/") {
                        Some(end) => i += 2 + end + 2,
                        None => return out,
                    },
                    b'"' => {
                        stack.push(Open::Quote);
                        i += 1;
                    }
                    b'<' if b.get(i + 1) == Some(&b'<') => match heredoc_start(b, i) {
                        Some((ident, body)) => {
                            stack.push(Open::Heredoc(ident.start, ident.end));
                            i = body;
                        }
                        None => i += 2,
                    },
                    b'{' | b'[' | b'(' => {
                        stack.push(Open::Bracket);
                        i += 1;
                    }
                    b'}' | b']' | b')' => {
                        if stack.pop().is_none() {
                            return out;
                        }
                        i += 1;
                    }
                    // A newline: the next byte may start a piece.
                    b'\n' => i += 1,
                    _ => i = skip(b, i + 1, &CODE),
                }
            }
            Some(Open::Quote) => match b[i] {
                b'\\' => i += 2,
                b'"' => {
                    stack.pop();
                    i += 1;
                }
                b'\n' => return out,
                b'$' | b'%' => i = template_mark(b, i, &mut stack),
                _ => i = skip(b, i + 1, &TEMPLATE),
            },
            Some(Open::Heredoc(start, end)) => {
                if line_start && is_terminator(b, i, &b[start..end]) {
                    stack.pop();
                    i = line_end(b, i);
                    continue;
                }
                match b[i] {
                    b'$' | b'%' => i = template_mark(b, i, &mut stack),
                    b'\n' => i += 1,
                    _ => i = skip(b, i + 1, &TEMPLATE),
                }
            }
        }
    }
    out
}

/// The offset of the newline ending the line at `i` (or the end of the text).
fn line_end(b: &[u8], i: usize) -> usize {
    b[i..]
        .iter()
        .position(|&c| c == b'\n')
        .map_or(b.len(), |p| i + p)
}

/// At `$` or `%` in a template: `${`/`%{` opens an interpolation, `$${`/`%%{` is an escape.
/// Returns where the scan goes on.
fn template_mark(b: &[u8], i: usize, stack: &mut Vec<Open>) -> usize {
    match (b.get(i + 1), b.get(i + 2)) {
        (Some(&c), Some(b'{')) if c == b[i] => i + 3,
        (Some(b'{'), _) => {
            stack.push(Open::Interpolation);
            i + 2
        }
        _ => i + 1,
    }
}

/// At `<<`: a heredoc's identifier (`<<EOT` or `<<-EOT`, then the end of the line) and where
/// its body starts.
fn heredoc_start(b: &[u8], i: usize) -> Option<(Range<usize>, usize)> {
    let mut j = i + 2;
    if b.get(j) == Some(&b'-') {
        j += 1;
    }
    let start = j;
    while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'_' || b[j] == b'-') {
        j += 1;
    }
    if j == start || !(b[start].is_ascii_alphabetic() || b[start] == b'_') {
        return None;
    }
    let end = j;
    if b.get(j) == Some(&b'\r') {
        j += 1;
    }
    (b.get(j) == Some(&b'\n')).then(|| (start..end, j + 1))
}

/// Whether the line at `i` is the heredoc terminator `ident` (indentation allowed).
fn is_terminator(b: &[u8], i: usize, ident: &[u8]) -> bool {
    let line = &b[i..line_end(b, i)];
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    line.trim_ascii() == ident
}

#[cfg(test)]
mod tests {
    use super::*;

    fn blocks(n: usize) -> String {
        (0..n)
            .map(|i| format!("resource \"t\" \"r{i}\" {{\n  a = \"x-${{var.v}}-{i}\"\n}}\n"))
            .collect()
    }

    #[test]
    fn cuts_fall_on_block_starts_near_even_fractions() {
        let text = blocks(100);
        let cuts = cuts(&text, 4);
        assert_eq!(cuts.len(), 3);
        for (k, &c) in cuts.iter().enumerate() {
            assert!(text[c..].starts_with("resource \"t\""), "{c}");
            let target = text.len() * (k + 1) / 4;
            assert!(c >= target && c - target < 64, "{c} vs {target}");
        }
    }

    #[test]
    fn no_cut_inside_strings_heredocs_comments_or_brackets() {
        let inner = "resource \"fake\" \"x\" {\n}\n";
        let text = format!(
            "locals {{\n  h = <<-EOT\n{inner}{inner}  ${{\"}}\"}}\n  EOT\n  s = \"$${{ {{\"\n  l = [\n{inner}]\n}}\n/*\n{inner}*/\n# {{\nresource \"real\" \"y\" {{\n}}\n"
        );
        // Everywhere a cut could go: only the real block qualifies.
        let every = cuts(&text, text.len());
        let real = text.find("resource \"real\"").unwrap();
        assert_eq!(every, vec![real], "{text}");
        let parsed = hcl_edit::parser::parse_body(&text);
        assert!(
            parsed.is_err(),
            "the fake block inside the list is invalid HCL"
        );
    }

    #[test]
    fn nothing_is_cut_after_unbalanced_or_unterminated_text() {
        for text in [
            format!("resource \"t\" \"open\" {{\n{}", blocks(50)),
            format!("locals {{\n  s = \"open\n}}\n{}", blocks(50)),
            format!("locals {{\n  h = <<EOT\nno end\n}}\n{}", blocks(50)),
            format!("}}\n{}", blocks(50)),
            format!("/* open\n{}", blocks(50)),
        ] {
            assert_eq!(cuts(&text, 4), Vec::<usize>::new(), "{text}");
        }
    }

    #[test]
    fn a_blanked_piece_keeps_the_files_offsets() {
        let text = format!("# é\n{}", blocks(10));
        let cut = cuts(&text, 2)[0];
        let piece = blanked(&text, &(cut..text.len())).unwrap();
        assert_eq!(piece.len(), text.len());
        assert_eq!(&piece[cut..], &text[cut..]);
        assert_eq!(piece.lines().count(), text.lines().count());
        assert!(piece[..cut].bytes().all(|c| c == b' ' || c == b'\n'));
        let body = hcl_edit::parser::parse_body(&piece).unwrap();
        let first = body.into_iter().next().unwrap();
        assert_eq!(hcl_edit::Span::span(&first).unwrap().start, cut);
    }

    #[test]
    fn only_files_above_their_share_are_cut() {
        let big = blocks(2000);
        let small = blocks(3);
        let two = plan(&[&small, &big], 2);
        assert_eq!(two[0], (0, 0..small.len()));
        assert_eq!(two.len(), 3, "{two:?}");
        assert_eq!(two[1].1.start, 0);
        assert_eq!(two[1].1.end, two[2].1.start);
        assert_eq!(two[2].1.end, big.len());
        // Many files of similar size: each is read whole.
        let many: Vec<&str> = (0..8).map(|_| big.as_str()).collect();
        assert!(
            plan(&many, 2)
                .iter()
                .all(|(i, r)| *r == (0..many[*i].len()))
        );
        assert_eq!(plan(&[&big], 1), vec![(0, 0..big.len())]);
    }
}
