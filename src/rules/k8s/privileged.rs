//! `k8s.privileged`: no container runs privileged.

use serde_json::Value;

use crate::finding::{RawFinding, Severity};
use crate::rules::k8s::container_findings;
use crate::rules::{Check, Ctx, Rule, RuleDoc};
use crate::yaml::Document;

/// The rule (checkov CKV_K8S_16, kube-linter privileged-container; Pod Security Standards
/// "baseline").
pub static RULE: Rule = Rule {
    id: crate::rules::RuleId::new("k8s.privileged"),
    severity: Severity::Error,
    version: 1,
    summary: "No container sets securityContext.privileged: true.",
    options: &crate::rules::NO_OPTIONS,
    doc: RuleDoc {
        what: "Reports every container and init container of a workload whose \
`securityContext` sets `privileged: true`, at that line.",
        why: "A privileged container sees every device of the node and holds every \
capability: escaping it is trivial, so it is the node's root in all but name.",
        example: crate::rules::doc_files!("k8s.privileged", "example", ["daemonset.yaml"]),
        use_instead: crate::rules::doc_files!("k8s.privileged", "use-instead", ["daemonset.yaml"]),
        references: &[
            "checkov CKV_K8S_16 (container should not be privileged)",
            "kube-linter privileged-container",
            "Kubernetes Pod Security Standards, baseline: Privileged Containers",
        ],
    },
    check: Check::Manifest(check),
};

fn check(docs: &[Document], _ctx: &Ctx) -> Vec<RawFinding> {
    container_findings(docs, RULE.id, false, HELP, |w, c| {
        let p = w.security(c, "privileged").filter(|p| !p.from_pod)?;
        (p.value == &Value::Bool(true)).then(|| (w.line(&p.pointer), "runs privileged".to_string()))
    })
}

const HELP: &str = "Remove `privileged: true`; grant only the capability the container needs (`capabilities: {add: [NET_ADMIN]}`) or move the node-level work to a DaemonSet reviewed for it.";
