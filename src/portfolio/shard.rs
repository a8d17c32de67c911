//! Shards: a portfolio split over several machines (a CI matrix, a Kubernetes Indexed Job).
//!
//! `--shard I/N` scans only the repositories whose `<org>/<repo>` falls in part I of N (a
//! stable partition: blake3 of the key, modulo N) and writes `DIR/shard-I-of-N.json`: the
//! records with the tool version and a digest of the configuration that shaped them. A
//! later run with `--shard-dir DIR` (and no `--shard`) assembles every part, refusing,
//! with what is missing named, unless shards 1..N are all there from the same tool version
//! and configuration; it then writes exactly what one machine scanning everything would.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::record::RepoRecord;
use crate::error::{Error, Result};

/// The shard file format version.
pub const FORMAT: u32 = 1;

/// Part `index` (1-based) of `count`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// 1..=count.
    pub index: u32,
    /// How many parts.
    pub count: u32,
}

impl Shard {
    /// Reads `I/N` (1 ≤ I ≤ N ≤ 10,000). Errors: anything else, in words (clap's value
    /// parser).
    pub fn parse(text: &str) -> std::result::Result<Shard, String> {
        let (i, n) = text
            .split_once('/')
            .ok_or_else(|| format!("{text:?} is not I/N (e.g. 2/8)"))?;
        let (index, count): (u32, u32) = match (i.trim().parse(), n.trim().parse()) {
            (Ok(i), Ok(n)) => (i, n),
            _ => return Err(format!("{text:?} is not I/N with whole numbers (e.g. 2/8)")),
        };
        if count == 0 || count > 10_000 || index == 0 || index > count {
            return Err(format!("{text:?}: I must be 1..N and N at most 10000"));
        }
        Ok(Shard { index, count })
    }

    /// Whether the repository `key` (`<org>/<repo>`) is in this part.
    pub fn holds(&self, key: &str) -> bool {
        let h = blake3::hash(key.as_bytes());
        let n = u64::from_le_bytes(h.as_bytes()[..8].try_into().expect("8 bytes"));
        n % u64::from(self.count) == u64::from(self.index - 1)
    }

    /// `shard-I-of-N.json`.
    pub fn file_name(&self) -> String {
        format!("shard-{}-of-{}.json", self.index, self.count)
    }
}

/// One shard's file (`schemas/shard.schema.json`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShardFile {
    /// [`FORMAT`].
    pub format: u32,
    /// The git-govern version that wrote it.
    pub tool_version: String,
    /// blake3 (hex) of the configuration that shaped the results (see [`config_digest`]).
    pub config_digest: String,
    /// Which part.
    pub index: u32,
    /// Of how many.
    pub count: u32,
    /// Whether the records carry file hashes (checkpoints need them).
    pub file_hashes: bool,
    /// The records of the part's repositories, in discovery order.
    pub records: Vec<RepoRecord>,
    /// Discovery and cache warnings of the part.
    pub warnings: Vec<String>,
}

/// blake3 (hex) over what shapes every record besides the repositories themselves: the
/// governance root's metadata schema and policies (their paths and bytes), and `options`
/// (the command line's policy options and rule selection, as text).
pub fn config_digest(root: &Path, options: &str) -> String {
    let mut h = blake3::Hasher::new();
    h.update(options.as_bytes());
    h.update(&[0]);
    let hub = root.join(".metaHub");
    let mut files: Vec<PathBuf> = Vec::new();
    let schema = hub.join("schemas").join("repo-schema.json");
    if schema.is_file() {
        files.push(schema);
    }
    let mut stack = vec![hub.join("policies")];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            match e.file_type() {
                Ok(t) if t.is_dir() => stack.push(e.path()),
                Ok(t) if t.is_file() => files.push(e.path()),
                _ => {}
            }
        }
    }
    files.sort();
    for f in files {
        h.update(
            f.strip_prefix(root)
                .unwrap_or(&f)
                .to_string_lossy()
                .as_bytes(),
        );
        h.update(&[0]);
        h.update(&std::fs::read(&f).unwrap_or_default());
        h.update(&[0]);
    }
    h.finalize().to_hex().to_string()
}

/// Writes `file` into `dir` (created if needed) as `shard-I-of-N.json`, atomically.
/// Errors: the write fails.
pub fn write(dir: &Path, file: &ShardFile) -> Result<PathBuf> {
    let shard = Shard {
        index: file.index,
        count: file.count,
    };
    let path = dir.join(shard.file_name());
    let text = serde_json::to_string(file).expect("a shard serializes");
    crate::output::write_atomic(&path, text.as_bytes())?;
    Ok(path)
}

/// Assembles the shards in `dir`: every record in discovery order and every warning.
/// Errors (usage): no shard there; shards of different counts, tool versions or
/// configurations (`digest` is this run's); a missing part (named); shards without file
/// hashes when `file_hashes` is needed.
pub fn assemble(
    dir: &Path,
    digest: &str,
    file_hashes: bool,
) -> Result<(Vec<RepoRecord>, Vec<String>)> {
    let files = read_all(dir)?;
    let Some(first) = files.first() else {
        return Err(Error::Usage(format!(
            "{} holds no shard-I-of-N.json file to assemble",
            dir.display()
        )));
    };
    let count = first.count;
    for f in &files {
        let problem = if f.count != count {
            Some(format!("shards of {} and of {} parts", count, f.count))
        } else if f.tool_version != env!("CARGO_PKG_VERSION") {
            Some(format!(
                "shard {} was written by git-govern {}, this is {}",
                f.index,
                f.tool_version,
                env!("CARGO_PKG_VERSION")
            ))
        } else if f.config_digest != digest {
            Some(format!(
                "shard {} was made with another configuration (schema, policies or options)",
                f.index
            ))
        } else if file_hashes && !f.file_hashes {
            Some(format!(
                "shard {} has no file hashes; checkpoints need shards made by `checkpoint --shard`",
                f.index
            ))
        } else {
            None
        };
        if let Some(p) = problem {
            return Err(Error::Usage(format!(
                "cannot assemble {}: {p}",
                dir.display()
            )));
        }
    }
    let missing: Vec<String> = (1..=count)
        .filter(|i| !files.iter().any(|f| f.index == *i))
        .map(|i| Shard { index: i, count }.file_name())
        .collect();
    if !missing.is_empty() {
        return Err(Error::Usage(format!(
            "cannot assemble {}: missing {}",
            dir.display(),
            missing.join(", ")
        )));
    }
    let mut records: Vec<RepoRecord> = Vec::new();
    let mut warnings = Vec::new();
    for f in files {
        records.extend(f.records);
        warnings.extend(f.warnings);
    }
    // Discovery order: organization, then name (as one machine lists them).
    records.sort_by(|a, b| (&a.organization, &a.name).cmp(&(&b.organization, &b.name)));
    Ok((records, warnings))
}

/// Every `shard-*-of-*.json` of `dir`, by index. Errors: `dir` or a shard cannot be read.
fn read_all(dir: &Path) -> Result<Vec<ShardFile>> {
    let entries = std::fs::read_dir(dir)
        .map_err(|e| Error::Usage(format!("shard directory {}: {e}", dir.display())))?;
    let mut out = Vec::new();
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if !(name.starts_with("shard-") && name.ends_with(".json")) {
            continue;
        }
        let path = e.path();
        let bytes = crate::read::bounded(&path, 1 << 30)
            .map_err(|err| Error::Usage(format!("{}: {err}", path.display())))?;
        let file: ShardFile = serde_json::from_slice(&bytes)
            .map_err(|err| Error::Usage(format!("{}: not a shard file: {err}", path.display())))?;
        if file.format != FORMAT {
            return Err(Error::Usage(format!(
                "{}: shard format {}, this git-govern reads {FORMAT}",
                path.display(),
                file.format
            )));
        }
        out.push(file);
    }
    out.sort_by_key(|f| f.index);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partition_is_stable_and_complete() {
        let keys: Vec<String> = (0..200).map(|i| format!("org{}/repo{i}", i % 7)).collect();
        let n = 4;
        let mut seen = 0;
        for k in &keys {
            let holders: Vec<u32> = (1..=n)
                .filter(|i| {
                    Shard {
                        index: *i,
                        count: n,
                    }
                    .holds(k)
                })
                .collect();
            assert_eq!(holders.len(), 1, "{k} in exactly one part");
            seen += 1;
        }
        assert_eq!(seen, keys.len());
        assert_eq!(Shard::parse("2/8"), Ok(Shard { index: 2, count: 8 }));
        assert!(Shard::parse("0/8").is_err());
        assert!(Shard::parse("9/8").is_err());
        assert!(Shard::parse("x").is_err());
    }
}
