//! A governance root with `organizations/<org>/<repo>` built in a temporary directory:
//! git repositories and plain folders, and the binary run on it at a fixed date.

use std::path::Path;
use std::process::Output;

use super::Repo;

pub const DAY1: &str = "1795478400"; // 2026-11-24T00:00:00Z
pub const DAY8: &str = "1796083200"; // 2026-12-01T00:00:00Z

pub const GOOD_DOCKERFILE: &str = "FROM alpine:3.19\nRUN adduser -D app\nUSER app\nHEALTHCHECK CMD wget -q -O- localhost:8080/health\n";
pub const ROOT_DOCKERFILE: &str =
    "FROM alpine:3.19\nHEALTHCHECK CMD wget -q -O- localhost:8080/health\n";

pub fn meta(name: &str, tier: &str) -> String {
    format!(
        "name: {name}\ntype: library\nlanguage: go\ntier: {tier}\nowner: \"@acme/platform\"\nlifecycle: production\n"
    )
}

/// A portfolio root with `organizations/` and helpers to build repositories in it.
pub struct Portfolio {
    /// The governance root, a plain directory.
    pub r: Repo,
}

impl Portfolio {
    pub fn new() -> Portfolio {
        Portfolio { r: Repo::plain() }
    }

    pub fn root(&self) -> &Path {
        self.r.path()
    }

    pub fn write(&self, rel: &str, text: &str) {
        self.r.write(rel, text);
    }

    /// A compliant library repository at `organizations/<key>`.
    pub fn repo(&self, key: &str, tier: &str) {
        let name = key.rsplit('/').next().unwrap();
        let base = format!("organizations/{key}");
        self.write(&format!("{base}/README.md"), "# repo\n");
        self.write(&format!("{base}/.github/CODEOWNERS"), "* @acme/platform\n");
        self.write(&format!("{base}/.meta/repo.yaml"), &meta(name, tier));
        self.write(
            &format!("{base}/docs/adr/0001-record-decisions.md"),
            "# 1. Record decisions\n\n## Status\n\nAccepted\n\n## Context\n\nWe need a record.\n\n## Decision\n\nWe keep ADRs.\n\n## Consequences\n\nDecisions are findable.\n",
        );
    }

    /// Makes `organizations/<key>` a git repository with everything committed.
    pub fn git_init(&self, key: &str) {
        let dir = self.root().join("organizations").join(key);
        let d = dir.to_str().unwrap();
        self.r.git(&["-C", d, "init", "-q", "-b", "main"]);
        self.commit(key);
    }

    pub fn commit(&self, key: &str) {
        let dir = self.root().join("organizations").join(key);
        let d = dir.to_str().unwrap();
        self.r.git(&["-C", d, "add", "-A"]);
        self.r
            .git(&["-C", d, "commit", "-q", "--no-verify", "-m", "change"]);
    }

    pub fn govern(&self, date: &str, args: &[&str], github_output: Option<&Path>) -> Output {
        let mut c = self.r.cmd(super::bin());
        c.args(args).env("SOURCE_DATE_EPOCH", date);
        if let Some(p) = github_output {
            c.env("GITHUB_OUTPUT", p);
        }
        c.output().unwrap()
    }

    pub fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.root().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
    }

    /// The fixture: payments/api (git, compliant, Dockerfile), payments/ledger (folder,
    /// tier 2), retail/web (git, runs as root), retail/legacy (no metadata), tools/cli
    /// (invalid metadata).
    pub fn fixture() -> Portfolio {
        let p = Portfolio::new();
        p.repo("payments/api", "3");
        p.write("organizations/payments/api/Dockerfile", GOOD_DOCKERFILE);
        p.git_init("payments/api");
        p.repo("payments/ledger", "2");
        p.repo("retail/web", "3");
        p.write("organizations/retail/web/Dockerfile", ROOT_DOCKERFILE);
        p.git_init("retail/web");
        p.write("organizations/retail/legacy/README.md", "# legacy\n");
        p.repo("tools/cli", "3");
        p.write(
            "organizations/tools/cli/.meta/repo.yaml",
            "name: cli\ntype: library\nlanguage: go\ntier: high\nowner: \"@acme/platform\"\nlifecycle: production\n",
        );
        p
    }
}
