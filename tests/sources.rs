//! Which content is checked: staged blobs, tracked files, given paths; and the hook.

mod common;
use common::*;

const ROOT_DOCKERFILE: &str = "FROM alpine:3.20\nHEALTHCHECK CMD true\nUSER root\n";
const GOOD_DOCKERFILE: &str = "FROM alpine:3.20\nHEALTHCHECK CMD true\nUSER app\n";

fn paths(report: &serde_json::Value) -> Vec<String> {
    let mut v: Vec<String> = hits(report)
        .into_iter()
        .map(|(_, p, _)| p)
        .filter(|p| !p.starts_with(".meta") && p != "README.md")
        .collect();
    v.dedup();
    v
}

#[test]
fn staged_on_unborn_head_reads_the_index_not_the_worktree() {
    let repo = Repo::new();
    repo.with_compliant_base();
    repo.write("Dockerfile", ROOT_DOCKERFILE);
    repo.git(&["add", "-A"]);
    // Fix in the worktree only: the staged (bad) content is what gets committed.
    repo.write("Dockerfile", GOOD_DOCKERFILE);
    let (report, code) = repo.json(&["check", "--staged", "--no-cache"]);
    assert_eq!((code, paths(&report)), (1, vec!["Dockerfile".to_string()]));
    // And the other way round: a partially staged fix passes.
    repo.git(&["add", "Dockerfile"]);
    repo.write("Dockerfile", ROOT_DOCKERFILE);
    let (report, code) = repo.json(&["check", "--staged", "--no-cache"]);
    assert_eq!((code, paths(&report)), (0, vec![]));
}

#[test]
fn staged_sees_only_changes_against_head() {
    let repo = Repo::new();
    repo.with_compliant_base();
    repo.write("a/Dockerfile", ROOT_DOCKERFILE);
    repo.write("b/Dockerfile", ROOT_DOCKERFILE);
    repo.write("c/deep/er/Dockerfile", ROOT_DOCKERFILE);
    repo.commit_all("init");
    let (report, _) = repo.json(&["check", "--staged", "--no-cache"]);
    assert_eq!(paths(&report), Vec::<String>::new(), "nothing staged");
    // Modify one, rename one, delete one, copy one.
    repo.write(
        "a/Dockerfile",
        "FROM alpine:3.21\nHEALTHCHECK CMD true\nUSER root\n",
    );
    repo.git(&["mv", "b/Dockerfile", "b/Dockerfile.renamed"]);
    repo.git(&["rm", "-q", "c/deep/er/Dockerfile"]);
    repo.write("d/Containerfile", ROOT_DOCKERFILE);
    repo.git(&["add", "-A"]);
    let (report, _) = repo.json(&["check", "--staged", "--no-cache"]);
    assert_eq!(
        paths(&report),
        ["a/Dockerfile", "b/Dockerfile.renamed", "d/Containerfile"]
    );
}

#[test]
fn staged_from_a_subdirectory_and_a_linked_worktree() {
    let repo = Repo::new();
    repo.with_compliant_base();
    repo.write("sub/dir/keep", "");
    repo.commit_all("init");
    repo.write("Dockerfile", ROOT_DOCKERFILE);
    repo.git(&["add", "-A"]);
    let out = repo
        .cmd(bin())
        .args(["check", "--staged", "--no-cache", "--format", "json"])
        .current_dir(repo.path().join("sub/dir"))
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        paths(&report),
        ["Dockerfile"],
        "paths are repo-relative from a subdirectory"
    );

    let wt = tempfile::tempdir().unwrap();
    let wt_path = wt.path().join("wt");
    repo.git(&[
        "worktree",
        "add",
        "-q",
        "-b",
        "feature/x",
        wt_path.to_str().unwrap(),
    ]);
    std::fs::write(wt_path.join("Containerfile"), ROOT_DOCKERFILE).unwrap();
    let add = repo
        .cmd("git")
        .args(["add", "Containerfile"])
        .current_dir(&wt_path)
        .output()
        .unwrap();
    assert!(add.status.success());
    let out = repo
        .cmd(bin())
        .args(["check", "--staged", "--format", "json"])
        .current_dir(&wt_path)
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        paths(&report),
        ["Containerfile"],
        "the worktree's own index"
    );
    // The cache lives in the common git dir, shared by worktrees.
    assert!(repo.path().join(".git/govern/cache.redb").exists());
}

#[test]
fn all_checks_the_work_tree_as_git_status_shows_it() {
    let repo = Repo::new();
    repo.with_compliant_base();
    repo.write("Dockerfile", GOOD_DOCKERFILE);
    repo.write("gone/Dockerfile", ROOT_DOCKERFILE);
    repo.write("built/Dockerfile", ROOT_DOCKERFILE);
    repo.commit_all("base");
    // Tracked files stay checked when an ignore pattern matches them, as in git.
    repo.write(".gitignore", "built/\nscratch/\n");
    repo.remove("gone/Dockerfile");
    repo.write("untracked/Dockerfile", ROOT_DOCKERFILE);
    repo.write("scratch/Dockerfile", ROOT_DOCKERFILE);
    // A nested repository is its own: git status shows it as one entry, not its files.
    repo.write("vendor/lib/Dockerfile", ROOT_DOCKERFILE);
    let init = repo
        .cmd("git")
        .args(["init", "-q", "vendor/lib"])
        .output()
        .unwrap();
    assert!(init.status.success());
    // Repository-level rules read the same state: the metadata as edited on disk.
    repo.write(
        ".meta/repo.yaml",
        "name: demo\ntype: library\nlanguage: rust\ntier: 9\nowner: \"@acme/platform\"\nlifecycle: development\n",
    );
    let (report, code) = repo.json(&["check", "--all"]);
    assert_eq!(
        (code, paths(&report)),
        (
            1,
            vec![
                "built/Dockerfile".to_string(),
                "untracked/Dockerfile".to_string()
            ]
        ),
        "{report:#}"
    );
    assert!(hits(&report)
        .iter()
        .any(|(r, p, _)| r == "meta.schema" && p == ".meta/repo.yaml"));
    // The same files named as paths: the same state.
    let (given, _) = repo.json(&["check", "."]);
    assert_eq!(given["findings"], report["findings"]);
    // --staged stays exactly the index: nothing is staged, and the committed metadata holds.
    let (staged, code) = repo.json(&["check", "--staged"]);
    assert_eq!((code, paths(&staged)), (0, vec![]));
}

#[test]
fn paths_mode_and_plain_directories() {
    let repo = Repo::plain();
    repo.with_compliant_base();
    repo.write("a/Dockerfile", ROOT_DOCKERFILE);
    repo.write("b/Dockerfile", ROOT_DOCKERFILE);
    repo.write("ignored/Dockerfile", ROOT_DOCKERFILE);
    repo.write(".gitignore", "ignored/\n");
    let (report, _) = repo.json(&["check"]);
    assert_eq!(
        paths(&report),
        ["a/Dockerfile", "b/Dockerfile"],
        ".gitignore is honoured outside git"
    );
    // An .ignore file counts too and wins over its directory's .gitignore; a nested
    // .gitignore and a negation hold; a clone inside the folder is read (only its .git is
    // passed over); a symbolic link is not followed.
    repo.write("c/.gitignore", "Dockerfile\n!keep/\n");
    repo.write("c/.ignore", "!Dockerfile\n");
    repo.write("c/Dockerfile", ROOT_DOCKERFILE);
    repo.write("d/.gitignore", "*\n!keep/\n!keep/**\n");
    repo.write("d/keep/Dockerfile", ROOT_DOCKERFILE);
    repo.write("d/drop/Dockerfile", ROOT_DOCKERFILE);
    repo.write("clone/Dockerfile", ROOT_DOCKERFILE);
    repo.write("clone/.git/HEAD", "ref: refs/heads/main\n");
    repo.write("clone/.git/Dockerfile", ROOT_DOCKERFILE);
    #[cfg(unix)]
    std::os::unix::fs::symlink(repo.path().join("a"), repo.path().join("link")).unwrap();
    let (report, _) = repo.json(&["check"]);
    assert_eq!(
        paths(&report),
        [
            "a/Dockerfile",
            "b/Dockerfile",
            "c/Dockerfile",
            "clone/Dockerfile",
            "d/keep/Dockerfile"
        ]
    );
    for dir in ["c", "d", "clone"] {
        std::fs::remove_dir_all(repo.path().join(dir)).unwrap();
    }
    let (report, _) = repo.json(&["check", "b/Dockerfile"]);
    assert_eq!(paths(&report), ["b/Dockerfile"]);
    let (report, _) = repo.json(&["check", "a"]);
    assert_eq!(paths(&report), ["a/Dockerfile"]);
    let out = repo.govern(&["check", "missing.yaml"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("missing.yaml: no such file or directory"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        repo.govern(&["check", "--staged"]).status.code(),
        Some(2),
        "--staged needs git"
    );
}

#[test]
fn empty_repository_binary_and_non_utf8_names() {
    let repo = Repo::new();
    let (report, code) = repo.json(&["check", "--staged"]);
    assert_eq!(report["summary"]["files_checked"], 0);
    assert_eq!(code, 1, "an empty repository lacks README and metadata");
    repo.with_compliant_base();
    std::fs::write(
        repo.path().join("secrets.yaml"),
        b"\x00\x01git-crypt\x00binary",
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        let name = std::ffi::OsStr::from_bytes(b"caf\xe9.Dockerfile");
        std::fs::write(repo.path().join(name), ROOT_DOCKERFILE).unwrap();
    }
    repo.git(&["add", "-A"]);
    let (report, code) = repo.json(&["check", "--staged", "--no-cache"]);
    assert_eq!(code, 1);
    assert_eq!(report["skipped"][0]["path"], "secrets.yaml");
    assert_eq!(report["skipped"][0]["reason"], "binary file");
    #[cfg(unix)]
    assert_eq!(paths(&report), ["caf\u{fffd}.Dockerfile"]);
}

#[test]
fn hook_blocks_a_root_dockerfile_then_lets_the_fix_through() {
    let repo = Repo::new();
    repo.with_compliant_base();
    repo.commit_all("init");
    let out = repo.govern(&["install"]);
    assert!(out.status.success(), "{}", stderr(&out));
    repo.write("Dockerfile", ROOT_DOCKERFILE);
    repo.git(&["add", "-A"]);
    let commit = repo.git_output(&["commit", "-q", "-m", "feat: add image"]);
    assert!(!commit.status.success(), "the hook must block the commit");
    let said = stdout(&commit) + &stderr(&commit);
    assert!(said.contains("docker.user-not-root"), "{said}");
    assert!(said.contains("help:"), "{said}");
    repo.write("Dockerfile", GOOD_DOCKERFILE);
    repo.git(&["add", "-A"]);
    let commit = repo.git_output(&["commit", "-q", "-m", "feat: add image"]);
    assert!(commit.status.success(), "{}", stderr(&commit));
    // `git commit -a` hands the hook GIT_INDEX_FILE=.git/index.lock with the auto-staged change.
    repo.write("Dockerfile", ROOT_DOCKERFILE);
    let commit = repo.git_output(&["commit", "-q", "-a", "-m", "chore: regress"]);
    assert!(!commit.status.success(), "commit -a must be checked too");
    assert!((stdout(&commit) + &stderr(&commit)).contains("docker.user-not-root"));
}

#[test]
fn install_respects_foreign_hooks_and_hooks_path() {
    let repo = Repo::new();
    repo.write(".git/hooks/pre-commit", "#!/bin/sh\necho mine\n");
    let out = repo.govern(&["install"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--force"), "{}", stderr(&out));
    assert_eq!(
        std::fs::read_to_string(repo.path().join(".git/hooks/pre-commit")).unwrap(),
        "#!/bin/sh\necho mine\n"
    );
    assert!(repo.govern(&["install", "--force"]).status.success());
    assert!(
        std::fs::read_to_string(repo.path().join(".git/hooks/pre-commit"))
            .unwrap()
            .contains("git-govern hook pre-commit")
    );
    assert!(repo.govern(&["uninstall"]).status.success());
    assert!(!repo.path().join(".git/hooks/pre-commit").exists());

    repo.git(&["config", "core.hooksPath", ".githooks"]);
    assert!(repo.govern(&["install"]).status.success());
    for hook in ["pre-commit", "commit-msg", "pre-push"] {
        let shim = std::fs::read_to_string(repo.path().join(".githooks").join(hook)).unwrap();
        let shipped = std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("hooks")
                .join(hook),
        )
        .unwrap();
        assert_eq!(shim, shipped, "hooks/{hook} is the shim install writes");
    }
    // A foreign hook of any of the three stops install before anything is written.
    assert!(repo.govern(&["uninstall"]).status.success());
    repo.write(".githooks/pre-push", "#!/bin/sh\necho mine\n");
    assert_eq!(repo.govern(&["install"]).status.code(), Some(2));
    assert!(!repo.path().join(".githooks/pre-commit").exists());
}

/// `--all` sees the work tree as `git status` does: entries outside a sparse checkout are
/// passed over, and so are tracked files deleted from disk, so that a blob missing from a
/// partial clone is never an input error.
#[test]
fn all_passes_over_sparse_entries_missing_blobs_and_deleted_files() {
    let src = Repo::new();
    src.with_compliant_base();
    src.write("app/Dockerfile", GOOD_DOCKERFILE);
    src.write("legacy/Dockerfile", ROOT_DOCKERFILE);
    src.write("legacy/k8s/pod.yaml", "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n    - name: a\n      image: a:latest\n");
    src.commit_all("init");
    src.git(&["config", "uploadpack.allowFilter", "true"]);
    // A blobless, sparse clone: legacy/ is outside the sparse set and its blobs are absent.
    let clone = Repo::plain();
    let url = format!("file://{}", src.path().display());
    let out = clone
        .cmd("git")
        .args(["clone", "-q", "--filter=blob:none", "--sparse", &url, "c"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let dir = clone.path().join("c");
    let run = |args: &[&str]| {
        clone
            .cmd(bin())
            .args(args)
            .current_dir(&dir)
            .output()
            .unwrap()
    };
    let o = clone
        .cmd("git")
        .args(["sparse-checkout", "set", "app", ".meta", ".github"])
        .current_dir(&dir)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        !dir.join("legacy").exists(),
        "legacy/ is outside the sparse checkout"
    );
    let out = run(&["check", "--all", "--no-cache", "--format", "json"]);
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["errors"], serde_json::json!([]), "{report}");
    assert_eq!(out.status.code(), Some(0), "{report}");
    assert!(paths(&report).is_empty(), "{report}");
    // A tracked file deleted from disk (not with git rm) is absent too.
    std::fs::remove_file(dir.join("app/Dockerfile")).unwrap();
    let out = run(&["check", "--all", "--no-cache", "--format", "json"]);
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(0), "{report}");
    assert_eq!(report["errors"], serde_json::json!([]), "{report}");
}
