//! `k8s.resources`: every container sets resource requests and limits.

use serde_json::Value;

use crate::finding::{RawFinding, Severity};
use crate::rules::k8s::workloads;
use crate::rules::{Check, Ctx, Rule, RuleDoc};
use crate::yaml::Document;

/// The rule (seed 000 "Kubernetes manifests: resource limits"; checkov CKV_K8S_10–13,
/// kube-linter unset-cpu-requirements and unset-memory-requirements).
pub static RULE: Rule = Rule {
    id: crate::rules::RuleId::new("k8s.resources"),
    severity: Severity::Error,
    version: 2,
    summary: "Every container and init container of a workload sets resource requests and limits.",
    options: &crate::rules::Typed::<Options>::NEW,
    doc: RuleDoc {
        what: "For each container and init container of a workload (Pod, Deployment, StatefulSet, \
DaemonSet, ReplicaSet, ReplicationController, Job, CronJob), reports the `resources.requests` and \
`resources.limits` entries named in the options that are missing. A request left out where \
the limit of the same resource is set is not missing: Kubernetes sets the request to the limit \
(checkov passes it too). Teams that deliberately run without CPU limits set `limits: [memory]`.",
        why: "Without requests the scheduler packs pods blindly; without limits one container can \
starve its neighbours or take the node down with it.",
        example: crate::rules::doc_files!("k8s.resources", "example", ["deploy.yaml"]),
        use_instead: crate::rules::doc_files!("k8s.resources", "use-instead", ["deploy.yaml"]),
        references: &[
            "seed 000: enforce.py Kubernetes manifests (resource limits)",
            "checkov CKV_K8S_10, CKV_K8S_11, CKV_K8S_12, CKV_K8S_13",
            "kube-linter unset-cpu-requirements, unset-memory-requirements",
        ],
    },
    check: Check::Manifest(check),
};

/// Options of `k8s.resources`.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Options {
    /// Resources every container requests.
    pub requests: Vec<String>,
    /// Resources every container limits.
    pub limits: Vec<String>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            requests: vec!["cpu".into(), "memory".into()],
            limits: vec!["cpu".into(), "memory".into()],
        }
    }
}

fn check(docs: &[Document], ctx: &Ctx) -> Vec<RawFinding> {
    let mut out = Vec::new();
    let Options { requests, limits } = ctx.options::<Options>();
    for w in workloads(docs) {
        for c in &w.containers {
            let res = c.value.get("resources");
            let mut missing = Vec::new();
            let set = |section: &str, k: &str| {
                res.and_then(|r| r.get(section))
                    .and_then(|s| s.get(k))
                    .is_some_and(|v| !v.is_null())
            };
            for (section, keys) in [("requests", requests), ("limits", limits)] {
                for k in keys {
                    // Kubernetes takes a missing request from the limit of the same
                    // resource, so a limit alone sets both.
                    let given = set(section, k) || (section == "requests" && set("limits", k));
                    if !given {
                        missing.push(format!("{section}.{k}"));
                    }
                }
            }
            if missing.is_empty() {
                continue;
            }
            let pointer = if res.is_some_and(Value::is_object) {
                format!("{}/resources", c.pointer)
            } else {
                c.pointer.clone()
            };
            let which = if c.init {
                "init container"
            } else {
                "container"
            };
            out.push(RawFinding::new(
                RULE.id,
                Some(w.line(&pointer)),
                format!("{which} {:?} of {} sets no resources.{}", c.name, w.label(), missing.join(", resources.")),
                "Set `resources.requests` (what the container needs to be scheduled) and `resources.limits` \
(the most it may use), e.g. `requests: {cpu: 100m, memory: 128Mi}` and `limits: {cpu: 500m, memory: 256Mi}`.",
            ).anchored(w.anchors(c)));
        }
    }
    out
}
