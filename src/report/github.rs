//! GitHub Actions workflow commands: one `::error`/`::warning` annotation per finding.
//!
//! Values are escaped as the runner expects, so that no path or message can end the
//! command early or inject another one: in the message `%`, CR and LF are percent-encoded;
//! in properties (`file`, `line`, `title`) also `:` and `,`.

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

/// Renders the annotations and a closing `::notice` with the summary.
pub fn render(o: &Outcome) -> String {
    let mut s = String::new();
    for f in &o.findings {
        let level = match f.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let mut props = vec![format!("file={}", escape_property(&f.path.shown()))];
        if let Some(l) = f.line {
            props.push(format!("line={l}"));
        }
        if let Some(c) = f.column {
            props.push(format!("col={c}"));
        }
        props.push(format!("title={}", escape_property(&f.rule)));
        s.push_str(&format!(
            "::{level} {}::{}\n",
            props.join(","),
            escape_data(&format!("{} (help: {})", f.message, f.help))
        ));
    }
    for e in &o.errors {
        s.push_str(&format!(
            "::error file={}{},title=could not check::{}\n",
            escape_property(&e.path.shown()),
            e.line.map(|l| format!(",line={l}")).unwrap_or_default(),
            escape_data(&e.message)
        ));
    }
    s.push_str(&format!(
        "::notice title=git-govern::{}\n",
        escape_data(&format!(
            "{} checked: {}, {}, {} suppressed, {} waived, {} skipped",
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
