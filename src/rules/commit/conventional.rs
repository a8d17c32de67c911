//! `commit.conventional`: commit messages follow seed 003's commit standard (Conventional
//! Commits 1.0 with the seed's types, scopes and subject rules).

use std::sync::LazyLock;

use regex::Regex;

use crate::finding::{RawFinding, Severity};
use crate::message::{Line, Message};
use crate::rules::commit::imperative;
use crate::rules::{Check, Ctx, Rule, RuleDoc};

/// The rule (seed 003 "Commit Standards"; Conventional Commits 1.0; commitlint
/// `@commitlint/config-conventional`: type-enum, scope-enum, subject-empty,
/// subject-full-stop, header-max-length, body-leading-blank, footer-leading-blank).
pub static RULE: Rule = Rule {
    id: crate::rules::RuleId::new("commit.conventional"),
    severity: Severity::Error,
    version: 1,
    summary: "Commit messages read `<type>(<scope>)!: <subject>` with seed 003's types and subject rules.",
    options: &crate::rules::Typed::<Options>::NEW,
    doc: RuleDoc {
        what: "Checks the commit message that `git commit` is about to record (the commit-msg \
hook) or the messages of a range of commits (`git govern check --commits A..B`):\n\
- the subject line is `<type>(<scope>)!: <subject>`; the scope and `!` are optional, the \
type is one of `types` (lower case; by default the `preset`'s: `seed` gives seed 003's eight, \
`config-conventional` commitlint's eleven, with `build`, `ci` and `revert`) and, when `scopes` is not empty, each scope (several \
may be separated by `,` or `/`) is one of `scopes` (with `scopes_from_components`, the \
monorepo's component names are scopes too, and then a scope must be one of them);\n\
- the subject line is at most `max_subject_length` characters (Unicode characters, not \
bytes; by default 72, or 100 with `config-conventional`), is not empty after the colon and does not end with a period;\n\
- with `imperative`, the subject's first word is not the past tense or gerund of a common \
commit verb (`added`, `fixing`, `made`); only verbs on a fixed list are judged, so nouns \
such as `logging`, `formatting` or `embed` never count;\n\
- a blank line separates the subject from the body; in the closing footer paragraph every \
footer reads `Token: value` or `Token #value` with no spaces in the token, except \
`BREAKING CHANGE`, which must be spelled exactly so (or `BREAKING-CHANGE`) and carry a \
description; with `require_issue_reference`, a footer value matches `issue_pattern`.\n\
Merge commits (`Merge …`), `Revert \"…\"` and `fixup!`/`squash!`/`amend!` commits pass as \
git writes them. Comment lines and the `git commit -v` scissors section are ignored; an \
empty message is a finding.",
        why: "A uniform history is what changelogs, semantic version bumps and release notes \
are generated from, and what reviewers and auditors read. Past-tense or vague subjects, \
misspelled breaking-change notes and unknown types silently break that tooling.",
        example: crate::rules::doc_files!("commit.conventional", "example", ["COMMIT_EDITMSG"]),
        use_instead: crate::rules::doc_files!("commit.conventional", "use-instead", ["COMMIT_EDITMSG"]),
        references: &[
            "seed 003: Development Workflows, Commit Standards",
            "Conventional Commits 1.0.0",
            "commitlint @commitlint/config-conventional",
        ],
    },
    check: Check::CommitMessage(check),
};

/// Which convention gives the defaults of `types` and `max_subject_length`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Preset {
    /// Seed 003: feat, fix, docs, style, refactor, perf, test, chore; 72 characters.
    Seed,
    /// commitlint's `@commitlint/config-conventional`: the seed's types plus build, ci and
    /// revert (its type-enum); 100 characters (its header-max-length).
    ConfigConventional,
}

impl Preset {
    /// The preset's types, in the order messages list them.
    pub fn types(self) -> &'static [&'static str] {
        const SEED: &[&str] = &[
            "feat", "fix", "docs", "style", "refactor", "perf", "test", "chore",
        ];
        const COMMITLINT: &[&str] = &[
            "build", "chore", "ci", "docs", "feat", "fix", "perf", "refactor", "revert", "style",
            "test",
        ];
        match self {
            Preset::Seed => SEED,
            Preset::ConfigConventional => COMMITLINT,
        }
    }

    /// The preset's longest subject line, in characters.
    pub fn max_subject_length(self) -> usize {
        match self {
            Preset::Seed => 72,
            Preset::ConfigConventional => 100,
        }
    }
}

/// Options of `commit.conventional`.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Options {
    /// `seed` (default) or `config-conventional`: where `types` and `max_subject_length`
    /// take their defaults from.
    pub preset: Preset,
    /// Allowed types; empty: the preset's.
    pub types: Vec<String>,
    /// Allowed scopes; empty: any.
    pub scopes: Vec<String>,
    /// In a monorepo, the components' names (their directory names and metadata `name`s)
    /// are allowed scopes too, and a scope must be one of them (seed 003: `feat(api): …`).
    pub scopes_from_components: bool,
    /// The longest subject line, in characters; unset: the preset's (72 or 100).
    pub max_subject_length: Option<usize>,
    /// The subject starts with a verb in the imperative mood.
    pub imperative: bool,
    /// The message names an issue.
    pub require_issue_reference: bool,
    /// What an issue reference looks like (a regular expression).
    pub issue_pattern: String,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            preset: Preset::Seed,
            types: Vec::new(),
            scopes: Vec::new(),
            scopes_from_components: false,
            max_subject_length: None,
            imperative: true,
            require_issue_reference: false,
            issue_pattern: r"(#[0-9]+|\b[A-Z][A-Z0-9]+-[0-9]+\b|https?://\S+/issues/[0-9]+)".into(),
        }
    }
}

static HEADER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?P<type>[A-Za-z][A-Za-z0-9_-]*)(?:\((?P<scope>[^()]*)\))?(?P<bang>!)?(?P<colon>:)(?P<space> *)(?P<subject>.*)$")
        .expect("header regex")
});

static FOOTER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?P<token>BREAKING CHANGE|BREAKING-CHANGE|[A-Za-z][A-Za-z0-9-]*)(?P<sep>: | #)(?P<value>.*)$")
        .expect("footer regex")
});

static SPACED_TOKEN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?P<token>[A-Za-z][A-Za-z0-9-]*(?: [A-Za-z][A-Za-z0-9-]*){1,2}): \S")
        .expect("spaced token regex")
});

static BREAKING_LIKE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^\s*breaking[\s_-]*changes?\s*[:!-]").expect("breaking regex")
});

/// Whether git or the user wrote this subject in a form the rule lets through as is.
fn exempt(subject: &str) -> bool {
    subject.starts_with("Merge ")
        || subject.starts_with("Revert \"")
        || ["fixup! ", "squash! ", "amend! "]
            .iter()
            .any(|p| subject.starts_with(p))
}

fn at(line: &Line, message: String, help: impl Into<String>) -> RawFinding {
    RawFinding::new(RULE.id, Some(line.number), message, help)
}

fn check(msg: &Message, ctx: &Ctx) -> Vec<RawFinding> {
    let Some(subject) = msg.subject() else {
        return vec![RawFinding::new(
            RULE.id,
            None,
            "the commit message is empty",
            "Write a subject line such as `fix(api): handle an empty request body`.",
        )];
    };
    if exempt(&subject.text) {
        return Vec::new();
    }
    let mut out = Vec::new();
    let opts = ctx.options::<Options>();
    let types: Vec<String> = if opts.types.is_empty() {
        opts.preset.types().iter().map(|t| t.to_string()).collect()
    } else {
        opts.types.clone()
    };
    let types = &types;
    let types_list = types.join(", ");
    let max = opts
        .max_subject_length
        .unwrap_or(opts.preset.max_subject_length());
    let len = subject.text.chars().count();
    if len > max {
        let mut f = at(
            subject,
            format!("the subject line is {len} characters long; the limit is {max}"),
            "Shorten the subject and move the detail into the body, after a blank line.",
        );
        f.column = Some(max as u32 + 1);
        out.push(f);
    }
    match HEADER.captures(&subject.text) {
        None => out.push(no_header(subject, types, &types_list)),
        Some(c) => header(subject, &c, ctx, types, &types_list, &mut out),
    }
    if let Some(second) = msg.lines.get(1) {
        if !second.text.is_empty() {
            out.push(at(
                second,
                "the body starts right under the subject line".into(),
                "Leave one blank line between the subject line and the body.",
            ));
        }
    }
    footers(msg, ctx, &mut out);
    out
}

/// Explains a subject line that is not `<type>…: <subject>` at all.
fn no_header(subject: &Line, types: &[String], types_list: &str) -> RawFinding {
    let first = subject
        .text
        .split(|c: char| c.is_whitespace() || c == '(' || c == ':')
        .next()
        .unwrap_or("");
    let help = match suggest_type(first, types) {
        Some(t) => format!(
            "Start the subject line with a type and a colon, e.g. `{t}: {}`.",
            lower_first(subject.text[first.len()..].trim_start_matches([' ', ':']))
        ),
        None => format!(
            "Start the subject line with one of the types ({types_list}), an optional (scope) and `: `, e.g. `fix(api): handle an empty body`."
        ),
    };
    at(
        subject,
        format!(
            "the subject line {:?} is not in the form `<type>(<scope>): <subject>`",
            shorten(&subject.text)
        ),
        help,
    )
}

fn header(
    subject: &Line,
    c: &regex::Captures,
    ctx: &Ctx,
    types: &[String],
    types_list: &str,
    out: &mut Vec<RawFinding>,
) {
    let ty = &c["type"];
    if !types.iter().any(|t| t == ty) {
        let lower = ty.to_lowercase();
        if types.contains(&lower) {
            out.push(at(
                subject,
                format!("the type `{ty}` must be lower case"),
                format!("Write `{lower}`."),
            ));
        } else {
            let help = match suggest_type(ty, types) {
                Some(t) => format!("Did you mean `{t}`? The types are: {types_list}."),
                None => format!("Use one of: {types_list} (the list is `types` in .govern.yaml)."),
            };
            out.push(at(
                subject,
                format!("`{ty}` is not one of the commit types"),
                help,
            ));
        }
    }
    if let Some(scope) = c.name("scope") {
        let scope = scope.as_str();
        let allowed = &ctx.options::<Options>().scopes;
        if scope.trim().is_empty() {
            out.push(at(
                subject,
                "the scope in `()` is empty".into(),
                "Name a scope inside the parentheses or remove them.",
            ));
        } else if !allowed.is_empty() {
            for s in scope.split([',', '/']).map(str::trim) {
                if !allowed.iter().any(|a| a == s) {
                    out.push(at(
                        subject,
                        format!("`{s}` is not one of the scopes"),
                        format!("Use one of: {}.", allowed.join(", ")),
                    ));
                }
            }
        }
    }
    let space = &c["space"];
    let text = &c["subject"];
    if text.trim().is_empty() {
        out.push(at(
            subject,
            "the description after the colon is empty".into(),
            "Say what the commit does after `: `, e.g. `fix(api): handle an empty body`.",
        ));
        return;
    }
    if space.len() != 1 {
        let mut f = at(
            subject,
            if space.is_empty() {
                "no space after the colon".into()
            } else {
                "more than one space after the colon".into()
            },
            "Write exactly one space between `:` and the description.",
        );
        f.column = Some(c.name("colon").map_or(0, |m| m.start()) as u32 + 2);
        out.push(f);
    }
    if text.ends_with('.') {
        out.push(at(
            subject,
            "the subject ends with a period".into(),
            "Remove the trailing period: the subject line is a title, not a sentence.",
        ));
    }
    if ctx.options::<Options>().imperative {
        let word = text.split_whitespace().next().unwrap_or("");
        if let Some(base) = imperative::non_imperative(word) {
            let mut f = at(
                subject,
                format!("the subject starts with `{word}`, not the imperative mood"),
                format!(
                    "Write it as a command: `{}` instead of `{word}` (\"if applied, this commit will {} …\").",
                    base, base
                ),
            );
            f.column = Some(c.name("subject").map_or(0, |m| m.start()) as u32 + 1);
            out.push(f);
        }
    }
}

/// Footer checks: the closing paragraph's tokens, the spelling of breaking changes, and the
/// issue reference when required.
fn footers(msg: &Message, ctx: &Ctx, out: &mut Vec<RawFinding>) {
    let paragraphs = msg.paragraphs();
    // The closing paragraph is the footer block when every line of it reads like a footer
    // (well-formed or not) or continues the one above (indented).
    let footer_like = |l: &Line| {
        FOOTER.is_match(&l.text)
            || SPACED_TOKEN.is_match(&l.text)
            || BREAKING_LIKE.is_match(&l.text)
    };
    let footer_block: &[Line] = match paragraphs.last() {
        Some(p)
            if footer_like(&p[0])
                && p.iter()
                    .all(|l| footer_like(l) || l.text.starts_with([' ', '\t'])) =>
        {
            p
        }
        _ => &[],
    };
    for l in msg.lines.iter().skip(1) {
        if BREAKING_LIKE.is_match(&l.text) {
            let rest = l
                .text
                .strip_prefix("BREAKING CHANGE:")
                .or_else(|| l.text.strip_prefix("BREAKING-CHANGE:"));
            match rest {
                Some(r) if r.trim().is_empty() => out.push(at(
                    l,
                    "the breaking change has no description".into(),
                    "Say what breaks after `BREAKING CHANGE: `.",
                )),
                Some(r) if r.starts_with(' ') => {}
                _ => out.push(at(
                    l,
                    "a breaking-change footer that tools will not recognise".into(),
                    "Spell it exactly `BREAKING CHANGE: <description>` (upper case, one space, a colon and a space).",
                )),
            }
        }
    }
    for l in footer_block {
        if FOOTER.is_match(&l.text) || BREAKING_LIKE.is_match(&l.text) {
            continue;
        }
        if let Some(c) = SPACED_TOKEN.captures(&l.text) {
            let token = &c["token"];
            out.push(at(
                l,
                format!("the footer token `{token}` contains a space"),
                format!(
                    "Write footers as `Token: value` with `-` for spaces, e.g. `{}:`.",
                    token.replace(' ', "-")
                ),
            ));
        }
    }
    if ctx.options::<Options>().require_issue_reference {
        let pattern = &ctx.options::<Options>().issue_pattern;
        let re = match Regex::new(pattern) {
            Ok(re) => re,
            Err(e) => {
                out.push(RawFinding::new(
                    RULE.id,
                    None,
                    format!("the option issue_pattern is not a valid regular expression: {e}"),
                    "Fix `rules.commit.conventional.options.issue_pattern` in .govern.yaml.",
                ));
                return;
            }
        };
        let referenced = footer_block.iter().any(|l| {
            FOOTER
                .captures(&l.text)
                .is_some_and(|c| re.is_match(&format!("{}{}", &c["sep"], &c["value"])))
        });
        if !referenced {
            let last = msg.lines.last().expect("non-empty message");
            out.push(at(
                last,
                "no issue is referenced in the footer".into(),
                "End the message with a footer paragraph such as `Refs: #123` or `Closes: PROJ-42`.",
            ));
        }
    }
}

/// A configured type that `given` seems to mean: same prefix either way (`feature` →
/// `feat`, `doc` → `docs`, `tests` → `test`), compared case-insensitively.
fn suggest_type<'t>(given: &str, types: &'t [String]) -> Option<&'t str> {
    let g = given.to_lowercase();
    if g.len() < 3 {
        return None;
    }
    types
        .iter()
        .find(|t| g.starts_with(t.as_str()) || t.starts_with(g.as_str()))
        .map(String::as_str)
}

fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_lowercase().chain(c).collect(),
        None => String::new(),
    }
}

fn shorten(s: &str) -> String {
    if s.chars().count() <= 60 {
        s.to_string()
    } else {
        format!("{}…", s.chars().take(59).collect::<String>())
    }
}
