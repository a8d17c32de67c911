//! Reading one work-tree directory: its entries with their types, and the stat data of a
//! file in it that git compares with an index entry. On unix, through directory handles
//! (`openat`, `fstatat` relative to the directory), as git does from inside the work tree:
//! the kernel resolves one name per file, not the whole path again.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use crate::cache::FileStamp;
use crate::path::RepoPath;

/// What a directory entry is, without following a symbolic link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A regular file.
    File,
    /// A directory.
    Dir,
    /// Anything else: a symbolic link, a socket, a device.
    Other,
}

/// The stat data of a work-tree file that git compares with an index entry.
pub struct FileStat {
    stat: FileStamp,
}

impl FileStat {
    /// The file's stamp for the cache (see [`FileStamp`]); `None` off unix, where stat
    /// data is not compared.
    pub fn stamp(&self) -> Option<FileStamp> {
        cfg!(unix).then_some(self.stat)
    }

    /// Whether it matches the entry (see [`matches_entry`]).
    pub fn matches(&self, e: &gix::index::Entry) -> bool {
        matches_entry(&self.stat, e)
    }
}

/// Whether the stat data `stat` matches the index entry `e`, as git compares them by
/// default (`core.trustctime` and `core.checkStat` at their defaults): size, mtime, ctime
/// and inode, each truncated to 32 bits as the index stores them.
pub fn matches_entry(stat: &FileStamp, e: &gix::index::Entry) -> bool {
    stat.size as u32 == e.stat.size
        && stat.mtime.0 as u32 == e.stat.mtime.secs
        && stat.mtime.1 == e.stat.mtime.nsecs
        && stat.ctime.0 as u32 == e.stat.ctime.secs
        && stat.ctime.1 == e.stat.ctime.nsecs
        && stat.ino as u32 == e.stat.ino
}

/// The work tree being read: its root, and on unix a handle on it that every directory is
/// opened relative to.
pub struct Tree {
    root: PathBuf,
    #[cfg(unix)]
    fd: Option<rustix::fd::OwnedFd>,
}

/// One open directory of the work tree.
pub struct Dir {
    /// Its absolute path.
    pub path: PathBuf,
    #[cfg(unix)]
    fd: rustix::fd::OwnedFd,
}

impl Tree {
    /// The work tree at `root`.
    pub fn new(root: &Path) -> Tree {
        Tree {
            root: root.to_path_buf(),
            #[cfg(unix)]
            fd: open_dir(rustix::fs::CWD, root).ok(),
        }
    }

    /// Opens the directory `rel` (repo-relative; empty for the root), or `None` when it
    /// cannot be read.
    #[cfg(unix)]
    pub fn open(&self, rel: &[u8]) -> Option<Dir> {
        let path = self.root.join(RepoPath::from_bytes(rel).to_os_path());
        let fd = match (&self.fd, rel.is_empty()) {
            (Some(root), false) => open_dir(root, rel).ok()?,
            _ => open_dir(rustix::fs::CWD, &path).ok()?,
        };
        Some(Dir { path, fd })
    }

    /// Opens the directory `rel` (repo-relative; empty for the root).
    #[cfg(not(unix))]
    pub fn open(&self, rel: &[u8]) -> Option<Dir> {
        let path = self.root.join(RepoPath::from_bytes(rel).to_os_path());
        path.is_dir().then_some(Dir { path })
    }
}

#[cfg(unix)]
fn open_dir<P: rustix::path::Arg>(
    at: impl rustix::fd::AsFd,
    path: P,
) -> rustix::io::Result<rustix::fd::OwnedFd> {
    use rustix::fs::{Mode, OFlags};
    rustix::fs::openat(
        at,
        path,
        OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC | OFlags::NOFOLLOW,
        Mode::empty(),
    )
}

impl Dir {
    /// The entries (`.` and `..` left out) with their kinds; an entry whose type the
    /// directory listing does not give is looked up. Unreadable entries are passed over.
    /// On Linux the listing is read straight from the directory's handle (`getdents64`
    /// into a buffer on the stack), which a `Dir` lists only once.
    #[cfg(target_os = "linux")]
    pub fn entries(&self) -> Vec<(OsString, Kind)> {
        let mut buf = [std::mem::MaybeUninit::<u8>::uninit(); 8192];
        let mut dir = rustix::fs::RawDir::new(&self.fd, &mut buf);
        let mut out = Vec::new();
        while let Some(Ok(e)) = dir.next() {
            self.push_entry(&mut out, e.file_name().to_bytes(), e.file_type());
        }
        out
    }

    /// The entries (`.` and `..` left out) with their kinds; an entry whose type the
    /// directory listing does not give is looked up. Unreadable entries are passed over.
    #[cfg(all(unix, not(target_os = "linux")))]
    pub fn entries(&self) -> Vec<(OsString, Kind)> {
        let Ok(fd) = rustix::io::dup(&self.fd) else {
            return Vec::new();
        };
        let Ok(mut dir) = rustix::fs::Dir::new(fd) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        while let Some(Ok(e)) = dir.read() {
            self.push_entry(&mut out, e.file_name().to_bytes(), e.file_type());
        }
        out
    }

    /// Adds the listed entry `name` of type `listed` to `out`, unless it is `.` or `..`.
    #[cfg(unix)]
    fn push_entry(
        &self,
        out: &mut Vec<(OsString, Kind)>,
        name: &[u8],
        listed: rustix::fs::FileType,
    ) {
        use std::os::unix::ffi::OsStrExt;
        if name == b"." || name == b".." {
            return;
        }
        let name = std::ffi::OsStr::from_bytes(name).to_os_string();
        let kind = match listed {
            rustix::fs::FileType::RegularFile => Kind::File,
            rustix::fs::FileType::Directory => Kind::Dir,
            rustix::fs::FileType::Unknown => self.kind(&name),
            _ => Kind::Other,
        };
        out.push((name, kind));
    }

    /// The entries with their kinds (see the unix version); unreadable ones are passed over.
    #[cfg(not(unix))]
    pub fn entries(&self) -> Vec<(OsString, Kind)> {
        let Ok(rd) = std::fs::read_dir(&self.path) else {
            return Vec::new();
        };
        rd.filter_map(|e| e.ok())
            .map(|e| {
                let kind = match e.file_type() {
                    Ok(t) if t.is_file() => Kind::File,
                    Ok(t) if t.is_dir() => Kind::Dir,
                    _ => Kind::Other,
                };
                (e.file_name(), kind)
            })
            .collect()
    }

    #[cfg(unix)]
    fn kind(&self, name: &std::ffi::OsStr) -> Kind {
        match rustix::fs::statat(&self.fd, name, rustix::fs::AtFlags::SYMLINK_NOFOLLOW) {
            Ok(st) => match rustix::fs::FileType::from_raw_mode(st.st_mode) {
                rustix::fs::FileType::RegularFile => Kind::File,
                rustix::fs::FileType::Directory => Kind::Dir,
                _ => Kind::Other,
            },
            Err(_) => Kind::Other,
        }
    }

    /// The stat data of the regular file `name` in this directory, without following a
    /// symbolic link; `None` when it is not a regular file or cannot be read.
    #[cfg(unix)]
    pub fn stat(&self, name: &std::ffi::OsStr) -> Option<FileStat> {
        let st = rustix::fs::statat(&self.fd, name, rustix::fs::AtFlags::SYMLINK_NOFOLLOW).ok()?;
        (rustix::fs::FileType::from_raw_mode(st.st_mode) == rustix::fs::FileType::RegularFile).then(
            || FileStat {
                stat: FileStamp::of_stat(&st),
            },
        )
    }

    /// Off unix the stat data cannot be compared with the index: it never matches, and
    /// every file is read.
    #[cfg(not(unix))]
    pub fn stat(&self, name: &std::ffi::OsStr) -> Option<FileStat> {
        let m = std::fs::symlink_metadata(self.path.join(name)).ok()?;
        m.is_file().then_some(FileStat {
            stat: FileStamp {
                dev: u64::MAX,
                ino: u64::MAX,
                size: m.len(),
                mtime: (-1, u32::MAX),
                ctime: (-1, u32::MAX),
            },
        })
    }
}
