//! `secrets.url-password`: passwords written into connection URLs
//! (`postgres://app:<password>@db/app`).

use std::sync::LazyLock;

use regex::Regex;

use crate::finding::{RawFinding, Severity};
use crate::rules::secrets::{finding, HELP};
use crate::rules::{Check, Ctx, Rule, RuleDoc};

/// The rule (seed 002 "secret detection"; detect-secrets `BasicAuthDetector`; gitleaks
/// has no general rule for it).
pub static RULE: Rule = Rule {
    id: crate::rules::RuleId::new("secrets.url-password"),
    severity: Severity::Error,
    version: 2,
    summary: "No password inside a connection URL (postgres://user:password@host, mysql, mongodb, amqp, redis, …).",
    options: &crate::rules::NO_OPTIONS,
    doc: RuleDoc {
        what: "Finds URLs of any scheme with a user and a password before the host \
(`postgres://app:<password>@db:5432/app` with a literal password, `mongodb+srv://…`, `amqp://`, `redis://:pw@host`, \
`https://user:token@host`). Not reported: passwords that are references or templates \
(`${DB_PASSWORD}`, `$(cat …)`, `{{ .Values.pw }}`, `%(pw)s`, `<password>`, `[password]`), \
all-`x`, all-`*` or `…` masks, a password equal to the user name (`guest:guest`) or to the host's \
first label (`redis://:redis@redis`, a demo default), and the words \
people write in examples (`password`, `pass`, `secret`, `changeme`, `example`, \
`mypassword`, …). The message names the scheme and the host, and the password's length.",
        why: "A connection URL is copied whole into configs, logs and error messages; a \
password inside it travels with it, and compose files and `.env` files holding one are \
committed more often than any other secret.",
        example: crate::rules::doc_files!("secrets.url-password", "example", ["compose.yaml"]),
        use_instead: crate::rules::doc_files!("secrets.url-password", "use-instead", ["compose.yaml"]),
        references: &[
            "seed 002: security scanning, secret detection",
            "detect-secrets BasicAuthDetector",
            "RFC 3986 3.2.1 (user information in a URI is deprecated)",
        ],
    },
    check: Check::Text(check),
};

static URL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"(?i)\b(?P<scheme>[a-z][a-z0-9+.-]{1,24})://(?P<user>[^\s:/@"'`<>\[\]{}]*):(?P<secret>[^\s@/"'`]+)@(?P<host>[A-Za-z0-9_.-]+)"#,
    )
    .expect("url regex")
});

/// Passwords that examples and templates use; compared lower-cased.
const EXAMPLE_WORDS: &[&str] = &[
    "password",
    "passwd",
    "pass",
    "pwd",
    "secret",
    "changeme",
    "change_me",
    "changeit",
    "example",
    "mypassword",
    "mypass",
    "yourpass",
    "mysecret",
    "my_password",
    "yourpassword",
    "your_password",
    "dbpassword",
    "db_password",
    "user_password",
    "userpassword",
    "pw",
    "p",
    "xxx",
    "test",
    "dummy",
    "redacted",
    "hidden",
    "token",
    "apikey",
    "api_key",
];

fn keep(user: &str, password: &str, host: &str) -> bool {
    let lower = password.to_ascii_lowercase();
    let host = host.split('.').next().unwrap_or(host);
    !(password.starts_with(['$', '%', '{', '<', '[', '(', '*'])
        || password.contains("${")
        || password.contains("{{")
        || password.contains("$(")
        || password
            .chars()
            .all(|c| matches!(c, 'x' | 'X' | '*' | '.' | '…'))
        || password.eq_ignore_ascii_case(user)
        || password.eq_ignore_ascii_case(host)
        || EXAMPLE_WORDS.contains(&lower.as_str()))
}

fn check(text: &str, _ctx: &Ctx) -> Vec<RawFinding> {
    if !text.contains("://") {
        return Vec::new();
    }
    URL.captures_iter(text)
        .filter_map(|c| {
            let secret = c.name("secret").expect("secret group");
            keep(&c["user"], secret.as_str(), &c["host"]).then(|| {
                finding(
                    RULE.id.as_str(),
                    text,
                    secret.start(),
                    secret.as_str(),
                    format!(
                        "a password in a `{}://` URL for host `{}` ({} characters)",
                        c["scheme"].to_ascii_lowercase(),
                        &c["host"],
                        secret.as_str().chars().count()
                    ),
                    HELP,
                )
            })
        })
        .collect()
}
