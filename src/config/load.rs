//! Reading `*.tf` files into a [`Config`].

use std::path::Path;
use std::sync::Arc;

use hcl_edit::Span;
use hcl_edit::expr::Expression;
use hcl_edit::structure::{Block, Body as EditBody, Structure};

use super::cache::{self, Cache};
use crate::eval::{Expr, SourceText};

use super::*;
use crate::diag::Diagnostic;

/// The `path` of the configuration's `backend` block, without loading the whole configuration
/// when no file mentions a backend (commands take the state lock before they load it).
pub fn backend_path(dir: &Path) -> Option<String> {
    if !mentions(dir, "backend") {
        return None;
    }
    load_dir(dir).ok()?.config.backend_path
}

/// Whether any `*.tf` file of `dir` contains `word` (or cannot be read: then it may).
pub fn mentions(dir: &Path, word: &str) -> bool {
    mentioned(dir, &[word])[0]
}

/// Which of `words` some `*.tf` file of `dir` contains (all of them when a file cannot be
/// read), in one read of each file.
pub fn mentioned(dir: &Path, words: &[&str]) -> Vec<bool> {
    let Ok(files) = tf_files(dir) else {
        return vec![true; words.len()];
    };
    let mut found = vec![false; words.len()];
    for name in files {
        let Ok(text) = std::fs::read(dir.join(name)) else {
            return vec![true; words.len()];
        };
        for (f, word) in found.iter_mut().zip(words) {
            *f = *f || memchr::memmem::find(&text, word.as_bytes()).is_some();
        }
        if found.iter().all(|f| *f) {
            break;
        }
    }
    found
}

/// The names of the `*.tf` files in `dir`, sorted.
fn tf_files(dir: &Path) -> Result<Vec<String>, Diagnostic> {
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
    Ok(names)
}

/// Loads every `*.tf` file of `dir`, in name order.
pub fn load_dir(dir: &Path) -> Result<Loaded, Diagnostic> {
    let names = tf_files(dir)?;
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
        files.push((Arc::from(name), Arc::from(text)));
    }
    let cache = Cache::open(dir);
    let mut loaded = load_shared(files, cache.as_ref());
    loaded.config.dir = dir.to_path_buf();
    Ok(loaded)
}

/// Loads configuration from `(file name, text)` pairs.
///
/// Files are parsed and read into blocks on up to four threads (each parse tree is dropped as
/// soon as its file is read), then put together in file order, so diagnostics come out in the
/// order a sequential read gives.
pub fn load_files(files: &[(String, String)]) -> Loaded {
    load_shared(
        files
            .iter()
            .map(|(name, text)| (Arc::from(name.as_str()), Arc::from(text.as_str())))
            .collect(),
        None,
    )
}

fn load_shared(files: Vec<(Arc<str>, Arc<str>)>, cache: Option<&Cache>) -> Loaded {
    let mut config = Config::default();
    for (name, text) in &files {
        config.sources.insert(name.clone(), text.clone());
    }
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(4);
    let mut diags = Vec::new();
    let (read, from_cache) = read_files(&files, threads, cache);
    // Sized once: 50,000 blocks of ~600 bytes copied at every doubling showed in a 50k plan.
    config.resources.reserve_exact(
        read.iter()
            .flatten()
            .filter(|e| matches!(e, Event::Resource(_)))
            .count(),
    );
    for events in read {
        merge(&mut config, &mut diags, events);
    }
    super::validate::check(&config, &mut diags);
    Loaded {
        config,
        diags,
        from_cache,
    }
}

/// Reads every file on up to `threads` threads; the results are in file order. A file whose
/// text the cache holds is decoded from it; the others are parsed, and a file larger than its
/// share of the parsing is read in pieces ([`pieces`]), so that one large file keeps every
/// thread busy. When a piece does not parse (or an entry does not decode), the whole file is
/// read again on its own, for the diagnostics a sequential read gives. Files parsed are then
/// stored in the cache. Returns the events of each file and how many came from the cache.
fn read_files(
    files: &[(Arc<str>, Arc<str>)],
    threads: usize,
    cache: Option<&Cache>,
) -> (Vec<Vec<Event>>, usize) {
    let sources: Vec<Arc<SourceText>> = files
        .iter()
        .map(|(_, t)| SourceText::new(t.clone()))
        .collect();
    let hashes: Vec<Option<u128>> = files
        .iter()
        .map(|(_, t)| cache.map(|_| cache::text_hash(t)))
        .collect();
    let mut cached: Vec<Option<&[u8]>> = files
        .iter()
        .zip(&hashes)
        .map(|((name, _), h)| cache.zip(*h).and_then(|(c, h)| c.hit(name, h)))
        .collect();
    let parsed: Vec<usize> = (0..files.len()).filter(|i| cached[*i].is_none()).collect();
    let texts: Vec<&str> = parsed.iter().map(|i| &*files[*i].1).collect();
    let mut work: Vec<Job> = (0..files.len())
        .filter_map(|i| cached[i].map(|bytes| Job::Decode(i, bytes)))
        .collect();
    work.extend(
        pieces::plan(&texts, threads)
            .into_iter()
            .map(|(k, piece)| Job::Piece(parsed[k], piece)),
    );
    let read = |job: &Job| match job {
        Job::Decode(i, bytes) => {
            let (name, _) = &files[*i];
            cache::in_file(name, &sources[*i], || postcard::from_bytes(bytes).ok())
        }
        Job::Piece(i, piece) => {
            let (name, text) = &files[*i];
            read_piece(name, text, &sources[*i], piece.clone())
        }
    };
    let results = crate::parallel::run_tasks(work.iter().collect(), threads, read);
    let mut per_file: Vec<Option<Vec<Event>>> =
        (0..files.len()).map(|_| Some(Vec::new())).collect();
    for (job, events) in work.iter().zip(results) {
        let i = job.file();
        if events.is_none() {
            // Parsed again below, and stored anew.
            cached[i] = None;
        }
        per_file[i] = match (per_file[i].take(), events) {
            (Some(mut all), Some(events)) => {
                all.extend(events);
                Some(all)
            }
            _ => None,
        };
    }
    let per_file: Vec<Vec<Event>> = per_file
        .into_iter()
        .zip(files.iter().zip(&sources))
        .map(|(events, ((name, text), src))| {
            events.unwrap_or_else(|| read_piece(name, text, src, 0..text.len()).unwrap_or_default())
        })
        .collect();
    if let Some(cache) = cache
        && cached.iter().any(Option::is_none)
    {
        store(cache, files, &sources, &hashes, &cached, &per_file);
    }
    let from_cache = cached.iter().filter(|c| c.is_some()).count();
    (per_file, from_cache)
}

/// A unit of reading: a file decoded from the cache, or a piece of a file parsed.
enum Job<'c> {
    Decode(usize, &'c [u8]),
    Piece(usize, std::ops::Range<usize>),
}

impl Job<'_> {
    fn file(&self) -> usize {
        match self {
            Job::Decode(i, _) | Job::Piece(i, _) => *i,
        }
    }
}

/// Writes the cache anew: the entries of files decoded from it as they were, the files parsed
/// encoded (a file whose events do not encode is left out, and parsed again next time).
fn store(
    cache: &Cache,
    files: &[(Arc<str>, Arc<str>)],
    sources: &[Arc<SourceText>],
    hashes: &[Option<u128>],
    cached: &[Option<&[u8]>],
    events: &[Vec<Event>],
) {
    let encoded: Vec<Option<Vec<u8>>> = (0..files.len())
        .map(|i| match cached[i] {
            Some(_) => None,
            None => cache::in_file(&files[i].0, &sources[i], || {
                postcard::to_stdvec(&events[i]).ok()
            }),
        })
        .collect();
    let entries: Vec<(&str, u128, &[u8])> = (0..files.len())
        .filter_map(|i| {
            let bytes = cached[i].or(encoded[i].as_deref())?;
            Some((&*files[i].0, hashes[i]?, bytes))
        })
        .collect();
    cache.store(&entries);
}

/// The blocks and diagnostics of `piece` of a file, in source order; `None` when a part of
/// the file does not parse (a whole file that does not parse gives its syntax error instead).
fn read_piece(
    file: &Arc<str>,
    text: &Arc<str>,
    src: &Arc<SourceText>,
    piece: std::ops::Range<usize>,
) -> Option<Vec<Event>> {
    let mut loader = Loader {
        file: file.clone(),
        text: text.clone(),
        src: src.clone(),
        events: Vec::new(),
    };
    let whole = piece == (0..text.len());
    let parsed = if piece.start == 0 {
        hcl_edit::parser::parse_body(&text[..piece.end])
    } else {
        hcl_edit::parser::parse_body(&pieces::blanked(text, &piece)?)
    };
    match parsed {
        Ok(body) => loader.file(body),
        Err(e) if whole => loader.events.push(Event::Diag(parse_error(file, text, &e))),
        Err(_) => return None,
    }
    Some(loader.events)
}

/// What reading a file found, in order. Whatever depends on other files (duplicate variables,
/// locals and outputs) is decided when the files are put together.
#[derive(serde::Serialize, serde::Deserialize)]
enum Event {
    Diag(Diagnostic),
    Resource(Box<ResourceBlock>),
    Variable(Box<Variable>),
    Local(String, Attr),
    Output(Box<Output>),
    Provider(ProviderBlock),
    Backend(String),
    Moved(Moved),
    Import(ImportBlock),
}

fn merge(config: &mut Config, diags: &mut Vec<Diagnostic>, events: Vec<Event>) {
    for event in events {
        match event {
            Event::Diag(d) => diags.push(d),
            Event::Resource(r) => config.resources.push(*r),
            Event::Variable(var) => {
                if config.variables.contains_key(&var.name) {
                    diags.push(
                        Diagnostic::error("Duplicate variable declaration")
                            .detail(format!(
                                "A variable named \"{}\" was already declared.",
                                var.name
                            ))
                            .at(Some(var.range.clone()), "declared again here"),
                    );
                } else {
                    config.variables.insert(var.name.clone(), *var);
                }
            }
            Event::Local(name, attr) => {
                if let Some(prev) = config.locals.get(&name) {
                    let prev = prev.key_range.clone();
                    diags.push(
                        Diagnostic::error("Duplicate local value definition")
                            .detail(format!(
                                "A local value named \"{name}\" was already defined at {}.",
                                prev.file
                            ))
                            .at(Some(attr.key_range.clone()), "defined again here"),
                    );
                } else {
                    config.locals.insert(name, attr);
                }
            }
            Event::Output(out) => {
                if config.outputs.contains_key(&out.name) {
                    diags.push(
                        Diagnostic::error("Duplicate output definition")
                            .detail(format!(
                                "An output named \"{}\" was already defined.",
                                out.name
                            ))
                            .at(Some(out.range.clone()), "defined again here"),
                    );
                } else {
                    config.outputs.insert(out.name.clone(), *out);
                }
            }
            Event::Provider(p) => config.providers.push(p),
            Event::Backend(path) => config.backend_path = Some(path),
            Event::Moved(m) => config.moved.push(m),
            Event::Import(i) => config.imports.push(i),
        }
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
    file: Arc<str>,
    text: Arc<str>,
    /// The text as the expressions share it.
    src: Arc<SourceText>,
    events: Vec<Event>,
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

/// How the expressions of a body are kept.
#[derive(Clone, Copy, PartialEq)]
enum Keep {
    /// Analysed for evaluation ([`Expr::new`]): resources, locals, outputs.
    Compiled,
    /// As trees ([`Expr::keep`]): blocks read as syntax or rarely evaluated.
    Tree,
}

impl Loader {
    fn diag(&mut self, d: Diagnostic) {
        self.events.push(Event::Diag(d));
    }

    /// Reads a body into attributes and nested blocks, reporting duplicates. Takes the parse
    /// tree apart instead of copying it.
    fn read_body(&mut self, body: EditBody, keep: Keep) -> Body {
        let mut out = Body::default();
        for s in body {
            match s {
                Structure::Attribute(a) => {
                    let name = Name::from(a.key.as_str());
                    let key_range = range(&self.file, a.span());
                    let value_range = range(&self.file, a.value.span());
                    if out.attrs.contains_key(name.as_str()) {
                        self.diag(
                            Diagnostic::error("Attribute redefined")
                                .detail(format!("The argument \"{name}\" was already set. Each argument may be set only once."))
                                .at(Some(key_range), "set again here"),
                        );
                        continue;
                    }
                    // `depends_on` is read as syntax: a list of references, never evaluated.
                    let expr = match keep {
                        Keep::Compiled if name != "depends_on" => {
                            Expr::new(a.value, &self.src, &self.file)
                        }
                        _ => Expr::keep(a.value, &self.src, &self.file),
                    };
                    let attr = Attr {
                        name: name.clone(),
                        expr,
                        range: value_range,
                        key_range,
                    };
                    out.attrs.insert(name, attr);
                }
                Structure::Block(b) => {
                    let range = header_range(&self.file, &b);
                    let labels = b.labels.iter().map(|l| l.as_str().to_string()).collect();
                    let name = b.ident.as_str().to_string();
                    // Lifecycle arguments are read as syntax (lists of names, references).
                    let keep = if name == "lifecycle" {
                        Keep::Tree
                    } else {
                        keep
                    };
                    let body = self.read_body(b.body, keep);
                    out.blocks.push(NestedBlock {
                        name,
                        labels,
                        body,
                        range,
                    });
                }
            }
        }
        out.attrs.shrink_to_fit();
        out.blocks.shrink_to_fit();
        out
    }
}

/// The source text of an expression (for references in `depends_on` and friends).
pub(crate) fn expr_text(text: &str, e: &Expression) -> String {
    e.span()
        .and_then(|s| text.get(s))
        .unwrap_or_default()
        .trim()
        .to_string()
}

/// The source text of an argument's value.
fn attr_text(a: &Attr) -> String {
    a.expr.source().trim().to_string()
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

/// A literal string value of a configuration expression or an hcl-edit expression.
pub fn literal<E: crate::eval::ExprRef + ?Sized>(e: &E) -> Option<String> {
    match e.view() {
        crate::eval::ExprView::Compiled(e) => e.literal_string(),
        crate::eval::ExprView::Tree(e) => literal_string(e),
    }
}

/// The value of an expression made only of literals (strings without interpolation, numbers,
/// bools, lists of those); `None` when it needs evaluating. Lets `validate` check literal
/// arguments against the schema even where the rest of the block needs the cloud.
pub(crate) fn literal_value(e: &Expression) -> Option<serde_json::Value> {
    use serde_json::Value;
    match e {
        Expression::Null(_) => Some(Value::Null),
        Expression::Bool(b) => Some(Value::Bool(*b.value())),
        Expression::Number(n) => serde_json::to_value(n.value()).ok(),
        Expression::String(_) | Expression::StringTemplate(_) => {
            literal_string(e).map(Value::String)
        }
        Expression::Array(items) => items
            .iter()
            .map(literal_value)
            .collect::<Option<Vec<_>>>()
            .map(Value::Array),
        Expression::Parenthesis(p) => literal_value(p.inner()),
        _ => None,
    }
}

fn literal_bool(a: &Attr) -> Option<bool> {
    a.expr.literal_bool()
}

/// The elements of a list expression as reference texts (`depends_on = [a.b, c.d]`).
fn reference_list(
    file: &Arc<str>,
    text: &str,
    attr: &Attr,
    diags: &mut Vec<Event>,
) -> Vec<(String, SourceRange)> {
    match &*attr.expr {
        Expression::Array(items) => items
            .iter()
            .map(|e| (expr_text(text, e), range(file, e.span())))
            .collect(),
        _ => {
            diags.push(Event::Diag(
                Diagnostic::error("Invalid expression")
                    .detail(format!(
                        "\"{}\" must be a list of references, like [alicloud_vpc.main].",
                        attr.name
                    ))
                    .at(Some(attr.range.clone()), "expected a list of references"),
            ));
            Vec::new()
        }
    }
}

impl Loader {
    fn file(&mut self, body: EditBody) {
        for s in body {
            match s {
                Structure::Attribute(a) => {
                    let d = Diagnostic::error("Unsupported argument")
                        .detail(format!(
                            "An argument named \"{}\" is not expected at the top level of a file; only blocks (resource, data, variable, locals, output, provider, terraform, moved, import) are.",
                            a.key.as_str()
                        ))
                        .at(Some(range(&self.file, a.span())), "not expected here");
                    self.diag(d);
                }
                Structure::Block(b) => self.block(b),
            }
        }
    }

    fn labels(&mut self, b: &Block, want: usize, what: &str) -> Option<Vec<String>> {
        let labels: Vec<String> = b.labels.iter().map(|l| l.as_str().to_string()).collect();
        if labels.len() == want {
            return Some(labels);
        }
        let d = Diagnostic::error(format!("Invalid {} block", b.ident.as_str()))
            .detail(format!(
                "A {} block needs {want} label(s): {what}.",
                b.ident.as_str()
            ))
            .at(
                Some(header_range(&self.file, b)),
                format!("expected {want} label(s)"),
            );
        self.diag(d);
        None
    }

    fn block(&mut self, b: Block) {
        let kind = b.ident.as_str().to_string();
        let header = header_range(&self.file, &b);
        match kind.as_str() {
            "resource" | "data" => {
                if let Some(l) = self.labels(&b, 2, "a type and a name") {
                    let mode = if kind == "resource" {
                        Mode::Managed
                    } else {
                        Mode::Data
                    };
                    self.resource(b, header, mode, &l[0], &l[1]);
                }
            }
            "variable" => {
                if let Some(l) = self.labels(&b, 1, "the variable name") {
                    self.variable(b, header, &l[0]);
                }
            }
            "output" => {
                if let Some(l) = self.labels(&b, 1, "the output name") {
                    self.output(b, header, &l[0]);
                }
            }
            "locals" => {
                let body = self.read_body(b.body, Keep::Compiled);
                for (name, attr) in body.attrs {
                    self.events.push(Event::Local(name.to_string(), attr));
                }
            }
            "provider" => {
                if let Some(l) = self.labels(&b, 1, "the provider name") {
                    let body = self.read_body(b.body, Keep::Tree);
                    let alias = body
                        .attrs
                        .get("alias")
                        .and_then(|a| a.expr.literal_string());
                    self.events.push(Event::Provider(ProviderBlock {
                        name: l[0].clone(),
                        alias,
                        body,
                        range: header,
                    }));
                }
            }
            "terraform" => self.terraform(b),
            "moved" => {
                let body = self.read_body(b.body, Keep::Tree);
                let get = |k: &str| body.attrs.get(k).map(attr_text);
                match (get("from"), get("to")) {
                    (Some(from), Some(to)) => self.events.push(Event::Moved(Moved {
                        from,
                        to,
                        range: header,
                    })),
                    _ => self.diag(
                        Diagnostic::error("Invalid moved block")
                            .detail("A moved block needs both \"from\" and \"to\" addresses.")
                            .at(Some(header), "missing from or to"),
                    ),
                }
            }
            "import" => {
                let mut body = self.read_body(b.body, Keep::Tree);
                let to = body.attrs.get("to").map(attr_text);
                let provider = body.attrs.get("provider").map(attr_text);
                match (to, body.attrs.swap_remove("id")) {
                    (Some(to), Some(id)) => self.events.push(Event::Import(ImportBlock {
                        to,
                        id,
                        provider,
                        range: header,
                    })),
                    _ => self.diag(
                        Diagnostic::error("Invalid import block")
                            .detail("An import block needs \"to\" (a resource address) and \"id\" (the cloud id).")
                            .at(Some(header), "missing to or id"),
                    ),
                }
            }
            other => {
                let d = Diagnostic::error("Unsupported block type")
                    .detail(format!(
                        "Blocks of type \"{other}\" are not expected here. eipform reads resource, data, variable, locals, output, provider, terraform, moved and import blocks."
                    ))
                    .at(Some(header), "unsupported block");
                self.diag(d);
            }
        }
    }

    fn terraform(&mut self, b: Block) {
        let body = self.read_body(b.body, Keep::Tree);
        for nb in &body.blocks {
            match nb.name.as_str() {
                "backend" => {
                    if nb.labels.first().map(String::as_str) != Some("sqlite") {
                        self.diag(
                            Diagnostic::error("Unsupported backend")
                                .detail("eipform stores state in SQLite: use backend \"sqlite\" { path = \"...\" }.")
                                .at(Some(nb.range.clone()), "unsupported backend"),
                        );
                        continue;
                    }
                    if let Some(p) = nb.body.attrs.get("path") {
                        match p.expr.literal_string() {
                            Some(s) => self.events.push(Event::Backend(s)),
                            None => self.diag(
                                Diagnostic::error("Invalid backend path")
                                    .detail("The backend path must be a literal string.")
                                    .at(Some(p.range.clone()), "must be a literal string"),
                            ),
                        }
                    }
                }
                "required_providers" | "cloud" | "experiments" | "provider_meta" => {}
                other => self.diag(
                    Diagnostic::error("Unsupported block type")
                        .detail(format!(
                            "Blocks of type \"{other}\" are not expected in a terraform block."
                        ))
                        .at(Some(nb.range.clone()), "unsupported block"),
                ),
            }
        }
    }

    fn variable(&mut self, b: Block, header: SourceRange, name: &str) {
        let mut body = self.read_body(b.body, Keep::Tree);
        let validations = body
            .blocks
            .iter()
            .filter(|nb| nb.name == "validation")
            .filter_map(|nb| self.condition(nb))
            .collect();
        for (key, a) in &body.attrs {
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
                self.events.push(Event::Diag(
                    Diagnostic::error("Unsupported argument")
                        .detail(format!(
                            "An argument named \"{key}\" is not expected in a variable block."
                        ))
                        .at(Some(a.key_range.clone()), "not expected here"),
                ));
            }
        }
        let var = Variable {
            name: name.to_string(),
            description: body
                .attrs
                .get("description")
                .and_then(|a| a.expr.literal_string()),
            sensitive: body
                .attrs
                .get("sensitive")
                .and_then(literal_bool)
                .unwrap_or(false),
            nullable: body
                .attrs
                .get("nullable")
                .and_then(literal_bool)
                .unwrap_or(true),
            default: body.attrs.swap_remove("default"),
            ty: body.attrs.swap_remove("type"),
            validations,
            range: header,
        };
        self.events.push(Event::Variable(Box::new(var)));
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
                self.diag(
                    Diagnostic::error(format!("Invalid {} block", nb.name))
                        .detail("It needs both \"condition\" and \"error_message\".")
                        .at(Some(nb.range.clone()), "missing condition or error_message"),
                );
                None
            }
        }
    }

    fn output(&mut self, b: Block, header: SourceRange, name: &str) {
        let mut body = self.read_body(b.body, Keep::Compiled);
        let mut depends_on = Vec::new();
        if let Some(d) = body.attrs.get("depends_on") {
            depends_on = reference_list(&self.file, &self.text, d, &mut self.events);
        }
        let preconditions = body
            .blocks
            .iter()
            .filter(|nb| nb.name == "precondition")
            .filter_map(|nb| self.condition(nb))
            .collect();
        let out = Output {
            name: name.to_string(),
            description: body
                .attrs
                .get("description")
                .and_then(|a| a.expr.literal_string()),
            sensitive: body
                .attrs
                .get("sensitive")
                .and_then(literal_bool)
                .unwrap_or(false),
            value: body.attrs.swap_remove("value"),
            depends_on,
            preconditions,
            range: header,
        };
        if out.value.is_none() {
            self.diag(
                Diagnostic::error("Missing required argument")
                    .detail(format!("The output \"{name}\" needs a \"value\" argument."))
                    .at(Some(out.range.clone()), "no value"),
            );
        }
        self.events.push(Event::Output(Box::new(out)));
    }

    fn resource(&mut self, b: Block, header: SourceRange, mode: Mode, rtype: &str, name: &str) {
        let mut body = self.read_body(b.body, Keep::Compiled);
        let addr = BlockAddress {
            mode,
            rtype: rtype.into(),
            name: name.into(),
        };
        let count = body.attrs.shift_remove("count");
        let for_each = body.attrs.shift_remove("for_each");
        let depends_on = body
            .attrs
            .shift_remove("depends_on")
            .map(|d| reference_list(&self.file, &self.text, &d, &mut self.events))
            .unwrap_or_default();
        let provider = body
            .attrs
            .shift_remove("provider")
            .map(|p| (attr_text(&p), p.range.clone()));
        if count.is_some() && for_each.is_some() {
            self.diag(
                Diagnostic::error("Invalid combination of \"count\" and \"for_each\"")
                    .detail("The \"count\" and \"for_each\" meta-arguments are mutually exclusive; only one may be used.")
                    .at(for_each.as_ref().map(|f| f.key_range.clone()), "for_each set together with count"),
            );
        }
        let mut lifecycle = Lifecycle::none();
        let mut timeouts = None;
        let mut rest = Vec::new();
        for nb in std::mem::take(&mut body.blocks) {
            match nb.name.as_str() {
                "lifecycle" if mode == Mode::Managed => lifecycle = Arc::new(self.lifecycle(&nb)),
                "timeouts" if mode == Mode::Managed => timeouts = Some(nb.body),
                "provisioner" | "connection" => self.diag(
                    Diagnostic::error(format!("Unsupported block type \"{}\"", nb.name))
                        .detail("eipform does not run provisioners: EIP configuration is declarative only.")
                        .at(Some(nb.range.clone()), "not supported"),
                ),
                _ => rest.push(nb),
            }
        }
        rest.shrink_to_fit();
        body.blocks = rest;
        body.attrs.shrink_to_fit();
        let schema_type = match mode {
            Mode::Managed => crate::schema::resource(rtype),
            Mode::Data => crate::schema::data_source(rtype),
        }
        .map(|s| s.type_name.clone())
        .unwrap_or_else(|| rtype.to_string());
        let block = ResourceBlock {
            addr,
            schema_type: schema_type.into(),
            body,
            range: header,
            count: count.map(Box::new),
            for_each: for_each.map(Box::new),
            depends_on,
            provider: provider.map(Box::new),
            lifecycle,
            timeouts: timeouts.map(Box::new),
        };
        self.events.push(Event::Resource(Box::new(block)));
    }

    fn lifecycle(&mut self, nb: &NestedBlock) -> Lifecycle {
        let mut lc = Lifecycle {
            prevent_destroy: nb.body.attrs.get("prevent_destroy").cloned(),
            create_before_destroy: nb.body.attrs.get("create_before_destroy").cloned(),
            ..Lifecycle::default()
        };
        if let Some(ic) = nb.body.attrs.get("ignore_changes") {
            lc.ignore_changes = match &*ic.expr {
                Expression::Variable(v) if v.as_str() == "all" => IgnoreChanges::All,
                Expression::String(s) if s.value() == "all" => IgnoreChanges::All,
                Expression::Array(items) => IgnoreChanges::List(
                    items
                        .iter()
                        .map(|e| literal_string(e).unwrap_or_else(|| expr_text(&self.text, e)))
                        .collect(),
                ),
                _ => {
                    self.diag(
                        Diagnostic::error("Invalid ignore_changes")
                            .detail("ignore_changes takes a list of attribute names, or all.")
                            .at(Some(ic.range.clone()), "expected a list or all"),
                    );
                    IgnoreChanges::None
                }
            };
        }
        if let Some(r) = nb.body.attrs.get("replace_triggered_by") {
            lc.replace_triggered_by = reference_list(&self.file, &self.text, r, &mut self.events);
        }
        for c in &nb.body.blocks {
            match c.name.as_str() {
                "precondition" => {
                    let c = self.condition(c);
                    lc.preconditions.extend(c);
                }
                "postcondition" => {
                    let c = self.condition(c);
                    lc.postconditions.extend(c);
                }
                other => self.diag(
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
                self.events.push(Event::Diag(
                    Diagnostic::error("Unsupported argument")
                        .detail(format!(
                            "An argument named \"{k}\" is not expected in a lifecycle block."
                        ))
                        .at(Some(a.key_range.clone()), "not expected here"),
                ));
            }
        }
        lc
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = r#"
variable "v" {}
locals {
  l = "a"
}
resource "alicloud_vpc" "main" {
  vpc_name   = "${var.v}-vpc"
  cidr_block = "10.0.0.0/16"
}
output "o" { value = alicloud_vpc.main.id }
"#;

    const B: &str = r#"
variable "v" {}
locals { l = "b" }
resource "alicloud_eip_address" "e" {
  count        = 2
  address_name = alicloud_vpc.main.vpc_name
  bogus        = [alicloud_vpc.main.id, "x"]
}
output "o" { value = 1 }
oops = 1
"#;

    fn files() -> Vec<(Arc<str>, Arc<str>)> {
        vec![
            (Arc::from("a.tf"), Arc::from(A)),
            (Arc::from("b.tf"), Arc::from(B)),
            (Arc::from("c.tf"), Arc::from("resource \"x\" {")),
        ]
    }

    fn summaries(threads: usize) -> Vec<String> {
        let mut config = Config::default();
        let mut diags = Vec::new();
        for events in read_files(&files(), threads, None).0 {
            merge(&mut config, &mut diags, events);
        }
        diags
            .iter()
            .map(|d| {
                format!(
                    "{} @ {:?}",
                    d.summary,
                    d.range
                        .as_ref()
                        .map(|r| (r.file.to_string(), r.span.clone()))
                )
            })
            .collect()
    }

    #[test]
    fn files_read_in_parallel_report_in_file_order() {
        let one = summaries(1);
        assert_eq!(summaries(3), one);
        let names: Vec<&str> = one.iter().map(|s| s.split(" @ ").next().unwrap()).collect();
        assert_eq!(
            names,
            [
                "Duplicate variable declaration",
                "Duplicate local value definition",
                "Duplicate output definition",
                "Unsupported argument",
                "Invalid HCL syntax",
            ]
        );
    }

    #[test]
    fn compiled_expressions_keep_their_source_and_spans() {
        let loaded = load_shared(files(), None);
        let e = &loaded.config.resources[1];
        let name = &e.body.attrs["address_name"];
        assert_eq!(name.expr.source(), "alicloud_vpc.main.vpc_name");
        // The tree behind a compiled expression has the spans of the file.
        assert_eq!(name.expr.span(), Some(name.range.span.clone()));
        let refs = crate::eval::references(&name.expr, &name.range.file);
        assert_eq!(&B[refs[0].range.span.clone()], "alicloud_vpc.main.vpc_name");
        assert_eq!(refs[0].attr.as_deref(), Some("vpc_name"));
        let list = &e.body.attrs["bogus"];
        assert!(matches!(&*list.expr, Expression::Array(items) if items.len() == 2));
        let refs = crate::eval::references(&list.expr, &list.range.file);
        assert_eq!(&B[refs[0].range.span.clone()], "alicloud_vpc.main.id");
        assert_eq!(
            e.count.as_ref().and_then(|c| c.expr.constant()),
            Some(2.into())
        );
        let vpc = &loaded.config.resources[0];
        assert_eq!(
            crate::config::literal(&vpc.body.attrs["cidr_block"].expr).as_deref(),
            Some("10.0.0.0/16")
        );
        assert_eq!(
            crate::config::literal(&vpc.body.attrs["vpc_name"].expr),
            None
        );
    }

    /// A file well above its share of the work: read in pieces on several threads.
    fn big(n: usize, tail: &str) -> Vec<(Arc<str>, Arc<str>)> {
        let mut text = String::from("variable \"v\" {}\n");
        for i in 0..n {
            text.push_str(&format!(
                "resource \"alicloud_eip_address\" \"e{i}\" {{\n  address_name = \"${{var.v}}-{i}\"\n  bandwidth    = \"{i}\"\n}}\n"
            ));
            if i % 97 == 5 {
                // A diagnostic inside each piece: a block without its name.
                text.push_str(&format!(
                    "resource \"alicloud_eip_address\" {{\n  bandwidth = {i}\n}}\n"
                ));
            }
        }
        text.push_str(tail);
        vec![
            (Arc::from("big.tf"), Arc::from(text)),
            (Arc::from("small.tf"), Arc::from("locals {\n  x = 1\n}\n")),
        ]
    }

    /// Every resource with its arguments' spans and sources, and every diagnostic.
    fn read_with(files: &[(Arc<str>, Arc<str>)], threads: usize) -> (Vec<String>, Vec<String>) {
        let mut config = Config::default();
        let mut diags = Vec::new();
        for events in read_files(files, threads, None).0 {
            merge(&mut config, &mut diags, events);
        }
        let resources = config
            .resources
            .iter()
            .map(|r| {
                let mut line = format!("{} {:?}", r.addr, r.range.span);
                for (name, a) in &r.body.attrs {
                    line.push_str(&format!(" {name}={:?}@{:?}", a.expr.source(), a.range.span));
                }
                line
            })
            .collect();
        let diags = diags
            .iter()
            .map(|d| {
                format!(
                    "{} {:?} {:?}",
                    d.summary,
                    d.detail,
                    d.range.as_ref().map(|r| r.span.clone())
                )
            })
            .collect();
        (resources, diags)
    }

    #[test]
    fn a_large_file_read_in_pieces_reads_as_a_whole() {
        let files = big(3000, "");
        let texts: Vec<&str> = files.iter().map(|(_, t)| &**t).collect();
        assert!(pieces::plan(&texts, 4).len() > 3, "the big file is cut");
        let (whole, whole_diags) = read_with(&files, 1);
        assert_eq!(whole.len(), 3000, "{whole_diags:?}");
        assert_eq!(whole_diags.len(), 31);
        assert!(
            whole_diags[0].starts_with("Invalid resource block"),
            "{whole_diags:?}"
        );
        assert_eq!(read_with(&files, 4), (whole, whole_diags));
        let text = &files[0].1;
        let (resources, _) = read_with(&files, 4);
        let last = resources.last().unwrap();
        let value = "\"${var.v}-2999\"";
        let at = text.rfind(value).unwrap();
        assert!(
            last.contains(&format!("@{:?}", at..at + value.len())),
            "{last}"
        );
    }

    /// Every kind of block and every form of expression (constants, paths, templates, lists,
    /// trees with function calls and conditionals), nested blocks and lifecycles.
    const RICH: &str = r#"
terraform {
  backend "sqlite" {
    path = "elsewhere/state.db"
  }
}
provider "alicloud" {
  region = "cn-hangzhou"
}
provider "alicloud" {
  alias  = "hk"
  region = "cn-hongkong"
}
variable "names" {
  type        = list(string)
  default     = ["a", "b"]
  description = "Names."
  sensitive   = false
  validation {
    condition     = length(var.names) > 0
    error_message = "At least one name."
  }
}
locals {
  prefix = "${var.v}-x"
  sizes  = { small = 5, large = 50 }
  width  = 1.5
  on     = true
  off    = null
  cidr   = cidrsubnet("10.0.0.0/16", 8, 1)
  pick   = var.v == "" ? "none" : upper(var.v)
  heredoc = <<-EOT
    line ${var.v}
  EOT
}
data "alicloud_zones" "default" {}
resource "alicloud_eip_address" "each" {
  for_each     = toset(var.names)
  address_name = "${local.prefix}-${each.key}"
  bandwidth    = local.sizes.small
  tags = {
    Name = each.value
  }
  depends_on = [alicloud_vpc.main]
  provider   = alicloud.hk
  lifecycle {
    prevent_destroy       = false
    create_before_destroy = true
    ignore_changes        = [tags]
    replace_triggered_by  = [alicloud_vpc.main]
    precondition {
      condition     = local.on
      error_message = "Must be on."
    }
    postcondition {
      condition     = self.bandwidth != ""
      error_message = "Bandwidth is known."
    }
  }
  timeouts {
    create = "5m"
  }
}
resource "alicloud_instance" "web" {
  count           = 2
  security_groups = [alicloud_vpc.main.id, "sg-fixed"]
  data_disks {
    size = 20
  }
}
output "ids" {
  value       = [for e in alicloud_eip_address.each : e.id]
  sensitive   = true
  description = "Ids."
  depends_on  = [alicloud_vpc.main]
}
moved {
  from = alicloud_eip_address.old
  to   = alicloud_eip_address.each["a"]
}
import {
  to = alicloud_eip_address.each["b"]
  id = "eip-123"
}
"#;

    /// A configuration directory with a `.eipform` directory (where the cache is written).
    fn cached_dir(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join(".eipform")).unwrap();
        for (name, text) in files {
            std::fs::write(dir.path().join(name), text).unwrap();
        }
        dir
    }

    /// Everything a load gives but the directory: blocks and expressions with their spans, and
    /// diagnostics.
    fn everything(l: &Loaded) -> String {
        let config = Config {
            dir: Default::default(),
            ..l.config.clone()
        };
        format!("{config:#?}\n{:#?}", l.diags)
    }

    /// The resource block named `name`.
    fn named<'l>(l: &'l Loaded, name: &str) -> &'l ResourceBlock {
        l.config
            .resources
            .iter()
            .find(|r| r.addr.name == name)
            .unwrap()
    }

    const FILES: [(&str, &str); 4] = [
        ("a.tf", A),
        ("b.tf", B),
        ("c.tf", "resource \"x\" {"),
        ("rich.tf", RICH),
    ];

    #[test]
    fn a_configuration_read_from_the_cache_is_the_one_parsed() {
        let dir = cached_dir(&FILES);
        let parsed = load_dir(dir.path()).unwrap();
        assert_eq!(parsed.from_cache, 0);
        assert!(dir.path().join(cache::CACHE_FILE).exists());
        let rich = named(&parsed, "each");
        assert!(rich.for_each.as_ref().unwrap().expr.calls_function());
        assert_eq!(rich.lifecycle.preconditions.len(), 1);
        assert!(parsed.config.locals["cidr"].expr.calls_function());
        assert!(
            parsed.diags.iter().any(|d| d.is_error()),
            "b.tf and c.tf have errors"
        );

        let cached = load_dir(dir.path()).unwrap();
        assert_eq!(cached.from_cache, FILES.len());
        assert!(everything(&cached) == everything(&parsed));
        // Expressions read from the cache still evaluate and dereference to their trees, with
        // the spans of the file.
        let name = &cached.config.resources[1].body.attrs["address_name"];
        assert_eq!(name.expr.span(), Some(name.range.span.clone()));
        let refs = crate::eval::references(&name.expr, &name.range.file);
        assert_eq!(&B[refs[0].range.span.clone()], "alicloud_vpc.main.vpc_name");
        let cidr = &cached.config.locals["cidr"];
        assert!(cidr.expr.calls_function());
        assert_eq!(
            &RICH[cidr.range.span.clone()],
            "cidrsubnet(\"10.0.0.0/16\", 8, 1)"
        );
        // Blocks without a lifecycle block share one again.
        let web = named(&cached, "web");
        assert!(Arc::ptr_eq(&web.lifecycle, &Lifecycle::none()));
    }

    #[test]
    fn a_changed_file_is_parsed_again_and_the_others_come_from_the_cache() {
        let dir = cached_dir(&FILES);
        load_dir(dir.path()).unwrap();
        let changed = A.replace("10.0.0.0/16", "10.9.0.0/16");
        std::fs::write(dir.path().join("a.tf"), &changed).unwrap();
        let loaded = load_dir(dir.path()).unwrap();
        assert_eq!(loaded.from_cache, FILES.len() - 1);
        let vpc = &loaded.config.resources[0];
        assert_eq!(
            crate::config::literal(&vpc.body.attrs["cidr_block"].expr).as_deref(),
            Some("10.9.0.0/16")
        );
        let mut files = FILES;
        files[0].1 = &changed;
        let fresh = load_dir(cached_dir(&files).path()).unwrap();
        assert!(everything(&loaded) == everything(&fresh));
        // The cache now holds the new text, and a removed file leaves it.
        assert_eq!(load_dir(dir.path()).unwrap().from_cache, FILES.len());
        std::fs::remove_file(dir.path().join("c.tf")).unwrap();
        let fewer = load_dir(dir.path()).unwrap();
        assert_eq!(fewer.from_cache, FILES.len() - 1);
        assert!(
            fewer
                .diags
                .iter()
                .all(|d| d.range.as_ref().is_none_or(|r| &*r.file != "c.tf"))
        );
    }

    #[test]
    fn a_damaged_cache_is_read_as_none_and_written_anew() {
        let dir = cached_dir(&FILES);
        let parsed = everything(&load_dir(dir.path()).unwrap());
        let path = dir.path().join(cache::CACHE_FILE);
        let good = std::fs::read(&path).unwrap();
        let mut flipped = good.clone();
        let last = flipped.len() - 1;
        flipped[last] ^= 0x55;
        let damaged: [Vec<u8>; 4] = [
            Vec::new(),
            good[..good.len() / 2].to_vec(),
            flipped,
            b"not a cache at all".to_vec(),
        ];
        for bytes in damaged {
            std::fs::write(&path, &bytes).unwrap();
            let loaded = load_dir(dir.path()).unwrap();
            assert_eq!(loaded.from_cache, 0);
            assert!(everything(&loaded) == parsed);
            assert_eq!(std::fs::read(&path).unwrap(), good, "written anew");
        }
    }

    #[test]
    fn without_an_eipform_directory_no_cache_is_written() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.tf"), A).unwrap();
        assert_eq!(load_dir(dir.path()).unwrap().from_cache, 0);
        assert_eq!(load_dir(dir.path()).unwrap().from_cache, 0);
        assert!(!dir.path().join(".eipform").exists());
    }

    #[test]
    fn a_syntax_error_late_in_a_large_file_is_reported_as_by_a_whole_read() {
        let files = big(3000, "resource \"x\" \"y\" {\n  a = [1,\n}\n");
        let (resources, diags) = read_with(&files, 4);
        assert_eq!((resources.clone(), diags.clone()), read_with(&files, 1));
        assert!(resources.is_empty());
        assert_eq!(diags.len(), 1, "{diags:?}");
        assert!(diags[0].starts_with("Invalid HCL syntax"), "{diags:?}");
    }
}
