//! SARIF 2.1.0 report, for GitHub code scanning and other SARIF consumers.
//!
//! One run; `tool.driver.rules` lists every registered rule with its summary, its full
//! `explain` text as help (plain and Markdown), a `helpUri` and, for security rules, a
//! `security-severity`; then the Rego policy rules that appear. Each finding is a result
//! with its rule index, level, message (the finding and how to fix it), a region when it
//! has a line, and `partialFingerprints` that survive moved lines. Inline suppressions
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

/// Where a rule's documentation is published: its directory of this version's tag.
fn help_uri(id: &str) -> String {
    format!(
        "{INFORMATION_URI}/tree/v{}/docs/rules/{id}",
        env!("CARGO_PKG_VERSION")
    )
}

/// The project's home, SARIF's `informationUri`.
const INFORMATION_URI: &str = "https://github.com/git-govern/git-govern";

/// GitHub code scanning's `security-severity` of the rules that guard against an attack or
/// a leak (0.1–10; from 9 critical, from 7 high, from 4 medium); `None` for the others.
/// Secrets are critical (checkov CKV_SECRET_*), a privileged container high (checkov
/// CKV_K8S_16), root and privilege escalation high (CKV_K8S_20/23, hadolint DL3002), an
/// unpinned image medium (hadolint DL3006/DL3007, CKV_K8S_14).
pub fn security_severity(id: &str) -> Option<&'static str> {
    match id {
        _ if id.starts_with("secrets.") => Some("9.0"),
        "k8s.privileged" => Some("8.8"),
        "k8s.privilege-escalation" | "k8s.run-as-non-root" | "docker.user-not-root" => Some("7.0"),
        "docker.pinned-base-image" | "k8s.image-tag" => Some("5.0"),
        _ => None,
    }
}

/// A registered rule as a SARIF `reportingDescriptor`.
fn descriptor(r: &rules::Rule) -> Value {
    let mut tags = vec![r.id.family().to_string()];
    let mut properties = json!({});
    if let Some(sev) = security_severity(r.id.as_str()) {
        tags.push("security".into());
        properties["security-severity"] = json!(sev);
    }
    properties["tags"] = json!(tags);
    json!({
        "id": r.id,
        "name": r.id,
        "shortDescription": {"text": r.summary},
        "fullDescription": {"text": r.doc.what},
        "help": {"text": rules::explain(r), "markdown": rules::explain_markdown(r)},
        "helpUri": help_uri(r.id.as_str()),
        "defaultConfiguration": {"level": level(r.severity)},
        "properties": properties,
    })
}

/// `partialFingerprints` of each result, in order: `gitGovern/v1` is blake3 over rule,
/// path, message and the occurrence of that triple (so an alert keeps its identity when
/// lines move, and two equal findings in one file stay two), 32 hex digits.
fn fingerprints(keys: &[(&str, String, &str)]) -> Vec<String> {
    let mut seen: std::collections::HashMap<&(&str, String, &str), u32> =
        std::collections::HashMap::new();
    keys.iter()
        .map(|k| {
            let n = seen.entry(k).or_default();
            *n += 1;
            let mut h = blake3::Hasher::new();
            for part in [k.0, k.1.as_str(), k.2] {
                h.update(part.as_bytes());
                h.update(&[0]);
            }
            h.update(&n.to_le_bytes());
            h.finalize().to_hex()[..32].to_string()
        })
        .collect()
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
            Some(r) => descriptor(r),
            None => json!({
                "id": id,
                "name": id,
                "shortDescription": {"text": format!("Rego policy rule {id}")},
                "properties": {"tags": ["policy"]},
            }),
        })
        .collect();
    let mut results: Vec<Value> = Vec::new();
    let keys: Vec<(&str, String, &str)> = o
        .findings
        .iter()
        .map(|f| {
            (
                f.rule.as_str(),
                f.path.shown().into_owned(),
                f.message.as_str(),
            )
        })
        .collect();
    for (f, print) in o.findings.iter().zip(fingerprints(&keys)) {
        let mut r = result(
            &ids,
            &f.rule,
            level(f.severity),
            format!("{} ({})", f.message, f.help),
            location(&f.path, f.line.map(Line::get), f.column),
        );
        r["partialFingerprints"] = json!({"gitGovern/v1": print});
        if let Some(fp) = &f.fingerprint {
            r["partialFingerprints"]["gitGovernSecret/v1"] = json!(fp);
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
                "informationUri": INFORMATION_URI,
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
