//! Views of plans, state and drift: human text (Terraform's layout), JSON (the shape of
//! `terraform show -json`) and Markdown (for pull-request comments).
//!
//! Renderers only read the plan and state models; they decide nothing. Unknown values (the
//! sentinel [`crate::eval::UNKNOWN`]) show as `(known after apply)` in text and as `null` plus an
//! `after_unknown` flag in JSON. Sensitive values are masked as `(sensitive value)` in text and
//! Markdown; JSON keeps them and marks them in `before_sensitive`/`after_sensitive`, as Terraform
//! does.

mod changes;
pub mod dot;
pub mod human;
pub mod json;
pub mod markdown;
pub mod value;

use std::fmt;
use std::str::FromStr;

/// An output format chosen on the command line (`-format=human|json|markdown`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    #[default]
    Human,
    Json,
    Markdown,
}

impl FromStr for Format {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "human" | "text" => Ok(Format::Human),
            "json" => Ok(Format::Json),
            "markdown" | "md" => Ok(Format::Markdown),
            _ => Err(format!(
                "unknown output format {s:?}: expected human, json or markdown"
            )),
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Format::Human => "human",
            Format::Json => "json",
            Format::Markdown => "markdown",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::Format;

    #[test]
    fn format_parses_and_displays() {
        for f in [Format::Human, Format::Json, Format::Markdown] {
            assert_eq!(f.to_string().parse::<Format>(), Ok(f));
        }
        assert_eq!("JSON".parse::<Format>(), Ok(Format::Json));
        assert!(
            "yaml"
                .parse::<Format>()
                .unwrap_err()
                .contains("expected human, json or markdown")
        );
    }
}
