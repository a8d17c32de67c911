//! `meta.present`: the repository has `.meta/repo.yaml`.

use crate::finding::{RawFinding, Severity};
use crate::kinds::metadata::PATH as METADATA_PATH;
use crate::path::RepoPath;
use crate::rules::{Check, Ctx, Rule, RuleDoc};
use crate::source::RepoView;

/// The rule (seed 000: catalog.py reads `.meta/repo.yaml` of every repository; Backstage
/// `catalog-info.yaml` plays the same part).
pub static RULE: Rule = Rule {
    id: crate::rules::RuleId::new("meta.present"),
    severity: Severity::Error,
    version: 1,
    summary: "The repository has a .meta/repo.yaml metadata file.",
    options: &crate::rules::NO_OPTIONS,
    doc: RuleDoc {
        what: "Reports a repository whose file list has no `.meta/repo.yaml`.",
        why: "The portfolio catalog, ownership, tiering and the SLO and ADR rules all start from \
this file; a repository without it is invisible to governance.",
        example: crate::rules::doc_files!("meta.present", "example", ["README.md", "src/main.go"]),
        use_instead: crate::rules::doc_files!(
            "meta.present",
            "use-instead",
            [".meta/repo.yaml", "README.md", "src/main.go"]
        ),
        references: &[
            "seed 000 and 001: .meta/repo.yaml, catalog.py",
            "Backstage catalog-info.yaml",
        ],
    },
    check: Check::Repo(check),
};

fn check(repo: &dyn RepoView, _ctx: &Ctx) -> Vec<(RepoPath, RawFinding)> {
    if repo.contains(METADATA_PATH.as_bytes()) {
        return Vec::new();
    }
    if repo.unstaged(METADATA_PATH.as_bytes()) {
        return vec![(
            RepoPath::from_bytes(METADATA_PATH),
            RawFinding::new(
                RULE.id,
                None,
                "the repository's .meta/repo.yaml exists but is not staged",
                "Stage it with the commit: `git add .meta/repo.yaml`.",
            ),
        )];
    }
    vec![(
        RepoPath::from_bytes(METADATA_PATH),
        RawFinding::new(
            RULE.id,
            None,
            "the repository has no .meta/repo.yaml",
            "Create .meta/repo.yaml with name, type, language, tier, owner and lifecycle (`git govern explain meta.schema` shows the fields).",
        ),
    )]
}
