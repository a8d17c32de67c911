//! SARIF 2.1.0 report, for GitHub code scanning and other SARIF consumers.
//!
//! One run; `tool.driver.rules` lists every registered rule with its summary and its full
//! `explain` text as help, then the Rego policy rules that appear; each finding is a result with its rule index, level, message
//! (the finding and how to fix it) and a region when it has a line. Inline suppressions
//! appear as results with an `inSource` suppression, waived findings with an `external`
//! one; files that could not be checked are tool execution notifications. Nothing depends
//! on time or on the machine (no absolute paths), so the output is deterministic.

use serde_json::{json, Value};

use crate::engine::Outcome;
use crate::finding::{Line, Severity};
use crate::path::RepoPath;
use crate::rules;

/// The `$schema` URI of SARIF 2.1.0 files.
pub const SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// Percent-encodes a repo-relative path (as reports show it, secrets redacted) as a
/// relative URI reference: unreserved characters and `/` stay, every other byte becomes
/// `%XX`.
pub fn uri(path: &RepoPath) -> String {
    let mut out = String::new();
    for &b in path.shown().as_bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

fn location(path: &RepoPath, line: Option<u32>, column: Option<u32>) -> Value {
    let mut physical = json!({
        "artifactLocation": {"uri": uri(path), "uriBaseId": "%SRCROOT%"}
    });
    if let Some(l) = line.filter(|l| *l > 0) {
        let mut region = json!({"startLine": l});
        if let Some(c) = column.filter(|c| *c > 0) {
            region["startColumn"] = json!(c);
        }
        physical["region"] = region;
    }
    json!({"physicalLocation": physical})
}

/// The rule ids of the run: every registered rule, then the Rego policy rules that appear
/// in the outcome, sorted.
fn rule_ids(o: &Outcome) -> Vec<String> {
    let mut ids: Vec<String> = rules::ALL.iter().map(|r| r.id.to_string()).collect();
    let mut extra: Vec<&str> = o
        .findings
        .iter()
        .map(|f| f.rule.as_str())
        .chain(o.suppressed.iter().map(|s| s.rule.as_str()))
        .chain(o.waived.iter().map(|w| w.rule.as_str()))
        .filter(|id| rules::by_id(id).is_none())
        .collect();
    extra.sort();
    extra.dedup();
    ids.extend(extra.into_iter().map(str::to_string));
    ids
}

fn result(ids: &[String], rule: &str, lvl: &str, text: String, loc: Value) -> Value {
    let mut r = json!({
        "ruleId": rule,
        "level": lvl,
        "message": {"text": text},
        "locations": [loc],
    });
    if let Some(i) = ids.iter().position(|id| id == rule) {
        r["ruleIndex"] = json!(i);
    }
    r
}

/// The report as a JSON value.
pub fn value(o: &Outcome) -> Value {
    let ids = rule_ids(o);
    let driver_rules: Vec<Value> = ids
        .iter()
        .map(|id| match rules::by_id(id) {
            Some(r) => json!({
                "id": r.id,
                "name": r.id,
                "shortDescription": {"text": r.summary},
                "fullDescription": {"text": r.doc.what},
                "help": {"text": rules::explain(r)},
                "defaultConfiguration": {"level": level(r.severity)},
                "properties": {"tags": [r.id.family()]},
            }),
            None => json!({
                "id": id,
                "name": id,
                "shortDescription": {"text": format!("Rego policy rule {id}")},
                "properties": {"tags": ["policy"]},
            }),
        })
        .collect();
    let mut results: Vec<Value> = Vec::new();
    for f in &o.findings {
        let mut r = result(
            &ids,
            &f.rule,
            level(f.severity),
            format!("{} ({})", f.message, f.help),
            location(&f.path, f.line.map(Line::get), f.column),
        );
        if let Some(fp) = &f.fingerprint {
            r["partialFingerprints"] = json!({"gitGovernSecret/v1": fp});
        }
        results.push(r);
    }
    for s in &o.suppressed {
        let mut r = result(
            &ids,
            &s.rule,
            "note",
            format!("suppressed: {}", s.rule),
            location(&s.path, s.line.map(Line::get), None),
        );
        r["suppressions"] = json!([{"kind": "inSource", "justification": s.reason}]);
        results.push(r);
    }
    for w in &o.waived {
        let mut r = result(
            &ids,
            &w.rule,
            "note",
            format!(
                "waived: {} (owner {}, until {})",
                w.rule, w.owner, w.expires
            ),
            location(&w.path, w.line.map(Line::get), None),
        );
        r["suppressions"] = json!([{
            "kind": "external",
            "justification": w.reason,
            "properties": {"owner": w.owner, "expires": w.expires},
        }]);
        results.push(r);
    }
    let notifications: Vec<Value> = o
        .errors
        .iter()
        .map(|e| {
            json!({
                "level": "error",
                "message": {"text": format!("could not check: {}", e.message)},
                "locations": [location(&e.path, e.line.map(Line::get), None)],
            })
        })
        .collect();
    json!({
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "git-govern",
                "semanticVersion": env!("CARGO_PKG_VERSION"),
                "informationUri": "https://github.com/git-govern/git-govern",
                "rules": driver_rules,
            }},
            "invocations": [{
                "executionSuccessful": o.errors.is_empty(),
                "toolExecutionNotifications": notifications,
            }],
            "columnKind": "unicodeCodePoints",
            "results": results,
        }]
    })
}

/// Pretty-printed SARIF with a trailing newline.
pub fn render(o: &Outcome) -> String {
    let mut s = serde_json::to_string_pretty(&value(o)).expect("SARIF serializes");
    s.push('\n');
    s
}
