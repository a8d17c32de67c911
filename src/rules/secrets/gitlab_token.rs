//! `secrets.gitlab-token`: GitLab personal, deploy, runner and trigger tokens.

use std::sync::LazyLock;

use regex::Regex;

use crate::finding::{RawFinding, Severity};
use crate::rules::secrets::{placeholder, scan_tokens, HELP};
use crate::rules::{Check, Ctx, Rule, RuleDoc};

/// The rule (seed 002 "secret detection"; gitleaks `gitlab-pat`, `gitlab-ptt`,
/// `gitlab-rrt`, `gitlab-deploy-token`).
pub static RULE: Rule = Rule {
    id: crate::rules::RuleId::new("secrets.gitlab-token"),
    severity: Severity::Error,
    version: 1,
    summary: "No GitLab token (glpat-, gldt-, glrt-, glptt-, …) in any file.",
    options: &crate::rules::NO_OPTIONS,
    doc: RuleDoc {
        what: "Finds GitLab tokens by their documented prefixes (`glpat-` personal and \
project access tokens, `gldt-` deploy tokens, `glrt-` runner tokens, `glptt-` pipeline \
trigger tokens, `glcbt-` CI build tokens, `gloas-` OAuth secrets) followed by at least 20 \
token characters. Placeholder-looking tokens are not reported. The message shows only the \
prefix.",
        why: "A GitLab token grants its scopes (API, repository write, registry) to anyone \
who reads it.",
        example: crate::rules::doc_files!("secrets.gitlab-token", "example", [".gitlab-ci.yml"]),
        use_instead: crate::rules::doc_files!(
            "secrets.gitlab-token",
            "use-instead",
            [".gitlab-ci.yml"]
        ),
        references: &[
            "seed 002: security scanning, secret detection",
            "gitleaks gitlab-pat",
            "GitLab token prefixes",
        ],
    },
    check: Check::Text(check),
};

static TOKEN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b(?P<secret>(?P<prefix>glpat-|gldt-|glrt-|glptt-|glcbt-|gloas-)(?P<random>[0-9A-Za-z_-]{20,}))")
        .expect("gitlab regex")
});

fn check(text: &str, _ctx: &Ctx) -> Vec<RawFinding> {
    if !text.contains("gl") {
        return Vec::new();
    }
    scan_tokens(
        RULE.id.as_str(),
        text,
        &TOKEN,
        |s| !placeholder(s.split_once('-').map_or(s, |(_, r)| r)),
        |c| {
            format!(
                "a GitLab token ({}…, {} characters)",
                &c["prefix"],
                c["secret"].chars().count()
            )
        },
        HELP,
    )
}
