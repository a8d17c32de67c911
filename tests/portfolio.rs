//! Portfolio commands on fixture portfolios built here: three organizations, git
//! repositories and plain folders, with and without metadata, one invalid; a scripted
//! sequence of changes checked through catalog changes and the drift report.

mod common;

use std::path::Path;
use std::process::Output;

use common::portfolio::*;
use common::{stderr, stdout, validate};

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

/// `catalog --format json --format markdown` writes both default files from one scan.
#[test]
fn catalog_writes_json_and_markdown_in_one_run() {
    let p = Portfolio::fixture();
    let out = p.govern(
        DAY1,
        &["catalog", "--format", "json", "--format", "markdown"],
        None,
    );
    ok(&out);
    let md = p.govern(
        DAY1,
        &["catalog", "--format", "markdown", "--output", "-"],
        None,
    );
    assert_eq!(p.read(".metaHub/catalog/catalog.md"), stdout(&md));
    let json: serde_json::Value =
        serde_json::from_str(&p.read(".metaHub/catalog/catalog.json")).unwrap();
    assert!(json["summary"]["total_repos"].as_u64().unwrap() > 0);
    let e = p.govern(
        DAY1,
        &["catalog", "--format", "json=-", "--format", "markdown=-"],
        None,
    );
    assert_ne!(e.status.code(), Some(0));
    assert!(
        stderr(&e).contains("would both go to stdout"),
        "{}",
        stderr(&e)
    );
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

/// `(repository, compliance, tier, owner)` of every repository of a catalog.
fn catalog_rows(c: &serde_json::Value) -> Vec<(String, String, String, String)> {
    let mut out = Vec::new();
    for org in c["organizations"].as_array().unwrap() {
        for r in org["repos"].as_array().unwrap() {
            out.push((
                format!(
                    "{}/{}",
                    org["name"].as_str().unwrap(),
                    r["name"].as_str().unwrap()
                ),
                r["compliance"].to_string(),
                r["tier"].to_string(),
                r["owner"].to_string(),
            ));
        }
    }
    out
}

/// The `input_errors` of a catalog, a checkpoint and a portfolio report, each as
/// `<org>/<repo>: <error>` lines in their file's order.
fn input_errors_of(
    cat: &serde_json::Value,
    cp: &serde_json::Value,
    report: &serde_json::Value,
) -> (Vec<String>, Vec<String>, Vec<String>) {
    let errors_of = |v: &serde_json::Value| -> Vec<String> {
        v["input_errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e.as_str().unwrap().to_string())
            .collect()
    };
    let mut from_catalog = Vec::new();
    for org in cat["organizations"].as_array().unwrap() {
        for r in org["repos"].as_array().unwrap() {
            let key = format!(
                "{}/{}",
                org["name"].as_str().unwrap(),
                r["name"].as_str().unwrap()
            );
            from_catalog.extend(errors_of(r).into_iter().map(|e| format!("{key}: {e}")));
        }
    }
    let from_checkpoint = cp["repositories"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(k, e)| errors_of(e).into_iter().map(move |x| format!("{k}: {x}")))
        .collect();
    let from_check = report["portfolio"]["repositories"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| {
            let key = r["repository"].as_str().unwrap().to_string();
            errors_of(r).into_iter().map(move |x| format!("{key}: {x}"))
        })
        .collect();
    (from_catalog, from_checkpoint, from_check)
}

#[test]
fn catalog_checkpoint_and_portfolio_check_agree_on_the_same_tree() {
    let p = Portfolio::fixture();
    // Uncommitted work: untracked metadata in a git repository, an edited tier.
    p.write(
        "organizations/retail/web/.meta/repo.yaml",
        &meta("web", "1"),
    );
    // A file that cannot be parsed, and a repository that cannot be read.
    p.write(
        "organizations/payments/api/k8s/bad.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata: [\n",
    );
    p.write(
        "organizations/tools/broken/.git",
        "gitdir: /nonexistent/place\n",
    );
    let check = p.govern(
        DAY1,
        &["check", "--portfolio", "--format", "json", "--no-cache"],
        None,
    );
    let catalog = p.govern(DAY1, &["catalog", "--no-cache"], None);
    let checkpoint = p.govern(DAY1, &["checkpoint", "--no-cache"], None);
    // Each fails in its documented way: check 2 (input errors), catalog and checkpoint 1
    // (the seed's "error"), after writing their files.
    assert_eq!(check.status.code(), Some(2), "{}", stderr(&check));
    assert_eq!(catalog.status.code(), Some(1), "{}", stderr(&catalog));
    assert_eq!(checkpoint.status.code(), Some(1), "{}", stderr(&checkpoint));
    let cat: serde_json::Value =
        serde_json::from_str(&p.read(".metaHub/catalog/catalog.json")).unwrap();
    let cp: serde_json::Value =
        serde_json::from_str(&p.read(".metaHub/checkpoints/checkpoint-latest.json")).unwrap();
    let report: serde_json::Value = serde_json::from_slice(&check.stdout).unwrap();
    // The same repositories, classes and metadata, read from the work tree.
    let rows = catalog_rows(&cat);
    let from_cp: Vec<(String, String, String, String)> = cp["repositories"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, e)| {
            (
                k.clone(),
                e["compliance"].to_string(),
                e["metadata"]["tier"].to_string(),
                e["metadata"]["owner"].to_string(),
            )
        })
        .collect();
    assert_eq!(rows, from_cp);
    let web = rows.iter().find(|r| r.0 == "retail/web").unwrap();
    assert_eq!(web.2, "1", "the tier on disk, not the committed one");
    // The same errors, with their reasons, in every output.
    let (from_catalog, from_checkpoint, from_check) = input_errors_of(&cat, &cp, &report);
    assert_eq!(from_catalog.len(), 2, "{from_catalog:#?}");
    assert!(from_catalog
        .iter()
        .any(|e| e.starts_with("payments/api: k8s/bad.yaml:")));
    assert!(
        from_catalog
            .iter()
            .any(|e| e.starts_with("tools/broken: opening the git repository")),
        "{from_catalog:#?}"
    );
    assert_eq!(from_catalog, from_checkpoint);
    assert_eq!(from_catalog, from_check);
    for e in &from_catalog {
        for out in [&catalog, &checkpoint] {
            assert!(
                stderr(out).contains(&format!("could not check {e}")),
                "{}",
                stderr(out)
            );
        }
    }
    assert_eq!(report["errors"].as_array().unwrap().len(), 2, "{report:#}");
}

/// `--select` narrows a portfolio run as it narrows one repository: only the selected
/// rules run (and are counted), in every repository.
#[test]
fn select_narrows_the_portfolio_commands() {
    let p = Portfolio::fixture();
    let rules = |args: &[&str]| -> std::collections::BTreeSet<String> {
        let mut a = vec!["check", "--portfolio", "--no-cache", "--format", "json"];
        a.extend(args);
        let out = p.govern(DAY1, &a, None);
        let v: serde_json::Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["rule"].as_str().unwrap().to_string())
            .collect()
    };
    let all = rules(&[]);
    assert!(
        all.contains("docker.user-not-root") && all.iter().any(|r| r.starts_with("meta.")),
        "{all:?}"
    );
    let docker = rules(&["--select", "docker"]);
    assert!(
        !docker.is_empty() && docker.iter().all(|r| r.starts_with("docker.")),
        "{docker:?}"
    );
    let no_meta = rules(&["--ignore", "meta"]);
    assert!(
        !no_meta.iter().any(|r| r.starts_with("meta.")),
        "{no_meta:?}"
    );
    let out = p.govern(DAY1, &["catalog", "--select", "docker", "--no-cache"], None);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Runs `command` (catalog or checkpoint) as each of `n` shards writing to `dir`.
fn run_parts(p: &Portfolio, command: &str, dir: &str, n: usize) {
    for i in 1..=n {
        let part = format!("{i}/{n}");
        let args = [command, "--no-cache", "--shard", &part, "--shard-dir", dir];
        ok(&p.govern(DAY1, &args, None));
    }
}

/// Shards: N processes each scan their part and write a shard file; assembling them gives
/// the catalog and checkpoint one machine writes, byte for byte. A missing part, or a
/// part made with another configuration, is refused and named.
#[test]
fn shards_assemble_to_the_single_machine_result() {
    let p = Portfolio::fixture();
    for i in 0..6 {
        p.repo(&format!("shop/svc{i}"), "3");
    }
    p.git_init("shop/svc0");
    let shards = p.root().join("shards");
    let shards = shards.to_str().unwrap();
    let read = |rel: &str| p.read(rel);
    // One machine.
    ok(&p.govern(DAY1, &["catalog", "--no-cache"], None));
    let single_catalog = read(".metaHub/catalog/catalog.json");
    ok(&p.govern(DAY1, &["checkpoint", "--baseline", "--no-cache"], None));
    let single_checkpoint = read(".metaHub/checkpoints/checkpoint-latest.json");
    std::fs::remove_file(p.root().join(".metaHub/catalog/catalog.json")).unwrap();
    std::fs::remove_dir_all(p.root().join(".metaHub/checkpoints")).unwrap();
    // Three machines, then the assembly.
    run_parts(&p, "catalog", shards, 3);
    let part: serde_json::Value = serde_json::from_str(&read("shards/shard-1-of-3.json")).unwrap();
    validate("schemas/shard.schema.json", &part);
    ok(&p.govern(DAY1, &["catalog", "--shard-dir", shards], None));
    assert_eq!(read(".metaHub/catalog/catalog.json"), single_catalog);
    let cp_shards = p.root().join("cp-shards");
    let cp_shards = cp_shards.to_str().unwrap();
    run_parts(&p, "checkpoint", cp_shards, 3);
    ok(&p.govern(
        DAY1,
        &["checkpoint", "--baseline", "--shard-dir", cp_shards],
        None,
    ));
    assert_eq!(
        read(".metaHub/checkpoints/checkpoint-latest.json"),
        single_checkpoint
    );
    // Catalog shards have no file hashes: a checkpoint refuses them.
    let o = p.govern(
        DAY1,
        &["checkpoint", "--baseline", "--shard-dir", shards],
        None,
    );
    assert_ne!(o.status.code(), Some(0));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("no file hashes"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    // check --portfolio takes the same partition: its parts add up to the whole.
    let total = |args: &[&str]| -> u64 {
        let mut a = vec!["check", "--portfolio", "--no-cache", "--format", "json"];
        a.extend(args);
        let v: serde_json::Value =
            serde_json::from_slice(&p.govern(DAY1, &a, None).stdout).unwrap();
        v["portfolio"]["total_repos"].as_u64().unwrap()
    };
    let whole = total(&[]);
    assert_eq!(
        total(&["--shard", "1/2"]) + total(&["--shard", "2/2"]),
        whole
    );
    // A missing part is named.
    std::fs::remove_file(p.root().join("shards/shard-2-of-3.json")).unwrap();
    let o = p.govern(DAY1, &["catalog", "--shard-dir", shards], None);
    assert_ne!(o.status.code(), Some(0));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("missing shard-2-of-3.json"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    // Another configuration (here: a rule selection) is refused.
    let o = p.govern(
        DAY1,
        &["catalog", "--shard-dir", cp_shards, "--select", "docker"],
        None,
    );
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("another configuration"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn a_clean_tracked_file_is_read_from_the_work_tree_not_the_object_database() {
    // A repository whose files are unchanged since they were staged (stat data older than
    // the index, so not racily clean) and whose clone lacks the blob of its metadata file,
    // as a partial clone does: the metadata on disk is what the portfolio reports.
    let p = Portfolio::new();
    p.repo("payments/api", "2");
    let dir = p.root().join("organizations/payments/api");
    let d = dir.to_str().unwrap();
    p.r.git(&["-C", d, "init", "-q", "-b", "main"]);
    let files = p.r.git(&["-C", d, "ls-files", "--others"]);
    for f in files.lines() {
        let ok = std::process::Command::new("touch")
            .args(["-d", "2020-01-01T00:00:00Z"])
            .arg(dir.join(f))
            .status()
            .unwrap()
            .success();
        assert!(ok, "touch {f}");
    }
    p.commit("payments/api");
    let blob = p.r.git(&["-C", d, "rev-parse", "HEAD:.meta/repo.yaml"]);
    let blob = blob.trim();
    std::fs::remove_file(dir.join(".git/objects").join(&blob[..2]).join(&blob[2..])).unwrap();
    let missing = p.r.git_output(&["-C", d, "cat-file", "-e", blob]);
    assert!(!missing.status.success(), "the blob is gone");
    assert_eq!(
        p.r.git(&["-C", d, "status", "--porcelain"]),
        "",
        "the work tree is clean"
    );

    ok(&p.govern(DAY1, &["catalog"], None));
    let catalog: serde_json::Value =
        serde_json::from_str(&p.read(".metaHub/catalog/catalog.json")).unwrap();
    let rows = catalog_rows(&catalog);
    assert_eq!(
        rows,
        [(
            "payments/api".to_string(),
            "\"compliant\"".to_string(),
            "2".to_string(),
            "\"@acme/platform\"".to_string()
        )],
        "{catalog:#}"
    );
}

/// The files `GOVERN_TRACE` says were known by an enclosing index, over every repository.
fn known_by_enclosing_index(o: &Output) -> usize {
    stderr(o)
        .lines()
        .filter_map(|l| l.split("files known by their stamps, ").nth(1))
        .filter_map(|rest| rest.split(' ').next()?.parse::<usize>().ok())
        .sum()
}

#[test]
fn a_tracked_organizations_tree_gives_folders_their_ids_from_its_index() {
    // The governance root is a git repository that tracks organizations/, which holds
    // plain folders (no .git of their own). Their unchanged files take their ids from that
    // index even on a cold run; a file changed since it was staged is judged by its bytes
    // on disk; the report is the one a run without the governance repository gives.
    let p = Portfolio::new();
    p.repo("payments/ledger", "2");
    p.write("organizations/payments/ledger/Dockerfile", GOOD_DOCKERFILE);
    p.repo("retail/shop", "3");
    p.write("organizations/retail/shop/Dockerfile", GOOD_DOCKERFILE);
    let ok_touch = std::process::Command::new("sh")
        .args([
            "-c",
            "find organizations -type f -exec touch -d 2020-01-01T00:00:00Z {} +",
        ])
        .current_dir(p.root())
        .status()
        .unwrap()
        .success();
    assert!(ok_touch);
    p.r.git(&["init", "-q", "-b", "main"]);
    p.r.git(&["add", "organizations"]);
    p.r.git(&["commit", "-q", "--no-verify", "-m", "portfolio"]);
    // Changed after it was committed: the index's id no longer stands for it.
    p.write("organizations/retail/shop/Dockerfile", ROOT_DOCKERFILE);

    let args = ["check", "--portfolio", "--format", "json", "--no-cache"];
    let mut traced = p.r.cmd(common::bin());
    traced
        .args(args)
        .env("SOURCE_DATE_EPOCH", DAY1)
        .env("GOVERN_TRACE", "1");
    let indexed = traced.output().unwrap();
    assert_eq!(indexed.status.code(), Some(1), "{}", stderr(&indexed));
    let files = p.r.git(&["ls-files", "organizations"]).lines().count();
    // Every committed file but the changed Dockerfile.
    assert_eq!(
        known_by_enclosing_index(&indexed),
        files - 1,
        "{}",
        stderr(&indexed)
    );
    let report = masked(&indexed);
    assert!(
        report["findings"].as_array().unwrap().iter().any(|f| {
            f["path"] == "organizations/retail/shop/Dockerfile"
                && f["rule"] == "docker.user-not-root"
        }),
        "{report:#}"
    );

    // The same report without the governance repository's index.
    std::fs::rename(p.root().join(".git"), p.root().join("git-moved")).unwrap();
    let plain = p.govern(DAY1, &args, None);
    assert_eq!(masked(&plain), report);
}
