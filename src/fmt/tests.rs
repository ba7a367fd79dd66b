use std::fs;
use std::path::{Path, PathBuf};

use super::*;

/// The shared conformance corpus, read in place.
fn corpus(dir: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/conformance")
        .join(dir);
    let mut files: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "tf"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no .tf files in {}", dir.display());
    files
}

fn fmt(src: &str) -> String {
    format_source(src).unwrap_or_else(|e| panic!("format failed: {e}\n{src}"))
}

/// Runs `fmt` and returns (exit code, stdout, stderr).
fn run_fmt(opts: &FmtOptions) -> (i32, String, String) {
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = run(opts, &mut out, &mut err);
    (
        code,
        String::from_utf8(out).unwrap(),
        String::from_utf8(err).unwrap(),
    )
}

#[test]
fn examples_are_already_canonical() {
    for path in corpus("alicloud-examples") {
        let src = fs::read_to_string(&path).unwrap();
        let formatted = fmt(&src);
        assert!(
            formatted == src,
            "{} is not a fixed point:\n{}",
            path.display(),
            similar::TextDiff::from_lines(&src, &formatted).unified_diff()
        );
    }
}

#[test]
fn formatting_is_idempotent_over_corpus() {
    let files = [corpus("alicloud-acc"), corpus("alicloud-examples")].concat();
    for path in files {
        let src = fs::read_to_string(&path).unwrap();
        let once = fmt(&src);
        let twice = fmt(&once);
        assert_eq!(once, twice, "{} is not idempotent", path.display());
        for (n, line) in once.lines().enumerate() {
            let indent = line.len() - line.trim_start().len();
            assert!(
                !line.starts_with('\t') && indent % 2 == 0 && line.trim_end() == line,
                "{}:{}: bad whitespace in {line:?}",
                path.display(),
                n + 1
            );
        }
    }
}

#[test]
fn acceptance_configs_are_reindented() {
    let path = corpus("alicloud-acc")
        .into_iter()
        .find(|p| p.ends_with("eip_address-TestAccAliCloudEIPAddress_basic1-step2.tf"))
        .expect("corpus file present");
    let formatted = fmt(&fs::read_to_string(path).unwrap());
    let expected = r#"
variable "name" {
  default = "tf-testacccn-beijingeipaddress12345"
}

resource "alicloud_vpc_public_ip_address_pool" "default" {
  public_ip_address_pool_name = var.name
}

resource "alicloud_vpc_public_ip_address_pool_cidr_block" "default" {
  public_ip_address_pool_id = alicloud_vpc_public_ip_address_pool.default.id
  cidr_block                = "47.118.126.0/25"
}


resource "alicloud_eip_address" "default" {
  isp                       = "BGP"
  internet_charge_type      = "PayByTraffic"
  payment_type              = "PayAsYouGo"
  public_ip_address_pool_id = "${alicloud_vpc_public_ip_address_pool_cidr_block.default.public_ip_address_pool_id}"
  address_name              = "tf-testacccn-beijingeipaddress12345update"
}
"#;
    assert_eq!(formatted, expected);
}

#[test]
fn tab_and_odd_indentation() {
    let src = "\tvariable \"name\" {\n  \t\tdefault = \"x\"\n\t}\n";
    assert_eq!(fmt(src), "variable \"name\" {\n  default = \"x\"\n}\n");
}

#[test]
fn aligns_equals_within_runs() {
    let src = r#"resource "a" "b" {
a = 1
long_name=2
  mid =    "x"

after_blank = 3
# comment
x = 4
yy = 5
nested {
k = 1
kk = 2
}
z = 6
}
"#;
    let expected = r#"resource "a" "b" {
  a         = 1
  long_name = 2
  mid       = "x"

  after_blank = 3
  # comment
  x  = 4
  yy = 5
  nested {
    k  = 1
    kk = 2
  }
  z = 6
}
"#;
    assert_eq!(fmt(src), expected);
}

#[test]
fn multi_line_values_end_runs_and_align_inside() {
    let src = r#"locals {
a = 1
tags = {
Name = "x",
LongerKey = "y"
}
list = [
"a",
  "b",
     ]
b = 2
}
"#;
    let expected = r#"locals {
  a = 1
  tags = {
    Name      = "x",
    LongerKey = "y"
  }
  list = [
    "a",
    "b",
  ]
  b = 2
}
"#;
    assert_eq!(fmt(src), expected);
}

#[test]
fn comments_are_preserved() {
    let src = "# top\n// slashes\n/* block\n   comment */\nresource \"a\" \"b\" { # after brace\n    # inside\n  a = 1 # end of line\n  bbb = 2    // another\n}\n";
    let expected = "# top\n// slashes\n/* block\n   comment */\nresource \"a\" \"b\" { # after brace\n  # inside\n  a   = 1 # end of line\n  bbb = 2 // another\n}\n";
    assert_eq!(fmt(src), expected);
}

#[test]
fn whitespace_and_final_newline() {
    assert_eq!(fmt("a = 1   \t\n\n   \nb = 2"), "a = 1\n\n\nb = 2\n");
    assert_eq!(fmt(""), "");
    assert_eq!(fmt("a = 1\r\nb = 22\r\n"), "a = 1\nb = 22\n");
}

#[test]
fn block_headers_are_normalized() {
    let src = "resource   \"a\"\t\"b\"{\n}\ndata \"x\" \"y\"   {   }\nblock  { a = 1   }\n";
    let expected = "resource \"a\" \"b\" {\n}\ndata \"x\" \"y\" {}\nblock { a = 1 }\n";
    assert_eq!(fmt(src), expected);
}

#[test]
fn expressions_are_left_as_written() {
    let src = r#"output "o" {
  value = "${var.x}"
  list  = [1,2,  3]
  cond  = var.a ? "b" : upper( "c" )
  splat = alicloud_security_group.group.*.id
  for   = { for k, v in var.m : k => v if v != "" }
}
"#;
    assert_eq!(fmt(src), src);
}

#[test]
fn heredocs_are_untouched() {
    let src = "resource \"a\" \"b\" {\n\tuser_data = <<EOT\n  keep   \n\tthis\nEOT\n\tpolicy = <<-JSON\n\t  {\"a\" = 1}\n\t  JSON\n}\n";
    // As in `terraform fmt`, a heredoc attribute is one logical line: it
    // joins the run of aligned attributes around it.
    let expected = "resource \"a\" \"b\" {\n  user_data = <<EOT\n  keep   \n\tthis\nEOT\n  policy    = <<-JSON\n\t  {\"a\" = 1}\n\t  JSON\n}\n";
    assert_eq!(fmt(src), expected);
    assert_eq!(fmt(expected), expected);
}

#[test]
fn nested_structures_indent_by_bracket_depth() {
    let src = "a = {\nb = [\n{\nc = 1\n},\n]\nf = func(\n1,\n2)\n}\n";
    let expected =
        "a = {\n  b = [\n    {\n      c = 1\n    },\n  ]\n  f = func(\n    1,\n  2)\n}\n";
    assert_eq!(fmt(src), expected);
}

#[test]
fn parse_error_has_location() {
    let err = format_source("a = 1\nresource \"x\" {\n  b = \n}\n").unwrap_err();
    match &err {
        FmtError::Parse { line, column, .. } => {
            assert_eq!(*line, 3);
            assert!(*column >= 1);
        }
        other => panic!("unexpected error {other:?}"),
    }
    assert!(err.to_string().starts_with("3:"), "{err}");
}

#[test]
fn run_check_reports_without_writing() {
    let dir = tempfile::tempdir().unwrap();
    let messy = dir.path().join("main.tf");
    let tidy = dir.path().join("ok.tfvars");
    let other = dir.path().join("notes.txt");
    fs::write(&messy, "a=1\n").unwrap();
    fs::write(&tidy, "b = 2\n").unwrap();
    fs::write(&other, "c=3\n").unwrap();

    let opts = FmtOptions {
        check: true,
        write: true,
        paths: vec![dir.path().to_path_buf()],
        ..FmtOptions::default()
    };
    let (code, out, err) = run_fmt(&opts);
    assert_eq!(code, EXIT_UNFORMATTED, "stderr: {err}");
    assert_eq!(out, format!("{}\n", messy.display()));
    assert_eq!(fs::read_to_string(&messy).unwrap(), "a=1\n");

    fs::write(&messy, "a = 1\n").unwrap();
    let (code, out, _) = run_fmt(&opts);
    assert_eq!((code, out.as_str()), (EXIT_OK, ""));
}

#[test]
fn run_writes_and_recurses_only_when_asked() {
    let dir = tempfile::tempdir().unwrap();
    let top = dir.path().join("main.tf");
    let sub = dir.path().join("modules/net/net.tf");
    let hidden = dir.path().join(".terraform/mod.tf");
    fs::create_dir_all(sub.parent().unwrap()).unwrap();
    fs::create_dir_all(hidden.parent().unwrap()).unwrap();
    for file in [&top, &sub, &hidden] {
        fs::write(file, "x=1\n").unwrap();
    }

    let mut opts = FmtOptions {
        write: true,
        paths: vec![dir.path().to_path_buf()],
        ..FmtOptions::default()
    };
    let (code, out, _) = run_fmt(&opts);
    assert_eq!(code, EXIT_OK);
    assert_eq!(out, format!("{}\n", top.display()));
    assert_eq!(fs::read_to_string(&top).unwrap(), "x = 1\n");
    assert_eq!(fs::read_to_string(&sub).unwrap(), "x=1\n");

    opts.recursive = true;
    let (code, out, _) = run_fmt(&opts);
    assert_eq!(code, EXIT_OK);
    assert_eq!(out, format!("{}\n", sub.display()));
    assert_eq!(fs::read_to_string(&sub).unwrap(), "x = 1\n");
    assert_eq!(fs::read_to_string(&hidden).unwrap(), "x=1\n");
}

#[test]
fn run_without_write_only_lists() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("main.tf");
    fs::write(&file, "x=1\n").unwrap();
    let opts = FmtOptions {
        paths: vec![file.clone()],
        ..FmtOptions::default()
    };
    let (code, out, _) = run_fmt(&opts);
    assert_eq!(code, EXIT_OK);
    assert_eq!(out, format!("{}\n", file.display()));
    assert_eq!(fs::read_to_string(&file).unwrap(), "x=1\n");
}

#[test]
fn run_diff_prints_unified_diff() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("main.tf");
    fs::write(&file, "resource \"a\" \"b\" {\n\tx=1\n  yy = 2\n}\n").unwrap();
    let opts = FmtOptions {
        check: true,
        diff: true,
        paths: vec![file.clone()],
        ..FmtOptions::default()
    };
    let (code, out, _) = run_fmt(&opts);
    assert_eq!(code, EXIT_UNFORMATTED);
    let name = file.display().to_string();
    assert!(out.starts_with(&format!("{name}\n")), "{out}");
    let label = name.trim_start_matches('/');
    assert!(out.contains(&format!("--- old/{label}\n")), "{out}");
    assert!(out.contains(&format!("+++ new/{label}\n")), "{out}");
    assert!(out.contains("\n-\tx=1\n"), "{out}");
    assert!(out.contains("\n+  x  = 1\n"), "{out}");
    assert!(out.contains("\n   yy = 2\n"), "{out}");
}

#[test]
fn run_parse_error_exits_2_with_location() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.tf");
    let good = dir.path().join("good.tf");
    fs::write(&bad, "resource \"a\" \"b\" {\n  x = = 1\n}\n").unwrap();
    fs::write(&good, "y=2\n").unwrap();
    let opts = FmtOptions {
        write: true,
        paths: vec![dir.path().to_path_buf()],
        ..FmtOptions::default()
    };
    let (code, _, err) = run_fmt(&opts);
    assert_eq!(code, EXIT_ERROR);
    assert!(
        err.contains(&format!("{}:2:", bad.display())),
        "missing file:line:column in {err}"
    );
    // Other files are still processed.
    assert_eq!(fs::read_to_string(&good).unwrap(), "y = 2\n");
}

#[test]
fn run_reports_missing_paths_and_wrong_extensions() {
    let dir = tempfile::tempdir().unwrap();
    let txt = dir.path().join("notes.txt");
    fs::write(&txt, "a = 1\n").unwrap();
    for path in [dir.path().join("missing.tf"), txt] {
        let opts = FmtOptions {
            paths: vec![path.clone()],
            ..FmtOptions::default()
        };
        let (code, _, err) = run_fmt(&opts);
        assert_eq!(code, EXIT_ERROR);
        assert!(err.contains(&path.display().to_string()), "{err}");
    }
}

#[test]
fn leading_whitespace_does_not_matter() {
    let files = [corpus("alicloud-acc"), corpus("alicloud-examples")].concat();
    for path in files {
        let src = fs::read_to_string(&path).unwrap();
        let expected = fmt(&src);
        for prefix in ["", "\t", " \t   "] {
            let shifted: String = src
                .lines()
                .map(|line| format!("{prefix}{}\n", line.trim_start()))
                .collect();
            assert_eq!(
                fmt(&shifted),
                expected,
                "{} with {prefix:?}",
                path.display()
            );
        }
    }
}

/// Expectations taken from `hclwrite`'s own format tests.
#[test]
fn matches_hclwrite_layout() {
    let cases = [
        (
            "a = 1 # foo\nbungle = \"bonce\" # baz\nzebra = \"striped\" # baz\n",
            "a      = 1         # foo\nbungle = \"bonce\"   # baz\nzebra  = \"striped\" # baz\n",
        ),
        (
            "foo {} # here we go\na = 1 # foo\nbungle = \"bonce\" # baz\n",
            "foo {}           # here we go\na      = 1       # foo\nbungle = \"bonce\" # baz\n",
        ),
        (
            "a = 1 # foo\nbungle = (\n    \"bonce\"\n) # baz\nzebra = \"striped\" # baz\n",
            "a = 1 # foo\nbungle = (\n  \"bonce\"\n)                 # baz\nzebra = \"striped\" # baz\n",
        ),
        (
            "\u{1d49c} = 1 # foo\nbungle = \"\u{1f1ec}\u{1f1e7}\" # baz\nzebra = \"striped\" # baz\n",
            "\u{1d49c}      = 1         # foo\nbungle = \"\u{1f1ec}\u{1f1e7}\"       # baz\nzebra  = \"striped\" # baz\n",
        ),
        ("x = [[\n[\na\n]]\n]\n", "x = [[\n  [\n    a\n  ]]\n]\n"),
        ("foo = [{\n# ...\n}]\n", "foo = [{\n  # ...\n}]\n"),
        // A line that closes and reopens keeps the inner indentation.
        (
            "x = [{\na = 1\n}, {\nbb = 2\n}]\n",
            "x = [{\n  a = 1\n  }, {\n  bb = 2\n}]\n",
        ),
    ];
    for (src, expected) in cases {
        assert_eq!(fmt(src), expected, "input:\n{src}");
        assert_eq!(fmt(expected), expected, "not idempotent:\n{expected}");
    }
}

#[test]
fn object_keys_align_and_colons_are_kept() {
    let src = "x = {\n\"quoted key\" = 1\n(var.k) = 2\na: 3\n}\n";
    let expected = "x = {\n  \"quoted key\" = 1\n  (var.k)      = 2\n  a: 3\n}\n";
    assert_eq!(fmt(src), expected);
}

#[test]
fn gnarly_input_is_formatted_safely() {
    let src = r#"
	/* header
	   comment   */
terraform {
	required_providers {
    alicloud = {
      source = "aliyun/alicloud"
		version = ">= 1.200"
    }
  }
}
locals {
	braces = "${jsonencode({ a = "}" })} $${literal} %%{not} \" }"
  directive = "%{ for s in var.list }${s},%{ endfor }"
	script = <<-EOT
	  #!/bin/sh
	  echo "${var.name}" }
	  EOT
	nested = [for v in var.items : {
	  name = v.name
		size = v.size * 2
	} if v.enabled]
	cond = var.a == "x" ? { k = 1 } : { k = 2 }
	ids = alicloud_instance.default.*.id
	first = data.alicloud_zones.default.zones[0].id
  unicode = "héllo wörld" # déjà vu
  x = 1 /* inline */ + 2
}
"#;
    let once = fmt(src);
    assert_eq!(fmt(&once), once);
    assert!(
        once.starts_with("\n/* header\n\t   comment   */\nterraform {\n"),
        "{once}"
    );
    assert!(
        once.contains("\n      source  = \"aliyun/alicloud\"\n      version = \">= 1.200\"\n"),
        "{once}"
    );
    assert!(
        once.contains("  script    = <<-EOT\n\t  #!/bin/sh\n\t  echo \"${var.name}\" }\n\t  EOT\n"),
        "{once}"
    );
    assert!(once.contains("  nested = [for v in var.items : {\n    name = v.name\n    size = v.size * 2\n  } if v.enabled]\n"), "{once}");
}
