//! The content-addressed result cache: one redb file, an accelerator only.
//!
//! Tables:
//! - `meta`: `format` → [`FORMAT`]; a file with another value is replaced by a fresh one.
//! - `results`: result key (32 bytes, see [`result_key`]) → the day it was last used
//!   ([`Day`], u32 little-endian), then the [`Cached`] value: nothing more for "no
//!   findings" (most entries, decoded without a parser), else its JSON.
//! - `groups`: group key (32 bytes, see [`group_key`]) → the day it was last used, then
//!   the results of every key of a group (the files of one directory), with only the
//!   entries that are not "no findings" spelled out. A warm run looks up one group per
//!   directory instead of one key per file and rule; a changed file costs its group's keys
//!   one by one.
//! - `stamps`: blake3 of a directory's absolute path → the day, then the stat data and
//!   content id of each of its files read before, so a file outside git whose stat data
//!   has not changed is not read again to learn its id (see [`FileStamp`]).
//!
//! An entry read on a later day than the one it carries is rewritten with the run's day
//! (once a day at most), so [`maintain::gc`] can drop what has not been used for a while,
//! least recently used first. [`maintain`] also merges caches and reports their age.
//!
//! A subject's content is identified by its git blob id (see [`crate::source::content_id`]):
//! staged and tracked files carry it in the index, so a warm run reads no file to build its
//! keys, and a file on disk gets the id git would give it.
//!
//! Nothing here can fail a run: a file held by another process, a corrupt, truncated or
//! foreign file, or a read-only location turns the cache off (or starts a fresh file) and
//! leaves one warning in [`Cache::warning`]. Findings are the same either way.

use std::cell::Cell;
use std::ops::Range;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Once};
use std::time::Duration;

use rayon::prelude::*;
use redb::{Database, DatabaseError, ReadableDatabase, ReadableTableMetadata, TableDefinition};
use serde::{Deserialize, Serialize};

use crate::finding::RawFinding;

/// The cache format; part of the file so that an incompatible file is replaced, not misread.
pub const FORMAT: &str = "git-govern-cache/4";

pub mod maintain;
mod stamps;

pub use maintain::{clear, gc, may_use, merge, Age, GcReport};
pub use stamps::{stamp_key, stamps_of, FileStamp, Stamped, ToStamp};

/// A day: whole days since 1970-01-01, UTC. Entries carry the day they were last used.
pub type Day = u32;

/// The [`Day`] of a calendar date (0 before 1970).
pub fn day_of(date: jiff::civil::Date) -> Day {
    let epoch = jiff::civil::date(1970, 1, 1);
    u32::try_from((date - epoch).get_days()).unwrap_or(0)
}

/// Today by the system clock, UTC.
fn clock_day() -> Day {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| (d.as_secs() / 86_400) as Day)
}

/// An entry's bytes: its last-used `day`, then `payload`.
fn stamped(day: Day, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(4 + payload.len());
    out.extend_from_slice(&day.to_le_bytes());
    out.extend_from_slice(payload);
    out
}

/// An entry's last-used day and payload; `None` for bytes too short to hold a day.
fn unstamp(bytes: &[u8]) -> Option<(Day, &[u8])> {
    let day = Day::from_le_bytes(bytes.get(..4)?.try_into().ok()?);
    Some((day, &bytes[4..]))
}

const META: TableDefinition<&str, &str> = TableDefinition::new("meta");
const RESULTS: TableDefinition<&[u8], &[u8]> = TableDefinition::new("results");
const GROUPS: TableDefinition<&[u8], &[u8]> = TableDefinition::new("groups");
const STAMPS: TableDefinition<&[u8], &[u8]> = TableDefinition::new("stamps");

/// What the cache keeps for one (rule, configuration, context, content).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Cached {
    /// The rule's findings (no paths), suppression marks included.
    Findings(Vec<RawFinding>),
    /// The file was deliberately not checked, with the reason.
    Skipped(String),
    /// The repository-level rules' results with what they read (see
    /// `engine::repository`).
    Repository(crate::engine::RepositoryResult),
}

/// What a result depends on besides its subject: blake3 (32 bytes) over the tool version,
/// the unit's name (a rule id, or a name for a group of rules cached together), its version
/// and the hash of its effective configuration. Computed once per unit and run.
pub fn unit_id(name: &str, version: u32, config: &[u8; 32]) -> [u8; 32] {
    let mut h = blake3::Hasher::new();
    h.update(env!("CARGO_PKG_VERSION").as_bytes());
    h.update(&[0]);
    h.update(name.as_bytes());
    h.update(&[0]);
    h.update(&version.to_le_bytes());
    h.update(config);
    *h.finalize().as_bytes()
}

/// The key of one result: blake3 over a [`unit_id`], a context tag (how the path is used,
/// e.g. a Helm template directory; empty for most files) and the content id (a git blob
/// id, 20 bytes). One compression of blake3 for the usual sizes.
pub fn result_key(unit: &[u8; 32], context: &str, content: &[u8]) -> [u8; 32] {
    let mut h = blake3::Hasher::new();
    h.update(unit);
    h.update(context.as_bytes());
    h.update(&[0]);
    h.update(content);
    *h.finalize().as_bytes()
}

/// The key of a group of results: blake3 over its result keys, in order. The same keys in
/// the same order have the same results, wherever the files are.
pub fn group_key(keys: &[[u8; 32]]) -> [u8; 32] {
    let mut h = blake3::Hasher::new();
    h.update(b"group\0");
    for k in keys {
        h.update(k);
    }
    *h.finalize().as_bytes()
}

/// Encodes a group's results: for each value that is not "no findings", its position (u32
/// little-endian), its length (u32) and its [`encode`]d bytes.
fn encode_group(values: &[&Cached]) -> Vec<u8> {
    let mut out = Vec::new();
    for (i, v) in values.iter().enumerate() {
        let bytes = encode(v);
        if !bytes.is_empty() {
            out.extend_from_slice(&(i as u32).to_le_bytes());
            out.extend_from_slice(&(bytes.len() as u32).to_le_bytes());
            out.extend_from_slice(&bytes);
        }
    }
    out
}

/// Decodes a group of `n` results; `None` when the bytes do not fit (then the group's keys
/// are looked up one by one).
fn decode_group(bytes: &[u8], n: usize) -> Option<Vec<Cached>> {
    let mut out = vec![Cached::Findings(Vec::new()); n];
    let mut rest = bytes;
    while !rest.is_empty() {
        let pos = u32::from_le_bytes(rest.get(..4)?.try_into().ok()?) as usize;
        let len = u32::from_le_bytes(rest.get(4..8)?.try_into().ok()?) as usize;
        let value = decode(rest.get(8..8 + len)?)?;
        *out.get_mut(pos)? = value;
        rest = &rest[8 + len..];
    }
    Some(out)
}

/// Encodes a value for the results table: "no findings" as zero bytes, the rest as JSON.
fn encode(value: &Cached) -> Vec<u8> {
    match value {
        Cached::Findings(fs) if fs.is_empty() => Vec::new(),
        other => serde_json::to_vec(other).expect("cached values serialize"),
    }
}

/// Decodes a value of the results table; `None` for bytes this version did not write.
fn decode(bytes: &[u8]) -> Option<Cached> {
    if bytes.is_empty() {
        Some(Cached::Findings(Vec::new()))
    } else {
        serde_json::from_slice(bytes).ok()
    }
}

/// Counts shown by `git govern cache stats`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Stats {
    /// Size of the file in bytes.
    pub bytes: u64,
    /// Stored rule results.
    pub results: u64,
    /// Stored groups of results (one per directory state seen).
    pub groups: u64,
}

/// An entry rewritten with the run's day: (key, stamped bytes).
type Touch = ([u8; 32], Vec<u8>);

/// One key looked up alone: its position, its value, and its re-dated entry.
type Read = (usize, Option<Cached>, Option<Touch>);

/// What one lookup found: values in key order, whether each group's entry served it, and
/// the entries to re-date.
struct Found {
    values: Vec<Option<Cached>>,
    hits: Vec<bool>,
    group_touches: Vec<Touch>,
    result_touches: Vec<Touch>,
}

/// A stored entry's payload, and the entry re-dated to `day` when it carries an earlier
/// day (`None`: it is current). `None` for bytes without a day.
fn reuse<'a>(day: Day, key: &[u8; 32], stored: &'a [u8]) -> Option<(&'a [u8], Option<Touch>)> {
    let (was, payload) = unstamp(stored)?;
    let touch = (was < day).then(|| (*key, stamped(day, payload)));
    Some((payload, touch))
}

/// Looks up every group's entry (in parallel) into `found`; returns which keys they
/// covered.
fn read_groups(
    g: &redb::ReadOnlyTable<&'static [u8], &'static [u8]>,
    groups: &[([u8; 32], Range<usize>)],
    day: Day,
    found: &mut Found,
) -> Result<Vec<bool>, redb::StorageError> {
    let served: Vec<Option<(Vec<Cached>, Option<Touch>)>> = groups
        .par_iter()
        .map(|(key, range)| {
            Ok(g.get(key.as_slice())?.and_then(|v| {
                let (payload, touch) = reuse(day, key, v.value())?;
                Some((decode_group(payload, range.len())?, touch))
            }))
        })
        .collect::<Result<_, redb::StorageError>>()?;
    let mut covered = vec![false; found.values.len()];
    for ((_, range), group) in groups.iter().zip(served) {
        found.hits.push(group.is_some());
        if let Some((values, touch)) = group {
            for (i, v) in range.clone().zip(values) {
                found.values[i] = Some(v);
                covered[i] = true;
            }
            found.group_touches.extend(touch);
        }
    }
    Ok(covered)
}

/// The open file. A run opens it read-only, which writes nothing; a writable handle
/// (taken only when there is something to store, or to set up a new file) writes and
/// syncs redb's header when it opens and its allocator state when it closes: five
/// `fdatasync` calls, more than a warm hook's whole lookup costs.
struct Handle {
    db: Db,
    /// The tables as one read transaction sees them, opened on the first read and shared
    /// by every lookup until the next commit: a portfolio's thousands of lookups would
    /// otherwise each begin a transaction (two file locks) and open their tables.
    tables: std::sync::Mutex<Option<Arc<Tables>>>,
}

enum Db {
    Reading(redb::ReadOnlyDatabase),
    Writing(Database),
}

/// The tables of one read transaction (`None` for a table the file lacks).
struct Tables {
    results: Option<Table>,
    groups: Option<Table>,
    stamps: Option<Table>,
    _tx: redb::ReadTransaction,
}

type Table = redb::ReadOnlyTable<&'static [u8], &'static [u8]>;

impl Handle {
    fn new(db: Db) -> Handle {
        Handle {
            db,
            tables: std::sync::Mutex::new(None),
        }
    }

    fn begin_read(&self) -> Result<redb::ReadTransaction, redb::TransactionError> {
        match &self.db {
            Db::Reading(db) => db.begin_read(),
            Db::Writing(db) => db.begin_read(),
        }
    }

    /// The shared read transaction's tables, opened now if none are.
    fn tables(&self) -> Result<Arc<Tables>, redb::Error> {
        let mut held = self.tables.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(t) = held.as_ref() {
            return Ok(t.clone());
        }
        let tx = self.begin_read()?;
        let open = |def| match tx.open_table(def) {
            Ok(t) => Ok(Some(t)),
            Err(redb::TableError::TableDoesNotExist(_)) => Ok(None),
            Err(e) => Err(redb::Error::from(e)),
        };
        let t = Arc::new(Tables {
            results: open(RESULTS)?,
            groups: open(GROUPS)?,
            stamps: open(STAMPS)?,
            _tx: tx,
        });
        *held = Some(t.clone());
        Ok(t)
    }

    /// Forgets the shared read transaction (after a commit, so that reads see it).
    fn renew(&self) {
        *self.tables.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }
}

/// An open cache, or a disabled one.
pub struct Cache {
    db: Option<Arc<Handle>>,
    /// A child of a shared cache ([`Cache::child`]): `commit` leaves the queues for the
    /// parent's [`Cache::absorb`].
    deferred: bool,
    path: Option<PathBuf>,
    warning: Option<String>,
    /// The day of the run: what new and re-used entries carry.
    day: Day,
    /// Queued writes: (key, stamped value), in any order, possibly repeated.
    new_results: Vec<([u8; 32], Vec<u8>)>,
    new_groups: Vec<([u8; 32], Vec<u8>)>,
    new_stamps: Vec<([u8; 32], Vec<u8>)>,
    /// The directories' stamps read or made this run (see [`stamps`]), by entry key.
    stamp_dirs: std::collections::HashMap<[u8; 32], stamps::DirStamps>,
}

thread_local! {
    /// Set while this thread runs a redb call under [`quietly`].
    static QUIET: Cell<bool> = const { Cell::new(false) };
}

/// Runs `f` (a redb call, which panics on some corrupt files), turning a panic into an
/// error without printing it. The process-wide panic hook is wrapped once, so that it stays
/// silent only on the thread inside such a call: other threads (a portfolio scan runs many)
/// keep the hook they had, and nothing is swapped while they run.
fn quietly<T>(f: impl FnOnce() -> T) -> std::thread::Result<T> {
    static WRAP: Once = Once::new();
    WRAP.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !QUIET.with(Cell::get) {
                previous(info);
            }
        }));
    });
    let was = QUIET.with(|q| q.replace(true));
    let r = catch_unwind(AssertUnwindSafe(f));
    QUIET.with(|q| q.set(was));
    r
}

enum OpenFailure {
    Busy,
    Unusable(String),
    Broken(String),
}

/// The builder every open of a run's cache uses. MultiWriter: concurrent runs (hooks run
/// in parallel by prek and lefthook, CI matrix jobs sharing a restored cache) all open the
/// file; reads never wait, and write transactions (one per run) take turns.
fn builder() -> redb::Builder {
    let mut b = Database::builder();
    b.set_cache_size(16 << 20)
        .set_concurrency_mode(redb::ConcurrencyMode::MultiWriter);
    b
}

/// Opens an existing cache of this format read-only; `None` when that cannot be done
/// (no file, another format, a file that needs a repair or a new table: the writable
/// open handles those).
fn open_reading(path: &Path) -> Option<Handle> {
    if !std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.len() > 0) {
        return None;
    }
    let opened = quietly(|| -> Option<redb::ReadOnlyDatabase> {
        let db = builder().open_read_only(path).ok()?;
        let format = {
            let r = db.begin_read().ok()?;
            let t = r.open_table(META).ok()?;
            let f = t.get("format").ok()??.value().to_string();
            for table in [GROUPS, RESULTS, STAMPS] {
                r.open_table(table).ok()?;
            }
            f
        };
        (format == FORMAT).then_some(db)
    });
    opened.ok().flatten().map(|db| Handle::new(Db::Reading(db)))
}

/// `open` tried up to four times while another process holds the file (25, 50 and 100 ms
/// apart); its last answer.
fn while_busy<T>(open: impl Fn() -> Result<T, OpenFailure>) -> Result<T, OpenFailure> {
    for attempt in 0..3 {
        match open() {
            Err(OpenFailure::Busy) => std::thread::sleep(Duration::from_millis(25 << attempt)),
            done => return done,
        }
    }
    open()
}

fn try_open(path: &Path) -> Result<Handle, OpenFailure> {
    if let Some(h) = open_reading(path) {
        return Ok(h);
    }
    try_open_writable(path).map(|db| Handle::new(Db::Writing(db)))
}

fn try_open_writable(path: &Path) -> Result<Database, OpenFailure> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| OpenFailure::Unusable(format!("cannot create {}: {e}", dir.display())))?;
    }
    let opened = quietly(|| builder().create(path));
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
                    w.open_table(GROUPS)?;
                    w.open_table(RESULTS)?;
                    w.open_table(STAMPS)?;
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
            day: clock_day(),
            new_results: Vec::new(),
            new_groups: Vec::new(),
            new_stamps: Vec::new(),
            stamp_dirs: Default::default(),
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
        match while_busy(|| try_open(path)) {
            Ok(db) => c.db = Some(Arc::new(db)),
            Err(OpenFailure::Busy) => {
                c.warning = Some(format!(
                    "cache {shown} is in use by another git-govern process; running without it"
                ))
            }
            Err(OpenFailure::Unusable(why)) => {
                c.warning = Some(format!(
                    "cache {shown} cannot be written ({why}); running without it"
                ))
            }
            Err(OpenFailure::Broken(why)) => {
                let _ = std::fs::remove_file(path);
                c.warning = Some(match try_open_writable(path) {
                    Ok(db) => {
                        c.db = Some(Arc::new(Handle::new(Db::Writing(db))));
                        format!("cache {shown} was unusable ({why}); started a fresh one")
                    }
                    Err(_) => format!("cache {shown} is unusable ({why}); running without it"),
                });
            }
        }
        c
    }

    /// The same cache, dated `day` (the run's date, `SOURCE_DATE_EPOCH`'s when set) instead
    /// of the system clock's.
    pub fn on_day(mut self, day: Day) -> Cache {
        self.day = day;
        self
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

    /// Looks up the results of `keys` in one read transaction, in parallel. `groups` are
    /// (group key, range of `keys`) pairs, e.g. the files of one directory: a group whose
    /// entry exists serves all its keys at once, and the keys of the other groups are looked
    /// up one by one (in sorted order, so that neighbouring lookups share B-tree pages).
    /// Keys outside every group are looked up one by one too. Returns the values in the
    /// order of `keys` (`None` where absent or undecodable) and, per group, whether its
    /// entry served it. A failure disables the cache (and nothing is found).
    pub fn lookup(
        &mut self,
        keys: &[[u8; 32]],
        groups: &[([u8; 32], Range<usize>)],
    ) -> (Vec<Option<Cached>>, Vec<bool>) {
        let nothing = || (vec![None; keys.len()], vec![false; groups.len()]);
        let Some(db) = &self.db else {
            return nothing();
        };
        let day = self.day;
        let r = quietly(|| -> Result<Found, redb::Error> {
            let tables = db.tables()?;
            let (Some(g), Some(t)) = (&tables.groups, &tables.results) else {
                return Err(redb::Error::from(redb::TableError::TableDoesNotExist(
                    "results".into(),
                )));
            };
            let mut found = Found {
                values: vec![None; keys.len()],
                hits: Vec::with_capacity(groups.len()),
                group_touches: Vec::new(),
                result_touches: Vec::new(),
            };
            let covered = read_groups(g, groups, day, &mut found)?;
            let mut order: Vec<usize> = (0..keys.len()).filter(|&i| !covered[i]).collect();
            order.sort_unstable_by_key(|&i| keys[i]);
            let chunk = order
                .len()
                .div_ceil(rayon::current_num_threads().max(1))
                .max(256);
            let read: Vec<Vec<Read>> = order
                .par_chunks(chunk)
                .map(|run| {
                    run.iter()
                        .map(|&i| {
                            let hit = t.get(keys[i].as_slice())?.and_then(|v| {
                                let (payload, touch) = reuse(day, &keys[i], v.value())?;
                                Some((decode(payload)?, touch))
                            });
                            Ok(match hit {
                                Some((value, touch)) => (i, Some(value), touch),
                                None => (i, None, None),
                            })
                        })
                        .collect::<Result<Vec<_>, redb::StorageError>>()
                })
                .collect::<Result<_, _>>()?;
            for (i, v, touch) in read.into_iter().flatten() {
                found.values[i] = v;
                found.result_touches.extend(touch);
            }
            Ok(found)
        });
        match r {
            Ok(Ok(found)) => {
                self.new_groups.extend(found.group_touches);
                self.new_results.extend(found.result_touches);
                (found.values, found.hits)
            }
            Ok(Err(e)) => {
                self.disable(e.to_string());
                nothing()
            }
            Err(_) => {
                self.disable("the file is corrupt".into());
                nothing()
            }
        }
    }

    /// Queues a group's entry for [`Cache::commit`]: `key` from [`group_key`] over the
    /// group's result keys, and their values in the same order.
    pub fn put_group(&mut self, key: [u8; 32], values: &[&Cached]) {
        if self.db.is_some() {
            self.new_groups
                .push((key, stamped(self.day, &encode_group(values))));
        }
    }

    /// Whether the results table holds `key` (an entry [`Cache::mark`] made, or any
    /// result). Re-dates it as a lookup does.
    pub fn holds(&mut self, key: [u8; 32]) -> bool {
        self.lookup(&[key], &[])
            .0
            .first()
            .is_some_and(Option::is_some)
    }

    /// Queues an entry that records a fact about `key` (e.g. "these policies compile"), for
    /// [`Cache::holds`].
    pub fn mark(&mut self, key: [u8; 32]) {
        self.put_result(key, &Cached::Findings(Vec::new()));
    }

    /// Queues a result for [`Cache::commit`].
    pub fn put_result(&mut self, key: [u8; 32], value: &Cached) {
        if self.db.is_some() {
            self.new_results
                .push((key, stamped(self.day, &encode(value))));
        }
    }

    /// A handle on the same file for one unit of parallel work (one repository of a
    /// portfolio): it reads the shared file (redb read transactions run concurrently) and
    /// queues its writes, which [`Cache::absorb`] hands back to this cache so that they are
    /// stored together, in one write transaction or a few (see [`Cache::queued_bytes`]).
    pub fn child(&self) -> Cache {
        Cache {
            db: self.db.clone(),
            deferred: true,
            path: self.path.clone(),
            warning: None,
            day: self.day,
            new_results: Vec::new(),
            new_groups: Vec::new(),
            new_stamps: Vec::new(),
            stamp_dirs: Default::default(),
        }
    }

    /// Forgets what this cache read to merge later writes with (the directories' stamps):
    /// a portfolio's repository is done, and ten thousand children would keep it all.
    pub fn forget_reads(&mut self) {
        self.stamp_dirs = Default::default();
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
            self.new_results.extend(child.new_results);
            self.new_groups.extend(child.new_groups);
            self.new_stamps.extend(child.new_stamps);
        }
    }

    /// The bytes queued to be written by the next [`Cache::commit`] (keys and values).
    pub fn queued_bytes(&self) -> usize {
        [&self.new_results, &self.new_groups, &self.new_stamps]
            .into_iter()
            .flatten()
            .map(|(_, v)| 32 + v.len())
            .sum()
    }

    /// Writes everything queued in one write transaction (a [`Cache::child`] keeps its queue
    /// for the parent instead). A failure disables the cache and sets the warning; it never
    /// fails the run.
    pub fn commit(&mut self) {
        if self.deferred
            || (self.new_results.is_empty()
                && self.new_groups.is_empty()
                && self.new_stamps.is_empty())
        {
            return;
        }
        let Some(db) = self.writable() else { return };
        // Inserted in key order: neighbouring keys share leaf pages, so the B-tree copies
        // each page once instead of once per insert (random keys would touch a new page
        // almost every time). A key queued twice has the same value both times.
        let mut results = std::mem::take(&mut self.new_results);
        results.sort_unstable_by_key(|e| e.0);
        results.dedup_by(|a, b| a.0 == b.0);
        let mut groups = std::mem::take(&mut self.new_groups);
        groups.sort_unstable_by_key(|e| e.0);
        groups.dedup_by(|a, b| a.0 == b.0);
        // A path stamped twice in one run (a portfolio's repositories share no paths, but
        // a check may name a file twice): the last stamp wins.
        let mut stamps = std::mem::take(&mut self.new_stamps);
        stamps.reverse();
        stamps.sort_by_key(|e| e.0);
        stamps.dedup_by(|a, b| a.0 == b.0);
        let r = quietly(|| -> Result<(), redb::Error> {
            let Db::Writing(db) = &db.db else {
                unreachable!("writable() gives a writing handle")
            };
            let w = db.begin_write()?;
            for (table, entries) in [(RESULTS, &results), (GROUPS, &groups), (STAMPS, &stamps)] {
                let mut t = w.open_table(table)?;
                for (k, v) in entries {
                    t.insert(k.as_slice(), v.as_slice())?;
                }
            }
            w.commit()?;
            Ok(())
        });
        match r {
            Ok(Ok(())) => db.renew(),
            Ok(Err(e)) => self.disable(format!("could not store results: {e}")),
            Err(_) => self.disable("could not store results: the file is corrupt".into()),
        }
    }

    /// The file opened for writing: the handle in use when it is one, else a writable
    /// handle in place of the read-only one (retried briefly while another process holds
    /// the file as an exclusive writer). `None` when the cache is off or cannot be written
    /// now (then it is off, with a warning).
    fn writable(&mut self) -> Option<Arc<Handle>> {
        let db = self.db.as_ref()?;
        if matches!(db.db, Db::Writing(_)) {
            return Some(db.clone());
        }
        let path = self.path.clone()?;
        self.db = None;
        match while_busy(|| try_open_writable(&path)) {
            Ok(db) => {
                let db = Arc::new(Handle::new(Db::Writing(db)));
                self.db = Some(db.clone());
                Some(db)
            }
            Err(OpenFailure::Busy) => {
                self.disable(
                    "could not store results: another git-govern process holds the file".into(),
                );
                None
            }
            Err(OpenFailure::Unusable(why) | OpenFailure::Broken(why)) => {
                self.disable(format!("could not store results: {why}"));
                None
            }
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
                s.results = tx
                    .open_table(RESULTS)
                    .ok()
                    .and_then(|t| t.len().ok())
                    .unwrap_or(0);
                s.groups = tx
                    .open_table(GROUPS)
                    .ok()
                    .and_then(|t| t.len().ok())
                    .unwrap_or(0);
            }
        }
        s
    }
}
