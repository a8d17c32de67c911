//! `branch.naming`: pushed branch names follow seed 003's branch strategy.

use regex::Regex;

use crate::finding::{RawFinding, Severity};
use crate::rules::{Check, Ctx, Rule, RuleDoc};

/// The rule (seed 003 "Branch Strategy": `main`, `develop`, `feature/{ticket-id}-{description}`,
/// `fix/{ticket-id}-{description}`, `release/{version}`).
pub static RULE: Rule = Rule {
    id: crate::rules::RuleId::new("branch.naming"),
    severity: Severity::Error,
    version: 1,
    summary: "Pushed branches are named main, develop, feature/<ticket>-<desc>, fix/<ticket>-<desc> or release/<version>.",
    options: &crate::rules::Typed::<Options>::NEW,
    doc: RuleDoc {
        what: "Checks the name of every branch a `git push` creates or updates on the remote \
(the pre-push hook) against `patterns`. A pattern matches the whole name; `{name}` stands for \
the regular expression `placeholders.name` and `*` for any text. Deleting a branch and \
pushing tags are not checked.",
        why: "Branch names carry the ticket that explains the work and tell CI and reviewers \
which flow a branch belongs to (feature, fix, release); branches named `test2` or `wip` \
escape both.",
        example: crate::rules::doc_files!("branch.naming", "example", ["branches"]),
        use_instead: crate::rules::doc_files!("branch.naming", "use-instead", ["branches"]),
        references: &["seed 003: Development Workflows, Branch Strategy"],
    },
    check: Check::Branch(check),
};

/// Options of `branch.naming`.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Options {
    /// Allowed names: literal text, `{placeholder}`s and `*`.
    pub patterns: Vec<String>,
    /// What each `{placeholder}` stands for, as a regular expression.
    pub placeholders: std::collections::BTreeMap<String, String>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            patterns: vec![
                "main".into(),
                "develop".into(),
                "feature/{ticket-id}-{description}".into(),
                "fix/{ticket-id}-{description}".into(),
                "release/{version}".into(),
            ],
            placeholders: [
                ("ticket-id", "[A-Za-z][A-Za-z0-9]+-[0-9]+|[0-9]+"),
                ("description", "[a-z0-9]+(?:[-_.][a-z0-9]+)*"),
                (
                    "version",
                    r"v?[0-9]+\.[0-9]+(?:\.[0-9]+)?(?:-[0-9A-Za-z.-]+)?",
                ),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        }
    }
}

/// Turns a pattern with `{placeholder}`s and `*` into an anchored regular expression.
fn compile(pattern: &str, ctx: &Ctx) -> Result<Regex, String> {
    let mut re = String::from("^(?:");
    let mut rest = pattern;
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix('{') {
            let end = after
                .find('}')
                .ok_or_else(|| format!("pattern {pattern:?} has an unclosed `{{`"))?;
            let name = &after[..end];
            let body = ctx
                .options::<Options>()
                .placeholders
                .get(name)
                .ok_or_else(|| {
                    format!(
                        "pattern {pattern:?} uses {{{name}}}, which `placeholders` does not define"
                    )
                })?;
            re.push_str(&format!("(?:{body})"));
            rest = &after[end + 1..];
        } else if let Some(after) = rest.strip_prefix('*') {
            re.push_str(".+");
            rest = after;
        } else {
            let c = rest.chars().next().expect("non-empty");
            re.push_str(&regex::escape(&c.to_string()));
            rest = &rest[c.len_utf8()..];
        }
    }
    re.push_str(")$");
    Regex::new(&re).map_err(|e| format!("pattern {pattern:?} is not valid: {e}"))
}

/// Checks one branch name (without `refs/heads/`).
fn check(branch: &str, ctx: &Ctx) -> Vec<RawFinding> {
    let patterns = &ctx.options::<Options>().patterns;
    let mut matched = false;
    for p in patterns {
        match compile(p, ctx) {
            Ok(re) => matched |= re.is_match(branch),
            Err(e) => {
                return vec![RawFinding::new(
                    RULE.id,
                    None,
                    format!("branch.naming is misconfigured: {e}"),
                    "Fix `rules.branch.naming.options` in .govern.yaml.",
                )]
            }
        }
    }
    if matched || patterns.is_empty() {
        return Vec::new();
    }
    let shown: Vec<String> = patterns
        .iter()
        .map(|p| p.replace('{', "<").replace('}', ">"))
        .collect();
    vec![RawFinding::new(
        RULE.id,
        None,
        format!("the branch name {branch:?} does not follow the naming patterns"),
        format!(
            "Rename the branch (`git branch -m {branch} <new-name>`) to one of: {} — e.g. feature/PROJ-123-add-login.",
            shown.join(", ")
        ),
    )]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::RepoSchema;

    #[test]
    fn defaults() {
        let options = crate::rules::options::read(RULE.id.as_str(), RULE.options, None).unwrap();
        let schema = RepoSchema::builtin();
        let ctx = Ctx {
            options: &options,
            repo_schema: &schema,
        };
        for ok in [
            "main",
            "develop",
            "feature/PROJ-12-add-login",
            "fix/42-null-check",
            "release/1.4.0",
            "release/v2.0",
        ] {
            assert!(check(ok, &ctx).is_empty(), "{ok}");
        }
        for bad in [
            "master",
            "wip",
            "feature/login",
            "feature/PROJ-12",
            "fix/PROJ-1-Bad Name",
            "release/next",
            "mainline",
        ] {
            assert_eq!(check(bad, &ctx).len(), 1, "{bad}");
        }
    }
}
