//! JUnit XML report, for the test tabs of CI systems, written by `quick-junit`.
//!
//! One test case per (rule, file) pair that was checked, named `<path>` in class `<rule>`:
//! it fails (`<failure type="error">`) when the pair has findings of severity error, one
//! line per finding; warnings are written to the case's `<system-out>` and do not fail it.
//! Files that could not be checked are test cases with an `<error>`. Commit-message and
//! branch checks use the short commit id or the branch name as the file. Sorted by path,
//! then rule; no timestamps, durations or ids. Suppressed findings (inline comments, policy
//! exceptions) pass their case and are listed in its `<system-out>` with their reason. The
//! suite's properties count violations, warnings, suppressed and waived findings and
//! skipped files.

use std::collections::{BTreeMap, BTreeSet};

use quick_junit::{NonSuccessKind, Property, Report, TestCase, TestCaseStatus, TestSuite};

use crate::engine::Outcome;
use crate::finding::{Finding, Severity};

fn line_of(f: &Finding) -> String {
    format!(
        "{}: {}\nhelp: {}",
        printable(&crate::finding::location(&f.path.shown(), f.line)),
        printable(&f.message),
        printable(&f.help)
    )
}

/// (path, rule) → the findings of that pair, for every pair that was checked. A
/// repository rule ran at "."; when it found something, its findings (which name the paths
/// concerned) stand for it.
fn cases(o: &Outcome) -> BTreeMap<(String, String), Vec<&Finding>> {
    let mut cases: BTreeMap<(String, String), Vec<&Finding>> = BTreeMap::new();
    let failing: BTreeSet<&str> = o.findings.iter().map(|f| f.rule.as_str()).collect();
    for (path, set) in &o.evaluated {
        for rule in set.rules() {
            if path.as_bytes() == b"." && failing.contains(rule.id.as_str()) {
                continue;
            }
            cases
                .entry((path.shown().into_owned(), rule.id.to_string()))
                .or_default();
        }
    }
    for f in &o.findings {
        cases
            .entry((f.path.shown().into_owned(), f.rule.clone()))
            .or_default()
            .push(f);
    }
    cases
}

/// The test case of one (path, rule) pair.
fn case(path: &str, rule: &str, findings: &[&Finding]) -> TestCase {
    let of = |sev: Severity| -> Vec<&Finding> {
        findings
            .iter()
            .copied()
            .filter(|f| f.severity == sev)
            .collect()
    };
    let (errors, warnings) = (of(Severity::Error), of(Severity::Warning));
    let status = match errors.first() {
        None => TestCaseStatus::success(),
        Some(first) => {
            let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
            let all: Vec<String> = errors.iter().map(|f| line_of(f)).collect();
            s.set_type("error")
                .set_message(printable(&first.message))
                .set_description(all.join("\n"));
            s
        }
    };
    let mut case = TestCase::new(printable(path), status);
    case.set_classname(printable(rule));
    if !warnings.is_empty() {
        let out: Vec<String> = warnings
            .iter()
            .map(|f| format!("warning: {}", line_of(f)))
            .collect();
        case.set_system_out(out.join("\n"));
    }
    case
}

/// An attribute value with its control characters written as escapes: XML readers turn
/// a newline in an attribute into a space, so it would be lost, not shown.
fn printable(text: &str) -> String {
    crate::report::text::printable(text)
}

/// Renders the JUnit XML report.
pub fn render(o: &Outcome) -> String {
    let mut suite = TestSuite::new("git-govern");
    suite.add_properties(
        [
            ("violations", o.violations()),
            ("warnings", o.warnings()),
            ("suppressed", o.suppressed.len()),
            ("waived", o.waived.len()),
            ("skipped_files", o.skipped.len()),
        ]
        .map(|(name, n)| Property::new(name, n.to_string())),
    );
    let mut suppressed: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    for x in &o.suppressed {
        suppressed
            .entry((x.path.shown().into_owned(), x.rule.clone()))
            .or_default()
            .push(format!(
                "suppressed: {}: {}",
                printable(&crate::finding::location(&x.path.shown(), x.line)),
                printable(&x.reason)
            ));
    }
    let mut all = cases(o);
    for pair in suppressed.keys() {
        all.entry(pair.clone()).or_default();
    }
    for ((path, rule), findings) in &all {
        let mut c = case(path, rule, findings);
        if let Some(lines) = suppressed.get(&(path.clone(), rule.clone())) {
            // Suppressed findings pass the case and stay visible beside its warnings.
            let mut out: Vec<String> = c
                .system_out
                .as_ref()
                .map(|o| vec![o.to_string()])
                .unwrap_or_default();
            out.extend(lines.iter().cloned());
            c.set_system_out(out.join("\n"));
        }
        suite.add_test_case(c);
    }
    for e in &o.errors {
        let mut status = TestCaseStatus::non_success(NonSuccessKind::Error);
        status
            .set_type("input")
            .set_message(printable(&e.message))
            .set_description(format!(
                "{}: {}",
                printable(&crate::finding::location(&e.path.shown(), e.line)),
                printable(&e.message)
            ));
        let mut case = TestCase::new(printable(&e.path.shown()), status);
        case.set_classname("git-govern.input");
        suite.add_test_case(case);
    }
    let mut report = Report::new("git-govern");
    report.add_test_suite(suite);
    report
        .to_string()
        .expect("a report of strings serializes to XML")
}
