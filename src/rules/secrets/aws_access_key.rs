//! `secrets.aws-access-key`: AWS access key ids.

use std::sync::LazyLock;

use regex::Regex;

use crate::finding::{RawFinding, Severity};
use crate::rules::secrets::{placeholder, scan_tokens, HELP};
use crate::rules::{Check, Ctx, Rule, RuleDoc};

/// The rule (seed 002 "secret detection"; gitleaks `aws-access-token`; GitHub secret
/// scanning "AWS access key ID").
pub static RULE: Rule = Rule {
    id: crate::rules::RuleId::new("secrets.aws-access-key"),
    severity: Severity::Error,
    version: 1,
    summary: "No AWS access key id (AKIA…, ASIA…) in any file.",
    options: &crate::rules::NO_OPTIONS,
    doc: RuleDoc {
        what: "Finds AWS access key ids: `AKIA`, `ASIA`, `ABIA` or `ACCA` followed by 16 \
base-32 characters, as a whole word. Ids whose random part looks like a placeholder \
(`EXAMPLE`, `XXXX`, low entropy, such as AWS's documented `AKIAIOSFODNN7EXAMPLE`) are not \
reported. The message shows only the 4-character type prefix.",
        why: "An access key id sits next to its secret key in almost every leak; together \
they give whoever reads the repository, its forks or its CI logs the key's AWS permissions.",
        example: crate::rules::doc_files!("secrets.aws-access-key", "example", [".env"]),
        use_instead: crate::rules::doc_files!("secrets.aws-access-key", "use-instead", [".env"]),
        references: &[
            "seed 002: security scanning, secret detection",
            "gitleaks aws-access-token",
            "GitHub secret scanning",
        ],
    },
    check: Check::Text(check),
};

static TOKEN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b(?P<secret>(?P<prefix>AKIA|ASIA|ABIA|ACCA)(?P<random>[A-Z2-7]{16}))\b")
        .expect("aws regex")
});

fn check(text: &str, _ctx: &Ctx) -> Vec<RawFinding> {
    if !["AKIA", "ASIA", "ABIA", "ACCA"]
        .iter()
        .any(|p| text.contains(p))
    {
        return Vec::new();
    }
    scan_tokens(
        RULE.id.as_str(),
        text,
        &TOKEN,
        |s| !placeholder(&s[4..]),
        |c| format!("an AWS access key id ({}…, 20 characters)", &c["prefix"]),
        HELP,
    )
}
