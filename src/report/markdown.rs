//! Markdown report: a summary line and a findings table, fit for a pull-request comment.

use crate::engine::Outcome;
use crate::report::plural;

/// Escapes a table cell: `|`, backticks and other Markdown punctuation that would change the
/// table or start formatting are backslash-escaped; newlines become spaces.
pub fn cell(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '|' | '`' | '*' | '_' | '<' | '>' | '[' | ']' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// The most bytes of table rows in one report: a pull-request comment holds 65,536
/// characters and a job summary 1 MiB, so rows past this are counted, not written.
pub const ROWS_LIMIT: usize = 60_000;

/// Appends `rows` to `s` while the report stays under [`ROWS_LIMIT`], then a line that
/// counts the rows left out (`noun` names one).
fn bounded_rows(s: &mut String, rows: impl ExactSizeIterator<Item = String>, noun: &str) {
    let total = rows.len();
    let mut written = 0;
    for row in rows {
        if s.len() + row.len() > ROWS_LIMIT {
            break;
        }
        s.push_str(&row);
        written += 1;
    }
    if written < total {
        s.push_str(&format!(
            "\n…and {} more; the JSON and SARIF reports list them all.\n",
            plural(total - written, noun)
        ));
    }
}

/// Renders the Markdown report.
pub fn render(o: &Outcome) -> String {
    let mut s = String::from("## git-govern\n\n");
    let status = if o.violations() > 0 || !o.errors.is_empty() {
        "❌"
    } else if o.warnings() > 0 {
        "⚠️"
    } else {
        "✅"
    };
    s.push_str(&format!(
        "{status} {} checked: **{}**, **{}**, {} suppressed, {} waived, {} skipped\n",
        crate::report::checked(o),
        plural(o.violations(), "violation"),
        plural(o.warnings(), "warning"),
        o.suppressed.len(),
        o.waived.len(),
        o.skipped.len()
    ));
    if !o.findings.is_empty() {
        s.push_str("\n| Severity | File | Line | Rule | Finding | How to fix |\n|---|---|---:|---|---|---|\n");
        let rows = o.findings.iter().map(|f| {
            format!(
                "| {} | {} | {} | {} | {} | {} |\n",
                f.severity.as_str(),
                cell(&f.path.shown()),
                f.line.map(|l| l.to_string()).unwrap_or_default(),
                cell(&f.rule),
                cell(&f.message),
                cell(&match &f.fingerprint {
                    Some(fp) => format!("{} Fingerprint: `{fp}`.", f.help),
                    None => f.help.clone(),
                })
            )
        });
        bounded_rows(&mut s, rows, "finding");
    }
    if !o.waived.is_empty() {
        s.push_str("\n**Waived**\n\n| File | Line | Rule | Reason | Owner | Expires |\n|---|---:|---|---|---|---|\n");
        let rows = o.waived.iter().map(|w| {
            format!(
                "| {} | {} | {} | {} | {} | {} |\n",
                cell(&w.path.shown()),
                w.line.map(|l| l.to_string()).unwrap_or_default(),
                cell(&w.rule),
                cell(&w.reason),
                cell(&w.owner),
                w.expires
            )
        });
        bounded_rows(&mut s, rows, "waived finding");
    }
    if !o.suppressed.is_empty() {
        s.push_str("\n**Suppressed**\n\n| File | Line | Rule | Reason |\n|---|---:|---|---|\n");
        let rows = o.suppressed.iter().map(|x| {
            format!(
                "| {} | {} | {} | {} |\n",
                cell(&x.path.shown()),
                x.line.map(|l| l.to_string()).unwrap_or_default(),
                cell(&x.rule),
                cell(&x.reason)
            )
        });
        bounded_rows(&mut s, rows, "suppressed finding");
    }
    if !o.errors.is_empty() {
        s.push_str("\n**Could not be checked**\n\n| File | Line | Problem |\n|---|---:|---|\n");
        let rows = o.errors.iter().map(|e| {
            format!(
                "| {} | {} | {} |\n",
                cell(&e.path.shown()),
                e.line.map(|l| l.to_string()).unwrap_or_default(),
                cell(&e.message)
            )
        });
        bounded_rows(&mut s, rows, "file");
    }
    s
}
