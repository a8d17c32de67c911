//! Text report: findings grouped by file, a help line under each (and a secret's
//! fingerprint, to allow-list it), a closing summary.

use owo_colors::OwoColorize;

use crate::engine::Outcome;
use crate::finding::Severity;
use crate::report::plural;

/// Renders the text report; `color` adds ANSI colours (the caller decides: a terminal,
/// no `NO_COLOR`, no `--color never`).
pub fn render(o: &Outcome, color: bool) -> String {
    let mut s = String::new();
    let paint = |text: String, f: fn(&str) -> String| if color { f(&text) } else { text };
    let mut current: Option<&crate::path::RepoPath> = None;
    for f in &o.findings {
        if current != Some(&f.path) {
            if current.is_some() {
                s.push('\n');
            }
            s.push_str(&paint(f.path.display().into_owned(), |t| {
                t.bold().underline().to_string()
            }));
            s.push('\n');
            current = Some(&f.path);
        }
        let loc = match (f.line, f.column) {
            (Some(l), Some(c)) => format!("{l}:{c}"),
            (Some(l), None) => l.to_string(),
            _ => "-".to_string(),
        };
        let sev = match f.severity {
            Severity::Error => paint("error  ".into(), |t| t.red().bold().to_string()),
            Severity::Warning => paint("warning".into(), |t| t.yellow().bold().to_string()),
        };
        s.push_str(&format!(
            "  {loc:>5}  {sev}  {}  {}\n",
            paint(f.rule.clone(), |t| t.cyan().to_string()),
            f.message
        ));
        s.push_str(&format!(
            "         {} {}\n",
            paint("help:".into(), |t| t.dimmed().to_string()),
            f.help
        ));
        if let Some(fp) = &f.fingerprint {
            s.push_str(&format!(
                "         {} {fp} (to allow-list: secrets.allow_fingerprints in .govern.yaml)\n",
                paint("fingerprint:".into(), |t| t.dimmed().to_string()),
            ));
        }
    }
    if !o.errors.is_empty() {
        if !o.findings.is_empty() {
            s.push('\n');
        }
        for e in &o.errors {
            s.push_str(&format!(
                "{}: {} {}\n",
                crate::finding::location(&e.path.display(), e.line),
                paint("could not check:".into(), |t| t.red().bold().to_string()),
                e.message
            ));
        }
    }
    if !o.findings.is_empty() || !o.errors.is_empty() {
        s.push('\n');
    }
    let summary = format!(
        "{} checked: {}, {}, {} suppressed, {} waived, {} skipped{}",
        crate::report::checked(o),
        plural(o.violations(), "violation"),
        plural(o.warnings(), "warning"),
        o.suppressed.len(),
        o.waived.len(),
        o.skipped.len(),
        if o.errors.is_empty() {
            String::new()
        } else {
            format!(", {} could not be checked", plural(o.errors.len(), "file"))
        }
    );
    let summary = if o.violations() > 0 || !o.errors.is_empty() {
        paint(summary, |t| t.red().bold().to_string())
    } else if o.warnings() > 0 {
        paint(summary, |t| t.yellow().to_string())
    } else {
        paint(summary, |t| t.green().to_string())
    };
    s.push_str(&summary);
    s.push('\n');
    s
}
