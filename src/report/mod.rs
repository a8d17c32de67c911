//! Report: an [`Outcome`] rendered in one of the output formats.
//!
//! Every format is deterministic: findings are sorted, nothing depends on time, and only
//! the JSON `summary.cache_hits` field tells a cached run from an uncached one.

pub mod github;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod portfolio;
pub mod sarif;
pub mod text;

use crate::engine::Outcome;

/// The output formats of `git govern check`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Findings grouped by file, for people.
    Text,
    /// `schemas/report.schema.json`, for tools.
    Json,
    /// A summary and a table, for pull-request comments.
    Markdown,
    /// GitHub Actions workflow commands (annotations).
    Github,
    /// SARIF 2.1.0, for GitHub code scanning.
    Sarif,
    /// JUnit XML, for CI test tabs.
    Junit,
}

/// How a report is rendered besides its format.
#[derive(Debug, Clone, Default)]
pub struct Style {
    /// ANSI colours (text only).
    pub color: bool,
    /// Repo-relative paths a pull request changes: their findings are annotated first
    /// (github only, which GitHub caps at 10 annotations per level).
    pub changed: std::collections::BTreeSet<String>,
}

/// Renders `outcome` as `format` in `style`.
pub fn render(outcome: &Outcome, format: Format, style: &Style) -> String {
    match format {
        Format::Text => text::render(outcome, style.color),
        Format::Json => json::render(outcome),
        Format::Markdown => markdown::render(outcome),
        Format::Github => github::render(outcome, &style.changed),
        Format::Sarif => sarif::render(outcome),
        Format::Junit => junit::render(outcome),
    }
}

pub use crate::words::plural;

/// What a run checked, for summary lines: "3 files", "1 commit message", "2 files, 1 branch
/// name" (files are named when some were checked or nothing else was).
pub fn checked(o: &Outcome) -> String {
    let mut parts = Vec::new();
    if o.files_checked > 0 || (o.commits_checked == 0 && o.branches_checked == 0) {
        parts.push(plural(o.files_checked, "file"));
    }
    if o.commits_checked > 0 {
        parts.push(plural(o.commits_checked, "commit message"));
    }
    if o.branches_checked > 0 {
        parts.push(plural(o.branches_checked, "branch name"));
    }
    parts.join(", ")
}
