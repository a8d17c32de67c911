//! Text report: findings grouped by file, a help line under each (and a secret's
//! fingerprint, to allow-list it), a closing summary.

use owo_colors::OwoColorize;

use crate::engine::Outcome;
use crate::finding::Severity;
use crate::report::plural;

/// `text` safe to print on a terminal or in a CI log: control characters (newline, CR,
/// ESC, …) written as escapes (`\n`, `\u{1b}`), and a leading `::`, which GitHub Actions
/// would read as a workflow command (`::add-mask::`), written `\::`.
pub fn printable(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    if text.starts_with("::") {
        out.push('\\');
    }
    for c in text.chars() {
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

/// The findings, grouped by file with a blank line between files. A portfolio's report
/// holds hundreds of thousands: they are rendered in parallel, in pieces that start at a
/// new file, and joined (the join is the blank line).
fn findings(all: &[crate::finding::Finding], color: bool) -> String {
    use rayon::prelude::*;
    let piece = (all.len() / (4 * rayon::current_num_threads().max(1))).max(4096);
    let mut bounds = vec![0];
    let mut i = piece;
    while i < all.len() {
        while i < all.len() && all[i].path == all[i - 1].path {
            i += 1;
        }
        if i < all.len() {
            bounds.push(i);
        }
        i += piece;
    }
    bounds.push(all.len());
    let pieces: Vec<String> = bounds
        .windows(2)
        .collect::<Vec<_>>()
        .par_iter()
        .map(|w| findings_of_files(&all[w[0]..w[1]], color))
        .collect();
    pieces.join("\n")
}

/// [`findings`] of whole files, one after another.
fn findings_of_files(all: &[crate::finding::Finding], color: bool) -> String {
    use std::fmt::Write;
    let mut s = String::with_capacity(all.len() * 160);
    let paint = |text: String, f: fn(&str) -> String| if color { f(&text) } else { text };
    let mut current: Option<&crate::path::RepoPath> = None;
    for f in all {
        if current != Some(&f.path) {
            if current.is_some() {
                s.push('\n');
            }
            s.push_str(&paint(printable(&f.path.shown()), |t| {
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
        let _ = writeln!(
            s,
            "  {loc:>5}  {sev}  {}  {}",
            paint(printable(&f.rule), |t| t.cyan().to_string()),
            printable(&f.message)
        );
        let _ = writeln!(
            s,
            "         {} {}",
            paint("help:".into(), |t| t.dimmed().to_string()),
            printable(&f.help)
        );
        if let Some(fp) = &f.fingerprint {
            let _ = writeln!(
                s,
                "         {} {fp} (to allow-list: secrets.allow_fingerprints in .govern.yaml)",
                paint("fingerprint:".into(), |t| t.dimmed().to_string()),
            );
        }
    }
    s
}

/// Renders the text report; `color` adds ANSI colours (the caller decides: a terminal,
/// no `NO_COLOR`, no `--color never`).
pub fn render(o: &Outcome, color: bool) -> String {
    let paint = |text: String, f: fn(&str) -> String| if color { f(&text) } else { text };
    let mut s = findings(&o.findings, color);
    if !o.errors.is_empty() {
        if !o.findings.is_empty() {
            s.push('\n');
        }
        for e in &o.errors {
            s.push_str(&format!(
                "{}: {} {}\n",
                printable(&crate::finding::location(&e.path.shown(), e.line)),
                paint("could not check:".into(), |t| t.red().bold().to_string()),
                printable(&e.message)
            ));
        }
    }
    if !o.findings.is_empty() || !o.errors.is_empty() {
        s.push('\n');
    }
    s.push_str(&suppressed(o, &paint));
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
    if let Some(hint) = proceed_hint(o) {
        s.push_str(&paint(hint, |t| t.dimmed().to_string()));
    }
    s
}

/// The most suppressed findings the text report lists; JSON and SARIF list them all.
const SUPPRESSED_SHOWN: usize = 20;

/// The suppressed findings (inline comments, policy exceptions), one line each with the
/// reason, so that what is silenced stays visible; empty when there are none.
fn suppressed(o: &Outcome, paint: &dyn Fn(String, fn(&str) -> String) -> String) -> String {
    if o.suppressed.is_empty() {
        return String::new();
    }
    let mut s = paint(format!("suppressed ({}):", o.suppressed.len()), |t| {
        t.dimmed().to_string()
    });
    s.push('\n');
    for x in o.suppressed.iter().take(SUPPRESSED_SHOWN) {
        s.push_str(&format!(
            "  {}  {}  {}\n",
            printable(&crate::finding::location(&x.path.shown(), x.line)),
            paint(printable(&x.rule), |t| t.cyan().to_string()),
            printable(if x.reason.is_empty() {
                "(no reason given)"
            } else {
                &x.reason
            })
        ));
    }
    if o.suppressed.len() > SUPPRESSED_SHOWN {
        s.push_str(&format!(
            "  … and {} more (`--format json` lists them all)\n",
            o.suppressed.len() - SUPPRESSED_SHOWN
        ));
    }
    s.push('\n');
    s
}

/// How to get past repository-level errors, which block every commit whatever it changes
/// (a README fix included): shown when there are some.
fn proceed_hint(o: &Outcome) -> Option<String> {
    let blocking = o
        .findings
        .iter()
        .any(|f| f.severity == Severity::Error && crate::rules::is_repository_level(&f.rule));
    blocking.then(|| {
        "Repository-level findings block every commit until they are fixed. To proceed: \
         `git govern init` writes the missing files; `git govern baseline --owner @team \
         --expires YYYY-MM-DD` accepts today's findings as waivers; a waiver in .govern.yaml \
         accepts one; `git commit --no-verify` skips the hooks in an emergency.\n"
            .to_string()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::{Finding, Line};
    use crate::path::RepoPath;

    /// Files of 1 to 7 findings each, more than one piece's worth.
    fn many(n: usize) -> Vec<Finding> {
        (0..n)
            .map(|i| Finding {
                rule: format!("rule.{}", i % 3),
                severity: if i % 5 == 0 {
                    Severity::Warning
                } else {
                    Severity::Error
                },
                path: RepoPath::from_bytes(format!("dir/{:06}.yaml", i / (1 + i % 7)).as_bytes()),
                line: Line::new((i % 40) as u32 + 1),
                column: None,
                message: format!("message {i}"),
                help: "help".into(),
                fingerprint: (i % 11 == 0).then(|| format!("fp{i}")),
            })
            .collect()
    }

    /// Rendering in pieces gives exactly what one pass over every file gives: a blank line
    /// between files, none doubled or lost where the pieces meet.
    #[test]
    fn pieces_join_like_one_pass() {
        for n in [0, 1, 4095, 4096, 4097, 30_011] {
            let all = many(n);
            for color in [false, true] {
                assert_eq!(findings(&all, color), findings_of_files(&all, color), "{n}");
            }
        }
        let all = many(30_011);
        let text = findings(&all, false);
        let files = all.windows(2).filter(|w| w[0].path != w[1].path).count() + 1;
        assert_eq!(text.matches("\n\n").count(), files - 1);
    }
}
