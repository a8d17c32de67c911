//! Inline suppressions: `# govern:ignore <rule-id>[,<rule-id>…] <reason>`.
//!
//! The comment may open with `#`, `//`, `/*`, `<!--`, `--` or `;`. A comment covers a finding when it stands on the finding's line or in the block of
//! comment lines directly above it, or likewise at one of the finding's anchor lines (for
//! manifests: the container item and the first line of the workload object). `<rule-id>` may be a family wildcard (`docker.*`).
//! Suppressed findings are marked, not dropped, so every report can count them.

use crate::finding::RawFinding;

const MARKER: &str = "govern:ignore";

/// Comment openers a suppression may follow: YAML, Dockerfile, shell and Python use `#`;
/// the others let `secrets.*` findings be suppressed in any source file.
const COMMENT_OPENERS: &[&str] = &["#", "//", "/*", "<!--", "--", ";"];

/// Where the comment holding the marker starts, if the marker is in a comment.
fn comment_start(line: &str) -> Option<usize> {
    let at = line.find(MARKER)?;
    COMMENT_OPENERS
        .iter()
        .filter_map(|o| line[..at].find(o))
        .min()
}

/// Whether the whole line is a comment.
fn is_comment_line(line: &str) -> bool {
    let t = line.trim_start();
    COMMENT_OPENERS.iter().any(|o| t.starts_with(o))
}

/// Parses the suppression in one line, if any: (rule patterns, reason).
fn parse(line: &str) -> Option<(Vec<&str>, &str)> {
    let start = comment_start(line)?;
    let comment = &line[start..];
    let at = comment.find(MARKER)?;
    let rest = comment[at + MARKER.len()..].trim();
    let (ids, reason) = match rest.find(char::is_whitespace) {
        Some(p) => (&rest[..p], rest[p..].trim()),
        None => (rest, ""),
    };
    if ids.is_empty() {
        return None;
    }
    Some((ids.split(',').filter(|s| !s.is_empty()).collect(), reason))
}

/// Whether a rule pattern (an id, or a family wildcard such as `docker.*`) names `rule`.
pub fn covers(pattern: &str, rule: &str) -> bool {
    match pattern.strip_suffix(".*") {
        Some(family) => rule
            .strip_prefix(family)
            .is_some_and(|r| r.starts_with('.')),
        None => pattern == rule,
    }
}

/// Marks the findings of `text` that an inline comment suppresses (sets `suppressed`).
pub fn apply(text: &str, findings: &mut [RawFinding]) {
    if !text.contains(MARKER) {
        return;
    }
    let lines: Vec<&str> = text.lines().collect();
    for f in findings.iter_mut() {
        let Some(line) = f.line else { continue };
        let mut candidates = Vec::new();
        for l in std::iter::once(line.get()).chain(f.anchors.iter().copied()) {
            // An anchor of 0 (no line) or past the end covers nothing.
            let Some(idx) = (l as usize).checked_sub(1).filter(|i| *i < lines.len()) else {
                continue;
            };
            candidates.push(lines[idx]);
            let mut j = idx;
            while j > 0 && is_comment_line(lines[j - 1]) {
                j -= 1;
                candidates.push(lines[j]);
            }
        }
        for c in candidates {
            if let Some((ids, reason)) = parse(c) {
                if ids.iter().any(|p| covers(p, &f.rule)) {
                    f.suppressed = Some(reason.to_string());
                    break;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_line_above_and_family() {
        let text = "FROM a\n# govern:ignore docker.user-not-root base image is distroless\nUSER root\nx: 1 # govern:ignore k8s.* demo\n";
        let mut f = vec![
            RawFinding::new("docker.user-not-root", Some(3), "m", "h"),
            RawFinding::new("k8s.probes", Some(4), "m", "h"),
            RawFinding::new("docker.healthcheck", Some(3), "m", "h"),
        ];
        apply(text, &mut f);
        assert_eq!(f[0].suppressed.as_deref(), Some("base image is distroless"));
        assert_eq!(f[1].suppressed.as_deref(), Some("demo"));
        assert_eq!(f[2].suppressed, None);
    }
}
