//! Configuration formats that only policies read: each reader turns a file's text into the
//! JSON document conftest's parser for that format gives, so that a policy written for
//! conftest sees the same `input`.
//!
//! | format | files | reader |
//! |---|---|---|
//! | TOML | `*.toml` | [`toml`] (the `toml` crate) |
//! | INI | `*.ini` | [`ini`] (`configparser`) |
//! | HCL2 | `*.tf`, `*.tfvars`, `*.hcl` | [`hcl`] (`hcl-rs`) |
//! | dotenv | `.env`, `.env.*`, `*.env` | [`dotenv`] |
//! | XML | `*.xml` | [`xml`] (`quick-xml`) |
//! | Java properties | `*.properties` | [`properties`] |
//!
//! Readers are pure: text in, document or `(line, message)` out; none reads the process
//! environment or another file (a dotenv `${VAR}` stays as written).

pub mod dotenv;
pub mod hcl;
pub mod ini;
pub mod properties;
pub mod toml;
pub mod xml;

use serde_json::Value;

/// A configuration format with a reader.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Format {
    /// TOML.
    Toml,
    /// INI (sections of `key = value`).
    Ini,
    /// HCL2 (Terraform).
    Hcl2,
    /// dotenv (`KEY=value` lines).
    Dotenv,
    /// XML.
    Xml,
    /// Java properties.
    Properties,
}

/// Every format, in the order `--help` and errors list them.
pub const ALL: &[Format] = &[
    Format::Toml,
    Format::Ini,
    Format::Hcl2,
    Format::Dotenv,
    Format::Xml,
    Format::Properties,
];

/// Why a file could not be read: the 1-based line (0 when unknown) and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadError {
    /// 1-based line, 0 when the reader does not say.
    pub line: u32,
    /// What is wrong.
    pub message: String,
}

impl ReadError {
    /// An error at `line` (0: unknown).
    pub fn new(line: u32, message: impl Into<String>) -> ReadError {
        ReadError {
            line,
            message: message.into(),
        }
    }
}

impl Format {
    /// The name conftest's `--parser` uses.
    pub fn name(self) -> &'static str {
        match self {
            Format::Toml => "toml",
            Format::Ini => "ini",
            Format::Hcl2 => "hcl2",
            Format::Dotenv => "dotenv",
            Format::Xml => "xml",
            Format::Properties => "properties",
        }
    }

    /// The format of a file by its name (`lower`: the file name in ASCII lower case), as
    /// conftest picks its parser.
    pub fn of_name(lower: &[u8]) -> Option<Format> {
        let ext = lower
            .iter()
            .rposition(|&b| b == b'.')
            .map_or(&b""[..], |i| &lower[i + 1..]);
        if lower == b".env" || lower.starts_with(b".env.") || ext == b"env" {
            return Some(Format::Dotenv);
        }
        match ext {
            b"toml" => Some(Format::Toml),
            b"ini" => Some(Format::Ini),
            b"tf" | b"tfvars" | b"hcl" => Some(Format::Hcl2),
            b"xml" => Some(Format::Xml),
            b"properties" => Some(Format::Properties),
            _ => None,
        }
    }

    /// Reads `text` into its document. Errors: the text is not valid in this format.
    pub fn read(self, text: &str) -> Result<Value, ReadError> {
        match self {
            Format::Toml => toml::read(text),
            Format::Ini => ini::read(text),
            Format::Hcl2 => hcl::read(text),
            Format::Dotenv => dotenv::read(text),
            Format::Xml => xml::read(text),
            Format::Properties => properties::read(text),
        }
    }
}

/// The 1-based line of byte offset `at` in `text`.
pub(crate) fn line_at(text: &str, at: usize) -> u32 {
    let at = at.min(text.len());
    text.as_bytes()[..at]
        .iter()
        .filter(|&&b| b == b'\n')
        .count() as u32
        + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_by_name_as_conftest_picks_them() {
        let of = |n: &str| Format::of_name(n.as_bytes());
        assert_eq!(of("traefik.toml"), Some(Format::Toml));
        assert_eq!(of("grafana.ini"), Some(Format::Ini));
        assert_eq!(of("main.tf"), Some(Format::Hcl2));
        assert_eq!(of("prod.tfvars"), Some(Format::Hcl2));
        assert_eq!(of(".env"), Some(Format::Dotenv));
        assert_eq!(of(".env.local"), Some(Format::Dotenv));
        assert_eq!(of("prod.env"), Some(Format::Dotenv));
        assert_eq!(of("pom.xml"), Some(Format::Xml));
        assert_eq!(of("app.properties"), Some(Format::Properties));
        assert_eq!(of("environment"), None);
        assert_eq!(of("values.yaml"), None);
    }
}
