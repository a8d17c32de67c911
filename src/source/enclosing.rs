//! The index of an enclosing git repository as a source of content ids: a governance
//! repository that tracks its `organizations/` tree knows, for every plain-folder
//! repository in it, each file's blob id and the stat data it had when staged.
//!
//! A folder's files are still listed by walking the folder (its own ignore files decide,
//! not the enclosing repository's), and what counts is still what is on disk: an entry's
//! id stands for a file only when the file's stat data matches the entry exactly and the
//! entry is not racily clean, as `git status` decides. Then a run, even a cold one, learns
//! the id without reading the file. Any other file falls back to the cache's stamps or is
//! read.

use std::path::Path;
use std::sync::Arc;

use gix::bstr::ByteSlice;
use gix::index::entry::{Flags, Mode as EntryMode, Stage};

use crate::cache::FileStamp;
use crate::path::RepoPath;

/// The enclosing repository's index, shared by every folder under it.
pub struct EnclosingIndex {
    index: gix::index::File,
}

impl EnclosingIndex {
    /// The index of the repository whose work tree is `root` (canonical), when `root` is a
    /// plain git work tree ([`super::repo::plain_layout`]) tracking something under `dir`
    /// (a top-level directory name, `organizations`); `None` otherwise.
    pub fn of(root: &Path, dir: &str) -> Option<Arc<EnclosingIndex>> {
        let layout = super::repo::plain_layout(root)?;
        let index = super::git::index_at(layout.git_dir.join("index"), layout.hash).ok()?;
        let prefix = format!("{dir}/");
        index.prefixed_entries(prefix.as_bytes().as_bstr())?;
        Some(Arc::new(EnclosingIndex { index }))
    }

    /// The ids of the folder at `rel` (relative to the enclosing work tree, '/'-separated,
    /// e.g. `organizations/acme/api`), when the index tracks something under it.
    pub fn folder(self: &Arc<Self>, rel: &str) -> Option<Enclosing> {
        let prefix = format!("{rel}/").into_bytes();
        self.index.prefixed_entries(prefix.as_bstr())?;
        Some(Enclosing {
            index: self.clone(),
            prefix,
        })
    }
}

/// One folder's view of the enclosing index: its paths are the folder's, prefixed.
#[derive(Clone)]
pub struct Enclosing {
    index: Arc<EnclosingIndex>,
    /// The folder's path in the enclosing work tree, with a trailing '/'.
    prefix: Vec<u8>,
}

impl Enclosing {
    /// The blob id the enclosing index gives the folder's file `path` whose stat data is
    /// `stamp`: `None` unless it tracks that path as a regular, unconflicted file whose
    /// recorded stat data is `stamp`'s (size, modification and change times, inode, each as
    /// the index truncates them) and the entry is not racily clean.
    pub fn id_of(&self, path: &RepoPath, stamp: &FileStamp) -> Option<gix::ObjectId> {
        let index = &self.index.index;
        let mut full = self.prefix.clone();
        full.extend_from_slice(path.as_bytes());
        let e = index.entry_by_path(full.as_bstr())?;
        let usable = e.stage() == Stage::Unconflicted
            && matches!(e.mode, EntryMode::FILE | EntryMode::FILE_EXECUTABLE)
            && !e
                .flags
                .intersects(Flags::INTENT_TO_ADD | Flags::SKIP_WORKTREE);
        let same = super::dir::matches_entry(stamp, e);
        let racy = e.stat.is_racy(index.timestamp(), Default::default());
        (usable && same && !racy).then_some(e.id)
    }
}

/// Fills the ids `known` leaves open from `enclosing`, for the files whose stamps are
/// `stamps` and whose paths `path_of` gives (by position); returns how many it filled.
pub fn fill<'a>(
    enclosing: Option<&Enclosing>,
    known: &mut [Option<gix::ObjectId>],
    stamps: &[Option<crate::cache::Stamped>],
    path_of: impl Fn(usize) -> &'a RepoPath,
) -> usize {
    let Some(enclosing) = enclosing else {
        return 0;
    };
    let mut filled = 0;
    for (i, (id, stamp)) in known.iter_mut().zip(stamps).enumerate() {
        if id.is_some() {
            continue;
        }
        if let Some(s) = stamp {
            *id = enclosing.id_of(path_of(i), &s.stamp);
            filled += usize::from(id.is_some());
        }
    }
    filled
}
