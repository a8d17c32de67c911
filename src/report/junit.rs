//! JUnit XML report, for the test tabs of CI systems.
//!
//! One test case per (rule, file) pair that was checked, named `<path>` in class `<rule>`:
//! it fails (`<failure type="error">`) when the pair has findings of severity error, one
//! line per finding; warnings are written to the case's `<system-out>` and do not fail it.
//! Files that could not be checked are test cases with an `<error>`. Commit-message and
//! branch checks use the short commit id or the branch name as the file. Sorted by path,
//! then rule; no timestamps or durations.

use std::collections::BTreeMap;

use crate::engine::Outcome;
use crate::finding::{Finding, Severity};

/// Escapes text for XML content and attribute values; characters XML 1.0 forbids (control
/// characters other than tab, newline and carriage return) become U+FFFD.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

fn line_of(f: &Finding) -> String {
    match f.line {
        Some(l) => format!("{}:{l}: {}\nhelp: {}", f.path, f.message, f.help),
        None => format!("{}: {}\nhelp: {}", f.path, f.message, f.help),
    }
}

/// Renders the JUnit XML report.
pub fn render(o: &Outcome) -> String {
    // (path, rule) → findings of that pair.
    let mut cases: BTreeMap<(String, String), Vec<&Finding>> = BTreeMap::new();
    let failing: std::collections::BTreeSet<&str> =
        o.findings.iter().map(|f| f.rule.as_str()).collect();
    for (path, set) in &o.evaluated {
        for rule in set.rules() {
            // A repository rule ran at "."; when it found something, its findings (which
            // name the paths concerned) stand for it.
            if path.as_bytes() == b"." && failing.contains(rule.id) {
                continue;
            }
            cases
                .entry((path.display().into_owned(), rule.id.to_string()))
                .or_default();
        }
    }
    for f in &o.findings {
        cases
            .entry((f.path.display().into_owned(), f.rule.clone()))
            .or_default()
            .push(f);
    }
    let failures = cases
        .values()
        .filter(|fs| fs.iter().any(|f| f.severity == Severity::Error))
        .count();
    let tests = cases.len() + o.errors.len();
    let mut body = String::new();
    for ((path, rule), fs) in &cases {
        body.push_str(&format!(
            "    <testcase classname=\"{}\" name=\"{}\"",
            escape(rule),
            escape(path)
        ));
        let errors: Vec<&&Finding> = fs
            .iter()
            .filter(|f| f.severity == Severity::Error)
            .collect();
        let warnings: Vec<&&Finding> = fs
            .iter()
            .filter(|f| f.severity == Severity::Warning)
            .collect();
        if errors.is_empty() && warnings.is_empty() {
            body.push_str("/>\n");
            continue;
        }
        body.push_str(">\n");
        if !errors.is_empty() {
            body.push_str(&format!(
                "      <failure type=\"error\" message=\"{}\">{}</failure>\n",
                escape(&errors[0].message),
                escape(
                    &errors
                        .iter()
                        .map(|f| line_of(f))
                        .collect::<Vec<_>>()
                        .join("\n")
                )
            ));
        }
        if !warnings.is_empty() {
            body.push_str(&format!(
                "      <system-out>{}</system-out>\n",
                escape(
                    &warnings
                        .iter()
                        .map(|f| format!("warning: {}", line_of(f)))
                        .collect::<Vec<_>>()
                        .join("\n")
                )
            ));
        }
        body.push_str("    </testcase>\n");
    }
    for e in &o.errors {
        body.push_str(&format!(
            "    <testcase classname=\"git-govern.input\" name=\"{}\">\n      <error type=\"input\" message=\"{}\">{}: {}</error>\n    </testcase>\n",
            escape(&e.path.display()),
            escape(&e.message),
            escape(&crate::finding::location(&e.path.display(), e.line)),
            escape(&e.message)
        ));
    }
    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    xml.push_str(&format!(
        "<testsuites name=\"git-govern\" tests=\"{tests}\" failures=\"{failures}\" errors=\"{}\">\n",
        o.errors.len()
    ));
    xml.push_str(&format!(
        "  <testsuite name=\"git-govern\" tests=\"{tests}\" failures=\"{failures}\" errors=\"{}\" skipped=\"0\">\n",
        o.errors.len()
    ));
    xml.push_str("    <properties>\n");
    for (name, value) in [
        ("violations", o.violations()),
        ("warnings", o.warnings()),
        ("suppressed", o.suppressed.len()),
        ("waived", o.waived.len()),
        ("skipped_files", o.skipped.len()),
    ] {
        xml.push_str(&format!(
            "      <property name=\"{name}\" value=\"{value}\"/>\n"
        ));
    }
    xml.push_str("    </properties>\n");
    xml.push_str(&body);
    xml.push_str("  </testsuite>\n</testsuites>\n");
    xml
}
