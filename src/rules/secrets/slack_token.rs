//! `secrets.slack-token`: Slack API tokens and incoming-webhook URLs.

use std::sync::LazyLock;

use regex::Regex;

use crate::finding::{RawFinding, Severity};
use crate::rules::secrets::{placeholder, scan_tokens, HELP};
use crate::rules::{Check, Ctx, Rule, RuleDoc};

/// The rule (seed 002 "secret detection"; gitleaks `slack-bot-token`, `slack-user-token`,
/// `slack-webhook-url`).
pub static RULE: Rule = Rule {
    id: crate::rules::RuleId::new("secrets.slack-token"),
    severity: Severity::Error,
    version: 1,
    summary: "No Slack token (xoxb-, xoxp-, …) or webhook URL in any file.",
    options: &crate::rules::NO_OPTIONS,
    doc: RuleDoc {
        what: "Finds Slack tokens (`xoxb-` bot, `xoxp-` user, `xoxa-`, `xoxo-`, `xoxr-`, \
`xoxs-`, followed by at least 10 token characters) and incoming-webhook URLs \
(`https://hooks.slack.com/services/…`). Placeholder-looking values are not reported. The \
message shows only the prefix.",
        why: "A bot or user token reads and posts in the workspace as its owner; a webhook URL \
lets anyone post into the channel, a favourite for phishing.",
        example: crate::rules::doc_files!("secrets.slack-token", "example", [".env"]),
        use_instead: crate::rules::doc_files!("secrets.slack-token", "use-instead", [".env"]),
        references: &[
            "seed 002: security scanning, secret detection",
            "gitleaks slack-bot-token, slack-webhook-url",
        ],
    },
    check: Check::Text(check),
};

static TOKEN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?P<secret>\b(?P<prefix>xox[abposr]-)(?P<random>[0-9A-Za-z-]{10,})|(?P<hook>https://hooks\.slack\.com/(?:services|workflows)/)[A-Za-z0-9+/_-]{20,})")
        .expect("slack regex")
});

fn check(text: &str, _ctx: &Ctx) -> Vec<RawFinding> {
    if !(text.contains("xox") || text.contains("hooks.slack.com")) {
        return Vec::new();
    }
    scan_tokens(
        RULE.id.as_str(),
        text,
        &TOKEN,
        |s| {
            let random = s
                .strip_prefix("https://hooks.slack.com/")
                .map(|r| r.split_once('/').map_or(r, |(_, x)| x))
                .unwrap_or_else(|| s.get(5..).unwrap_or(""));
            !placeholder(&random.replace(['-', '/'], ""))
        },
        |c| match c.name("hook") {
            Some(h) => format!("a Slack webhook URL ({}…)", h.as_str()),
            None => format!(
                "a Slack token ({}…, {} characters)",
                &c["prefix"],
                c["secret"].chars().count()
            ),
        },
        HELP,
    )
}
