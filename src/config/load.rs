//! Reading `*.tf` files into a [`Config`].

use std::path::Path;
use std::sync::Arc;

use hcl_edit::Span;
use hcl_edit::expr::Expression;
use hcl_edit::structure::{Block, Body as EditBody, Structure};

use super::*;
use crate::diag::Diagnostic;

/// Loads every `*.tf` file of `dir`, in name order.
pub fn load_dir(dir: &Path) -> Result<Loaded, Diagnostic> {
    let entries = std::fs::read_dir(dir).map_err(|e| {
        Diagnostic::error(format!(
            "Cannot read the configuration directory {}",
            dir.display()
        ))
        .detail(e.to_string())
    })?;
    let mut names: Vec<String> = entries
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().map(|t| t.is_file()).unwrap_or(false))
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|n| n.ends_with(".tf"))
        .collect();
    names.sort();
    if names.is_empty() {
        return Err(Diagnostic::error("No configuration files").detail(format!(
            "eipform reads the *.tf files of the working directory, and {} has none. Change to a directory that holds your configuration, or pass --chdir DIR.",
            dir.display()
        )));
    }
    let mut files = Vec::with_capacity(names.len());
    for name in names {
        let text = std::fs::read_to_string(dir.join(&name))
            .map_err(|e| Diagnostic::error(format!("Cannot read {name}")).detail(e.to_string()))?;
        files.push((name, text));
    }
    let mut loaded = load_files(&files);
    loaded.config.dir = dir.to_path_buf();
    Ok(loaded)
}

/// Loads configuration from `(file name, text)` pairs.
pub fn load_files(files: &[(String, String)]) -> Loaded {
    let mut loader = Loader {
        config: Config::default(),
        diags: Vec::new(),
    };
    for (name, text) in files {
        let file = loader.config.sources.add(name, text);
        match hcl_edit::parser::parse_body(text) {
            Ok(body) => loader.file(&file, text, &body),
            Err(e) => loader.diags.push(parse_error(&file, text, &e)),
        }
    }
    super::validate::check(&loader.config, &mut loader.diags);
    Loaded {
        config: loader.config,
        diags: loader.diags,
    }
}

fn parse_error(file: &Arc<str>, text: &str, e: &hcl_edit::parser::Error) -> Diagnostic {
    let loc = e.location();
    let offset = loc.offset().min(text.len());
    let end = text[offset..]
        .find('\n')
        .map(|i| offset + i)
        .unwrap_or(text.len())
        .max(offset);
    let mut detail = format!(
        "{} (line {}, column {})",
        e.message(),
        loc.line(),
        loc.column()
    );
    if offset == 0 && e.message().contains("unexpected") {
        detail.push_str(". Check for an unclosed `{`, `[`, `(` or string further down the file.");
    }
    Diagnostic::error("Invalid HCL syntax").detail(detail).at(
        Some(SourceRange {
            file: file.clone(),
            span: offset..end.max(offset + 1).min(text.len().max(offset)),
        }),
        e.message().to_string(),
    )
}

struct Loader {
    config: Config,
    diags: Vec<Diagnostic>,
}

pub(crate) fn range(file: &Arc<str>, span: Option<std::ops::Range<usize>>) -> SourceRange {
    SourceRange {
        file: file.clone(),
        span: span.unwrap_or(0..0),
    }
}

/// The header of a block: from its identifier to the end of its last label.
fn header_range(file: &Arc<str>, b: &Block) -> SourceRange {
    let start = b.ident.span().map(|s| s.start).unwrap_or(0);
    let end = b
        .labels
        .last()
        .and_then(|l| l.span())
        .or_else(|| b.ident.span())
        .map(|s| s.end)
        .unwrap_or(start);
    SourceRange {
        file: file.clone(),
        span: start..end,
    }
}

/// Reads a body into attributes and nested blocks, reporting duplicates.
pub(crate) fn read_body(file: &Arc<str>, body: &EditBody, diags: &mut Vec<Diagnostic>) -> Body {
    let mut out = Body::default();
    for s in body.iter() {
        match s {
            Structure::Attribute(a) => {
                let name = a.key.as_str().to_string();
                let attr = Attr {
                    name: name.clone(),
                    expr: a.value.clone(),
                    range: range(file, a.value.span()),
                    key_range: range(file, a.span()),
                };
                if out.attrs.contains_key(&name) {
                    diags.push(
                        Diagnostic::error("Attribute redefined")
                            .detail(format!("The argument \"{name}\" was already set. Each argument may be set only once."))
                            .at(Some(attr.key_range.clone()), "set again here"),
                    );
                } else {
                    out.attrs.insert(name, attr);
                }
            }
            Structure::Block(b) => out.blocks.push(NestedBlock {
                name: b.ident.as_str().to_string(),
                labels: b.labels.iter().map(|l| l.as_str().to_string()).collect(),
                body: read_body(file, &b.body, diags),
                range: header_range(file, b),
            }),
        }
    }
    out
}

/// The source text of an expression (for references in `depends_on` and friends).
pub(crate) fn expr_text(text: &str, e: &Expression) -> String {
    e.span()
        .and_then(|s| text.get(s))
        .unwrap_or_default()
        .trim()
        .to_string()
}

/// A literal string value, if the expression is one (`"x"` or a template without interpolation).
pub fn literal_string(e: &Expression) -> Option<String> {
    match e {
        Expression::String(s) => Some(s.value().to_string()),
        Expression::StringTemplate(t) => {
            let mut out = String::new();
            for el in t.iter() {
                match el {
                    hcl_edit::template::Element::Literal(l) => out.push_str(l.value()),
                    _ => return None,
                }
            }
            Some(out)
        }
        _ => None,
    }
}

fn literal_bool(e: &Expression) -> Option<bool> {
    match e {
        Expression::Bool(b) => Some(*b.value()),
        _ => literal_string(e).and_then(|s| s.parse().ok()),
    }
}

/// The elements of a list expression as reference texts (`depends_on = [a.b, c.d]`).
fn reference_list(
    file: &Arc<str>,
    text: &str,
    attr: &Attr,
    diags: &mut Vec<Diagnostic>,
) -> Vec<(String, SourceRange)> {
    match &attr.expr {
        Expression::Array(items) => items
            .iter()
            .map(|e| (expr_text(text, e), range(file, e.span())))
            .collect(),
        _ => {
            diags.push(
                Diagnostic::error("Invalid expression")
                    .detail(format!(
                        "\"{}\" must be a list of references, like [alicloud_vpc.main].",
                        attr.name
                    ))
                    .at(Some(attr.range.clone()), "expected a list of references"),
            );
            Vec::new()
        }
    }
}

impl Loader {
    fn file(&mut self, file: &Arc<str>, text: &str, body: &EditBody) {
        for s in body.iter() {
            match s {
                Structure::Attribute(a) => self.diags.push(
                    Diagnostic::error("Unsupported argument")
                        .detail(format!(
                            "An argument named \"{}\" is not expected at the top level of a file; only blocks (resource, data, variable, locals, output, provider, terraform, moved, import) are.",
                            a.key.as_str()
                        ))
                        .at(Some(range(file, a.span())), "not expected here"),
                ),
                Structure::Block(b) => self.block(file, text, b),
            }
        }
    }

    fn labels(
        &mut self,
        file: &Arc<str>,
        b: &Block,
        want: usize,
        what: &str,
    ) -> Option<Vec<String>> {
        let labels: Vec<String> = b.labels.iter().map(|l| l.as_str().to_string()).collect();
        if labels.len() == want {
            return Some(labels);
        }
        self.diags.push(
            Diagnostic::error(format!("Invalid {} block", b.ident.as_str()))
                .detail(format!(
                    "A {} block needs {want} label(s): {what}.",
                    b.ident.as_str()
                ))
                .at(
                    Some(header_range(file, b)),
                    format!("expected {want} label(s)"),
                ),
        );
        None
    }

    fn block(&mut self, file: &Arc<str>, text: &str, b: &Block) {
        let kind = b.ident.as_str();
        match kind {
            "resource" | "data" => {
                if let Some(l) = self.labels(file, b, 2, "a type and a name") {
                    let mode = if kind == "resource" { Mode::Managed } else { Mode::Data };
                    self.resource(file, text, b, mode, &l[0], &l[1]);
                }
            }
            "variable" => {
                if let Some(l) = self.labels(file, b, 1, "the variable name") {
                    self.variable(file, b, &l[0]);
                }
            }
            "output" => {
                if let Some(l) = self.labels(file, b, 1, "the output name") {
                    self.output(file, text, b, &l[0]);
                }
            }
            "locals" => {
                let body = read_body(file, &b.body, &mut self.diags);
                for (name, attr) in body.attrs {
                    if let Some(prev) = self.config.locals.get(&name) {
                        let prev = prev.key_range.clone();
                        self.diags.push(
                            Diagnostic::error("Duplicate local value definition")
                                .detail(format!("A local value named \"{name}\" was already defined at {}.", prev.file))
                                .at(Some(attr.key_range.clone()), "defined again here"),
                        );
                    } else {
                        self.config.locals.insert(name, attr);
                    }
                }
            }
            "provider" => {
                if let Some(l) = self.labels(file, b, 1, "the provider name") {
                    let body = read_body(file, &b.body, &mut self.diags);
                    let alias = body.attrs.get("alias").and_then(|a| literal_string(&a.expr));
                    self.config.providers.push(ProviderBlock { name: l[0].clone(), alias, body, range: header_range(file, b) });
                }
            }
            "terraform" => self.terraform(file, b),
            "moved" => {
                let body = read_body(file, &b.body, &mut self.diags);
                let get = |k: &str| body.attrs.get(k).map(|a| expr_text(text, &a.expr));
                match (get("from"), get("to")) {
                    (Some(from), Some(to)) => self.config.moved.push(Moved { from, to, range: header_range(file, b) }),
                    _ => self.diags.push(
                        Diagnostic::error("Invalid moved block")
                            .detail("A moved block needs both \"from\" and \"to\" addresses.")
                            .at(Some(header_range(file, b)), "missing from or to"),
                    ),
                }
            }
            "import" => {
                let body = read_body(file, &b.body, &mut self.diags);
                let to = body.attrs.get("to").map(|a| expr_text(text, &a.expr));
                match (to, body.attrs.get("id")) {
                    (Some(to), Some(id)) => self.config.imports.push(ImportBlock {
                        to,
                        id: id.clone(),
                        provider: body.attrs.get("provider").map(|a| expr_text(text, &a.expr)),
                        range: header_range(file, b),
                    }),
                    _ => self.diags.push(
                        Diagnostic::error("Invalid import block")
                            .detail("An import block needs \"to\" (a resource address) and \"id\" (the cloud id).")
                            .at(Some(header_range(file, b)), "missing to or id"),
                    ),
                }
            }
            other => self.diags.push(
                Diagnostic::error("Unsupported block type")
                    .detail(format!(
                        "Blocks of type \"{other}\" are not expected here. eipform reads resource, data, variable, locals, output, provider, terraform, moved and import blocks."
                    ))
                    .at(Some(header_range(file, b)), "unsupported block"),
            ),
        }
    }

    fn terraform(&mut self, file: &Arc<str>, b: &Block) {
        let body = read_body(file, &b.body, &mut self.diags);
        for nb in &body.blocks {
            match nb.name.as_str() {
                "backend" => {
                    if nb.labels.first().map(String::as_str) != Some("sqlite") {
                        self.diags.push(
                            Diagnostic::error("Unsupported backend")
                                .detail("eipform stores state in SQLite: use backend \"sqlite\" { path = \"...\" }.")
                                .at(Some(nb.range.clone()), "unsupported backend"),
                        );
                        continue;
                    }
                    if let Some(p) = nb.body.attrs.get("path") {
                        match literal_string(&p.expr) {
                            Some(s) => self.config.backend_path = Some(s),
                            None => self.diags.push(
                                Diagnostic::error("Invalid backend path")
                                    .detail("The backend path must be a literal string.")
                                    .at(Some(p.range.clone()), "must be a literal string"),
                            ),
                        }
                    }
                }
                "required_providers" | "cloud" | "experiments" | "provider_meta" => {}
                other => self.diags.push(
                    Diagnostic::error("Unsupported block type")
                        .detail(format!(
                            "Blocks of type \"{other}\" are not expected in a terraform block."
                        ))
                        .at(Some(nb.range.clone()), "unsupported block"),
                ),
            }
        }
    }

    fn variable(&mut self, file: &Arc<str>, b: &Block, name: &str) {
        let body = read_body(file, &b.body, &mut self.diags);
        let validations = body
            .blocks
            .iter()
            .filter(|nb| nb.name == "validation")
            .filter_map(|nb| self.condition(nb))
            .collect();
        for key in body.attrs.keys() {
            if ![
                "default",
                "type",
                "description",
                "sensitive",
                "nullable",
                "ephemeral",
            ]
            .contains(&key.as_str())
            {
                self.diags.push(
                    Diagnostic::error("Unsupported argument")
                        .detail(format!(
                            "An argument named \"{key}\" is not expected in a variable block."
                        ))
                        .at(Some(body.attrs[key].key_range.clone()), "not expected here"),
                );
            }
        }
        let var = Variable {
            name: name.to_string(),
            default: body.attrs.get("default").cloned(),
            ty: body.attrs.get("type").cloned(),
            description: body
                .attrs
                .get("description")
                .and_then(|a| literal_string(&a.expr)),
            sensitive: body
                .attrs
                .get("sensitive")
                .and_then(|a| literal_bool(&a.expr))
                .unwrap_or(false),
            nullable: body
                .attrs
                .get("nullable")
                .and_then(|a| literal_bool(&a.expr))
                .unwrap_or(true),
            validations,
            range: header_range(file, b),
        };
        if self.config.variables.contains_key(name) {
            self.diags.push(
                Diagnostic::error("Duplicate variable declaration")
                    .detail(format!("A variable named \"{name}\" was already declared."))
                    .at(Some(var.range.clone()), "declared again here"),
            );
        } else {
            self.config.variables.insert(name.to_string(), var);
        }
    }

    fn condition(&mut self, nb: &NestedBlock) -> Option<Condition> {
        match (
            nb.body.attrs.get("condition"),
            nb.body.attrs.get("error_message"),
        ) {
            (Some(c), Some(m)) => Some(Condition {
                condition: c.clone(),
                error_message: m.clone(),
            }),
            _ => {
                self.diags.push(
                    Diagnostic::error(format!("Invalid {} block", nb.name))
                        .detail("It needs both \"condition\" and \"error_message\".")
                        .at(Some(nb.range.clone()), "missing condition or error_message"),
                );
                None
            }
        }
    }

    fn output(&mut self, file: &Arc<str>, text: &str, b: &Block, name: &str) {
        let body = read_body(file, &b.body, &mut self.diags);
        let mut depends_on = Vec::new();
        if let Some(d) = body.attrs.get("depends_on") {
            depends_on = reference_list(file, text, d, &mut self.diags);
        }
        let preconditions = body
            .blocks
            .iter()
            .filter(|nb| nb.name == "precondition")
            .filter_map(|nb| self.condition(nb))
            .collect();
        let out = Output {
            name: name.to_string(),
            value: body.attrs.get("value").cloned(),
            description: body
                .attrs
                .get("description")
                .and_then(|a| literal_string(&a.expr)),
            sensitive: body
                .attrs
                .get("sensitive")
                .and_then(|a| literal_bool(&a.expr))
                .unwrap_or(false),
            depends_on,
            preconditions,
            range: header_range(file, b),
        };
        if out.value.is_none() {
            self.diags.push(
                Diagnostic::error("Missing required argument")
                    .detail(format!("The output \"{name}\" needs a \"value\" argument."))
                    .at(Some(out.range.clone()), "no value"),
            );
        }
        if self.config.outputs.contains_key(name) {
            self.diags.push(
                Diagnostic::error("Duplicate output definition")
                    .detail(format!("An output named \"{name}\" was already defined."))
                    .at(Some(out.range.clone()), "defined again here"),
            );
        } else {
            self.config.outputs.insert(name.to_string(), out);
        }
    }

    fn resource(
        &mut self,
        file: &Arc<str>,
        text: &str,
        b: &Block,
        mode: Mode,
        rtype: &str,
        name: &str,
    ) {
        let mut body = read_body(file, &b.body, &mut self.diags);
        let addr = BlockAddress {
            mode,
            rtype: rtype.to_string(),
            name: name.to_string(),
        };
        let count = body.attrs.shift_remove("count");
        let for_each = body.attrs.shift_remove("for_each");
        let depends_on = body
            .attrs
            .shift_remove("depends_on")
            .map(|d| reference_list(file, text, &d, &mut self.diags))
            .unwrap_or_default();
        let provider = body
            .attrs
            .shift_remove("provider")
            .map(|p| (expr_text(text, &p.expr), p.range.clone()));
        if count.is_some() && for_each.is_some() {
            self.diags.push(
                Diagnostic::error("Invalid combination of \"count\" and \"for_each\"")
                    .detail("The \"count\" and \"for_each\" meta-arguments are mutually exclusive; only one may be used.")
                    .at(for_each.as_ref().map(|f| f.key_range.clone()), "for_each set together with count"),
            );
        }
        let mut lifecycle = Lifecycle::default();
        let mut timeouts = None;
        let mut rest = Vec::new();
        for nb in std::mem::take(&mut body.blocks) {
            match nb.name.as_str() {
                "lifecycle" if mode == Mode::Managed => lifecycle = self.lifecycle(file, text, &nb),
                "timeouts" if mode == Mode::Managed => timeouts = Some(nb.body),
                "provisioner" | "connection" => self.diags.push(
                    Diagnostic::error(format!("Unsupported block type \"{}\"", nb.name))
                        .detail("eipform does not run provisioners: EIP configuration is declarative only.")
                        .at(Some(nb.range.clone()), "not supported"),
                ),
                _ => rest.push(nb),
            }
        }
        body.blocks = rest;
        let schema_type = match mode {
            Mode::Managed => crate::schema::resource(rtype),
            Mode::Data => crate::schema::data_source(rtype),
        }
        .map(|s| s.type_name.clone())
        .unwrap_or_else(|| rtype.to_string());
        let block = ResourceBlock {
            addr,
            schema_type,
            body,
            range: header_range(file, b),
            count,
            for_each,
            depends_on,
            provider,
            lifecycle,
            timeouts,
        };
        self.config.resources.push(block);
    }

    fn lifecycle(&mut self, file: &Arc<str>, text: &str, nb: &NestedBlock) -> Lifecycle {
        let mut lc = Lifecycle {
            prevent_destroy: nb.body.attrs.get("prevent_destroy").cloned(),
            create_before_destroy: nb.body.attrs.get("create_before_destroy").cloned(),
            ..Lifecycle::default()
        };
        if let Some(ic) = nb.body.attrs.get("ignore_changes") {
            lc.ignore_changes = match &ic.expr {
                Expression::Variable(v) if v.as_str() == "all" => IgnoreChanges::All,
                Expression::String(s) if s.value() == "all" => IgnoreChanges::All,
                Expression::Array(items) => IgnoreChanges::List(
                    items
                        .iter()
                        .map(|e| literal_string(e).unwrap_or_else(|| expr_text(text, e)))
                        .collect(),
                ),
                _ => {
                    self.diags.push(
                        Diagnostic::error("Invalid ignore_changes")
                            .detail("ignore_changes takes a list of attribute names, or all.")
                            .at(Some(ic.range.clone()), "expected a list or all"),
                    );
                    IgnoreChanges::None
                }
            };
        }
        if let Some(r) = nb.body.attrs.get("replace_triggered_by") {
            lc.replace_triggered_by = reference_list(file, text, r, &mut self.diags);
        }
        for c in &nb.body.blocks {
            match c.name.as_str() {
                "precondition" => lc.preconditions.extend(self.condition(c)),
                "postcondition" => lc.postconditions.extend(self.condition(c)),
                other => self.diags.push(
                    Diagnostic::error("Unsupported block type")
                        .detail(format!(
                            "Blocks of type \"{other}\" are not expected in a lifecycle block."
                        ))
                        .at(Some(c.range.clone()), "unsupported block"),
                ),
            }
        }
        for (k, a) in &nb.body.attrs {
            if ![
                "prevent_destroy",
                "create_before_destroy",
                "ignore_changes",
                "replace_triggered_by",
            ]
            .contains(&k.as_str())
            {
                self.diags.push(
                    Diagnostic::error("Unsupported argument")
                        .detail(format!(
                            "An argument named \"{k}\" is not expected in a lifecycle block."
                        ))
                        .at(Some(a.key_range.clone()), "not expected here"),
                );
            }
        }
        lc
    }
}
