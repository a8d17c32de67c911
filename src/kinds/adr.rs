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
    /// The title: `#`s, surrounding spaces, HTML comments (`<!-- optional -->`), a leading
    /// section number (`2.`, `2.1`) and a trailing `:` removed.
    pub title: String,
}

/// Where an ADR states its status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StatusSource {
    /// `status:` in YAML front matter (MADR 3 and 4).
    FrontMatter,
    /// A `- Status: …` list item before the first section (MADR 2, log4brains).
    ListItem,
    /// A bare `Status: …` line before the first section (some Nygard variants).
    Line,
    /// The first line under a `Status` heading (Nygard, adr-tools, seed 003).
    Heading,
}

/// The status an ADR states, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    /// 1-based line of the status (of the heading, for [`StatusSource::Heading`]).
    pub line: u32,
    /// The text as written, trimmed; `None` when the heading or field is empty.
    pub text: Option<String>,
    /// Where it was found.
    pub source: StatusSource,
}

/// An ADR: its lines, headings (any level; none inside fenced code blocks), front matter
/// keys and status.
#[derive(Debug, Clone)]
pub struct Adr {
    /// The lines of the text.
    pub lines: Vec<String>,
    /// The headings, in order.
    pub headings: Vec<Heading>,
    /// The top-level keys of YAML front matter (a leading `---` block), lower-cased.
    pub front_matter: Vec<String>,
    /// The status, from front matter, a status line or a Status heading (first found, in
    /// that order).
    pub status: Option<Status>,
    /// Keys of `Key: value` lines (bare or list items) before the first `##` heading,
    /// lower-cased (`status`, `date`, `deciders`, `tags`).
    pub fields: Vec<String>,
}

impl Adr {
    /// Reads Markdown text.
    pub fn parse(text: &str) -> Adr {
        let lines: Vec<String> = text.lines().map(str::to_string).collect();
        let (front, body_start) = front_matter(&lines);
        let headings = headings(&lines, body_start);
        let first_section = headings
            .iter()
            .find(|h| h.line > 1 && heading_level(&lines, h) >= 2)
            .map_or(lines.len(), |h| h.line as usize - 1);
        let fields = field_lines(
            &lines[body_start.min(first_section)..first_section],
            body_start,
        );
        let mut adr = Adr {
            front_matter: front.iter().map(|(k, _, _)| k.clone()).collect(),
            lines,
            headings,
            status: None,
            fields: fields.iter().map(|(k, _, _, _)| k.clone()).collect(),
        };
        let from_front = front.into_iter().find(|(k, _, _)| k == "status");
        let from_line = fields.into_iter().find(|(k, _, _, _)| k == "status");
        adr.status = match (from_front, from_line) {
            (Some((_, text, line)), _) => Some(status(line, text, StatusSource::FrontMatter)),
            (None, Some((_, text, line, list))) => Some(status(
                line,
                text,
                if list {
                    StatusSource::ListItem
                } else {
                    StatusSource::Line
                },
            )),
            (None, None) => adr.heading("status").map(|h| Status {
                line: h.line,
                text: adr.first_line_under(h).map(str::to_string),
                source: StatusSource::Heading,
            }),
        };
        adr
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
            .find(|l| !l.is_empty() && !l.starts_with("<!--"))
    }
}

fn status(line: u32, text: String, source: StatusSource) -> Status {
    let text = text.trim().trim_matches(|c| c == '"' || c == '\'').trim();
    Status {
        line,
        text: (!text.is_empty()).then(|| text.to_string()),
        source,
    }
}

/// The number of `#`s of `h`.
fn heading_level(lines: &[String], h: &Heading) -> usize {
    let t = lines[h.line as usize - 1].trim_start();
    t.len() - t.trim_start_matches('#').len()
}

/// `(key, value, line)` of the top-level `key: value` lines of a leading `---` … `---`
/// block, and the index of the first line after it (0 without front matter).
fn front_matter(lines: &[String]) -> (Vec<(String, String, u32)>, usize) {
    if lines.first().map(|l| l.trim_end()) != Some("---") {
        return (Vec::new(), 0);
    }
    let Some(end) = lines.iter().skip(1).position(|l| {
        let l = l.trim_end();
        l == "---" || l == "..."
    }) else {
        return (Vec::new(), 0);
    };
    let block = &lines[1..=end];
    let pairs = block
        .iter()
        .enumerate()
        .filter(|(_, l)| !l.starts_with([' ', '\t', '#', '-']))
        .filter_map(|(i, l)| {
            let (k, v) = l.split_once(':')?;
            Some((k.trim().to_ascii_lowercase(), v.to_string(), i as u32 + 2))
        })
        .collect();
    (pairs, end + 2)
}

/// The headings of `lines` from index `from`, outside fenced code blocks.
fn headings(lines: &[String], from: usize) -> Vec<Heading> {
    let mut out = Vec::new();
    let mut in_fence = false;
    for (i, line) in lines.iter().enumerate().skip(from) {
        let t = line.trim_start();
        if t.starts_with("```") || t.starts_with("~~~") {
            in_fence = !in_fence;
            continue;
        }
        if !in_fence && t.starts_with('#') {
            let title = without_comments(t.trim_start_matches('#'));
            let title = title
                .trim()
                .trim_start_matches(|c: char| c.is_ascii_digit() || c == '.')
                .trim()
                .trim_end_matches(':')
                .trim();
            out.push(Heading {
                line: i as u32 + 1,
                title: title.to_string(),
            });
        }
    }
    out
}

/// `text` without `<!-- … -->` comments.
fn without_comments(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("<!--") {
        out.push_str(&rest[..start]);
        rest = rest[start..]
            .find("-->")
            .map_or("", |end| &rest[start + end + 3..]);
    }
    out.push_str(rest);
    out
}

/// `(key, value, line, list item)` of `Key: value` lines in `lines` (which start at 0-based
/// index `offset` of the file): bare, as list items (`- `, `* `) or with the key in bold
/// (`**Status**: x`, `**Status:** x`).
fn field_lines(lines: &[String], offset: usize) -> Vec<(String, String, u32, bool)> {
    lines
        .iter()
        .enumerate()
        .filter_map(|(i, l)| {
            let t = l.trim_start();
            let item = t.strip_prefix("- ").or_else(|| t.strip_prefix("* "));
            let list = item.is_some();
            let t = item.unwrap_or(t).trim_start();
            let (k, v) = t.split_once(':')?;
            let k = k.trim().trim_matches('*').trim();
            if k.is_empty()
                || k.len() > 24
                || !k
                    .chars()
                    .all(|c| c.is_alphanumeric() || c == ' ' || c == '-')
            {
                return None;
            }
            let v = without_comments(v.trim_start_matches('*'));
            Some((k.to_ascii_lowercase(), v, (offset + i) as u32 + 1, list))
        })
        .collect()
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
