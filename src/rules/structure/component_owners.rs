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
    options: &crate::rules::Typed::<Options>::NEW,
    doc: RuleDoc {
        what: "For each component (a directory below the root holding `.meta/repo.yaml`), reads \
the CODEOWNERS file GitHub would use and finds the owners of the component's files as GitHub \
does (the last matching pattern wins; a pattern without owners leaves files unowned). Reports \
a component no line owns, and an `owner` or `backup` from the component's metadata that is \
not among those owners. Without a CODEOWNERS file, `structure.codeowners` reports that.\n\
Shared paths without metadata of their own (seed 003's `pkg/`, `api/`, `configs/`) are \
listed in the option `shared` (`[{path, owner, backup, approval_required}]`) and judged the \
same way.",
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

/// Options of `structure.component-owners`.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Options {
    /// Shared paths that have no metadata of their own, with their owners (seed 003's
    /// `shared_components`).
    pub shared: Vec<SharedPath>,
}

/// A shared path and who owns it.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SharedPath {
    /// The directory, repo-relative (`pkg/` or `pkg`).
    pub path: String,
    /// Its owner (`@org/team`).
    pub owner: String,
    /// Its backup owner.
    #[serde(default)]
    pub backup: Option<String>,
    /// Approvals a change needs (shown; GitHub's branch protection enforces it).
    #[serde(default)]
    pub approval_required: Option<u32>,
}

impl SharedPath {
    /// The directory without a trailing '/'.
    pub fn dir(&self) -> &str {
        self.path.trim_end_matches('/')
    }
}

fn check(repo: &dyn RepoView, dir: &str, ctx: &Ctx) -> Vec<(RepoPath, RawFinding)> {
    let Some(found) = codeowners::find(repo) else {
        return Vec::new();
    };
    let text =
        String::from_utf8_lossy(&repo.read(found.as_bytes()).unwrap_or_default()).into_owned();
    // GitHub routes a directory by its files: the metadata file stands for them.
    let probe = format!("{dir}/{MARKER}");
    let meta_path = probe.clone();
    let opts: &Options = ctx.options();
    let (owner, backup, meta_path) = match opts.shared.iter().find(|s| s.dir() == dir) {
        Some(s) if !repo.contains(meta_path.as_bytes()) => (
            Some(s.owner.clone()),
            s.backup.clone(),
            "the `shared` option of structure.component-owners".to_string(),
        ),
        _ => {
            let (o, b) = metadata_owners(repo, &meta_path);
            (o, b, meta_path)
        }
    };
    let at = |line: Option<u32>, message: String, help: String| {
        (
            RepoPath::from_bytes(found),
            RawFinding::new(RULE.id, line, message, help),
        )
    };
    let Some((line, owners)) = effective_owners(&text, &probe) else {
        let suggest = [owner.as_deref(), backup.as_deref()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ");
        return vec![at(
            None,
            format!("no line of {found} owns {dir}/"),
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
                    "the {role} {who} of {dir} (from {meta_path}) is not among the owners {found} gives it ({})",
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
