//! Bringing a repository under governance: `init` writes what passes the default rules and
//! never replaces a file; `baseline` turns today's findings into waivers so that only new
//! findings block, in `check` and in the pre-commit hook.

mod common;
use common::*;

/// After `init` (any type, tier and lifecycle), `check --all` passes.
#[test]
fn init_writes_a_repository_that_passes() {
    for (kind, tier, lifecycle, extra) in [
        ("service", "1", "production", vec!["--dockerfile"]),
        ("api", "2", "beta", vec![]),
        ("library", "3", "development", vec![]),
        ("tool", "4", "experimental", vec!["--dockerfile"]),
    ] {
        let repo = Repo::new();
        repo.write("go.mod", "module example.com/x\n");
        let mut args = vec![
            "init",
            "--type",
            kind,
            "--tier",
            tier,
            "--owner",
            "@acme/team",
            "--lifecycle",
            lifecycle,
        ];
        args.extend(extra.iter().copied());
        let o = repo.govern(&args);
        assert_eq!(o.status.code(), Some(0), "{kind}: {}", stderr(&o));
        repo.git(&["add", "-A"]);
        let (report, code) = repo.json(&["check", "--all"]);
        assert_eq!(code, 0, "{kind} tier {tier}: {report:#}");
        let meta = std::fs::read_to_string(repo.path().join(".meta/repo.yaml")).unwrap();
        assert!(meta.contains("language: go"), "{meta}");
        assert_eq!(
            repo.path().join("Dockerfile").exists(),
            !extra.is_empty(),
            "{kind}"
        );
    }
}

/// `init` keeps every file that exists (a CODEOWNERS in any of GitHub's places counts),
/// and without a terminal it asks nothing: missing fields are a usage error, nothing is
/// written.
#[test]
fn init_never_replaces_and_never_guesses_what_it_must_ask() {
    let repo = Repo::new();
    repo.write("README.md", "# Ours\n\nHand-written.\n");
    repo.write("CODEOWNERS", "* @acme/team\n");
    let o = repo.govern(&["init", "--type", "service"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("--language, --tier, --owner, --lifecycle"),
        "{}",
        stderr(&o)
    );
    assert!(!repo.path().join(".meta").exists());
    let o = repo.govern(&[
        "init",
        "--type",
        "service",
        "--tier",
        "3",
        "--owner",
        "platform team",
        "--lifecycle",
        "beta",
        "--language",
        "go",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--owner"), "{}", stderr(&o));
    assert!(!repo.path().join(".meta").exists());
    let o = repo.govern(&[
        "init",
        "--name",
        "web",
        "--type",
        "service",
        "--tier",
        "3",
        "--owner",
        "@acme/team",
        "--lifecycle",
        "beta",
        "--language",
        "python",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("kept  README.md (exists)"), "{out}");
    assert!(
        out.contains("kept  .github/CODEOWNERS (CODEOWNERS exists)"),
        "{out}"
    );
    assert_eq!(
        std::fs::read_to_string(repo.path().join("README.md")).unwrap(),
        "# Ours\n\nHand-written.\n"
    );
    assert!(!repo.path().join(".github").exists());
    repo.git(&["add", "-A"]);
    let (report, code) = repo.json(&["check", "--all"]);
    assert_eq!(code, 0, "{report:#}");
}

/// `baseline` waives exactly today's findings: the check and the hook pass, a new finding
/// (even of the same rule in the same file) blocks, comments in .govern.yaml stay.
#[test]
fn baseline_lets_only_new_findings_block() {
    let repo = Repo::new();
    repo.write("Dockerfile", "FROM nginx:latest\nUSER root\n");
    repo.write(
        "deploy.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  containers:\n    - name: a\n      image: a:latest\n",
    );
    repo.write(".govern.yaml", "# ours\nstrict: false\n");
    repo.commit_all("chore: start");
    let (before, code) = repo.json(&["check", "--all"]);
    assert_eq!(code, 1);
    let count = before["findings"].as_array().unwrap().len();
    let o = repo.govern(&[
        "baseline",
        "--owner",
        "@acme/web",
        "--expires",
        "2999-01-01",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let config = std::fs::read_to_string(repo.path().join(".govern.yaml")).unwrap();
    assert!(config.starts_with("# ours\nstrict: false\n"), "{config}");
    let (after, code) = repo.json(&["check", "--all"]);
    assert_eq!(code, 0, "{after:#}");
    assert_eq!(after["summary"]["waived"].as_u64().unwrap() as usize, count);
    // Twice is the same: nothing left to record.
    let o = repo.govern(&[
        "baseline",
        "--owner",
        "@acme/web",
        "--expires",
        "2999-01-01",
    ]);
    assert!(stdout(&o).contains("nothing to record"), "{}", stdout(&o));
    // A second container with the same problem in the same file is new, and blocks.
    repo.write(
        "deploy.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  containers:\n    - name: a\n      image: a:latest\n    - name: b\n      image: b:latest\n",
    );
    repo.git(&["add", "-A"]);
    let hook = repo.govern(&["hook", "pre-commit"]);
    assert_eq!(hook.status.code(), Some(1), "{}", stdout(&hook));
    let (report, _) = repo.json(&["check", "--staged"]);
    let new: Vec<String> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["message"].as_str().unwrap().to_string())
        .collect();
    assert!(
        !new.is_empty() && new.iter().all(|m| m.contains("\"b\"")),
        "{new:?}"
    );
}

/// A baseline cannot end today or earlier.
#[test]
fn baseline_needs_a_future_expiry() {
    let repo = Repo::new();
    repo.write("Dockerfile", "FROM nginx:latest\n");
    repo.git(&["add", "-A"]);
    let o = repo.govern(&["baseline", "--owner", "@a/b", "--expires", "2001-01-01"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(!repo.path().join(".govern.yaml").exists());
}

/// `--only files` leaves the repository-level rules out (each pre-commit batch runs it),
/// `--only repository` runs them alone (pre-commit runs it once); together they find what
/// one full check finds. A blocking repository-level finding says how to proceed.
#[test]
fn file_and_repository_scopes_split_one_check() {
    let repo = Repo::new();
    repo.write("Dockerfile", "FROM nginx:latest\nUSER root\n");
    repo.write(
        ".govern.yaml",
        "waivers:\n  - {rule: k8s.probes, path: x, reason: r, owner: \"@o\", expires: 2001-01-01}\n",
    );
    repo.git(&["add", "-A"]);
    let rules = |args: &[&str]| -> Vec<String> {
        let mut a = vec!["check", "--staged"];
        a.extend_from_slice(args);
        let (report, _) = repo.json(&a);
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["rule"].as_str().unwrap().to_string())
            .collect()
    };
    let all = rules(&[]);
    let files = rules(&["--only", "files"]);
    let repository = rules(&["--only", "repository"]);
    assert!(files.iter().all(|r| r.starts_with("docker.")), "{files:?}");
    assert!(
        repository.contains(&"meta.present".to_string()),
        "{repository:?}"
    );
    assert!(
        repository.contains(&"waiver.expired".to_string()),
        "{repository:?}"
    );
    assert!(
        !repository.iter().any(|r| r.starts_with("docker.")),
        "{repository:?}"
    );
    let mut both = [files, repository].concat();
    both.sort();
    let mut all_sorted = all.clone();
    all_sorted.sort();
    assert_eq!(both, all_sorted);

    let hook = repo.govern(&["hook", "pre-commit"]);
    let text = stdout(&hook);
    assert!(
        text.contains("`git govern init`") && text.contains("--no-verify"),
        "{text}"
    );
    let files_only = stdout(&repo.govern(&["check", "--staged", "--only", "files"]));
    assert!(!files_only.contains("`git govern init`"), "{files_only}");
}

/// `init` writes inside the repository only: a `.meta` or `docs` linked out of it is left
/// alone and said so, and nothing appears at the link's target.
#[cfg(unix)]
#[test]
fn init_does_not_write_through_a_link_out_of_the_repository() {
    let repo = Repo::new();
    let outside = repo.home.path().join("outside");
    std::fs::create_dir_all(&outside).unwrap();
    std::os::unix::fs::symlink(&outside, repo.path().join(".meta")).unwrap();
    std::os::unix::fs::symlink(&outside, repo.path().join("docs")).unwrap();
    let o = repo.govern(&[
        "init",
        "--name",
        "x",
        "--type",
        "library",
        "--tier",
        "1",
        "--owner",
        "@a/b",
        "--lifecycle",
        "beta",
        "--language",
        "go",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains("kept  .meta/repo.yaml (.meta leads out of the repository"),
        "{out}"
    );
    assert!(
        out.contains("kept  docs/adr/0001-record-architecture-decisions.md (docs leads out"),
        "{out}"
    );
    assert!(out.contains("wrote README.md"), "{out}");
    assert_eq!(std::fs::read_dir(&outside).unwrap().count(), 0);
}
