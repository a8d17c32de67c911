//! `slo.defined`: services declare availability and latency targets.

use serde_json::Value;

use crate::finding::{RawFinding, Severity};
use crate::rules::{Check, Ctx, Rule, RuleDoc};
use crate::yaml::Document;

/// The rule (seed 000 "Service SLOs (availability, latency targets)"; seed 004 "SLO
/// definition as code", "100% of Tier-1 services have defined SLOs").
pub static RULE: Rule = Rule {
    id: crate::rules::RuleId::new("slo.defined"),
    severity: Severity::Error,
    version: 1,
    summary: "Repositories of a service type declare slo.availability and slo.latency in .meta/repo.yaml.",
    options: &crate::rules::Typed::<Options>::NEW,
    doc: RuleDoc {
        what: "When `.meta/repo.yaml` has a `type` listed in `types` and a `tier` listed in \
`tiers`, it must declare `slo.availability` (percent) and `slo.latency` (at least one \
percentile target in ms). Other repositories are left alone.",
        why: "A service without written targets has no error budget: nobody can tell whether it \
is healthy, and alerts and release gates have nothing to measure against.",
        example: crate::rules::doc_files!("slo.defined", "example", [".meta/repo.yaml"]),
        use_instead: crate::rules::doc_files!("slo.defined", "use-instead", [".meta/repo.yaml"]),
        references: &["seed 000: enforce.py Service SLOs", "seed 004: SLO definition as code"],
    },
    check: Check::Metadata(check),
};

/// Options of `slo.defined`.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Options {
    /// Metadata `type`s that must declare SLOs.
    pub types: Vec<String>,
    /// Tiers that must declare SLOs.
    pub tiers: Vec<i64>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            types: vec!["service".into(), "api".into()],
            tiers: vec![1, 2, 3, 4],
        }
    }
}

fn check(doc: Option<&Document>, ctx: &Ctx) -> Vec<RawFinding> {
    let Some(doc) = doc else { return Vec::new() };
    let v = &doc.value;
    let Some(kind) = v.get("type").and_then(Value::as_str) else {
        return Vec::new();
    };
    let opts: &Options = ctx.options();
    if !opts.types.iter().any(|t| t == kind) {
        return Vec::new();
    }
    let tiers = &opts.tiers;
    if let Some(tier) = v.get("tier").and_then(Value::as_i64) {
        if !tiers.contains(&tier) {
            return Vec::new();
        }
    }
    let slo = v.get("slo");
    let has_availability = slo
        .and_then(|s| s.get("availability"))
        .is_some_and(Value::is_number);
    let has_latency = slo
        .and_then(|s| s.get("latency"))
        .and_then(Value::as_object)
        .is_some_and(|m| m.values().any(Value::is_number));
    let mut missing = Vec::new();
    if !has_availability {
        missing.push("slo.availability");
    }
    if !has_latency {
        missing.push("slo.latency");
    }
    if missing.is_empty() {
        return Vec::new();
    }
    let line = if slo.is_some() {
        doc.line_of("/slo")
    } else {
        doc.line_of("/type")
    };
    vec![RawFinding::new(
        RULE.id,
        Some(line),
        format!("a {kind} must declare {}", missing.join(" and ")),
        "Add e.g. `slo: {availability: 99.9, latency: {p99_ms: 300}}` to .meta/repo.yaml.",
    )]
}
