//! `structure.required-files`: files every repository must have.

use globset::{GlobBuilder, GlobMatcher};

use crate::finding::{RawFinding, Severity};
use crate::path::RepoPath;
use crate::rules::{Check, Ctx, Rule, RuleDoc};
use crate::source::RepoView;

/// The rule (seed 000 "Repository structure"; seed 002 project template "README.md"; seed
/// 003 required service documentation; repolinter file-existence).
pub static RULE: Rule = Rule {
    id: crate::rules::RuleId::new("structure.required-files"),
    severity: Severity::Error,
    version: 1,
    summary: "Required files (README.md by default) exist.",
    options: &crate::rules::Typed::<Options>::NEW,
    doc: RuleDoc {
        what: "Each entry of `files` is a repo-relative path or glob, matched case-insensitively; \
write alternatives with `{}` (e.g. `README{.md,.rst}`). A finding names each entry no file \
matches.",
        why: "Missing entry points (README, CODEOWNERS, a license) make a repository hard to \
adopt, review and audit.",
        example: crate::rules::doc_files!("structure.required-files", "example", ["src/main.go"]),
        use_instead: crate::rules::doc_files!(
            "structure.required-files",
            "use-instead",
            ["README.md", "src/main.go"]
        ),
        references: &[
            "seed 000: repository structure",
            "seed 002: project template",
            "repolinter file-existence",
        ],
    },
    check: Check::Repo(check),
};

/// Options of `structure.required-files`.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Options {
    /// Files (or globs) that must exist.
    pub files: Vec<String>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            files: vec!["README.md".into()],
        }
    }
}

fn matcher(pattern: &str) -> Option<GlobMatcher> {
    GlobBuilder::new(pattern)
        .case_insensitive(true)
        .literal_separator(true)
        .build()
        .ok()
        .map(|g| g.compile_matcher())
}

fn check(repo: &dyn RepoView, ctx: &Ctx) -> Vec<(RepoPath, RawFinding)> {
    let mut out = Vec::new();
    let top = repo.top_level();
    for pattern in &ctx.options::<Options>().files {
        let Some(m) = matcher(pattern) else {
            out.push((
                RepoPath::from_bytes(pattern.as_bytes()),
                RawFinding::new(
                    RULE.id,
                    None,
                    format!("{pattern:?} is not a valid glob"),
                    "Fix the pattern in .govern.yaml.",
                ),
            ));
            continue;
        };
        let found = if pattern.contains('/') {
            let dir = pattern.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
            let literal = !dir.contains(['*', '?', '[', '{']);
            if literal {
                repo.list(dir.as_bytes())
                    .iter()
                    .any(|p| m.is_match(p.display().as_ref()))
            } else {
                repo.contains(pattern.as_bytes())
            }
        } else {
            top.iter().any(|p| m.is_match(p.display().as_ref()))
        };
        if !found {
            out.push((
                RepoPath::from_bytes(pattern.as_bytes()),
                RawFinding::new(
                    RULE.id,
                    None,
                    format!("required file {pattern} is missing"),
                    format!("Add {pattern} to the repository."),
                ),
            ));
        }
    }
    out
}
