//! Drift: two checkpoints compared, each change classed intentional (covered by an
//! acknowledgement in force) or unintentional, rendered as the seed's weekly Markdown report
//! and as GitHub Actions outputs with alert thresholds (seed 001's monitoring table).

use std::collections::{BTreeMap, BTreeSet};

use jiff::civil::Date;

use super::ack::Ack;
use super::checkpoint::Checkpoint;
use super::record::{Compliance, RepoRecord};

/// What changed in one repository between two checkpoints.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChangeKind {
    /// Not in the previous checkpoint.
    New,
    /// Gone since the previous checkpoint.
    Deleted,
    /// Its lifecycle became `archived`.
    Archived,
    /// Its compliance class changed; the rules whose violations increased.
    Status {
        /// The previous class.
        from: Compliance,
        /// The class now.
        to: Compliance,
    },
    /// More violations without a class change; the rules are in [`Change::rules`].
    NewViolations,
    /// More warnings; the rules are in [`Change::warnings`].
    NewWarnings,
    /// Fewer violations without a class change (a fix); the rules and the decrease are in
    /// [`Change::resolved`].
    Resolved,
    /// A metadata field changed (`tier 2 → 1`), both checkpoints having a metadata file.
    Metadata {
        /// The field (`type`, `language`, `tier`, `owner`, `lifecycle`).
        field: &'static str,
        /// The previous value (`none` when absent).
        from: String,
        /// The value now.
        to: String,
    },
    /// A file was added, modified or removed.
    File {
        /// Repo-relative path.
        path: String,
        /// `added`, `modified` or `removed`.
        how: &'static str,
    },
}

/// One change, with its class.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// `<org>/<repo>`.
    pub repository: String,
    /// What changed.
    pub kind: ChangeKind,
    /// Rules whose violation count rose, with the increase, sorted.
    pub rules: BTreeMap<String, usize>,
    /// Rules whose warning count rose (for [`ChangeKind::NewWarnings`]), with the increase.
    pub warnings: BTreeMap<String, usize>,
    /// Rules whose violation count fell, with the decrease (status changes and
    /// [`ChangeKind::Resolved`]).
    pub resolved: BTreeMap<String, usize>,
    /// The acknowledgement that covers it (index into [`Drift::acks`]), `None` when the
    /// change is unintentional. A change with several rules is intentional only when every
    /// rule is covered; the first covering entry is named.
    pub acknowledged_by: Option<usize>,
}

impl Change {
    /// The change's line in the report (without the acknowledgement).
    pub fn describe(&self) -> String {
        let list = |m: &BTreeMap<String, usize>| {
            if m.is_empty() {
                String::new()
            } else {
                format!(" ({})", m.keys().cloned().collect::<Vec<_>>().join(", "))
            }
        };
        let rules = list(&self.rules);
        match &self.kind {
            ChangeKind::New if self.rules.is_empty() => {
                format!("organizations/{} (NEW)", self.repository)
            }
            ChangeKind::New => format!(
                "organizations/{} (NEW): {}{rules}",
                self.repository,
                crate::words::plural(self.rules.values().sum(), "violation")
            ),
            ChangeKind::Deleted => format!("organizations/{} (DELETED)", self.repository),
            ChangeKind::Archived => format!("organizations/{} (ARCHIVED)", self.repository),
            ChangeKind::Status { from, to } => {
                let why = match (self.rules.is_empty(), self.resolved.is_empty()) {
                    (false, _) => rules,
                    (true, false) => format!(
                        " (resolved: {})",
                        self.resolved.keys().cloned().collect::<Vec<_>>().join(", ")
                    ),
                    (true, true) => String::new(),
                };
                format!(
                    "{}: {} → {}{why}",
                    self.repository,
                    from.as_str(),
                    to.as_str()
                )
            }
            ChangeKind::Resolved => format!(
                "{}: {} resolved{}",
                self.repository,
                crate::words::plural(self.resolved.values().sum(), "violation"),
                list(&self.resolved)
            ),
            ChangeKind::NewViolations => {
                let n: usize = self.rules.values().sum();
                format!(
                    "{}: {}{rules}",
                    self.repository,
                    crate::words::plural(n, "new violation")
                )
            }
            ChangeKind::NewWarnings => {
                let n: usize = self.warnings.values().sum();
                format!(
                    "{}: {}{}",
                    self.repository,
                    crate::words::plural(n, "new warning"),
                    list(&self.warnings)
                )
            }
            ChangeKind::Metadata { field, from, to } => {
                format!("{}: {field} {from} → {to}", self.repository)
            }
            ChangeKind::File { path, how } => format!("{}: {path} {how}", self.repository),
        }
    }
}

/// Alert thresholds (seed 001, "Key Metrics"): an alert is raised when a count exceeds its
/// threshold. Only unintentional changes count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Thresholds {
    /// New violations allowed before alerting (seed: alert on more than 10).
    pub new_violations: usize,
    /// New warnings allowed before alerting (seed: alert on more than 50).
    pub new_warnings: usize,
    /// Repositories losing compliance allowed before alerting (seed: any, so 0).
    pub compliance_degraded: usize,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            new_violations: 10,
            new_warnings: 50,
            compliance_degraded: 0,
        }
    }
}

/// Counts over the unintentional changes (and all of them, for the summary).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Counts {
    /// New repositories.
    pub new_repos: usize,
    /// Deleted or archived repositories.
    pub removed_repos: usize,
    /// Repositories whose compliance class changed.
    pub status_changes: usize,
    /// Repositories that were compliant and are not any more.
    pub compliance_degraded: usize,
    /// Increase in violations, summed over rules and repositories (a new repository's
    /// violations count).
    pub new_violations: usize,
    /// Increase in warnings, likewise.
    pub new_warnings: usize,
    /// Files added, modified or removed.
    pub files_changed: usize,
    /// Repositories with at least one file change.
    pub repos_with_file_changes: usize,
}

/// Two checkpoints compared.
#[derive(Debug, Clone)]
pub struct Drift {
    /// The previous checkpoint's date and generated time.
    pub from: (String, String),
    /// The current checkpoint's date and generated time.
    pub to: (String, String),
    /// Every change, by repository then kind.
    pub changes: Vec<Change>,
    /// The acknowledgements in force that were considered.
    pub acks: Vec<Ack>,
    /// Acknowledgements past their expiry date (they covered nothing).
    pub expired: Vec<Ack>,
    /// Counts over all changes.
    pub all: Counts,
    /// Counts over unintentional changes only.
    pub unintentional: Counts,
    /// The thresholds applied.
    pub thresholds: Thresholds,
    /// The alerts raised, one sentence each.
    pub alerts: Vec<String>,
}

fn increases(a: &BTreeMap<String, usize>, b: &BTreeMap<String, usize>) -> BTreeMap<String, usize> {
    b.iter()
        .filter_map(|(r, n)| {
            let before = a.get(r).copied().unwrap_or(0);
            (*n > before).then(|| (r.clone(), n - before))
        })
        .collect()
}

fn opt<T: ToString>(v: &Option<T>) -> String {
    v.as_ref().map_or_else(|| "none".into(), |v| v.to_string())
}

/// A change of `kind` to the repository `key`, with the violations of `rules`.
fn change(key: &str, kind: ChangeKind, rules: BTreeMap<String, usize>) -> Change {
    Change {
        repository: key.to_string(),
        kind,
        rules,
        warnings: BTreeMap::new(),
        resolved: BTreeMap::new(),
        acknowledged_by: None,
    }
}

/// A file of the repository `key` that was added, removed or modified (`how`).
fn file_change(key: &str, path: &str, how: &'static str) -> Change {
    let kind = ChangeKind::File {
        path: path.to_string(),
        how,
    };
    change(key, kind, BTreeMap::new())
}

fn repo_changes(key: &str, a: Option<&RepoRecord>, b: Option<&RepoRecord>) -> Vec<Change> {
    match (a, b) {
        (None, None) => Vec::new(),
        (None, Some(b)) => {
            let mut first = change(
                key,
                ChangeKind::New,
                increases(&BTreeMap::new(), &b.violations),
            );
            first.warnings = b.warnings.clone();
            let mut out = vec![first];
            out.extend(b.files.keys().map(|p| file_change(key, p, "added")));
            out
        }
        (Some(_), None) => vec![change(key, ChangeKind::Deleted, BTreeMap::new())],
        (Some(a), Some(b)) => {
            let mut out = compliance_changes(key, a, b);
            out.extend(metadata_changes(key, a, b));
            let paths: BTreeSet<&String> = a.files.keys().chain(b.files.keys()).collect();
            for p in paths {
                let how = match (a.files.get(p), b.files.get(p)) {
                    (None, Some(_)) => "added",
                    (Some(_), None) => "removed",
                    (Some(x), Some(y)) if x != y => "modified",
                    _ => continue,
                };
                out.push(file_change(key, p, how));
            }
            out
        }
    }
}

/// Archiving, the status change (or new and resolved violations) and new warnings of a
/// repository present in both checkpoints.
fn compliance_changes(key: &str, a: &RepoRecord, b: &RepoRecord) -> Vec<Change> {
    let mut out = Vec::new();
    let rules = increases(&a.violations, &b.violations);
    if b.metadata.lifecycle.as_deref() == Some("archived")
        && a.metadata.lifecycle.as_deref() != Some("archived")
    {
        out.push(change(key, ChangeKind::Archived, BTreeMap::new()));
    }
    let resolved = increases(&b.violations, &a.violations);
    if a.compliance != b.compliance {
        let status = ChangeKind::Status {
            from: a.compliance,
            to: b.compliance,
        };
        let mut c = change(key, status, rules);
        c.resolved = resolved;
        out.push(c);
    } else {
        if !rules.is_empty() {
            out.push(change(key, ChangeKind::NewViolations, rules));
        }
        if !resolved.is_empty() {
            let mut c = change(key, ChangeKind::Resolved, BTreeMap::new());
            c.resolved = resolved;
            out.push(c);
        }
    }
    let warnings = increases(&a.warnings, &b.warnings);
    if !warnings.is_empty() {
        let mut c = change(key, ChangeKind::NewWarnings, BTreeMap::new());
        c.warnings = warnings;
        out.push(c);
    }
    out
}

/// The metadata fields that changed. Metadata that appears or disappears is the status
/// change; fields are compared only when both sides have a metadata file.
fn metadata_changes(key: &str, a: &RepoRecord, b: &RepoRecord) -> Vec<Change> {
    let both =
        a.compliance != Compliance::MissingMetadata && b.compliance != Compliance::MissingMetadata;
    if !both {
        return Vec::new();
    }
    let (ma, mb) = (&a.metadata, &b.metadata);
    let fields: [(&'static str, String, String); 5] = [
        ("type", opt(&ma.repo_type), opt(&mb.repo_type)),
        ("language", opt(&ma.language), opt(&mb.language)),
        ("tier", opt(&ma.tier), opt(&mb.tier)),
        ("owner", opt(&ma.owner), opt(&mb.owner)),
        ("lifecycle", opt(&ma.lifecycle), opt(&mb.lifecycle)),
    ];
    fields
        .into_iter()
        .filter(|(_, from, to)| from != to)
        .map(|(field, from, to)| {
            change(
                key,
                ChangeKind::Metadata { field, from, to },
                BTreeMap::new(),
            )
        })
        .collect()
}

fn acknowledgement(c: &Change, acks: &[Ack]) -> Option<usize> {
    let mine: Vec<(usize, &Ack)> = acks
        .iter()
        .enumerate()
        .filter(|(_, a)| a.names_repo(&c.repository))
        .collect();
    let first = |pred: &dyn Fn(&Ack) -> bool| mine.iter().find(|(_, a)| pred(a)).map(|(i, _)| *i);
    if let ChangeKind::File { path, .. } = &c.kind {
        return first(&|a| a.covers_path(path));
    }
    if let Some(i) = first(&|a| a.covers_whole()) {
        return Some(i);
    }
    if c.rules.is_empty() && c.warnings.is_empty() && c.resolved.is_empty() {
        return None;
    }
    let mut named = None;
    for r in c
        .rules
        .keys()
        .chain(c.warnings.keys())
        .chain(c.resolved.keys())
    {
        let i = first(&|a| a.covers_rule(r))?;
        named.get_or_insert(i);
    }
    named
}

fn count(changes: &[&Change]) -> Counts {
    let mut k = Counts::default();
    let mut file_repos = BTreeSet::new();
    for c in changes {
        match &c.kind {
            ChangeKind::New => k.new_repos += 1,
            ChangeKind::Deleted | ChangeKind::Archived => k.removed_repos += 1,
            ChangeKind::Status { from, to } => {
                k.status_changes += 1;
                if *from == Compliance::Compliant && *to != Compliance::Compliant {
                    k.compliance_degraded += 1;
                }
            }
            ChangeKind::File { .. } => {
                k.files_changed += 1;
                file_repos.insert(&c.repository);
            }
            _ => {}
        }
        k.new_violations += c.rules.values().sum::<usize>();
        k.new_warnings += c.warnings.values().sum::<usize>();
    }
    k.repos_with_file_changes = file_repos.len();
    k
}

/// Compares checkpoint `a` (previous) with `b` (current) under the acknowledgements
/// `acks` as of `today`, and applies `thresholds`.
pub fn compare(
    a: &Checkpoint,
    b: &Checkpoint,
    acks: Vec<Ack>,
    today: Date,
    thresholds: Thresholds,
) -> Drift {
    let (acks, expired): (Vec<Ack>, Vec<Ack>) = acks.into_iter().partition(|x| x.in_force(today));
    let keys: BTreeSet<&String> = a.repositories.keys().chain(b.repositories.keys()).collect();
    let mut changes = Vec::new();
    for k in keys {
        let ra = a.repositories.get(k).map(|e| &e.record);
        let rb = b.repositories.get(k).map(|e| &e.record);
        changes.extend(repo_changes(k, ra, rb));
    }
    for c in &mut changes {
        c.acknowledged_by = acknowledgement(c, &acks);
    }
    let all_refs: Vec<&Change> = changes.iter().collect();
    let un_refs: Vec<&Change> = changes
        .iter()
        .filter(|c| c.acknowledged_by.is_none())
        .collect();
    let all = count(&all_refs);
    let unintentional = count(&un_refs);
    let mut alerts = Vec::new();
    if unintentional.new_violations > thresholds.new_violations {
        alerts.push(format!(
            "{} (threshold: more than {})",
            crate::words::plural(unintentional.new_violations, "new violation"),
            thresholds.new_violations
        ));
    }
    if unintentional.new_warnings > thresholds.new_warnings {
        alerts.push(format!(
            "{} (threshold: more than {})",
            crate::words::plural(unintentional.new_warnings, "new warning"),
            thresholds.new_warnings
        ));
    }
    if unintentional.compliance_degraded > thresholds.compliance_degraded {
        alerts.push(format!(
            "{} lost compliance (threshold: more than {})",
            crate::words::plural(unintentional.compliance_degraded, "repository"),
            thresholds.compliance_degraded
        ));
    }
    Drift {
        from: (a.date.clone(), a.generated.clone()),
        to: (b.date.clone(), b.generated.clone()),
        changes,
        acks,
        expired,
        all,
        unintentional,
        thresholds,
        alerts,
    }
}

impl Drift {
    /// Whether any change is unintentional.
    pub fn has_drift(&self) -> bool {
        self.changes.iter().any(|c| c.acknowledged_by.is_none())
    }

    /// The `key=value` lines for `GITHUB_OUTPUT`: `has_drift`, `compliance_degraded`,
    /// `new_violations`, `new_warnings`, `new_repos` (counts of unintentional changes),
    /// `alert` (`true` when a threshold is crossed).
    pub fn github_outputs(&self) -> String {
        github_outputs(
            self.has_drift(),
            &self.unintentional,
            !self.alerts.is_empty(),
        )
    }

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
        use crate::words::plural;
        let a = &self.all;
        let n_int = self
            .changes
            .iter()
            .filter(|c| c.acknowledged_by.is_some())
            .count();
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
            plural(a.new_violations, "new policy violation"),
            plural(a.new_warnings, "new warning"),
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
        let repo_level = |c: &&Change| !matches!(c.kind, ChangeKind::File { .. });
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
        let int: Vec<(&Change, &Ack)> = self
            .changes
            .iter()
            .filter(repo_level)
            .filter_map(|c| Some((c, &self.acks[c.acknowledged_by?])))
            .collect();
        if int.is_empty() {
            s.push_str("None.\n");
        }
        for (c, a) in int {
            s.push_str(&format!(
                "- {}: {} (approved by {}, until {})\n",
                c.describe(),
                a.reason,
                a.approved_by,
                a.expires
            ));
        }
    }

    /// The file-level drift table.
    fn files_markdown(&self, s: &mut String) {
        s.push_str("\n## File-level drift\n\n");
        let files: Vec<(&Change, &str, &str)> = self
            .changes
            .iter()
            .filter_map(|c| match &c.kind {
                ChangeKind::File { path, how } => Some((c, path.as_str(), *how)),
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
                Some(i) => format!("intentional: {}", self.acks[i].reason),
                None => "unintentional".into(),
            };
            s.push_str(&format!(
                "| {} | {} | {how} | {} |\n",
                c.repository,
                path.replace('|', "\\|"),
                class.replace('|', "\\|")
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
            let rule = a.rule.as_ref().map(|r| format!(" rule {r}"));
            let path = a.path.as_ref().map(|p| format!(" path {p}"));
            s.push_str(&format!(
                "- line {}: {}{}{} — expired {} ({})\n",
                a.line,
                a.repository,
                rule.unwrap_or_default(),
                path.unwrap_or_default(),
                a.expires,
                a.approved_by
            ));
        }
    }
}

/// The `GITHUB_OUTPUT` lines for the given facts; `github_outputs(false,
/// &Counts::default(), false)` when there was nothing to compare (a baseline).
pub fn github_outputs(has_drift: bool, u: &Counts, alert: bool) -> String {
    format!(
        "has_drift={has_drift}\ncompliance_degraded={}\nnew_violations={}\nnew_warnings={}\nnew_repos={}\nalert={alert}\n",
        u.compliance_degraded, u.new_violations, u.new_warnings, u.new_repos
    )
}

/// The report written when there is no previous checkpoint to compare with.
pub fn baseline_markdown(cp: &Checkpoint) -> String {
    format!(
        "# Weekly Drift Report — Week of {}\n\nNo previous checkpoint: this checkpoint ({}) is the baseline: \
         {}, {} compliant, {}, {}.\n",
        cp.date,
        cp.generated,
        crate::words::plural(cp.summary.total_repos, "repository"),
        cp.summary.compliant,
        crate::words::plural(cp.summary.total_violations, "violation"),
        crate::words::plural(cp.summary.total_warnings, "warning")
    )
}
