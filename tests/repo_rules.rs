//! Metadata, SLO, ADR and structure rules; configuration and inline suppression.

mod common;
use common::*;

#[test]
fn missing_metadata_and_readme() {
    let repo = Repo::new();
    repo.write("src/main.rs", "fn main() {}\n");
    repo.git(&["add", "-A"]);
    let (report, code) = repo.json(&["check", "--no-cache"]);
    assert_eq!(code, 1);
    assert_eq!(
        hits(&report),
        vec![
            ("meta.present".into(), ".meta/repo.yaml".into(), None),
            ("structure.codeowners".into(), "CODEOWNERS".into(), None),
            ("structure.required-files".into(), "README.md".into(), None)
        ]
    );
    repo.with_compliant_base();
    repo.git(&["add", "-A"]);
    let (report, code) = repo.json(&["check", "--no-cache"]);
    assert_eq!((code, hits(&report)), (0, vec![]));
}

#[test]
fn schema_errors_point_at_the_yaml_line() {
    let repo = Repo::new();
    repo.write("README.md", "x\n");
    repo.write(".meta/repo.yaml", "# metadata\nname: Demo Repo\ntype: microservice\nlanguage: go\ntier: 7\nowner: \"@acme\"\nlifecycle: production\nextra: 1\n");
    repo.git(&["add", "-A"]);
    let (report, code) = repo.json(&["check", "--no-cache"]);
    assert_eq!(code, 1);
    let lines: Vec<(String, Option<u64>)> = hits_in(&report, ".meta/repo.yaml");
    assert_eq!(
        lines,
        vec![
            ("meta.schema".into(), Some(2)), // additionalProperties: the mapping itself (after the comment)
            ("meta.schema".into(), Some(2)), // name pattern
            ("meta.schema".into(), Some(3)), // type enum
            ("meta.schema".into(), Some(5)), // tier maximum
        ],
        "{report:#}"
    );
}

#[test]
fn checking_the_metadata_file_never_says_it_is_missing() {
    // Not yet added to git: `check .meta/repo.yaml` judges the file it was given, and the
    // repository-level rules see the same file.
    let repo = Repo::new();
    repo.write("README.md", "x\n");
    repo.write(".meta/repo.yaml", "name: demo\ntype: library\nlanguage: go\ntier: 9\nowner: \"@acme/platform\"\nlifecycle: development\n");
    let (report, code) = repo.json(&["check", "--no-cache", ".meta/repo.yaml"]);
    assert_eq!(code, 1, "{report:#}");
    assert_eq!(
        hits_in(&report, ".meta/repo.yaml"),
        vec![("meta.schema".to_string(), Some(4))],
        "{report:#}"
    );
}

#[test]
fn a_value_that_misses_a_pattern_is_explained_in_words() {
    let repo = Repo::new();
    repo.write("README.md", "x\n");
    repo.write(".meta/repo.yaml", "name: demo\ntype: library\nlanguage: go\ntier: 3\nowner: acme platform\nlifecycle: development\n");
    let (report, _) = repo.json(&["check", "--no-cache"]);
    let f = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "meta.schema")
        .unwrap_or_else(|| panic!("{report:#}"));
    let message = f["message"].as_str().unwrap();
    assert_eq!(f["line"], 5);
    assert!(
        message.contains("@user, @org/team or an e-mail address"),
        "{message}"
    );
    assert!(
        !message.contains("^("),
        "no raw regular expression: {message}"
    );
}

#[test]
fn governance_root_schema_overrides_the_builtin() {
    let repo = Repo::new();
    repo.with_compliant_base();
    repo.write(
        ".metaHub/schemas/repo-schema.json",
        r#"{"type":"object","required":["cost_center"]}"#,
    );
    repo.git(&["add", "-A"]);
    let (report, code) = repo.json(&["check", "--no-cache"]);
    assert_eq!(code, 1);
    let f = &report["findings"][0];
    assert_eq!(f["rule"], "meta.schema");
    assert!(
        f["message"].as_str().unwrap().contains("cost_center"),
        "{f}"
    );
    // GOLDEN_PATH_ROOT elsewhere: the built-in schema applies again.
    let other = Repo::plain();
    let out = repo
        .cmd(bin())
        .args(["check", "--no-cache", "--format", "json"])
        .env("GOLDEN_PATH_ROOT", other.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
}

#[test]
fn slo_required_for_services() {
    let repo = Repo::new();
    repo.write("README.md", "x\n");
    repo.write(
        "docs/adr/0001-x.md",
        "# x\n## Status\nAccepted\n## Context\n.\n## Decision\n.\n## Consequences\n.\n",
    );
    repo.write(".meta/repo.yaml", "name: api\ntype: service\nlanguage: go\ntier: 1\nowner: \"@acme/api\"\nlifecycle: production\nslo:\n  availability: 99.9\non_call: api-primary\n");
    repo.write(".github/CODEOWNERS", "* @acme/api\n");
    repo.git(&["add", "-A"]);
    let (report, code) = repo.json(&["check", "--no-cache"]);
    assert_eq!(code, 1);
    assert_eq!(
        hits_in(&report, ".meta/repo.yaml"),
        vec![("slo.defined".into(), Some(7))]
    );
    assert!(report["findings"][0]["message"]
        .as_str()
        .unwrap()
        .contains("slo.latency"));
    repo.write(".meta/repo.yaml", "name: api\ntype: service\nlanguage: go\ntier: 1\nowner: \"@acme/api\"\nlifecycle: production\nslo:\n  availability: 99.9\n  latency: {p99_ms: 250}\non_call: api-primary\n");
    repo.git(&["add", "-A"]);
    let (report, code) = repo.json(&["check", "--no-cache"]);
    assert_eq!((code, hits(&report)), (0, vec![]));
}

#[test]
fn adr_presence_and_format() {
    let repo = Repo::new();
    repo.write("README.md", "x\n");
    repo.write(".meta/repo.yaml", "name: core\ntype: library\nlanguage: go\ntier: 2\nowner: \"@acme/core\"\nlifecycle: beta\n");
    repo.write("CODEOWNERS", "* @acme/core\n");
    repo.git(&["add", "-A"]);
    let (report, _) = repo.json(&["check", "--no-cache"]);
    assert_eq!(
        hits(&report),
        vec![("adr.present".into(), "docs/adr".into(), None)]
    );

    repo.write("docs/adr/README.md", "index\n");
    repo.write("docs/adr/0001-good.md", "# ADR-001\n\n## Status\nSuperseded by ADR-002\n\n## Context\nc\n\n## Decision\nd\n\n## Consequences\n### Positive\n- p\n");
    repo.write(
        "docs/adr/0002-bad.md",
        "# ADR-002\n\n## Status\n\nMaybe\n\n## Decision\nd\n",
    );
    repo.write("docs/adr/0003-fenced.md", "# ADR-003\n```\n## Status\n```\n## Status\nAccepted\n## Context\n## Decision\n## Consequences\n");
    repo.git(&["add", "-A"]);
    let (report, code) = repo.json(&["check", "--no-cache"]);
    assert_eq!(code, 1);
    assert_eq!(
        hits(&report),
        vec![
            ("adr.format".into(), "docs/adr/0002-bad.md".into(), Some(1)),
            ("adr.format".into(), "docs/adr/0002-bad.md".into(), Some(3))
        ]
    );
    assert!(report["findings"][0]["message"]
        .as_str()
        .unwrap()
        .contains("Nygard (detected): no Context section, no Consequences section"));
}

/// An ADR per template, written as each template's users write them, judged by the one
/// rule without configuration; then the same files with a template set.
#[test]
fn adr_templates_are_recognised() {
    let repo = Repo::new();
    repo.with_compliant_base();
    let adr = |name: &str, text: &str| repo.write(&format!("docs/adr/{name}"), text);
    // adr-tools: Date line, Status heading, its own spelling of "superseded".
    adr("0001-nygard.md", "# 1. Record decisions\n\nDate: 2024-01-10\n\n## Status\n\nSuperceded by [2. Next](0002-madr2.md)\n\n## Context\n\nWe forget why.\n\n## Decision\n\nWe write ADRs.\n\n## Consequences\n\nMore files.\n");
    // MADR 2: list-item status with its choices, optional-section comments.
    adr("0002-madr2.md", "# Use Postgres\n\n* Status: accepted\n* Deciders: ana, bo\n\n## Context and Problem Statement\n\nWe need a store.\n\n## Decision Drivers <!-- optional -->\n\n* cost\n\n## Considered Options\n\n* Postgres\n* MySQL\n\n## Decision Outcome\n\nChosen option: Postgres.\n\n### Positive Consequences <!-- optional -->\n\n* known\n");
    // MADR 4: front matter, no status at all (optional in MADR).
    adr("0003-madr4.md", "---\ndate: 2024-02-01\ndecision-makers: ana\n---\n# Use Rust\n\n## Context and Problem Statement\n\nSpeed.\n\n## Considered Options\n\n* Rust\n* Go\n\n## Decision Outcome\n\nChosen option: Rust.\n\n### Consequences\n\n* Good, because fast.\n");
    // log4brains: draft status and tags.
    adr("0004-log4brains.md", "# Cache results\n\n- Status: draft\n- Date: 2024-03-01\n- Tags: performance\n\n## Context and Problem Statement\n\nSlow.\n\n## Considered Options\n\n- redb\n\n## Decision Outcome\n\nChosen option: redb.\n");
    // A Y-statement over three lines.
    adr("0005-y.md", "# Use a queue\n\nStatus: accepted\n\nIn the context of order intake, facing bursts of load,\nwe decided for a queue and neglected direct calls,\nto achieve steady latency, accepting one more service.\n");
    // Faults, one per template.
    adr("0006-madr-no-outcome.md", "---\nstatus: on hold\n---\n# Pick a cloud\n\n## Context and Problem Statement\n\nWhere?\n\n## Considered Options\n\n* A\n");
    adr("0007-y-no-downside.md", "# Use gRPC\n\nIn the context of service calls, facing schema drift, we decided for gRPC,\nto achieve typed contracts.\n");
    adr("0008-plain.md", "# Use Postgres\n\nWe will use Postgres.\n");
    repo.git(&["add", "-A"]);
    let (report, code) = repo.json(&["check", "--no-cache"]);
    assert_eq!(code, 1);
    let found: Vec<(String, Option<u64>, String)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_string(),
                f["line"].as_u64(),
                f["message"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let at = |p: &str| -> Vec<(Option<u64>, String)> {
        found
            .iter()
            .filter(|f| f.0 == format!("docs/adr/{p}"))
            .map(|f| (f.1, f.2.clone()))
            .collect()
    };
    for good in [
        "0001-nygard.md",
        "0002-madr2.md",
        "0003-madr4.md",
        "0004-log4brains.md",
        "0005-y.md",
    ] {
        assert_eq!(at(good), vec![], "{good}");
    }
    assert_eq!(
        at("0006-madr-no-outcome.md"),
        vec![
            (Some(1), "ADR template MADR (detected): no Decision Outcome section".into()),
            (
                Some(2),
                "ADR status \"on hold\" is not one of proposed, rejected, accepted, deprecated, superseded (MADR (detected))".into()
            ),
        ]
    );
    assert_eq!(
        at("0007-y-no-downside.md"),
        vec![(
            Some(1),
            "ADR template Y-statement (detected): no \"accepting\"".into()
        )]
    );
    let plain = at("0008-plain.md");
    assert_eq!(plain.len(), 2, "{plain:?}");
    assert!(
        plain[0].1.starts_with(
            "ADR template no known template; read as Nygard's (seed 003): no Context section"
        ),
        "{plain:?}"
    );
    assert!(
        plain[1].1.starts_with("the ADR states no status"),
        "{plain:?}"
    );

    // Set to MADR: the Nygard ADR is judged as MADR; `on hold` allowed by `statuses`.
    repo.write(".govern.yaml", "rules:\n  adr.format:\n    options:\n      template: madr\n      statuses: [accepted, on, superceded, draft]\n");
    repo.git(&["add", "-A"]);
    let (report, _) = repo.json(&["check", "--no-cache"]);
    let nygard = hits_in(&report, "docs/adr/0001-nygard.md");
    assert_eq!(nygard, vec![("adr.format".into(), Some(1))]);
    let msg = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["path"] == "docs/adr/0001-nygard.md")
        .unwrap()["message"]
        .clone();
    assert_eq!(
        msg,
        "ADR template MADR (set in .govern.yaml): no Context and Problem Statement section, no Considered Options section, no Decision Outcome section"
    );
    assert_eq!(hits_in(&report, "docs/adr/0002-madr2.md"), vec![]);
}

#[test]
fn required_files_are_configurable_globs() {
    let repo = Repo::new();
    repo.with_compliant_base();
    repo.write(".govern.yaml", "rules:\n  structure.required-files:\n    options:\n      files: [\"README.md\", \"CODEOWNERS\", \"LICENSE*\", \".github/CODEOWNERS\"]\n");
    repo.write("license.txt", "MIT\n");
    repo.git(&["add", "-A"]);
    let (report, _) = repo.json(&["check", "--no-cache"]);
    let missing: Vec<String> = hits(&report).into_iter().map(|(_, p, _)| p).collect();
    assert_eq!(missing, ["CODEOWNERS"]);
}

#[test]
fn config_disables_regrades_and_excludes() {
    let repo = Repo::new();
    repo.with_compliant_base();
    repo.write("Dockerfile", "FROM nginx:latest\n");
    repo.write("vendor/Dockerfile", "FROM nginx:latest\n");
    repo.write(".govern.yaml", "exclude: [\"vendor/**\"]\nrules:\n  docker.user-not-root: off\n  docker.pinned-base-image: warning\n");
    repo.git(&["add", "-A"]);
    let (report, code) = repo.json(&["check", "--no-cache"]);
    assert_eq!(code, 0, "only warnings remain");
    let got: Vec<(String, String)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().into(),
                f["severity"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("docker.healthcheck".to_string(), "warning".to_string()),
            ("docker.pinned-base-image".into(), "warning".into())
        ]
    );
    assert_eq!(
        repo.govern(&["check", "--no-cache", "--strict"])
            .status
            .code(),
        Some(1)
    );
    let strict_env = repo
        .cmd(bin())
        .args(["check", "--no-cache"])
        .env("GOVERN_STRICT", "true")
        .output()
        .unwrap();
    assert_eq!(strict_env.status.code(), Some(1));
}

#[test]
fn bad_config_is_exit_2_with_line() {
    let repo = Repo::new();
    repo.with_compliant_base();
    repo.write(
        ".govern.yaml",
        "rules:\n  docker.healthcheck: off\n  docker.nonexistent: error\n",
    );
    let out = repo.govern(&["check", "--no-cache"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains(".govern.yaml:3: unknown rule \"docker.nonexistent\""),
        "{}",
        stderr(&out)
    );
    repo.write(".govern.yaml", "rules: [\n");
    let out = repo.govern(&["check", "--no-cache"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains(".govern.yaml:"), "{}", stderr(&out));
}

#[test]
fn inline_suppression_is_counted() {
    let repo = Repo::new();
    repo.with_compliant_base();
    repo.write("Dockerfile", "FROM alpine:3.20\nHEALTHCHECK CMD true\n# govern:ignore docker.user-not-root the base image drops privileges itself\nUSER root\n");
    repo.write(
        "pod.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n    # govern:ignore k8s.* demo pod for docs\n    - name: a\n      image: a\n",
    );
    repo.git(&["add", "-A"]);
    let (report, code) = repo.json(&["check", "--no-cache"]);
    assert_eq!(code, 0, "{report:#}");
    // One Dockerfile finding, and every k8s.* finding on the pod (image tag, resources,
    // probes, pod security, whatever the family holds).
    let suppressed: Vec<(String, String)> = report["suppressed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["path"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        suppressed[0],
        ("docker.user-not-root".into(), "Dockerfile".into())
    );
    for rule in ["k8s.image-tag", "k8s.resources", "k8s.probes"] {
        assert!(
            suppressed.contains(&(rule.into(), "pod.yaml".into())),
            "{suppressed:?}"
        );
    }
    assert!(suppressed[1..]
        .iter()
        .all(|(r, p)| r.starts_with("k8s.") && p == "pod.yaml"));
    assert_eq!(report["summary"]["suppressed"], suppressed.len());
    assert_eq!(
        report["suppressed"][0]["reason"],
        "the base image drops privileges itself"
    );
    let text = stdout(&repo.govern(&["check", "--no-cache"]));
    assert!(
        text.contains(&format!("{} suppressed", suppressed.len())),
        "{text}"
    );
}

#[test]
fn rules_and_explain() {
    let repo = Repo::plain();
    let out = stdout(&repo.govern(&["rules"]));
    for id in [
        "docker.user-not-root",
        "docker.healthcheck",
        "docker.pinned-base-image",
        "k8s.resources",
        "k8s.probes",
        "k8s.image-tag",
        "meta.present",
        "meta.schema",
        "slo.defined",
        "adr.present",
        "adr.format",
        "structure.required-files",
    ] {
        assert!(out.contains(id), "{id} missing from `rules`");
        let doc = stdout(&repo.govern(&["explain", id]));
        for section in [
            "## What it does",
            "## Why is this bad?",
            "## Example",
            "## Use instead",
            "## References",
        ] {
            assert!(doc.contains(section), "{id}: {section}");
        }
    }
    assert_eq!(repo.govern(&["explain", "nope"]).status.code(), Some(2));
}

/// In `--staged`, a `.meta/repo.yaml` that is on disk but not staged is named as such, with
/// the command that fixes it; a missing one is still "missing".
#[test]
fn staged_metadata_on_disk_but_not_staged_says_so() {
    let repo = Repo::new();
    repo.with_compliant_base();
    repo.git(&["add", "README.md", ".github/CODEOWNERS"]);
    let (report, code) = repo.json(&["check", "--staged", "--no-cache"]);
    assert_eq!(code, 1);
    let meta: Vec<&serde_json::Value> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "meta.present")
        .collect();
    assert_eq!(meta.len(), 1, "{report}");
    assert!(
        meta[0]["message"].as_str().unwrap().contains("not staged"),
        "{report}"
    );
    assert!(
        meta[0]["help"]
            .as_str()
            .unwrap()
            .contains("git add .meta/repo.yaml"),
        "{report}"
    );
    // Once staged, nothing is said; once gone from disk too, it is missing.
    repo.git(&["add", ".meta/repo.yaml"]);
    let (report, _) = repo.json(&["check", "--staged", "--no-cache"]);
    assert!(
        hits(&report).iter().all(|(r, _, _)| r != "meta.present"),
        "{report}"
    );
    repo.git(&["rm", "-q", "--cached", ".meta/repo.yaml"]);
    repo.remove(".meta/repo.yaml");
    let (report, _) = repo.json(&["check", "--staged", "--no-cache"]);
    let msg = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "meta.present")
        .map(|f| f["message"].as_str().unwrap().to_string());
    assert_eq!(
        msg.as_deref(),
        Some("the repository has no .meta/repo.yaml"),
        "{report}"
    );
}

/// CODEOWNERS must name the metadata owner; the help suggests a line GitHub accepts, and
/// never the invalid owner itself.
#[test]
fn codeowners_help_agrees_with_the_schema() {
    let repo = Repo::new();
    repo.with_compliant_base();
    repo.write(".github/CODEOWNERS", "* @acme/web\n");
    repo.git(&["add", "-A"]);
    let (report, _) = repo.json(&["check", "--no-cache"]);
    let f = &report["findings"][0];
    assert_eq!(f["rule"], "structure.codeowners");
    assert!(
        f["help"].as_str().unwrap().contains("`* @acme/platform`"),
        "{f}"
    );

    repo.write(
        ".meta/repo.yaml",
        "name: demo\ntype: library\nlanguage: rust\ntier: 3\nowner: platform-team\nlifecycle: development\n",
    );
    repo.git(&["add", "-A"]);
    let (report, _) = repo.json(&["check", "--no-cache"]);
    let rules: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert!(rules.contains(&"meta.schema"), "{report}");
    let owners = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "structure.codeowners")
        .unwrap();
    let help = owners["help"].as_str().unwrap();
    assert!(!help.contains("* platform-team"), "{help}");
    assert!(help.contains("owner: \"@org/team\""), "{help}");
}
