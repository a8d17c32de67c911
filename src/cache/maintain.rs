//! Cache upkeep, outside any check: merging caches, dropping entries not used for a while
//! or beyond a size (least recently used first), the age of a cache's entries, and the
//! checks that keep these commands off files that are not caches.

use std::path::{Path, PathBuf};

use redb::{Database, ReadableDatabase, ReadableTable, ReadableTableMetadata, TableDefinition};
use serde::Serialize;

use super::{try_open_writable, unstamp, Day, OpenFailure, FORMAT, GROUPS, META, RESULTS, STAMPS};

/// The last-used day stored in an entry's bytes (0 when they hold none).
fn day(bytes: &[u8]) -> Day {
    unstamp(bytes).map_or(0, |(d, _)| d)
}

/// The calendar date of a [`Day`].
pub fn date_of(day: Day) -> jiff::civil::Date {
    jiff::civil::date(1970, 1, 1)
        .checked_add(jiff::Span::new().days(i64::from(day)))
        .unwrap_or(jiff::civil::date(1970, 1, 1))
}

/// How long ago a cache's entries were last used, as `cache stats` shows it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Age {
    /// The earliest last-used day of any entry.
    pub oldest: Option<Day>,
    /// The latest.
    pub newest: Option<Day>,
    /// Entries last used today, within 7 days, within 30 days, and longer ago.
    pub used_within: [u64; 4],
}

impl Age {
    fn add(&mut self, day: Day, today: Day) {
        self.oldest = Some(self.oldest.map_or(day, |o| o.min(day)));
        self.newest = Some(self.newest.map_or(day, |n| n.max(day)));
        let ago = today.saturating_sub(day);
        let bucket = match ago {
            0 => 0,
            1..=7 => 1,
            8..=30 => 2,
            _ => 3,
        };
        self.used_within[bucket] += 1;
    }
}

impl super::Cache {
    /// The age of the entries as of `today`; `None` when no cache file is open or it
    /// cannot be read.
    pub fn age(&self, today: Day) -> Option<Age> {
        let db = self.db.as_ref()?;
        let mut age = Age::default();
        let r = db.begin_read().ok()?;
        for e in entries_in(&r).ok()? {
            age.add(e.day, today);
        }
        Some(age)
    }
}

/// The tables of entries.
const TABLES: [TableDefinition<'static, &'static [u8], &'static [u8]>; 3] =
    [RESULTS, GROUPS, STAMPS];

/// One stored entry, as upkeep sees it.
struct Entry {
    /// Its table's index in [`TABLES`].
    table: usize,
    key: Vec<u8>,
    day: Day,
    bytes: u64,
}

/// Every entry of the tables.
fn entries(db: &Database) -> Result<Vec<Entry>, String> {
    entries_in(&db.begin_read().map_err(|e| e.to_string())?)
}

/// Every entry of the tables, as `r` sees them.
fn entries_in(r: &redb::ReadTransaction) -> Result<Vec<Entry>, String> {
    let mut out = Vec::new();
    for (table, def) in TABLES.into_iter().enumerate() {
        let t = r.open_table(def).map_err(|e| e.to_string())?;
        for entry in t.iter().map_err(|e| e.to_string())? {
            let (k, v) = entry.map_err(|e| e.to_string())?;
            out.push(Entry {
                table,
                key: k.value().to_vec(),
                day: day(v.value()),
                bytes: (k.value().len() + v.value().len()) as u64,
            });
        }
    }
    Ok(out)
}

/// What [`gc`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct GcReport {
    /// Entries before.
    pub entries_before: u64,
    /// Entries removed for their age.
    pub removed_for_age: u64,
    /// Entries removed for the size, least recently used first.
    pub removed_for_size: u64,
    /// File size before, in bytes.
    pub bytes_before: u64,
    /// File size after, in bytes.
    pub bytes_after: u64,
}

fn remove(db: &Database, gone: &[Entry]) -> Result<(), String> {
    if gone.is_empty() {
        return Ok(());
    }
    let w = db.begin_write().map_err(|e| e.to_string())?;
    for (table, def) in TABLES.into_iter().enumerate() {
        let mut t = w.open_table(def).map_err(|e| e.to_string())?;
        for e in gone.iter().filter(|e| e.table == table) {
            t.remove(e.key.as_slice()).map_err(|e| e.to_string())?;
        }
    }
    w.commit().map_err(|e| e.to_string())
}

/// Compacts the file so that freed pages leave it, closes it, and returns its size at rest
/// (redb writes its allocator state when the database closes).
fn settle(mut db: Database, path: &Path) -> Result<u64, String> {
    // Each pass moves what it can; a pass that moved nothing ends it.
    for _ in 0..8 {
        if !db.compact().map_err(|e| e.to_string())? {
            break;
        }
    }
    drop(db);
    std::fs::metadata(path)
        .map(|m| m.len())
        .map_err(|e| format!("{}: {e}", path.display()))
}

/// Opens the cache at `path` for upkeep.
fn open(path: &Path) -> Result<Database, String> {
    let shown = path.display();
    try_open_writable(path).map_err(|e| match e {
        OpenFailure::Busy => {
            format!("{shown} is in use by another git-govern process; try again")
        }
        OpenFailure::Unusable(why) | OpenFailure::Broken(why) => {
            format!("{shown}: {why}; left as it is")
        }
    })
}

/// Drops the entries of the cache at `path` not used within `max_age` days of `today`,
/// then, while the file is larger than `max_size` bytes, the least recently used ones;
/// the file is compacted so that it shrinks. A size below an empty cache's cannot be
/// reached: everything is dropped then. Errors, in words: `path` is not a cache
/// ([`may_use`]) or is of another format, another process holds it, it cannot be
/// written.
pub fn gc(
    path: &Path,
    max_size: Option<u64>,
    max_age: Option<u32>,
    today: Day,
) -> Result<GcReport, String> {
    may_use(path).map_err(|why| format!("{}: {why}; left as it is", path.display()))?;
    if !path.exists() {
        return Ok(GcReport::default());
    }
    let db = open(path)?;
    let mut report = GcReport {
        bytes_before: std::fs::metadata(path).map_or(0, |m| m.len()),
        ..GcReport::default()
    };
    let all = entries(&db)?;
    report.entries_before = all.len() as u64;
    let (old, mut kept): (Vec<Entry>, Vec<Entry>) = all
        .into_iter()
        .partition(|e| max_age.is_some_and(|a| today.saturating_sub(e.day) > a));
    report.removed_for_age = old.len() as u64;
    remove(&db, &old)?;
    let mut size = settle(db, path)?;
    // Least recently used last, so the oldest are popped first.
    kept.sort_by(|a, b| (b.day, b.table, &b.key).cmp(&(a.day, a.table, &a.key)));
    let mut squeeze = 0.9;
    while let Some(max) = max_size.filter(|m| size > *m && !kept.is_empty()) {
        // The file's bytes per live byte, measured at rest, say how much the entries may
        // hold; each pass aims lower if the last one fell short.
        let live: u64 = kept.iter().map(|e| e.bytes).sum();
        let target = (max as f64 * squeeze * live as f64 / size as f64) as u64;
        let mut gone = Vec::new();
        let mut left = live;
        while left > target {
            let Some(e) = kept.pop() else { break };
            left -= e.bytes;
            gone.push(e);
        }
        report.removed_for_size += gone.len() as u64;
        let db = open(path)?;
        remove(&db, &gone)?;
        size = settle(db, path)?;
        squeeze *= 0.8;
    }
    report.bytes_after = size;
    Ok(report)
}

/// Merges the caches `inputs` into a new cache file `output` (written beside it, then
/// renamed into place): the union of their entries, which are content-addressed, so an
/// entry two inputs share has one value (the copy used last is kept). Returns (results, groups) written. Errors, in
/// words: an input that is not a git-govern cache of this format, or cannot be read; an
/// `output` that [`may_use`] refuses; the write fails.
pub fn merge(inputs: &[PathBuf], output: &Path) -> Result<(u64, u64), String> {
    may_use(output).map_err(|why| format!("{}: {why}; not replaced", output.display()))?;
    let dir = output
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let tmp = tempfile::Builder::new()
        .prefix(".git-govern-merge")
        .tempfile_in(dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?;
    let out = try_open_writable(tmp.path())
        .map_err(|_| format!("cannot create a cache in {}", dir.display()))?;
    let w = out.begin_write().map_err(|e| e.to_string())?;
    {
        let mut results = w.open_table(RESULTS).map_err(|e| e.to_string())?;
        let mut groups = w.open_table(GROUPS).map_err(|e| e.to_string())?;
        let mut stamps = w.open_table(STAMPS).map_err(|e| e.to_string())?;
        for input in inputs {
            let shown = input.display();
            may_use(input).map_err(|why| format!("{shown}: {why}"))?;
            let db = redb::ReadOnlyDatabase::open(input).map_err(|e| format!("{shown}: {e}"))?;
            let r = db.begin_read().map_err(|e| format!("{shown}: {e}"))?;
            let format = r.open_table(META).ok().and_then(|t| {
                t.get("format")
                    .ok()
                    .flatten()
                    .map(|v| v.value().to_string())
            });
            if format.as_deref() != Some(FORMAT) {
                return Err(format!(
                    "{shown}: not a cache of format {FORMAT}; nothing merged"
                ));
            }
            for (from, to) in [
                (RESULTS, &mut results),
                (GROUPS, &mut groups),
                (STAMPS, &mut stamps),
            ] {
                let t = r.open_table(from).map_err(|e| format!("{shown}: {e}"))?;
                for entry in t.iter().map_err(|e| format!("{shown}: {e}"))? {
                    let (k, v) = entry.map_err(|e| format!("{shown}: {e}"))?;
                    // A key two inputs share has one value; the later use is kept.
                    let newer = match to.get(k.value()).map_err(|e| e.to_string())? {
                        Some(have) => day(v.value()) > day(have.value()),
                        None => true,
                    };
                    if newer {
                        to.insert(k.value(), v.value()).map_err(|e| e.to_string())?;
                    }
                }
            }
        }
    }
    w.commit().map_err(|e| e.to_string())?;
    let counts = {
        let r = out.begin_read().map_err(|e| e.to_string())?;
        let n = |t: TableDefinition<&[u8], &[u8]>| {
            r.open_table(t).ok().and_then(|t| t.len().ok()).unwrap_or(0)
        };
        (n(RESULTS), n(GROUPS))
    };
    drop(out);
    tmp.persist(output)
        .map_err(|e| format!("{}: {}", output.display(), e.error))?;
    Ok(counts)
}

/// The first bytes of every redb file (redb's file format).
const REDB_MAGIC: [u8; 9] = [b'r', b'e', b'd', b'b', 0x1A, 0x0A, 0xA9, 0x0D, 0x0A];

/// Whether git-govern may use, replace or delete the file at `path` as its cache when the
/// user named that path (`--cache`, `GOVERN_CACHE`): when nothing is there, when it is an
/// empty regular file, or when it is a regular file that starts as a redb database does
/// (a cache this or another version wrote, perhaps damaged). Anything else — a text file,
/// a FIFO, a device, a directory — is refused with the reason, and never opened for
/// writing (nor for reading unless it is a regular file).
pub fn may_use(path: &Path) -> Result<(), String> {
    // Nothing there (or a path that cannot hold a file, which opening reports as a
    // warning): nothing to lose.
    let Ok(meta) = std::fs::metadata(path) else {
        return Ok(());
    };
    if !meta.is_file() {
        return Err(if meta.is_dir() {
            "it is a directory".to_string()
        } else {
            "it is not a regular file (a FIFO, socket or device)".to_string()
        });
    }
    if meta.len() == 0 {
        return Ok(());
    }
    let mut head = [0u8; REDB_MAGIC.len()];
    let read = std::fs::File::open(path).and_then(|mut f| {
        use std::io::Read;
        f.read_exact(&mut head)
    });
    match read {
        Ok(()) if head == REDB_MAGIC => Ok(()),
        Ok(()) | Err(_) => Err("it is not a git-govern cache (not a redb database)".to_string()),
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
