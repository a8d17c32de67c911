//! Every rule's documentation runs: its Example (whole files, `docs/rules/<id>/example/`)
//! gives that rule's finding, and its Use instead gives none of it. Driven by the registry,
//! so a new rule is covered the moment it is registered.

mod common;
use common::*;

use git_govern::rules::{self, Check, DocFile, Rule};

/// 2026-06-01T00:00:00Z: waivers in the docs expire before or after it.
const EPOCH: &str = "1780272000";

/// The findings of `rule` that `files` give, as (path, line) pairs.
fn findings_of(rule: &Rule, files: &[DocFile]) -> Vec<(String, Option<u64>)> {
    match rule.check {
        Check::Branch(_) => branch_findings(rule, files),
        Check::CommitMessage(_) => run(rule, files, &["hook", "commit-msg", files[0].path]),
        _ => run(
            rule,
            files,
            &["check", "--all", "--no-cache", "--format", "json"],
        ),
    }
}

/// Writes `files` into a fresh repository (staged), runs git-govern with `args` and returns
/// the findings of `rule` from its JSON report (or, for the commit-msg hook, its text).
fn run(rule: &Rule, files: &[DocFile], args: &[&str]) -> Vec<(String, Option<u64>)> {
    let repo = Repo::new();
    for f in files {
        repo.write(f.path, f.text);
    }
    repo.git(&["add", "-A"]);
    let mut cmd = repo.cmd(bin());
    cmd.args(args).env("SOURCE_DATE_EPOCH", EPOCH);
    if args[0] == "hook" {
        let out = cmd.output().unwrap();
        let said = stdout(&out);
        return said
            .lines()
            .filter(|l| l.contains(rule.id.as_str()))
            .map(|l| (l.to_string(), None))
            .collect();
    }
    let out = cmd.output().unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{}: not JSON ({e}): {}", rule.id, stderr(&out)));
    assert_eq!(
        report["errors"],
        serde_json::json!([]),
        "{}: {report}",
        rule.id
    );
    hits(&report)
        .into_iter()
        .filter(|(r, _, _)| *r == rule.id)
        .map(|(_, path, line)| (path, line))
        .collect()
}

/// `branches` lists one branch name a line; each is checked as the pre-push hook does.
fn branch_findings(rule: &Rule, files: &[DocFile]) -> Vec<(String, Option<u64>)> {
    let config = git_govern::config::Config::default();
    let schema = git_govern::rules::RepoSchema::builtin();
    let mut out = Vec::new();
    for branch in files[0].text.lines() {
        let flagged = git_govern::engine::branch_findings(branch, &config, &schema)
            .into_iter()
            .any(|(r, fs)| r.id == rule.id && !fs.is_empty());
        if flagged {
            out.push((branch.to_string(), None));
        }
    }
    out
}

#[test]
fn every_rule_example_fails_and_its_use_instead_passes() {
    let mut failures = Vec::new();
    for rule in rules::ALL {
        let doc = &rule.doc;
        assert!(
            !doc.example.is_empty() && !doc.use_instead.is_empty(),
            "{}",
            rule.id
        );
        let bad = findings_of(rule, doc.example);
        if bad.is_empty() {
            failures.push(format!("{}: the Example gives no finding", rule.id));
        }
        if let Check::Branch(_) = rule.check {
            let names = doc.example[0].text.lines().count();
            if bad.len() != names {
                failures.push(format!(
                    "{}: only {bad:?} of the Example are flagged",
                    rule.id
                ));
            }
        }
        let good = findings_of(rule, doc.use_instead);
        if !good.is_empty() {
            failures.push(format!("{}: the Use instead gives {good:?}", rule.id));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// README's rule table names every registered rule with its default severity, and no
/// other: it is checked against the registry, so the two cannot drift apart.
#[test]
fn the_readme_rule_table_matches_the_registry() {
    let readme = include_str!("../README.md");
    let table = readme
        .split("## Rules\n")
        .nth(1)
        .expect("README has a Rules section");
    let mut listed: Vec<(String, String)> = table
        .lines()
        .skip_while(|l| !l.starts_with("| `"))
        .take_while(|l| l.starts_with("| `"))
        .map(|l| {
            let cells: Vec<&str> = l.split('|').map(str::trim).collect();
            (cells[1].trim_matches('`').to_string(), cells[2].to_string())
        })
        .collect();
    let mut registered: Vec<(String, String)> = rules::ALL
        .iter()
        .map(|r| (r.id.to_string(), r.severity.as_str().to_string()))
        .collect();
    listed.sort();
    registered.sort();
    assert_eq!(
        listed, registered,
        "README's rule table and rules::ALL differ"
    );
}
