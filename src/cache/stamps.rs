//! File stamps: a file's stat data with the content id computed from it, so that a warm run
//! over files outside git (plain folders, untracked files) learns their ids without reading
//! them, as git's index does for tracked files.
//!
//! A stamp is trusted only when every field still matches (device, inode, size, and the
//! modification and change times to the nanosecond), and is recorded only for a file last
//! changed more than [`RACY_SECONDS`] before the run: a file changed again within the same
//! clock tick as its recording could otherwise keep the same stamp (git's "racily clean"
//! problem). The change time cannot be set by tools that restore a modification time.

use std::path::Path;

use super::{stamped, unstamp, Cache, Day, STAMPS};

/// A file last changed less than this many seconds before a run is not stamped.
pub const RACY_SECONDS: i64 = 2;

/// What identifies a file's state on disk without reading it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileStamp {
    /// Device and inode.
    pub dev: u64,
    /// Inode number.
    pub ino: u64,
    /// Size in bytes.
    pub size: u64,
    /// Modification time: seconds and nanoseconds since the epoch.
    pub mtime: (i64, u32),
    /// Status change time, likewise.
    pub ctime: (i64, u32),
}

const ENCODED: usize = 8 * 5 + 4 * 2 + 20;

impl FileStamp {
    /// The stamp of `meta`; `None` where the platform gives no inode and change time.
    #[cfg(unix)]
    pub fn of(meta: &std::fs::Metadata) -> Option<FileStamp> {
        use std::os::unix::fs::MetadataExt;
        Some(FileStamp {
            dev: meta.dev(),
            ino: meta.ino(),
            size: meta.size(),
            mtime: (meta.mtime(), meta.mtime_nsec() as u32),
            ctime: (meta.ctime(), meta.ctime_nsec() as u32),
        })
    }

    /// The stamp of `meta`; `None` where the platform gives no inode and change time.
    #[cfg(not(unix))]
    pub fn of(_meta: &std::fs::Metadata) -> Option<FileStamp> {
        None
    }

    /// Whether the file was last changed more than [`RACY_SECONDS`] before `now`
    /// (nanoseconds since the epoch, by the system clock).
    pub fn settled(&self, now: i128) -> bool {
        let ns = |(s, n): (i64, u32)| i128::from(s) * 1_000_000_000 + i128::from(n);
        ns(self.mtime).max(ns(self.ctime)) + i128::from(RACY_SECONDS) * 1_000_000_000 < now
    }

    fn encode(&self, id: &gix::ObjectId) -> Vec<u8> {
        let mut out = Vec::with_capacity(ENCODED);
        for n in [self.dev, self.ino, self.size] {
            out.extend_from_slice(&n.to_le_bytes());
        }
        for (s, ns) in [self.mtime, self.ctime] {
            out.extend_from_slice(&s.to_le_bytes());
            out.extend_from_slice(&ns.to_le_bytes());
        }
        out.extend_from_slice(id.as_bytes());
        out
    }

    fn decode(b: &[u8]) -> Option<(FileStamp, gix::ObjectId)> {
        if b.len() != ENCODED {
            return None;
        }
        let u = |at: usize| u64::from_le_bytes(b[at..at + 8].try_into().expect("8 bytes"));
        let i = |at: usize| i64::from_le_bytes(b[at..at + 8].try_into().expect("8 bytes"));
        let n = |at: usize| u32::from_le_bytes(b[at..at + 4].try_into().expect("4 bytes"));
        let stamp = FileStamp {
            dev: u(0),
            ino: u(8),
            size: u(16),
            mtime: (i(24), n(32)),
            ctime: (i(36), n(44)),
        };
        Some((stamp, gix::ObjectId::try_from(&b[48..]).ok()?))
    }
}

/// The key of a file's stamp: blake3 over its absolute path.
pub fn stamp_key(abs: &Path) -> [u8; 32] {
    let mut h = blake3::Hasher::new();
    h.update(b"stamp\0");
    h.update(abs.as_os_str().as_encoded_bytes());
    *h.finalize().as_bytes()
}

/// A file's stamp with its key.
pub type Stamped = ([u8; 32], FileStamp);

/// The stamps of `paths` (in parallel): `None` for no path, for what is not a regular file,
/// and where the platform gives no stamp.
pub fn stamps_of(paths: &[Option<&Path>]) -> Vec<Option<Stamped>> {
    use rayon::prelude::*;
    paths
        .par_iter()
        .map(|p| {
            let p = (*p)?;
            let meta = std::fs::metadata(p).ok().filter(|m| m.is_file())?;
            Some((stamp_key(p), FileStamp::of(&meta)?))
        })
        .collect()
}

/// Nanoseconds since the epoch by the system clock (not `SOURCE_DATE_EPOCH`: the racy
/// window is about real time).
fn clock_nanos() -> i128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as i128)
}

impl Cache {
    /// For each stamped file of `stamps` (see [`stamps_of`]), the content id its stored
    /// stamp records when it equals the current one; `None` elsewhere.
    pub fn known_ids(&mut self, stamps: &[Option<Stamped>]) -> Vec<Option<gix::ObjectId>> {
        let asked: Vec<Stamped> = stamps.iter().flatten().copied().collect();
        let mut found = self.stamped_ids(&asked).into_iter();
        stamps
            .iter()
            .map(|s| s.and_then(|_| found.next().flatten()))
            .collect()
    }

    /// Stamps the files whose ids were computed from bytes read this run, those that have
    /// settled (see [`FileStamp::settled`]).
    pub fn stamp_read<'a>(
        &mut self,
        read: impl IntoIterator<Item = (&'a Stamped, &'a gix::ObjectId)>,
    ) {
        let now = clock_nanos();
        for ((key, stamp), id) in read {
            if stamp.settled(now) {
                self.put_stamp(*key, stamp, id);
            }
        }
    }

    /// The content ids recorded for `files` (key, current stamp): `Some` where the stored
    /// stamp equals the current one. Used entries are re-dated as results are. A failure
    /// finds nothing (the files are then read).
    fn stamped_ids(&mut self, files: &[([u8; 32], FileStamp)]) -> Vec<Option<gix::ObjectId>> {
        let none = || vec![None; files.len()];
        let Some(db) = &self.db else {
            return none();
        };
        let day: Day = self.day;
        let found = super::quietly(|| -> Result<Vec<_>, redb::Error> {
            let tx = db.begin_read()?;
            let t = match tx.open_table(STAMPS) {
                Ok(t) => t,
                Err(redb::TableError::TableDoesNotExist(_)) => return Ok(Vec::new()),
                Err(e) => return Err(e.into()),
            };
            let mut out = Vec::with_capacity(files.len());
            for (key, now) in files {
                let hit = t.get(key.as_slice())?.and_then(|v| {
                    let (was, payload) = unstamp(v.value())?;
                    let (stamp, id) = FileStamp::decode(payload)?;
                    let touch = (was < day).then(|| (*key, stamped(day, payload)));
                    (stamp == *now).then_some((id, touch))
                });
                out.push(hit);
            }
            Ok(out)
        });
        match found {
            Ok(Ok(found)) if found.len() == files.len() => found
                .into_iter()
                .map(|hit| {
                    let (id, touch) = hit?;
                    self.new_stamps.extend(touch);
                    Some(id)
                })
                .collect(),
            _ => none(),
        }
    }

    /// Queues the stamp of a file read this run, with its content id.
    pub fn put_stamp(&mut self, key: [u8; 32], stamp: &FileStamp, id: &gix::ObjectId) {
        if self.db.is_some() {
            self.new_stamps
                .push((key, stamped(self.day, &stamp.encode(id))));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stamps_round_trip_and_settle() {
        let s = FileStamp {
            dev: 1,
            ino: 2,
            size: 3,
            mtime: (1_700_000_000, 5),
            ctime: (1_700_000_001, 6),
        };
        let id = gix::ObjectId::empty_blob(gix::hash::Kind::Sha1);
        assert_eq!(FileStamp::decode(&s.encode(&id)), Some((s, id)));
        let at = |s: i128| s * 1_000_000_000;
        assert!(
            !s.settled(at(1_700_000_003)),
            "changed within the racy window"
        );
        assert!(s.settled(at(1_700_000_003) + 7));
    }
}
