//! Portfolio commands on fixture portfolios built here: three organizations, git
//! repositories and plain folders, with and without metadata, one invalid; a scripted
//! sequence of changes checked through catalog changes and the drift report.

mod common;

use std::path::Path;
use std::process::Output;

use common::{stderr, stdout, Repo};

const DAY1: &str = "1795478400"; // 2026-11-24T00:00:00Z
const DAY8: &str = "1796083200"; // 2026-12-01T00:00:00Z

const GOOD_DOCKERFILE: &str = "FROM alpine:3.19\nRUN adduser -D app\nUSER app\nHEALTHCHECK CMD wget -q -O- localhost:8080/health\n";
const ROOT_DOCKERFILE: &str =
    "FROM alpine:3.19\nHEALTHCHECK CMD wget -q -O- localhost:8080/health\n";

fn meta(name: &str, tier: &str) -> String {
    format!(
        "name: {name}\ntype: library\nlanguage: go\ntier: {tier}\nowner: \"@acme/platform\"\nlifecycle: production\n"
    )
}

/// A portfolio root with `organizations/` and helpers to build repositories in it.
struct Portfolio {
    r: Repo,
}

impl Portfolio {
    fn new() -> Portfolio {
        Portfolio { r: Repo::plain() }
    }

    fn root(&self) -> &Path {
        self.r.path()
    }

    fn write(&self, rel: &str, text: &str) {
        self.r.write(rel, text);
    }

    /// A compliant library repository at `organizations/<key>`.
    fn repo(&self, key: &str, tier: &str) {
        let name = key.rsplit('/').next().unwrap();
        let base = format!("organizations/{key}");
        self.write(&format!("{base}/README.md"), "# repo\n");
        self.write(&format!("{base}/.github/CODEOWNERS"), "* @acme/platform\n");
        self.write(&format!("{base}/.meta/repo.yaml"), &meta(name, tier));
        self.write(
            &format!("{base}/docs/adr/0001-record-decisions.md"),
            "# 1. Record decisions\n\n## Status\n\nAccepted\n\n## Context\n\nWe need a record.\n\n## Decision\n\nWe keep ADRs.\n\n## Consequences\n\nDecisions are findable.\n",
        );
    }

    /// Makes `organizations/<key>` a git repository with everything committed.
    fn git_init(&self, key: &str) {
        let dir = self.root().join("organizations").join(key);
        let d = dir.to_str().unwrap();
        self.r.git(&["-C", d, "init", "-q", "-b", "main"]);
        self.commit(key);
    }

    fn commit(&self, key: &str) {
        let dir = self.root().join("organizations").join(key);
        let d = dir.to_str().unwrap();
        self.r.git(&["-C", d, "add", "-A"]);
        self.r
            .git(&["-C", d, "commit", "-q", "--no-verify", "-m", "change"]);
    }

    fn govern(&self, date: &str, args: &[&str], github_output: Option<&Path>) -> Output {
        let mut c = self.r.cmd(common::bin());
        c.args(args).env("SOURCE_DATE_EPOCH", date);
        if let Some(p) = github_output {
            c.env("GITHUB_OUTPUT", p);
        }
        c.output().unwrap()
    }

    fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.root().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
    }

    /// The fixture: payments/api (git, compliant, Dockerfile), payments/ledger (folder,
    /// tier 2), retail/web (git, runs as root), retail/legacy (no metadata), tools/cli
    /// (invalid metadata).
    fn fixture() -> Portfolio {
        let p = Portfolio::new();
        p.repo("payments/api", "3");
        p.write("organizations/payments/api/Dockerfile", GOOD_DOCKERFILE);
        p.git_init("payments/api");
        p.repo("payments/ledger", "2");
        p.repo("retail/web", "3");
        p.write("organizations/retail/web/Dockerfile", ROOT_DOCKERFILE);
        p.git_init("retail/web");
        p.write("organizations/retail/legacy/README.md", "# legacy\n");
        p.repo("tools/cli", "3");
        p.write(
            "organizations/tools/cli/.meta/repo.yaml",
            "name: cli\ntype: library\nlanguage: go\ntier: high\nowner: \"@acme/platform\"\nlifecycle: production\n",
        );
        p
    }
}

fn ok(o: &Output) {
    assert!(
        o.status.success(),
        "exit {:?}\nstdout: {}\nstderr: {}",
        o.status.code(),
        stdout(o),
        stderr(o)
    );
}

#[test]
fn scripted_changes_give_the_expected_catalog_changes_and_drift_report() {
    let p = Portfolio::fixture();
    ok(&p.govern(DAY1, &["catalog"], None));
    let first = p.read(".metaHub/catalog/catalog.json");
    insta::assert_snapshot!("catalog_day1", first);
    // Twice on an unchanged portfolio: the same bytes.
    ok(&p.govern(DAY1, &["catalog"], None));
    assert_eq!(p.read(".metaHub/catalog/catalog.json"), first);
    let out = p.govern(DAY1, &["checkpoint"], None);
    ok(&out);
    assert!(
        stdout(&out).contains("baseline: 5 repositories, 2 compliant"),
        "{}",
        stdout(&out)
    );

    // The week's changes.
    p.repo("tools/linter", "3"); // a new repository
    std::fs::remove_dir_all(p.root().join("organizations/retail/legacy")).unwrap(); // deleted
    p.write("organizations/payments/api/Dockerfile", ROOT_DOCKERFILE); // broken
    p.commit("payments/api");
    p.write("organizations/retail/web/Dockerfile", GOOD_DOCKERFILE); // fixed
    p.commit("retail/web");
    p.write(
        "organizations/payments/ledger/.meta/repo.yaml",
        &meta("ledger", "1"),
    ); // tier 2 → 1
    p.write(
        ".metaHub/drift-acknowledgements.yaml",
        "acknowledgements:\n  - repository: payments/ledger\n    reason: ledger is now business critical (ADR 7)\n    approved_by: \"@acme/leads\"\n    expires: 2027-03-31\n",
    );

    ok(&p.govern(DAY8, &["catalog"], None));
    let catalog: serde_json::Value =
        serde_json::from_str(&p.read(".metaHub/catalog/catalog.json")).unwrap();
    insta::assert_snapshot!(
        "catalog_changes_day8",
        serde_json::to_string_pretty(&catalog["changes"]).unwrap()
    );
    let outputs = p.root().join("github-output.txt");
    let out = p.govern(DAY8, &["checkpoint"], Some(&outputs));
    ok(&out);
    let drift = p.read(".metaHub/catalog/weekly-reports/latest-drift.md");
    assert_eq!(
        drift,
        p.read(".metaHub/catalog/weekly-reports/drift-2026-12-01.md")
    );
    insta::assert_snapshot!("drift_day8", drift);
    assert_eq!(
        std::fs::read_to_string(&outputs).unwrap(),
        "has_drift=true\ncompliance_degraded=1\nnew_violations=1\nnew_warnings=0\nnew_repos=1\nalert=true\n\
         removed_repos=1\nstatus_changes=2\nresolved_violations=1\nresolved_warnings=0\nmetadata_changes=0\nadr_changes=0\ncodeowners_changes=0\nfiles_changed=2\n"
    );
    assert!(p
        .root()
        .join(".metaHub/checkpoints/checkpoint-2026-11-24.json")
        .is_file());
    assert!(p
        .root()
        .join(".metaHub/checkpoints/checkpoint-2026-12-01.json")
        .is_file());
}

#[test]
fn runbook_dashboard_queries_work_on_the_catalog_and_checkpoint() {
    let p = Portfolio::fixture();
    ok(&p.govern(DAY1, &["catalog"], None));
    ok(&p.govern(DAY1, &["checkpoint"], None));
    // The seed runbook's two queries, verbatim.
    const TIERS: &str = "import json\nd = json.load(open('.metaHub/catalog/catalog.json'))\nfor tier, count in d['summary']['by_tier'].items():\n    print(f'Tier {tier}: {count} repos')\n";
    const NON_COMPLIANT: &str = "import json\nd = json.load(open('.metaHub/checkpoints/checkpoint-latest.json'))\nfor repo, data in d['repositories'].items():\n    if not data.get('compliant'):\n        print(f'{repo}: non-compliant')\n";
    let query = |script: &str| {
        let out = p.r.cmd("python3").args(["-c", script]).output().unwrap();
        ok(&out);
        stdout(&out)
    };
    let tiers = query(TIERS);
    assert_eq!(
        tiers,
        "Tier 2: 1 repos\nTier 3: 2 repos\nTier unknown: 2 repos\n"
    );
    assert_eq!(
        query(NON_COMPLIANT),
        "retail/legacy: non-compliant\nretail/web: non-compliant\ntools/cli: non-compliant\n"
    );
    // The runbook's restore (`cp checkpoint-latest.json catalog.json`) keeps the first query
    // working: a checkpoint carries the catalog's summary.
    std::fs::copy(
        p.root().join(".metaHub/checkpoints/checkpoint-latest.json"),
        p.root().join(".metaHub/catalog/catalog.json"),
    )
    .unwrap();
    assert_eq!(query(TIERS), tiers);
}

/// The JSON report without the one field that tells a cached run apart.
fn masked(o: &Output) -> serde_json::Value {
    let mut v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    v["summary"]["cache_hits"] = serde_json::Value::Null;
    v
}

#[test]
fn portfolio_check_with_and_without_the_cache_reports_the_same() {
    let p = Portfolio::fixture();
    let cold = p.govern(DAY1, &["check", "--portfolio", "--format", "json"], None);
    assert_eq!(cold.status.code(), Some(1), "{}", stderr(&cold));
    let warm = p.govern(DAY1, &["check", "--portfolio", "--format", "json"], None);
    let none = p.govern(
        DAY1,
        &["check", "--portfolio", "--format", "json", "--no-cache"],
        None,
    );
    let w: serde_json::Value = serde_json::from_slice(&warm.stdout).unwrap();
    assert!(w["summary"]["cache_hits"].as_u64().unwrap() > 0);
    assert!(p.root().join(".metaHub/cache/cache.redb").is_file());
    assert_eq!(masked(&cold), masked(&warm));
    assert_eq!(masked(&cold), masked(&none));
    for fmt in ["text", "markdown", "github", "sarif", "junit"] {
        let a = p.govern(DAY1, &["check", "--portfolio", "--format", fmt], None);
        let b = p.govern(
            DAY1,
            &["check", "--portfolio", "--format", fmt, "--no-cache"],
            None,
        );
        assert_eq!(stdout(&a), stdout(&b), "{fmt}");
    }
    let pf = &w["portfolio"];
    assert_eq!(pf["total_repos"], 5);
    assert_eq!(pf["by_organization"]["retail"]["repositories"], 2);
    let web = pf["repositories"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["repository"] == "retail/web")
        .unwrap();
    assert_eq!(web["compliance"], "non-compliant");
    assert!(w["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["path"] == "organizations/retail/web/Dockerfile"
            && f["rule"] == "docker.user-not-root"
            && f["line"] == 1));
}

#[test]
fn an_organization_path_checks_only_that_organization() {
    let p = Portfolio::fixture();
    let out = p.govern(
        DAY1,
        &["check", "organizations/retail", "--format", "json"],
        None,
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let names: Vec<&str> = v["portfolio"]["repositories"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["repository"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["retail/legacy", "retail/web"]);
    let out = p.govern(
        DAY1,
        &["check", "organizations/retail/web", "--format", "json"],
        None,
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["portfolio"]["total_repos"], 1);
}

#[test]
fn a_missing_organizations_directory_is_a_clear_error() {
    let p = Portfolio::new();
    p.write("README.md", "x\n");
    let out = p.govern(DAY1, &["catalog", "--root", "."], None);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("has no organizations/ directory"),
        "{}",
        stderr(&out)
    );
    let out = p.govern(DAY1, &["checkpoint", "--root", "."], None);
    assert_eq!(out.status.code(), Some(1));
    let out = p.govern(DAY1, &["check", "--portfolio", "--root", "."], None);
    assert_eq!(out.status.code(), Some(2));
    std::fs::create_dir_all(p.root().join("organizations/empty-org")).unwrap();
    let out = p.govern(DAY1, &["catalog", "--root", "."], None);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("no repositories under"),
        "{}",
        stderr(&out)
    );
    assert!(!p.root().join(".metaHub/catalog/catalog.json").exists());
}

#[cfg(unix)]
#[test]
fn symbolic_links_never_lead_outside_the_root_or_loop() {
    let p = Portfolio::fixture();
    let outside = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(outside.path().join(".meta")).unwrap();
    std::fs::write(outside.path().join("secret.txt"), "x").unwrap();
    let org = p.root().join("organizations/retail");
    std::os::unix::fs::symlink(outside.path(), org.join("escape")).unwrap();
    std::os::unix::fs::symlink("..", org.join("loop")).unwrap();
    std::os::unix::fs::symlink("web", org.join("web-alias")).unwrap();
    // A link to a directory inside the root is followed.
    p.repo("shared/lib", "3");
    std::os::unix::fs::symlink(
        p.root().join("organizations/shared/lib"),
        p.root().join("organizations/tools/lib"),
    )
    .unwrap();
    std::fs::remove_dir_all(p.root().join("organizations/shared")).ok();
    p.write("vendor/lib/README.md", "# lib\n");
    std::fs::remove_file(p.root().join("organizations/tools/lib")).unwrap();
    std::os::unix::fs::symlink(
        p.root().join("vendor/lib"),
        p.root().join("organizations/tools/lib"),
    )
    .unwrap();
    let out = p.govern(DAY1, &["check", "--portfolio", "--format", "json"], None);
    let err = stderr(&out);
    assert!(
        err.contains("organizations/retail/escape is a symbolic link to")
            && err.contains("outside the governance root"),
        "{err}"
    );
    assert!(
        err.contains("organizations/retail/loop is a symbolic link to") && err.contains("(a loop)"),
        "{err}"
    );
    assert!(
        err.contains("organizations/retail/web-alias is the same directory as another repository"),
        "{err}"
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let names: Vec<&str> = v["portfolio"]["repositories"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["repository"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "payments/api",
            "payments/ledger",
            "retail/legacy",
            "retail/web",
            "tools/cli",
            "tools/lib"
        ]
    );
}

#[test]
fn baseline_archives_prune_keeps_the_newest_and_compare_reads_any_two() {
    let p = Portfolio::fixture();
    ok(&p.govern(DAY1, &["checkpoint"], None));
    p.write("organizations/retail/web/Dockerfile", GOOD_DOCKERFILE);
    p.commit("retail/web");
    ok(&p.govern(DAY8, &["checkpoint"], None));
    let dir = p.root().join(".metaHub/checkpoints");
    let cmp = p.govern(
        DAY8,
        &[
            "checkpoint",
            "--compare",
            ".metaHub/checkpoints/checkpoint-2026-11-24.json",
            ".metaHub/checkpoints/checkpoint-2026-12-01.json",
        ],
        None,
    );
    ok(&cmp);
    assert!(
        stdout(&cmp).contains(
            "- retail/web: non-compliant → compliant: resolved 1 violation (docker.user-not-root)"
        ),
        "{}",
        stdout(&cmp)
    );
    assert!(stdout(&cmp).contains("| retail/web | Dockerfile | modified | unintentional |"));

    let out = p.govern(DAY8, &["checkpoint", "--prune", "--keep", "1"], None);
    ok(&out);
    assert!(!dir.join("checkpoint-2026-11-24.json").exists());
    assert!(dir.join("checkpoint-2026-12-01.json").exists());
    assert!(dir.join("checkpoint-latest.json").exists());

    let out = p.govern(DAY8, &["checkpoint", "--baseline"], None);
    ok(&out);
    assert!(dir.join("archive/checkpoint-2026-12-01.json").is_file());
    assert!(dir.join("archive/checkpoint-latest.json").is_file());
    assert!(dir.join("checkpoint-2026-12-01.json").is_file());
    assert!(p
        .read(".metaHub/catalog/weekly-reports/latest-drift.md")
        .contains("is the baseline"));
}

#[test]
fn catalog_from_a_checkpoint_restores_the_inventory() {
    let p = Portfolio::fixture();
    ok(&p.govern(DAY1, &["catalog"], None));
    ok(&p.govern(DAY1, &["checkpoint"], None));
    let scanned: serde_json::Value =
        serde_json::from_str(&p.read(".metaHub/catalog/catalog.json")).unwrap();
    p.write(".metaHub/catalog/catalog.json", "{ corrupt");
    let out = p.govern(
        DAY8,
        &[
            "catalog",
            "--from-checkpoint",
            ".metaHub/checkpoints/checkpoint-latest.json",
        ],
        None,
    );
    ok(&out);
    assert!(stderr(&out).contains("is not JSON"), "{}", stderr(&out));
    assert_eq!(
        p.read(".metaHub/catalog/catalog.json.unreadable"),
        "{ corrupt"
    );
    let restored: serde_json::Value =
        serde_json::from_str(&p.read(".metaHub/catalog/catalog.json")).unwrap();
    assert_eq!(restored["organizations"], scanned["organizations"]);
    assert_eq!(restored["summary"], scanned["summary"]);
    assert_eq!(restored["generated"], scanned["generated"]);
}

#[test]
fn markdown_catalog_lists_each_organization() {
    let p = Portfolio::fixture();
    let out = p.govern(
        DAY1,
        &["catalog", "--format", "markdown", "--output", "-"],
        None,
    );
    ok(&out);
    insta::assert_snapshot!("catalog_markdown", stdout(&out));
}

#[test]
fn an_invalid_acknowledgements_file_stops_before_anything_is_written() {
    let p = Portfolio::fixture();
    p.write(
        ".metaHub/drift-acknowledgements.yaml",
        "acknowledgements:\n  - repository: retail/web\n    reason: x\n    approved_by: \"@a\"\n    expires: soon\n",
    );
    let out = p.govern(DAY1, &["checkpoint"], None);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("drift-acknowledgements.yaml:5: `expires` must be a date"),
        "{}",
        stderr(&out)
    );
    assert!(!p.root().join(".metaHub/checkpoints").exists());
}

fn validate(schema_file: &str, doc: &serde_json::Value) {
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(schema_file)).unwrap(),
    )
    .unwrap();
    let v = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = v
        .iter_errors(doc)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{schema_file}: {errors:#?}");
}

#[test]
fn catalog_checkpoint_and_portfolio_report_validate_against_their_schemas() {
    let p = Portfolio::fixture();
    ok(&p.govern(DAY1, &["catalog"], None));
    ok(&p.govern(DAY1, &["checkpoint"], None));
    p.write("organizations/retail/web/Dockerfile", GOOD_DOCKERFILE);
    ok(&p.govern(DAY8, &["catalog"], None));
    let catalog = serde_json::from_str(&p.read(".metaHub/catalog/catalog.json")).unwrap();
    validate("schemas/catalog.schema.json", &catalog);
    let cp = serde_json::from_str(&p.read(".metaHub/checkpoints/checkpoint-latest.json")).unwrap();
    validate("schemas/checkpoint.schema.json", &cp);
    let report = p.govern(DAY1, &["check", "--portfolio", "--format", "json"], None);
    validate(
        "schemas/report.schema.json",
        &serde_json::from_slice(&report.stdout).unwrap(),
    );
    // A broken document is rejected, so the validation above can fail.
    let mut broken: serde_json::Value = catalog;
    broken["summary"]["by_tier"] = serde_json::json!({"1": "many"});
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas/catalog.schema.json"),
        )
        .unwrap(),
    )
    .unwrap();
    assert!(!jsonschema::validator_for(&schema)
        .unwrap()
        .is_valid(&broken));
}

#[test]
fn alert_thresholds_are_configurable_and_reach_github_outputs() {
    let p = Portfolio::fixture();
    ok(&p.govern(DAY1, &["checkpoint"], None));
    // payments/api loses compliance: one new violation.
    p.write("organizations/payments/api/Dockerfile", ROOT_DOCKERFILE);
    ok(&p.govern(DAY8, &["checkpoint"], None));
    // One `--compare` run: (report, GITHUB_OUTPUT lines).
    let compare = |name: &str, extra: &[&str]| {
        let mut a = vec![
            "checkpoint",
            "--compare",
            ".metaHub/checkpoints/checkpoint-2026-11-24.json",
            ".metaHub/checkpoints/checkpoint-2026-12-01.json",
        ];
        a.extend_from_slice(extra);
        let outputs = p.root().join(name);
        let o = p.govern(DAY8, &a, Some(&outputs));
        ok(&o);
        (stdout(&o), std::fs::read_to_string(&outputs).unwrap())
    };
    let (report, outputs) = compare("default.txt", &[]);
    assert!(outputs.contains("alert=true\n"));
    assert!(
        report.contains("**Alert:** 1 repository lost compliance (threshold: more than 0)"),
        "{report}"
    );
    let (report, outputs) = compare("relaxed.txt", &["--alert-degraded", "1"]);
    assert!(outputs.contains("alert=false\n"));
    assert!(report.contains("- No alert threshold crossed"));
    let (report, outputs) = compare(
        "strict.txt",
        &["--alert-degraded", "1", "--alert-new-violations", "0"],
    );
    assert!(outputs.contains("new_violations=1\nnew_warnings=0\nnew_repos=0\nalert=true\n"));
    assert!(
        report.contains("**Alert:** 1 new violation (threshold: more than 0)"),
        "{report}"
    );
}

#[test]
fn folder_repositories_ignore_nothing_above_their_own_root() {
    // The governance root is itself a git repository that ignores the checked-out
    // repositories, a common layout; a folder repository's own files still count.
    let p = Portfolio::fixture();
    p.write(".gitignore", "organizations/**\n");
    p.r.git(&["init", "-q", "-b", "main"]);
    p.write("organizations/payments/ledger/.gitignore", "build/\n");
    p.write(
        "organizations/payments/ledger/build/Dockerfile",
        ROOT_DOCKERFILE,
    );
    let out = p.govern(DAY1, &["check", "--portfolio", "--format", "json"], None);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let ledger = v["portfolio"]["repositories"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["repository"] == "payments/ledger")
        .unwrap_or_else(|| panic!("{v:#}"))
        .clone();
    assert_eq!(ledger["compliance"], "compliant", "{ledger:#}");
    // The repository's own .gitignore still applies: build/Dockerfile is not checked.
    assert!(
        !v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["path"].as_str().unwrap().contains("build/")),
        "{v:#}"
    );
}
