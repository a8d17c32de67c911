//! `adr.format`: each ADR has the template's sections and a valid status.

use crate::finding::{RawFinding, Severity};
use serde::{Deserialize, Serialize};

use crate::kinds::adr::Adr;
use crate::rules::{Check, Ctx, Rule, RuleDoc, Typed};

/// The rule (seed 003 "ADR Template": Status, Context, Decision, Consequences; status one of
/// Proposed, Accepted, Deprecated, Superseded).
pub static RULE: Rule = Rule {
    id: crate::rules::RuleId::new("adr.format"),
    severity: Severity::Error,
    version: 1,
    summary: "Each ADR has Status, Context, Decision and Consequences sections and a valid status.",
    options: &Typed::<Options>::NEW,
    doc: RuleDoc {
        what: "Reads every Markdown file in the ADR directories (README.md, index.md and \
template.md excepted). Each heading named in `sections` must be present (any heading level, \
case-insensitive), and the first word of the text under Status must be one of `statuses` \
(\"Superseded by ADR-012\" is fine). Findings point at the Status heading or at line 1.",
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
        references: &["seed 003: Architecture Decision Records, ADR Template"],
    },
    check: Check::Adr(check),
};

/// Options of `adr.format`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Options {
    /// Headings every ADR has (any level, case-insensitive).
    pub sections: Vec<String>,
    /// The words the Status section may start with.
    pub statuses: Vec<String>,
    /// ADR directories (empty: the defaults of [`crate::kinds::adr::DEFAULT_DIRS`]).
    pub dirs: Vec<String>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            sections: vec![
                "Status".into(),
                "Context".into(),
                "Decision".into(),
                "Consequences".into(),
            ],
            statuses: vec![
                "Proposed".into(),
                "Accepted".into(),
                "Deprecated".into(),
                "Superseded".into(),
            ],
            dirs: Vec::new(),
        }
    }
}

fn check(adr: &Adr, ctx: &Ctx) -> Vec<RawFinding> {
    let mut out = Vec::new();
    let opts: &Options = ctx.options();
    let missing: Vec<&String> = opts
        .sections
        .iter()
        .filter(|s| adr.heading(s).is_none())
        .collect();
    if !missing.is_empty() {
        out.push(RawFinding::new(
            RULE.id,
            Some(1),
            format!("the ADR has no {} section", join(&missing, ", no ")),
            format!(
                "Add `## {}` with its text (seed 003 ADR template).",
                join(&missing, "`, `## ")
            ),
        ));
    }
    if let Some(status) = adr.heading("status") {
        let line = &status.line;
        let value = adr.first_line_under(status);
        let statuses = &opts.statuses;
        let word = value.map(|v| {
            v.trim_matches(|c: char| c == '[' || c == ']' || c == '*' || c == '_')
                .split(|c: char| c.is_whitespace() || c == '|')
                .next()
                .unwrap_or("")
                .trim_matches(|c: char| !c.is_alphanumeric())
                .to_string()
        });
        let ok = word
            .as_deref()
            .is_some_and(|w| statuses.iter().any(|s| s.eq_ignore_ascii_case(w)));
        if !ok {
            out.push(RawFinding::new(
                RULE.id,
                Some(*line),
                match value {
                    Some(v) => format!("ADR status {v:?} is not one of {}", statuses.join(", ")),
                    None => "the Status section is empty".to_string(),
                },
                format!(
                    "Write one of {} as the first word under the Status heading.",
                    statuses.join(", ")
                ),
            ));
        }
    }
    out
}

fn join(items: &[&String], sep: &str) -> String {
    items
        .iter()
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(sep)
}
