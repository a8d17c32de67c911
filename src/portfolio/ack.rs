//! Drift acknowledgements: the reviewed file `.metaHub/drift-acknowledgements.yaml` that
//! marks expected changes as intentional.
//!
//! ```yaml
//! acknowledgements:
//!   - repository: payments/api        # glob over <org>/<repo>
//!     rule: docker.healthcheck        # optional: a rule id, or a family (docker.*)
//!     path: "deploy/**"               # optional: a glob over repo-relative file paths
//!     reason: Health checks move to the service mesh (ADR 12)
//!     approved_by: "@platform/leads"
//!     expires: 2026-12-31             # last day it holds
//! ```
//!
//! An entry with neither `rule` nor `path` acknowledges every change of the repositories
//! it names (a new repository, a deletion, a tier change, ...). Expired entries
//! acknowledge nothing; the drift report lists them.

use std::path::Path;

use globset::{Glob, GlobMatcher};
use jiff::civil::Date;
use serde::Deserialize;
use serde_json::Value;

use crate::error::{Error, Result};
use crate::yaml::Document;

/// The acknowledgements file, relative to the governance root.
pub const DEFAULT_PATH: &str = ".metaHub/drift-acknowledgements.yaml";

/// One acknowledgement.
#[derive(Debug, Clone)]
pub struct Ack {
    /// The repository glob as written.
    pub repository: String,
    repo_matcher: GlobMatcher,
    /// A rule id or family wildcard, if the entry is limited to a rule.
    pub rule: Option<String>,
    /// The path glob as written, if the entry is limited to files.
    pub path: Option<String>,
    path_matcher: Option<GlobMatcher>,
    /// Why the change is expected.
    pub reason: String,
    /// Who reviewed it.
    pub approved_by: String,
    /// The last day it holds.
    pub expires: Date,
    /// 1-based line of the entry in the file.
    pub line: u32,
}

impl Ack {
    /// Whether the entry holds on `today` (its expiry day included).
    pub fn in_force(&self, today: Date) -> bool {
        today <= self.expires
    }

    /// Whether it names the repository `<org>/<repo>`.
    pub fn names_repo(&self, repo: &str) -> bool {
        self.repo_matcher.is_match(repo)
    }

    /// Whether it covers `rule` in its repository (an entry without rule and path covers
    /// everything; one with only a path covers no rule).
    pub fn covers_rule(&self, rule: &str) -> bool {
        match (&self.rule, &self.path) {
            (Some(r), _) => crate::suppress::covers(r, rule),
            (None, None) => true,
            (None, Some(_)) => false,
        }
    }

    /// Whether it covers a change of file `path` (repo-relative).
    pub fn covers_path(&self, path: &str) -> bool {
        match (&self.path_matcher, &self.rule) {
            (Some(m), _) => m.is_match(path),
            (None, None) => true,
            (None, Some(_)) => false,
        }
    }

    /// Whether it covers a change that involves neither a rule nor a file.
    pub fn covers_whole(&self) -> bool {
        self.rule.is_none() && self.path.is_none()
    }
}

/// Reads the acknowledgements at `path`; no file means none. Errors name the file and the
/// line: YAML syntax, an unknown key, a missing `repository`, `reason`, `approved_by` or
/// `expires`, an invalid glob or date.
pub fn load(path: &Path) -> Result<Vec<Ack>> {
    let text = match std::fs::read(path) {
        Ok(b) => String::from_utf8(b)
            .map_err(|e| Error::input(path.display().to_string(), 0, format!("not UTF-8: {e}")))?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(Error::io(format!("reading {}", path.display()), e)),
    };
    parse(&text, &path.display().to_string())
}

/// Parses acknowledgements from YAML `text`; `shown` names the file in errors.
pub fn parse(text: &str, shown: &str) -> Result<Vec<Ack>> {
    let docs = crate::yaml::parse_stream(text)
        .map_err(|e| Error::input(shown, e.line, format!("invalid YAML: {}", e.message)))?;
    let Some(doc) = docs.into_iter().next() else {
        return Ok(Vec::new());
    };
    let (items, base) = entries(&doc, shown)?;
    items
        .iter()
        .enumerate()
        .map(|(i, item)| entry(&doc, shown, &format!("{base}/{i}"), item))
        .collect()
}

/// The list of entries (the document itself, or its `acknowledgements:`) and its pointer.
fn entries<'d>(doc: &'d Document, shown: &str) -> Result<(&'d [Value], &'static str)> {
    match &doc.value {
        Value::Null => Ok((&[], "")),
        Value::Array(a) => Ok((a, "")),
        Value::Object(m) => {
            if let Some(k) = m.keys().find(|k| *k != "acknowledgements") {
                return Err(Error::input(
                    shown,
                    doc.line_of(&format!("/{}", crate::yaml::escape_token(k))),
                    format!("unknown key {k:?}: the file holds `acknowledgements:`, a list"),
                ));
            }
            match m.get("acknowledgements") {
                Some(Value::Array(a)) => Ok((a, "/acknowledgements")),
                Some(Value::Null) | None => Ok((&[], "")),
                Some(_) => Err(Error::input(
                    shown,
                    doc.line_of("/acknowledgements"),
                    "`acknowledgements` must be a list",
                )),
            }
        }
        _ => Err(Error::input(
            shown,
            doc.start_line,
            "expected `acknowledgements:` with a list of entries",
        )),
    }
}

/// The keys of an entry.
const KEYS: &[&str] = &[
    "repository",
    "rule",
    "path",
    "reason",
    "approved_by",
    "expires",
];

/// One entry as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    repository: Option<Value>,
    rule: Option<String>,
    path: Option<String>,
    reason: Option<String>,
    approved_by: Option<String>,
    expires: Option<String>,
}

/// Reads the entry at `ptr`. Errors: an unknown key or a value of the wrong type, a
/// missing or empty required field, an invalid glob or date; each at its line.
fn entry(doc: &Document, shown: &str, ptr: &str, item: &Value) -> Result<Ack> {
    let line = doc.line_of(ptr);
    let at = |k: &str| doc.line_of(&format!("{ptr}/{k}"));
    let Value::Object(m) = item else {
        return Err(Error::input(shown, line, "an acknowledgement is a mapping"));
    };
    if let Some(k) = m.keys().find(|k| !KEYS.contains(&k.as_str())) {
        return Err(Error::input(
            shown,
            at(&crate::yaml::escape_token(k)),
            format!("unknown key {k:?} (expected one of {})", KEYS.join(", ")),
        ));
    }
    let e: Entry = serde_path_to_error::deserialize(item).map_err(|err| {
        let path = crate::yaml::pointer_of(err.path());
        let line = doc.line_of(&format!("{ptr}{path}"));
        let key = path.trim_start_matches('/');
        Error::input(shown, line, format!("`{key}`: {}", err.into_inner()))
    })?;
    let text = |k: &str, v: Option<String>| -> Result<Option<String>> {
        match v {
            Some(s) if s.trim().is_empty() => Err(Error::input(
                shown,
                at(k),
                format!("`{k}` must be a non-empty string"),
            )),
            v => Ok(v),
        }
    };
    let repository = match e.repository {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => text("repository", Some(s))?,
        Some(Value::Number(n)) => Some(n.to_string()),
        Some(_) => {
            return Err(Error::input(
                shown,
                at("repository"),
                "`repository` must be a non-empty string",
            ))
        }
    };
    let need = |k: &str, v: Option<String>| -> Result<String> {
        text(k, v)?.ok_or_else(|| {
            Error::input(
                shown,
                line,
                format!("the acknowledgement lacks `{k}` (every entry names repository, reason, approved_by and expires)"),
            )
        })
    };
    let glob = |k: &str, g: &str| -> Result<GlobMatcher> {
        Glob::new(g)
            .map(|g| g.compile_matcher())
            .map_err(|e| Error::input(shown, at(k), format!("invalid glob {g:?}: {e}")))
    };
    let repository = need("repository", repository)?;
    let path = text("path", e.path)?;
    let expires_text = need("expires", e.expires)?;
    let expires: Date = expires_text.parse().map_err(|err| {
        Error::input(
            shown,
            at("expires"),
            format!("`expires` must be a date YYYY-MM-DD, not {expires_text:?}: {err}"),
        )
    })?;
    Ok(Ack {
        repo_matcher: glob("repository", &repository)?,
        path_matcher: path.as_deref().map(|p| glob("path", p)).transpose()?,
        repository,
        rule: text("rule", e.rule)?,
        path,
        reason: need("reason", e.reason)?,
        approved_by: need("approved_by", e.approved_by)?,
        expires,
        line,
    })
}

#[cfg(test)]
mod tests {
    use super::parse;

    const OK: &str = "acknowledgements:\n  - repository: shop/*\n    reason: moving to the mesh\n    approved_by: \"@leads\"\n    expires: 2026-12-31\n";

    #[test]
    fn entries_read_and_every_error_names_its_line() {
        let acks = parse(OK, "acks.yaml").unwrap();
        assert_eq!(acks.len(), 1);
        assert!(acks[0].names_repo("shop/api") && acks[0].covers_whole());
        assert_eq!(acks[0].line, 2);
        for (text, line, fragment) in [
            (
                OK.replace("    reason:", "    colour: red\n    reason:"),
                3,
                "unknown key \"colour\"",
            ),
            (OK.replace("moving to the mesh", "[a, b]"), 3, "`reason`"),
            (
                OK.replace("    approved_by: \"@leads\"\n", ""),
                2,
                "lacks `approved_by`",
            ),
            (
                OK.replace("2026-12-31", "soon"),
                5,
                "`expires` must be a date",
            ),
            (
                OK.replace("shop/*", "\"\""),
                2,
                "`repository` must be a non-empty string",
            ),
        ] {
            let e = parse(&text, "acks.yaml").unwrap_err().to_string();
            assert!(e.starts_with(&format!("acks.yaml:{line}:")), "{text}\n{e}");
            assert!(e.contains(fragment), "{text}\n{e}");
        }
    }
}
