//! Drift: two checkpoints compared, each change classed intentional (covered by an
//! acknowledgement in force) or unintentional, rendered as the seed's weekly Markdown report
//! ([`markdown`]), the same facts as JSON ([`json`]) and as GitHub Actions outputs with alert
//! thresholds (seed 001's monitoring table).
//!
//! [`changes`] finds what changed in each repository; this module classes the changes,
//! counts them and raises the alerts.

mod changes;
pub mod json;
pub mod markdown;

use std::collections::{BTreeMap, BTreeSet};

use jiff::civil::Date;
use serde::Serialize;

use super::ack::Ack;
use super::checkpoint::Checkpoint;
use super::record::Compliance;
use crate::kinds::metadata::PATH as METADATA_PATH;

pub use markdown::baseline_markdown;

/// How a file (or an ADR, or the CODEOWNERS file) changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FileHow {
    /// Not there before.
    Added,
    /// Other content.
    Modified,
    /// Gone.
    Removed,
    /// At another of the places it may live (CODEOWNERS).
    Moved,
}

impl FileHow {
    /// `added`, `modified`, `removed` or `moved`.
    pub fn as_str(self) -> &'static str {
        match self {
            FileHow::Added => "added",
            FileHow::Modified => "modified",
            FileHow::Removed => "removed",
            FileHow::Moved => "moved",
        }
    }
}

/// What changed in one repository between two checkpoints. Serialized with its name in
/// `kind` (`new`, `deleted`, `status`, `metadata`, `adr`, `codeowners`, `file`, ...).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum ChangeKind {
    /// Not in the previous checkpoint: one change for the whole repository, its findings
    /// in [`Change::new_violations`] and [`Change::new_warnings`].
    New {
        /// Its compliance class.
        compliance: Compliance,
        /// How many files it has.
        files: usize,
        /// How many inputs could not be checked.
        errors: usize,
    },
    /// Gone since the previous checkpoint: what it was.
    Deleted {
        /// Its last compliance class.
        compliance: Compliance,
        /// How many files it had.
        files: usize,
        /// Its violations.
        violations: usize,
        /// Its warnings.
        warnings: usize,
    },
    /// Its lifecycle became `archived`.
    Archived,
    /// Its compliance class changed; the rules in [`Change::new_violations`] and
    /// [`Change::resolved_violations`].
    Status {
        /// The previous class.
        from: Compliance,
        /// The class now.
        to: Compliance,
        /// Why, when the metadata file or unreadable files explain it (`.meta/repo.yaml
        /// removed`).
        reason: Option<String>,
    },
    /// More violations without a class change.
    NewViolations,
    /// Fewer violations without a class change (a fix).
    ResolvedViolations,
    /// More warnings.
    NewWarnings,
    /// Fewer warnings.
    ResolvedWarnings,
    /// A metadata field changed (`tier 2 → 1`), both checkpoints having a metadata file.
    Metadata {
        /// The field (`name`, `type`, `language`, `tier`, `owner`, `lifecycle`).
        field: &'static str,
        /// The previous value (`none` when absent).
        from: String,
        /// The value now.
        to: String,
    },
    /// An ADR added or removed.
    Adr {
        /// Repo-relative path.
        path: String,
        /// `added` or `removed`.
        how: FileHow,
    },
    /// The CODEOWNERS file appeared, went, moved or its rules changed.
    Codeowners {
        /// Where it is now (where it was, when removed).
        path: Option<String>,
        /// How the file itself changed, `None` when only its rules did.
        file: Option<FileHow>,
        /// Rules (`pattern owner…`) now present that were not.
        added: Vec<String>,
        /// Rules no longer present.
        removed: Vec<String>,
    },
    /// A monorepo component appeared (`from` null), went (`to` null) or changed class.
    Component {
        /// Its directory, repo-relative.
        path: String,
        /// Its class in the previous checkpoint.
        from: Option<Compliance>,
        /// Its class now.
        to: Option<Compliance>,
    },
    /// A file was added, modified or removed.
    File {
        /// Repo-relative path.
        path: String,
        /// `added`, `modified` or `removed`.
        how: FileHow,
    },
}

/// One change, with the rules it involves and its class.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// `<org>/<repo>`.
    pub repository: String,
    /// What changed.
    pub kind: ChangeKind,
    /// Rules whose violation count rose, with the increase (a new repository: all).
    pub new_violations: BTreeMap<String, usize>,
    /// Rules whose warning count rose, with the increase.
    pub new_warnings: BTreeMap<String, usize>,
    /// Rules whose violation count fell, with the decrease.
    pub resolved_violations: BTreeMap<String, usize>,
    /// Rules whose warning count fell, with the decrease.
    pub resolved_warnings: BTreeMap<String, usize>,
    /// The acknowledgement that covers it (index into [`Drift::acks`]), `None` when the
    /// change is unintentional. A change with several rules is intentional only when every
    /// rule is covered; the first covering entry is named.
    pub acknowledged_by: Option<usize>,
}

impl Change {
    /// A change of `kind` to the repository `repository`, involving no rule yet.
    fn new(repository: &str, kind: ChangeKind) -> Change {
        Change {
            repository: repository.to_string(),
            kind,
            new_violations: BTreeMap::new(),
            new_warnings: BTreeMap::new(),
            resolved_violations: BTreeMap::new(),
            resolved_warnings: BTreeMap::new(),
            acknowledged_by: None,
        }
    }

    /// Every rule the change involves.
    fn rules(&self) -> impl Iterator<Item = &String> {
        self.new_violations
            .keys()
            .chain(self.new_warnings.keys())
            .chain(self.resolved_violations.keys())
            .chain(self.resolved_warnings.keys())
    }

    /// The repo-relative file the change is about, when it is about one.
    fn path(&self) -> Option<&str> {
        match &self.kind {
            ChangeKind::File { path, .. }
            | ChangeKind::Adr { path, .. }
            | ChangeKind::Component { path, .. } => Some(path),
            ChangeKind::Codeowners { path, .. } => path.as_deref(),
            ChangeKind::Metadata { .. } => Some(METADATA_PATH),
            ChangeKind::Status {
                reason: Some(r), ..
            } if r.starts_with(METADATA_PATH) => Some(METADATA_PATH),
            _ => None,
        }
    }

    /// Whether the change is listed in the file table rather than among the repository
    /// changes.
    pub fn is_file(&self) -> bool {
        matches!(self.kind, ChangeKind::File { .. })
    }
}

/// Alert thresholds (seed 001, "Key Metrics"): an alert is raised when a count exceeds its
/// threshold. Only unintentional changes count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
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

/// Counts over a set of changes (all of them, or the unintentional ones).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
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
    /// Decrease in violations (fixes).
    pub resolved_violations: usize,
    /// Decrease in warnings.
    pub resolved_warnings: usize,
    /// Metadata fields changed.
    pub metadata_changes: usize,
    /// ADRs added or removed.
    pub adr_changes: usize,
    /// Repositories whose CODEOWNERS changed.
    pub codeowners_changes: usize,
    /// Files added, modified or removed (in repositories present in both checkpoints).
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
    /// Every change, by repository, then repository-level changes before files.
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

/// The acknowledgement in `acks` that covers `c`: one naming its repository and covering
/// its file (a file, ADR, CODEOWNERS or metadata change), else the whole repository, else
/// every rule it involves.
fn acknowledgement(c: &Change, acks: &[Ack]) -> Option<usize> {
    let mine: Vec<(usize, &Ack)> = acks
        .iter()
        .enumerate()
        .filter(|(_, a)| a.names_repo(&c.repository))
        .collect();
    let first = |pred: &dyn Fn(&Ack) -> bool| mine.iter().find(|(_, a)| pred(a)).map(|(i, _)| *i);
    if let Some(path) = c.path() {
        if let Some(i) = first(&|a| a.covers_path(path)) {
            return Some(i);
        }
        if c.is_file() {
            return None;
        }
    }
    if let Some(i) = first(&|a| a.covers_whole()) {
        return Some(i);
    }
    let mut named = None;
    for r in c.rules() {
        let i = first(&|a| a.covers_rule(r))?;
        named.get_or_insert(i);
    }
    named
}

fn count(changes: &[&Change]) -> Counts {
    let mut k = Counts::default();
    let mut file_repos = BTreeSet::new();
    let sum = |m: &BTreeMap<String, usize>| m.values().sum::<usize>();
    for c in changes {
        match &c.kind {
            ChangeKind::New { .. } => k.new_repos += 1,
            ChangeKind::Deleted { .. } | ChangeKind::Archived => k.removed_repos += 1,
            ChangeKind::Status { from, to, .. } => {
                k.status_changes += 1;
                if *from == Compliance::Compliant && *to != Compliance::Compliant {
                    k.compliance_degraded += 1;
                }
            }
            ChangeKind::Metadata { .. } => k.metadata_changes += 1,
            ChangeKind::Adr { .. } => k.adr_changes += 1,
            ChangeKind::Codeowners { .. } => k.codeowners_changes += 1,
            ChangeKind::File { .. } => {
                k.files_changed += 1;
                file_repos.insert(&c.repository);
            }
            _ => {}
        }
        k.new_violations += sum(&c.new_violations);
        k.new_warnings += sum(&c.new_warnings);
        k.resolved_violations += sum(&c.resolved_violations);
        k.resolved_warnings += sum(&c.resolved_warnings);
    }
    k.repos_with_file_changes = file_repos.len();
    k
}

/// The alerts that the unintentional counts `u` raise under `t`.
fn alerts(u: &Counts, t: &Thresholds) -> Vec<String> {
    use crate::words::plural;
    let mut out = Vec::new();
    if u.new_violations > t.new_violations {
        out.push(format!(
            "{} (threshold: more than {})",
            plural(u.new_violations, "new violation"),
            t.new_violations
        ));
    }
    if u.new_warnings > t.new_warnings {
        out.push(format!(
            "{} (threshold: more than {})",
            plural(u.new_warnings, "new warning"),
            t.new_warnings
        ));
    }
    if u.compliance_degraded > t.compliance_degraded {
        out.push(format!(
            "{} lost compliance (threshold: more than {})",
            plural(u.compliance_degraded, "repository"),
            t.compliance_degraded
        ));
    }
    out
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
        changes.extend(changes::of_repository(k, ra, rb));
    }
    for c in &mut changes {
        c.acknowledged_by = acknowledgement(c, &acks);
    }
    let all = count(&changes.iter().collect::<Vec<_>>());
    let unintentional = count(
        &changes
            .iter()
            .filter(|c| c.acknowledged_by.is_none())
            .collect::<Vec<_>>(),
    );
    Drift {
        from: (a.date.clone(), a.generated.clone()),
        to: (b.date.clone(), b.generated.clone()),
        alerts: alerts(&unintentional, &thresholds),
        changes,
        acks,
        expired,
        all,
        unintentional,
        thresholds,
    }
}

impl Drift {
    /// Whether any change is unintentional.
    pub fn has_drift(&self) -> bool {
        self.changes.iter().any(|c| c.acknowledged_by.is_none())
    }

    /// The number of intentional (acknowledged) changes.
    pub fn intentional(&self) -> usize {
        self.changes
            .iter()
            .filter(|c| c.acknowledged_by.is_some())
            .count()
    }

    /// The `key=value` lines for `GITHUB_OUTPUT` (see [`github_outputs`]).
    pub fn github_outputs(&self) -> String {
        github_outputs(
            self.has_drift(),
            &self.unintentional,
            !self.alerts.is_empty(),
        )
    }
}

/// The `GITHUB_OUTPUT` lines: `has_drift`, `compliance_degraded`, `new_violations`,
/// `new_warnings`, `new_repos`, `alert` (the seed workflow's outputs, in that order), then
/// `removed_repos`, `status_changes`, `resolved_violations`, `resolved_warnings`,
/// `metadata_changes`, `adr_changes`, `codeowners_changes` and `files_changed`; every count
/// is over the unintentional changes `u`. `github_outputs(false, &Counts::default(),
/// false)` when there was nothing to compare (a baseline).
pub fn github_outputs(has_drift: bool, u: &Counts, alert: bool) -> String {
    format!(
        "has_drift={has_drift}\ncompliance_degraded={}\nnew_violations={}\nnew_warnings={}\nnew_repos={}\nalert={alert}\n\
         removed_repos={}\nstatus_changes={}\nresolved_violations={}\nresolved_warnings={}\nmetadata_changes={}\nadr_changes={}\ncodeowners_changes={}\nfiles_changed={}\n",
        u.compliance_degraded,
        u.new_violations,
        u.new_warnings,
        u.new_repos,
        u.removed_repos,
        u.status_changes,
        u.resolved_violations,
        u.resolved_warnings,
        u.metadata_changes,
        u.adr_changes,
        u.codeowners_changes,
        u.files_changed
    )
}
