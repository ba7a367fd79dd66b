//! Conformance of `schemas/*.json` with the public provider's configurations.
//!
//! Parses every `.tf` file of `../shared/conformance/{alicloud-examples,alicloud-acc}` in place and
//! checks that each argument and nested block of each `resource` / `data` block exists in our
//! schema for that type (meta-arguments and `timeouts` aside), so configurations written for the
//! public alicloud provider carry over. Literal values are also converted and validated: only the
//! two `SkipTest` files, which upstream never runs, may fail (`PayByDominantTraffic`).

use std::path::{Path, PathBuf};

use eipform::schema::{self, AttrSchema, BlockSchema, ResourceSchema, SchemaKind};
use hcl_edit::expr::Expression;
use hcl_edit::structure::{Body, Structure};
use serde_json::Value;

const CORPORA: [&str; 2] = [
    concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/conformance/alicloud-examples"
    ),
    concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/conformance/alicloud-acc"
    ),
];

/// Meta-arguments Terraform handles itself, accepted on every resource and data block.
const META: [&str; 6] = [
    "count",
    "for_each",
    "depends_on",
    "provider",
    "lifecycle",
    "timeouts",
];

fn tf_files() -> Vec<PathBuf> {
    let mut files = Vec::new();
    for dir in CORPORA {
        let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{dir}: {e}"));
        for e in entries {
            let p = e.unwrap().path();
            if p.extension().is_some_and(|x| x == "tf") {
                files.push(p);
            }
        }
    }
    files.sort();
    files
}

fn name(p: &Path) -> String {
    p.file_name().unwrap().to_string_lossy().into_owned()
}

/// A literal expression as JSON; None for anything that needs evaluation.
fn literal(e: &Expression) -> Option<Value> {
    Some(match e {
        Expression::Null(_) => Value::Null,
        Expression::Bool(b) => Value::Bool(*b.value()),
        Expression::Number(n) => {
            let n = n.value();
            match n.as_i64() {
                Some(i) => Value::from(i),
                None => Value::from(n.as_f64()?),
            }
        }
        Expression::String(s) => Value::String(s.value().clone()),
        Expression::Array(a) => Value::Array(a.iter().map(literal).collect::<Option<_>>()?),
        Expression::Object(o) => {
            let mut m = serde_json::Map::new();
            for (k, v) in o.iter() {
                let key = match k {
                    hcl_edit::expr::ObjectKey::Ident(i) => i.as_str().to_string(),
                    hcl_edit::expr::ObjectKey::Expression(e) => literal(e)?.as_str()?.to_string(),
                };
                m.insert(key, literal(v.expr())?);
            }
            Value::Object(m)
        }
        _ => return None,
    })
}

#[derive(Default)]
struct Report {
    unknown: Vec<String>,
    invalid: Vec<(String, String)>,
    blocks_checked: usize,
    arguments_checked: usize,
    literals_checked: usize,
}

fn check_body(
    file: &str,
    path: &str,
    body: &Body,
    attrs: &schema::Named<AttrSchema>,
    blocks: &schema::Named<BlockSchema>,
    top: bool,
    r: &mut Report,
) {
    for s in body.iter() {
        match s {
            Structure::Attribute(a) => {
                let key = a.key.as_str();
                if top && META.contains(&key) {
                    continue;
                }
                r.arguments_checked += 1;
                match attrs.get(key) {
                    Some(schema) if schema.is_argument() => {
                        if let Some(v) = literal(&a.value) {
                            r.literals_checked += 1;
                            if let Err(e) = schema.coerce_and_validate(key, &v) {
                                r.invalid
                                    .push((file.to_string(), format!("{path}.{key}: {e}")));
                            }
                        }
                    }
                    Some(_) => r
                        .unknown
                        .push(format!("{file}: {path}.{key} is not an argument")),
                    None => r
                        .unknown
                        .push(format!("{file}: {path}.{key} is not in the schema")),
                }
            }
            Structure::Block(b) => {
                let key = b.ident.as_str();
                if top && META.contains(&key) {
                    continue;
                }
                r.arguments_checked += 1;
                match blocks.get(key) {
                    Some(bs) => check_body(
                        file,
                        &format!("{path}.{key}"),
                        &b.body,
                        &bs.attributes,
                        &bs.blocks,
                        false,
                        r,
                    ),
                    None => r
                        .unknown
                        .push(format!("{file}: block {path}.{key} is not in the schema")),
                }
            }
        }
    }
}

fn check_corpus() -> (usize, Report) {
    let files = tf_files();
    let mut r = Report::default();
    for path in &files {
        let file = name(path);
        let src = std::fs::read_to_string(path).unwrap();
        let body = hcl_edit::parser::parse_body(&src).unwrap_or_else(|e| panic!("{file}: {e}"));
        for s in body.iter() {
            let Structure::Block(b) = s else { continue };
            let kind = match b.ident.as_str() {
                "resource" => SchemaKind::Resource,
                "data" => SchemaKind::Data,
                _ => continue,
            };
            let ty = b.labels.first().map(|l| l.as_str()).unwrap_or_default();
            let Some(rs): Option<&ResourceSchema> = schema::lookup(kind, ty) else {
                r.unknown.push(format!("{file}: no schema for {kind} {ty}"));
                continue;
            };
            r.blocks_checked += 1;
            let here = format!("{kind}.{ty}");
            check_body(
                &file,
                &here,
                &b.body,
                &rs.attributes,
                &rs.blocks,
                true,
                &mut r,
            );
        }
    }
    (files.len(), r)
}

#[test]
fn every_argument_in_the_corpus_exists_in_our_schemas() {
    let (files, r) = check_corpus();
    assert!(
        files >= 80,
        "expected the whole corpus, found {files} files"
    );
    assert!(
        r.blocks_checked >= 150,
        "only {} blocks checked",
        r.blocks_checked
    );
    assert!(
        r.unknown.is_empty(),
        "unknown arguments:\n{}",
        r.unknown.join("\n")
    );
    eprintln!(
        "{files} files, {} resource/data blocks, {} arguments, {} literal values checked",
        r.blocks_checked, r.arguments_checked, r.literals_checked
    );
}

#[test]
fn only_the_skip_tests_hold_invalid_literals() {
    let (_, r) = check_corpus();
    let outside: Vec<_> = r
        .invalid
        .iter()
        .filter(|(f, _)| !f.contains("SkipTest"))
        .collect();
    assert!(outside.is_empty(), "invalid literal values: {outside:#?}");
    for skip in [
        "eip_address-SkipTestAccAliCloudEIPAddress_basic3-step1.tf",
        "eip_address-SkipTestAccAliCloudEIPAddress_basic5-step1.tf",
    ] {
        let errs: Vec<_> = r
            .invalid
            .iter()
            .filter(|(f, _)| f == skip)
            .map(|(_, e)| e)
            .collect();
        assert_eq!(errs.len(), 1, "{skip}: {errs:?}");
        assert!(errs[0].contains("PayByDominantTraffic"), "{}", errs[0]);
    }
}

#[test]
fn every_type_in_the_corpus_has_a_schema() {
    let mut seen = std::collections::BTreeSet::new();
    for path in tf_files() {
        let src = std::fs::read_to_string(&path).unwrap();
        let body = hcl_edit::parser::parse_body(&src).unwrap();
        for b in body.blocks() {
            if let (kind @ ("resource" | "data"), Some(l)) = (b.ident.as_str(), b.labels.first()) {
                seen.insert((kind.to_string(), l.as_str().to_string()));
            }
        }
    }
    for (kind, ty) in &seen {
        let found = match kind.as_str() {
            "resource" => schema::resource(ty).is_some(),
            _ => schema::data_source(ty).is_some(),
        };
        assert!(found, "{kind} {ty}");
    }
    assert!(seen.len() >= 20, "{seen:?}");
}
