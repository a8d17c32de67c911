//! `k8s.image-tag`: container images are pinned to a tag other than latest, or a digest.

use serde_json::Value;

use crate::dockerfile::{image_pin, Pin};
use crate::finding::{RawFinding, Severity};
use crate::rules::k8s::workloads;
use crate::rules::{Check, Ctx, Rule, RuleDoc};
use crate::yaml::Document;

/// The rule (seed 000 "no :latest"; checkov CKV_K8S_14, kube-linter latest-tag).
pub static RULE: Rule = Rule {
    id: crate::rules::RuleId::new("k8s.image-tag"),
    severity: Severity::Error,
    version: 1,
    summary: "Every container image names a tag other than latest, or a digest.",
    options: &crate::rules::NO_OPTIONS,
    doc: RuleDoc {
        what: "Checks `image` of every container and init container of a workload: untagged \
images and `:latest` are reported at the line of the `image:` key.",
        why: "A moving tag makes a rollout non-reproducible: two pods of the same ReplicaSet can \
run different code, and a rollback does not roll anything back.",
        example: crate::rules::doc_files!("k8s.image-tag", "example", ["deploy.yaml"]),
        use_instead: crate::rules::doc_files!("k8s.image-tag", "use-instead", ["deploy.yaml"]),
        references: &[
            "seed 000: enforce.py (no :latest)",
            "checkov CKV_K8S_14 (image tag is fixed)",
            "kube-linter latest-tag",
        ],
    },
    check: Check::Manifest(check),
};

fn check(docs: &[Document], _ctx: &Ctx) -> Vec<RawFinding> {
    let mut out = Vec::new();
    for w in workloads(docs) {
        for c in &w.containers {
            let Some(image) = c.value.get("image").and_then(Value::as_str) else {
                continue;
            };
            let problem = match image_pin(image) {
                Pin::Latest => "uses the moving tag `latest`".to_string(),
                Pin::Untagged => format!("has no tag, so it means `{image}:latest`"),
                _ => continue,
            };
            let which = if c.init {
                "init container"
            } else {
                "container"
            };
            out.push(RawFinding::new(
                RULE.id,
                Some(w.line(&format!("{}/image", c.pointer))),
                format!("image `{image}` of {which} {:?} in {} {problem}", c.name, w.label()),
                "Pin the image to a released version (`image: nginx:1.27.3`) or a digest (`image: nginx@sha256:<digest>`).",
            ).anchored(w.anchors(c)));
        }
    }
    out
}
