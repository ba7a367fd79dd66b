//! Canonical formatting of HCL files (`eipform fmt`).
//!
//! [`format_source`] rewrites one configuration text into the canonical layout
//! produced by `terraform fmt`:
//!
//! - two spaces of indentation per level of block or bracket nesting, whatever
//!   mix of tabs and spaces the input used;
//! - exactly one space around `=`, and the `=` of consecutive single-line
//!   attributes (or object elements) aligned into one column; a blank line, a
//!   comment-only line, a block, or a bracketed multi-line value ends such a
//!   run (a heredoc value counts as one line, as in `terraform fmt`);
//! - block headers written as `type "label" "label" {`;
//! - end-of-line comments of consecutive lines aligned into one column;
//! - trailing whitespace removed, and the text ends with a line ending.
//!
//! Everything else is kept as written: comments, blank lines (like
//! `terraform fmt`, runs of blank lines are not collapsed), the contents of
//! strings and heredocs, and the spelling of expressions (`"${var.x}"` is not
//! rewritten to `var.x`).
//!
//! The input is first parsed with `hcl-edit`, so syntax errors are reported
//! with their line and column. Layout itself is token based (see `layout`),
//! following the algorithm of HashiCorp's `hclwrite`. Formatting only ever
//! changes whitespace between tokens; as a safety net, the result is parsed
//! again and must describe exactly the same configuration as the input.
//!
//! [`run`] is the command itself: it finds `*.tf` and `*.tfvars` files,
//! lists the ones whose formatting changes, optionally prints a unified diff,
//! and either rewrites them in place or, with `check`, reports through its
//! exit code.

mod layout;
mod lexer;
#[cfg(test)]
mod tests;

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Exit code when every file is already formatted (or was rewritten).
pub const EXIT_OK: i32 = 0;
/// Exit code for parse errors and I/O errors.
pub const EXIT_ERROR: i32 = 2;
/// Exit code of a `check` run in which some file is not formatted.
pub const EXIT_UNFORMATTED: i32 = 3;

/// File name extensions processed when walking directories.
const EXTENSIONS: [&str; 2] = ["tf", "tfvars"];

/// Options of the `fmt` command.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FmtOptions {
    /// Write nothing; exit with [`EXIT_UNFORMATTED`] if any file would change.
    pub check: bool,
    /// Print a unified diff for every file that changes.
    pub diff: bool,
    /// Descend into subdirectories of the given directories.
    pub recursive: bool,
    /// Rewrite changed files in place (ignored with `check`).
    pub write: bool,
    /// Files and directories to format; the current directory when empty.
    pub paths: Vec<PathBuf>,
}

/// Why a text could not be formatted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, miette::Diagnostic)]
pub enum FmtError {
    /// The text is not valid HCL.
    #[error("{line}:{column}: {message}")]
    #[diagnostic(code(eipform::fmt::parse))]
    Parse {
        /// One-based line of the error.
        line: usize,
        /// One-based column of the error.
        column: usize,
        /// What the parser expected or found.
        message: String,
        /// The full source line containing the error.
        source_line: String,
    },
    /// The formatter produced a text that does not describe the same
    /// configuration as its input. This is a bug; the input is left alone.
    #[error("internal formatter error: {0}")]
    #[diagnostic(code(eipform::fmt::internal))]
    Internal(String),
}

/// Formats one source text.
///
/// # Errors
///
/// [`FmtError::Parse`] (with one-based line and column) if `src` is not valid
/// HCL, and [`FmtError::Internal`] if formatting would change its meaning.
pub fn format_source(src: &str) -> Result<String, FmtError> {
    let before = parse(src)?;
    let formatted = layout::layout(src);
    match parse(&formatted) {
        Ok(after) if after == before => Ok(formatted),
        Ok(_) => Err(FmtError::Internal(
            "formatting changed the meaning of the configuration".into(),
        )),
        Err(err) => Err(FmtError::Internal(format!(
            "formatted text does not parse: {err}"
        ))),
    }
}

/// Parses `src` into a whitespace- and comment-insensitive structure, used
/// both to validate the input and to check that formatting preserved it.
fn parse(src: &str) -> Result<hcl::Body, FmtError> {
    hcl_edit::parser::parse_body(src)
        .map(hcl::Body::from)
        .map_err(|err| FmtError::Parse {
            line: err.location().line(),
            column: err.location().column(),
            message: err.message().to_owned(),
            source_line: err.line().to_owned(),
        })
}

/// Runs the `fmt` command over `opts.paths` (default: the current directory).
///
/// Explicitly named files are formatted whatever their location; directories
/// contribute their `*.tf` and `*.tfvars` files, and their subdirectories
/// (except hidden ones such as `.terraform`) only with `recursive`. The name
/// of every file whose formatting changes is printed to `out`, followed by a
/// unified diff when `diff` is set. Errors go to `err` as `file:line:column`.
///
/// Returns [`EXIT_ERROR`] (2) if any file could not be read, parsed or
/// written (other files are still processed); otherwise, with `check`,
/// [`EXIT_UNFORMATTED`] (3) if any file would change and [`EXIT_OK`] (0) if
/// none would, writing nothing; otherwise [`EXIT_OK`], after rewriting the
/// changed files in place when `write` is set.
pub fn run(opts: &FmtOptions, out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    let mut failed = false;
    let mut report = |err: &mut dyn Write, msg: &str| {
        failed = true;
        // Nothing sensible can be done if the error stream itself fails.
        let _ = writeln!(err, "Error: {msg}");
    };

    let defaults = [PathBuf::from(".")];
    let roots = if opts.paths.is_empty() {
        &defaults[..]
    } else {
        &opts.paths[..]
    };
    let mut files = Vec::new();
    for root in roots {
        if let Err(msg) = collect_files(root, opts.recursive, &mut files) {
            report(err, &msg);
        }
    }

    let mut unformatted = false;
    for file in &files {
        match process_file(file, opts, out) {
            Ok(changed) => unformatted |= changed,
            Err(msg) => report(err, &msg),
        }
    }

    if failed {
        EXIT_ERROR
    } else if opts.check && unformatted {
        EXIT_UNFORMATTED
    } else {
        EXIT_OK
    }
}

/// Adds `path` to `files` if it is a file, or its configuration files if it
/// is a directory.
fn collect_files(path: &Path, recursive: bool, files: &mut Vec<PathBuf>) -> Result<(), String> {
    let meta = fs::metadata(path)
        .map_err(|e| format!("{}: no file or directory here: {e}", path.display()))?;
    if meta.is_dir() {
        walk_dir(path, recursive, files)
    } else if is_config_file(path) {
        files.push(path.to_path_buf());
        Ok(())
    } else {
        Err(format!(
            "{}: only .tf and .tfvars files can be processed with eipform fmt",
            path.display()
        ))
    }
}

fn walk_dir(dir: &Path, recursive: bool, files: &mut Vec<PathBuf>) -> Result<(), String> {
    let read_err = |e: io::Error| format!("{}: cannot read directory: {e}", dir.display());
    let mut entries = fs::read_dir(dir)
        .map_err(read_err)?
        .map(|entry| entry.map(|e| e.path()))
        .collect::<Result<Vec<_>, _>>()
        .map_err(read_err)?;
    entries.sort();
    for entry in entries {
        // Show `main.tf` rather than `./main.tf` for the current directory.
        let entry = match entry.strip_prefix(".") {
            Ok(rel) if dir == Path::new(".") => rel.to_path_buf(),
            _ => entry,
        };
        if entry.is_dir() {
            if recursive && !is_hidden(&entry) {
                walk_dir(&entry, recursive, files)?;
            }
        } else if is_config_file(&entry) {
            files.push(entry);
        }
    }
    Ok(())
}

fn is_config_file(path: &Path) -> bool {
    path.extension()
        .and_then(|ext| ext.to_str())
        .is_some_and(|ext| EXTENSIONS.contains(&ext))
}

fn is_hidden(path: &Path) -> bool {
    path.file_name()
        .and_then(|name| name.to_str())
        .is_some_and(|name| name.starts_with('.'))
}

/// Formats one file; returns whether its formatting changed.
fn process_file(path: &Path, opts: &FmtOptions, out: &mut dyn Write) -> Result<bool, String> {
    let name = path.display();
    let src = fs::read_to_string(path).map_err(|e| format!("{name}: cannot read file: {e}"))?;
    let formatted = format_source(&src).map_err(|e| match e {
        FmtError::Parse {
            line,
            column,
            message,
            source_line,
        } => format!(
            // Tabs would shift the caret; show them as single spaces.
            "{name}:{line}:{column}: invalid HCL syntax: {message}\n  {}\n  {caret:>column$}",
            source_line.replace('\t', " "),
            caret = '^'
        ),
        FmtError::Internal(msg) => format!("{name}: {msg}"),
    })?;
    if formatted == src {
        return Ok(false);
    }

    let write_out = |e: io::Error| format!("{name}: cannot write output: {e}");
    writeln!(out, "{name}").map_err(write_out)?;
    if opts.diff {
        let diff = similar::TextDiff::from_lines(&src, &formatted);
        let mut unified = diff.unified_diff();
        let label = name.to_string();
        let label = label.trim_start_matches('/');
        unified
            .context_radius(3)
            .header(&format!("old/{label}"), &format!("new/{label}"));
        write!(out, "{unified}").map_err(write_out)?;
    }
    if opts.write && !opts.check {
        fs::write(path, &formatted).map_err(|e| format!("{name}: cannot write file: {e}"))?;
    }
    Ok(true)
}
