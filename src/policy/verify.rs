//! Policy unit tests, as `opa test` and `conftest verify` run them: the `test_*` rules of
//! the `*_test.rego` files, with every policy and data document loaded, and the line
//! coverage of the policies by those tests (regorus's coverage report).

use std::collections::BTreeSet;
use std::sync::LazyLock;

use regex::Regex;

use super::data::DataDoc;
use super::{namespace_matches, Source, PACKAGE};
use crate::error::{Error, Result};

/// The outcome of one `test_*` rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestResult {
    /// `data.<package>.<rule>`.
    pub name: String,
    /// `None` when it passed, else why not ("false", "undefined", or the error).
    pub failure: Option<String>,
}

/// The lines of one policy file the tests ran, and those they did not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileCoverage {
    /// The file as read.
    pub name: String,
    /// 1-based lines evaluated by some test.
    pub covered: BTreeSet<u32>,
    /// 1-based lines that hold code no test evaluated.
    pub not_covered: BTreeSet<u32>,
}

impl FileCoverage {
    /// Covered lines in percent of the lines holding code; 100 for a file without code.
    pub fn percent(&self) -> f64 {
        percent(self.covered.len(), self.not_covered.len())
    }
}

/// A test run: the results in file order then rule order, and, when asked for, the
/// coverage of every policy file (not the `*_test.rego` files) in name order.
#[derive(Debug, Clone, PartialEq)]
pub struct TestRun {
    /// One per `test_*` rule run.
    pub results: Vec<TestResult>,
    /// Per policy file, when coverage was asked for.
    pub coverage: Option<Vec<FileCoverage>>,
}

impl TestRun {
    /// Covered lines of all policy files in percent of their lines holding code.
    pub fn total_percent(&self) -> Option<f64> {
        let files = self.coverage.as_ref()?;
        let covered = files.iter().map(|f| f.covered.len()).sum();
        let missed = files.iter().map(|f| f.not_covered.len()).sum();
        Some(percent(covered, missed))
    }
}

fn percent(covered: usize, missed: usize) -> f64 {
    if covered + missed == 0 {
        100.0
    } else {
        covered as f64 * 100.0 / (covered + missed) as f64
    }
}

static TEST_HEAD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?m)^(test_[A-Za-z0-9_]+)(?-u:\b)\s*(if|\{|:?=)").expect("test regex")
});

/// Runs the `test_*` rules of the `*_test.rego` files among `sources` whose package one of
/// `namespaces` names (all when empty; `*` as in `--namespace`), with every source and
/// `data` loaded; the file-reading functions read under `root` and the policies'
/// directories. Errors: a source that does not parse, data regorus refuses.
pub fn run_tests(
    sources: &[Source],
    data: &[DataDoc],
    rego_v0: bool,
    namespaces: &[String],
    coverage: bool,
    root: &std::path::Path,
) -> Result<TestRun> {
    let access = super::builtins::FileAccess {
        root: root.to_path_buf(),
        policy_dirs: super::source_dirs(sources)
            .iter()
            .map(|d| root.join(d))
            .collect(),
    };
    super::builtins::with_files(&access, || {
        run_with(sources, data, rego_v0, namespaces, coverage)
    })
}

fn run_with(
    sources: &[Source],
    data: &[DataDoc],
    rego_v0: bool,
    namespaces: &[String],
    coverage: bool,
) -> Result<TestRun> {
    super::refuse_recursion(sources)?;
    let mut engine = super::new_engine(rego_v0);
    super::add_data(&mut engine, data, &mut blake3::Hasher::new())?;
    for s in sources {
        engine
            .add_policy(s.name.clone(), s.text.clone())
            .map_err(|e| Error::Usage(format!("invalid policy: {e}")))?;
    }
    engine.set_enable_coverage(coverage);
    let mut results = Vec::new();
    for s in sources.iter().filter(|s| s.name.ends_with("_test.rego")) {
        let Some(package) = PACKAGE.captures(&s.text).map(|c| c[1].to_string()) else {
            continue;
        };
        if !namespaces.is_empty() && !namespaces.iter().any(|n| namespace_matches(n, &package)) {
            continue;
        }
        let mut seen = BTreeSet::new();
        for c in TEST_HEAD.captures_iter(&s.text) {
            if !seen.insert(c[1].to_string()) {
                continue;
            }
            let name = format!("data.{package}.{}", &c[1]);
            let failure = match engine.eval_rule(name.clone()) {
                Ok(v) if v == regorus::Value::from(true) => None,
                Ok(regorus::Value::Undefined) => Some("undefined".to_string()),
                Ok(v) => Some(v.to_json_str().unwrap_or_else(|_| "not true".into())),
                Err(e) => Some(e.to_string()),
            };
            results.push(TestResult { name, failure });
        }
    }
    let coverage = if coverage {
        Some(file_coverage(&engine)?)
    } else {
        None
    };
    Ok(TestRun { results, coverage })
}

/// The coverage of the policy files (not the tests) from regorus's report, by name.
fn file_coverage(engine: &regorus::Engine) -> Result<Vec<FileCoverage>> {
    let report = engine
        .get_coverage_report()
        .map_err(|e| Error::Usage(format!("coverage report: {e}")))?;
    let mut out: Vec<FileCoverage> = report
        .files
        .into_iter()
        .filter(|f| !f.path.ends_with("_test.rego"))
        .map(|f| FileCoverage {
            name: f.path,
            covered: f.covered,
            not_covered: f.not_covered,
        })
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn src(name: &str, text: &str) -> Source {
        Source {
            name: name.into(),
            text: text.into(),
        }
    }

    #[test]
    fn coverage_counts_the_policy_lines_the_tests_reach() {
        let policy = src(
            "p.rego",
            "package main\n\nimport rego.v1\n\ndeny contains \"root\" if {\n\tinput.user == \"root\"\n}\n\n\
             warn contains \"old\" if {\n\tinput.version < 2\n}\n",
        );
        let test = src(
            "p_test.rego",
            "package main\n\nimport rego.v1\n\ntest_root if {\n\tdeny[\"root\"] with input as {\"user\": \"root\"}\n}\n",
        );
        let run = run_tests(
            &[policy.clone(), test.clone()],
            &[],
            false,
            &[],
            true,
            std::path::Path::new("."),
        )
        .unwrap();
        assert_eq!(run.results.len(), 1);
        assert!(run.results[0].failure.is_none(), "{:?}", run.results);
        let files = run.coverage.as_ref().unwrap();
        assert_eq!(files.len(), 1, "only the policy file: {files:?}");
        assert!(files[0].covered.contains(&6), "{files:?}");
        assert!(files[0].not_covered.contains(&10), "{files:?}");
        let pct = run.total_percent().unwrap();
        assert!(pct > 0.0 && pct < 100.0, "{pct}");
        let other_ns = run_tests(
            &[policy, test],
            &[],
            false,
            &["k*".into()],
            false,
            std::path::Path::new("."),
        )
        .unwrap();
        assert!(other_ns.results.is_empty());
        assert!(other_ns.coverage.is_none());
    }
}
