//! `git govern policy test`: the `test_*` rules of a policy directory, as `opa test` and
//! `conftest verify` run them.

use std::path::PathBuf;

use git_govern::session::governance_root;
use git_govern::{policy, Error};

use super::env::{cwd, Env};

/// Runs the tests of `dir` (default: `<governance root>/.metaHub/policies`, else
/// `./policy`); exit 1 when one fails.
pub fn test(dir: Option<PathBuf>, rego_v0: bool, env: &Env) -> Result<i32, Error> {
    let cwd = cwd()?;
    let dir = dir.unwrap_or_else(|| {
        let hub = governance_root(&cwd, env.golden_path_root.as_deref())
            .join(".metaHub")
            .join("policies");
        if hub.is_dir() {
            hub
        } else {
            PathBuf::from("policy")
        }
    });
    let sources = policy::read_all(&cwd.join(&dir))?;
    let results = policy::run_tests(&sources, rego_v0)?;
    if results.is_empty() {
        println!(
            "no test_* rules in the *_test.rego files of {}",
            dir.display()
        );
        return Ok(0);
    }
    let failed = results.iter().filter(|r| r.failure.is_some()).count();
    for r in &results {
        match &r.failure {
            None => println!("PASS {}", r.name),
            Some(why) => println!("FAIL {}: {why}", r.name),
        }
    }
    println!("{} passed, {} failed", results.len() - failed, failed);
    Ok(if failed > 0 { 1 } else { 0 })
}
