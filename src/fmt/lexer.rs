//! A whitespace-preserving tokenizer for HCL, just detailed enough for layout.
//!
//! The formatter only ever changes whitespace *between* tokens, so the lexer's
//! job is to find the boundaries that matter for layout: newlines, comments,
//! brackets, `=` signs and identifiers. Anything whose content must never be
//! touched (quoted templates, heredocs, block comments) becomes one opaque token,
//! even when it spans several physical lines.
//!
//! The input has already been accepted by the `hcl-edit` parser, so the lexer
//! assumes well-formed input and simply stops a token at end of input when it
//! is not.

/// What a token is, as far as layout is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    /// A line ending (`\n` or `\r\n`).
    Newline,
    /// A `#` or `//` comment, without its line ending.
    LineComment,
    /// A `/* ... */` comment; may span lines.
    BlockComment,
    /// A quoted template `"..."`, including any interpolations.
    Quoted,
    /// A heredoc from `<<EOT` through the closing delimiter; spans lines.
    Heredoc,
    /// `{`, `[` or `(`.
    Open,
    /// `}`, `]` or `)`.
    Close,
    /// A lone `=` (not part of `==`, `!=`, `<=`, `>=` or `=>`).
    Equals,
    /// An identifier (HCL identifiers may contain `-`).
    Ident,
    /// Anything else: numbers, operators, punctuation.
    Other,
}

/// One token with the horizontal whitespace that preceded it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Token<'a> {
    pub kind: Kind,
    pub text: &'a str,
    /// Spaces and tabs between the previous token (or line start) and this one.
    pub space_before: &'a str,
}

impl Token<'_> {
    /// Net change in bracket depth caused by this token.
    pub fn bracket_change(&self) -> i32 {
        match self.kind {
            Kind::Open => 1,
            Kind::Close => -1,
            _ => 0,
        }
    }
}

/// Splits `src` into tokens. Trailing horizontal whitespace at the end of the
/// input is dropped.
pub(super) fn tokenize(src: &str) -> Vec<Token<'_>> {
    let bytes = src.as_bytes();
    let mut tokens = Vec::new();
    let mut pos = 0;
    while pos < bytes.len() {
        let ws_start = pos;
        while pos < bytes.len() && is_horizontal_space(bytes, pos) {
            pos += 1;
        }
        if pos == bytes.len() {
            break;
        }
        let (kind, end) = scan_token(bytes, pos);
        debug_assert!(end > pos, "lexer made no progress at byte {pos}");
        tokens.push(Token {
            kind,
            text: &src[pos..end],
            space_before: &src[ws_start..pos],
        });
        pos = end;
    }
    tokens
}

/// Spaces, tabs and carriage returns that do not start a `\r\n` line ending.
fn is_horizontal_space(bytes: &[u8], pos: usize) -> bool {
    match bytes[pos] {
        b' ' | b'\t' => true,
        b'\r' => bytes.get(pos + 1) != Some(&b'\n'),
        _ => false,
    }
}

fn is_ident_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_' || b >= 0x80
}

fn is_ident_continue(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || b >= 0x80
}

/// Scans the token starting at `pos` (which is not whitespace) and returns its
/// kind and end offset. Token ends always fall on ASCII bytes or at the end of
/// input, so they are valid `str` slice boundaries.
fn scan_token(bytes: &[u8], pos: usize) -> (Kind, usize) {
    let next = bytes.get(pos + 1).copied();
    match bytes[pos] {
        b'\n' => (Kind::Newline, pos + 1),
        b'\r' => (Kind::Newline, pos + 2), // always `\r\n`, see `is_horizontal_space`
        b'#' => (Kind::LineComment, line_end(bytes, pos)),
        b'/' if next == Some(b'/') => (Kind::LineComment, line_end(bytes, pos)),
        b'/' if next == Some(b'*') => (Kind::BlockComment, block_comment_end(bytes, pos)),
        b'"' => (Kind::Quoted, quoted_end(bytes, pos)),
        b'<' if next == Some(b'<') => match heredoc_end(bytes, pos) {
            Some(end) => (Kind::Heredoc, end),
            None => (Kind::Other, pos + 2),
        },
        b'{' | b'[' | b'(' => (Kind::Open, pos + 1),
        b'}' | b']' | b')' => (Kind::Close, pos + 1),
        b'=' if matches!(next, Some(b'=' | b'>')) => (Kind::Other, pos + 2),
        b'=' => (Kind::Equals, pos + 1),
        b'!' | b'<' | b'>' if next == Some(b'=') => (Kind::Other, pos + 2),
        b if is_ident_start(b) => {
            let mut end = pos + 1;
            while end < bytes.len() && is_ident_continue(bytes[end]) {
                end += 1;
            }
            (Kind::Ident, end)
        }
        b if b.is_ascii_digit() => {
            let mut end = pos + 1;
            while end < bytes.len() && (bytes[end].is_ascii_alphanumeric() || bytes[end] == b'.') {
                end += 1;
            }
            (Kind::Other, end)
        }
        _ => (Kind::Other, pos + 1),
    }
}

/// Offset of the line ending (`\n` or `\r\n`) at or after `pos`, or end of input.
fn line_end(bytes: &[u8], pos: usize) -> usize {
    let mut end = pos;
    while end < bytes.len() && bytes[end] != b'\n' {
        end += 1;
    }
    if end > pos && bytes[end - 1] == b'\r' && end < bytes.len() {
        end -= 1;
    }
    end
}

fn block_comment_end(bytes: &[u8], pos: usize) -> usize {
    let mut end = pos + 2;
    while end + 1 < bytes.len() {
        if bytes[end] == b'*' && bytes[end + 1] == b'/' {
            return end + 2;
        }
        end += 1;
    }
    bytes.len()
}

/// End of the quoted template whose opening `"` is at `pos`.
fn quoted_end(bytes: &[u8], pos: usize) -> usize {
    let mut i = pos + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'"' => return i + 1,
            // A raw line ending cannot appear in a quoted literal: stop here.
            b'\n' => return i,
            b'$' | b'%' => {
                let marker = bytes[i];
                if bytes.get(i + 1) == Some(&marker) && bytes.get(i + 2) == Some(&b'{') {
                    i += 3; // escaped `$${` / `%%{`
                } else if bytes.get(i + 1) == Some(&b'{') {
                    i = template_sequence_end(bytes, i + 2);
                } else {
                    i += 1;
                }
            }
            _ => i += 1,
        }
    }
    bytes.len()
}

/// End of a `${ ... }` or `%{ ... }` sequence whose body starts at `pos`.
fn template_sequence_end(bytes: &[u8], pos: usize) -> usize {
    let mut depth = 0usize;
    let mut i = pos;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => i = quoted_end(bytes, i),
            b'{' => {
                depth += 1;
                i += 1;
            }
            b'}' if depth == 0 => return i + 1,
            b'}' => {
                depth -= 1;
                i += 1;
            }
            _ => i += 1,
        }
    }
    bytes.len()
}

/// If a heredoc starts at `pos` (`<<EOT` or `<<-EOT` directly followed by a
/// line ending), returns the offset just past its closing delimiter.
fn heredoc_end(bytes: &[u8], pos: usize) -> Option<usize> {
    let mut i = pos + 2;
    if bytes.get(i) == Some(&b'-') {
        i += 1;
    }
    let delim_start = i;
    if !bytes.get(i).copied().is_some_and(is_ident_start) {
        return None;
    }
    while i < bytes.len() && is_ident_continue(bytes[i]) {
        i += 1;
    }
    let delim = &bytes[delim_start..i];
    match bytes.get(i..i + 2) {
        Some([b'\r', b'\n']) => i += 2,
        _ if bytes.get(i) == Some(&b'\n') => i += 1,
        _ => return None,
    }
    // Each following line is content unless it is the delimiter, optionally
    // indented and not followed by another identifier character.
    while i < bytes.len() {
        let mut j = i;
        while j < bytes.len() && matches!(bytes[j], b' ' | b'\t') {
            j += 1;
        }
        if bytes[j..].starts_with(delim)
            && !bytes
                .get(j + delim.len())
                .copied()
                .is_some_and(is_ident_continue)
        {
            return Some(j + delim.len());
        }
        i = line_end(bytes, i);
        i += if bytes.get(i) == Some(&b'\r') { 2 } else { 1 };
    }
    Some(bytes.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(src: &str) -> Vec<(Kind, &str)> {
        tokenize(src)
            .into_iter()
            .map(|t| (t.kind, t.text))
            .collect()
    }

    #[test]
    fn quoted_templates_are_opaque() {
        let toks = kinds(r#"a = "x ${f("}", {b = 1})} \" $${y}" # c"#);
        assert_eq!(
            toks,
            vec![
                (Kind::Ident, "a"),
                (Kind::Equals, "="),
                (Kind::Quoted, r#""x ${f("}", {b = 1})} \" $${y}""#),
                (Kind::LineComment, "# c"),
            ]
        );
    }

    #[test]
    fn heredoc_is_one_token() {
        let src = "x = <<-EOT\n  a = {\n  EOTX\n  EOT\ny = 1\n";
        let toks = kinds(src);
        assert_eq!(toks[2], (Kind::Heredoc, "<<-EOT\n  a = {\n  EOTX\n  EOT"));
        assert_eq!(toks[3], (Kind::Newline, "\n"));
        assert_eq!(toks[4], (Kind::Ident, "y"));
    }

    #[test]
    fn operators_are_not_equals() {
        let toks = kinds("a == b != c <= d >= e => f = g");
        let equals = toks.iter().filter(|(k, _)| *k == Kind::Equals).count();
        assert_eq!(equals, 1);
    }

    #[test]
    fn crlf_and_comments() {
        let toks = kinds("a = 1 // x \r\n/* m\r\n */ b");
        assert_eq!(
            toks,
            vec![
                (Kind::Ident, "a"),
                (Kind::Equals, "="),
                (Kind::Other, "1"),
                (Kind::LineComment, "// x "),
                (Kind::Newline, "\r\n"),
                (Kind::BlockComment, "/* m\r\n */"),
                (Kind::Ident, "b"),
            ]
        );
    }
}
