//! `adr.format`: each ADR has the template's sections and a valid status.

use crate::finding::{RawFinding, Severity};
use serde::{Deserialize, Serialize};

use crate::kinds::adr::Adr;
use crate::rules::adr::template::{self, Choice, Found, Part, Template};
use crate::rules::{Check, Ctx, Rule, RuleDoc, Typed};

/// The rule (seed 003 "ADR Template": Status, Context, Decision, Consequences; status one of
/// Proposed, Accepted, Deprecated, Superseded), extended to the templates teams use: MADR
/// 2 to 4, log4brains and Y-statements ([`template`]).
pub static RULE: Rule = Rule {
    id: crate::rules::RuleId::new("adr.format"),
    severity: Severity::Error,
    version: 2,
    summary: "Each ADR has the parts of its template (Nygard, MADR, log4brains, Y-statement) and a valid status.",
    options: &Typed::<Options>::NEW,
    doc: RuleDoc {
        what: "Reads every Markdown file in the ADR directories (README.md, index.md and \
template.md excepted) and recognises its template, unless `template:` sets one: Nygard's \
(seed 003, adr-tools: Context, Decision, Consequences and a Status section), MADR 2 to 4 \
(Context and Problem Statement, Considered Options, Decision Outcome; status as `- Status:` \
or in front matter, optional), log4brains (MADR 2 with `- Tags:` and a `draft` status) or a \
Y-statement (\"In the context of …, facing …, we decided for …, to achieve …, accepting …\"). \
Each part of the template must be present (headings at any level, case-insensitive, HTML \
comments and section numbers ignored), and a status, where given, must start with one of \
the template's statuses (\"Superseded by ADR-012\" is fine). `sections`, `statuses` and \
`require_status` replace the template's. A finding names the template it tried and the \
parts missing, at line 1 or at the status.",
        why: "An ADR without its context or consequences records a verdict but not the reasoning; \
one without a clear status leaves readers unsure whether it still holds.",
        example: crate::rules::doc_files!(
            "adr.format",
            "example",
            ["docs/adr/0007-use-postgres.md"]
        ),
        use_instead: crate::rules::doc_files!(
            "adr.format",
            "use-instead",
            ["docs/adr/0007-use-postgres.md"]
        ),
        references: &[
            "seed 003: Architecture Decision Records, ADR Template",
            "Michael Nygard, Documenting Architecture Decisions (2011); adr-tools",
            "MADR 2.1 to 4.0, adr.github.io/madr",
            "log4brains' ADR template",
            "Olaf Zimmermann, Y-statements",
        ],
    },
    check: Check::Adr(check),
};

/// Options of `adr.format`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Options {
    /// The template every ADR follows (`nygard`, `madr`, `log4brains`, `y-statement`), or
    /// `auto` (the default) to recognise each ADR's template.
    pub template: Choice,
    /// Headings every ADR has (any level, case-insensitive), replacing the template's
    /// sections; `Status` here is met by a status in any form.
    pub sections: Option<Vec<String>>,
    /// The words a status may start with, replacing the template's.
    pub statuses: Option<Vec<String>>,
    /// Whether an ADR must state a status; unset: as the template says (Nygard yes, MADR,
    /// log4brains and Y-statements no).
    pub require_status: Option<bool>,
    /// ADR directories (empty: the defaults of [`crate::kinds::adr::DEFAULT_DIRS`]).
    pub dirs: Vec<String>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            template: Choice::Auto,
            sections: None,
            statuses: None,
            require_status: None,
            dirs: Vec::new(),
        }
    }
}

fn check(adr: &Adr, ctx: &Ctx) -> Vec<RawFinding> {
    let opts: &Options = ctx.options();
    let found = template::find(adr, opts.template);
    let t = found.template();
    let mut out = Vec::new();
    let missing = missing_parts(adr, t, opts);
    if !missing.is_empty() {
        out.push(RawFinding::new(
            RULE.id,
            Some(1),
            format!(
                "ADR template {}: no {}",
                found.describe(),
                missing.join(", no ")
            ),
            missing_help(t, opts, found),
        ));
    }
    let statuses: Vec<String> = match &opts.statuses {
        Some(given) => given.iter().map(|s| s.to_lowercase()).collect(),
        None => t.statuses().iter().map(|s| s.to_string()).collect(),
    };
    match &adr.status {
        Some(status) => {
            let word = template::first_word(status.text.as_deref());
            if !statuses.contains(&word) {
                out.push(RawFinding::new(
                    RULE.id,
                    Some(status.line),
                    match &status.text {
                        Some(v) => format!(
                            "ADR status {v:?} is not one of {} ({})",
                            statuses.join(", "),
                            found.describe()
                        ),
                        None => "the ADR's status is empty".to_string(),
                    },
                    format!(
                        "Start the status with one of {}, or list this status under \
`statuses:` for adr.format in .govern.yaml.",
                        statuses.join(", ")
                    ),
                ));
            }
        }
        None if opts.require_status.unwrap_or(t.requires_status()) => out.push(RawFinding::new(
            RULE.id,
            Some(1),
            format!("the ADR states no status ({})", found.describe()),
            status_help(t),
        )),
        None => {}
    }
    out
}

/// The parts of `t` (or the `sections` given) that `adr` lacks, as a finding names them.
fn missing_parts(adr: &Adr, t: Template, opts: &Options) -> Vec<String> {
    match &opts.sections {
        Some(sections) => sections
            .iter()
            .filter(|s| {
                if s.eq_ignore_ascii_case("status") {
                    adr.status.is_none()
                } else {
                    adr.heading(s).is_none()
                }
            })
            .map(|s| format!("{s} section"))
            .collect(),
        None => t
            .parts()
            .iter()
            .filter(|p| !template::has(adr, **p))
            .map(|p| match p {
                Part::Section(s) => format!("{s} section"),
                Part::Phrase(s) => format!("\"{s}\""),
            })
            .collect(),
    }
}

fn missing_help(t: Template, opts: &Options, found: Found) -> String {
    let parts: Vec<String> = match &opts.sections {
        Some(s) => s.iter().map(|s| format!("`## {s}`")).collect(),
        None => t
            .parts()
            .iter()
            .map(|p| match p {
                Part::Section(s) => format!("`## {s}`"),
                Part::Phrase(s) => format!("\"{s} …\""),
            })
            .collect(),
    };
    let mut help = format!("A {} ADR has {}.", t.name(), parts.join(", "));
    if !matches!(found, Found::Set(_)) {
        help.push_str(
            " If the ADR follows another template, set `template:` (nygard, madr, log4brains, \
y-statement) for adr.format in .govern.yaml.",
        );
    }
    help
}

fn status_help(t: Template) -> String {
    match t {
        Template::Nygard => {
            "Add `## Status` with one of Proposed, Accepted, Deprecated, Superseded \
under it (seed 003 ADR template)."
                .to_string()
        }
        Template::Madr | Template::Log4brains => {
            "Add `status: accepted` to the front matter, or `- Status: accepted` under the title."
                .to_string()
        }
        Template::YStatement => "Add a line `Status: accepted` under the title.".to_string(),
    }
}
