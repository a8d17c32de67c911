//! Rego policies with conftest's conventions, run in-process from `--policy DIR`: findings
//! with lines in every format, served warm from the cache, invalidated by an edit.

mod common;
use common::*;

const DOCKER_POLICY: &str = r#"package main

# conftest-style: deny ADD from a URL.
deny contains msg if {
	some instr in input
	instr.Cmd == "add"
	some v in instr.Value
	startswith(v, "http")
	msg := sprintf("ADD fetches %s from a URL; download it in a RUN step with a checksum", [v])
}
"#;

const K8S_POLICY: &str = r#"package main

deny contains msg if {
	input.kind == "Deployment"
	not input.spec.template.spec.securityContext.runAsNonRoot
	msg := sprintf("Deployment %s must set securityContext.runAsNonRoot", [input.metadata.name])
}

warn contains msg if {
	input.kind == "Deployment"
	some c in input.spec.template.spec.containers
	endswith(c.image, ":latest")
	msg := sprintf("container %s uses the image %s", [c.name, c.image])
}
"#;

fn fixture() -> (Repo, String) {
    let repo = Repo::new();
    repo.with_compliant_base();
    repo.write(
        "Dockerfile",
        "FROM alpine:3.20\nADD https://example.com/tool.tgz /opt/\nUSER 10001\nHEALTHCHECK CMD true\n",
    );
    repo.write(
        "k8s/web.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: frontend\nspec:\n  template:\n    spec:\n      containers:\n        - name: app\n          image: nginx:latest\n          resources: {requests: {cpu: 1m, memory: 1Mi}, limits: {cpu: 1m, memory: 1Mi}}\n          livenessProbe: {tcpSocket: {port: 80}}\n          readinessProbe: {tcpSocket: {port: 80}}\n",
    );
    repo.git(&["add", "-A"]);
    // The policies live outside the repository, as a shared policy checkout would.
    let dir = repo.home.path().join("policy");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("docker.rego"), DOCKER_POLICY).unwrap();
    std::fs::write(dir.join("k8s.rego"), K8S_POLICY).unwrap();
    (repo, dir.to_str().unwrap().to_string())
}

#[test]
fn conftest_policies_report_with_lines_in_every_format() {
    let (repo, dir) = fixture();
    let (v, code) = repo.json(&["check", "--no-cache", "--policy", &dir]);
    assert_eq!(code, 1, "{v}");
    let policy: Vec<(String, String, Option<u64>, String)> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"].as_str().unwrap().starts_with("policy."))
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["path"].as_str().unwrap().to_string(),
                f["line"].as_u64(),
                f["severity"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        policy,
        [
            (
                "policy.main.deny".into(),
                "Dockerfile".into(),
                Some(2),
                "error".into()
            ),
            (
                "policy.main.deny".into(),
                "k8s/web.yaml".into(),
                Some(4),
                "error".into()
            ),
            (
                "policy.main.warn".into(),
                "k8s/web.yaml".into(),
                Some(10),
                "warning".into()
            ),
        ]
    );
    let text = stdout(&repo.govern(&["check", "--no-cache", "--policy", &dir]));
    assert!(
        text.contains("policy.main.deny  ADD fetches https://example.com/tool.tgz"),
        "{text}"
    );
    let gh = stdout(&repo.govern(&[
        "check",
        "--no-cache",
        "--format",
        "github",
        "--policy",
        &dir,
    ]));
    assert!(
        gh.contains("::error file=Dockerfile,line=2,title=policy.main.deny::"),
        "{gh}"
    );
    assert!(
        gh.contains("::warning file=k8s/web.yaml,line=10,title=policy.main.warn::"),
        "{gh}"
    );
    let sarif: serde_json::Value = serde_json::from_str(&stdout(&repo.govern(&[
        "check",
        "--no-cache",
        "--format",
        "sarif",
        "--policy",
        &dir,
    ])))
    .unwrap();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    let r = results
        .iter()
        .find(|r| r["ruleId"] == "policy.main.deny")
        .unwrap();
    assert_eq!(
        r["locations"][0]["physicalLocation"]["region"]["startLine"],
        2
    );
}

#[test]
fn the_cache_serves_policy_results_and_an_edit_invalidates_them() {
    let (repo, dir) = fixture();
    let cache = repo.home.path().join("c.redb");
    let c = cache.to_str().unwrap();
    let (none, _) = repo.json(&["check", "--no-cache", "--policy", &dir]);
    let (cold, _) = repo.json(&["check", "--cache", c, "--policy", &dir]);
    let (warm, _) = repo.json(&["check", "--cache", c, "--policy", &dir]);
    assert_eq!(none["findings"], warm["findings"]);
    assert_eq!(cold["findings"], warm["findings"]);
    let hits = |v: &serde_json::Value| v["summary"]["cache_hits"].as_u64().unwrap();
    let (plain, _) = repo.json(&["check", "--cache", c]);
    // The policy results of the three files policies read (Dockerfile, manifest, metadata).
    assert_eq!(hits(&warm), hits(&plain) + 3);
    std::fs::write(
        std::path::Path::new(&dir).join("k8s.rego"),
        K8S_POLICY.replace("must set", "has to set"),
    )
    .unwrap();
    let (edited, _) = repo.json(&["check", "--cache", c, "--policy", &dir]);
    assert_eq!(
        hits(&edited),
        hits(&plain),
        "an edited policy is evaluated again"
    );
    assert!(edited.to_string().contains("has to set"));
    // Policies the cache knows to compile are compiled only when a file needs them: a
    // changed manifest is judged by them as without the cache.
    let manifest = repo.path().join("k8s/web.yaml");
    let text = std::fs::read_to_string(&manifest).unwrap();
    std::fs::write(&manifest, text.replace("name: frontend", "name: frontend2")).unwrap();
    repo.git(&["add", "-A"]);
    let (changed, _) = repo.json(&["check", "--cache", c, "--policy", &dir]);
    let (uncached, _) = repo.json(&["check", "--no-cache", "--policy", &dir]);
    assert_eq!(changed["findings"], uncached["findings"]);
    assert!(
        hits(&changed) < hits(&edited),
        "the manifest was judged again"
    );
    assert!(changed.to_string().contains("has to set"));
    // A policy broken after the cache knew the good one stops the run, every time.
    std::fs::write(
        std::path::Path::new(&dir).join("k8s.rego"),
        "package main\n\ndeny contains msg if {\n  input.kind ==\n}\n",
    )
    .unwrap();
    for _ in 0..2 {
        let out = repo.govern(&["check", "--cache", c, "--policy", &dir]);
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        assert!(stderr(&out).contains("k8s.rego:"), "{}", stderr(&out));
    }
}

#[test]
fn bad_policies_stop_the_run_with_their_position() {
    let (repo, dir) = fixture();
    let write = |name: &str, text: &str| {
        std::fs::write(std::path::Path::new(&dir).join(name), text).unwrap()
    };
    write(
        "v0.rego",
        "package main\n\ndeny[msg] {\n  input.kind == \"Pod\"\n  msg := \"x\"\n}\n",
    );
    let out = repo.govern(&["check", "--policy", &dir]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("v0.rego:3:"), "{err}");
    // Old-syntax policies run with --rego-v0 (the v1 ones here use `if`/`contains`, which a
    // v0 engine also accepts with `import rego.v1`; they are removed for this run).
    std::fs::remove_file(std::path::Path::new(&dir).join("docker.rego")).unwrap();
    std::fs::remove_file(std::path::Path::new(&dir).join("k8s.rego")).unwrap();
    let (v, _) = repo.json(&["check", "--rego-v0", "--no-cache", "--policy", &dir]);
    assert!(v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .all(|f| f["rule"] != "policy.main.deny"));
    let out = repo.govern(&["check", "--policy", "/nonexistent/policies"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("/nonexistent/policies"));
}

#[test]
fn namespaces_select_packages() {
    let (repo, dir) = fixture();
    std::fs::write(
        std::path::Path::new(&dir).join("team.rego"),
        "package team.rules\n\ndeny contains \"team rule\" if { input.kind == \"Deployment\" }\n",
    )
    .unwrap();
    let rules = |args: &[&str]| -> Vec<String> {
        let mut a = vec!["check", "--no-cache", "--policy", &dir];
        a.extend_from_slice(args);
        let (v, _) = repo.json(&a);
        let mut r: Vec<String> = v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|f| {
                f["rule"]
                    .as_str()
                    .filter(|r| r.starts_with("policy."))
                    .map(str::to_string)
            })
            .collect();
        r.dedup();
        r
    };
    assert_eq!(rules(&[]), ["policy.main.deny", "policy.main.warn"]);
    assert_eq!(
        rules(&["--namespace", "team.rules"]),
        ["policy.team.rules.deny"]
    );
    assert!(rules(&["--all-namespaces"]).contains(&"policy.team.rules.deny".to_string()));
}

#[test]
fn policy_test_runs_the_test_rules() {
    let repo = Repo::plain();
    repo.write(
        "policy/p.rego",
        "package main\n\ndeny contains \"root\" if { input.user == \"root\" }\n",
    );
    repo.write(
        "policy/p_test.rego",
        "package main_test\n\nimport data.main\n\ntest_root_denied if {\n\t\"root\" in main.deny with input as {\"user\": \"root\"}\n}\n\ntest_app_allowed if {\n\tcount(main.deny) == 0 with input as {\"user\": \"app\"}\n}\n",
    );
    let out = repo.govern(&["policy", "test"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert_eq!(
        stdout(&out),
        "PASS data.main_test.test_root_denied\nPASS data.main_test.test_app_allowed\n2 tests, 2 passed, 0 warnings, 0 failures, 0 exceptions\n"
    );
    repo.write(
        "policy/q_test.rego",
        "package q_test\n\nimport data.main\n\ntest_wrong if {\n\tcount(main.deny) == 1 with input as {\"user\": \"app\"}\n}\n",
    );
    let out = repo.govern(&["policy", "test", "policy"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out).contains("FAIL data.q_test.test_wrong: undefined"),
        "{}",
        stdout(&out)
    );
    repo.write("policy/broken.rego", "package main\ndeny contains x if {\n");
    let out = repo.govern(&["policy", "test"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("broken.rego:"), "{}", stderr(&out));
}

#[test]
fn built_in_policies_pass_their_own_tests() {
    let repo = Repo::plain();
    let out = repo.govern(&[
        "policy",
        "test",
        concat!(env!("CARGO_MANIFEST_DIR"), "/policies"),
    ]);
    let said = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{said}");
    assert!(!said.contains("FAIL"), "{said}");
    assert!(
        said.lines().filter(|l| l.starts_with("PASS ")).count() >= 14,
        "{said}"
    );
}

#[test]
fn built_in_repository_policies_run_by_default() {
    let repo = Repo::new();
    repo.with_compliant_base();
    repo.write(
        ".meta/repo.yaml",
        "name: shop\ntype: service\nlanguage: go\ntier: 2\nowner: \"@acme/platform\"\nlifecycle: development\nslo:\n  availability: 99.9\n  latency: {p99_ms: 300}\ndeployment_targets:\n  - type: aks\n    environments: [dev, prod]\n",
    );
    repo.write(
        "docs/adr/0001-kustomize.md",
        "# ADR-001\n## Status\nAccepted\n## Context\nc\n## Decision\nd\n## Consequences\ne\n",
    );
    repo.write("k8s/base/kustomization.yaml", "resources: []\n");
    repo.write(
        "k8s/overlays/dev/kustomization.yaml",
        "resources: [../../base]\n",
    );
    repo.git(&["add", "-A"]);
    let (v, code) = repo.json(&["check", "--no-cache"]);
    assert_eq!(code, 1);
    assert_eq!(
        hits(&v),
        vec![
            (
                "policy.govern.repo.operations.deny_on_call".into(),
                ".meta/repo.yaml".into(),
                Some(2)
            ),
            // The message quotes the environment, whose line is given.
            (
                "policy.govern.repo.layout.deny_k8s_layout".into(),
                ".meta/repo.yaml".into(),
                Some(12)
            ),
        ]
    );
    assert!(v["findings"][1]["message"]
        .as_str()
        .unwrap()
        .contains("k8s/overlays/prod/"));
    let (v, code) = repo.json(&["check", "--no-cache", "--no-builtin-policies"]);
    assert_eq!((code, hits(&v)), (0, vec![]));
    repo.write(
        "k8s/overlays/prod/kustomization.yaml",
        "resources: [../../base]\n",
    );
    repo.write(
        ".meta/repo.yaml",
        "name: shop\ntype: service\nlanguage: go\ntier: 2\nowner: \"@acme/platform\"\nlifecycle: development\non_call: shop-primary\nslo:\n  availability: 99.9\n  latency: {p99_ms: 300}\ndeployment_targets:\n  - type: aks\n    environments: [dev, prod]\n",
    );
    repo.git(&["add", "-A"]);
    let (v, code) = repo.json(&["check", "--no-cache"]);
    assert_eq!((code, hits(&v)), (0, vec![]));
}

#[test]
fn json_inputs_named_rules_time_limit_and_no_network() {
    let repo = Repo::new();
    repo.with_compliant_base();
    repo.write(
        "config/app.json",
        "{\n  \"debug\": true,\n  \"port\": 8080\n}\n",
    );
    repo.git(&["add", "-A"]);
    let dir = repo.home.path().join("policy");
    std::fs::create_dir_all(&dir).unwrap();
    let d = dir.to_str().unwrap().to_string();
    std::fs::write(
        dir.join("json.rego"),
        "package main\n\ndeny contains {\"msg\": \"debug must be off in committed config\", \"rule\": \"no_debug\"} if {\n\tinput.debug == true\n}\n",
    )
    .unwrap();
    let (v, code) = repo.json(&["check", "--no-cache", "--policy", &d]);
    assert_eq!(code, 1);
    // Named by the object's `rule`; no value quoted, so the document's first line.
    assert_eq!(
        hits(&v),
        vec![(
            "policy.main.no_debug".into(),
            "config/app.json".into(),
            Some(1)
        )]
    );
    // A policy that runs too long is stopped and reported; the run says it could not check.
    std::fs::write(
        dir.join("json.rego"),
        "package main\n\ndeny contains \"slow\" if {\n\tcount([x | some x in numbers.range(1, 100000000); x % 7 == 0]) > 0\n}\n",
    )
    .unwrap();
    let out = repo.govern(&["check", "--no-cache", "--policy", &d]);
    assert_eq!(out.status.code(), Some(2));
    let said = stdout(&out);
    assert!(
        said.contains("could not check") && said.contains("data.main.deny"),
        "{said}"
    );
    // Policies have no network: http.send is not there to call.
    std::fs::write(
        dir.join("json.rego"),
        "package main\n\ndeny contains x if {\n\tr := http.send({\"method\": \"get\", \"url\": \"https://example.com\"})\n\tx := r.status\n}\n",
    )
    .unwrap();
    let out = repo.govern(&["check", "--no-cache", "--policy", &d]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stdout(&out).contains("http.send"), "{}", stdout(&out));
}

#[test]
fn repository_document_fields_on_demand() {
    let repo = Repo::new();
    repo.with_compliant_base();
    repo.write(
        "app/Dockerfile",
        "FROM alpine:3.20 AS build\nFROM gcr.io/distroless/static\nUSER 65532\n",
    );
    repo.write(
        "deploy/web.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  template:\n    spec:\n      containers:\n        - {name: app, image: 'web:1.0'}\n",
    );
    repo.git(&["add", "-A"]);
    let dir = repo.home.path().join("policy");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("inventory.rego"),
        "package govern.repo.inventory\n\nwarn contains msg if {\n\tmsg := sprintf(\"%d files, %d dockerfiles (final user %s), %d workloads (%s)\", [count(input.files), count(input.dockerfiles), input.dockerfiles[0].final_user, count(input.workloads), input.workloads[0].containers[0].image])\n}\n",
    )
    .unwrap();
    let (v, _) = repo.json(&["check", "--no-cache", "--policy", dir.to_str().unwrap()]);
    let msg = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "policy.govern.repo.inventory.warn")
        .map(|f| f["message"].as_str().unwrap().to_string())
        .expect("the inventory policy ran");
    // README, .meta/repo.yaml, .github/CODEOWNERS, the Dockerfile and the manifest.
    assert_eq!(
        msg,
        "5 files, 1 dockerfiles (final user 65532), 1 workloads (web:1.0)"
    );
}

/// Policy rule ids are rules like the others: `rules` lists them with their file and line,
/// `explain` prints their comment and Rego, and a finding's help says where the rule is.
#[test]
fn rules_and_explain_know_policy_rules() {
    let (repo, _) = fixture();
    repo.write("policy/k8s.rego", K8S_POLICY);
    repo.write(".govern.yaml", "policies:\n  dirs: [policy]\n");
    repo.git(&["add", "-A"]);
    let table = stdout(&repo.govern(&["rules"]));
    let row = table
        .lines()
        .find(|l| l.starts_with("policy.main.warn "))
        .unwrap_or_else(|| panic!("{table}"));
    assert!(
        row.contains("warning") && row.ends_with("[policy/k8s.rego:9]"),
        "{row}"
    );
    assert!(
        table.contains("policy.govern.repo.operations.deny_on_call"),
        "{table}"
    );
    let listed: serde_json::Value =
        serde_json::from_str(&stdout(&repo.govern(&["rules", "--json"]))).unwrap();
    let deny = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "policy.main.deny")
        .unwrap();
    assert_eq!(
        (deny["file"].as_str(), deny["line"].as_u64()),
        (Some("policy/k8s.rego"), Some(3))
    );

    let o = repo.govern(&["explain", "policy.main.warn"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(
        text.contains("Defined at policy/k8s.rego:9 in package main"),
        "{text}"
    );
    assert!(text.contains("endswith(c.image, \":latest\")"), "{text}");
    assert!(
        !text.contains("securityContext"),
        "only this rule's Rego: {text}"
    );
    let o = repo.govern(&["explain", "policy.main.nothing"]);
    assert_eq!(o.status.code(), Some(2));

    let (v, _) = repo.json(&["check", "--no-cache"]);
    let f = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "policy.main.warn")
        .unwrap();
    assert_eq!(
        f["help"],
        "Policy rule warn at policy/k8s.rego:9; `git govern explain policy.main.warn` shows it."
    );
}
