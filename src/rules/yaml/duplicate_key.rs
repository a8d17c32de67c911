//! `yaml.duplicate-key`: no mapping of a manifest gives the same key twice.

use crate::finding::{RawFinding, Severity};
use crate::rules::{Check, Ctx, Rule, RuleDoc};
use crate::yaml::Document;

/// The rule (yamllint key-duplicates; kubectl applies such a file with the last value and a
/// warning).
pub static RULE: Rule = Rule {
    id: crate::rules::RuleId::new("yaml.duplicate-key"),
    severity: Severity::Warning,
    version: 1,
    summary: "No mapping of a Kubernetes manifest gives the same key twice.",
    options: &crate::rules::NO_OPTIONS,
    doc: RuleDoc {
        what: "Reports every key that a mapping of a manifest gives a second time, at the line \
of the repeat, naming the earlier line. The other rules judge the document as kubectl \
applies it: the last value wins.",
        why: "YAML 1.2 forbids repeated keys, and readers disagree about them: kubectl keeps \
the last value, other tools the first or refuse the file. Whoever edits the first value sees \
no effect, and a review shows one intent while the cluster runs another.",
        example: crate::rules::doc_files!("yaml.duplicate-key", "example", ["service.yaml"]),
        use_instead: crate::rules::doc_files!(
            "yaml.duplicate-key",
            "use-instead",
            ["service.yaml"]
        ),
        references: &[
            "yamllint key-duplicates",
            "YAML 1.2.2, 3.2.1.1: the keys of a mapping are unique",
        ],
    },
    check: Check::Manifest(check),
};

fn check(docs: &[Document], _ctx: &Ctx) -> Vec<RawFinding> {
    docs.iter()
        .flat_map(|d| &d.duplicates)
        .map(|d| {
            let at = d.pointer.rsplit_once('/').map_or("", |(parent, _)| parent);
            let within = if at.is_empty() { "the document".to_string() } else { format!("`{at}`") };
            RawFinding::new(
                RULE.id,
                Some(d.line),
                format!(
                    "key `{}` is given a second time in {within} (first at line {}); kubectl uses this last value",
                    d.key, d.first_line
                ),
                format!(
                    "Keep one `{}:` with the value you mean and delete the other.",
                    d.key
                ),
            )
        })
        .collect()
}
