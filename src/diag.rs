//! Diagnostics as values: errors and warnings with source ranges, collected by every layer and
//! shown together (rendered with miette for people, as Terraform's `validate -json` shape for tools).

use std::ops::Range;
use std::sync::Arc;

use indexmap::IndexMap;
use serde_json::{Value, json};

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Severity {
    Error,
    Warning,
}

/// A byte range in one configuration file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceRange {
    pub file: Arc<str>,
    pub span: Range<usize>,
}

/// One error or warning.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Diagnostic {
    pub severity: Severity,
    pub summary: String,
    pub detail: String,
    pub range: Option<SourceRange>,
    /// Text under the highlighted range.
    pub label: String,
    /// The error code (Alibaba's for cloud errors, e.g. `IncorrectEipStatus`).
    pub code: Option<String>,
    /// The EIP rule ID (A01, S06, ...), when the diagnostic enforces one.
    pub rule: Option<String>,
    /// The resource address the diagnostic is about.
    pub address: Option<String>,
}

impl Diagnostic {
    pub fn error(summary: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Error,
            summary: summary.into(),
            detail: String::new(),
            range: None,
            label: String::new(),
            code: None,
            rule: None,
            address: None,
        }
    }

    pub fn warning(summary: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(summary)
        }
    }

    pub fn detail(mut self, detail: impl Into<String>) -> Diagnostic {
        self.detail = detail.into();
        self
    }

    pub fn at(mut self, range: Option<SourceRange>, label: impl Into<String>) -> Diagnostic {
        self.range = range;
        self.label = label.into();
        self
    }

    pub fn code(mut self, code: impl Into<String>) -> Diagnostic {
        self.code = Some(code.into());
        self
    }

    pub fn rule(mut self, rule: Option<String>) -> Diagnostic {
        self.rule = rule;
        self
    }

    pub fn address(mut self, address: impl Into<String>) -> Diagnostic {
        self.address = Some(address.into());
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// The configuration's source texts, by file name, for snippets and line numbers.
#[derive(Debug, Clone, Default)]
pub struct Sources {
    files: IndexMap<Arc<str>, Arc<str>>,
}

impl Sources {
    pub fn add(&mut self, name: &str, text: &str) -> Arc<str> {
        let name: Arc<str> = Arc::from(name);
        self.files.insert(name.clone(), Arc::from(text));
        name
    }

    /// Adds a file whose name and text are already shared.
    pub fn insert(&mut self, name: Arc<str>, text: Arc<str>) {
        self.files.insert(name, text);
    }

    pub fn text(&self, name: &str) -> Option<&Arc<str>> {
        self.files.get(name)
    }

    pub fn files(&self) -> impl Iterator<Item = (&Arc<str>, &Arc<str>)> {
        self.files.iter()
    }

    /// 1-based line and column of byte `offset` in `file`.
    pub fn line_col(&self, file: &str, offset: usize) -> (usize, usize) {
        let Some(text) = self.files.get(file) else {
            return (1, 1);
        };
        let offset = offset.min(text.len());
        let before = &text[..floor_char_boundary(text, offset)];
        let line = before.matches('\n').count() + 1;
        let col = before
            .rsplit('\n')
            .next()
            .map(|l| l.chars().count())
            .unwrap_or(0)
            + 1;
        (line, col)
    }
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Renders diagnostics for a terminal (miette's graphical report: file:line:column header,
/// numbered source lines, the labelled range underlined).
pub fn render_human(diags: &[Diagnostic], sources: &Sources, color: bool) -> String {
    use miette::{
        GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteDiagnostic, NamedSource, Report,
    };
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    // No wrapping: an error code or rule ID split across lines is lost to grep.
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_context_lines(1)
        .with_wrap_lines(false);
    let mut out = String::new();
    for d in diags {
        let mut md = MietteDiagnostic::new(heading(d)).with_severity(match d.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
        });
        // The error code leads the detail (`IncorrectEipStatus: ...`), as the cloud words it.
        let detail = match &d.code {
            Some(code) if !d.detail.starts_with(code.as_str()) => format!("{code}: {}", d.detail),
            _ => d.detail.clone(),
        };
        if !detail.is_empty() {
            md = md.with_help(detail);
        }
        let source = d
            .range
            .as_ref()
            .and_then(|r| sources.text(&r.file).map(|t| (r, t)));
        let report = match source {
            Some((r, text)) => {
                let end = r.span.end.min(text.len());
                let start = r.span.start.min(end);
                let label = if d.label.is_empty() {
                    None
                } else {
                    Some(d.label.clone())
                };
                md = md.with_labels(vec![LabeledSpan::new(label, start, end - start)]);
                Report::new(md).with_source_code(NamedSource::new(&r.file, text.to_string()))
            }
            None => Report::new(md),
        };
        let mut s = String::new();
        if handler.render_report(&mut s, report.as_ref()).is_err() {
            s = format!("{}: {}\n", severity_word(d.severity), heading(d));
        }
        out.push_str(&s);
        if !out.ends_with('\n') {
            out.push('\n');
        }
    }
    out
}

fn severity_word(s: Severity) -> &'static str {
    match s {
        Severity::Error => "Error",
        Severity::Warning => "Warning",
    }
}

fn heading(d: &Diagnostic) -> String {
    let mut h = String::new();
    if let Some(a) = &d.address {
        h.push_str(a);
        h.push_str(": ");
    }
    h.push_str(&d.summary);
    if let Some(rule) = &d.rule
        && !h.contains(&format!("rule {rule}"))
    {
        h.push_str(&format!(" (rule {rule})"));
    }
    h
}

/// One diagnostic in the shape of Terraform's `validate -json`.
pub fn to_json(d: &Diagnostic, sources: &Sources) -> Value {
    let mut v = json!({
        "severity": match d.severity { Severity::Error => "error", Severity::Warning => "warning" },
        "summary": heading(d),
        "detail": d.detail,
    });
    if let Some(a) = &d.address {
        v["address"] = json!(a);
    }
    if let Some(code) = &d.code {
        v["code"] = json!(code);
    }
    if let Some(rule) = &d.rule {
        v["rule"] = json!(rule);
    }
    if let Some(r) = &d.range {
        let pos = |offset: usize| {
            let (line, column) = sources.line_col(&r.file, offset);
            json!({ "line": line, "column": column, "byte": offset })
        };
        v["range"] = json!({ "filename": r.file.as_ref(), "start": pos(r.span.start), "end": pos(r.span.end) });
        if let Some(text) = sources.text(&r.file) {
            let (start_line, _) = sources.line_col(&r.file, r.span.start);
            let line_start = text[..floor_char_boundary(text, r.span.start.min(text.len()))]
                .rfind('\n')
                .map(|i| i + 1)
                .unwrap_or(0);
            let line_end = text[line_start..]
                .find('\n')
                .map(|i| line_start + i)
                .unwrap_or(text.len());
            let code = &text[line_start..line_end];
            let hl_start = r.span.start.saturating_sub(line_start).min(code.len());
            let hl_end = r
                .span
                .end
                .saturating_sub(line_start)
                .min(code.len())
                .max(hl_start);
            v["snippet"] = json!({
                "context": Value::Null,
                "code": code,
                "start_line": start_line,
                "highlight_start_offset": hl_start,
                "highlight_end_offset": hl_end,
                "values": [],
            });
        }
    }
    v
}

pub fn has_errors(diags: &[Diagnostic]) -> bool {
    diags.iter().any(Diagnostic::is_error)
}
