//! The per-repository record that the catalog, checkpoints and drift reports share:
//! metadata from `.meta/repo.yaml`, the compliance class, counts by rule and, for
//! checkpoints, file hashes.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::engine::Outcome;
use crate::kinds::metadata::PATH as METADATA_PATH;
use crate::source::RepoView;
use crate::Severity;

use super::discover::RepoKind;

/// A repository's compliance class.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Compliance {
    /// Metadata valid, no violations (warnings allowed), every file could be checked.
    Compliant,
    /// Metadata valid, but violations or files that could not be checked.
    NonCompliant,
    /// `.meta/repo.yaml` is absent.
    MissingMetadata,
    /// `.meta/repo.yaml` does not parse or fails `meta.schema`.
    InvalidMetadata,
}

impl Compliance {
    /// The JSON spelling: `compliant`, `non-compliant`, `missing-metadata`,
    /// `invalid-metadata`.
    pub fn as_str(self) -> &'static str {
        match self {
            Compliance::Compliant => "compliant",
            Compliance::NonCompliant => "non-compliant",
            Compliance::MissingMetadata => "missing-metadata",
            Compliance::InvalidMetadata => "invalid-metadata",
        }
    }

    /// Every class, in the order reports list them.
    pub const ALL: [Compliance; 4] = [
        Compliance::Compliant,
        Compliance::NonCompliant,
        Compliance::MissingMetadata,
        Compliance::InvalidMetadata,
    ];
}

/// The catalog fields of `.meta/repo.yaml`, each `None` when absent or not of the expected
/// type (so invalid metadata still shows what can be read).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Metadata {
    /// `name`.
    pub name: Option<String>,
    /// `type` (service, api, app, library, ...).
    #[serde(rename = "type")]
    pub repo_type: Option<String>,
    /// `language`.
    pub language: Option<String>,
    /// `tier` (1 = business critical ... 4 = experimental).
    pub tier: Option<i64>,
    /// `owner` (@org/team, @user or e-mail).
    pub owner: Option<String>,
    /// `lifecycle` (experimental ... archived).
    pub lifecycle: Option<String>,
    /// `backup` (seed 003: who reviews when the owner cannot).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backup: Option<String>,
    /// `approval_required` (seed 003: approvals a change needs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approval_required: Option<i64>,
}

/// What the metadata file of a repository holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MetadataFile {
    /// No `.meta/repo.yaml`.
    Missing,
    /// The file does not parse as a YAML mapping.
    Unreadable,
    /// The fields that could be read.
    Read(Metadata),
}

/// Reads `.meta/repo.yaml` from a repository view.
pub fn read_metadata(view: &dyn RepoView) -> MetadataFile {
    read_metadata_at(view, METADATA_PATH)
}

/// Reads the metadata file at `path` (the root's, or a component's) from a view.
pub fn read_metadata_at(view: &dyn RepoView, path: &str) -> MetadataFile {
    let Some(bytes) = view.read(path.as_bytes()) else {
        return MetadataFile::Missing;
    };
    let Ok(text) = String::from_utf8(bytes) else {
        return MetadataFile::Unreadable;
    };
    let Ok(docs) = crate::yaml::parse_stream(&text) else {
        return MetadataFile::Unreadable;
    };
    let Some(serde_json::Value::Object(m)) = docs.into_iter().next().map(|d| d.value) else {
        return MetadataFile::Unreadable;
    };
    let s = |k: &str| m.get(k).and_then(|v| v.as_str()).map(str::to_string);
    MetadataFile::Read(Metadata {
        name: s("name"),
        repo_type: s("type"),
        language: s("language"),
        tier: m.get("tier").and_then(|v| v.as_i64()),
        owner: s("owner"),
        lifecycle: s("lifecycle"),
        backup: s("backup"),
        approval_required: m.get("approval_required").and_then(|v| v.as_i64()),
    })
}

/// One repository as the portfolio files record it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RepoRecord {
    /// The organization's directory name.
    pub organization: String,
    /// The repository's directory name.
    pub name: String,
    /// `organizations/<org>/<repo>`, relative to the governance root.
    pub path: String,
    /// Git repository or plain folder.
    pub kind: RepoKind,
    /// Fields of `.meta/repo.yaml`.
    pub metadata: Metadata,
    /// The compliance class.
    pub compliance: Compliance,
    /// Findings of severity error, by rule id.
    pub violations: BTreeMap<String, usize>,
    /// Findings of severity warning, by rule id.
    pub warnings: BTreeMap<String, usize>,
    /// Files that could not be checked (unreadable, not parseable).
    pub errors: usize,
    /// blake3 (hex) over the sorted `path NUL blob-id LF` lines of [`RepoRecord::files`];
    /// `None` when file hashes were not computed.
    pub tree_hash: Option<String>,
    /// Repo-relative path → git blob id (hex: `git hash-object <file>` reproduces it) of
    /// every file of the work tree (tracked and untracked files that git does not ignore;
    /// files not ignored in a folder); empty when not computed.
    pub files: BTreeMap<String, String>,
    /// Why the repository or some of its files could not be checked, one
    /// `path[:line]: message` each (paths repo-relative; the message alone when the
    /// repository itself could not be read), sorted.
    #[serde(default)]
    pub input_errors: Vec<String>,
    /// The ADR files (repo-relative paths, sorted); `None` in checkpoints written before
    /// ADRs were recorded, which drift then does not compare.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub adrs: Option<Vec<String>>,
    /// The CODEOWNERS file; `None` in checkpoints written before it was recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub codeowners: Option<Codeowners>,
    /// The monorepo components (seed 003), by directory; empty for a repository judged as
    /// one whole (and in checkpoints written before components were recorded).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub components: Vec<ComponentRecord>,
    /// The waivers its `.govern.yaml` declares, in file order, expired ones included (the
    /// dashboard lists those expiring soon); `None` in checkpoints written before waivers
    /// were recorded, and when the configuration could not be read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waivers: Option<Vec<WaiverRecord>>,
}

/// A waiver of a repository's `.govern.yaml` as the portfolio files record it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WaiverRecord {
    /// The rule id or family wildcard it names.
    pub rule: String,
    /// Its path glob, repo-relative.
    pub path: String,
    /// Who answers for it.
    pub owner: String,
    /// Why the findings are accepted.
    pub reason: String,
    /// Its last day, `YYYY-MM-DD`.
    pub expires: String,
}

impl WaiverRecord {
    /// The record of a configured waiver.
    pub fn of(w: &crate::config::Waiver) -> WaiverRecord {
        WaiverRecord {
            rule: w.rule.clone(),
            path: w.path.clone(),
            owner: w.owner.clone(),
            reason: w.reason.clone(),
            expires: w.expires.to_string(),
        }
    }
}

/// One component of a monorepo as the portfolio files record it: its own metadata and
/// compliance, and the findings on its files (those of components nested in it aside).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComponentRecord {
    /// Its directory, repo-relative ('/'-separated).
    pub path: String,
    /// Fields of its `.meta/repo.yaml`.
    pub metadata: Metadata,
    /// Its compliance class, judged as a repository's from its own metadata and files.
    pub compliance: Compliance,
    /// Findings of severity error on its files, by rule id.
    pub violations: BTreeMap<String, usize>,
    /// Findings of severity warning on its files, by rule id.
    pub warnings: BTreeMap<String, usize>,
    /// Its files that could not be checked.
    pub errors: usize,
}

impl ComponentRecord {
    /// `<org>/<repo>/<component path>`, as catalogs and drift reports name it.
    pub fn key(&self, repo: &RepoRecord) -> String {
        format!("{}/{}", repo.key(), self.path)
    }
}

/// The component records of a repository: for each component, its metadata and the
/// findings and input errors on the files it owns (see [`crate::components`]).
pub fn components(
    view: &dyn RepoView,
    components: &crate::components::Components,
    outcome: &Outcome,
) -> Vec<ComponentRecord> {
    components
        .dirs()
        .iter()
        .map(|dir| {
            let mine =
                |p: &crate::path::RepoPath| components.of(p.as_bytes()) == Some(dir.as_str());
            let own = Outcome {
                findings: outcome
                    .findings
                    .iter()
                    .filter(|f| mine(&f.path))
                    .cloned()
                    .collect(),
                errors: outcome
                    .errors
                    .iter()
                    .filter(|e| mine(&e.path))
                    .cloned()
                    .collect(),
                ..Outcome::default()
            };
            let meta_path = format!("{dir}/{}", crate::components::MARKER);
            let meta = read_metadata_at(view, &meta_path);
            let (violations, warnings) = counts(&own);
            ComponentRecord {
                path: dir.clone(),
                compliance: compliance_at(&meta, &own, &meta_path),
                metadata: match meta {
                    MetadataFile::Read(m) => m,
                    _ => Metadata::default(),
                },
                violations,
                warnings,
                errors: own.errors.len(),
            }
        })
        .collect()
}

/// A monorepo's class when its root has no metadata of its own: the worst of its
/// components' classes (invalid metadata, then non-compliant), and non-compliant when the
/// files outside every component have violations or could not be checked.
pub fn roll_up(
    components: &[ComponentRecord],
    outcome: &Outcome,
    all: &crate::components::Components,
) -> Compliance {
    let outside = |p: &crate::path::RepoPath| all.of(p.as_bytes()).is_none();
    let root_trouble = outcome
        .findings
        .iter()
        .any(|f| f.severity == Severity::Error && outside(&f.path))
        || outcome.errors.iter().any(|e| outside(&e.path));
    let classes: Vec<Compliance> = components.iter().map(|c| c.compliance).collect();
    if classes.contains(&Compliance::InvalidMetadata) {
        Compliance::InvalidMetadata
    } else if root_trouble || classes.iter().any(|c| *c != Compliance::Compliant) {
        Compliance::NonCompliant
    } else {
        Compliance::Compliant
    }
}

/// A repository's CODEOWNERS file as a checkpoint records it, for drift to compare.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Codeowners {
    /// Where it is (one of [`crate::kinds::codeowners::LOCATIONS`]); `None` when the
    /// repository has none.
    pub path: Option<String>,
    /// Its rules in file order, one per line that says something: `pattern owner…`, or a
    /// GitLab section header with its default owners as written.
    pub rules: Vec<String>,
}

/// Reads the CODEOWNERS file of a repository view.
pub fn read_codeowners(view: &dyn RepoView) -> Codeowners {
    let Some(path) = crate::kinds::codeowners::find(view) else {
        return Codeowners::default();
    };
    let text = view
        .read(path.as_bytes())
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    let rules = crate::kinds::codeowners::parse(&text)
        .into_iter()
        .map(|e| match e.pattern {
            Some(p) => std::iter::once(p)
                .chain(e.owners.iter().copied())
                .collect::<Vec<_>>()
                .join(" "),
            // A section header: as written, spaces collapsed.
            None => lines[e.line as usize - 1]
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" "),
        })
        .collect();
    Codeowners {
        path: Some(path.to_string()),
        rules,
    }
}

/// The input errors of `records`, each `<org>/<repo>: path[:line]: message`, in record
/// order: what `catalog` and `checkpoint` report, and `check --portfolio` lists in its
/// report.
pub fn input_errors<'a>(records: impl IntoIterator<Item = &'a RepoRecord>) -> Vec<String> {
    records
        .into_iter()
        .flat_map(|r| {
            r.input_errors
                .iter()
                .map(move |e| format!("{}: {e}", r.key()))
        })
        .collect()
}

impl RepoRecord {
    /// `<org>/<repo>`.
    pub fn key(&self) -> String {
        format!("{}/{}", self.organization, self.name)
    }

    /// Total violations.
    pub fn violation_count(&self) -> usize {
        self.violations.values().sum()
    }

    /// Total warnings.
    pub fn warning_count(&self) -> usize {
        self.warnings.values().sum()
    }
}

/// The compliance class of a repository from its metadata file and its check outcome:
/// missing or unreadable metadata, or any `meta.schema` finding, decide first; then any
/// violation or file that could not be checked makes it non-compliant.
pub fn compliance(meta: &MetadataFile, outcome: &Outcome) -> Compliance {
    compliance_at(meta, outcome, METADATA_PATH)
}

/// [`compliance`] for the metadata file at `meta_path` (a component's).
fn compliance_at(meta: &MetadataFile, outcome: &Outcome, meta_path: &str) -> Compliance {
    match meta {
        MetadataFile::Missing => return Compliance::MissingMetadata,
        MetadataFile::Unreadable => return Compliance::InvalidMetadata,
        MetadataFile::Read(_) => {}
    }
    let meta_path = meta_path.as_bytes();
    if outcome
        .findings
        .iter()
        .any(|f| f.rule == "meta.schema" && f.path.as_bytes() == meta_path)
        || outcome
            .errors
            .iter()
            .any(|e| e.path.as_bytes() == meta_path)
    {
        return Compliance::InvalidMetadata;
    }
    if outcome.violations() > 0 || !outcome.errors.is_empty() {
        Compliance::NonCompliant
    } else {
        Compliance::Compliant
    }
}

/// Counts of `outcome`'s findings by rule id: (violations, warnings).
pub fn counts(outcome: &Outcome) -> (BTreeMap<String, usize>, BTreeMap<String, usize>) {
    let mut v = BTreeMap::new();
    let mut w = BTreeMap::new();
    for f in &outcome.findings {
        let m = match f.severity {
            Severity::Error => &mut v,
            Severity::Warning => &mut w,
        };
        *m.entry(f.rule.clone()).or_insert(0) += 1;
    }
    (v, w)
}

/// The tree hash of a file map (see [`RepoRecord::tree_hash`]).
pub fn tree_hash(files: &BTreeMap<String, String>) -> String {
    let mut h = blake3::Hasher::new();
    for (p, id) in files {
        h.update(p.as_bytes());
        h.update(&[0]);
        h.update(id.as_bytes());
        h.update(b"\n");
    }
    h.finalize().to_hex().to_string()
}
