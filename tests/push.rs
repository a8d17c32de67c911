//! The pre-push hook through real `git push` runs to a local bare remote: branch names,
//! the files the pushed commits change, deletions, and the pre-commit framework's variables.

mod common;
use common::*;

/// A repository with hooks installed, one pushed `main`, and a bare remote `origin`.
fn pushed_repo() -> (Repo, tempfile::TempDir) {
    let remote = tempfile::tempdir().unwrap();
    let repo = Repo::new();
    repo.git(&[
        "init",
        "-q",
        "--bare",
        "-b",
        "main",
        remote.path().to_str().unwrap(),
    ]);
    repo.with_compliant_base();
    repo.commit_all("chore: start");
    repo.git(&["remote", "add", "origin", remote.path().to_str().unwrap()]);
    let out = repo.govern(&["install"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = repo.git_output(&["push", "-q", "-u", "origin", "main"]);
    assert!(out.status.success(), "{}", stderr(&out));
    (repo, remote)
}

fn said(o: &std::process::Output) -> String {
    stdout(o) + &stderr(o)
}

#[test]
fn a_badly_named_branch_is_rejected_a_well_named_one_goes_through() {
    let (repo, remote) = pushed_repo();
    repo.git(&["checkout", "-q", "-b", "my-changes"]);
    repo.write("notes.txt", "x\n");
    repo.git(&["add", "-A"]);
    repo.git(&["commit", "-q", "-m", "docs: add notes"]);
    let out = repo.git_output(&["push", "-q", "origin", "my-changes"]);
    assert!(!out.status.success(), "the push must be rejected");
    let s = said(&out);
    assert!(s.contains("branch.naming"), "{s}");
    assert!(
        s.contains("\"my-changes\" does not follow the naming patterns"),
        "{s}"
    );
    assert!(s.contains("git branch -m my-changes"), "{s}");
    let on_remote = repo.git(&["ls-remote", "--heads", remote.path().to_str().unwrap()]);
    assert!(!on_remote.contains("my-changes"), "{on_remote}");

    repo.git(&["branch", "-m", "my-changes", "feature/PROJ-7-notes"]);
    let out = repo.git_output(&["push", "-q", "origin", "feature/PROJ-7-notes"]);
    assert!(out.status.success(), "{}", said(&out));
    // Pushing to a differently named remote branch checks the remote name.
    let out = repo.git_output(&["push", "-q", "origin", "feature/PROJ-7-notes:scratch"]);
    assert!(!out.status.success());
    assert!(said(&out).contains("\"scratch\""), "{}", said(&out));
}

#[test]
fn files_changed_by_the_pushed_commits_are_checked_and_deletion_is_not() {
    let (repo, _remote) = pushed_repo();
    repo.git(&["checkout", "-q", "-b", "fix/PROJ-9-image"]);
    // Committed with --no-verify: only the push can catch it.
    repo.write(
        "Dockerfile",
        "FROM alpine:3.20\nUSER root\nHEALTHCHECK CMD true\n",
    );
    repo.commit_all("fix: add the image");
    let out = repo.git_output(&["push", "-q", "origin", "fix/PROJ-9-image"]);
    assert!(!out.status.success(), "the pushed Dockerfile runs as root");
    let s = said(&out);
    assert!(s.contains("Dockerfile"), "{s}");
    assert!(s.contains("docker.user-not-root"), "{s}");
    // Only the file the branch changes is checked (since its merge base with origin/main).
    assert!(s.contains("1 file, 1 branch name checked"), "{s}");

    // A badly named branch that is already on the remote can always be deleted.
    repo.git(&["checkout", "-q", "main"]);
    repo.git(&["push", "-q", "--no-verify", "origin", "main:wip"]);
    let out = repo.git_output(&["push", "-q", "origin", ":wip"]);
    assert!(out.status.success(), "{}", said(&out));
}

#[test]
fn an_update_checks_only_the_commits_the_remote_lacks() {
    let (repo, _remote) = pushed_repo();
    // An old bad file already on the remote (pushed with --no-verify) is not re-reported.
    repo.write("legacy/Dockerfile", "FROM alpine:3.20\nUSER root\n");
    repo.commit_all("chore: import legacy image");
    repo.git(&["push", "-q", "--no-verify", "origin", "main"]);
    repo.write("README.md", "# demo\n\nMore.\n");
    repo.commit_all("docs: expand the readme");
    let out = repo.git_output(&["push", "-q", "origin", "main"]);
    assert!(out.status.success(), "{}", said(&out));
}

#[test]
fn pre_commit_framework_variables_stand_in_for_stdin() {
    let (repo, _remote) = pushed_repo();
    let head = repo.git(&["rev-parse", "HEAD"]).trim().to_string();
    let out = repo
        .cmd(bin())
        .args(["hook", "pre-push"])
        .env("PRE_COMMIT_TO_REF", &head)
        .env("PRE_COMMIT_FROM_REF", &head)
        .env("PRE_COMMIT_REMOTE_BRANCH", "refs/heads/temp")
        .env("PRE_COMMIT_REMOTE_NAME", "origin")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", said(&out));
    assert!(stdout(&out).contains("\"temp\""), "{}", stdout(&out));
    // Malformed stdin is a usage error that names the line.
    let mut child = repo
        .cmd(bin())
        .args(["hook", "pre-push", "origin"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"refs/heads/x 123\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("refs/heads/x 123"),
        "{}",
        stderr(&out)
    );
}
