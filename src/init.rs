//! `git govern init`: the files a repository needs to pass `git govern check --all` with the
//! default rules, written only where nothing is yet: `.meta/repo.yaml` (seed 001's fields;
//! an SLO block for services and APIs and an on-call rotation for tier 1-2 ones, both
//! marked for review), CODEOWNERS naming the owner, a first ADR where the tier or lifecycle
//! asks for ADRs, a README, a `.govern.yaml`, and on request seed 004's golden-path
//! Dockerfile (multi-stage, non-root, HEALTHCHECK, pinned bases). Nothing is staged.

use std::path::Path;

use crate::error::{Error, Result};

/// The metadata fields `init` writes (seed 001; `schemas/repo.schema.json`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Metadata {
    /// Repository slug, lower case.
    pub name: String,
    /// What kind of software: service, api, app, library, tool, ….
    pub kind: String,
    /// Main language, lower case.
    pub language: String,
    /// Criticality, 1 (business critical) to 4 (experimental).
    pub tier: u8,
    /// Owning team or person: `@org/team`, `@user` or an e-mail address.
    pub owner: String,
    /// experimental, development, beta, production, deprecated or archived.
    pub lifecycle: String,
}

impl Metadata {
    /// Held to SLOs (`slo.defined`): services and APIs.
    fn has_slo(&self) -> bool {
        matches!(self.kind.as_str(), "service" | "api")
    }

    /// Paged when it fails (the built-in operations policy): tier 1-2 services and APIs.
    fn paged(&self) -> bool {
        self.has_slo() && self.tier <= 2
    }

    /// Keeps ADRs (`adr.present` with its defaults): tier 1-2 or production.
    fn keeps_adrs(&self) -> bool {
        self.tier <= 2 || self.lifecycle == "production"
    }

    /// Validates the fields against the built-in metadata schema. Errors (usage): each
    /// field the schema rejects, with the schema's words.
    pub fn validate(&self) -> Result<()> {
        let doc = serde_json::json!({
            "name": self.name, "type": self.kind, "language": self.language,
            "tier": self.tier, "owner": self.owner, "lifecycle": self.lifecycle,
        });
        let schema: serde_json::Value =
            serde_json::from_str(crate::rules::BUILTIN_REPO_SCHEMA).expect("schema is JSON");
        let validator = jsonschema::validator_for(&schema).expect("schema compiles");
        let problems: Vec<String> = validator
            .iter_errors(&doc)
            .map(|e| {
                let field = e.instance_path().to_string();
                let field = field.trim_start_matches('/');
                let flag = if field == "type" { "type" } else { field };
                format!("--{flag}: {}", crate::config::excerpt(&e.to_string()))
            })
            .collect();
        if problems.is_empty() {
            Ok(())
        } else {
            Err(Error::Usage(problems.join("; ")))
        }
    }
}

/// What `init` did with one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Written, new.
    Wrote,
    /// Left as it was: the file (or, for CODEOWNERS, one in another location) exists.
    Kept(String),
}

/// One file `init` considered: its repo-relative path and what it did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// Repo-relative path.
    pub path: String,
    /// Written or kept.
    pub action: Action,
    /// A line to show after it ("review the SLO targets"), if any.
    pub note: Option<String>,
}

/// The `.meta/repo.yaml` `init` writes for `m`.
pub fn metadata_yaml(m: &Metadata) -> String {
    let mut y = format!(
        "# Repository metadata (git govern explain meta.schema lists the fields).\n\
         name: {}\ntype: {}\nlanguage: {}\ntier: {}\nowner: \"{}\"\nlifecycle: {}\n",
        m.name, m.kind, m.language, m.tier, m.owner, m.lifecycle
    );
    if m.paged() {
        let team = m
            .owner
            .rsplit('/')
            .next()
            .unwrap_or("team")
            .trim_start_matches('@');
        y.push_str(&format!(
            "# REVIEW: the rotation that is paged when this fails.\non_call: {team}-primary\n"
        ));
    }
    if m.has_slo() {
        y.push_str(
            "# REVIEW: targets this service can meet (seed 004: SLOs as code).\n\
             slo:\n  availability: 99.9\n  latency:\n    p99_ms: 500\n  window_days: 30\n",
        );
    }
    y
}

/// The first ADR: the decision to keep ADRs, in Nygard's template (adr-tools' first record).
const FIRST_ADR: &str = "# 1. Record architecture decisions

## Status

Accepted

## Context

We need to record the architectural decisions made on this project, so that people who
join later know what was decided, when and why.

## Decision

We will keep Architecture Decision Records, as described by Michael Nygard in
\"Documenting Architecture Decisions\", in docs/adr/, one numbered Markdown file each.

## Consequences

Each significant decision gets a short record with its context and consequences. Records
are never deleted: a changed decision gets a new record that supersedes the old one.
";

/// `.govern.yaml` as `init` writes it: the defaults, and where to change them.
const CONFIG: &str =
    "# git-govern configuration: the defaults, spelled out where a team usually changes them.
# `git govern rules` lists the rules, `git govern explain <rule>` one rule and its options.
strict: false
exclude: []
rules: {}
waivers: []
";

/// Seed 004's golden-path Dockerfile: a build stage, a slim final stage running as a
/// non-root user, a HEALTHCHECK, pinned base images.
const DOCKERFILE: &str = "# Golden path: build in one stage, run a slim image as a non-root user.
FROM debian:12-slim AS build
WORKDIR /src
COPY . .
# Build the program into /out here, e.g. RUN make install DESTDIR=/out
RUN mkdir -p /out

FROM debian:12-slim
RUN useradd --system --uid 10001 --no-create-home app
COPY --from=build /out/ /app/
USER 10001
EXPOSE 8080
# Replace with the program's own health probe.
HEALTHCHECK --interval=30s --timeout=3s CMD [\"/bin/sh\", \"-c\", \"test -d /app\"]
CMD [\"/bin/sh\", \"-c\", \"ls /app\"]
";

/// The files `m` needs, as (path, contents, note), in the order they are written.
fn files(m: &Metadata, dockerfile: bool) -> Vec<(&'static str, String, Option<String>)> {
    let mut out = vec![(
        ".meta/repo.yaml",
        metadata_yaml(m),
        (m.has_slo() || m.paged())
            .then(|| "review the lines marked REVIEW (SLO targets, on-call rotation)".into()),
    )];
    out.push((".github/CODEOWNERS", format!("* {}\n", m.owner), None));
    out.push(("README.md", format!("# {}\n", m.name), None));
    if m.keeps_adrs() {
        out.push((
            "docs/adr/0001-record-architecture-decisions.md",
            FIRST_ADR.to_string(),
            None,
        ));
    }
    out.push((crate::config::FILE_NAME, CONFIG.to_string(), None));
    if dockerfile {
        out.push((
            "Dockerfile",
            DOCKERFILE.to_string(),
            Some("fill in the build step and the health probe".into()),
        ));
    }
    out
}

/// Why `path` (repo-relative) is not written, if it is not: it exists (for CODEOWNERS, in
/// any of GitHub's locations), or its directory is a symbolic link that leads out of the
/// repository (`init` writes inside the repository only).
fn kept_because(root: &Path, path: &str) -> Option<String> {
    if path.ends_with("CODEOWNERS") {
        if let Some(found) = crate::kinds::codeowners::LOCATIONS
            .iter()
            .find(|p| std::fs::symlink_metadata(root.join(p)).is_ok())
        {
            return Some(if *found == path {
                "exists".into()
            } else {
                format!("{found} exists")
            });
        }
    } else if std::fs::symlink_metadata(root.join(path)).is_ok() {
        return Some("exists".into());
    }
    // The nearest directory of `path` that exists must resolve inside the repository.
    let inside = |dir: &Path| -> bool {
        match (std::fs::canonicalize(dir), std::fs::canonicalize(root)) {
            (Ok(d), Ok(r)) => d.starts_with(r),
            _ => false,
        }
    };
    let full = root.join(path);
    let existing = full.ancestors().skip(1).find(|d| d.exists())?;
    (!inside(existing)).then(|| {
        format!(
            "{} leads out of the repository; not written there",
            existing.strip_prefix(root).unwrap_or(existing).display()
        )
    })
}

/// Writes what `m` needs under `root` (a repository's work tree), never replacing a file:
/// an existing file, a CODEOWNERS in any of GitHub's locations, or a file whose directory
/// links out of the repository is kept and said so.
/// Errors: metadata the schema rejects (usage, nothing written); a write that fails.
pub fn init(root: &Path, m: &Metadata, dockerfile: bool) -> Result<Vec<Step>> {
    m.validate()?;
    let mut steps = Vec::new();
    for (path, contents, note) in files(m, dockerfile) {
        if let Some(why) = kept_because(root, path) {
            steps.push(Step {
                path: path.into(),
                action: Action::Kept(why),
                note: None,
            });
            continue;
        }
        crate::output::write_new(&root.join(path), contents.as_bytes())?;
        steps.push(Step {
            path: path.into(),
            action: Action::Wrote,
            note,
        });
    }
    Ok(steps)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta(kind: &str, tier: u8) -> Metadata {
        Metadata {
            name: "payments-api".into(),
            kind: kind.into(),
            language: "go".into(),
            tier,
            owner: "@acme/payments".into(),
            lifecycle: "development".into(),
        }
    }

    #[test]
    fn services_get_slos_and_paged_ones_on_call() {
        let y = metadata_yaml(&meta("service", 1));
        assert!(y.contains("on_call: payments-primary"), "{y}");
        assert!(y.contains("slo:"), "{y}");
        let y = metadata_yaml(&meta("service", 3));
        assert!(!y.contains("on_call"), "{y}");
        let y = metadata_yaml(&meta("library", 1));
        assert!(!y.contains("slo") && !y.contains("on_call"), "{y}");
    }

    #[test]
    fn invalid_fields_name_their_flag() {
        let mut m = meta("service", 1);
        m.owner = "payments team".into();
        m.kind = "daemon".into();
        let e = m.validate().unwrap_err().to_string();
        assert!(e.contains("--owner") && e.contains("--type"), "{e}");
    }
}
