//! `k8s.run-as-non-root`: every container is made to run as a user other than root.

use serde_json::Value;

use crate::finding::{RawFinding, Severity};
use crate::rules::k8s::container_findings;
use crate::rules::{Check, Ctx, Rule, RuleDoc};
use crate::yaml::Document;

/// The rule (seed 000 "no root containers", the Kubernetes side of `docker.user-not-root`;
/// checkov CKV_K8S_23, kube-linter run-as-non-root; Pod Security Standards "restricted").
pub static RULE: Rule = Rule {
    id: crate::rules::RuleId::new("k8s.run-as-non-root"),
    severity: Severity::Error,
    version: 1,
    summary: "Every container sets runAsNonRoot: true or a runAsUser other than 0 (its own or the pod's).",
    options: &crate::rules::NO_OPTIONS,
    doc: RuleDoc {
        what: "For each container and init container of a workload, reads `runAsNonRoot` and \
`runAsUser` from the container's `securityContext`, else from the pod's (Kubernetes' \
precedence). Reported: neither set, `runAsNonRoot: false` with no non-zero `runAsUser`, and \
`runAsUser: 0` anywhere it is in force (even with `runAsNonRoot: true`, which then keeps the \
pod from starting). Pods with `spec.os.name: windows` are passed over. The finding points at \
the value in force, or at the container when nothing is set.",
        why: "A container running as root is one kernel or runtime bug away from root on the \
node; the image's USER is not enough, since another image or a debug override can drop it, \
while `runAsNonRoot` makes the kubelet refuse to start a root container.",
        example: crate::rules::doc_files!("k8s.run-as-non-root", "example", ["deploy.yaml"]),
        use_instead: crate::rules::doc_files!("k8s.run-as-non-root", "use-instead", ["deploy.yaml"]),
        references: &[
            "checkov CKV_K8S_23 (minimize the admission of root containers)",
            "kube-linter run-as-non-root",
            "Kubernetes Pod Security Standards, restricted: Running as Non-root",
            "hadolint DL3002 and docker.user-not-root (the image side)",
        ],
    },
    check: Check::Manifest(check),
};

fn check(docs: &[Document], _ctx: &Ctx) -> Vec<RawFinding> {
    container_findings(docs, RULE.id, true, HELP, |w, c| {
        let user = w.security(c, "runAsUser");
        if let Some(u) = user.as_ref().filter(|u| u.value.as_i64() == Some(0)) {
            let whose = if u.from_pod {
                "the pod sets"
            } else {
                "it sets"
            };
            return Some((
                w.line(&u.pointer),
                format!("runs as root: {whose} `runAsUser: 0`"),
            ));
        }
        if user.is_some_and(|u| u.value.as_i64().is_some_and(|n| n > 0)) {
            return None;
        }
        match w.security(c, "runAsNonRoot") {
            Some(n) if n.value == &Value::Bool(true) => None,
            Some(n) => Some((
                w.line(&n.pointer),
                "may run as root: `runAsNonRoot` is false and no `runAsUser` other than 0 is set"
                    .to_string(),
            )),
            None => Some((
                w.line(&c.pointer),
                "may run as root: neither it nor the pod sets `runAsNonRoot: true` or a non-zero `runAsUser`"
                    .to_string(),
            )),
        }
    })
}

const HELP: &str = "Set `securityContext: {runAsNonRoot: true, runAsUser: 10001}` on the pod or the container, and build the image with a non-root USER.";
