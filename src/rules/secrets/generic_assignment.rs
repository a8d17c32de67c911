//! `secrets.generic-assignment`: high-entropy values assigned to password, secret, token
//! and API-key names.

use std::sync::LazyLock;

use regex::Regex;

use crate::finding::{RawFinding, Severity};
use crate::rules::secrets::{entropy, finding, HELP};
use crate::rules::{Check, Ctx, Rule, RuleDoc};

/// The rule (seed 002 "secret detection"; gitleaks `generic-api-key`; detect-secrets
/// `KeywordDetector` with its entropy filters).
pub static RULE: Rule = Rule {
    id: crate::rules::RuleId::new("secrets.generic-assignment"),
    severity: Severity::Error,
    version: 2,
    summary: "No high-entropy literal assigned to a password, secret, token or API key name.",
    options: &crate::rules::Typed::<Options>::NEW,
    doc: RuleDoc {
        what: "Finds assignments (`name = value`, `name: value`, `\"name\": \"value\"`, \
`name := value`) whose name contains password, passwd, pwd, secret, token or api key / \
access key / auth key, and whose literal value is at least `min_length` characters long \
with a Shannon entropy of at least `min_entropy` bits per character. Not reported: \
references and templates (`${VAR}`, `{{ .Values.x }}`, `$(cmd)`, `<placeholder>`), \
identifiers, lower-case words joined by `-` or `_` (`monitoring_password`), attribute and module paths and types (`settings.SECRET_KEY`, `TOKEN_ENV_NAME`, `secrets::Rule`, `LazyLock<Regex>`), paths and URLs, \
values that a token rule (`secrets.github-token`, …) recognises, and names that describe rather than hold a secret (`*_file`, `*_path`, `*_env`, `*_name`, \
`*_url`, `*_length`, `*_type`), keys inside URLs or encoded blobs, paths and map specs (`hash:/etc/postfix/sasl_passwd`, \
`foo/restricted-psp-users`), unquoted identifiers of code (`file_token_proto_rawDesc`), the \
base64 of a JWT header alone (`eyJhbGciOi…` without a `.`), and lines commented out with `;` (ini files list their \
defaults that way). A value ends at whitespace, a quote, `,`, `;` or `&` (a query string's \
next parameter). Assignments do not span lines. The message names the key and the value's length only.",
        why: "Hard-coded credentials end up in every clone, fork, image layer and CI log; \
they cannot be rotated without a commit, and they are the first thing attackers grep for.",
        example: crate::rules::doc_files!("secrets.generic-assignment", "example", ["settings.py"]),
        use_instead: crate::rules::doc_files!("secrets.generic-assignment", "use-instead", ["settings.py"]),
        references: &[
            "seed 002: security scanning, secret detection",
            "gitleaks generic-api-key",
            "detect-secrets KeywordDetector",
        ],
    },
    check: Check::Text(check),
};

/// Options of `secrets.generic-assignment`.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Options {
    /// The shortest value reported, in characters.
    pub min_length: usize,
    /// The lowest Shannon entropy reported, in bits per character.
    pub min_entropy: f64,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            min_length: 12,
            min_entropy: 3.5,
        }
    }
}

static ASSIGNMENT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"(?i)(?P<key>[A-Za-z0-9_.-]*(?:password|passwd|pwd|secret|token|api[_-]?key|access[_-]?key|auth[_-]?key)[A-Za-z0-9_.-]*)["']?[ \t]*(?::=|=>|:|=)[ \t]*(?P<quote>["'`]?)(?P<value>[^\s"'`,;&]+)"#,
    )
    .expect("assignment regex")
});

/// A path or a map spec: `/`-separated segments that are lower-case words or one
/// capitalised word (`hash:/etc/postfix/sasl_passwd`, `foo/restricted-psp-users`), unlike
/// base64, whose segments mix cases.
static PATH: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:[a-z0-9_.:-]*|[A-Z][a-z0-9_.-]*)(?:/(?:[a-z0-9_.:-]*|[A-Z][a-z0-9_.-]*))+$")
        .expect("path regex")
});

/// An identifier of code (`file_token_proto_rawDesc`): an unquoted value like this is a
/// variable, not a literal.
static IDENTIFIER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z][A-Za-z0-9]*)+$").expect("identifier regex")
});

static WORDS: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[a-z]+(?:[-_][a-z]+)+:?$").expect("words regex"));

static REFERENCE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)+|[A-Z][A-Z0-9_]*)$")
        .expect("reference regex")
});

const DESCRIPTIVE_SUFFIXES: &[&str] = &[
    "file", "path", "env", "name", "url", "uri", "length", "len", "type", "count", "ref", "field",
    "header", "prefix", "endpoint", "policy", "id",
];

/// Prefixes that the token rules recognise; their values are left to those rules.
const TOKEN_PREFIXES: &[&str] = &[
    "AKIA",
    "ASIA",
    "ABIA",
    "ACCA",
    "ghp_",
    "gho_",
    "ghu_",
    "ghs_",
    "ghr_",
    "github_pat_",
    "glpat-",
    "gldt-",
    "glrt-",
    "glptt-",
    "glcbt-",
    "gloas-",
    "xox",
    "https://hooks.slack.com/",
];

fn keep(key: &str, value: &str, min_length: usize, min_entropy: f64) -> bool {
    if TOKEN_PREFIXES.iter().any(|p| value.starts_with(p)) {
        return false;
    }
    let lower = key.to_ascii_lowercase();
    if DESCRIPTIVE_SUFFIXES.iter().any(|s| {
        lower.ends_with(&format!("_{s}"))
            || lower.ends_with(&format!("-{s}"))
            || lower.ends_with(&format!(".{s}"))
    }) {
        return false;
    }
    if value.chars().count() < min_length
        || value.starts_with(['$', '%', '{', '<', '@', '/', '(', ':', '=', '&', '*'])
        || value.contains("::")
        || value.contains(['<', '>', '[', ']'])
        || value.contains("->")
        || value.contains("${")
        || value.contains("{{")
        || value.contains("$(")
        || value.contains("://")
        || value.ends_with(['(', ')'])
        || value.contains('(')
        || REFERENCE.is_match(value)
        || WORDS.is_match(value)
        || PATH.is_match(value)
        // The base64 of a JWT header alone (`{"alg":…`), public by design.
        || (value.starts_with("eyJhbGciOi") && !value.contains('.'))
    {
        return false;
    }
    entropy(value) >= min_entropy
}

fn check(text: &str, ctx: &Ctx) -> Vec<RawFinding> {
    let lower = text.to_ascii_lowercase();
    if !["pass", "pwd", "secret", "token", "key"]
        .iter()
        .any(|k| lower.contains(k))
    {
        return Vec::new();
    }
    let Options {
        min_length,
        min_entropy,
    } = *ctx.options::<Options>();
    ASSIGNMENT
        .captures_iter(text)
        .filter_map(|c| {
            let key = c.name("key").expect("key group");
            let value = c.name("value").expect("value group");
            // A key inside a URL, a path or an encoded blob (`https://x-access-token:…@`,
            // `h1:…/…token…=`) is not an assignment.
            let inside = text[..key.start()]
                .chars()
                .next_back()
                .is_some_and(|p| matches!(p, '/' | '+' | '=' | '\\' | '@' | ':'));
            let line_start = text[..key.start()].rfind('\n').map_or(0, |i| i + 1);
            let ini_comment = text[line_start..].trim_start().starts_with(';');
            let quoted = !c.name("quote").is_some_and(|q| q.as_str().is_empty());
            let code = !quoted && IDENTIFIER.is_match(value.as_str());
            let key = key.as_str();
            (!inside && !ini_comment && !code && keep(key, value.as_str(), min_length, min_entropy))
                .then(|| {
                    finding(
                        RULE.id.as_str(),
                        text,
                        value.start(),
                        value.as_str(),
                        format!(
                            "a hard-coded value for `{key}` ({} characters, high entropy)",
                            value.as_str().chars().count()
                        ),
                        HELP,
                    )
                })
        })
        .collect()
}
