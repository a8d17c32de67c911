//! The work tree as `git status` shows it: the one state that `--all`, given paths and every
//! portfolio command check, for file rules and repository-level rules alike.
//!
//! [`files`] lists it: tracked files with their content on disk (the index's stat data is
//! only a shortcut to the blob id), untracked files that git does not ignore, and nothing
//! else: files deleted from disk, entries outside a sparse checkout (skip-worktree) and
//! nested repositories are passed over, as `git status` passes over them, so a blob missing
//! from a partial clone is never read.

use std::path::{Path, PathBuf};

use gix::index::entry::{Flags, Mode as EntryMode, Stage};

use crate::path::RepoPath;
use crate::source::{untracked, Content, Subject};

/// Every file of the work tree of the repository at `root` whose index is `index`, sorted
/// by path: tracked ones (see [`tracked`]) and untracked ones that are not ignored by
/// `.gitignore` files, `exclude` (`$GIT_COMMON_DIR/info/exclude`) or `core.excludesFile`
/// (read from disk; see [`untracked`]).
pub fn files(root: &Path, index: &gix::index::File, exclude: &Path) -> Vec<Subject> {
    let (mut out, untracked) = rayon::join(
        || tracked(root, index),
        || untracked_files(root, index, exclude),
    );
    out.extend(untracked);
    out.sort_unstable_by(|a, b| a.path.cmp(&b.path));
    out
}

/// The files on disk that the index does not track and git does not ignore, read from disk.
fn untracked_files(root: &Path, index: &gix::index::File, exclude: &Path) -> Vec<Subject> {
    untracked::files(root, index, exclude)
        .into_iter()
        .map(|path| Subject {
            content: Content::File(root.join(path.to_os_path())),
            path,
        })
        .collect()
}

/// Every tracked regular file as `git status` sees the work tree. Where the work-tree
/// file's stat data matches an unconflicted index entry (and the entry is not racily clean)
/// the blob id stands for its content; otherwise the file on disk is read (modified files,
/// files added with `git add -N`, paths with a merge conflict, listed once). Entries
/// outside a sparse checkout (skip-worktree) are passed over, and so are files deleted from
/// the work tree or no longer regular files: they are not there to check, and their blobs
/// may be absent from a partial clone.
fn tracked(root: &Path, index: &gix::index::File) -> Vec<Subject> {
    use rayon::prelude::*;
    let ts = index.timestamp();
    let stat = WorkTreeStat::new(root);
    let entries = index.entries();
    // One lstat per entry, as `git status` does; in parallel, as git's preload-index does.
    entries
        .par_iter()
        .enumerate()
        .filter(|(i, e)| {
            matches!(e.mode, EntryMode::FILE | EntryMode::FILE_EXECUTABLE)
                && !e.flags.contains(Flags::SKIP_WORKTREE)
                // A conflicted path has an entry per stage: keep the first.
                && !(*i > 0 && entries[i - 1].path(index) == e.path(index))
        })
        .filter_map(|(_, e)| {
            let path = RepoPath::from_bytes(e.path(index).to_vec());
            let m = stat.of(&path)?;
            let blob = e.stage() == Stage::Unconflicted
                && !e.flags.contains(Flags::INTENT_TO_ADD)
                && m.matches(e)
                && !e.stat.is_racy(ts, Default::default());
            let content = match () {
                _ if blob => Content::Blob(e.id),
                _ if m.is_file => Content::File(root.join(path.to_os_path())),
                _ => return None,
            };
            Some(Subject { path, content })
        })
        .collect()
}

/// The stat data of a work-tree file that git compares with an index entry.
struct FileStat {
    is_file: bool,
    size: u64,
    mtime: (i64, u32),
    ctime: (i64, u32),
    ino: u64,
}

impl FileStat {
    /// Whether it matches the entry, as git compares them by default (`core.trustctime`
    /// and `core.checkStat` at their defaults): size, mtime, ctime and inode, each
    /// truncated to 32 bits as the index stores them.
    fn matches(&self, e: &gix::index::Entry) -> bool {
        self.is_file
            && self.size as u32 == e.stat.size
            && self.mtime.0 as u32 == e.stat.mtime.secs
            && self.mtime.1 == e.stat.mtime.nsecs
            && self.ctime.0 as u32 == e.stat.ctime.secs
            && self.ctime.1 == e.stat.ctime.nsecs
            && self.ino as u32 == e.stat.ino
    }
}

/// lstat of repo-relative paths. On unix it goes through a handle on the work-tree
/// directory, so the kernel resolves only the path inside the repository (as git does,
/// running from the top of the work tree), not the whole absolute path again for each file.
struct WorkTreeStat {
    root: PathBuf,
    #[cfg(unix)]
    dir: Option<rustix::fd::OwnedFd>,
}

impl WorkTreeStat {
    fn new(root: &Path) -> WorkTreeStat {
        WorkTreeStat {
            root: root.to_path_buf(),
            #[cfg(unix)]
            dir: rustix::fs::open(
                root,
                rustix::fs::OFlags::RDONLY
                    | rustix::fs::OFlags::DIRECTORY
                    | rustix::fs::OFlags::CLOEXEC,
                rustix::fs::Mode::empty(),
            )
            .ok(),
        }
    }

    /// The stat data of `path` without following a symbolic link; `None` when it does not
    /// exist or cannot be read.
    #[cfg(unix)]
    fn of(&self, path: &RepoPath) -> Option<FileStat> {
        let Some(dir) = &self.dir else {
            return self.of_absolute(path);
        };
        // Index paths are '/'-separated bytes, which is what unix takes.
        let st =
            rustix::fs::statat(dir, path.as_bytes(), rustix::fs::AtFlags::SYMLINK_NOFOLLOW).ok()?;
        Some(FileStat {
            is_file: rustix::fs::FileType::from_raw_mode(st.st_mode)
                == rustix::fs::FileType::RegularFile,
            size: st.st_size as u64,
            mtime: (st.st_mtime as i64, st.st_mtime_nsec as u32),
            ctime: (st.st_ctime as i64, st.st_ctime_nsec as u32),
            ino: st.st_ino as u64,
        })
    }

    #[cfg(not(unix))]
    fn of(&self, path: &RepoPath) -> Option<FileStat> {
        self.of_absolute(path)
    }

    fn of_absolute(&self, path: &RepoPath) -> Option<FileStat> {
        let m = std::fs::symlink_metadata(self.root.join(path.to_os_path())).ok()?;
        Some(FileStat {
            is_file: m.is_file(),
            size: m.len(),
            mtime: times(&m).0,
            ctime: times(&m).1,
            ino: inode(&m),
        })
    }
}

#[cfg(unix)]
fn times(m: &std::fs::Metadata) -> ((i64, u32), (i64, u32)) {
    use std::os::unix::fs::MetadataExt;
    (
        (m.mtime(), m.mtime_nsec() as u32),
        (m.ctime(), m.ctime_nsec() as u32),
    )
}

#[cfg(unix)]
fn inode(m: &std::fs::Metadata) -> u64 {
    use std::os::unix::fs::MetadataExt;
    m.ino()
}

/// Off unix the stat data cannot be compared with the index: every file is read.
#[cfg(not(unix))]
fn times(_m: &std::fs::Metadata) -> ((i64, u32), (i64, u32)) {
    ((-1, u32::MAX), (-1, u32::MAX))
}

#[cfg(not(unix))]
fn inode(_m: &std::fs::Metadata) -> u64 {
    u64::MAX
}
