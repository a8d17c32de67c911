//! Drift end to end: a portfolio of git clones and plain folders (some with uncommitted
//! work, one a blobless sparse clone) gets a baseline checkpoint, then every kind of change
//! drift knows (committed and uncommitted), then a second checkpoint. The drift report, its
//! JSON twin and the GitHub outputs must list each change with its class, and nothing else.

mod common;

use std::collections::BTreeSet;

use common::portfolio::*;
use common::{stderr, stdout, validate, Repo};

const NO_HEALTHCHECK: &str = "FROM alpine:3.19\nRUN adduser -D app\nUSER app\n";

/// The portfolio before the changes; returns it with the sparse clone's source kept alive.
fn baseline() -> (Portfolio, Repo) {
    let p = Portfolio::new();
    // shop/api (git): a warning (no HEALTHCHECK) to be resolved by a commit.
    p.repo("shop/api", "2");
    p.write("organizations/shop/api/Dockerfile", NO_HEALTHCHECK);
    p.git_init("shop/api");
    // shop/web (git): compliant.
    p.repo("shop/web", "3");
    p.write("organizations/shop/web/Dockerfile", GOOD_DOCKERFILE);
    p.git_init("shop/web");
    // shop/billing (git): its metadata will be removed by a commit.
    p.repo("shop/billing", "3");
    p.git_init("shop/billing");
    // shop/catalog (plain folder).
    p.repo("shop/catalog", "3");
    p.write("organizations/shop/catalog/Dockerfile", GOOD_DOCKERFILE);
    // shop/search (git): committed without metadata; uncommitted metadata comes later.
    p.write("organizations/shop/search/README.md", "# search\n");
    p.write(
        "organizations/shop/search/.github/CODEOWNERS",
        "* @acme/search\n",
    );
    p.git_init("shop/search");
    // shop/orders (git) with uncommitted work already at the baseline: untracked metadata
    // and an edited Dockerfile count as they are on disk.
    p.write("organizations/shop/orders/README.md", "# orders\n");
    p.git_init("shop/orders");
    p.repo("shop/orders", "3");
    p.write("organizations/shop/orders/Dockerfile", GOOD_DOCKERFILE);
    // shop/cart (git): already non-compliant (runs as root); it gets one more violation.
    p.repo("shop/cart", "3");
    p.write("organizations/shop/cart/Dockerfile", ROOT_DOCKERFILE);
    p.git_init("shop/cart");
    // shop/legacy (folder): deleted later.
    p.repo("shop/legacy", "3");
    // labs/sparse: a blobless sparse clone with files outside the sparse set.
    let src = Repo::new();
    src.with_compliant_base();
    src.write("app/Dockerfile", GOOD_DOCKERFILE);
    src.write("legacy/Dockerfile", "FROM alpine\nUSER root\n");
    src.commit_all("init");
    src.git(&["config", "uploadpack.allowFilter", "true"]);
    let url = format!("file://{}", src.path().display());
    let dest = p.root().join("organizations/labs/sparse");
    std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
    let d = dest.to_str().unwrap();
    p.r.git(&["clone", "-q", "--filter=blob:none", "--sparse", &url, d]);
    p.r.git(&["-C", d, "sparse-checkout", "set", "app", ".meta", ".github"]);
    assert!(!dest.join("legacy").exists());
    (p, src)
}

/// Every kind of change, committed and uncommitted.
fn change(p: &Portfolio) {
    let org = |rel: &str| format!("organizations/{rel}");
    // Metadata field, uncommitted: shop/api tier 2 → 1.
    p.write(&org("shop/api/.meta/repo.yaml"), &meta("api", "1"));
    // Warning resolved, committed: shop/api gets its HEALTHCHECK.
    p.write(&org("shop/api/Dockerfile"), GOOD_DOCKERFILE);
    p.r.git(&["-C", &org("shop/api"), "commit", "-q", "-am", "healthcheck"]);
    // ADR added, untracked: shop/api.
    p.write(
        &org("shop/api/docs/adr/0002-use-postgres.md"),
        "# 2. Use Postgres\n\n## Status\n\nAccepted\n\n## Context\n\nWe need storage.\n\n## Decision\n\nPostgres.\n\n## Consequences\n\nOne more service.\n",
    );
    // Owner changed, committed: shop/web.
    p.write(
        &org("shop/web/.meta/repo.yaml"),
        &meta("web", "3").replace("@acme/platform", "@acme/web"),
    );
    // ADR removed, committed: shop/web.
    std::fs::remove_file(
        p.root()
            .join(org("shop/web/docs/adr/0001-record-decisions.md")),
    )
    .unwrap();
    p.commit("shop/web");
    // New violation, uncommitted: shop/web runs as root.
    p.write(
        &org("shop/web/Dockerfile"),
        "FROM alpine:3.19\nUSER root\nHEALTHCHECK CMD true\n",
    );
    // Metadata removed, committed: shop/billing.
    p.r.git(&["-C", &org("shop/billing"), "rm", "-q", ".meta/repo.yaml"]);
    p.r.git(&[
        "-C",
        &org("shop/billing"),
        "commit",
        "-q",
        "-m",
        "drop metadata",
    ]);
    // New warning and a CODEOWNERS change in a plain folder: shop/catalog.
    p.write(&org("shop/catalog/Dockerfile"), NO_HEALTHCHECK);
    p.write(
        &org("shop/catalog/.github/CODEOWNERS"),
        "* @acme/platform\n/docs/ @acme/writers\n",
    );
    // Metadata added, untracked: shop/search.
    p.write(&org("shop/search/.meta/repo.yaml"), &meta("search", "3"));
    // A new violation without a class change, committed: shop/cart.
    p.write(&org("shop/cart/worker/Dockerfile"), ROOT_DOCKERFILE);
    p.commit("shop/cart");
    // A deleted repository and a new one.
    std::fs::remove_dir_all(p.root().join(org("shop/legacy"))).unwrap();
    p.repo("labs/tool", "3");
    p.write(&org("labs/tool/Dockerfile"), GOOD_DOCKERFILE);
    p.git_init("labs/tool");
}

/// `(repository, description, class)` of every change in the JSON report.
fn changes(json: &serde_json::Value) -> BTreeSet<(String, String, String)> {
    json["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["repository"].as_str().unwrap().to_string(),
                c["description"].as_str().unwrap().to_string(),
                c["class"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// What [`change`] makes drift report: (repository, description, class).
fn expected_changes() -> BTreeSet<(String, String, String)> {
    let un = |r: &str, d: &str| (r.to_string(), d.to_string(), "unintentional".to_string());
    [
        ("shop/api", "shop/api: tier 2 → 1", "intentional"),
        ("shop/api", "shop/api: .meta/repo.yaml modified", "intentional"),
        ("shop/api", "shop/api: 1 warning (docker.healthcheck) resolved", ""),
        ("shop/api", "shop/api: ADR added docs/adr/0002-use-postgres.md", ""),
        ("shop/api", "shop/api: Dockerfile modified", ""),
        ("shop/api", "shop/api: docs/adr/0002-use-postgres.md added", ""),
        ("shop/billing", "shop/billing: compliant → missing-metadata: .meta/repo.yaml removed; 1 new violation (meta.present)", ""),
        ("shop/billing", "shop/billing: .meta/repo.yaml removed", ""),
        ("shop/cart", "shop/cart: 1 new violation (docker.user-not-root)", ""),
        ("shop/cart", "shop/cart: worker/Dockerfile added", ""),
        ("shop/catalog", "shop/catalog: 1 new warning (docker.healthcheck)", ""),
        ("shop/catalog", "shop/catalog: CODEOWNERS (.github/CODEOWNERS): rules added: `/docs/ @acme/writers`", ""),
        ("shop/catalog", "shop/catalog: .github/CODEOWNERS modified", ""),
        ("shop/catalog", "shop/catalog: Dockerfile modified", ""),
        ("shop/legacy", "shop/legacy (DELETED): was compliant, 4 files, 0 violations, 0 warnings", ""),
        // Its metadata names an owner CODEOWNERS does not, and a production lifecycle that
        // needs ADRs.
        ("shop/search", "shop/search: missing-metadata → non-compliant: .meta/repo.yaml added; 2 new violations (adr.present, structure.codeowners); resolved 1 violation (meta.present)", ""),
        ("shop/search", "shop/search: .meta/repo.yaml added", ""),
        // Its only ADR went, its new owner is not in CODEOWNERS, and it runs as root.
        ("shop/web", "shop/web: compliant → non-compliant: 3 new violations (adr.present, docker.user-not-root, structure.codeowners)", ""),
        ("shop/web", "shop/web: owner @acme/platform → @acme/web", ""),
        ("shop/web", "shop/web: ADR removed docs/adr/0001-record-decisions.md", ""),
        ("shop/web", "shop/web: .meta/repo.yaml modified", ""),
        ("shop/web", "shop/web: Dockerfile modified", ""),
        ("shop/web", "shop/web: docs/adr/0001-record-decisions.md removed", ""),
        ("labs/tool", "labs/tool (NEW): compliant, 5 files, 0 violations", ""),
    ]
    .into_iter()
    .map(|(r, d, c)| match c {
        "" => un(r, d),
        c => (r.to_string(), d.to_string(), c.to_string()),
    })
    .collect()
}

/// Every expected change is in the Markdown report: a repository-level change on its own
/// line, a file change as a row of the file table.
fn assert_markdown_lists(
    md: &str,
    json: &serde_json::Value,
    expected: &BTreeSet<(String, String, String)>,
) {
    for (_, d, class) in expected {
        let (repo, rest) = d.split_once(": ").unwrap();
        let line = if json["changes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["description"] == d.as_str() && c["kind"] == "file")
        {
            let (path, how) = rest.rsplit_once(' ').unwrap();
            let repo = repo.trim_end_matches(" (NEW)");
            let cls = if class == "intentional" {
                "intentional: api is now business critical".to_string()
            } else {
                class.clone()
            };
            format!("| {repo} | {path} | {how} | {cls} |")
        } else {
            format!("- {d}")
        };
        assert!(md.contains(&line), "{line:?} missing from\n{md}");
    }
}

#[test]
fn drift_names_every_kind_of_change_and_nothing_else() {
    let (p, _src) = baseline();
    let base = p.govern(DAY1, &["checkpoint", "--baseline", "--no-cache"], None);
    assert_eq!(base.status.code(), Some(0), "{}", stderr(&base));
    let first: serde_json::Value =
        serde_json::from_str(&p.read(".metaHub/catalog/weekly-reports/latest-drift.json")).unwrap();
    validate("schemas/drift.schema.json", &first);
    assert_eq!(
        first["changes"],
        serde_json::json!([]),
        "a baseline has no changes"
    );
    let cp: serde_json::Value =
        serde_json::from_str(&p.read(".metaHub/checkpoints/checkpoint-latest.json")).unwrap();
    let repos = &cp["repositories"];
    assert_eq!(
        repos["shop/orders"]["compliance"], "compliant",
        "uncommitted metadata counts"
    );
    assert_eq!(
        repos["labs/sparse"]["errors"], 0,
        "{}",
        repos["labs/sparse"]
    );
    assert_eq!(repos["labs/sparse"]["compliance"], "compliant");
    p.write(
        ".metaHub/drift-acknowledgements.yaml",
        "- repository: shop/api\n  path: .meta/repo.yaml\n  reason: api is now business critical\n  approved_by: \"@acme/leads\"\n  expires: 2027-06-30\n",
    );
    change(&p);
    let outputs = p.root().join("github-output");
    let run = p.govern(DAY8, &["checkpoint"], Some(&outputs));
    assert_eq!(run.status.code(), Some(0), "{}", stderr(&run));
    let reports = ".metaHub/catalog/weekly-reports";
    let json: serde_json::Value =
        serde_json::from_str(&p.read(&format!("{reports}/latest-drift.json"))).unwrap();
    validate("schemas/drift.schema.json", &json);
    let expected = expected_changes();
    let got = changes(&json);
    assert_eq!(
        got.difference(&expected).collect::<Vec<_>>(),
        Vec::<&(String, String, String)>::new(),
        "reported but not expected"
    );
    assert_eq!(
        expected.difference(&got).collect::<Vec<_>>(),
        Vec::<&(String, String, String)>::new(),
        "expected but not reported"
    );
    // The Markdown report says the same: every repository-level change on its own line,
    // files in the table, nothing about the sparse clone.
    let md = p.read(&format!("{reports}/latest-drift.md"));
    assert_markdown_lists(&md, &json, &expected);
    assert!(!md.contains("labs/sparse"), "{md}");
    assert!(
        !md.contains("organizations/"),
        "names are <org>/<repo>: {md}"
    );
    // The GitHub outputs count the unintentional changes.
    let out = std::fs::read_to_string(&outputs).unwrap();
    for line in [
        "has_drift=true",
        "compliance_degraded=2",
        "new_violations=7",
        "new_warnings=1",
        "new_repos=1",
        "alert=true",
        "removed_repos=1",
        "status_changes=3",
        "resolved_violations=1",
        "resolved_warnings=1",
        "metadata_changes=1",
        "adr_changes=2",
        "codeowners_changes=1",
        "files_changed=10",
    ] {
        assert!(out.lines().any(|l| l == line), "{line} not in\n{out}");
    }
    assert!(stdout(&run).contains("drift: "), "{}", stdout(&run));
}
