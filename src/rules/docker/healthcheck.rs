//! `docker.healthcheck`: the shipped stage declares a HEALTHCHECK.

use crate::dockerfile::Dockerfile;
use crate::finding::{RawFinding, Severity};
use crate::rules::{Check, Ctx, Rule, RuleDoc};

/// The rule (seed 000 "Docker security: HEALTHCHECK"; hadolint DL3057, checkov CKV_DOCKER_2).
pub static RULE: Rule = Rule {
    id: crate::rules::RuleId::new("docker.healthcheck"),
    severity: Severity::Warning,
    version: 1,
    summary: "The final stage of a Dockerfile declares a HEALTHCHECK.",
    options: &crate::rules::NO_OPTIONS,
    doc: RuleDoc {
        what: "Reports a final stage that has no HEALTHCHECK, neither its own nor inherited from \
the stage it is built FROM, or whose effective HEALTHCHECK is `HEALTHCHECK NONE`. A warning by \
default: orchestrators such as Kubernetes use their own probes (see `k8s.probes`), so it fails \
only under `--strict` unless re-graded.",
        why: "Without a health check, Docker, Compose and Swarm report a hung or broken container \
as running and never restart or replace it.",
        example: crate::rules::doc_files!("docker.healthcheck", "example", ["Dockerfile"]),
        use_instead: crate::rules::doc_files!("docker.healthcheck", "use-instead", ["Dockerfile"]),
        references: &[
            "seed 000: enforce.py Docker security (HEALTHCHECK)",
            "hadolint DL3057 (HEALTHCHECK instruction missing)",
            "checkov CKV_DOCKER_2 (HEALTHCHECK instructions have been added)",
        ],
    },
    check: Check::Dockerfile(check),
};

fn check(df: &Dockerfile, _ctx: &Ctx) -> Vec<RawFinding> {
    let Some(stage) = df.final_stage() else {
        return Vec::new();
    };
    let help = "Add `HEALTHCHECK CMD <command that exits 0 when the service is healthy>` to the final stage.";
    match df.effective(stage, "HEALTHCHECK") {
        Some(ins) if ins.args.trim().eq_ignore_ascii_case("none") => vec![RawFinding::new(
            RULE.id,
            Some(ins.line),
            "the final stage disables its health check with `HEALTHCHECK NONE`",
            help,
        )],
        Some(_) => Vec::new(),
        None => vec![RawFinding::new(
            RULE.id,
            Some(stage.from_line),
            "the final stage has no HEALTHCHECK",
            help,
        )],
    }
}
