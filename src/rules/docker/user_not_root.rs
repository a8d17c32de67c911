//! `docker.user-not-root`: the shipped stage must not run as root.

use crate::dockerfile::Dockerfile;
use crate::finding::{RawFinding, Severity};
use crate::rules::{Check, Ctx, Rule, RuleDoc};

/// The rule (seed 000 "Docker security: non-root USER"; hadolint DL3002, checkov CKV_DOCKER_3
/// and CKV_DOCKER_8).
pub static RULE: Rule = Rule {
    id: crate::rules::RuleId::new("docker.user-not-root"),
    severity: Severity::Error,
    version: 1,
    summary: "The final stage of a Dockerfile runs as a non-root USER.",
    options: &crate::rules::Typed::<Options>::NEW,
    doc: RuleDoc {
        what: "Finds the user the shipped image runs as: the last USER of the final stage, or of the \
stages it is built FROM. Reports `USER root` / `USER 0` (with or without a group), and a final stage \
that never sets USER. A base image whose tag contains one of `nonroot_base_tags` (e.g. \
distroless `:nonroot`) counts as non-root. `USER root` followed by a later non-root USER is fine; \
USER values built from ARG/ENV are resolved, and left alone when they cannot be.",
        why: "A container that runs as root turns any code-execution bug into root inside the \
container, and one kernel or runtime escape away from root on the node.",
        example: crate::rules::doc_files!("docker.user-not-root", "example", ["Dockerfile"]),
        use_instead: crate::rules::doc_files!("docker.user-not-root", "use-instead", ["Dockerfile"]),
        references: &[
            "seed 000: enforce.py Docker security (non-root USER)",
            "hadolint DL3002 (last USER should not be root)",
            "checkov CKV_DOCKER_3 (a USER is created), CKV_DOCKER_8 (last USER is not root)",
        ],
    },
    check: Check::Dockerfile(check),
};

/// Options of `docker.user-not-root`.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Options {
    /// Base image tags that run as non-root already (`:nonroot`).
    pub nonroot_base_tags: Vec<String>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            nonroot_base_tags: vec!["nonroot".into()],
        }
    }
}

fn is_root(user: &str) -> bool {
    let name = user.split(':').next().unwrap_or("").trim();
    name == "root" || name == "0"
}

fn check(df: &Dockerfile, ctx: &Ctx) -> Vec<RawFinding> {
    let Some(stage) = df.final_stage() else {
        return Vec::new();
    };
    let help =
        "Create an unprivileged user and switch to it in the final stage after the steps that \
need root, e.g. `RUN useradd --uid 10001 app` then `USER 10001`.";
    match df.effective(stage, "USER") {
        Some(ins) => {
            let Some(user) = df.expand_in_stage(stage, ins.args.trim()) else {
                return Vec::new();
            };
            if is_root(&user) {
                vec![RawFinding::new(
                    RULE.id,
                    Some(ins.line),
                    format!(
                        "the final stage runs as root: `USER {}` is its last USER",
                        ins.args.trim()
                    ),
                    help,
                )]
            } else {
                Vec::new()
            }
        }
        None => {
            let base = df.root_base(stage);
            let tags = &ctx.options::<Options>().nonroot_base_tags;
            let image = base
                .base
                .as_deref()
                .unwrap_or(&base.base_raw)
                .to_ascii_lowercase();
            let tag = image
                .rsplit('/')
                .next()
                .and_then(|l| l.split_once(':'))
                .map(|(_, t)| t)
                .unwrap_or("");
            if tags
                .iter()
                .any(|t| !t.is_empty() && tag.contains(&t.to_ascii_lowercase()))
            {
                return Vec::new();
            }
            vec![RawFinding::new(
                RULE.id,
                Some(stage.from_line),
                "the final stage never sets USER, so the container runs as root".to_string(),
                help,
            )]
        }
    }
}
