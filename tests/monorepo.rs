//! Monorepos (seed 003): components with their own metadata, owners, SLOs and ADRs, on a
//! repository modelled on seed 003's Phoenix platform (five services, three shared
//! packages, CODEOWNERS, platform-wide ADRs).

mod common;

use common::{hits, Repo};

fn meta(name: &str, kind: &str, tier: u8, owner: &str, backup: &str, slo: bool) -> String {
    let mut m = format!(
        "name: {name}\ntype: {kind}\nlanguage: go\ntier: {tier}\nowner: \"{owner}\"\nbackup: \"{backup}\"\nlifecycle: production\n"
    );
    if slo {
        m.push_str("slo:\n  availability: 99.9\n  latency: {p99_ms: 250}\n");
    }
    m
}

/// Seed 003's layout: every service owned by its team with a backup, shared packages with
/// approval counts, platform ADRs at the root. `api` (tier 1) has no SLO, `simulator` has
/// no README and its owner is missing from CODEOWNERS.
fn phoenix() -> Repo {
    let repo = Repo::new();
    let services = [
        (
            "api",
            "api-service",
            "@phoenix/api-team",
            "@phoenix/platform-team",
            1,
            false,
        ),
        (
            "dashboard",
            "dashboard",
            "@phoenix/frontend-team",
            "@phoenix/api-team",
            2,
            true,
        ),
        (
            "controller",
            "experiment-controller",
            "@phoenix/backend-team",
            "@phoenix/platform-team",
            2,
            true,
        ),
        (
            "operator",
            "pipeline-operator",
            "@phoenix/infrastructure-team",
            "@phoenix/backend-team",
            2,
            true,
        ),
        (
            "simulator",
            "process-simulator",
            "@phoenix/testing-team",
            "@phoenix/backend-team",
            3,
            true,
        ),
    ];
    let mut owners = String::from(
        "# Platform lead owns everything not listed below.\n* @phoenix/platform-team\n",
    );
    for (dir, name, owner, backup, tier, slo) in services {
        repo.write(
            &format!("services/{dir}/.meta/repo.yaml"),
            &meta(name, "service", tier, owner, backup, slo),
        );
        if dir != "simulator" {
            repo.write(&format!("services/{dir}/README.md"), &format!("# {name}\n"));
            owners.push_str(&format!("/services/{dir}/ {owner} {backup}\n"));
        } else {
            owners.push_str(&format!("/services/{dir}/ {backup}\n"));
        }
        repo.write(&format!("services/{dir}/main.go"), "package main\n");
    }
    for (dir, owner, approvals) in [
        ("pkg", "@phoenix/platform-team", 2),
        ("api", "@phoenix/api-team", 2),
        ("configs", "@phoenix/devops-team", 1),
    ] {
        repo.write(
            &format!("{dir}/.meta/repo.yaml"),
            &format!(
                "name: {dir}\ntype: library\nlanguage: go\ntier: 2\nowner: \"{owner}\"\napproval_required: {approvals}\nlifecycle: production\n"
            ),
        );
        repo.write(&format!("{dir}/README.md"), &format!("# {dir}\n"));
        owners.push_str(&format!("/{dir}/ {owner}\n"));
    }
    repo.write(".github/CODEOWNERS", &owners);
    repo.write("README.md", "# Phoenix platform\n");
    repo.write(
        "docs/adr/0001-use-go-for-services.md",
        "# 1. Use Go for services\n\n## Status\n\nAccepted\n\n## Context\n\nMany services.\n\n## Decision\n\nGo.\n\n## Consequences\n\nOne toolchain.\n",
    );
    repo.write(
        "services/dashboard/Dockerfile",
        "FROM node:20.11-alpine\nUSER node\nHEALTHCHECK CMD wget -q -O- localhost:3000/health\nCMD [\"node\", \"server.js\"]\n",
    );
    repo.git(&["add", "-A"]);
    repo.commit_all("initial layout");
    repo
}

/// Writes an ADR of the api component (its first decision).
fn api_adr(repo: &Repo) {
    repo.write(
        "services/api/docs/adr/0001-rest-api.md",
        "# 1. REST\n\n## Status\n\nProposed\n\n## Context\n\nClients.\n\n## Decision\n\nREST.\n\n## Consequences\n\nOpenAPI.\n",
    );
}

/// The paths of `adr.present` findings.
fn adr_paths(report: &serde_json::Value) -> Vec<String> {
    rule_hits(report, "adr.present")
        .into_iter()
        .map(|(p, _)| p)
        .collect()
}

fn rule_hits(report: &serde_json::Value, rule: &str) -> Vec<(String, Option<u64>)> {
    hits(report)
        .into_iter()
        .filter(|(r, _, _)| r == rule)
        .map(|(_, p, l)| (p, l))
        .collect()
}

#[test]
fn components_are_judged_with_their_own_metadata() {
    let repo = phoenix();
    let (r, code) = repo.json(&["check", "--all", "--no-cache"]);
    assert_eq!(code, 1, "{r:#}");
    assert!(
        rule_hits(&r, "meta.present").is_empty(),
        "components carry the metadata: {r:#}"
    );
    assert_eq!(
        rule_hits(&r, "slo.defined"),
        [("services/api/.meta/repo.yaml".to_string(), Some(2))],
        "the tier-1 service without an SLO"
    );
    assert_eq!(
        rule_hits(&r, "structure.required-files"),
        [("services/simulator/README.md".to_string(), None)]
    );
    let owners = rule_hits(&r, "structure.component-owners");
    assert_eq!(owners.len(), 1, "{owners:?}");
    assert_eq!(owners[0].0, ".github/CODEOWNERS");
    let message = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "structure.component-owners")
        .unwrap()["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        message.contains("@phoenix/testing-team") && message.contains("services/simulator"),
        "{message}"
    );
    assert!(
        rule_hits(&r, "adr.present").is_empty(),
        "the root's ADRs are platform-wide"
    );
    assert!(
        rule_hits(&r, "meta.schema").is_empty(),
        "backup and approval_required are valid fields: {r:#}"
    );
    common::validate("schemas/report.schema.json", &r);
    let component_of = |rule: &str| -> Vec<serde_json::Value> {
        r["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["rule"] == rule)
            .map(|f| f["component"].clone())
            .collect()
    };
    assert_eq!(
        component_of("slo.defined"),
        [serde_json::json!("services/api")]
    );
    assert_eq!(
        component_of("structure.component-owners"),
        [serde_json::Value::Null],
        "CODEOWNERS is the root's"
    );

    // A component's metadata is validated like a repository's.
    repo.write("configs/.meta/repo.yaml", "name: configs\ntype: library\nlanguage: yaml\ntier: 9\nowner: \"@phoenix/devops-team\"\nlifecycle: production\n");
    let (r, _) = repo.json(&["check", "--all", "--no-cache"]);
    assert_eq!(
        rule_hits(&r, "meta.schema"),
        [("configs/.meta/repo.yaml".to_string(), Some(4))]
    );
}

#[test]
fn a_commit_to_one_service_is_not_told_about_another() {
    let repo = phoenix();
    repo.write("services/dashboard/server.js", "console.log('ok')\n");
    repo.git(&["add", "services/dashboard/server.js"]);
    let (r, code) = repo.json(&["check", "--staged", "--no-cache"]);
    let paths: Vec<String> = hits(&r).into_iter().map(|(_, p, _)| p).collect();
    assert!(
        !paths
            .iter()
            .any(|p| p.starts_with("services/api") || p.starts_with("services/simulator")),
        "other services' findings: {paths:?}"
    );
    assert!(
        !rule_hits(&r, "structure.component-owners")
            .iter()
            .any(|_| true),
        "the simulator's ownership is the simulator's commit's business: {r:#}"
    );
    assert_eq!(code, 0, "{r:#}");
    // A commit to the simulator hears about the simulator.
    repo.write(
        "services/simulator/main.go",
        "package main\n\nfunc main() {}\n",
    );
    repo.git(&["add", "services/simulator/main.go"]);
    let (r, code) = repo.json(&["check", "--staged", "--no-cache"]);
    assert_eq!(code, 1);
    assert_eq!(
        rule_hits(&r, "structure.required-files"),
        [("services/simulator/README.md".to_string(), None)]
    );
    assert_eq!(rule_hits(&r, "structure.component-owners").len(), 1);
}

#[test]
fn component_adrs_live_under_the_component_or_at_the_root() {
    let repo = phoenix();
    repo.remove("docs/adr/0001-use-go-for-services.md");
    api_adr(&repo);
    repo.git(&["add", "-A"]);
    let (r, _) = repo.json(&["check", "--all", "--no-cache"]);
    let adr = adr_paths(&r);
    assert!(
        !adr.iter().any(|p| p.starts_with("services/api/")),
        "api keeps its own: {adr:?}"
    );
    // adr.format reads the component's ADRs too.
    repo.write(
        "services/api/docs/adr/0002-broken.md",
        "# 2. Nothing but a title\n",
    );
    repo.git(&["add", "-A"]);
    let (r, _) = repo.json(&["check", "--all", "--no-cache"]);
    assert!(
        rule_hits(&r, "adr.format")
            .iter()
            .any(|(p, _)| p == "services/api/docs/adr/0002-broken.md"),
        "{r:#}"
    );
}

#[test]
fn without_platform_adrs_each_component_needs_its_own() {
    let repo = phoenix();
    repo.remove("docs/adr/0001-use-go-for-services.md");
    repo.git(&["add", "-A"]);
    let (r, _) = repo.json(&["check", "--all", "--no-cache"]);
    let adr = adr_paths(&r);
    assert!(
        adr.iter().any(|p| p.starts_with("services/api/")),
        "{adr:?}"
    );
    api_adr(&repo);
    repo.git(&["add", "-A"]);
    let (r, _) = repo.json(&["check", "--all", "--no-cache"]);
    let after = adr_paths(&r);
    assert!(
        !after.iter().any(|p| p.starts_with("services/api/")),
        "{after:?}"
    );
    assert!(
        after.iter().any(|p| p.starts_with("services/dashboard/")),
        "{after:?}"
    );
}

/// `organizations/phoenix/platform` in portfolio `p`: a README, CODEOWNERS for the api
/// service, a platform ADR, and `services/api` with its metadata (`kind`, `tier`, an SLO).
/// Returns the repository's path under the root.
fn platform(p: &common::portfolio::Portfolio, kind: &str, tier: u8) -> &'static str {
    let base = "organizations/phoenix/platform";
    p.write(&format!("{base}/README.md"), "# Phoenix\n");
    p.write(
        &format!("{base}/.github/CODEOWNERS"),
        "* @phoenix/platform-team\n/services/api/ @phoenix/api-team @phoenix/platform-team\n/pkg/ @phoenix/platform-team\n",
    );
    p.write(
        &format!("{base}/docs/adr/0001-go.md"),
        "# 1. Go\n\n## Status\n\nAccepted\n\n## Context\n\nServices.\n\n## Decision\n\nGo.\n\n## Consequences\n\nOne toolchain.\n",
    );
    let owner = "@phoenix/api-team";
    let backup = "@phoenix/platform-team";
    p.write(
        &format!("{base}/services/api/.meta/repo.yaml"),
        &meta("api-service", kind, tier, owner, backup, true),
    );
    p.write(&format!("{base}/services/api/README.md"), "# api\n");
    base
}

/// The portfolio lists components: the catalog (JSON and Markdown) with each component's
/// metadata and class and the repository's roll-up; drift names a component whose class
/// changed and one that was added.
#[test]
fn the_portfolio_lists_components_and_drift_names_their_changes() {
    use common::portfolio::{Portfolio, DAY1, DAY8};
    let p = Portfolio::new();
    let base = platform(&p, "service", 2);
    p.write(
        &format!("{base}/pkg/.meta/repo.yaml"),
        "name: pkg\ntype: library\nlanguage: go\ntier: 2\nowner: \"@phoenix/platform-team\"\napproval_required: 2\nlifecycle: production\n",
    );
    p.write(&format!("{base}/pkg/README.md"), "# pkg\n");
    p.git_init("phoenix/platform");
    let run = p.govern(DAY1, &["checkpoint", "--baseline", "--no-cache"], None);
    assert!(run.status.success(), "{}", common::stderr(&run));
    let run = p.govern(DAY1, &["catalog", "--no-cache"], None);
    assert!(run.status.success(), "{}", common::stderr(&run));
    let catalog: serde_json::Value =
        serde_json::from_str(&p.read(".metaHub/catalog/catalog.json")).unwrap();
    common::validate("schemas/catalog.schema.json", &catalog);
    let repo = &catalog["organizations"][0]["repos"][0];
    assert_eq!(repo["compliance"], "compliant", "the roll-up: {repo:#}");
    let comps = repo["components"].as_array().unwrap();
    let paths: Vec<&str> = comps.iter().map(|c| c["path"].as_str().unwrap()).collect();
    assert_eq!(paths, ["pkg", "services/api"]);
    assert_eq!(comps[0]["approval_required"], 2);
    assert_eq!(comps[1]["backup"], "@phoenix/platform-team");
    assert_eq!(comps[1]["compliance"], "compliant");
    let run = p.govern(
        DAY1,
        &["catalog", "--no-cache", "--format", "markdown"],
        None,
    );
    assert!(run.status.success(), "{}", common::stderr(&run));
    let md = p.read(".metaHub/catalog/catalog.md");
    assert!(md.contains("↳ platform/services/api"), "{md}");
    assert!(
        md.contains("@phoenix/api-team (backup @phoenix/platform-team)"),
        "{md}"
    );

    // A week later: the api loses its SLO (tier 2 service), a web component appears.
    p.write(
        &format!("{base}/services/api/.meta/repo.yaml"),
        &meta(
            "api-service",
            "service",
            2,
            "@phoenix/api-team",
            "@phoenix/platform-team",
            false,
        ),
    );
    p.write(
        &format!("{base}/services/web/.meta/repo.yaml"),
        &meta(
            "web",
            "app",
            3,
            "@phoenix/platform-team",
            "@phoenix/api-team",
            false,
        ),
    );
    p.write(&format!("{base}/services/web/README.md"), "# web\n");
    p.commit("phoenix/platform");
    let run = p.govern(DAY8, &["checkpoint", "--no-cache"], None);
    assert!(run.status.success(), "{}", common::stderr(&run));
    let drift: serde_json::Value =
        serde_json::from_str(&p.read(".metaHub/catalog/weekly-reports/latest-drift.json")).unwrap();
    common::validate("schemas/drift.schema.json", &drift);
    let described: Vec<&str> = drift["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["kind"] == "component")
        .map(|c| c["description"].as_str().unwrap())
        .collect();
    assert_eq!(
        described,
        [
            "phoenix/platform: component services/api: compliant → non-compliant",
            "phoenix/platform: component services/web added (compliant)",
        ]
    );
    let checkpoint: serde_json::Value =
        serde_json::from_str(&p.read(".metaHub/checkpoints/checkpoint-latest.json")).unwrap();
    common::validate("schemas/checkpoint.schema.json", &checkpoint);
}

/// With `scopes_from_components`, commit scopes name components (directory or metadata
/// name), as seed 003's `feat(api): …`.
#[test]
fn commit_scopes_name_components() {
    let repo = phoenix();
    repo.write(
        ".govern.yaml",
        "rules:\n  commit.conventional:\n    options:\n      scopes_from_components: true\n",
    );
    let check = |subject: &str| -> bool {
        repo.write(".git/COMMIT_EDITMSG", &format!("{subject}\n"));
        let out = repo.govern(&["hook", "commit-msg", ".git/COMMIT_EDITMSG"]);
        !common::stdout(&out).contains("is not one of the scopes")
    };
    assert!(check("feat(api): add experiment validation endpoint"));
    assert!(check("fix(experiment-controller): resolve race condition"));
    assert!(check(
        "docs(operator,simulator): update deployment instructions"
    ));
    assert!(!check("feat(billing): add invoices"));
    repo.write(".govern.yaml", "");
    assert!(
        check("feat(billing): add invoices"),
        "without the option any scope passes"
    );
}

/// A component's own `.govern.yaml` is layered over the repository's for its files only:
/// its rule settings and its waivers (paths relative to it) apply there and nowhere else;
/// an invalid one is an error naming its own line.
#[test]
fn a_component_configuration_applies_to_its_files() {
    let repo = phoenix();
    let no_healthcheck = "FROM alpine:3.20\nUSER app\n";
    repo.write("services/api/Dockerfile", no_healthcheck);
    repo.write("services/controller/Dockerfile", no_healthcheck);
    repo.write("tools/Dockerfile", no_healthcheck);
    repo.write(".govern.yaml", "rules:\n  docker.healthcheck: error\n");
    repo.write(
        "services/api/.govern.yaml",
        "rules:\n  docker.healthcheck: \"off\"\n",
    );
    repo.write(
        "services/controller/.govern.yaml",
        "waivers:\n  - rule: docker.healthcheck\n    path: Dockerfile\n    reason: probed by the operator\n    owner: \"@phoenix/backend-team\"\n    expires: 2099-01-01\n",
    );
    repo.git(&["add", "-A"]);
    let (r, _) = repo.json(&["check", "--all", "--no-cache"]);
    let health: Vec<(String, String)> = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "docker.healthcheck")
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_string(),
                f["severity"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        health,
        [("tools/Dockerfile".to_string(), "error".to_string())],
        "off for api, waived for the controller, the root's setting elsewhere"
    );
    let waived: Vec<&str> = r["waived"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["path"].as_str().unwrap())
        .collect();
    assert_eq!(waived, ["services/controller/Dockerfile"]);
    // The same through the hook: a staged Dockerfile of api is judged with api's settings.
    repo.commit_all("dockerfiles");
    repo.write(
        "services/api/Dockerfile",
        "FROM alpine:3.20\nUSER app\nEXPOSE 8080\n",
    );
    repo.git(&["add", "services/api/Dockerfile"]);
    let (r, _) = repo.json(&["check", "--staged", "--no-cache"]);
    assert!(
        !r["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["rule"] == "docker.healthcheck"),
        "{r:#}"
    );
    repo.write(
        "services/api/.govern.yaml",
        "rules:\n  docker.healthcheck: loud\n",
    );
    let o = repo.govern(&["check", "--all", "--no-cache"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        common::stderr(&o).contains("services/api/.govern.yaml:2"),
        "{}",
        common::stderr(&o)
    );
}

/// Shared paths without metadata (seed 003's `configs/`) are listed in the options of
/// `structure.component-owners` and need their owners in CODEOWNERS too.
#[test]
fn shared_paths_need_their_listed_owners() {
    let repo = phoenix();
    repo.write("deploy/values.yaml", "replicas: 2\n");
    repo.write(
        ".govern.yaml",
        "rules:\n  structure.component-owners:\n    options:\n      shared:\n        - {path: deploy/, owner: \"@phoenix/sre-team\", approval_required: 2}\n",
    );
    repo.git(&["add", "-A"]);
    let (r, _) = repo.json(&["check", "--all", "--no-cache"]);
    let messages: Vec<String> = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "structure.component-owners")
        .map(|f| f["message"].as_str().unwrap().to_string())
        .collect();
    assert!(
        messages
            .iter()
            .any(|m| m.contains("@phoenix/sre-team of deploy")
                && m.contains("@phoenix/platform-team")),
        "{messages:?}"
    );
    let mut owners = std::fs::read_to_string(repo.path().join(".github/CODEOWNERS")).unwrap();
    owners.push_str("/deploy/ @phoenix/sre-team\n");
    repo.write(".github/CODEOWNERS", &owners);
    repo.git(&["add", "-A"]);
    let (r, _) = repo.json(&["check", "--all", "--no-cache"]);
    assert!(
        !r["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["rule"] == "structure.component-owners"
                && f["message"].as_str().unwrap().contains("deploy")),
        "{r:#}"
    );
}

/// `export backstage`: a Component per repository, a System with a Component per
/// component for a monorepo, owners mapped, governance state as annotations; every
/// entity valid against Backstage's entity format (our schema, tests/schemas/).
#[test]
fn backstage_export_lists_repositories_and_components() {
    use common::portfolio::{Portfolio, DAY1};
    let p = Portfolio::fixture();
    platform(&p, "api", 1);
    p.git_init("phoenix/platform");
    let out = p.govern(
        DAY1,
        &["export", "backstage", "--no-cache", "--output", "-"],
        None,
    );
    let text = common::stdout(&out);
    let docs = git_govern::yaml::parse_stream(&text).unwrap_or_else(|e| panic!("{e:?}\n{text}"));
    assert!(docs.len() >= 5, "{text}");
    for d in &docs {
        common::validate("tests/schemas/backstage-entity.schema.json", &d.value);
    }
    let by_name = |ns: &str, name: &str| {
        docs.iter()
            .map(|d| &d.value)
            .find(|v| v["metadata"]["namespace"] == ns && v["metadata"]["name"] == name)
            .unwrap_or_else(|| panic!("{ns}/{name} in {text}"))
            .clone()
    };
    let system = by_name("phoenix", "platform");
    assert_eq!(system["kind"], "System");
    let api = by_name("phoenix", "api-service");
    assert_eq!(api["kind"], "Component");
    assert_eq!(api["spec"]["system"], "platform");
    assert_eq!(api["spec"]["type"], "service");
    assert_eq!(api["spec"]["owner"], "group:default/api-team");
    assert_eq!(
        api["metadata"]["annotations"]["git-govern/compliance"],
        "compliant"
    );
    assert_eq!(
        api["metadata"]["annotations"]["git-govern/backup"],
        "@phoenix/platform-team"
    );
    let web = by_name("retail", "web");
    assert_eq!(
        web["metadata"]["annotations"]["git-govern/compliance"],
        "non-compliant"
    );
    assert_ne!(web["metadata"]["annotations"]["git-govern/violations"], "0");
    // The default file, written atomically, holds the same bytes.
    let run = p.govern(DAY1, &["export", "backstage", "--no-cache"], None);
    assert!(
        common::stderr(&run).contains("entities"),
        "{}",
        common::stderr(&run)
    );
    assert_eq!(p.read(".metaHub/catalog/catalog-info.yaml"), text);
}

/// The Backstage export read by Backstage's own catalog model (@backstage/catalog-model,
/// which CI installs from npm): every entity passes the policies the catalog applies on
/// ingestion (schema, field formats, no foreign root fields) and its kind's validator.
/// Run with `cargo test --test monorepo -- --ignored`.
#[test]
#[ignore = "needs node and @backstage/catalog-model (CI installs them)"]
fn backstage_accepts_the_export() {
    use common::portfolio::{Portfolio, DAY1};
    let p = Portfolio::fixture();
    platform(&p, "api", 1);
    p.git_init("phoenix/platform");
    let out = p.root().join("catalog-info.yaml");
    let o = p.govern(
        DAY1,
        &[
            "export",
            "backstage",
            "--no-cache",
            "--output",
            out.to_str().unwrap(),
        ],
        None,
    );
    assert!(o.status.code().is_some(), "{}", common::stderr(&o));
    let script =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/backstage/validate.mjs");
    let o = std::process::Command::new("node")
        .arg(script)
        .arg(&out)
        .output()
        .expect("node runs");
    assert!(o.status.success(), "{}", common::stderr(&o));
    let seen: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(seen["errors"], serde_json::json!([]), "{seen}");
    assert!(seen["kinds"]["Component"].as_u64().unwrap() >= 5, "{seen}");
    assert_eq!(seen["kinds"]["System"], 1, "{seen}");
}

/// The repository-level cache entry follows the components the configuration lets count:
/// excluding a component's directory in `.govern.yaml` (the file's content changes, no path
/// does) runs the repository rules again, with the same report as without the cache.
#[test]
fn excluding_a_component_runs_the_repository_rules_again() {
    let repo = phoenix();
    repo.write(".govern.yaml", "exclude: [\"testdata/**\"]\n");
    repo.git(&["add", "-A"]);
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("c.redb");
    let c = cache.to_str().unwrap();
    let run = |args: &[&str]| {
        let o = repo
            .cmd(common::bin())
            .args(args)
            .env("GOVERN_TRACE", "1")
            .output()
            .unwrap();
        (
            common::stderr(&o).contains("served from the cache"),
            o.stdout,
        )
    };
    run(&["check", "--all", "--cache", c]);
    assert!(run(&["check", "--all", "--cache", c]).0, "warm");
    repo.write(
        ".govern.yaml",
        "exclude: [\"testdata/**\", \"services/api/**\"]\n",
    );
    let (served, cached) = run(&["check", "--all", "--cache", c, "--format", "json"]);
    assert!(!served, "a component left the run: the rules run again");
    let (_, none) = run(&["check", "--all", "--no-cache", "--format", "json"]);
    let strip = |b: &[u8]| {
        let mut v: serde_json::Value = serde_json::from_slice(b).unwrap();
        v["summary"]["cache_hits"] = serde_json::json!(0);
        v
    };
    assert_eq!(strip(&cached), strip(&none));
}
