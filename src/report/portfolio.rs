//! Portfolio report: the findings of every repository (paths relative to the governance
//! root) in any `check` format, followed by a portfolio summary: totals, by organization,
//! by rule, and each repository's counts.
//!
//! JSON: the `check` report of the merged findings plus a `portfolio` member
//! (`schemas/report.schema.json`): `{"repositories": [{"repository", "path", "compliance",
//! "violations", "warnings", "errors"}], "total_repos", "total_violations",
//! "total_warnings", "by_rule": {rule: {violations, warnings}}, "by_organization": {org:
//! {repositories, violations, warnings}}}`, sorted.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use crate::engine::Outcome;
use crate::portfolio::scan::Scan;
use crate::report::{self, plural, Format};

struct OrgTotals {
    repos: usize,
    violations: usize,
    warnings: usize,
}

fn by_org(scan: &Scan) -> BTreeMap<&str, OrgTotals> {
    let mut m: BTreeMap<&str, OrgTotals> = BTreeMap::new();
    for r in &scan.repos {
        let t = m.entry(&r.record.organization).or_insert(OrgTotals {
            repos: 0,
            violations: 0,
            warnings: 0,
        });
        t.repos += 1;
        t.violations += r.record.violation_count();
        t.warnings += r.record.warning_count();
    }
    m
}

/// The `portfolio` member of the JSON report.
pub fn summary_value(scan: &Scan, merged: &Outcome) -> Value {
    let repositories: Vec<Value> = scan
        .repos
        .iter()
        .map(|r| {
            json!({
                "repository": r.record.key(),
                "path": r.record.path,
                "compliance": r.record.compliance,
                "violations": r.record.violation_count(),
                "warnings": r.record.warning_count(),
                "errors": r.record.errors,
                "input_errors": r.record.input_errors,
            })
        })
        .collect();
    let mut rules: Vec<(&str, (usize, usize))> = crate::engine::by_rule(&merged.findings)
        .into_iter()
        .collect();
    rules.sort();
    let by_rule: serde_json::Map<String, Value> = rules
        .into_iter()
        .map(|(r, (v, w))| (r.to_string(), json!({"violations": v, "warnings": w})))
        .collect();
    let orgs: serde_json::Map<String, Value> = by_org(scan)
        .into_iter()
        .map(|(o, t)| {
            (
                o.to_string(),
                json!({"repositories": t.repos, "violations": t.violations, "warnings": t.warnings}),
            )
        })
        .collect();
    json!({
        "repositories": repositories,
        "total_repos": scan.repos.len(),
        "total_violations": merged.violations(),
        "total_warnings": merged.warnings(),
        "by_rule": by_rule,
        "by_organization": orgs,
    })
}

fn text_summary(scan: &Scan, merged: &Outcome) -> String {
    let mut s = format!(
        "\nportfolio: {} in {}: {}, {}\n",
        plural(scan.repos.len(), "repository"),
        plural(by_org(scan).len(), "organization"),
        plural(merged.violations(), "violation"),
        plural(merged.warnings(), "warning"),
    );
    let w = scan
        .repos
        .iter()
        .map(|r| r.record.key().len())
        .max()
        .unwrap_or(0)
        .max(10);
    s.push_str(&format!(
        "  {:<w$}  {:<16}  {:>10}  {:>8}\n",
        "repository", "compliance", "violations", "warnings"
    ));
    for r in &scan.repos {
        s.push_str(&format!(
            "  {:<w$}  {:<16}  {:>10}  {:>8}\n",
            r.record.key(),
            r.record.compliance.as_str(),
            r.record.violation_count(),
            r.record.warning_count()
        ));
    }
    s
}

fn markdown_summary(scan: &Scan) -> String {
    use crate::report::markdown::cell;
    let mut s = String::from(
        "\n### Portfolio\n\n| organization | repositories | violations | warnings |\n|---|---:|---:|---:|\n",
    );
    for (o, t) in by_org(scan) {
        s.push_str(&format!(
            "| {} | {} | {} | {} |\n",
            cell(o),
            t.repos,
            t.violations,
            t.warnings
        ));
    }
    s.push_str("\n| repository | compliance | violations | warnings |\n|---|---|---:|---:|\n");
    for r in &scan.repos {
        s.push_str(&format!(
            "| {} | {} | {} | {} |\n",
            cell(&r.record.key()),
            r.record.compliance.as_str(),
            r.record.violation_count(),
            r.record.warning_count()
        ));
    }
    s
}

/// Renders the portfolio report as `format` in `style`.
pub fn render(scan: &Scan, format: Format, style: &report::Style) -> String {
    let merged = scan.merged();
    match format {
        Format::Text => report::text::render(&merged, style.color) + &text_summary(scan, &merged),
        Format::Markdown => report::markdown::render(&merged) + &markdown_summary(scan),
        Format::Json => {
            let mut v = report::json::value(&merged);
            v["portfolio"] = summary_value(scan, &merged);
            let mut s = serde_json::to_string_pretty(&v).expect("report serializes");
            s.push('\n');
            s
        }
        other => report::render(&merged, other, style),
    }
}
