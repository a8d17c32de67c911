//! Findings: what a rule reports, before and after configuration is applied.
//!
//! A rule produces [`RawFinding`]s, which carry no path and no effective severity so that
//! the cache can store them keyed by content alone. The engine turns them into
//! [`Finding`]s by adding the path and the severity that `.govern.yaml` gives the rule.

use serde::{Deserialize, Serialize};

use crate::path::RepoPath;

/// How much a finding matters. `Error` findings are violations (exit code 1); `Warning`
/// findings fail only under `--strict` / `GOVERN_STRICT=true`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// A violation.
    Error,
    /// Advice; a violation only in strict mode.
    Warning,
}

impl Severity {
    /// "error" or "warning", as in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// A 1-based line number; zero cannot be represented, so "no line" is always `None`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Line(std::num::NonZeroU32);

impl Line {
    /// Line `n`, or `None` for 0.
    pub fn new(n: u32) -> Option<Line> {
        std::num::NonZeroU32::new(n).map(Line)
    }

    /// The number, at least 1.
    pub fn get(self) -> u32 {
        self.0.get()
    }
}

impl std::fmt::Display for Line {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// `path:line` when there is a line, else `path`: how a location is shown to people.
pub fn location(path: &str, line: Option<Line>) -> String {
    match line {
        Some(l) => format!("{path}:{l}"),
        None => path.to_string(),
    }
}

/// A finding as a rule reports it: no path, no configured severity. This is what the
/// cache stores, so it must depend only on the content, the rule and its options.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RawFinding {
    /// The rule id, e.g. `docker.user-not-root`.
    pub rule: String,
    /// 1-based line, `None` when the finding concerns the whole file or repository.
    pub line: Option<Line>,
    /// 1-based column where known.
    pub column: Option<u32>,
    /// What is wrong, in one sentence.
    pub message: String,
    /// How to fix it.
    pub help: String,
    /// `Some(reason)` when an inline `# govern:ignore <rule> <reason>` comment covers it.
    pub suppressed: Option<String>,
    /// Further 1-based lines whose suppression comments also cover this finding: the
    /// enclosing container and workload of a manifest finding. Used before caching only.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub anchors: Vec<u32>,
    /// A stable identifier of what was found, for allow-lists: set by the `secrets.*` rules
    /// (16 hex digits of a keyed blake3 of the rule and the secret; never the secret).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fingerprint: Option<String>,
    /// The severity of a finding whose rule is not registered (a Rego policy's `deny` or
    /// `warn`); registered rules take theirs from `.govern.yaml`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severity: Option<Severity>,
}

impl RawFinding {
    /// A finding at `line` (1-based) with message and help.
    pub fn new(
        rule: impl Into<String>,
        line: Option<u32>,
        message: impl Into<String>,
        help: impl Into<String>,
    ) -> Self {
        RawFinding {
            rule: rule.into(),
            line: line.and_then(Line::new),
            column: None,
            message: message.into(),
            help: help.into(),
            suppressed: None,
            anchors: Vec::new(),
            fingerprint: None,
            severity: None,
        }
    }

    /// Adds lines whose suppression comments also cover this finding.
    pub fn anchored(mut self, lines: impl IntoIterator<Item = u32>) -> Self {
        self.anchors.extend(lines);
        self
    }
}

/// A finding as reported: path and effective severity added.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// The rule id.
    pub rule: String,
    /// Effective severity after `.govern.yaml`.
    pub severity: Severity,
    /// Repo-relative path (for repo-level rules, the file the rule is about).
    pub path: RepoPath,
    /// 1-based line, `None` for whole-file findings.
    pub line: Option<Line>,
    /// 1-based column where known.
    pub column: Option<u32>,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub help: String,
    /// The allow-list fingerprint, for `secrets.*` findings.
    pub fingerprint: Option<String>,
}

impl Finding {
    /// The sort key that makes reports deterministic: path, line, rule, column, message.
    pub fn sort_key(&self) -> (&RepoPath, u32, &str, u32, &str) {
        (
            &self.path,
            self.line.map_or(0, Line::get),
            &self.rule,
            self.column.unwrap_or(0),
            &self.message,
        )
    }
}

/// A finding silenced by an inline comment, kept so that every report can count it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Suppressed {
    /// The rule id.
    pub rule: String,
    /// Repo-relative path.
    pub path: RepoPath,
    /// 1-based line, if any.
    pub line: Option<Line>,
    /// The reason written in the comment (may be empty).
    pub reason: String,
}

/// A finding accepted by a waiver in `.govern.yaml`, kept so that every report counts it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Waived {
    /// The rule id.
    pub rule: String,
    /// Repo-relative path.
    pub path: RepoPath,
    /// 1-based line, if any.
    pub line: Option<Line>,
    /// The waiver's reason.
    pub reason: String,
    /// The waiver's owner.
    pub owner: String,
    /// The waiver's last day, YYYY-MM-DD.
    pub expires: String,
}

/// Input that could not be checked (malformed YAML, a broken Dockerfile): reported with
/// its location and turned into exit code 2.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InputError {
    /// Repo-relative path.
    pub path: RepoPath,
    /// The line, `None` when the problem concerns the whole file.
    pub line: Option<Line>,
    /// What could not be understood.
    pub message: String,
}

/// A file passed over on purpose (a Helm template, a kustomize patch, a binary file).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Skipped {
    /// Repo-relative path.
    pub path: RepoPath,
    /// Why it was not checked.
    pub reason: String,
}
