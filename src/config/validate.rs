//! Static checks of a loaded configuration against the resource schemas: known types, known
//! arguments and nested blocks, required arguments, conflicting arguments, deprecations,
//! duplicate blocks, and provider references.

use foldhash::{HashMap, HashMapExt};

use super::{Body, Config, NestedBlock, ResourceBlock};
use crate::addr::Mode;
use crate::diag::Diagnostic;
use crate::schema::{self, BlockSchema, ResourceSchema};

pub(super) fn check(config: &Config, diags: &mut Vec<Diagnostic>) {
    let mut seen: HashMap<&crate::addr::BlockAddress, &ResourceBlock> =
        HashMap::with_capacity(config.resources.len());
    for r in &config.resources {
        if let Some(prev) = seen.insert(&r.addr, r) {
            let (line, _) = config
                .sources
                .line_col(&prev.range.file, prev.range.span.start);
            diags.push(
                Diagnostic::error(format!("Duplicate {} block", if r.addr.mode == Mode::Data { "data" } else { "resource" }))
                    .detail(format!("{} was already declared at {}:{line}. Each resource needs a unique type and name.", r.addr, prev.range.file))
                    .at(Some(r.range.clone()), "declared again here"),
            );
        }
        resource(config, r, diags);
    }
    for p in &config.providers {
        if p.name != "alicloud" {
            diags.push(
                Diagnostic::error("Unsupported provider")
                    .detail(format!(
                        "eipform implements the \"alicloud\" provider only, not \"{}\".",
                        p.name
                    ))
                    .at(Some(p.range.clone()), "unsupported provider"),
            );
            continue;
        }
        for (k, a) in &p.body.attrs {
            if ![
                "region",
                "alias",
                "endpoint",
                "access_key",
                "secret_key",
                "profile",
                "skip_region_validation",
                "configuration_source",
            ]
            .contains(&k.as_str())
            {
                diags.push(
                    Diagnostic::error("Unsupported argument")
                        .detail(format!("An argument named \"{k}\" is not expected in provider \"alicloud\"; eipform reads region, alias and endpoint."))
                        .at(Some(a.key_range.clone()), "not expected here"),
                );
            }
        }
    }
    let mut keys = HashMap::new();
    for p in &config.providers {
        if let Some(prev) = keys.insert(p.key(), p) {
            let _ = prev;
            diags.push(
                Diagnostic::error("Duplicate provider configuration")
                    .detail(format!("A provider configuration for \"{}\" was already given; use alias to configure another region.", p.key()))
                    .at(Some(p.range.clone()), "configured again here"),
            );
        }
    }
}

fn resource(config: &Config, r: &ResourceBlock, diags: &mut Vec<Diagnostic>) {
    let found = match r.addr.mode {
        Mode::Managed => schema::resource(&r.addr.rtype),
        Mode::Data => schema::data_source(&r.addr.rtype),
    };
    let Some(s) = found else {
        let kind = if r.addr.mode == Mode::Data {
            "data source"
        } else {
            "resource type"
        };
        let known = if r.addr.mode == Mode::Data {
            schema::data_source_types()
        } else {
            schema::resource_types()
        };
        diags.push(
            Diagnostic::error(format!("Unsupported {kind} \"{}\"", r.addr.rtype))
                .detail(format!(
                    "eipform does not support the {kind} \"{}\". Supported: {}.",
                    r.addr.rtype,
                    known.join(", ")
                ))
                .at(Some(r.range.clone()), format!("unsupported {kind}"))
                .address(r.addr.to_string()),
        );
        return;
    };
    if s.type_name != r.addr.rtype && r.addr.mode == Mode::Managed {
        diags.push(
            Diagnostic::warning(format!("Deprecated resource type \"{}\"", r.addr.rtype))
                .detail(format!(
                    "\"{}\" is an old name of \"{}\"; it still works.",
                    r.addr.rtype, s.type_name
                ))
                .at(Some(r.range.clone()), "deprecated type name")
                .address(r.addr.to_string()),
        );
    }
    body(
        config,
        &r.addr.to_string(),
        s,
        None,
        &r.body,
        &r.range,
        diags,
    );
    if let Some((p, range)) = r.provider.as_deref() {
        let known = config.providers.iter().any(|pb| &pb.key() == p) || p == "alicloud";
        if !known {
            diags.push(
                Diagnostic::error("Reference to undefined provider")
                    .detail(format!("There is no provider block for \"{p}\". Add provider \"alicloud\" {{ alias = \"...\" region = \"...\" }}."))
                    .at(Some(range.clone()), "undefined provider")
                    .address(r.addr.to_string()),
            );
        }
    }
}

/// Checks one body against its schema (a resource's top level, or a nested block's).
fn body(
    config: &Config,
    address: &str,
    s: &ResourceSchema,
    block: Option<&BlockSchema>,
    b: &Body,
    block_range: &crate::diag::SourceRange,
    diags: &mut Vec<Diagnostic>,
) {
    let (attrs, blocks) = match block {
        Some(bs) => (&bs.attributes, &bs.blocks),
        None => (&s.attributes, &s.blocks),
    };
    for (name, a) in &b.attrs {
        match attrs.get(name.as_str()) {
            Some(as_) if as_.is_argument() => {
                if let Some(v) = a.expr.literal_value()
                    && let Err(msg) = as_.coerce_and_validate(name, &v)
                {
                    let mut d = Diagnostic::error("Invalid value for argument")
                        .detail(format!("{name}: {msg}"))
                        .at(Some(a.range.clone()), format!("invalid {name}"))
                        .address(address);
                    if let Some((rule, code)) = schema::rule_for_invalid_value(&s.type_name, name) {
                        d = d.rule(Some(rule.to_string())).code(code);
                    }
                    diags.push(d);
                }
                if let Some(msg) = &as_.deprecated {
                    diags.push(
                        Diagnostic::warning(format!("Argument \"{name}\" is deprecated"))
                            .detail(msg.clone())
                            .at(Some(a.key_range.clone()), "deprecated")
                            .address(address),
                    );
                }
                for other in &as_.conflicts_with {
                    if b.attrs.contains_key(other.as_str()) && name.as_str() < other.as_str() {
                        diags.push(
                            Diagnostic::error("Conflicting configuration arguments")
                                .detail(format!(
                                    "\"{name}\": conflicts with {other}. Set only one of them."
                                ))
                                .at(Some(a.key_range.clone()), format!("conflicts with {other}"))
                                .address(address),
                        );
                    }
                }
            }
            Some(_) => diags.push(
                Diagnostic::error("Invalid argument")
                    .detail(format!(
                        "\"{name}\" is computed by the cloud and cannot be set in {}.",
                        s.type_name
                    ))
                    .at(Some(a.key_range.clone()), "read-only attribute")
                    .address(address),
            ),
            None => {
                let hint = if blocks.contains_key(name.as_str()) {
                    format!(" \"{name}\" is a block: write {name} {{ ... }}.")
                } else {
                    suggestion(name, attrs.keys().map(String::as_str))
                };
                diags.push(
                    Diagnostic::error("Unsupported argument")
                        .detail(format!(
                            "An argument named \"{name}\" is not expected in {}.{hint}",
                            s.type_name
                        ))
                        .at(Some(a.key_range.clone()), "unsupported argument")
                        .address(address),
                );
            }
        }
    }
    for (name, a) in attrs {
        // Only a missing required argument needs the look for an alias of it that is set.
        let alias_set = || {
            attrs.iter().any(|(n, other)| {
                other.alias_of.as_deref() == Some(name) && b.attrs.contains_key(n.as_str())
            })
        };
        if a.required && !b.attrs.contains_key(name.as_str()) && !alias_set() {
            diags.push(
                Diagnostic::error("Missing required argument")
                    .detail(format!(
                        "The argument \"{name}\" is required in {}, but no definition was found.",
                        s.type_name
                    ))
                    .at(Some(block_range.clone()), format!("\"{name}\" is required"))
                    .address(address),
            );
        }
    }
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for nb in &b.blocks {
        match blocks.get(&nb.name) {
            Some(bs) => {
                *counts.entry(nb.name.as_str()).or_default() += 1;
                nested(config, address, s, bs, nb, diags);
            }
            None => {
                let hint = if attrs.contains_key(&nb.name) {
                    format!(" \"{}\" is an argument: write {} = ...", nb.name, nb.name)
                } else {
                    String::new()
                };
                diags.push(
                    Diagnostic::error("Unsupported block type")
                        .detail(format!(
                            "Blocks of type \"{}\" are not expected in {}.{hint}",
                            nb.name, s.type_name
                        ))
                        .at(Some(nb.range.clone()), "unsupported block")
                        .address(address),
                );
            }
        }
    }
    for (name, bs) in blocks {
        let n = counts.get(name.as_str()).copied().unwrap_or(0);
        // Like the provider SDK: min_items applies once the block is written at all.
        if (n > 0 && n < bs.min_items) || bs.max_items.is_some_and(|m| n > m) {
            diags.push(
                Diagnostic::error(format!("Wrong number of \"{name}\" blocks"))
                    .detail(format!(
                        "{} takes {} to {} \"{name}\" blocks; found {n}.",
                        s.type_name,
                        bs.min_items,
                        bs.max_items
                            .map(|m| m.to_string())
                            .unwrap_or_else(|| "any number of".into())
                    ))
                    .at(Some(block_range.clone()), "here")
                    .address(address),
            );
        }
    }
}

fn nested(
    config: &Config,
    address: &str,
    s: &ResourceSchema,
    bs: &BlockSchema,
    nb: &NestedBlock,
    diags: &mut Vec<Diagnostic>,
) {
    body(config, address, s, Some(bs), &nb.body, &nb.range, diags);
}

/// ` Did you mean "x"?` for a close name.
fn suggestion<'a>(name: &str, candidates: impl Iterator<Item = &'a str>) -> String {
    let best = candidates
        .map(|c| (edit_distance(name, c), c))
        .filter(|(d, c)| *d <= 2.max(c.len() / 4))
        .min();
    match best {
        Some((_, c)) => format!(" Did you mean \"{c}\"?"),
        None => String::new(),
    }
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            cur.push(
                (prev[j] + usize::from(ca != *cb))
                    .min(prev[j + 1] + 1)
                    .min(cur[j] + 1),
            );
        }
        prev = cur;
    }
    prev[b.len()]
}
