//! Line-oriented layout: indentation, spacing and alignment.
//!
//! This follows the algorithm of HashiCorp's `hclwrite` (what `terraform fmt`
//! uses): the token stream is cut into logical lines at line endings, each
//! line is split into up to three cells (`lead`, `assign` starting at the
//! attribute's `=`, and a trailing line `comment`), lines are indented by
//! bracket nesting, and the `assign` and `comment` cells of consecutive lines
//! are aligned into columns.
//!
//! Tokens themselves are never changed (apart from trailing whitespace inside
//! comments), so the formatted text is always equivalent to the input.

use std::borrow::Cow;

use super::lexer::{Kind, Token, tokenize};

/// Number of spaces per nesting level.
const INDENT_WIDTH: usize = 2;

/// One output line, as `(spacing, text)` cells, one per token.
#[derive(Debug, Default)]
struct Row<'a> {
    cells: Vec<(Cow<'a, str>, Cow<'a, str>)>,
    /// Index of the cell holding the attribute's `=`, if this line is a
    /// complete single-line assignment.
    assign: Option<usize>,
    /// Index of the trailing line comment, if the line has other tokens too.
    comment: Option<usize>,
    /// Whether the line was terminated by a line ending in the input.
    newline: bool,
}

impl Row<'_> {
    /// Display width of everything before cell `end`, measured on the last
    /// physical line (tokens such as block comments may span lines).
    fn width_before(&self, end: usize) -> usize {
        let mut width = 0;
        for (space, text) in &self.cells[..end] {
            for part in [space, text] {
                match part.rfind('\n') {
                    Some(nl) => width = columns(&part[nl + 1..]),
                    None => width += columns(part),
                }
            }
        }
        width
    }
}

/// Re-lays out `src`, which must be syntactically valid HCL.
pub(super) fn layout(src: &str) -> String {
    let tokens = tokenize(src);
    let mut rows: Vec<Row<'_>> = Vec::new();
    let mut indents = IndentStack::default();
    let mut line: &[Token<'_>] = &tokens;
    loop {
        let (this, rest, newline) = match line.iter().position(|t| t.kind == Kind::Newline) {
            Some(nl) => (&line[..nl], &line[nl + 1..], true),
            None => (line, &line[line.len()..], false),
        };
        if this.is_empty() && !newline {
            break;
        }
        rows.push(build_row(this, newline, &mut indents));
        line = rest;
    }

    align(&mut rows, |row| row.assign);
    align(&mut rows, |row| row.comment);

    let mut out = String::with_capacity(src.len());
    for row in &rows {
        for (space, text) in &row.cells {
            out.push_str(space);
            out.push_str(text);
        }
        if row.newline {
            out.push('\n');
        }
    }
    if !out.is_empty() && !out.ends_with('\n') {
        out.push('\n');
    }
    out
}

/// The `hclwrite` indent stack: one entry per indentation level, holding how
/// many brackets the line that opened the level left unclosed.
#[derive(Debug, Default)]
struct IndentStack(Vec<i32>);

impl IndentStack {
    /// Returns the indentation (in levels) for a line whose brackets change
    /// the nesting depth by `net`, and updates the stack.
    fn line(&mut self, net: i32) -> usize {
        if net > 0 {
            let level = self.0.len();
            self.0.push(net);
            return level;
        }
        let mut closed = -net;
        while closed > 0 {
            let Some(top) = self.0.last_mut() else { break };
            if closed < *top {
                *top -= closed;
                closed = 0;
            } else {
                closed -= *top;
                self.0.pop();
            }
        }
        self.0.len()
    }
}

fn build_row<'a>(tokens: &[Token<'a>], newline: bool, indents: &mut IndentStack) -> Row<'a> {
    if tokens.is_empty() {
        return Row {
            newline,
            ..Row::default()
        };
    }
    let comment = (tokens.len() > 1 && tokens[tokens.len() - 1].kind == Kind::LineComment)
        .then(|| tokens.len() - 1);
    let lead_end = comment.unwrap_or(tokens.len());
    let net = |range: &[Token<'_>]| range.iter().map(Token::bracket_change).sum::<i32>();

    // Only a `=` whose right-hand side closes all its brackets on this line
    // starts an alignable `assign` cell; `x = {` opens a multi-line value.
    let assign = tokens[..lead_end]
        .iter()
        .enumerate()
        .skip(1)
        .find(|(_, t)| t.kind == Kind::Equals)
        .map(|(i, _)| i)
        .filter(|&i| net(&tokens[i..lead_end]) == 0);

    let level = indents.line(net(&tokens[..lead_end]));

    let mut cells: Vec<(Cow<'a, str>, Cow<'a, str>)> = tokens
        .iter()
        .map(|t| (Cow::Borrowed(t.space_before), token_text(t)))
        .collect();
    cells[0].0 = Cow::Owned(" ".repeat(level * INDENT_WIDTH));

    // Exactly one space around every `=`.
    for (i, t) in tokens.iter().enumerate().skip(1) {
        if t.kind == Kind::Equals {
            cells[i].0 = Cow::Borrowed(" ");
            if let Some(next) = cells.get_mut(i + 1) {
                next.0 = Cow::Borrowed(" ");
            }
        }
    }

    normalize_block_header(&tokens[..lead_end], &mut cells);

    Row {
        cells,
        assign,
        comment,
        newline,
    }
}

/// The text of a token as it should be written: comments lose trailing
/// whitespace (on every line of a block comment); everything else is verbatim.
fn token_text<'a>(token: &Token<'a>) -> Cow<'a, str> {
    match token.kind {
        Kind::LineComment => Cow::Borrowed(token.text.trim_end()),
        Kind::BlockComment if token.text.contains('\n') => {
            let lines: Vec<&str> = token.text.split('\n').map(str::trim_end).collect();
            Cow::Owned(lines.join("\n"))
        }
        _ => Cow::Borrowed(token.text),
    }
}

/// Normalizes a block header `type "label" label {` to single spaces. For a
/// single-line block (`type "label" { a = 1 }`), the braces get one space of
/// padding, or none when the block is empty (`type "label" {}`).
fn normalize_block_header<'a>(lead: &[Token<'a>], cells: &mut [(Cow<'a, str>, Cow<'a, str>)]) {
    if lead.first().is_none_or(|t| t.kind != Kind::Ident) {
        return;
    }
    let Some(open) = lead
        .iter()
        .position(|t| !matches!(t.kind, Kind::Ident | Kind::Quoted))
    else {
        return;
    };
    if lead[open].text != "{" {
        return;
    }
    for cell in &mut cells[1..=open] {
        cell.0 = Cow::Borrowed(" ");
    }
    let mut depth = 0;
    let close = lead.iter().enumerate().skip(open).find_map(|(i, t)| {
        depth += t.bracket_change();
        (depth == 0).then_some(i)
    });
    match close {
        Some(close) if close == open + 1 => cells[close].0 = Cow::Borrowed(""),
        Some(close) => {
            cells[open + 1].0 = Cow::Borrowed(" ");
            cells[close].0 = Cow::Borrowed(" ");
        }
        None => {}
    }
}

/// Aligns the cell selected by `cell` across each run of consecutive rows
/// that have one, so that it starts one column after the widest prefix.
fn align(rows: &mut [Row<'_>], cell: impl Fn(&Row<'_>) -> Option<usize>) {
    let mut start = 0;
    while start < rows.len() {
        if cell(&rows[start]).is_none() {
            start += 1;
            continue;
        }
        let end = rows[start..]
            .iter()
            .position(|row| cell(row).is_none())
            .map_or(rows.len(), |len| start + len);
        let run = &mut rows[start..end];
        let widest = run
            .iter()
            .filter_map(|row| cell(row).map(|i| row.width_before(i)))
            .max()
            .unwrap_or(0);
        for row in run {
            if let Some(i) = cell(row) {
                let pad = widest - row.width_before(i) + 1;
                row.cells[i].0 = Cow::Owned(" ".repeat(pad));
            }
        }
        start = end;
    }
}

/// Approximates the number of user-perceived characters (grapheme clusters)
/// in `text`, which is how `hclwrite` measures columns: combining marks,
/// joiners, variation selectors, emoji modifiers and tags add no column,
/// nor does a character joined by a zero-width joiner or the second half of
/// a regional-indicator (flag) pair.
fn columns(text: &str) -> usize {
    let mut count = 0;
    let mut joined = false;
    let mut open_flag = false;
    for ch in text.chars() {
        let c = u32::from(ch);
        let extends = matches!(c,
            0x0300..=0x036F | 0x1AB0..=0x1AFF | 0x1DC0..=0x1DFF | 0x20D0..=0x20FF
            | 0xFE00..=0xFE0F | 0xFE20..=0xFE2F | 0x1F3FB..=0x1F3FF
            | 0xE0020..=0xE007F | 0xE0100..=0xE01EF | 0x200D);
        let regional = (0x1F1E6..=0x1F1FF).contains(&c);
        if !(extends || joined || (regional && open_flag)) {
            count += 1;
        }
        open_flag = regional && !open_flag;
        joined = c == 0x200D;
    }
    count
}
