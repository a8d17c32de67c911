//! Test helpers: real temporary git repositories and the real `git-govern` binary.
#![allow(dead_code)]

pub mod portfolio;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The binary under test.
pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_git-govern"))
}

/// A temporary directory, a git repository unless made with [`Repo::plain`].
pub struct Repo {
    pub dir: tempfile::TempDir,
    /// Where per-user state (XDG cache) goes, so tests never touch the real home.
    pub home: tempfile::TempDir,
}

/// Environment every child process gets: no global/system git config, fixed identity,
/// nothing from the developer's shell that changes git-govern's behaviour.
pub fn isolate(cmd: &mut Command, home: &Path) {
    for v in [
        "GOVERN_CACHE",
        "GOVERN_STRICT",
        "GOLDEN_PATH_ROOT",
        "NO_COLOR",
        "GIT_DIR",
        "GIT_WORK_TREE",
        "GIT_INDEX_FILE",
        "GIT_PREFIX",
        "GITHUB_BASE_REF",
        "GITHUB_OUTPUT",
        "GITHUB_STEP_SUMMARY",
    ] {
        cmd.env_remove(v);
    }
    cmd.env("GIT_CONFIG_GLOBAL", home.join("gitconfig"))
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", home)
        .env("XDG_CACHE_HOME", home.join("cache"))
        .env("GIT_AUTHOR_NAME", "Test")
        .env("GIT_AUTHOR_EMAIL", "test@example.com")
        .env("GIT_COMMITTER_NAME", "Test")
        .env("GIT_COMMITTER_EMAIL", "test@example.com")
        .env("GIT_AUTHOR_DATE", "2026-01-01T00:00:00Z")
        .env("GIT_COMMITTER_DATE", "2026-01-01T00:00:00Z");
    let bin_dir = bin().parent().unwrap().to_path_buf();
    let path = std::env::var_os("PATH").unwrap_or_default();
    let mut paths = vec![bin_dir];
    paths.extend(std::env::split_paths(&path));
    cmd.env("PATH", std::env::join_paths(paths).unwrap());
}

impl Repo {
    /// A fresh repository with branch `main` and no commits.
    pub fn new() -> Repo {
        let r = Repo::plain();
        r.git(&["init", "-q", "-b", "main"]);
        r
    }

    /// A plain directory (not a git repository).
    pub fn plain() -> Repo {
        let dir = tempfile::tempdir().unwrap();
        let home = tempfile::tempdir().unwrap();
        std::fs::write(home.path().join("gitconfig"), "").unwrap();
        Repo { dir, home }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes a file (creating directories).
    pub fn write(&self, rel: &str, contents: &str) -> &Self {
        let p = self.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, contents).unwrap();
        self
    }

    pub fn remove(&self, rel: &str) {
        std::fs::remove_file(self.path().join(rel)).unwrap();
    }

    /// A command run in the repository with the isolated environment.
    pub fn cmd(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut c = Command::new(program);
        c.current_dir(self.path());
        isolate(&mut c, self.home.path());
        c
    }

    /// Runs git; panics on failure.
    pub fn git(&self, args: &[&str]) -> String {
        let out = self.cmd("git").args(args).output().unwrap();
        assert!(
            out.status.success(),
            "git {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Runs git, returning the output whatever the status.
    pub fn git_output(&self, args: &[&str]) -> Output {
        self.cmd("git").args(args).output().unwrap()
    }

    /// `git add -A && git commit`.
    pub fn commit_all(&self, msg: &str) {
        self.git(&["add", "-A"]);
        self.git(&["commit", "-q", "--no-verify", "-m", msg]);
    }

    /// Runs git-govern with `args`.
    pub fn govern(&self, args: &[&str]) -> Output {
        self.cmd(bin()).args(args).output().unwrap()
    }

    /// Runs git-govern and parses its JSON report (`--format json` is appended).
    pub fn json(&self, args: &[&str]) -> (serde_json::Value, i32) {
        let mut a = args.to_vec();
        a.extend(["--format", "json"]);
        let out = self.govern(&a);
        let v = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "not JSON ({e}): {}\nstderr: {}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            )
        });
        (v, out.status.code().unwrap())
    }

    /// A minimal compliant base: README, valid metadata for a library (no SLO/ADR needed).
    pub fn with_compliant_base(&self) -> &Self {
        self.write("README.md", "# demo\n");
        self.write(
            ".meta/repo.yaml",
            "name: demo\ntype: library\nlanguage: rust\ntier: 3\nowner: \"@acme/platform\"\nlifecycle: development\n",
        );
        self.write(".github/CODEOWNERS", "* @acme/platform\n");
        self
    }
}

/// (rule, path, line) of every finding, sorted as reported.
pub fn hits(report: &serde_json::Value) -> Vec<(String, String, Option<u64>)> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["path"].as_str().unwrap().to_string(),
                f["line"].as_u64(),
            )
        })
        .collect()
}

/// (rule, line) of the findings in one file.
pub fn hits_in(report: &serde_json::Value, path: &str) -> Vec<(String, Option<u64>)> {
    hits(report)
        .into_iter()
        .filter(|(_, p, _)| p == path)
        .map(|(r, _, l)| (r, l))
        .collect()
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Asserts that `doc` is valid under the schema file `schema_file` (relative to the
/// crate root, e.g. `schemas/catalog.schema.json`), listing every error.
pub fn validate(schema_file: &str, doc: &serde_json::Value) {
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(schema_file),
        )
        .unwrap(),
    )
    .unwrap();
    let v = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = v
        .iter_errors(doc)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{schema_file}: {errors:#?}");
}
