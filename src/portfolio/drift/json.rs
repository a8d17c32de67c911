//! The drift report as JSON: the facts of the Markdown report, one object per change, for
//! dashboards and audits (`drift-YYYY-MM-DD.json`, `latest-drift.json`, `checkpoint
//! --compare --format json`).
//!
//! Shape: `{"version": 1, "from": {"date", "generated"}, "to": {...}, "summary": Counts,
//! "unintentional": Counts, "thresholds": {...}, "alerts": [..], "changes": [{"repository",
//! "kind", <kind's fields>, "new_violations": {rule: n}, "new_warnings", "resolved_violations",
//! "resolved_warnings", "description", "class": "unintentional" | "intentional",
//! "acknowledgement": {"line", "reason", "approved_by", "expires"} | null}],
//! "expired_acknowledgements": [{"line", "repository", "rule", "path", "expires",
//! "approved_by"}]}`. Keys and changes come in a fixed order: the same checkpoints give the
//! same bytes.

use serde_json::{json, Value};

use super::{Change, Drift};

/// The JSON format version.
pub const VERSION: u32 = 1;

fn change(d: &Drift, c: &Change) -> Value {
    let mut v = serde_json::to_value(&c.kind).expect("a change serializes");
    let ack = c.acknowledged_by.map(|i| {
        let a = &d.acks[i];
        json!({
            "line": a.line,
            "reason": a.reason,
            "approved_by": a.approved_by,
            "expires": a.expires.to_string(),
        })
    });
    let extra = json!({
        "repository": c.repository,
        "new_violations": c.new_violations,
        "new_warnings": c.new_warnings,
        "resolved_violations": c.resolved_violations,
        "resolved_warnings": c.resolved_warnings,
        "description": c.describe(),
        "class": if ack.is_some() { "intentional" } else { "unintentional" },
        "acknowledgement": ack,
    });
    let mut out = serde_json::Map::new();
    out.insert("repository".into(), extra["repository"].clone());
    out.append(v.as_object_mut().expect("a change is an object"));
    for (k, x) in extra.as_object().expect("an object") {
        out.entry(k.clone()).or_insert_with(|| x.clone());
    }
    Value::Object(out)
}

impl Drift {
    /// The report as pretty-printed JSON with a trailing newline.
    pub fn to_json(&self) -> String {
        let expired: Vec<Value> = self
            .expired
            .iter()
            .map(|a| {
                json!({
                    "line": a.line,
                    "repository": a.repository,
                    "rule": a.rule,
                    "path": a.path,
                    "expires": a.expires.to_string(),
                    "approved_by": a.approved_by,
                })
            })
            .collect();
        let v = json!({
            "version": VERSION,
            "from": {"date": self.from.0, "generated": self.from.1},
            "to": {"date": self.to.0, "generated": self.to.1},
            "summary": self.all,
            "unintentional": self.unintentional,
            "thresholds": self.thresholds,
            "alerts": self.alerts,
            "changes": self.changes.iter().map(|c| change(self, c)).collect::<Vec<_>>(),
            "expired_acknowledgements": expired,
        });
        let mut s = serde_json::to_string_pretty(&v).expect("JSON");
        s.push('\n');
        s
    }
}

/// The JSON report written when there is no previous checkpoint: `from` is null, no
/// changes, zero counts.
pub fn baseline_json(cp: &crate::portfolio::checkpoint::Checkpoint) -> String {
    let zero = super::Counts::default();
    let v = json!({
        "version": VERSION,
        "from": null,
        "to": {"date": cp.date, "generated": cp.generated},
        "summary": zero,
        "unintentional": zero,
        "thresholds": null,
        "alerts": [],
        "changes": [],
        "expired_acknowledgements": [],
    });
    let mut s = serde_json::to_string_pretty(&v).expect("JSON");
    s.push('\n');
    s
}
