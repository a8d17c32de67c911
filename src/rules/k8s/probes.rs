//! `k8s.probes`: long-running containers have liveness and readiness probes.

use crate::finding::{RawFinding, Severity};
use crate::rules::k8s::workloads;
use crate::rules::{Check, Ctx, Rule, RuleDoc};
use crate::yaml::Document;

/// The rule (seed 000 "Kubernetes manifests: probes"; checkov CKV_K8S_8 and CKV_K8S_9,
/// kube-linter no-liveness-probe and no-readiness-probe).
pub static RULE: Rule = Rule {
    id: crate::rules::RuleId::new("k8s.probes"),
    severity: Severity::Error,
    version: 1,
    summary: "Containers of long-running workloads declare liveness and readiness probes.",
    options: &crate::rules::Typed::<Options>::NEW,
    doc: RuleDoc {
        what: "For each container (not init containers) of a Pod, Deployment, StatefulSet, \
DaemonSet, ReplicaSet or ReplicationController, reports the probes named in `require` that are \
missing. Jobs and CronJobs run to completion and need no probes.",
        why: "Without a readiness probe traffic reaches pods that cannot serve it yet; without a \
liveness probe a deadlocked process keeps its pod \"Running\" forever.",
        example: crate::rules::doc_files!("k8s.probes", "example", ["deploy.yaml"]),
        use_instead: crate::rules::doc_files!("k8s.probes", "use-instead", ["deploy.yaml"]),
        references: &[
            "seed 000: enforce.py Kubernetes manifests (probes)",
            "checkov CKV_K8S_8 (liveness probe), CKV_K8S_9 (readiness probe)",
            "kube-linter no-liveness-probe, no-readiness-probe",
        ],
    },
    check: Check::Manifest(check),
};

/// Options of `k8s.probes`.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Options {
    /// The probes every long-running container declares.
    pub require: Vec<String>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            require: vec!["livenessProbe".into(), "readinessProbe".into()],
        }
    }
}

fn check(docs: &[Document], ctx: &Ctx) -> Vec<RawFinding> {
    let required = &ctx.options::<Options>().require;
    let mut out = Vec::new();
    for w in workloads(docs) {
        if !w.long_running {
            continue;
        }
        for c in w.containers.iter().filter(|c| !c.init) {
            let missing: Vec<&str> = required
                .iter()
                .map(String::as_str)
                .filter(|p| c.value.get(*p).is_none_or(|v| v.is_null()))
                .collect();
            if missing.is_empty() {
                continue;
            }
            out.push(RawFinding::new(
                RULE.id,
                Some(w.line(&c.pointer)),
                format!("container {:?} of {} has no {}", c.name, w.label(), missing.join(" and no ")),
                format!(
                    "Add {} to the container, e.g. `httpGet: {{path: /healthz, port: 8080}}` or `tcpSocket: {{port: 8080}}`.",
                    missing.iter().map(|m| format!("`{m}`")).collect::<Vec<_>>().join(" and ")
                ),
            ).anchored(w.anchors(c)));
        }
    }
    out
}
