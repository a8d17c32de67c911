//! The real pre-commit framework runs this repository as a hook repository.
//!
//! Ignored by default: pre-commit builds the hook with `cargo install` in release mode,
//! which takes minutes. `.ci/run` runs it as its own step:
//! `cargo test --test precommit -- --ignored`.

mod common;
use common::*;

fn pre_commit_available(repo: &Repo) -> bool {
    repo.cmd("pre-commit")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
#[ignore = "builds the hook in release mode through pre-commit; run by .ci/run"]
fn pre_commit_try_repo_fails_then_passes() {
    let repo = Repo::new();
    assert!(
        pre_commit_available(&repo),
        "pre-commit is not installed (pip install pre-commit)"
    );
    repo.with_compliant_base();
    repo.write(
        "Dockerfile",
        "FROM alpine:3.20\nHEALTHCHECK CMD true\nUSER root\n",
    );
    repo.commit_all("init");
    // `try-repo` builds the hook in a fresh temporary store each time (it ignores
    // PRE_COMMIT_HOME), so the three runs share a cargo target directory instead: the
    // dependencies are compiled once. It is not this test's own target directory, which the
    // outer `cargo test` holds locked. Thin LTO is switched off for these builds: what is
    // tested is that pre-commit installs and runs the hook, not its speed.
    let tmp = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"));
    let store = tmp.join("pre-commit-home");
    let shared_target = tmp.join("pre-commit-target");
    let this_repo = env!("CARGO_MANIFEST_DIR");
    let run = |repo: &Repo| {
        repo.cmd("pre-commit")
            .args([
                "try-repo",
                this_repo,
                "git-govern",
                "--all-files",
                "--verbose",
            ])
            .env("PRE_COMMIT_HOME", &store)
            .env("CARGO_TARGET_DIR", &shared_target)
            .env("CARGO_PROFILE_RELEASE_LTO", "false")
            .output()
            .unwrap()
    };
    let failing = run(&repo);
    let said = stdout(&failing) + &stderr(&failing);
    assert!(!failing.status.success(), "{said}");
    assert!(said.contains("docker.user-not-root"), "{said}");

    repo.write(
        "Dockerfile",
        "FROM alpine:3.20\nHEALTHCHECK CMD true\nUSER app\n",
    );
    repo.commit_all("fix");
    let passing = run(&repo);
    let said = stdout(&passing) + &stderr(&passing);
    assert!(passing.status.success(), "{said}");
    assert!(
        said.contains("git-govern") && said.contains("Passed"),
        "{said}"
    );

    // The commit-msg stage: pre-commit hands the hook the message file.
    let msg = |repo: &Repo, text: &str| {
        let f = repo.home.path().join("COMMIT_EDITMSG");
        std::fs::write(&f, text).unwrap();
        repo.cmd("pre-commit")
            .args([
                "try-repo",
                this_repo,
                "git-govern-commit-msg",
                "--hook-stage",
                "commit-msg",
                "--commit-msg-filename",
            ])
            .arg(&f)
            .env("PRE_COMMIT_HOME", &store)
            .env("CARGO_TARGET_DIR", &shared_target)
            .env("CARGO_PROFILE_RELEASE_LTO", "false")
            .output()
            .unwrap()
    };
    let bad = msg(&repo, "Added things.\n# comment\n");
    let said = stdout(&bad) + &stderr(&bad);
    assert!(!bad.status.success(), "{said}");
    assert!(said.contains("commit.conventional"), "{said}");
    let good = msg(&repo, "feat: add things\n# comment\n");
    assert!(good.status.success(), "{}", stdout(&good) + &stderr(&good));

    // The pre-push stage: pre-commit passes the push in PRE_COMMIT_* variables.
    let head = repo.git(&["rev-parse", "HEAD"]).trim().to_string();
    let push = |branch: &str| {
        repo.cmd("pre-commit")
            .args([
                "try-repo",
                this_repo,
                "git-govern-pre-push",
                "--hook-stage",
                "pre-push",
            ])
            .args(["--remote-url", "/dev/null/origin.git"])
            .args([
                "--from-ref",
                &head,
                "--to-ref",
                &head,
                "--remote-name",
                "origin",
            ])
            .args(["--remote-branch", branch, "--local-branch", branch])
            .env("PRE_COMMIT_HOME", &store)
            .env("CARGO_TARGET_DIR", &shared_target)
            .env("CARGO_PROFILE_RELEASE_LTO", "false")
            .output()
            .unwrap()
    };
    let bad = push("refs/heads/wip");
    let said = stdout(&bad) + &stderr(&bad);
    assert!(!bad.status.success(), "{said}");
    assert!(
        said.contains("branch.naming") && said.contains("\"wip\""),
        "{said}"
    );
    let good = push("refs/heads/feature/PROJ-1-things");
    assert!(good.status.success(), "{}", stdout(&good) + &stderr(&good));
}
