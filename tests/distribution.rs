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

/// A repository with a violation in a Dockerfile and no metadata.
fn failing_repo() -> Repo {
    let repo = Repo::new();
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
    let try_repo = |args: &[&str]| {
        framework(&repo, "pre-commit", &wheels, &home)
            .args(["try-repo", THIS_REPO])
            .args(args)
            .output()
            .expect("pre-commit is not installed (pip install pre-commit)")
    };
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

    // Over 2 MB of file names (pre-commit's limit on Linux is ARG_MAX, 2 MiB): pre-commit
    // hands them over in several batches. The file hook runs once per batch without
    // repository-level rules; the repository hook once.
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
