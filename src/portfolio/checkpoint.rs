//! Checkpoints: dated snapshots of the portfolio in `.metaHub/checkpoints/` (seed 000
//! layer 3), the baseline reset and pruning.
//!
//! Files: `checkpoint-YYYY-MM-DD.json` (one per day; a second run the same day replaces
//! it) and `checkpoint-latest.json` (a copy of the newest), both described by
//! `schemas/checkpoint.schema.json`: `{"version", "generated", "date", "repositories":
//! {"<org>/<repo>": {compliant, compliance, violations: {rule: n}, warnings: {rule: n},
//! tree_hash, files: {path: blob id}, ...}}, "summary": {...}}`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::output::write_atomic;

use super::catalog::Summary;
use super::record::{Compliance, RepoRecord};

/// The checkpoint format version.
pub const VERSION: &str = "1.0";

/// The checkpoint directory, relative to the governance root.
pub const DIR: &str = ".metaHub/checkpoints";

/// The newest checkpoint's file name.
pub const LATEST: &str = "checkpoint-latest.json";

/// A portfolio snapshot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Checkpoint {
    /// [`VERSION`].
    pub version: String,
    /// When it was taken: RFC 3339, UTC (`SOURCE_DATE_EPOCH` honoured).
    pub generated: String,
    /// The UTC date of `generated`, `YYYY-MM-DD`: the date in the file name.
    pub date: String,
    /// `<org>/<repo>` → its state, sorted by key.
    pub repositories: BTreeMap<String, Entry>,
    /// The catalog's summary of the same repositories, so that the runbook's restore
    /// (`cp checkpoint-latest.json catalog.json`) keeps `summary.by_tier` and the other
    /// dashboard queries working.
    pub summary: Summary,
}

/// One repository in a checkpoint: `compliant` (for the seed runbook's dashboard query)
/// and the full record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// `compliance == "compliant"`.
    pub compliant: bool,
    /// Everything else.
    #[serde(flatten)]
    pub record: RepoRecord,
}

/// Builds a checkpoint of `records` taken at `generated` (RFC 3339, UTC).
pub fn build(records: Vec<RepoRecord>, generated: String) -> Checkpoint {
    let summary = super::catalog::summary(&records);
    let mut repositories = BTreeMap::new();
    for r in records {
        let compliant = r.compliance == Compliance::Compliant;
        repositories.insert(
            r.key(),
            Entry {
                compliant,
                record: r,
            },
        );
    }
    Checkpoint {
        version: VERSION.to_string(),
        date: generated.get(..10).unwrap_or_default().to_string(),
        generated,
        repositories,
        summary,
    }
}

/// Pretty-printed JSON with a trailing newline.
pub fn to_json(c: &Checkpoint) -> String {
    let mut s = serde_json::to_string_pretty(c).expect("checkpoint serializes");
    s.push('\n');
    s
}

/// Reads a checkpoint file. Errors: unreadable, not JSON, or not a checkpoint (the message
/// names the file, and the line where serde_json stopped).
pub fn read(path: &Path) -> Result<Checkpoint> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Error::Usage(format!("{}: {e}", path.display())))?;
    serde_json::from_str(&text).map_err(|e| {
        Error::input(
            path.display().to_string(),
            e.line() as u32,
            format!("not a git-govern checkpoint: {e}"),
        )
    })
}

/// The dated file name of a checkpoint: `checkpoint-YYYY-MM-DD.json`.
pub fn file_name(c: &Checkpoint) -> String {
    format!("checkpoint-{}.json", c.date)
}

/// Writes `c` as its dated file and as `checkpoint-latest.json` under `dir`, each
/// atomically. Returns the two paths (dated, latest).
pub fn write(dir: &Path, c: &Checkpoint) -> Result<(PathBuf, PathBuf)> {
    let json = to_json(c);
    let dated = dir.join(file_name(c));
    let latest = dir.join(LATEST);
    write_atomic(&dated, json.as_bytes())?;
    write_atomic(&latest, json.as_bytes())?;
    Ok((dated, latest))
}

/// The dated checkpoint files in `dir` (`checkpoint-YYYY-MM-DD.json`), oldest first.
pub fn dated_files(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .and_then(|n| n.strip_prefix("checkpoint-"))
                .and_then(|n| n.strip_suffix(".json"))
                .is_some_and(|d| d.parse::<jiff::civil::Date>().is_ok())
        })
        .collect();
    out.sort();
    out
}

/// Starts a new baseline: moves every `checkpoint-*.json` of `dir` (the latest included)
/// into `dir/archive/`, never overwriting an archived file (a clash gets a `.N` suffix).
/// Returns the archived paths.
pub fn archive(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut files = dated_files(dir);
    let latest = dir.join(LATEST);
    if latest.is_file() {
        files.push(latest);
    }
    if files.is_empty() {
        return Ok(Vec::new());
    }
    let archive = dir.join("archive");
    std::fs::create_dir_all(&archive)
        .map_err(|e| Error::io(format!("creating {}", archive.display()), e))?;
    let mut moved = Vec::new();
    for f in files {
        let name = f
            .file_name()
            .expect("a file name")
            .to_string_lossy()
            .into_owned();
        let mut target = archive.join(&name);
        let mut n = 1;
        while target.exists() {
            target = archive.join(format!("{name}.{n}"));
            n += 1;
        }
        std::fs::rename(&f, &target)
            .map_err(|e| Error::io(format!("moving {} to {}", f.display(), target.display()), e))?;
        moved.push(target);
    }
    Ok(moved)
}

/// Removes all but the newest `keep` dated checkpoints of `dir` (the latest copy stays).
/// Returns the removed paths, oldest first.
pub fn prune(dir: &Path, keep: usize) -> Result<Vec<PathBuf>> {
    let files = dated_files(dir);
    let n = files.len().saturating_sub(keep);
    let mut removed = Vec::new();
    for f in files.into_iter().take(n) {
        std::fs::remove_file(&f).map_err(|e| Error::io(format!("removing {}", f.display()), e))?;
        removed.push(f);
    }
    Ok(removed)
}

#[cfg(test)]
mod summary_tests {
    /// A checkpoint written before it carried the catalog's summary still reads (for the
    /// drift against it); the fields it lacks are empty.
    #[test]
    fn an_older_checkpoint_still_reads() {
        let old = r#"{"version": "1.0", "generated": "2026-06-01T00:00:00Z", "date": "2026-06-01",
            "repositories": {}, "summary": {"total_repos": 0, "compliant": 0,
            "total_violations": 0, "total_warnings": 0}}"#;
        let cp: super::Checkpoint = serde_json::from_str(old).unwrap();
        assert!(cp.summary.by_tier.is_empty());
        assert_eq!(cp.summary.total_repos, 0);
    }
}
