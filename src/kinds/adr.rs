//! Architecture decision records: Markdown files directly in an ADR directory (seed 003),
//! other than a README, an index or a template, read into their headings and lines.

use super::{FileKind, Kind, Name, ParseFailure, Parsed, ReadCtx};

/// Directories where ADRs are looked for, unless `adr.*` options name others.
pub const DEFAULT_DIRS: &[&str] = &[
    "docs/adr",
    "doc/adr",
    "adr",
    "docs/decisions",
    "docs/architecture/decisions",
];

/// The ADR kind.
pub static KIND: Kind = Kind {
    kind: FileKind::Adr,
    matches,
    read,
    policy_input: false,
};

fn matches(name: &Name) -> bool {
    let n = name.lower;
    n.ends_with(b".md")
        && !matches!(n, b"readme.md" | b"index.md" | b"template.md")
        && name
            .adr_dirs
            .iter()
            .any(|d| name.path.parent() == d.as_bytes())
}

fn read(text: &str, _: &ReadCtx) -> Result<Parsed, ParseFailure> {
    Ok(Parsed::Adr(Adr::parse(text)))
}

/// A heading of an ADR.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Heading {
    /// 1-based line.
    pub line: u32,
    /// The title: `#`s, surrounding spaces and a trailing `:` removed.
    pub title: String,
}

/// An ADR: its lines and its headings (any level; none inside fenced code blocks).
#[derive(Debug, Clone)]
pub struct Adr {
    /// The lines of the text.
    pub lines: Vec<String>,
    /// The headings, in order.
    pub headings: Vec<Heading>,
}

impl Adr {
    /// Reads Markdown text.
    pub fn parse(text: &str) -> Adr {
        let mut headings = Vec::new();
        let mut in_fence = false;
        for (i, line) in text.lines().enumerate() {
            let t = line.trim_start();
            if t.starts_with("```") || t.starts_with("~~~") {
                in_fence = !in_fence;
                continue;
            }
            if !in_fence && t.starts_with('#') {
                let title = t.trim_start_matches('#').trim().trim_end_matches(':');
                headings.push(Heading {
                    line: i as u32 + 1,
                    title: title.to_string(),
                });
            }
        }
        Adr {
            lines: text.lines().map(str::to_string).collect(),
            headings,
        }
    }

    /// The first heading titled `title` (case-insensitive).
    pub fn heading(&self, title: &str) -> Option<&Heading> {
        self.headings
            .iter()
            .find(|h| h.title.eq_ignore_ascii_case(title))
    }

    /// The first non-empty line under `heading`, before the next heading, trimmed.
    pub fn first_line_under(&self, heading: &Heading) -> Option<&str> {
        self.lines
            .iter()
            .skip(heading.line as usize)
            .map(|l| l.trim())
            .take_while(|l| !l.starts_with('#'))
            .find(|l| !l.is_empty())
    }
}

/// The ADR files of `repo`: the Markdown files directly in one of `dirs` (repo-relative,
/// as [`crate::rules::adr::dirs`] gives them) that [`KIND`] takes for ADRs, sorted.
pub fn files(repo: &dyn crate::source::RepoView, dirs: &[String]) -> Vec<crate::path::RepoPath> {
    let mut out: Vec<crate::path::RepoPath> = dirs
        .iter()
        .flat_map(|d| repo.list(d.as_bytes()))
        .filter(|p| super::classify(p, dirs) == Some(super::FileKind::Adr))
        .collect();
    out.sort();
    out.dedup();
    out
}
