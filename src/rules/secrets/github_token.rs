//! `secrets.github-token`: GitHub personal access, OAuth, app and refresh tokens.

use std::sync::LazyLock;

use regex::Regex;

use crate::finding::{RawFinding, Severity};
use crate::rules::secrets::{placeholder, scan_tokens, HELP};
use crate::rules::{Check, Ctx, Rule, RuleDoc};

/// The rule (seed 002 "secret detection"; gitleaks `github-pat`, `github-fine-grained-pat`,
/// `github-oauth`, `github-app-token`, `github-refresh-token`).
pub static RULE: Rule = Rule {
    id: crate::rules::RuleId::new("secrets.github-token"),
    severity: Severity::Error,
    version: 1,
    summary: "No GitHub token (ghp_, gho_, ghu_, ghs_, ghr_, github_pat_) in any file.",
    options: &crate::rules::NO_OPTIONS,
    doc: RuleDoc {
        what: "Finds GitHub tokens by their documented prefixes: `ghp_`, `gho_`, `ghu_`, \
`ghs_` or `ghr_` followed by 36 letters and digits, and fine-grained `github_pat_` tokens \
(82 more characters). Placeholder-looking tokens (`ghp_xxxx…`) are not reported. The message \
shows only the prefix.",
        why: "A GitHub token acts as its owner: it can push code, read private repositories \
and change settings.",
        example: crate::rules::doc_files!("secrets.github-token", "example", ["release.sh"]),
        use_instead: crate::rules::doc_files!(
            "secrets.github-token",
            "use-instead",
            ["release.sh"]
        ),
        references: &[
            "seed 002: security scanning, secret detection",
            "gitleaks github-pat",
            "GitHub token formats",
        ],
    },
    check: Check::Text(check),
};

static TOKEN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b(?P<secret>(?P<prefix>gh[pousr]_)(?P<random>[0-9A-Za-z]{36})|(?P<pat>github_pat_)[0-9A-Za-z_]{82})\b")
        .expect("github regex")
});

fn check(text: &str, _ctx: &Ctx) -> Vec<RawFinding> {
    if !(text.contains("gh") || text.contains("github_pat_")) {
        return Vec::new();
    }
    scan_tokens(
        RULE.id.as_str(),
        text,
        &TOKEN,
        |s| {
            let random = s.split_once('_').map_or(s, |(_, r)| r);
            let random = random.strip_prefix("pat_").unwrap_or(random);
            !placeholder(random)
        },
        |c| {
            let prefix = c
                .name("prefix")
                .or_else(|| c.name("pat"))
                .map_or("", |m| m.as_str());
            format!(
                "a GitHub token ({prefix}…, {} characters)",
                c["secret"].chars().count()
            )
        },
        HELP,
    )
}
