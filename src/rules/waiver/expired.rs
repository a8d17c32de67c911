//! `waiver.expired`: a waiver in `.govern.yaml` is past its expiry date.

use crate::finding::Severity;
use crate::rules::{Check, Rule, RuleDoc};

/// The rule (seed 000 governance exceptions; DESIGN.md: waivers name an owner, a reason and
/// an expiry date). Evaluated by [`crate::waiver::apply`], not per file.
pub static RULE: Rule = Rule {
    id: crate::rules::RuleId::new("waiver.expired"),
    severity: Severity::Error,
    version: 1,
    summary: "Waivers in .govern.yaml have not passed their expiry date.",
    options: &crate::rules::NO_OPTIONS,
    doc: RuleDoc {
        what: "Reports every waiver whose `expires` date is before today, at its line in \
.govern.yaml, naming its owner. An expired waiver also stops waiving: the findings it \
covered count again. Today is the local date, or the date of `SOURCE_DATE_EPOCH` when set \
(so a CI run can be reproduced).",
        why: "A waiver is a reviewed, time-boxed exception. Once it expires nobody has \
re-approved the risk, and an exception that never ends is a silent policy change.",
        example: crate::rules::doc_files!("waiver.expired", "example", [".govern.yaml"]),
        use_instead: crate::rules::doc_files!("waiver.expired", "use-instead", [".govern.yaml"]),
        references: &["seed 000: governance exceptions", "DESIGN.md: waivers"],
    },
    check: Check::Config,
};
