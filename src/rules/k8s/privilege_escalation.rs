//! `k8s.privilege-escalation`: every container sets allowPrivilegeEscalation: false.

use serde_json::Value;

use crate::finding::{RawFinding, Severity};
use crate::rules::k8s::container_findings;
use crate::rules::{Check, Ctx, Rule, RuleDoc};
use crate::yaml::Document;

/// The rule (checkov CKV_K8S_20, kube-linter privilege-escalation-container; Pod Security
/// Standards "restricted").
pub static RULE: Rule = Rule {
    id: crate::rules::RuleId::new("k8s.privilege-escalation"),
    severity: Severity::Warning,
    version: 1,
    summary: "Every container sets securityContext.allowPrivilegeEscalation: false.",
    options: &crate::rules::NO_OPTIONS,
    doc: RuleDoc {
        what: "Reports every container and init container of a workload whose \
`securityContext` does not set `allowPrivilegeEscalation: false` (the field exists only on \
containers; unset means allowed). The finding points at the value when it is set, else at \
the container. Pods with `spec.os.name: windows` are passed over.",
        why: "Unless it is false, a process in the container can gain more privileges than \
its parent (setuid binaries, file capabilities), which turns a non-root foothold into root \
inside the container.",
        example: crate::rules::doc_files!("k8s.privilege-escalation", "example", ["deploy.yaml"]),
        use_instead: crate::rules::doc_files!(
            "k8s.privilege-escalation",
            "use-instead",
            ["deploy.yaml"]
        ),
        references: &[
            "checkov CKV_K8S_20 (containers should not run with allowPrivilegeEscalation)",
            "kube-linter privilege-escalation-container (reports only an explicit true)",
            "Kubernetes Pod Security Standards, restricted: Privilege Escalation",
        ],
    },
    check: Check::Manifest(check),
};

fn check(docs: &[Document], _ctx: &Ctx) -> Vec<RawFinding> {
    container_findings(docs, RULE.id, true, HELP, |w, c| {
        match w
            .security(c, "allowPrivilegeEscalation")
            .filter(|s| !s.from_pod)
        {
            Some(s) if s.value == &Value::Bool(false) => None,
            Some(s) => Some((
                w.line(&s.pointer),
                "allows privilege escalation".to_string(),
            )),
            None => Some((
                w.line(&c.pointer),
                "does not set `allowPrivilegeEscalation: false`, so escalation is allowed"
                    .to_string(),
            )),
        }
    })
}

const HELP: &str = "Add `securityContext: {allowPrivilegeEscalation: false}` to the container.";
