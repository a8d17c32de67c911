//! `git govern policy test`: the `test_*` rules of policy files, as `opa test` and
//! `conftest verify` run them, and their line coverage.

use std::path::PathBuf;

use git_govern::policy::verify::FileCoverage;
use git_govern::session::governance_root;
use git_govern::{policy, Error};

use super::args::PolicyTestArgs;
use super::env::{cwd, Env};

/// Runs the tests of the given paths (default: `<governance root>/.metaHub/policies`,
/// else `./policy`); exit 1 when one fails or the coverage is below the threshold.
pub fn test(args: &PolicyTestArgs, env: &Env) -> Result<i32, Error> {
    let cwd = cwd()?;
    let mut paths: Vec<PathBuf> = Vec::new();
    for p in &args.paths {
        // conftest verify takes input files after its options and ignores them; so do we,
        // saying so.
        let file = cwd.join(p);
        if file.is_file() && file.extension().is_none_or(|x| x != "rego") {
            eprintln!("git-govern: {}: not a policy file; ignored", p.display());
        } else {
            paths.push(p.clone());
        }
    }
    paths.extend(args.policy.iter().cloned());
    if paths.is_empty() {
        let hub = governance_root(&cwd, env.golden_path_root.as_deref())
            .join(".metaHub")
            .join("policies");
        paths.push(if hub.is_dir() {
            hub
        } else {
            PathBuf::from("policy")
        });
    }
    let mut sources = Vec::new();
    for p in &paths {
        let found = policy::read_all(&cwd.join(p))?;
        if found.is_empty() {
            return Err(Error::Usage(format!(
                "policy path {} holds no .rego file",
                p.display()
            )));
        }
        sources.extend(found);
    }
    let mut data = Vec::new();
    for d in &args.data {
        data.extend(policy::data::read(&cwd.join(d), None)?);
    }
    let run = policy::run_tests(
        &sources,
        &data,
        args.rego_v0,
        &args.namespaces,
        args.coverage,
        &cwd,
    )?;
    let failed = run.results.iter().filter(|r| r.failure.is_some()).count();
    for r in &run.results {
        match &r.failure {
            None => println!("PASS {}", r.name),
            Some(why) => println!("FAIL {}: {why}", r.name),
        }
    }
    // conftest verify's summary line, so that CI greps written for it keep working.
    let n = run.results.len();
    println!(
        "{n} test{}, {} passed, 0 warnings, {failed} failure{}, 0 exceptions",
        if n == 1 { "" } else { "s" },
        n - failed,
        if failed == 1 { "" } else { "s" },
    );
    let mut code = if failed > 0 { 1 } else { 0 };
    if let (Some(files), Some(total)) = (&run.coverage, run.total_percent()) {
        print_coverage(files, total, &cwd);
        if let Some(min) = args.threshold {
            if total < min {
                println!("coverage {total:.1}% is below the threshold of {min}%");
                code = 1;
            }
        }
    }
    Ok(code)
}

/// One line per policy file: its coverage and the lines no test reached, then the total.
fn print_coverage(files: &[FileCoverage], total: f64, cwd: &std::path::Path) {
    println!("\ncoverage");
    for f in files {
        let name = std::path::Path::new(&f.name)
            .strip_prefix(cwd)
            .map_or(f.name.clone(), |p| p.display().to_string());
        let missed = ranges(&f.not_covered);
        println!(
            "  {:5.1}%  {name}{}",
            f.percent(),
            if missed.is_empty() {
                String::new()
            } else {
                format!("  not covered: {missed}")
            }
        );
    }
    println!("  {total:5.1}%  total");
}

/// `1-3, 7, 9-10` for a set of line numbers.
fn ranges(lines: &std::collections::BTreeSet<u32>) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut it = lines.iter().copied().peekable();
    while let Some(start) = it.next() {
        let mut end = start;
        while it.peek() == Some(&(end + 1)) {
            end = it.next().unwrap_or(end);
        }
        out.push(if start == end {
            start.to_string()
        } else {
            format!("{start}-{end}")
        });
    }
    out.join(", ")
}
