//! `adr.present`: repositories that must record decisions have ADRs.

use serde_json::Value;

use crate::finding::{RawFinding, Severity};
use crate::kinds::metadata::PATH as METADATA_PATH;
use crate::path::RepoPath;
use crate::rules::{Check, Ctx, Rule, RuleDoc, Typed};
use serde::{Deserialize, Serialize};

use crate::source::RepoView;

/// The rule (seed 000 "Architecture Decision Records (ADR presence)"; seed 003 "Architecture
/// decisions (ADRs)" in the required project documentation).
pub static RULE: Rule = Rule {
    id: crate::rules::RuleId::new("adr.present"),
    severity: Severity::Error,
    version: 1,
    summary: "Production and tier 1-2 repositories keep ADRs in an ADR directory.",
    options: &Typed::<Options>::NEW,
    doc: RuleDoc {
        what: "Looks for at least one Markdown ADR in the ADR directories (`dirs`, default \
docs/adr, doc/adr, adr, docs/decisions, docs/architecture/decisions). With `require: auto` \
(default) ADRs are required when `.meta/repo.yaml` gives a `tier` in `tiers` or a `lifecycle` in \
`lifecycles`; `always` and `never` do what they say.",
        why: "Critical systems outlive the people who designed them; without written decisions, \
later changes undo reasoning nobody can find.",
        example: crate::rules::doc_files!(
            "adr.present",
            "example",
            [".meta/repo.yaml", "README.md"]
        ),
        use_instead: crate::rules::doc_files!(
            "adr.present",
            "use-instead",
            [
                ".meta/repo.yaml",
                "README.md",
                "docs/adr/0001-record-architecture-decisions.md"
            ]
        ),
        references: &[
            "seed 000: enforce.py ADR presence",
            "seed 003: ADR process and template",
        ],
    },
    check: Check::Repo(check),
};

/// Options of `adr.present`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Options {
    /// `auto` (by tier and lifecycle), `always` or `never`.
    pub require: String,
    /// With `auto`: the tiers that need ADRs.
    pub tiers: Vec<i64>,
    /// With `auto`: the lifecycles that need ADRs.
    pub lifecycles: Vec<String>,
    /// ADR directories (empty: the defaults of [`crate::kinds::adr::DEFAULT_DIRS`]).
    pub dirs: Vec<String>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            require: "auto".into(),
            tiers: vec![1, 2],
            lifecycles: vec!["production".into()],
            dirs: Vec::new(),
        }
    }
}

fn check(repo: &dyn RepoView, ctx: &Ctx) -> Vec<(RepoPath, RawFinding)> {
    let opts: &Options = ctx.options();
    let required = match opts.require.as_str() {
        "always" => true,
        "never" => false,
        _ => {
            let meta = repo
                .read(METADATA_PATH.as_bytes())
                .and_then(|b| String::from_utf8(b).ok())
                .and_then(|t| crate::yaml::parse_stream(&t).ok())
                .and_then(|d| d.into_iter().next());
            let Some(meta) = meta else { return Vec::new() };
            let tier_hit = meta
                .value
                .get("tier")
                .and_then(Value::as_i64)
                .is_some_and(|t| opts.tiers.contains(&t));
            let lc_hit = meta
                .value
                .get("lifecycle")
                .and_then(Value::as_str)
                .is_some_and(|l| opts.lifecycles.iter().any(|x| x == l));
            tier_hit || lc_hit
        }
    };
    if !required {
        return Vec::new();
    }
    let dirs = super::dirs(&opts.dirs);
    if !crate::kinds::adr::files(repo, &dirs).is_empty() {
        return Vec::new();
    }
    vec![(
        RepoPath::from_bytes(dirs[0].as_bytes()),
        RawFinding::new(
            RULE.id,
            None,
            format!("this repository must keep ADRs, but none of {} holds one", dirs.join(", ")),
            format!("Record the first decision as {}/0001-<title>.md with the sections Status, Context, Decision and Consequences.", dirs[0]),
        ),
    )]
}
