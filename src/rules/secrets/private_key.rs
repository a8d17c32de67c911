//! `secrets.private-key`: PEM and OpenSSH private key blocks.

use std::sync::LazyLock;

use regex::Regex;

use crate::finding::{RawFinding, Severity};
use crate::rules::secrets::{finding, HELP};
use crate::rules::{Check, Ctx, Rule, RuleDoc};

/// The rule (seed 002 "secret detection"; gitleaks `private-key`; detect-secrets
/// `PrivateKeyDetector`; pre-commit-hooks `detect-private-key`).
pub static RULE: Rule = Rule {
    id: crate::rules::RuleId::new("secrets.private-key"),
    severity: Severity::Error,
    version: 1,
    summary: "No private key block (-----BEGIN … PRIVATE KEY-----) in any file.",
    options: &crate::rules::NO_OPTIONS,
    doc: RuleDoc {
        what: "Finds `-----BEGIN <type> PRIVATE KEY-----` headers (RSA, EC, DSA, OPENSSH, \
ENCRYPTED, PGP … BLOCK, or none) that are followed by key material: at least 64 base64 \
characters before the END line (escaped `\\n` in JSON or YAML strings included). A header on \
its own, as in documentation, is not reported.",
        why: "A private key is the identity itself: a server's TLS key, a deploy key, a signing \
key. Once committed it must be considered compromised and replaced.",
        example: crate::rules::doc_files!("secrets.private-key", "example", ["deploy_key"]),
        use_instead: crate::rules::doc_files!(
            "secrets.private-key",
            "use-instead",
            ["deploy.yaml"]
        ),
        references: &[
            "seed 002: security scanning, secret detection",
            "gitleaks private-key",
            "pre-commit-hooks detect-private-key",
        ],
    },
    check: Check::Text(check),
};

static HEADER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"-----BEGIN (?P<kind>(?:[A-Z0-9]+ )*)PRIVATE KEY(?: BLOCK)?-----")
        .expect("private key regex")
});

fn check(text: &str, _ctx: &Ctx) -> Vec<RawFinding> {
    if !text.contains("PRIVATE KEY") {
        return Vec::new();
    }
    let mut out = Vec::new();
    for c in HEADER.captures_iter(text) {
        let m = c.get(0).expect("match");
        let rest = &text[m.end()..];
        let body = &rest[..rest.find("-----END").unwrap_or(rest.len().min(8192))];
        let body = body.replace("\\n", "\n").replace("\\r", "");
        let material: String = body
            .lines()
            .filter(|l| !l.contains(':')) // PEM headers such as Proc-Type, DEK-Info
            .flat_map(|l| l.chars())
            .filter(|ch| ch.is_ascii_alphanumeric() || matches!(ch, '+' | '/' | '='))
            .collect();
        if material.len() < 64 || body.contains("...") || body.contains('…') {
            continue;
        }
        let kind = c["kind"].trim();
        out.push(finding(
            RULE.id.as_str(),
            text,
            m.start(),
            &material,
            if kind.is_empty() {
                "a private key block".to_string()
            } else {
                format!("a private key block ({kind})")
            },
            HELP,
        ));
    }
    out
}
