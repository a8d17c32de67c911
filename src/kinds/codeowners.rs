//! CODEOWNERS: where GitHub and GitLab look for it, and its lines read into entries (a
//! path pattern or a GitLab section header, with the owners it lists). The repository
//! rule `structure.codeowners` judges them.

use std::sync::LazyLock;

use regex::Regex;

use crate::source::RepoView;

/// The places a CODEOWNERS file may live, in the order GitHub looks.
pub const LOCATIONS: &[&str] = &[".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS"];

/// The CODEOWNERS file of `repo`: the first of [`LOCATIONS`] present.
pub fn find(repo: &dyn RepoView) -> Option<&'static str> {
    LOCATIONS
        .iter()
        .copied()
        .find(|p| repo.contains(p.as_bytes()))
}

/// One line of a CODEOWNERS file that says something.
#[derive(Debug, PartialEq, Eq)]
pub struct Entry<'a> {
    /// 1-based line.
    pub line: u32,
    /// The path pattern as written (`\ ` escapes kept); `None` for a GitLab section
    /// header (`[Section]`, `^[Optional][2]`), whose owners are the section's defaults.
    pub pattern: Option<&'a str>,
    /// The owners as written, not yet validated.
    pub owners: Vec<&'a str>,
}

static SECTION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\^?\[[^\]]+\](?:\[[0-9]+\])?(?P<owners>(?:\s+\S+)*)$").expect("section regex")
});

/// The entries of `text`, in file order; comments and blank lines are left out.
pub fn parse(text: &str) -> Vec<Entry<'_>> {
    let mut out = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let t = strip_comment(raw).trim();
        if t.is_empty() {
            continue;
        }
        let line = i as u32 + 1;
        out.push(match SECTION.captures(t) {
            Some(c) => Entry {
                line,
                pattern: None,
                owners: c
                    .name("owners")
                    .map_or(Vec::new(), |m| m.as_str().split_whitespace().collect()),
            },
            None => {
                let mut parts = split_pattern(t);
                let pattern = parts.remove(0);
                Entry {
                    line,
                    pattern: Some(pattern),
                    owners: parts,
                }
            }
        });
    }
    out
}

/// Removes a `#` comment; `\#` at the start of a pattern is a literal `#`.
fn strip_comment(line: &str) -> &str {
    let bytes = line.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        if b == b'#' && (i == 0 || bytes[i - 1] != b'\\') {
            return &line[..i];
        }
    }
    line
}

/// Splits a rule line into the pattern (which may contain `\ ` escaped spaces) and owners.
fn split_pattern(line: &str) -> Vec<&str> {
    let bytes = line.as_bytes();
    let mut end = bytes.len();
    for (i, &b) in bytes.iter().enumerate() {
        if b.is_ascii_whitespace() && (i == 0 || bytes[i - 1] != b'\\') {
            end = i;
            break;
        }
    }
    let mut parts = vec![&line[..end]];
    parts.extend(line[end..].split_whitespace());
    parts
}

#[cfg(test)]
mod tests {
    use super::{parse, Entry};

    #[test]
    fn entries_of_github_and_gitlab_files() {
        let text = "# owners\n*  @acme/web  # the default\n\n[Docs][2] @acme/docs\n/my\\ dir/ a@b.io\n\\#notes @x\n";
        assert_eq!(
            parse(text),
            [
                Entry {
                    line: 2,
                    pattern: Some("*"),
                    owners: vec!["@acme/web"]
                },
                Entry {
                    line: 4,
                    pattern: None,
                    owners: vec!["@acme/docs"]
                },
                Entry {
                    line: 5,
                    pattern: Some("/my\\ dir/"),
                    owners: vec!["a@b.io"]
                },
                Entry {
                    line: 6,
                    pattern: Some("\\#notes"),
                    owners: vec!["@x"]
                },
            ]
        );
    }
}
