//! Rego policies as conftest runs them, on our own inputs and policies modelled on
//! conftest's examples: the Dockerfile document, data documents, namespaces, policy files,
//! exceptions, configuration formats, rule selection and policy test coverage.

mod common;

use common::{hits, stderr, stdout, Repo};
use serde_json::Value;

/// A plain directory holding `files`; every check runs policies only (`--select policy.*`),
/// without the cache.
fn workspace(files: &[(&str, &str)]) -> Repo {
    let repo = Repo::plain();
    for (path, text) in files {
        repo.write(path, text);
    }
    repo
}

fn policies_only(repo: &Repo, args: &[&str]) -> (Value, i32) {
    let mut a = vec!["check", "--no-cache", "--select", "policy.*"];
    a.extend(args);
    repo.json(&a)
}

fn messages(report: &Value) -> Vec<String> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["message"].as_str().unwrap().to_string())
        .collect()
}

const DENY_INSTALLS: &str = "package commands\n\nimport rego.v1\n\n\
deny contains msg if {\n\tsome i\n\tinput[i].Cmd == \"run\"\n\tval := input[i].Value\n\
\tcontains(val[_], \"apt-get\")\n\tmsg := sprintf(\"no package installs in images: %s\", [val])\n}\n";

const DENY_BASE: &str = "package main\n\nimport rego.v1\n\n\
deny contains msg if {\n\tsome i\n\tinput[i].Cmd == \"from\"\n\tstartswith(input[i].Value[0], \"debian\")\n\
\tmsg := sprintf(\"base image %s is not allowed\", [input[i].Value[0]])\n}\n";

#[test]
fn dockerfile_document_and_namespace_wildcards() {
    let repo = workspace(&[
        (
            "Dockerfile",
            "# build stage\nFROM debian:12 AS build\nRUN apt-get update && \\\n    apt-get install -y make\nENV MODE=release\n",
        ),
        ("policy/commands.rego", DENY_INSTALLS),
        ("policy/base.rego", DENY_BASE),
    ]);
    let run = |ns: &[&str]| {
        let mut a = vec!["-p", "policy", "Dockerfile"];
        a.extend(ns);
        policies_only(&repo, &a)
    };
    let (all, code) = run(&["--namespace", "*"]);
    assert_eq!(code, 1, "{all:#}");
    let m = messages(&all);
    assert!(
        m.contains(
            &"no package installs in images: [\"apt-get update &&     apt-get install -y make\"]"
                .to_string()
        ),
        "a shell-form RUN is one string, continuation kept as BuildKit joins it: {m:?}"
    );
    assert!(
        m.contains(&"base image debian:12 is not allowed".to_string()),
        "{m:?}"
    );
    assert_eq!(
        hits(&all).iter().map(|h| h.2).collect::<Vec<_>>(),
        [Some(2), Some(3)],
        "each finding at the instruction it quotes"
    );
    let (c_only, _) = run(&["--namespace", "c*"]);
    assert_eq!(hits(&c_only).len(), 1);
    assert_eq!(hits(&c_only)[0].0, "policy.commands.deny");
    let (main_only, _) = run(&[]);
    assert_eq!(hits(&main_only).len(), 1, "the default namespace is main");
    assert_eq!(hits(&main_only)[0].0, "policy.main.deny");
    let (none, code) = run(&["--namespace", "absent"]);
    assert_eq!((hits(&none).len(), code), (0, 0));
}

#[test]
fn policy_files_data_and_empty_policy_paths() {
    let repo = workspace(&[
        (
            "svc.yaml",
            "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  type: LoadBalancer\n  ports:\n  - port: 2222\n  - port: 443\n",
        ),
        (
            "policy/ports.rego",
            "package main\n\nimport rego.v1\n\nimport data.blocked\n\n\
             deny contains msg if {\n\tsome p in input.spec.ports\n\tp.port in blocked.ports\n\
             \tmsg := sprintf(\"port %v may not be exposed\", [p.port])\n}\n",
        ),
        ("data/blocked.yaml", "blocked:\n  ports: [2222, 2323]\n"),
        ("data/teams/owners.json", "{\"web\": \"@acme/web\"}"),
        ("empty/README.md", "no policies here\n"),
    ]);
    let (r, code) = policies_only(
        &repo,
        &["-p", "policy/ports.rego", "-d", "data", "svc.yaml"],
    );
    assert_eq!(code, 1, "{r:#}");
    assert_eq!(messages(&r), ["port 2222 may not be exposed"]);
    assert_eq!(hits(&r)[0].2, Some(8), "the line of the quoted port");
    // Without the data the rule has nothing to compare with.
    let (r, code) = policies_only(&repo, &["-p", "policy", "svc.yaml"]);
    assert_eq!((hits(&r).len(), code), (0, 0), "{r:#}");
    let o = repo.govern(&["check", "--no-cache", "-p", "empty", "svc.yaml"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("empty holds no .rego policy"),
        "{}",
        stderr(&o)
    );
    let o = repo.govern(&["check", "--no-cache", "-p", "svc.yaml", "svc.yaml"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("not a .rego file"), "{}", stderr(&o));
}

#[test]
fn exceptions_are_counted_and_listed() {
    let repo = workspace(&[
        (
            "deploy.yaml",
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: legacy\n---\n\
             apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\n",
        ),
        (
            "policy/root.rego",
            "package main\n\nimport rego.v1\n\n\
             deny_run_as_root contains msg if {\n\tinput.kind == \"Deployment\"\n\
             \tnot input.spec.template.spec.securityContext.runAsNonRoot\n\
             \tmsg := sprintf(\"%s may run as root\", [input.metadata.name])\n}\n\n\
             exception contains rules if {\n\tinput.metadata.name == \"legacy\"\n\trules := [\"run_as_root\"]\n}\n",
        ),
    ]);
    let (r, code) = policies_only(&repo, &["-p", "policy", "deploy.yaml"]);
    assert_eq!(code, 1);
    assert_eq!(messages(&r), ["api may run as root"]);
    let suppressed = r["suppressed"].as_array().unwrap();
    assert_eq!(suppressed.len(), 1, "{r:#}");
    assert_eq!(suppressed[0]["rule"], "policy.main.deny_run_as_root");
    assert_eq!(suppressed[0]["line"], 4);
    assert!(suppressed[0]["reason"]
        .as_str()
        .unwrap()
        .contains("data.main.exception[_][_] == \"run_as_root\""));
    assert_eq!(r["summary"]["suppressed"], 1);
    let text = repo.govern(&[
        "check",
        "--no-cache",
        "--select",
        "policy.*",
        "-p",
        "policy",
        "deploy.yaml",
    ]);
    assert!(
        stdout(&text).contains("deploy.yaml:4  policy.main.deny_run_as_root  policy exception"),
        "{}",
        stdout(&text)
    );
    let report = |format: &str| {
        let args = [
            "check",
            "--no-cache",
            "--select",
            "policy.*",
            "-p",
            "policy",
        ];
        repo.govern(&[&args[..], &["deploy.yaml", "--format", format]].concat())
    };
    let sarif: Value = serde_json::from_slice(&report("sarif").stdout).unwrap();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert!(
        results.iter().any(|r| r["suppressions"].is_array()),
        "the exempt finding is in SARIF as suppressed: {results:#?}"
    );
    for (format, listed) in [
        (
            "markdown",
            "| deploy.yaml | 4 | policy.main.deny\\_run\\_as\\_root | policy exception",
        ),
        ("junit", "suppressed: deploy.yaml:4: policy exception"),
    ] {
        let o = report(format);
        assert!(stdout(&o).contains(listed), "{format}: {}", stdout(&o));
    }
}

/// One deny per format, each quoting a value the reader must have found where conftest's
/// parser puts it.
#[test]
fn configuration_formats_are_policy_inputs() {
    let repo = workspace(&[
        ("proxy.toml", "[entryPoints.web]\naddress = \":80\"\n[entryPoints.web.tls]\nminVersion = \"1.0\"\n"),
        ("grafana.ini", "[server]\nhttp_port = 8080\n[users]\nverify_email_enabled = false\n"),
        (
            "main.tf",
            "resource \"aws_s3_bucket\" \"logs\" {\n  acl = \"public-read\"\n}\n",
        ),
        (".env", "APP_NAME=shop\nDB_USER=root\n"),
        (
            "pom.xml",
            "<project><build><plugins><plugin><artifactId>surefire</artifactId><version>2.0</version></plugin></plugins></build></project>\n",
        ),
        ("app.properties", "service.url=ftp://files\n"),
        (
            "policy/formats.rego",
            "package main\n\nimport rego.v1\n\n\
             deny contains \"TLS below 1.2\" if input.entryPoints.web.tls.minVersion == \"1.0\"\n\
             deny contains \"grafana must not listen on 8080\" if input.server.http_port == 8080\n\
             deny contains \"e-mail must be verified\" if input.users.verify_email_enabled == false\n\
             deny contains msg if {\n\tsome name, b in input.resource.aws_s3_bucket\n\tb[_].acl == \"public-read\"\n\tmsg := sprintf(\"bucket %s is public\", [name])\n}\n\
             deny contains \"the database user is root\" if input.DB_USER == \"root\"\n\
             deny contains \"surefire 2.0 is too old\" if input.project.build.plugins.plugin.version == \"2.0\"\n\
             deny contains \"service.url is not http\" if {\n\turl := input[\"service.url\"]\n\tnot startswith(url, \"http\")\n}\n",
        ),
    ]);
    let files = [
        "proxy.toml",
        "grafana.ini",
        "main.tf",
        ".env",
        "pom.xml",
        "app.properties",
    ];
    let mut args = vec!["-p", "policy"];
    args.extend(files);
    let (r, code) = policies_only(&repo, &args);
    assert_eq!(code, 1, "{r:#}");
    let mut got: Vec<(String, String)> = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap().into(),
                f["message"].as_str().unwrap().into(),
            )
        })
        .collect();
    got.sort();
    let mut want: Vec<(String, String)> = [
        (".env", "the database user is root"),
        ("app.properties", "service.url is not http"),
        ("grafana.ini", "e-mail must be verified"),
        ("grafana.ini", "grafana must not listen on 8080"),
        ("main.tf", "bucket logs is public"),
        ("pom.xml", "surefire 2.0 is too old"),
        ("proxy.toml", "TLS below 1.2"),
    ]
    .iter()
    .map(|(a, b)| (a.to_string(), b.to_string()))
    .collect();
    want.sort();
    assert_eq!(got, want);
    assert_eq!(r["summary"]["files_checked"], files.len());
}

#[test]
fn broken_and_unreadable_inputs_are_errors_not_passes() {
    let repo = workspace(&[
        ("bad.toml", "name = \"x\"\nbroken = \n"),
        ("notes.edn", "{:a 1}\n"),
        (
            "policy/all.rego",
            "package main\n\nimport rego.v1\n\ndeny contains \"everything\" if true\n",
        ),
    ]);
    let (r, code) = policies_only(&repo, &["-p", "policy", "bad.toml", "notes.edn"]);
    assert_eq!(code, 2, "{r:#}");
    let errors: Vec<(String, Option<u64>, String)> = r["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["path"].as_str().unwrap().into(),
                e["line"].as_u64(),
                e["message"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert_eq!(errors[0].0, "bad.toml");
    assert_eq!(errors[0].1, Some(2));
    assert!(errors[0].2.contains("invalid TOML"), "{errors:?}");
    assert_eq!(errors[1].0, "notes.edn");
    assert!(
        errors[1].2.contains("no policy reads this kind of file"),
        "{errors:?}"
    );
    // Without policies, an unknown format is only text to the built-in rules.
    let o = repo.govern(&["check", "--no-cache", "--only", "files", "notes.edn"]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
}

#[test]
fn select_and_ignore_narrow_the_rules() {
    let repo = workspace(&[
        (
            "Dockerfile",
            "FROM debian:12\nRUN apt-get install -y curl\n",
        ),
        ("policy/commands.rego", DENY_INSTALLS),
    ]);
    let rules = |args: &[&str]| -> Vec<String> {
        let mut a = vec![
            "check",
            "--no-cache",
            "-p",
            "policy",
            "--namespace",
            "commands",
            "Dockerfile",
        ];
        a.extend(args);
        let (r, _) = repo.json(&a);
        let mut ids: Vec<String> = hits(&r).into_iter().map(|h| h.0).collect();
        ids.dedup();
        ids
    };
    let everything = rules(&[]);
    assert!(
        everything.iter().any(|r| r.starts_with("docker.")),
        "{everything:?}"
    );
    assert!(everything.contains(&"policy.commands.deny".to_string()));
    assert_eq!(rules(&["--select", "policy.*"]), ["policy.commands.deny"]);
    let no_policies = rules(&["--ignore", "policy"]);
    assert!(
        !no_policies.iter().any(|r| r.starts_with("policy.")),
        "{no_policies:?}"
    );
    let docker_root = rules(&["--select", "docker.user-not-root"]);
    assert_eq!(docker_root, ["docker.user-not-root"]);
    let o = repo.govern(&["check", "--select", "docker.user-not-rot", "Dockerfile"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("did you mean `docker.user-not-root`"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn policy_test_with_data_namespaces_and_coverage() {
    let repo = workspace(&[
        (
            "policy/ports.rego",
            "package main\n\nimport rego.v1\n\nimport data.blocked\n\n\
             deny contains msg if {\n\tsome p in input.ports\n\tp in blocked.ports\n\tmsg := sprintf(\"port %v\", [p])\n}\n\n\
             warn contains \"no ports\" if {\n\tcount(input.ports) == 0\n}\n",
        ),
        (
            "policy/ports_test.rego",
            "package main\n\nimport rego.v1\n\ntest_blocked if {\n\tdeny[\"port 22\"] with input as {\"ports\": [22]}\n}\n",
        ),
        ("data/blocked.yaml", "blocked:\n  ports: [22]\n"),
    ]);
    let o = repo.govern(&["policy", "test", "-p", "policy", "-d", "data", "--coverage"]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("PASS data.main.test_blocked"), "{out}");
    assert!(
        out.contains("1 test, 1 passed, 0 warnings, 0 failures, 0 exceptions"),
        "{out}"
    );
    let line = out
        .lines()
        .find(|l| l.contains("policy/ports.rego"))
        .unwrap_or_else(|| panic!("a coverage line for the policy: {out}"));
    assert!(
        line.contains("not covered: 13-14"),
        "the warn rule is never reached: {line}"
    );
    assert!(
        !out.contains("ports_test.rego"),
        "tests are not measured: {out}"
    );
    let o = repo.govern(&[
        "policy",
        "test",
        "-p",
        "policy",
        "-d",
        "data",
        "--coverage",
        "--threshold",
        "95",
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    assert!(
        stdout(&o).contains("below the threshold of 95%"),
        "{}",
        stdout(&o)
    );
    // Without the data, the test fails.
    let o = repo.govern(&["policy", "test", "-p", "policy"]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    let o = repo.govern(&[
        "policy",
        "test",
        "-p",
        "policy",
        "-d",
        "data",
        "--namespace",
        "other*",
    ]);
    assert!(stdout(&o).contains("0 tests"), "{}", stdout(&o));
}

/// `parse_config_file` makes a result depend on another file: changing that file changes
/// the next run's findings (no stale cached result), and a file outside the repository
/// and the policy directories is refused.
#[test]
fn policies_that_read_files_are_never_served_stale() {
    let repo = Repo::new();
    repo.write(
        "app.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: shop\n",
    );
    repo.write("allowed.toml", "names = [\"shop\"]\n");
    repo.write(
        "policy/names.rego",
        "package main\n\nimport rego.v1\n\n\
         deny contains msg if {\n\tallowed := parse_config_file(\"../allowed.toml\").names\n\
         \tnot input.metadata.name in allowed\n\tmsg := sprintf(\"%s is not an allowed name\", [input.metadata.name])\n}\n",
    );
    repo.git(&["add", "-A"]);
    let run = || {
        let (r, _) = repo.json(&["check", "--select", "policy.*", "-p", "policy", "--all"]);
        messages(&r)
    };
    assert!(run().is_empty());
    repo.write("allowed.toml", "names = [\"cart\"]\n");
    assert_eq!(
        run(),
        ["shop is not an allowed name"],
        "the changed file counts"
    );
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("x.toml"), "names = []\n").unwrap();
    repo.write(
        "policy/names.rego",
        &format!(
            "package main\n\nimport rego.v1\n\ndeny contains \"read\" if {{\n\tparse_config_file({:?})\n}}\n",
            outside.path().join("x.toml").display().to_string()
        ),
    );
    let (r, code) = repo.json(&["check", "--select", "policy.*", "-p", "policy", "--all"]);
    assert_eq!(code, 2, "{r:#}");
    let errors = r["errors"].to_string();
    assert!(errors.contains("outside the repository"), "{errors}");
}

/// `--combine`: one input holding every file's documents, so a policy can relate a
/// Deployment to the Service that should select it; the finding names the file and line
/// its message quotes. Without `--combine` the same policy sees one document at a time.
#[test]
fn combine_relates_files() {
    let repo = workspace(&[
        (
            "deploy.yaml",
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: cart\nspec:\n  selector:\n    matchLabels:\n      app: cart\n---\n\
             apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: orders\nspec:\n  selector:\n    matchLabels:\n      app: orders\n",
        ),
        (
            "svc.yaml",
            "apiVersion: v1\nkind: Service\nmetadata:\n  name: cart\nspec:\n  selector:\n    app: cart\n",
        ),
        (
            "policy/pairs.rego",
            "package main\n\nimport rego.v1\n\n\
             deny contains msg if {\n\tsome d in input\n\td.contents.kind == \"Deployment\"\n\
             \tapp := d.contents.spec.selector.matchLabels.app\n\
             \tnot selected(app)\n\tmsg := sprintf(\"Deployment %s has no Service selecting it\", [d.contents.metadata.name])\n}\n\n\
             selected(app) if {\n\tsome s in input\n\ts.contents.kind == \"Service\"\n\ts.contents.spec.selector.app == app\n}\n",
        ),
    ]);
    let (r, code) = policies_only(
        &repo,
        &["-p", "policy", "--combine", "deploy.yaml", "svc.yaml"],
    );
    assert_eq!(code, 1, "{r:#}");
    assert_eq!(
        messages(&r),
        ["Deployment orders has no Service selecting it"]
    );
    assert_eq!(
        hits(&r),
        [(
            "policy.main.deny".to_string(),
            "deploy.yaml".to_string(),
            Some(13)
        )]
    );
    assert_eq!(r["summary"]["files_checked"], 2);
    let (r, code) = policies_only(&repo, &["-p", "policy", "deploy.yaml", "svc.yaml"]);
    assert_eq!(
        (code, hits(&r).len()),
        (0, 0),
        "one document at a time: {r:#}"
    );
}

/// `-` reads standard input, with the parser `--parser` names (YAML by default).
#[test]
fn standard_input_is_a_file() {
    use std::io::Write;
    let repo = workspace(&[(
        "policy/ini.rego",
        "package main\n\nimport rego.v1\n\ndeny contains \"sign-up must be off\" if input.users.allow_sign_up == true\n\
         warn contains msg if {\n\tinput.kind == \"Service\"\n\tmsg := sprintf(\"service %s\", [input.metadata.name])\n}\n",
    )]);
    let run = |stdin: &str, extra: &[&str]| {
        let mut cmd = repo.cmd(common::bin());
        cmd.args([
            "check",
            "--no-cache",
            "--select",
            "policy.*",
            "-p",
            "policy",
            "--format",
            "json",
        ])
        .args(extra)
        .arg("-")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped());
        let mut child = cmd.spawn().unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(stdin.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        let r: Value = serde_json::from_slice(&out.stdout).unwrap();
        (r, out.status.code().unwrap())
    };
    let (r, code) = run("[users]\nallow_sign_up = true\n", &["--parser", "ini"]);
    assert_eq!(code, 1, "{r:#}");
    assert_eq!(
        hits(&r),
        [(
            "policy.main.deny".to_string(),
            "stdin.ini".to_string(),
            None
        )]
    );
    let (r, code) = run(
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n",
        &[],
    );
    assert_eq!(code, 0, "{r:#}");
    assert_eq!(messages(&r), ["service web"]);
    assert_eq!(hits(&r)[0].1, "stdin.yaml");
}
