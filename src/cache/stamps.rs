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

use super::{stamped, unstamp, Cache, Day};

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

    /// The stamp of the stat data `st` (as `fstatat` gives it).
    #[cfg(unix)]
    // The field types of `stat` differ between platforms: the casts are no-ops only on some.
    #[allow(clippy::unnecessary_cast)]
    pub fn of_stat(st: &rustix::fs::Stat) -> FileStamp {
        FileStamp {
            dev: st.st_dev as u64,
            ino: st.st_ino as u64,
            size: st.st_size as u64,
            mtime: (st.st_mtime as i64, st.st_mtime_nsec as u32),
            ctime: (st.st_ctime as i64, st.st_ctime_nsec as u32),
        }
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

/// The key of a directory's stamps: blake3 over its absolute path.
pub fn stamp_key(abs_dir: &Path) -> [u8; 32] {
    let mut h = blake3::Hasher::new();
    h.update(b"stamps\0");
    h.update(abs_dir.as_os_str().as_encoded_bytes());
    *h.finalize().as_bytes()
}

/// A file's stamp with where it is kept: its directory's entry key ([`stamp_key`]) and its
/// name in that directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stamped {
    /// [`stamp_key`] of the file's directory.
    pub dir: [u8; 32],
    /// The file's name (bytes as the platform gives them).
    pub name: Vec<u8>,
    /// Its stat data now.
    pub stamp: FileStamp,
}

/// A file on disk to stamp: its path, and its stamp when the listing that found it took
/// its stat data already.
pub type ToStamp<'a> = (&'a Path, Option<FileStamp>);

/// The stamps of `files` (in parallel): `None` for no file, for what is not a regular file
/// (links followed), and where the platform gives no stamp. A file whose stamp is given is
/// not looked up again. Files are grouped by directory, and each directory is resolved
/// once: its files are then looked up relative to it, not along their whole path again.
pub fn stamps_of(files: &[Option<ToStamp<'_>>]) -> Vec<Option<Stamped>> {
    use rayon::prelude::*;
    let mut by_dir: std::collections::BTreeMap<&Path, Vec<usize>> = Default::default();
    for (i, f) in files.iter().enumerate() {
        if let Some(dir) = f.and_then(|(p, _)| p.parent()) {
            by_dir.entry(dir).or_default().push(i);
        }
    }
    let groups: Vec<(&Path, Vec<usize>)> = by_dir.into_iter().collect();
    let found: Vec<Vec<(usize, Stamped)>> = groups
        .par_iter()
        .map(|(dir, members)| {
            let key = stamp_key(dir);
            let stamped = |(i, name, stamp): (usize, &std::ffi::OsStr, FileStamp)| {
                let name = name.as_encoded_bytes().to_vec();
                (
                    i,
                    Stamped {
                        dir: key,
                        name,
                        stamp,
                    },
                )
            };
            let named = |&i: &usize| Some((i, files[i]?.0.file_name()?, files[i]?.1));
            let mut out: Vec<(usize, Stamped)> = members
                .iter()
                .filter_map(named)
                .filter_map(|(i, name, given)| Some(stamped((i, name, given?))))
                .collect();
            let unknown: Vec<(usize, &std::ffi::OsStr)> = members
                .iter()
                .filter_map(named)
                .filter(|(_, _, given)| given.is_none())
                .map(|(i, name, _)| (i, name))
                .collect();
            if !unknown.is_empty() {
                out.extend(stat_in(dir, unknown.into_iter()).map(stamped));
            }
            out
        })
        .collect();
    let mut out = vec![None; files.len()];
    for (i, s) in found.into_iter().flatten() {
        out[i] = Some(s);
    }
    out
}

/// The stamps of the regular files `names` (with their positions) of directory `dir`.
#[cfg(unix)]
fn stat_in<'a>(
    dir: &Path,
    names: impl Iterator<Item = (usize, &'a std::ffi::OsStr)> + 'a,
) -> Box<dyn Iterator<Item = (usize, &'a std::ffi::OsStr, FileStamp)> + 'a> {
    use rustix::fs::{AtFlags, FileType, Mode, OFlags};
    let flags = OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC;
    let Ok(fd) = rustix::fs::open(dir, flags, Mode::empty()) else {
        return Box::new(std::iter::empty());
    };
    Box::new(names.filter_map(move |(i, name)| {
        let st = rustix::fs::statat(&fd, name, AtFlags::empty()).ok()?;
        (FileType::from_raw_mode(st.st_mode) == FileType::RegularFile)
            .then(|| (i, name, FileStamp::of_stat(&st)))
    }))
}

/// The stamps of the regular files `names` (with their positions) of directory `dir`.
#[cfg(not(unix))]
fn stat_in<'a>(
    dir: &Path,
    names: impl Iterator<Item = (usize, &'a std::ffi::OsStr)> + 'a,
) -> Box<dyn Iterator<Item = (usize, &'a std::ffi::OsStr, FileStamp)> + 'a> {
    let dir = dir.to_path_buf();
    Box::new(names.filter_map(move |(i, name)| {
        let meta = std::fs::metadata(dir.join(name))
            .ok()
            .filter(|m| m.is_file())?;
        Some((i, name, FileStamp::of(&meta)?))
    }))
}

/// One directory's stamps: file name → (stamp, content id).
pub(super) type DirStamps = std::collections::BTreeMap<Vec<u8>, (FileStamp, gix::ObjectId)>;

/// Encodes a directory's stamps: per file, its name's length (u16 little-endian), the name,
/// then the stamp and id ([`FileStamp::encode`]). Names longer than 65,535 bytes are left
/// out (no file system allows them).
fn encode_dir(files: &DirStamps) -> Vec<u8> {
    let mut out = Vec::with_capacity(files.len() * (ENCODED + 24));
    for (name, (stamp, id)) in files {
        let Ok(len) = u16::try_from(name.len()) else {
            continue;
        };
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(name);
        out.extend_from_slice(&stamp.encode(id));
    }
    out
}

/// Decodes [`encode_dir`]'s bytes; `None` when they do not fit.
fn decode_dir(mut b: &[u8]) -> Option<DirStamps> {
    let mut out = DirStamps::new();
    while !b.is_empty() {
        let len = u16::from_le_bytes(b.get(..2)?.try_into().ok()?) as usize;
        let name = b.get(2..2 + len)?.to_vec();
        let (stamp, id) = FileStamp::decode(b.get(2 + len..2 + len + ENCODED)?)?;
        out.insert(name, (stamp, id));
        b = &b[2 + len + ENCODED..];
    }
    Some(out)
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
    /// stamp records when it equals the current one; `None` elsewhere. Reads each
    /// directory's entry once, in one read transaction; entries used on a later day than
    /// they carry are re-dated as results are. A failure finds nothing (the files are then
    /// read).
    pub fn known_ids(&mut self, stamps: &[Option<Stamped>]) -> Vec<Option<gix::ObjectId>> {
        let mut dirs: Vec<[u8; 32]> = stamps.iter().flatten().map(|s| s.dir).collect();
        dirs.sort_unstable();
        dirs.dedup();
        dirs.retain(|d| !self.stamp_dirs.contains_key(d));
        let day = self.day;
        let loaded = self.read_dirs(&dirs);
        for (dir, entry) in dirs.into_iter().zip(loaded) {
            let Some((was, files)) = entry else {
                self.stamp_dirs.insert(dir, DirStamps::new());
                continue;
            };
            if was < day {
                self.new_stamps
                    .push((dir, stamped(day, &encode_dir(&files))));
            }
            self.stamp_dirs.insert(dir, files);
        }
        stamps
            .iter()
            .map(|s| {
                let s = s.as_ref()?;
                let (stored, id) = self.stamp_dirs.get(&s.dir)?.get(&s.name)?;
                (*stored == s.stamp).then_some(*id)
            })
            .collect()
    }

    /// The stored entries of `dirs` (day and stamps), in order; `None` for a directory
    /// without one, and for all when the table cannot be read.
    fn read_dirs(&self, dirs: &[[u8; 32]]) -> Vec<Option<(Day, DirStamps)>> {
        let none = || vec![None; dirs.len()];
        let Some(db) = &self.db else {
            return none();
        };
        let found = super::quietly(|| -> Result<Vec<_>, redb::Error> {
            let tables = db.tables()?;
            let Some(t) = &tables.stamps else {
                return Ok(Vec::new());
            };
            dirs.iter()
                .map(|key| {
                    Ok(t.get(key.as_slice())?.and_then(|v| {
                        let (was, payload) = unstamp(v.value())?;
                        Some((was, decode_dir(payload)?))
                    }))
                })
                .collect()
        });
        match found {
            Ok(Ok(found)) if found.len() == dirs.len() => found,
            _ => none(),
        }
    }

    /// Stamps the files whose ids were computed from bytes read this run, those that have
    /// settled (see [`FileStamp::settled`]): each directory that gains one has its entry
    /// rewritten (what it held, plus the new stamps) for [`Cache::commit`].
    pub fn stamp_read<'a>(
        &mut self,
        read: impl IntoIterator<Item = (&'a Stamped, &'a gix::ObjectId)>,
    ) {
        if self.db.is_none() {
            return;
        }
        let now = clock_nanos();
        let mut changed: Vec<[u8; 32]> = Vec::new();
        for (s, id) in read {
            if s.stamp.settled(now) {
                self.stamp_dirs
                    .entry(s.dir)
                    .or_default()
                    .insert(s.name.clone(), (s.stamp, *id));
                changed.push(s.dir);
            }
        }
        changed.sort_unstable();
        changed.dedup();
        for dir in changed {
            let bytes = stamped(self.day, &encode_dir(&self.stamp_dirs[&dir]));
            self.new_stamps.push((dir, bytes));
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
        let mut dir = DirStamps::new();
        dir.insert(b"a.yaml".to_vec(), (s, id));
        dir.insert("n\u{e4}me".as_bytes().to_vec(), (s, id));
        assert_eq!(decode_dir(&encode_dir(&dir)), Some(dir.clone()));
        let bytes = encode_dir(&dir);
        assert_eq!(decode_dir(&bytes[..bytes.len() - 1]), None, "truncated");
        let at = |s: i128| s * 1_000_000_000;
        assert!(
            !s.settled(at(1_700_000_003)),
            "changed within the racy window"
        );
        assert!(s.settled(at(1_700_000_003) + 7));
    }
}
