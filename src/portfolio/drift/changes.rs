//! What changed in one repository between two checkpoints: every [`Change`] drift reports,
//! before acknowledgements are applied.

use std::collections::{BTreeMap, BTreeSet};

use super::{Change, ChangeKind, FileHow};
use crate::portfolio::record::{Codeowners, Compliance, RepoRecord};

/// The counts in `b` that exceed those in `a`, by rule, with the increase.
pub(super) fn increases(
    a: &BTreeMap<String, usize>,
    b: &BTreeMap<String, usize>,
) -> BTreeMap<String, usize> {
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

/// Every change of the repository `key` (`<org>/<repo>`) from record `a` (previous
/// checkpoint) to `b` (current); a new or deleted repository is one change.
pub(super) fn of_repository(
    key: &str,
    a: Option<&RepoRecord>,
    b: Option<&RepoRecord>,
) -> Vec<Change> {
    match (a, b) {
        (None, None) => Vec::new(),
        (None, Some(b)) => {
            let mut c = Change::new(
                key,
                ChangeKind::New {
                    compliance: b.compliance,
                    files: b.files.len(),
                    errors: b.errors,
                },
            );
            c.new_violations = b.violations.clone();
            c.new_warnings = b.warnings.clone();
            vec![c]
        }
        (Some(a), None) => vec![Change::new(
            key,
            ChangeKind::Deleted {
                compliance: a.compliance,
                files: a.files.len(),
                violations: a.violation_count(),
                warnings: a.warning_count(),
            },
        )],
        (Some(a), Some(b)) => {
            let mut out = compliance(key, a, b);
            out.extend(metadata(key, a, b));
            out.extend(adrs(key, a, b));
            out.extend(codeowners(key, a, b));
            out.extend(components(key, a, b));
            out.extend(files(key, a, b));
            out
        }
    }
}

/// Components added, removed, or whose class changed, in path order. A checkpoint written
/// before components were recorded has none, so its repositories show no component
/// changes against it only when the repository had none either.
fn components(key: &str, a: &RepoRecord, b: &RepoRecord) -> Vec<Change> {
    let before: BTreeMap<&str, Compliance> = a
        .components
        .iter()
        .map(|c| (c.path.as_str(), c.compliance))
        .collect();
    let after: BTreeMap<&str, Compliance> = b
        .components
        .iter()
        .map(|c| (c.path.as_str(), c.compliance))
        .collect();
    let paths: BTreeSet<&str> = before.keys().chain(after.keys()).copied().collect();
    paths
        .into_iter()
        .filter_map(|p| {
            let (from, to) = (before.get(p).copied(), after.get(p).copied());
            (from != to).then(|| {
                Change::new(
                    key,
                    ChangeKind::Component {
                        path: p.to_string(),
                        from,
                        to,
                    },
                )
            })
        })
        .collect()
}

/// Why the compliance class changed, when the metadata file explains it.
fn status_reason(a: &RepoRecord, b: &RepoRecord) -> Option<String> {
    use Compliance::*;
    let reason = match (a.compliance, b.compliance) {
        (MissingMetadata, _) => ".meta/repo.yaml added",
        (_, MissingMetadata) => ".meta/repo.yaml removed",
        (_, InvalidMetadata) => ".meta/repo.yaml invalid",
        (InvalidMetadata, _) => ".meta/repo.yaml fixed",
        _ if b.errors > a.errors => "files that could not be checked",
        _ => return None,
    };
    Some(reason.to_string())
}

/// Archiving, the status change (or new and resolved violations) and new and resolved
/// warnings of a repository present in both checkpoints.
fn compliance(key: &str, a: &RepoRecord, b: &RepoRecord) -> Vec<Change> {
    let mut out = Vec::new();
    if b.metadata.lifecycle.as_deref() == Some("archived")
        && a.metadata.lifecycle.as_deref() != Some("archived")
    {
        out.push(Change::new(key, ChangeKind::Archived));
    }
    let new = increases(&a.violations, &b.violations);
    let resolved = increases(&b.violations, &a.violations);
    let kind = if a.compliance != b.compliance {
        Some(ChangeKind::Status {
            from: a.compliance,
            to: b.compliance,
            reason: status_reason(a, b),
        })
    } else {
        None
    };
    match kind {
        Some(kind) => {
            let mut c = Change::new(key, kind);
            c.new_violations = new;
            c.resolved_violations = resolved;
            out.push(c);
        }
        None => {
            if !new.is_empty() {
                let mut c = Change::new(key, ChangeKind::NewViolations);
                c.new_violations = new;
                out.push(c);
            }
            if !resolved.is_empty() {
                let mut c = Change::new(key, ChangeKind::ResolvedViolations);
                c.resolved_violations = resolved;
                out.push(c);
            }
        }
    }
    let warnings = increases(&a.warnings, &b.warnings);
    if !warnings.is_empty() {
        let mut c = Change::new(key, ChangeKind::NewWarnings);
        c.new_warnings = warnings;
        out.push(c);
    }
    let gone = increases(&b.warnings, &a.warnings);
    if !gone.is_empty() {
        let mut c = Change::new(key, ChangeKind::ResolvedWarnings);
        c.resolved_warnings = gone;
        out.push(c);
    }
    out
}

/// The metadata fields that changed. Metadata that appears or disappears is the status
/// change (with its reason); fields are compared only when both sides have a metadata file.
fn metadata(key: &str, a: &RepoRecord, b: &RepoRecord) -> Vec<Change> {
    if a.compliance == Compliance::MissingMetadata || b.compliance == Compliance::MissingMetadata {
        return Vec::new();
    }
    let (ma, mb) = (&a.metadata, &b.metadata);
    let fields: [(&'static str, String, String); 6] = [
        ("name", opt(&ma.name), opt(&mb.name)),
        ("type", opt(&ma.repo_type), opt(&mb.repo_type)),
        ("language", opt(&ma.language), opt(&mb.language)),
        ("tier", opt(&ma.tier), opt(&mb.tier)),
        ("owner", opt(&ma.owner), opt(&mb.owner)),
        ("lifecycle", opt(&ma.lifecycle), opt(&mb.lifecycle)),
    ];
    fields
        .into_iter()
        .filter(|(_, from, to)| from != to)
        .map(|(field, from, to)| Change::new(key, ChangeKind::Metadata { field, from, to }))
        .collect()
}

/// ADRs added and removed (only when both checkpoints recorded them).
fn adrs(key: &str, a: &RepoRecord, b: &RepoRecord) -> Vec<Change> {
    let (Some(xa), Some(xb)) = (&a.adrs, &b.adrs) else {
        return Vec::new();
    };
    let (sa, sb): (BTreeSet<&String>, BTreeSet<&String>) =
        (xa.iter().collect(), xb.iter().collect());
    let added = sb.difference(&sa).map(|p| (p, FileHow::Added));
    let removed = sa.difference(&sb).map(|p| (p, FileHow::Removed));
    let out: Vec<Change> = added
        .chain(removed)
        .map(|(p, how)| {
            Change::new(
                key,
                ChangeKind::Adr {
                    path: p.to_string(),
                    how,
                },
            )
        })
        .collect();
    out
}

/// The CODEOWNERS change, when the file moved, appeared, went or its rules changed (only
/// when both checkpoints recorded it). Rules are compared as sets: reordering alone is not
/// a change.
fn codeowners(key: &str, a: &RepoRecord, b: &RepoRecord) -> Option<Change> {
    let (Some(ca), Some(cb)) = (&a.codeowners, &b.codeowners) else {
        return None;
    };
    let rules = |c: &Codeowners| c.rules.iter().cloned().collect::<BTreeSet<String>>();
    let (ra, rb) = (rules(ca), rules(cb));
    let file = match (&ca.path, &cb.path) {
        (None, Some(_)) => Some(FileHow::Added),
        (Some(_), None) => Some(FileHow::Removed),
        (Some(x), Some(y)) if x != y => Some(FileHow::Moved),
        _ => None,
    };
    let added: Vec<String> = rb.difference(&ra).cloned().collect();
    let removed: Vec<String> = ra.difference(&rb).cloned().collect();
    if file.is_none() && added.is_empty() && removed.is_empty() {
        return None;
    }
    Some(Change::new(
        key,
        ChangeKind::Codeowners {
            path: cb.path.clone().or_else(|| ca.path.clone()),
            file,
            added,
            removed,
        },
    ))
}

/// The files added, modified or removed.
fn files(key: &str, a: &RepoRecord, b: &RepoRecord) -> Vec<Change> {
    let paths: BTreeSet<&String> = a.files.keys().chain(b.files.keys()).collect();
    paths
        .into_iter()
        .filter_map(|p| {
            let how = match (a.files.get(p), b.files.get(p)) {
                (None, Some(_)) => FileHow::Added,
                (Some(_), None) => FileHow::Removed,
                (Some(x), Some(y)) if x != y => FileHow::Modified,
                _ => return None,
            };
            Some(Change::new(
                key,
                ChangeKind::File {
                    path: p.clone(),
                    how,
                },
            ))
        })
        .collect()
}
