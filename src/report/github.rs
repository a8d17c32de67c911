//! GitHub Actions workflow commands: an `::error`/`::warning` annotation per finding, at
//! most ten per level (GitHub drops the rest), the most important first.
//!
//! Values are escaped as the runner expects, so that no path or message can end the
//! command early or inject another one: in the message `%`, CR and LF are percent-encoded;
//! in properties (`file`, `line`, `title`) also `:` and `,`.

use std::collections::{BTreeMap, BTreeSet};

use crate::engine::Outcome;
use crate::finding::Severity;
use crate::report::plural;

/// Escapes the message part of a workflow command.
pub fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a property value of a workflow command.
pub fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// The most annotations of one level GitHub shows for a step; the rest it drops unseen.
pub const PER_LEVEL: usize = 10;

/// One annotation: its level, its place in the order of importance, and the command.
struct Annotation {
    level: &'static str,
    rank: (u8, bool),
    command: String,
}

/// The workflow command of finding `f`.
fn finding_command(f: &crate::finding::Finding, level: &str) -> String {
    let mut props = vec![format!("file={}", escape_property(&f.path.shown()))];
    if let Some(l) = f.line {
        props.push(format!("line={l}"));
    }
    if let Some(c) = f.column {
        props.push(format!("col={c}"));
    }
    props.push(format!("title={}", escape_property(&f.rule)));
    format!(
        "::{level} {}::{}\n",
        props.join(","),
        escape_data(&format!("{} (help: {})", f.message, f.help))
    )
}

/// Every annotation of `o`, most important first: files that could not be checked, then
/// errors, then warnings; within each, findings on `changed` paths (a pull request's
/// files) first, then report order.
fn annotations(o: &Outcome, changed: &BTreeSet<String>) -> Vec<Annotation> {
    let mut all: Vec<Annotation> = o
        .errors
        .iter()
        .map(|e| Annotation {
            level: "error",
            rank: (0, !changed.contains(e.path.display().as_ref())),
            command: format!(
                "::error file={}{},title=could not check::{}\n",
                escape_property(&e.path.shown()),
                e.line.map(|l| format!(",line={l}")).unwrap_or_default(),
                escape_data(&e.message)
            ),
        })
        .collect();
    all.extend(o.findings.iter().map(|f| {
        let (level, rank) = match f.severity {
            Severity::Error => ("error", 1),
            Severity::Warning => ("warning", 2),
        };
        Annotation {
            level,
            rank: (rank, !changed.contains(f.path.display().as_ref())),
            command: finding_command(f, level),
        }
    }));
    all.sort_by_key(|a| a.rank);
    all
}

/// Renders at most [`PER_LEVEL`] error and warning annotations, the most important first
/// (see [`annotations`]), and a closing `::notice` with the summary that counts those left
/// out.
pub fn render(o: &Outcome, changed: &BTreeSet<String>) -> String {
    let mut s = String::new();
    let mut shown: BTreeMap<&str, usize> = BTreeMap::new();
    let mut left_out = 0;
    for a in annotations(o, changed) {
        let n = shown.entry(a.level).or_default();
        if *n < PER_LEVEL {
            *n += 1;
            s.push_str(&a.command);
        } else {
            left_out += 1;
        }
    }
    let more = if left_out > 0 {
        format!(
            "; {} not annotated (GitHub shows {PER_LEVEL} per level): see the job summary or the SARIF report",
            plural(left_out, "more finding")
        )
    } else {
        String::new()
    };
    s.push_str(&format!(
        "::notice title=git-govern::{}\n",
        escape_data(&format!(
            "{} checked: {}, {}, {} suppressed, {} waived, {} skipped{more}",
            crate::report::checked(o),
            plural(o.violations(), "violation"),
            plural(o.warnings(), "warning"),
            o.suppressed.len(),
            o.waived.len(),
            o.skipped.len()
        ))
    ));
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_injection() {
        assert_eq!(escape_property("a,b::c%\nd"), "a%2Cb%3A%3Ac%25%0Ad");
        assert_eq!(escape_data("x\n::error::y"), "x%0A::error::y");
    }
}
