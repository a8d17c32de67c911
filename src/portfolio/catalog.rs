//! Catalog: the portfolio inventory (`.metaHub/catalog/catalog.json`, seed 000 layer 2),
//! its summary, the changes since the previous catalog, and a Markdown rendering.
//!
//! Shape (`schemas/catalog.schema.json`): `{"version": "1.0", "generated": RFC 3339 UTC,
//! "organizations": [{"name", "repos": [{name, path, kind, type, language, tier, owner,
//! lifecycle, compliance, violations, warnings, errors}]}], "summary": {...},
//! "changes": {"new": [...], "deleted": [...], "status_changes": [...]}}`, organizations
//! and repositories sorted by name. `generated` is the only field that depends on the
//! clock, and it honours `SOURCE_DATE_EPOCH`.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::record::{Compliance, RepoRecord};

/// The catalog format version (`version`), as the seed's catalog.py wrote it.
pub const VERSION: &str = "1.0";

/// The default catalog file, relative to the governance root.
pub const DEFAULT_PATH: &str = ".metaHub/catalog/catalog.json";

/// The default Markdown catalog file, relative to the governance root.
pub const DEFAULT_MARKDOWN_PATH: &str = ".metaHub/catalog/catalog.md";

/// A portfolio inventory.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Catalog {
    /// [`VERSION`].
    pub version: String,
    /// When the inventory was taken: RFC 3339, UTC, whole seconds.
    pub generated: String,
    /// Organizations sorted by name.
    pub organizations: Vec<Organization>,
    /// Totals.
    pub summary: Summary,
    /// Changes since the previous catalog.
    pub changes: Changes,
}

/// One organization of the catalog.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Organization {
    /// Directory name under `organizations/`.
    pub name: String,
    /// Its repositories sorted by name.
    pub repos: Vec<CatalogRepo>,
}

/// One repository of the catalog.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CatalogRepo {
    /// Directory name.
    pub name: String,
    /// `organizations/<org>/<repo>`, relative to the governance root.
    pub path: String,
    /// `git` or `folder`.
    pub kind: String,
    /// Metadata `type`, `null` when unknown.
    #[serde(rename = "type")]
    pub repo_type: Option<String>,
    /// Metadata `language`.
    pub language: Option<String>,
    /// Metadata `tier`.
    pub tier: Option<i64>,
    /// Metadata `owner`.
    pub owner: Option<String>,
    /// Metadata `lifecycle`.
    pub lifecycle: Option<String>,
    /// The compliance class.
    pub compliance: Compliance,
    /// Findings of severity error.
    pub violations: usize,
    /// Findings of severity warning.
    pub warnings: usize,
    /// Files that could not be checked.
    pub errors: usize,
    /// Why the repository or some of its files could not be checked: `path[:line]:
    /// message` each, sorted (the same list as the checkpoint's and `check --portfolio`'s).
    #[serde(default)]
    pub input_errors: Vec<String>,
    /// The monorepo components (seed 003), each judged with its own metadata; absent for
    /// a repository judged as one whole. The repository's fields are its roll-up.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub components: Vec<CatalogComponent>,
}

/// One component of a monorepo in the catalog.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogComponent {
    /// Its directory, relative to the repository.
    pub path: String,
    /// Metadata `name`.
    pub name: Option<String>,
    /// Metadata `type`.
    #[serde(rename = "type")]
    pub component_type: Option<String>,
    /// Metadata `tier`.
    pub tier: Option<i64>,
    /// Metadata `owner`.
    pub owner: Option<String>,
    /// Metadata `backup`.
    pub backup: Option<String>,
    /// Metadata `approval_required`.
    pub approval_required: Option<i64>,
    /// Metadata `lifecycle`.
    pub lifecycle: Option<String>,
    /// Its compliance class.
    pub compliance: Compliance,
    /// Findings of severity error on its files.
    pub violations: usize,
    /// Findings of severity warning on its files.
    pub warnings: usize,
}

/// Portfolio totals. Keys of the `by_*` maps are the values found (`unknown` where the
/// metadata does not say), sorted. Catalogs and checkpoints carry the same summary; a field
/// missing from an older file reads as empty.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Summary {
    /// Repositories in the catalog.
    pub total_repos: usize,
    /// Repositories with a `.meta/repo.yaml` (valid or not).
    pub with_metadata: usize,
    /// Repositories classed compliant.
    pub compliant: usize,
    /// `compliant / total_repos × 100`, rounded to one decimal (0 for an empty catalog).
    pub compliance_percentage: f64,
    /// Repositories by metadata tier.
    pub by_tier: BTreeMap<String, usize>,
    /// Repositories by metadata type.
    pub by_type: BTreeMap<String, usize>,
    /// Repositories by metadata language.
    pub by_language: BTreeMap<String, usize>,
    /// Repositories by compliance class (all four classes, zeros included).
    pub by_compliance: BTreeMap<String, usize>,
    /// Repositories by organization.
    pub by_organization: BTreeMap<String, usize>,
    /// Findings of severity error in the whole portfolio.
    pub total_violations: usize,
    /// Findings of severity warning in the whole portfolio.
    pub total_warnings: usize,
}

/// Differences from the previous catalog, repositories named `<org>/<repo>`, sorted. All
/// empty when there was no previous catalog (the first catalog is the baseline).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Changes {
    /// Repositories that were not in the previous catalog.
    pub new: Vec<String>,
    /// Repositories of the previous catalog that are gone.
    pub deleted: Vec<String>,
    /// Repositories whose compliance class changed.
    pub status_changes: Vec<StatusChange>,
}

/// A compliance class change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusChange {
    /// `<org>/<repo>`.
    pub repository: String,
    /// The previous class, as written in the previous catalog.
    pub from: String,
    /// The class now.
    pub to: Compliance,
}

/// `x` rounded to one decimal, as `compliance_percentage` is.
pub(crate) fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// The `<org>/<repo>` → compliance pairs of a previous catalog. Read leniently from JSON
/// (any catalog with `organizations[].name` and `organizations[].repos[].name`, such as the
/// seed's catalog.py output), so an older file still gives changes.
pub fn previous_statuses(previous: &Value) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for org in previous["organizations"].as_array().into_iter().flatten() {
        let Some(o) = org["name"].as_str() else {
            continue;
        };
        for repo in org["repos"].as_array().into_iter().flatten() {
            if let Some(r) = repo["name"].as_str() {
                let c = repo["compliance"].as_str().unwrap_or("unknown");
                out.insert(format!("{o}/{r}"), c.to_string());
            }
        }
    }
    out
}

/// Builds the catalog of `records` (any order) taken at `generated`, with the changes
/// since `previous` (the `<org>/<repo>` → compliance pairs of the previous catalog, `None`
/// when there was none).
pub fn build(
    records: &[RepoRecord],
    generated: String,
    previous: Option<&BTreeMap<String, String>>,
) -> Catalog {
    let mut orgs: BTreeMap<&str, Vec<CatalogRepo>> = BTreeMap::new();
    for r in records {
        orgs.entry(&r.organization).or_default().push(entry(r));
    }
    let organizations: Vec<Organization> = orgs
        .into_iter()
        .map(|(name, mut repos)| {
            repos.sort_by(|a, b| a.name.cmp(&b.name));
            Organization {
                name: name.to_string(),
                repos,
            }
        })
        .collect();
    Catalog {
        version: VERSION.to_string(),
        generated,
        organizations,
        summary: summary(records),
        changes: previous.map(|p| changes(records, p)).unwrap_or_default(),
    }
}

/// A repository's catalog entry.
fn entry(r: &RepoRecord) -> CatalogRepo {
    let m = &r.metadata;
    CatalogRepo {
        name: r.name.clone(),
        path: r.path.clone(),
        kind: match r.kind {
            super::discover::RepoKind::Git => "git".into(),
            super::discover::RepoKind::Folder => "folder".into(),
        },
        repo_type: m.repo_type.clone(),
        language: m.language.clone(),
        tier: m.tier,
        owner: m.owner.clone(),
        lifecycle: m.lifecycle.clone(),
        compliance: r.compliance,
        violations: r.violation_count(),
        warnings: r.warning_count(),
        errors: r.errors,
        input_errors: r.input_errors.clone(),
        components: r
            .components
            .iter()
            .map(|c| CatalogComponent {
                path: c.path.clone(),
                name: c.metadata.name.clone(),
                component_type: c.metadata.repo_type.clone(),
                tier: c.metadata.tier,
                owner: c.metadata.owner.clone(),
                backup: c.metadata.backup.clone(),
                approval_required: c.metadata.approval_required,
                lifecycle: c.metadata.lifecycle.clone(),
                compliance: c.compliance,
                violations: c.violations.values().sum(),
                warnings: c.warnings.values().sum(),
            })
            .collect(),
    }
}

/// Totals and breakdowns over `records`.
pub fn summary(records: &[RepoRecord]) -> Summary {
    let mut s = Summary {
        total_repos: records.len(),
        with_metadata: 0,
        compliant: 0,
        compliance_percentage: 0.0,
        by_tier: BTreeMap::new(),
        by_type: BTreeMap::new(),
        by_language: BTreeMap::new(),
        by_compliance: Compliance::ALL
            .iter()
            .map(|c| (c.as_str().to_string(), 0))
            .collect(),
        by_organization: BTreeMap::new(),
        total_violations: 0,
        total_warnings: 0,
    };
    let unknown = || "unknown".to_string();
    for r in records {
        let m = &r.metadata;
        s.with_metadata += usize::from(r.compliance != Compliance::MissingMetadata);
        s.compliant += usize::from(r.compliance == Compliance::Compliant);
        *s.by_tier
            .entry(m.tier.map_or_else(unknown, |t| t.to_string()))
            .or_default() += 1;
        *s.by_type
            .entry(m.repo_type.clone().unwrap_or_else(unknown))
            .or_default() += 1;
        *s.by_language
            .entry(m.language.clone().unwrap_or_else(unknown))
            .or_default() += 1;
        *s.by_compliance
            .entry(r.compliance.as_str().to_string())
            .or_default() += 1;
        *s.by_organization.entry(r.organization.clone()).or_default() += 1;
        s.total_violations += r.violation_count();
        s.total_warnings += r.warning_count();
    }
    if s.total_repos > 0 {
        s.compliance_percentage = round1(s.compliant as f64 * 100.0 / s.total_repos as f64);
    }
    s
}

/// New, deleted and re-classed repositories since the previous catalog's statuses.
fn changes(records: &[RepoRecord], prev: &BTreeMap<String, String>) -> Changes {
    let mut changes = Changes::default();
    let now: BTreeMap<String, Compliance> =
        records.iter().map(|r| (r.key(), r.compliance)).collect();
    for (k, c) in &now {
        match prev.get(k) {
            None => changes.new.push(k.clone()),
            Some(p) if p != c.as_str() => changes.status_changes.push(StatusChange {
                repository: k.clone(),
                from: p.clone(),
                to: *c,
            }),
            Some(_) => {}
        }
    }
    let gone: BTreeSet<&String> = prev.keys().filter(|k| !now.contains_key(*k)).collect();
    changes.deleted = gone.into_iter().cloned().collect();
    changes
}

/// Pretty-printed JSON with a trailing newline.
pub fn to_json(c: &Catalog) -> String {
    let mut s = serde_json::to_string_pretty(c).expect("catalog serializes");
    s.push('\n');
    s
}

/// The repositories with input that could not be checked, with the reasons.
fn unchecked_markdown(c: &Catalog, out: &mut String) {
    let with: Vec<(&str, &CatalogRepo)> = c
        .organizations
        .iter()
        .flat_map(|o| o.repos.iter().map(move |r| (o.name.as_str(), r)))
        .filter(|(_, r)| !r.input_errors.is_empty())
        .collect();
    if with.is_empty() {
        return;
    }
    out.push_str("\n## Could not be checked\n\n");
    for (org, r) in with {
        for e in &r.input_errors {
            out.push_str(&format!("- {}/{}: {}\n", esc(org), esc(&r.name), esc(e)));
        }
    }
}

fn cell(v: &Option<String>) -> String {
    v.as_deref().map(esc).unwrap_or_else(|| "—".into())
}

/// A name or value from a repository, escaped for Markdown.
fn esc(text: &str) -> String {
    crate::report::markdown::cell(text)
}

/// The catalog as Markdown: a summary, a table per organization, then the changes.
pub fn to_markdown(c: &Catalog) -> String {
    let s = &c.summary;
    let mut out = String::new();
    out.push_str("# Portfolio catalog\n\n");
    out.push_str(&format!(
        "Generated {}: {} repositories in {} organizations, {} compliant ({}%), {} violations, {} warnings.\n\n",
        c.generated,
        s.total_repos,
        c.organizations.len(),
        s.compliant,
        s.compliance_percentage,
        s.total_violations,
        s.total_warnings
    ));
    out.push_str("| compliance | repositories |\n|---|---:|\n");
    for (k, n) in &s.by_compliance {
        out.push_str(&format!("| {k} | {n} |\n"));
    }
    for org in &c.organizations {
        out.push_str(&format!("\n## {}\n\n", esc(&org.name)));
        out.push_str("| repository | type | language | tier | owner | lifecycle | compliance | violations | warnings |\n");
        out.push_str("|---|---|---|---:|---|---|---|---:|---:|\n");
        for r in &org.repos {
            out.push_str(&format!(
                "| {} | {} | {} | {} | {} | {} | {} | {} | {} |\n",
                esc(&r.name),
                cell(&r.repo_type),
                cell(&r.language),
                r.tier.map_or_else(|| "—".into(), |t| t.to_string()),
                cell(&r.owner),
                cell(&r.lifecycle),
                r.compliance.as_str(),
                r.violations,
                r.warnings
            ));
            for comp in &r.components {
                out.push_str(&component_row(r, comp));
            }
        }
    }
    unchecked_markdown(c, &mut out);
    let ch = &c.changes;
    out.push_str("\n## Changes since the previous catalog\n\n");
    if ch.new.is_empty() && ch.deleted.is_empty() && ch.status_changes.is_empty() {
        out.push_str("None.\n");
    }
    for k in &ch.new {
        out.push_str(&format!("- {} (NEW)\n", esc(k)));
    }
    for k in &ch.deleted {
        out.push_str(&format!("- {} (DELETED)\n", esc(k)));
    }
    for sc in &ch.status_changes {
        out.push_str(&format!(
            "- {}: {} → {}\n",
            esc(&sc.repository),
            sc.from,
            sc.to.as_str()
        ));
    }
    out
}

/// A component's row under its repository's: `repo/path` in the first column, its owner
/// with its backup.
fn component_row(r: &CatalogRepo, c: &CatalogComponent) -> String {
    let owner = match (&c.owner, &c.backup) {
        (Some(o), Some(b)) => Some(format!("{o} (backup {b})")),
        (o, _) => o.clone(),
    };
    format!(
        "| ↳ {}/{} | {} | | {} | {} | {} | {} | {} | {} |\n",
        esc(&r.name),
        esc(&c.path),
        cell(&c.component_type),
        c.tier.map_or_else(|| "—".into(), |t| t.to_string()),
        cell(&owner),
        cell(&c.lifecycle),
        c.compliance.as_str(),
        c.violations,
        c.warnings
    )
}

/// The `generated` field for a run at `now`: RFC 3339 in UTC, whole seconds.
pub fn generated(now: jiff::Timestamp) -> String {
    now.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// Rebuilds a catalog from a checkpoint's repositories (recovery, `catalog
/// --from-checkpoint`); `generated` is the checkpoint's.
pub fn from_checkpoint(
    cp: &super::checkpoint::Checkpoint,
    previous: Option<&BTreeMap<String, String>>,
) -> Catalog {
    let records: Vec<RepoRecord> = cp.repositories.values().map(|e| e.record.clone()).collect();
    build(&records, cp.generated.clone(), previous)
}
