//! The weekly drift report in Markdown (seed 000's example, extended): summary counts and
//! alerts, unintentional then intentional repository changes, file-level drift, expired
//! acknowledgements. Every change is one line that says what changed.

use std::collections::BTreeMap;

use super::{Change, ChangeKind, Drift};
use crate::portfolio::checkpoint::Checkpoint;
use crate::words::plural;

/// ` (rule, rule)`, or nothing for no rules.
fn rule_list(m: &BTreeMap<String, usize>) -> String {
    if m.is_empty() {
        String::new()
    } else {
        format!(" ({})", m.keys().cloned().collect::<Vec<_>>().join(", "))
    }
}

/// `3 new violations (a, b)`, or nothing for none.
fn counted(m: &BTreeMap<String, usize>, what: &str) -> Option<String> {
    let n: usize = m.values().sum();
    (n > 0).then(|| format!("{}{}", plural(n, what), rule_list(m)))
}

/// `` `a`, `b` ``.
fn quoted(items: &[String]) -> String {
    items
        .iter()
        .map(|s| format!("`{s}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

impl Change {
    /// The change's line in the report (without the acknowledgement), starting with the
    /// repository as `<org>/<repo>`; a new, deleted or archived repository is marked as in
    /// the seed's report (`tools/linter (NEW): …`).
    pub fn describe(&self) -> String {
        let mark = match self.kind {
            ChangeKind::New { .. } => " (NEW)",
            ChangeKind::Deleted { .. } => " (DELETED)",
            ChangeKind::Archived => " (ARCHIVED)",
            _ => "",
        };
        format!("{}{mark}: {}", esc(&self.repository), self.what())
    }

    /// What changed, without the repository.
    fn what(&self) -> String {
        match &self.kind {
            ChangeKind::New {
                compliance,
                files,
                errors,
            } => {
                let mut parts = vec![compliance.as_str().to_string(), plural(*files, "file")];
                parts.push(
                    counted(&self.new_violations, "violation").unwrap_or("0 violations".into()),
                );
                parts.extend(counted(&self.new_warnings, "warning"));
                if *errors > 0 {
                    parts.push(format!("{} not checked", plural(*errors, "input")));
                }
                parts.join(", ")
            }
            ChangeKind::Deleted {
                compliance,
                files,
                violations,
                warnings,
            } => format!(
                "was {}, {}, {}, {}",
                compliance.as_str(),
                plural(*files, "file"),
                plural(*violations, "violation"),
                plural(*warnings, "warning")
            ),
            ChangeKind::Archived => "lifecycle is now archived".into(),
            ChangeKind::Status { from, to, reason } => {
                let mut why: Vec<String> = reason.iter().cloned().collect();
                why.extend(counted(&self.new_violations, "new violation"));
                if let Some(r) = counted(&self.resolved_violations, "violation") {
                    why.push(format!("resolved {r}"));
                }
                let why = if why.is_empty() {
                    String::new()
                } else {
                    format!(": {}", why.join("; "))
                };
                format!("{} → {}{why}", from.as_str(), to.as_str())
            }
            ChangeKind::NewViolations => {
                counted(&self.new_violations, "new violation").unwrap_or_default()
            }
            ChangeKind::ResolvedViolations => format!(
                "{} resolved",
                counted(&self.resolved_violations, "violation").unwrap_or_default()
            ),
            ChangeKind::NewWarnings => {
                counted(&self.new_warnings, "new warning").unwrap_or_default()
            }
            ChangeKind::ResolvedWarnings => format!(
                "{} resolved",
                counted(&self.resolved_warnings, "warning").unwrap_or_default()
            ),
            ChangeKind::Metadata { field, from, to } => {
                format!("{field} {} → {}", esc(from), esc(to))
            }
            ChangeKind::Adr { path, how } => format!("ADR {} {}", how.as_str(), esc(path)),
            ChangeKind::Codeowners {
                path,
                file,
                added,
                removed,
            } => codeowners(path.as_deref(), file.map(|f| f.as_str()), added, removed),
            ChangeKind::File { path, how } => format!("{} {}", esc(path), how.as_str()),
            ChangeKind::Component { path, from, to } => match (from, to) {
                (None, Some(to)) => format!("component {} added ({})", esc(path), to.as_str()),
                (Some(from), None) => {
                    format!("component {} removed (was {})", esc(path), from.as_str())
                }
                (Some(from), Some(to)) => format!(
                    "component {}: {} → {}",
                    esc(path),
                    from.as_str(),
                    to.as_str()
                ),
                (None, None) => format!("component {}", esc(path)),
            },
        }
    }
}

/// `CODEOWNERS .github/CODEOWNERS added`, or `CODEOWNERS (.github/CODEOWNERS): rules added:
/// `…`; rules removed: `…``.
fn codeowners(
    path: Option<&str>,
    file: Option<&str>,
    added: &[String],
    removed: &[String],
) -> String {
    let path = esc(path.unwrap_or("file"));
    let head = match file {
        Some(how) => format!("CODEOWNERS {path} {how}"),
        None => format!("CODEOWNERS ({path})"),
    };
    let mut rules = Vec::new();
    if !added.is_empty() {
        rules.push(format!("rules added: {}", quoted(added)));
    }
    if !removed.is_empty() {
        rules.push(format!("rules removed: {}", quoted(removed)));
    }
    if rules.is_empty() {
        head
    } else {
        format!("{head}: {}", rules.join("; "))
    }
}

impl Drift {
    /// The weekly drift report (Markdown, in the seed's shape): summary counts, alerts,
    /// unintentional then intentional changes, file-level drift by repository, expired
    /// acknowledgements.
    pub fn to_markdown(&self) -> String {
        let mut s = format!(
            "# Weekly Drift Report — Week of {}\n\nCompared the checkpoint of {} ({}) with the checkpoint of {} ({}).\n\n## Summary\n",
            self.to.0, self.from.0, self.from.1, self.to.0, self.to.1
        );
        self.summary_markdown(&mut s);
        self.changes_markdown(&mut s);
        self.files_markdown(&mut s);
        self.expired_markdown(&mut s);
        s
    }

    fn summary_markdown(&self, s: &mut String) {
        let a = &self.all;
        let n_int = self.intentional();
        let n_un = self.changes.len() - n_int;
        let lines = [
            format!("{} added", plural(a.new_repos, "new repository")),
            format!(
                "{} deleted or archived",
                plural(a.removed_repos, "repository")
            ),
            format!(
                "{} with status changes ({} lost compliance)",
                plural(a.status_changes, "repository"),
                a.compliance_degraded
            ),
            format!(
                "{}, {} resolved",
                plural(a.new_violations, "new policy violation"),
                a.resolved_violations
            ),
            format!(
                "{}, {} resolved",
                plural(a.new_warnings, "new warning"),
                a.resolved_warnings
            ),
            format!(
                "{}, {}, {}",
                plural(a.metadata_changes, "metadata change"),
                plural(a.adr_changes, "ADR change"),
                plural(a.codeowners_changes, "CODEOWNERS change")
            ),
            format!(
                "{} changed in {}",
                plural(a.files_changed, "file"),
                plural(a.repos_with_file_changes, "repository")
            ),
            format!(
                "{}: {n_un} unintentional, {n_int} intentional (acknowledged)",
                plural(self.changes.len(), "change")
            ),
        ];
        for l in lines {
            s.push_str(&format!("- {l}\n"));
        }
        if self.alerts.is_empty() {
            s.push_str("- No alert threshold crossed\n");
        }
        for al in &self.alerts {
            s.push_str(&format!("- **Alert:** {al}\n"));
        }
    }

    /// The repository-level changes, unacknowledged then acknowledged.
    fn changes_markdown(&self, s: &mut String) {
        let repo_level = |c: &&Change| !c.is_file();
        s.push_str("\n## Unintentional changes\n\n");
        let un: Vec<&Change> = self
            .changes
            .iter()
            .filter(repo_level)
            .filter(|c| c.acknowledged_by.is_none())
            .collect();
        if un.is_empty() {
            s.push_str("None.\n");
        }
        for c in un {
            s.push_str(&format!("- {}\n", c.describe()));
        }
        s.push_str("\n## Intentional changes (acknowledged)\n\n");
        let int: Vec<(&Change, usize)> = self
            .changes
            .iter()
            .filter(repo_level)
            .filter_map(|c| Some((c, c.acknowledged_by?)))
            .collect();
        if int.is_empty() {
            s.push_str("None.\n");
        }
        for (c, i) in int {
            let a = &self.acks[i];
            s.push_str(&format!(
                "- {}: {} (approved by {}, until {})\n",
                c.describe(),
                esc(&a.reason),
                esc(&a.approved_by),
                a.expires
            ));
        }
    }

    /// The file-level drift table (repositories present in both checkpoints).
    fn files_markdown(&self, s: &mut String) {
        s.push_str("\n## File-level drift\n\n");
        let files: Vec<(&Change, &str, &str)> = self
            .changes
            .iter()
            .filter_map(|c| match &c.kind {
                ChangeKind::File { path, how } => Some((c, path.as_str(), how.as_str())),
                _ => None,
            })
            .collect();
        if files.is_empty() {
            s.push_str("No file changed.\n");
            return;
        }
        s.push_str("| repository | file | change | class |\n|---|---|---|---|\n");
        for (c, path, how) in files {
            let class = match c.acknowledged_by {
                Some(i) => format!("intentional: {}", esc(&self.acks[i].reason)),
                None => "unintentional".into(),
            };
            s.push_str(&format!(
                "| {} | {} | {how} | {} |\n",
                esc(&c.repository),
                esc(path),
                class
            ));
        }
    }

    /// The acknowledgements that expired and were not applied.
    fn expired_markdown(&self, s: &mut String) {
        if self.expired.is_empty() {
            return;
        }
        s.push_str("\n## Expired acknowledgements (not applied)\n\n");
        for a in &self.expired {
            let rule = a.rule.as_ref().map(|r| format!(" rule {}", esc(r)));
            let path = a.path.as_ref().map(|p| format!(" path {}", esc(p)));
            s.push_str(&format!(
                "- line {}: {}{}{} — expired {} ({})\n",
                a.line,
                esc(&a.repository),
                rule.unwrap_or_default(),
                path.unwrap_or_default(),
                a.expires,
                esc(&a.approved_by)
            ));
        }
    }
}

/// The report written when there is no previous checkpoint to compare with.
pub fn baseline_markdown(cp: &Checkpoint) -> String {
    format!(
        "# Weekly Drift Report — Week of {}\n\nNo previous checkpoint: this checkpoint ({}) is the baseline: \
         {}, {} compliant, {}, {}.\n",
        cp.date,
        cp.generated,
        plural(cp.summary.total_repos, "repository"),
        cp.summary.compliant,
        plural(cp.summary.total_violations, "violation"),
        plural(cp.summary.total_warnings, "warning")
    )
}

/// A name or value from a repository, escaped for Markdown (see
/// [`crate::report::markdown::cell`]): a `|`, backtick, `<` or newline in an organization,
/// repository or file name cannot break the page.
fn esc(text: &str) -> String {
    crate::report::markdown::cell(text)
}
