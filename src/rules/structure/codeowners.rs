//! `structure.codeowners`: a CODEOWNERS file exists, parses and names valid owners,
//! including the owner of `.meta/repo.yaml`.

use std::sync::LazyLock;

use regex::Regex;

use crate::finding::{RawFinding, Severity};
use crate::kinds::codeowners;
use crate::kinds::metadata::PATH as METADATA_PATH;
use crate::path::RepoPath;
use crate::rules::{Check, Ctx, Rule, RuleDoc};
use crate::source::RepoView;

/// The rule (seed 003 "Pull Request Process" reviews by owners; seed 000 metadata
/// `owner`; GitHub and GitLab CODEOWNERS; OpenSSF Scorecard Code-Review).
pub static RULE: Rule = Rule {
    id: crate::rules::RuleId::new("structure.codeowners"),
    severity: Severity::Error,
    version: 2,
    summary: "A CODEOWNERS file (root, .github/ or docs/) names valid owners, the metadata owner among them.",
    options: &crate::rules::NO_OPTIONS,
    doc: RuleDoc {
        what: "Looks for CODEOWNERS where GitHub does, in its order: `.github/CODEOWNERS`, \
`CODEOWNERS`, `docs/CODEOWNERS`, and checks the first one found:\n\
- every rule line is a path pattern followed by owners, each `@user`, `@org/team` or an \
e-mail address (GitLab `[Section]` headers and their default owners are understood);\n\
- no pattern starts with `!` (negation is not supported: the line would be ignored);\n\
- at least one line names an owner;\n\
- when `.meta/repo.yaml` has an `owner`, that owner appears in the file (compared \
case-insensitively).",
        why: "CODEOWNERS is what routes reviews to the people accountable for the code and what \
branch protection's \"require review from code owners\" enforces. A typo in an owner makes \
GitHub silently ignore the line, and a file that disagrees with the catalog's owner sends \
reviews to the wrong team.",
        example: crate::rules::doc_files!("structure.codeowners", "example", [".github/CODEOWNERS"]),
        use_instead: crate::rules::doc_files!("structure.codeowners", "use-instead", [".github/CODEOWNERS"]),
        references: &[
            "seed 003: pull request process, reviews",
            "seed 000: .meta/repo.yaml owner",
            "GitHub CODEOWNERS syntax",
            "OpenSSF Scorecard Code-Review",
        ],
    },
    check: Check::Repo(check),
};

pub use crate::kinds::codeowners::LOCATIONS;

static OWNER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:/[A-Za-z0-9][A-Za-z0-9._-]*)?|[^@\s]+@[^@\s]+\.[^@\s]+)$")
        .expect("owner regex")
});

fn finding(line: Option<u32>, message: String, help: &str) -> RawFinding {
    RawFinding::new(RULE.id, line, message, help)
}

fn check(repo: &dyn RepoView, _ctx: &Ctx) -> Vec<(RepoPath, RawFinding)> {
    let Some(found) = codeowners::find(repo) else {
        return vec![(
            RepoPath::from_bytes("CODEOWNERS"),
            finding(
                None,
                "the repository has no CODEOWNERS file (looked in .github/, the root and docs/)"
                    .into(),
                "Add .github/CODEOWNERS with a line such as `* @org/team` naming the owning team.",
            ),
        )];
    };
    let path = RepoPath::from_bytes(found);
    let text =
        String::from_utf8_lossy(&repo.read(found.as_bytes()).unwrap_or_default()).into_owned();
    let mut out = Vec::new();
    let mut owners: Vec<String> = Vec::new();
    for entry in codeowners::parse(&text) {
        let line = Some(entry.line);
        if let Some(pattern) = entry.pattern.filter(|p| p.starts_with('!')) {
            out.push(finding(
                line,
                format!("the pattern {pattern:?} starts with `!`: CODEOWNERS has no negation and ignores the line"),
                "List the paths that need other owners on their own lines below, with those owners.",
            ));
        }
        for o in entry.owners {
            if OWNER.is_match(o) {
                owners.push(o.to_string());
            } else {
                out.push(finding(
                    line,
                    format!("{o:?} is not a valid owner"),
                    "Write owners as @user, @org/team or an e-mail address; GitHub ignores the whole line otherwise.",
                ));
            }
        }
    }
    if owners.is_empty() && out.is_empty() {
        out.push(finding(
            None,
            format!("{found} names no owners"),
            "Add a line such as `* @org/team`.",
        ));
    }
    if let Some(owner) = metadata_owner(repo) {
        if !OWNER.is_match(&owner) {
            // meta.schema reports the value itself; suggesting it for CODEOWNERS would give
            // a line GitHub ignores.
            out.push(finding(
                None,
                format!("the owner {owner:?} from {METADATA_PATH} is no @user, @org/team or e-mail, so {found} cannot name it"),
                &format!("Correct `owner:` in {METADATA_PATH} to the owning team as GitHub names it (`owner: \"@org/team\"`), and list that team in {found} (`* @org/team`)."),
            ));
        } else if !owners.iter().any(|o| o.eq_ignore_ascii_case(&owner)) {
            out.push(finding(
                None,
                format!("the owner {owner} from {METADATA_PATH} does not appear in {found}"),
                &format!("Add {owner} to {found} (e.g. `* {owner}`), or correct the owner in {METADATA_PATH}."),
            ));
        }
    }
    out.into_iter().map(|f| (path.clone(), f)).collect()
}

/// The `owner` of `.meta/repo.yaml`, when the file parses and has one.
fn metadata_owner(repo: &dyn RepoView) -> Option<String> {
    let bytes = repo.read(METADATA_PATH.as_bytes())?;
    let docs = crate::yaml::parse_stream(&String::from_utf8_lossy(&bytes)).ok()?;
    let owner = docs
        .first()?
        .value
        .get("owner")?
        .as_str()?
        .trim()
        .to_string();
    (!owner.is_empty()).then_some(owner)
}
