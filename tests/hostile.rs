//! Hostile input never aborts a run: nesting deeper than any reader allows, recursive Rego.
//! Each case from the campaign of issue #15 is a regression test.

mod common;
use common::portfolio::Portfolio;
use common::*;

/// 3,300 nested block mappings, 3,500 nested `? ` keys and 3,000 nested flow sequences.
fn deep_files() -> Vec<(&'static str, String)> {
    let head = "apiVersion: v1\nkind: Pod\nspec:\n";
    vec![
        (
            "block.yaml",
            format!(
                "{head}{}",
                (0..3300)
                    .map(|i| format!("{}k{i}:\n", "  ".repeat(i + 1)))
                    .collect::<String>()
            ),
        ),
        ("keys.yaml", format!("{head}{}x\n", "? ".repeat(3500))),
        (
            "flow.yaml",
            format!("{head}  x: {}{}\n", "[".repeat(3000), "]".repeat(3000)),
        ),
    ]
}

/// Several deep files at once (so they are read on worker threads, whose stacks are the
/// smaller ones): each is an input error at its line, the others are still judged.
#[test]
fn deep_nesting_is_an_input_error_not_an_abort() {
    let repo = Repo::new();
    repo.with_compliant_base();
    for (name, text) in deep_files() {
        repo.write(name, &text);
    }
    repo.write("Dockerfile", "FROM alpine:3.20\nUSER root\n");
    repo.git(&["add", "-A"]);
    let hook = repo.govern(&["hook", "pre-commit"]);
    assert_eq!(hook.status.code(), Some(2), "{}", stderr(&hook));
    for args in [
        vec!["check", "--no-cache"],
        vec!["check", "--all", "--no-cache"],
        vec!["check", "--staged"],
    ] {
        let mut all = args.clone();
        all.extend(["--format", "json"]);
        let o = repo.govern(&all);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        let errors: Vec<(&str, u64)> = report["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| (e["path"].as_str().unwrap(), e["line"].as_u64().unwrap()))
            .collect();
        assert_eq!(errors.len(), 3, "{report:#}");
        assert!(errors.iter().all(|(_, line)| *line > 3), "{errors:?}");
        assert!(
            hits(&report)
                .iter()
                .any(|(r, p, _)| r == "docker.user-not-root" && p == "Dockerfile"),
            "the other files are judged"
        );
    }
}

/// One repository with a deep manifest does not cost the portfolio its catalog.
#[test]
fn the_portfolio_writes_its_outputs_around_a_deep_file() {
    let p = Portfolio::fixture();
    let (name, text) = deep_files().remove(0);
    p.write(&format!("organizations/payments/ledger/k8s/{name}"), &text);
    let o = p.govern("1767225600", &["catalog"], None);
    assert!(matches!(o.status.code(), Some(0 | 1)), "{}", stderr(&o));
    let catalog: serde_json::Value =
        serde_json::from_str(&p.read(".metaHub/catalog/catalog.json")).unwrap();
    let ledger = catalog["organizations"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|o| o["repos"].as_array().unwrap())
        .find(|r| r["name"] == "ledger")
        .unwrap_or_else(|| panic!("{catalog:#}"));
    let errors = ledger["input_errors"].to_string();
    assert!(errors.contains("deeper than 256"), "{ledger:#}");
}

/// A Rego function that calls itself, directly or through another, is refused when the
/// policies load (OPA refuses it when compiling); regorus would recurse until the stack
/// ran out. Functions that call other functions are fine.
#[test]
fn recursive_rego_is_refused_at_load() {
    let repo = Repo::new();
    repo.with_compliant_base();
    repo.write("a.yaml", "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\n");
    repo.write("b.yaml", "apiVersion: v1\nkind: Pod\nmetadata: {name: b}\n");
    repo.git(&["add", "-A"]);
    let dir = repo.home.path().join("pol");
    std::fs::create_dir_all(&dir).unwrap();
    let head = "package main\n\nimport rego.v1\n\n";
    let deny =
        "deny contains msg if {\n\tinput.kind == \"Pod\"\n\tmsg := sprintf(\"%v\", [f(1)])\n}\n";
    for (body, at) in [
        (
            "f(x) := y if {\n\ty := f(x) # f(x) again\n}\n\n",
            "rec.rego:5: f calls f",
        ),
        (
            "f(x) := y if {\n\ty := g(x)\n}\n\ng(x) := y if {\n\ty := f(x)\n}\n\n",
            "rec.rego:5: f calls g calls f",
        ),
    ] {
        std::fs::write(dir.join("rec.rego"), format!("{head}{body}{deny}")).unwrap();
        for args in [
            vec!["check", "--no-cache", "--policy", dir.to_str().unwrap()],
            vec!["policy", "test", dir.to_str().unwrap()],
        ] {
            let o = repo.govern(&args);
            assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
            assert!(stderr(&o).contains(at), "{}", stderr(&o));
        }
    }
    let body = "f(x) := y if {\n\ty := g(x) # \"f(\" in a comment\n}\n\ng(x) := x + 1\n\n";
    std::fs::write(dir.join("rec.rego"), format!("{head}{body}{deny}")).unwrap();
    let (report, code) = repo.json(&["check", "--no-cache", "--policy", dir.to_str().unwrap()]);
    assert_eq!(code, 1, "{report:#}");
    assert!(
        hits(&report)
            .iter()
            .any(|(r, _, _)| r == "policy.main.deny"),
        "{report:#}"
    );
}

/// Nothing a repository or a command line names blocks a run: FIFOs named like a
/// Dockerfile, `.govern.yaml`, metadata, a commit message file or a policy, and
/// `--config /dev/zero`. A FIFO among the files checked is skipped with a note.
#[cfg(unix)]
#[test]
fn fifos_and_devices_never_block() {
    let repo = Repo::new();
    repo.with_compliant_base();
    repo.git(&["add", "-A"]);
    let fifo = |rel: &str| {
        let p = repo.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        assert!(std::process::Command::new("mkfifo")
            .arg(&p)
            .status()
            .unwrap()
            .success());
        p
    };
    let run = |args: &[&str]| {
        let mut child = repo
            .cmd(bin())
            .args(args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        for _ in 0..200 {
            if child.try_wait().unwrap().is_some() {
                return child.wait_with_output().unwrap();
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        child.kill().unwrap();
        panic!("{args:?} blocked for 10 s");
    };
    let docker = fifo("Dockerfile");
    // The work tree, as git status, lists no FIFO; named on the command line, it is
    // skipped with the reason.
    let all = run(&["check", "--all", "--no-cache"]);
    assert_eq!(all.status.code(), Some(0), "{}", stderr(&all));
    let o = run(&["check", "--no-cache", "--format", "json", "Dockerfile"]);
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(
        report["skipped"].to_string().contains("not a regular file"),
        "{report:#}"
    );
    std::fs::remove_file(docker).unwrap();
    let config = fifo(".govern.yaml");
    let o = run(&["check", "--no-cache"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains(".govern.yaml: not a regular file"),
        "{}",
        stderr(&o)
    );
    std::fs::remove_file(config).unwrap();
    let o = run(&["check", "--no-cache", "--config", "/dev/zero"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    fifo("msg");
    assert_eq!(run(&["hook", "commit-msg", "msg"]).status.code(), Some(2));
    fifo("pol/a.rego");
    assert_eq!(
        run(&["check", "--no-cache", "--policy", "pol"])
            .status
            .code(),
        Some(2)
    );
}

/// A committed `.govern.yaml` linked to a file outside the repository is not followed:
/// nothing of the target reaches the output.
#[cfg(unix)]
#[test]
fn a_config_linked_out_of_the_repository_is_not_read() {
    let repo = Repo::new();
    repo.with_compliant_base();
    let secret = repo.home.path().join("secret.txt");
    // govern:ignore secrets.generic-assignment a made-up value the test must not print
    std::fs::write(&secret, "db_password: hunter2-outside-the-repo\n").unwrap();
    std::os::unix::fs::symlink(&secret, repo.path().join(".govern.yaml")).unwrap();
    repo.git(&["add", "-A"]);
    for args in [
        vec!["check", "--no-cache"],
        vec!["check", "--all", "--no-cache"],
    ] {
        let o = repo.govern(&args);
        assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
        let all = stdout(&o) + &stderr(&o);
        assert!(!all.contains("hunter2"), "{all}");
        assert!(all.contains("leads out of the repository"), "{all}");
    }
}

/// A file name built to inject: a leading `::` (a GitHub Actions workflow command), a
/// newline, ESC and CR. The text report escapes them; JUnit keeps them as visible escapes.
#[cfg(unix)]
#[test]
fn file_names_cannot_inject_into_logs() {
    let repo = Repo::new();
    repo.with_compliant_base();
    let name = "::add-mask::x\n::error file=a::pwned\u{1b}[2J\r.Dockerfile";
    repo.write(name, "FROM alpine:latest\n");
    repo.git(&["add", "-A"]);
    let o = repo.govern(&["check", "--no-cache"]);
    let text = stdout(&o);
    assert!(
        text.lines().all(|l| !l.trim_start().starts_with("::")),
        "{text}"
    );
    assert!(!text.contains('\u{1b}') && !text.contains('\r'), "{text:?}");
    assert!(
        text.contains("\\::add-mask::x\\n::error file=a::pwned\\u{1b}[2J\\r.Dockerfile"),
        "{text}"
    );
    let junit = stdout(&repo.govern(&["check", "--no-cache", "--format", "junit"]));
    assert!(
        !junit.contains('\n')
            || junit
                .lines()
                .all(|l| !l.contains("pwned") || l.contains("\\n")),
        "{junit}"
    );
}

/// Organization, repository and file names that would break a Markdown page (`|`,
/// backticks, HTML, a newline) are escaped in catalog.md and the drift report.
#[cfg(unix)]
#[test]
fn portfolio_markdown_escapes_names() {
    let p = Portfolio::fixture();
    let evil = "we|ird`<b>na\nme";
    p.repo(&format!("retail/{evil}"), "3");
    let o = p.govern("1767225600", &["checkpoint"], None);
    assert!(matches!(o.status.code(), Some(0 | 1)), "{}", stderr(&o));
    p.write(
        &format!("organizations/retail/{evil}/docs/x|y`<i>.md"),
        "# x\n",
    );
    let o = p.govern("1767830400", &["checkpoint"], None);
    p.govern("1767830400", &["catalog", "--format", "markdown"], None);
    assert!(matches!(o.status.code(), Some(0 | 1)), "{}", stderr(&o));
    let unescaped_pipes = |line: &str| {
        let b = line.as_bytes();
        (0..b.len())
            .filter(|&i| b[i] == b'|' && (i == 0 || b[i - 1] != b'\\'))
            .count()
    };
    let catalog = p.read(".metaHub/catalog/catalog.md");
    let row = catalog
        .lines()
        .find(|l| l.contains("we\\|ird"))
        .unwrap_or_else(|| panic!("{catalog}"));
    assert_eq!(unescaped_pipes(row), 10, "{row}");
    assert!(row.contains("\\`\\<b\\>na me"), "{row}");
    assert!(!catalog.contains("<b>"), "{catalog}");
    let drift = p.read(".metaHub/catalog/weekly-reports/latest-drift.md");
    let file_row = drift
        .lines()
        .find(|l| l.contains("x\\|y"))
        .unwrap_or_else(|| panic!("{drift}"));
    assert_eq!(unescaped_pipes(file_row), 5, "{file_row}");
    assert!(!drift.contains("<i>") && !drift.contains("<b>"), "{drift}");
}

/// Policies a repository names in `.govern.yaml` stay inside it: a directory outside, or
/// a `.rego` file linked outside, is refused without its contents; in a portfolio, a
/// plain folder's `.meta/repo.yaml` linked outside is not read into the catalog.
#[cfg(unix)]
#[test]
fn repository_named_files_do_not_lead_outside() {
    let repo = Repo::new();
    repo.with_compliant_base();
    let outside = repo.home.path().join("outside");
    std::fs::create_dir_all(&outside).unwrap();
    std::fs::write(
        outside.join("leak.rego"),
        "package main\n\ndeny contains \"outside-the-repo-7731\" if { true }\n",
    )
    .unwrap();
    repo.write(
        ".govern.yaml",
        &format!("policies:\n  dirs: [\"{}\"]\n", outside.display()),
    );
    repo.git(&["add", "-A"]);
    let o = repo.govern(&["check", "--no-cache"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("leads out of the repository"),
        "{}",
        stderr(&o)
    );
    std::fs::create_dir_all(repo.path().join("policy")).unwrap();
    std::os::unix::fs::symlink(
        outside.join("leak.rego"),
        repo.path().join("policy/leak.rego"),
    )
    .unwrap();
    repo.write(".govern.yaml", "policies:\n  dirs: [policy]\n");
    let o = repo.govern(&["check", "--no-cache"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let all = stdout(&o) + &stderr(&o);
    assert!(
        !all.contains("outside-the-repo-7731") && all.contains("leads out"),
        "{all}"
    );

    let p = Portfolio::new();
    p.write("organizations/acme/web/README.md", "# web\n");
    let secret = p
        .root()
        .join("..")
        .join(format!("outside-{}.yaml", std::process::id()));
    std::fs::write(&secret, "name: leaked-name-5521\n").unwrap();
    std::fs::create_dir_all(p.root().join("organizations/acme/web/.meta")).unwrap();
    std::os::unix::fs::symlink(
        &secret,
        p.root().join("organizations/acme/web/.meta/repo.yaml"),
    )
    .unwrap();
    p.govern("1767225600", &["catalog"], None);
    let catalog = p.read(".metaHub/catalog/catalog.json");
    std::fs::remove_file(&secret).unwrap();
    assert!(!catalog.contains("leaked-name-5521"), "{catalog}");
}

/// `limits:` sets the most bytes parsed of one file per kind: a larger Dockerfile is an
/// input error naming the limit and the setting (its text rules still run), a changed
/// limit is never answered from the cache, and a size that is not one names its line.
#[test]
fn size_limits_are_per_kind_and_configurable() {
    let repo = Repo::new();
    repo.with_compliant_base();
    let padding = "# padding line to make the file larger than one kibibyte\n".repeat(30);
    let token = ["ghp_", "Zq8xWv3LmT6pRb1NcK9yHs2DfG4jUe7Ao5Ix"].concat();
    repo.write(
        "Dockerfile",
        &format!("FROM alpine:3.20\n{padding}ENV GITHUB_TOKEN={token}\nUSER root\n"),
    );
    repo.write(".govern.yaml", "limits:\n  dockerfile: 1 KiB\n");
    repo.git(&["add", "-A"]);
    let (report, code) = repo.json(&["check", "--all"]);
    assert_eq!(code, 2, "{report:#}");
    let error = report["errors"][0]["message"].as_str().unwrap();
    assert!(error.contains("larger than 1 KiB"), "{error}");
    assert!(error.contains("limits: {dockerfile"), "{error}");
    let rules: Vec<String> = hits(&report).into_iter().map(|(r, _, _)| r).collect();
    assert!(rules.iter().any(|r| r.starts_with("secrets.")), "{rules:?}");
    assert!(
        !rules.iter().any(|r| r == "docker.user-not-root"),
        "{rules:?}"
    );

    // Raised: the same bytes, now parsed; the cache must not answer with the old error.
    repo.write(
        ".govern.yaml",
        "limits:\n  dockerfile: 64KiB\n  manifest: 1048576\n",
    );
    repo.git(&["add", "-A"]);
    let (report, code) = repo.json(&["check", "--all"]);
    assert_eq!(code, 1, "{report:#}");
    assert_eq!(report["errors"].as_array().unwrap().len(), 0, "{report:#}");
    assert!(hits(&report)
        .iter()
        .any(|(r, p, _)| r == "docker.user-not-root" && p == "Dockerfile"));

    repo.write(
        ".govern.yaml",
        "strict: false\nlimits:\n  dockerfile: 12 parsecs\n",
    );
    let o = repo.govern(&["check", "--all"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains(".govern.yaml:3"), "{}", stderr(&o));
    repo.write(".govern.yaml", "limits:\n  helm: 1 MiB\n");
    let o = repo.govern(&["check", "--all"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains(".govern.yaml:2"), "{}", stderr(&o));
}

/// A policy that asks for gigabytes (unguarded: 2.3 GB and seconds) is stopped by the
/// memory guard and its input is reported as not evaluated; the rest of the run goes on,
/// including the inputs evaluated at the same time (the ceiling is process-wide).
#[test]
fn policy_memory_is_bounded() {
    let repo = Repo::new();
    repo.with_compliant_base();
    repo.write("a.yaml", "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\n");
    repo.write("Dockerfile", "FROM alpine:3.20\nUSER root\n");
    // Innocent inputs evaluated beside the runaway one must not be stopped with it.
    for i in 0..64 {
        repo.write(
            &format!("cm/{i}.yaml"),
            &format!("apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: c{i}}}\n"),
        );
    }
    repo.git(&["add", "-A"]);
    let dir = repo.home.path().join("pol");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("big.rego"),
        "package main\n\nimport rego.v1\n\ndeny contains msg if {\n\tinput.kind == \"Pod\"\n\
         \tn := count(numbers.range(1, 100000000))\n\tmsg := sprintf(\"%v\", [n])\n}\n",
    )
    .unwrap();
    let (report, code) = repo.json(&["check", "--no-cache", "--policy", dir.to_str().unwrap()]);
    assert_eq!(code, 2, "{report:#}");
    let errors = report["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{report:#}");
    assert_eq!(errors[0]["path"], "a.yaml");
    let message = errors[0]["message"].as_str().unwrap();
    assert!(message.contains("more than 1 GiB of memory"), "{message}");
    assert!(hits(&report)
        .iter()
        .any(|(r, p, _)| r == "docker.user-not-root" && p == "Dockerfile"));
}
