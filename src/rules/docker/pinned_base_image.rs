//! `docker.pinned-base-image`: every base image has a fixed tag or a digest.

use crate::dockerfile::{image_pin, Dockerfile, Pin};
use crate::finding::{RawFinding, Severity};
use crate::rules::{Check, Ctx, Rule, RuleDoc};

/// The rule (seed 000 "Docker security: no :latest"; hadolint DL3006 and DL3007, checkov CKV_DOCKER_7).
pub static RULE: Rule = Rule {
    id: crate::rules::RuleId::new("docker.pinned-base-image"),
    severity: Severity::Error,
    version: 1,
    summary: "Every FROM names a base image by a tag other than latest, or by digest.",
    options: &crate::rules::NO_OPTIONS,
    doc: RuleDoc {
        what: "Checks the image of every FROM, in every stage: it must carry a tag other than \
`latest` or a digest. `scratch` and references to earlier stages are fine. Global ARG defaults \
are substituted first (`ARG V=3.12` then `FROM python:${V}`); an image built from an ARG without \
a default cannot be judged and is left alone.",
        why: "`latest` and untagged images move: the same Dockerfile builds a different image \
tomorrow, builds stop being reproducible, and an upstream change reaches production unreviewed.",
        example: crate::rules::doc_files!("docker.pinned-base-image", "example", ["Dockerfile"]),
        use_instead: crate::rules::doc_files!(
            "docker.pinned-base-image",
            "use-instead",
            ["Dockerfile"]
        ),
        references: &[
            "seed 000: enforce.py Docker security (no :latest)",
            "hadolint DL3006 (always tag the image version), DL3007 (do not use latest)",
            "checkov CKV_DOCKER_7 (base image uses a non-latest version tag)",
        ],
    },
    check: Check::Dockerfile(check),
};

fn check(df: &Dockerfile, _ctx: &Ctx) -> Vec<RawFinding> {
    let mut out = Vec::new();
    for stage in &df.stages {
        if stage.parent.is_some() {
            continue;
        }
        let Some(image) = stage.base.as_deref() else {
            continue;
        };
        let (what, example) = match image_pin(image) {
            Pin::Scratch | Pin::Digest | Pin::Tag(_) => continue,
            Pin::Latest => (
                format!("base image `{image}` uses the moving tag `latest`"),
                image
                    .rsplit_once(':')
                    .map(|(n, _)| n)
                    .unwrap_or(image)
                    .to_string(),
            ),
            Pin::Untagged => (
                format!("base image `{image}` has no tag, so it means `{image}:latest`"),
                image.to_string(),
            ),
        };
        out.push(RawFinding::new(
            RULE.id,
            Some(stage.from_line),
            what,
            format!("Pin a version tag or a digest, e.g. `FROM {example}:<version>` or `FROM {example}@sha256:<digest>`."),
        ));
    }
    out
}
