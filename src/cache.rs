//! The content-addressed result cache: one redb file, an accelerator only.
//!
//! Tables:
//! - `meta`: `format` → [`FORMAT`]; a file with another value is replaced by a fresh one.
//! - `blobs`: git blob id (bytes) → blake3 of the blob's bytes (32 bytes), so staged and
//!   tracked files are not read again to learn their content hash.
//! - `results`: result key (32 bytes, see [`result_key`]) → JSON of [`Cached`].
//!
//! Nothing here can fail a run: a file held by another process, a corrupt, truncated or
//! foreign file, or a read-only location turns the cache off (or starts a fresh file) and
//! leaves one warning in [`Cache::warning`]. Findings are the same either way.

use std::collections::HashMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use redb::{Database, DatabaseError, ReadableDatabase, ReadableTableMetadata, TableDefinition};
use serde::{Deserialize, Serialize};

use crate::finding::RawFinding;

/// The cache format; part of the file so that an incompatible file is replaced, not misread.
pub const FORMAT: &str = "git-govern-cache/1";

const META: TableDefinition<&str, &str> = TableDefinition::new("meta");
const BLOBS: TableDefinition<&[u8], &[u8]> = TableDefinition::new("blobs");
const RESULTS: TableDefinition<&[u8], &[u8]> = TableDefinition::new("results");

/// What the cache keeps for one (rule, configuration, context, content).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Cached {
    /// The rule's findings (no paths), suppression marks included.
    Findings(Vec<RawFinding>),
    /// The file was deliberately not checked, with the reason.
    Skipped(String),
}

/// The key of one rule result: blake3 over the tool version, rule id, rule version, the
/// rule's configuration hash, a context tag (how the path is used, e.g. a Helm template
/// directory) and the blake3 of the content.
pub fn result_key(
    rule: &str,
    version: u32,
    config: &[u8; 32],
    context: &str,
    content: &[u8; 32],
) -> [u8; 32] {
    let mut h = blake3::Hasher::new();
    h.update(env!("CARGO_PKG_VERSION").as_bytes());
    h.update(&[0]);
    h.update(rule.as_bytes());
    h.update(&[0]);
    h.update(&version.to_le_bytes());
    h.update(config);
    h.update(context.as_bytes());
    h.update(&[0]);
    h.update(content);
    *h.finalize().as_bytes()
}

/// Counts shown by `git govern cache stats`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Stats {
    /// Size of the file in bytes.
    pub bytes: u64,
    /// Entries in the blob-id table.
    pub blobs: u64,
    /// Stored rule results.
    pub results: u64,
}

/// An open cache, or a disabled one.
pub struct Cache {
    db: Option<Arc<Database>>,
    /// A child of a shared cache ([`Cache::child`]): `commit` leaves the queues for the
    /// parent's [`Cache::absorb`].
    deferred: bool,
    path: Option<PathBuf>,
    warning: Option<String>,
    new_blobs: HashMap<Vec<u8>, [u8; 32]>,
    new_results: HashMap<[u8; 32], Vec<u8>>,
}

fn quietly<T>(f: impl FnOnce() -> T) -> std::thread::Result<T> {
    let prev = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let r = catch_unwind(AssertUnwindSafe(f));
    std::panic::set_hook(prev);
    r
}

enum OpenFailure {
    Busy,
    Unusable(String),
    Broken(String),
}

fn try_open(path: &Path) -> Result<Database, OpenFailure> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| OpenFailure::Unusable(format!("cannot create {}: {e}", dir.display())))?;
    }
    let opened = quietly(|| Database::builder().set_cache_size(16 << 20).create(path));
    let db = match opened {
        Err(_) => return Err(OpenFailure::Broken("the file is corrupt".into())),
        Ok(Err(DatabaseError::DatabaseAlreadyOpen)) => return Err(OpenFailure::Busy),
        Ok(Err(DatabaseError::Storage(redb::StorageError::Io(e))))
            if matches!(
                e.kind(),
                std::io::ErrorKind::PermissionDenied | std::io::ErrorKind::ReadOnlyFilesystem
            ) =>
        {
            return Err(OpenFailure::Unusable(e.to_string()))
        }
        Ok(Err(e)) => return Err(OpenFailure::Broken(e.to_string())),
        Ok(Ok(db)) => db,
    };
    // Check the format marker; create the tables on a new file.
    let format = quietly(|| -> Result<Option<String>, redb::Error> {
        let r = db.begin_read()?;
        match r.open_table(META) {
            Ok(t) => Ok(t.get("format")?.map(|v| v.value().to_string())),
            Err(redb::TableError::TableDoesNotExist(_)) => Ok(None),
            Err(e) => Err(e.into()),
        }
    });
    match format {
        Ok(Ok(Some(f))) if f == FORMAT => Ok(db),
        Ok(Ok(Some(f))) => Err(OpenFailure::Broken(format!(
            "it was written in format {f:?}, not {FORMAT:?}"
        ))),
        Ok(Ok(None)) => {
            let init = quietly(|| -> Result<(), redb::Error> {
                let w = db.begin_write()?;
                {
                    let mut m = w.open_table(META)?;
                    m.insert("format", FORMAT)?;
                    w.open_table(BLOBS)?;
                    w.open_table(RESULTS)?;
                }
                w.commit()?;
                Ok(())
            });
            match init {
                Ok(Ok(())) => Ok(db),
                Ok(Err(redb::Error::Io(e))) => Err(OpenFailure::Unusable(e.to_string())),
                Ok(Err(e)) => Err(OpenFailure::Broken(e.to_string())),
                Err(_) => Err(OpenFailure::Broken("the file is corrupt".into())),
            }
        }
        Ok(Err(e)) => Err(OpenFailure::Broken(e.to_string())),
        Err(_) => Err(OpenFailure::Broken("the file is corrupt".into())),
    }
}

impl Cache {
    /// A cache that stores nothing (`--no-cache`).
    pub fn disabled() -> Cache {
        Cache {
            db: None,
            deferred: false,
            path: None,
            warning: None,
            new_blobs: HashMap::new(),
            new_results: HashMap::new(),
        }
    }

    /// Opens or creates the cache at `path`. Never fails: when another process holds the
    /// file (after a few short retries), when the location is read-only, or when the file
    /// is corrupt or of another format (then replaced by a fresh file), the cache is
    /// disabled or fresh and [`Cache::warning`] says why.
    pub fn open(path: &Path) -> Cache {
        let mut c = Cache::disabled();
        c.path = Some(path.to_path_buf());
        let shown = path.display();
        for attempt in 0..4 {
            match try_open(path) {
                Ok(db) => {
                    c.db = Some(Arc::new(db));
                    return c;
                }
                Err(OpenFailure::Busy) if attempt < 3 => {
                    std::thread::sleep(Duration::from_millis(25 << attempt))
                }
                Err(OpenFailure::Busy) => {
                    c.warning = Some(format!(
                        "cache {shown} is in use by another git-govern process; running without it"
                    ));
                    return c;
                }
                Err(OpenFailure::Unusable(why)) => {
                    c.warning = Some(format!(
                        "cache {shown} cannot be written ({why}); running without it"
                    ));
                    return c;
                }
                Err(OpenFailure::Broken(why)) => {
                    let _ = std::fs::remove_file(path);
                    match try_open(path) {
                        Ok(db) => {
                            c.db = Some(Arc::new(db));
                            c.warning = Some(format!(
                                "cache {shown} was unusable ({why}); started a fresh one"
                            ));
                        }
                        Err(_) => {
                            c.warning = Some(format!(
                                "cache {shown} is unusable ({why}); running without it"
                            ))
                        }
                    }
                    return c;
                }
            }
        }
        c
    }

    /// Whether a cache file is in use.
    pub fn enabled(&self) -> bool {
        self.db.is_some()
    }

    /// Why the cache is off or was replaced, if it was (one line for stderr).
    pub fn warning(&self) -> Option<&str> {
        self.warning.as_deref()
    }

    fn disable(&mut self, why: String) {
        if self.warning.is_none() {
            self.warning = Some(format!("cache disabled during the run: {why}"));
        }
        self.db = None;
    }

    /// Reads many keys of `table` in one read transaction, decoding each value with
    /// `decode`; `None` where absent or undecodable. A failure disables the cache.
    fn read_many<T: Clone>(
        &mut self,
        table: TableDefinition<&[u8], &[u8]>,
        keys: &[&[u8]],
        decode: impl Fn(&[u8]) -> Option<T>,
    ) -> Vec<Option<T>> {
        let Some(db) = &self.db else {
            return vec![None; keys.len()];
        };
        let r = quietly(|| -> Result<Vec<Option<T>>, redb::Error> {
            let tx = db.begin_read()?;
            let t = tx.open_table(table)?;
            keys.iter()
                .map(|k| Ok(t.get(*k)?.and_then(|v| decode(v.value()))))
                .collect()
        });
        match r {
            Ok(Ok(v)) => v,
            Ok(Err(e)) => {
                self.disable(e.to_string());
                vec![None; keys.len()]
            }
            Err(_) => {
                self.disable("the file is corrupt".into());
                vec![None; keys.len()]
            }
        }
    }

    /// The blake3 of many blobs at once (one read transaction): `None` where unknown.
    pub fn blob_hashes(&mut self, ids: &[&[u8]]) -> Vec<Option<[u8; 32]>> {
        self.read_many(BLOBS, ids, |v| <[u8; 32]>::try_from(v).ok())
    }

    /// Looks up many result keys at once (one read transaction).
    pub fn results(&mut self, keys: &[[u8; 32]]) -> Vec<Option<Cached>> {
        let keys: Vec<&[u8]> = keys.iter().map(|k| k.as_slice()).collect();
        self.read_many(RESULTS, &keys, |v| serde_json::from_slice(v).ok())
    }

    /// Queues a blob-id → blake3 entry for [`Cache::commit`].
    pub fn put_blob(&mut self, id: &[u8], hash: [u8; 32]) {
        if self.db.is_some() {
            self.new_blobs.insert(id.to_vec(), hash);
        }
    }

    /// Queues a result for [`Cache::commit`].
    pub fn put_result(&mut self, key: [u8; 32], value: &Cached) {
        if self.db.is_some() {
            self.new_results.insert(
                key,
                serde_json::to_vec(value).expect("cached values serialize"),
            );
        }
    }

    /// A handle on the same file for one unit of parallel work (one repository of a
    /// portfolio): it reads the shared file (redb read transactions run concurrently) and
    /// queues its writes, which [`Cache::absorb`] hands back to this cache so that the whole
    /// run stores its results in one write transaction.
    pub fn child(&self) -> Cache {
        Cache {
            db: self.db.clone(),
            deferred: true,
            path: self.path.clone(),
            warning: None,
            new_blobs: HashMap::new(),
            new_results: HashMap::new(),
        }
    }

    /// Takes over the queued writes and the warning of a [`Cache::child`].
    pub fn absorb(&mut self, child: Cache) {
        if self.warning.is_none() {
            self.warning = child.warning;
        }
        if child.db.is_none() {
            // The child lost the file mid-run; stop using it here too.
            if self.db.is_some() && self.warning.is_some() {
                self.db = None;
            }
            return;
        }
        if self.db.is_some() {
            self.new_blobs.extend(child.new_blobs);
            self.new_results.extend(child.new_results);
        }
    }

    /// Writes everything queued in one write transaction (a [`Cache::child`] keeps its queue
    /// for the parent instead). A failure disables the cache and sets the warning; it never
    /// fails the run.
    pub fn commit(&mut self) {
        if self.deferred || (self.new_blobs.is_empty() && self.new_results.is_empty()) {
            return;
        }
        let Some(db) = &self.db else { return };
        let blobs = std::mem::take(&mut self.new_blobs);
        let results = std::mem::take(&mut self.new_results);
        let r = quietly(|| -> Result<(), redb::Error> {
            let w = db.begin_write()?;
            {
                let mut b = w.open_table(BLOBS)?;
                for (k, v) in &blobs {
                    b.insert(k.as_slice(), v.as_slice())?;
                }
                let mut t = w.open_table(RESULTS)?;
                for (k, v) in &results {
                    t.insert(k.as_slice(), v.as_slice())?;
                }
            }
            w.commit()?;
            Ok(())
        });
        match r {
            Ok(Ok(())) => {}
            Ok(Err(e)) => self.disable(format!("could not store results: {e}")),
            Err(_) => self.disable("could not store results: the file is corrupt".into()),
        }
    }

    /// Entry counts and file size.
    pub fn stats(&self) -> Stats {
        let mut s = Stats::default();
        if let Some(p) = &self.path {
            s.bytes = std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
        }
        if let Some(db) = &self.db {
            if let Ok(tx) = db.begin_read() {
                s.blobs = tx
                    .open_table(BLOBS)
                    .ok()
                    .and_then(|t| t.len().ok())
                    .unwrap_or(0);
                s.results = tx
                    .open_table(RESULTS)
                    .ok()
                    .and_then(|t| t.len().ok())
                    .unwrap_or(0);
            }
        }
        s
    }
}

/// Deletes the cache file at `path`; `Ok(false)` when there was none.
pub fn clear(path: &Path) -> std::io::Result<bool> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(e),
    }
}
