//! JSON report, as described by `schemas/report.schema.json`.
//!
//! Shape: `{"version": 1, "findings": [...], "suppressed": [...], "waived": [...], "errors": [...],
//! "skipped": [...], "summary": {...}}`, findings sorted by path, line, rule. No
//! timestamps: the same input gives byte-identical output except `summary.cache_hits`.

use serde_json::{json, Value};

use crate::engine::Outcome;

/// The report format version (`version` field).
pub const VERSION: u32 = 1;

/// The report as a JSON value.
pub fn value(o: &Outcome) -> Value {
    let findings: Vec<Value> = o
        .findings
        .iter()
        .map(|f| {
            let mut v = json!({
                "rule": f.rule, "severity": f.severity, "path": f.path.shown(),
                "line": f.line, "column": f.column, "message": f.message, "help": f.help,
                "fingerprint": f.fingerprint,
            });
            // Only a monorepo's findings name their component, so other reports keep
            // their bytes.
            if !o.components.is_empty() {
                v["component"] = json!(o.components.of(f.path.as_bytes()));
            }
            v
        })
        .collect();
    let suppressed: Vec<Value> = o
        .suppressed
        .iter()
        .map(
            |s| json!({"rule": s.rule, "path": s.path.shown(), "line": s.line, "reason": s.reason}),
        )
        .collect();
    let waived: Vec<Value> = o
        .waived
        .iter()
        .map(|w| json!({"rule": w.rule, "path": w.path.shown(), "line": w.line, "reason": w.reason, "owner": w.owner, "expires": w.expires}))
        .collect();
    let errors: Vec<Value> = o
        .errors
        .iter()
        .map(|e| json!({"path": e.path.shown(), "line": e.line, "message": e.message}))
        .collect();
    let skipped: Vec<Value> = o
        .skipped
        .iter()
        .map(|s| json!({"path": s.path.shown(), "reason": s.reason}))
        .collect();
    let mut by_rule: Vec<(&str, (usize, usize))> =
        crate::engine::by_rule(&o.findings).into_iter().collect();
    by_rule.sort();
    let by_rule: serde_json::Map<String, Value> = by_rule
        .into_iter()
        .map(|(r, (v, w))| (r.to_string(), json!({"violations": v, "warnings": w})))
        .collect();
    json!({
        "version": VERSION,
        "findings": findings,
        "suppressed": suppressed,
        "waived": waived,
        "errors": errors,
        "skipped": skipped,
        "summary": {
            "files_checked": o.files_checked,
            "commits_checked": o.commits_checked,
            "branches_checked": o.branches_checked,
            "violations": o.violations(),
            "warnings": o.warnings(),
            "suppressed": o.suppressed.len(),
            "waived": o.waived.len(),
            "skipped": o.skipped.len(),
            "errors": o.errors.len(),
            "cache_hits": o.cache_hits,
            "by_rule": by_rule,
        }
    })
}

/// Pretty-printed JSON with a trailing newline.
pub fn render(o: &Outcome) -> String {
    let mut s = serde_json::to_string_pretty(&value(o)).expect("report serializes");
    s.push('\n');
    s
}
