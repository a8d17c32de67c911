//! `structure.component-owners`: CODEOWNERS gives every monorepo component an owner, and
//! the owner (and backup) its metadata names are among them.

use ignore::gitignore::GitignoreBuilder;

use crate::components::MARKER;
use crate::finding::{RawFinding, Severity};
use crate::kinds::codeowners;
use crate::path::RepoPath;
use crate::rules::{Check, Ctx, Rule, RuleDoc};
use crate::source::RepoView;

/// The rule (seed 003 "Ownership Model": each service an owner and a backup, reviews by
/// "service owner OR backup"; GitHub CODEOWNERS, last matching pattern wins).
pub static RULE: Rule = Rule {
    id: crate::rules::RuleId::new("structure.component-owners"),
    severity: Severity::Error,
    version: 1,
    summary:
        "CODEOWNERS owns every monorepo component with the owner (and backup) its metadata names.",
    options: &crate::rules::NO_OPTIONS,
    doc: RuleDoc {
        what: "For each component (a directory below the root holding `.meta/repo.yaml`), reads \
the CODEOWNERS file GitHub would use and finds the owners of the component's files as GitHub \
does (the last matching pattern wins; a pattern without owners leaves files unowned). Reports \
a component no line owns, and an `owner` or `backup` from the component's metadata that is \
not among those owners. Without a CODEOWNERS file, `structure.codeowners` reports that.",
        why: "In a monorepo, CODEOWNERS is what routes a change to a service's team; when it \
names only the platform team (or another service's team), the accountable owner never sees \
the review that branch protection asks for, and the catalog's owner is fiction.",
        example: crate::rules::doc_files!(
            "structure.component-owners",
            "example",
            [".github/CODEOWNERS", "services/api/.meta/repo.yaml"]
        ),
        use_instead: crate::rules::doc_files!(
            "structure.component-owners",
            "use-instead",
            [".github/CODEOWNERS", "services/api/.meta/repo.yaml"]
        ),
        references: &[
            "seed 003: ownership model, code review requirements",
            "GitHub CODEOWNERS syntax (last match wins)",
        ],
    },
    check: Check::Component(check),
};

fn check(repo: &dyn RepoView, dir: &str, _ctx: &Ctx) -> Vec<(RepoPath, RawFinding)> {
    let Some(found) = codeowners::find(repo) else {
        return Vec::new();
    };
    let text =
        String::from_utf8_lossy(&repo.read(found.as_bytes()).unwrap_or_default()).into_owned();
    let meta_path = format!("{dir}/{MARKER}");
    let (owner, backup) = metadata_owners(repo, &meta_path);
    let at = |line: Option<u32>, message: String, help: String| {
        (
            RepoPath::from_bytes(found),
            RawFinding::new(RULE.id, line, message, help),
        )
    };
    let Some((line, owners)) = effective_owners(&text, &meta_path) else {
        let suggest = [owner.as_deref(), backup.as_deref()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ");
        return vec![at(
            None,
            format!("no line of {found} owns the component {dir}/"),
            format!(
                "Add a line for it, e.g. `/{dir}/ {}`.",
                if suggest.is_empty() {
                    "@org/team"
                } else {
                    &suggest
                }
            ),
        )];
    };
    let mut out = Vec::new();
    for (role, who) in [("owner", owner), ("backup", backup)] {
        let Some(who) = who else { continue };
        if !owners.iter().any(|o| o.eq_ignore_ascii_case(&who)) {
            out.push(at(
                Some(line),
                format!(
                    "the {role} {who} of {dir} ({meta_path}) is not among the owners {found} gives it ({})",
                    owners.join(" ")
                ),
                format!(
                    "Add {who} to line {line} of {found}, or a line `/{dir}/ {}` below it; or correct `{role}:` in {meta_path}.",
                    std::iter::once(who.as_str())
                        .chain(owners.iter().map(String::as_str))
                        .collect::<Vec<_>>()
                        .join(" ")
                ),
            ));
        }
    }
    out
}

/// The owners CODEOWNERS gives `path` and the line that gives them: the last line whose
/// pattern matches (`None` when none does, or the last one names no owner).
fn effective_owners(text: &str, path: &str) -> Option<(u32, Vec<String>)> {
    let mut found = None;
    for entry in codeowners::parse(text) {
        let Some(pattern) = entry.pattern else {
            continue;
        };
        let mut b = GitignoreBuilder::new("");
        if b.add_line(None, pattern).is_err() {
            continue;
        }
        let Ok(matcher) = b.build() else { continue };
        if matcher.matched_path_or_any_parents(path, false).is_ignore() {
            found = Some((
                entry.line,
                entry.owners.iter().map(|o| o.to_string()).collect(),
            ));
        }
    }
    found.filter(|(_, owners): &(u32, Vec<String>)| !owners.is_empty())
}

/// The `owner` and `backup` of a component's metadata, when it parses.
fn metadata_owners(repo: &dyn RepoView, path: &str) -> (Option<String>, Option<String>) {
    let doc = repo
        .read(path.as_bytes())
        .and_then(|b| crate::yaml::parse_stream(&String::from_utf8_lossy(&b)).ok())
        .and_then(|d| d.into_iter().next());
    let field = |name: &str| {
        doc.as_ref()?
            .value
            .get(name)?
            .as_str()
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
    };
    (field("owner"), field("backup"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn last_matching_pattern_wins() {
        let text =
            "* @acme/platform\n/services/ @acme/backend\nservices/api/ @acme/api\n/services/web/\n";
        assert_eq!(
            effective_owners(text, "services/api/.meta/repo.yaml"),
            Some((3, vec!["@acme/api".to_string()]))
        );
        assert_eq!(
            effective_owners(text, "services/cart/.meta/repo.yaml"),
            Some((2, vec!["@acme/backend".to_string()]))
        );
        assert_eq!(effective_owners(text, "services/web/.meta/repo.yaml"), None);
        assert_eq!(
            effective_owners("docs/ @d\n", "pkg/x/.meta/repo.yaml"),
            None
        );
    }
}
