//! The work tree as `git status` shows it: the one state that `--all`, given paths and every
//! portfolio command check, for file rules and repository-level rules alike.
//!
//! [`files`] lists it in one walk, reading each directory once (in parallel, one task per
//! directory) and taking each name as git does:
//! - a name the index tracks as a regular file: its stat data (read relative to the
//!   directory) is compared with the entry, and where it matches and is not racily clean
//!   the blob id stands for the content; otherwise the file on disk is read (modified
//!   files, files added with `git add -N`, paths with a merge conflict);
//! - a name the index does not track: a file that no ignore rule matches (`.gitignore`
//!   files, found in the listings already read, `$GIT_DIR/info/exclude`,
//!   `core.excludesFile`, with git's precedence) is untracked and read from disk; a
//!   directory is entered unless ignored or a nested repository;
//! - index entries whose file is gone from disk, entries outside a sparse checkout
//!   (skip-worktree), symbolic links, submodules and `.git` are passed over, so a blob
//!   missing from a partial clone is never read.
//!
//! Tracked files inside an ignored directory are still listed (git tracks them regardless);
//! only their untracked neighbours are ignored.

use std::ffi::{OsStr, OsString};
use std::ops::Range;
use std::path::Path;
use std::sync::Arc;

use gix::bstr::ByteSlice;
use gix::index::entry::{Flags, Mode as EntryMode, Stage};
use ignore::gitignore::{Gitignore, GitignoreBuilder};
use ignore::Match;
use rayon::prelude::*;

use crate::path::RepoPath;
use crate::source::dir::{Dir, Kind, Tree};
use crate::source::{Content, Subject};

/// Every file of the work tree of the repository at `root` whose index is `index`, sorted
/// by path. `exclude` is `$GIT_COMMON_DIR/info/exclude`. Unreadable directories are passed
/// over. With `stamp`, the files read from disk carry their stat data (see
/// [`Content::File`]): worth it when every file is checked, not when a few named ones are.
pub fn files(root: &Path, index: &gix::index::File, exclude: &Path, stamp: bool) -> Vec<Subject> {
    let info = {
        let mut b = GitignoreBuilder::new(root);
        b.add(exclude);
        b.build().unwrap_or_else(|_| Gitignore::empty())
    };
    let walk = Walk {
        tree: Tree::new(root),
        index,
        repo_wide: [info, global_matcher(root)],
        folder: false,
        stamp,
    };
    let top = Place {
        rel: Vec::new(),
        range: 0..index.entries().len(),
        ignores: Vec::new(),
        ignored: false,
    };
    walk.dir(top)
}

/// Every file under the plain folder `root` (no git repository), sorted by path: the same
/// walk with nothing tracked, so a file is listed unless ignored by a `.gitignore` or
/// `.ignore` file from `root` down (an `.ignore` file takes precedence over its
/// directory's `.gitignore`, as in ripgrep) or `core.excludesFile`. Ignore files above
/// `root` do not count: the folder is the repository. Hidden files are listed; `.git`
/// directories are passed over but their neighbours are not (a folder holding a clone is
/// read whole); symbolic links are neither followed nor listed. One directory listing per
/// directory, and no file is opened to list it. `stamp` as for [`files`].
pub fn folder_files(root: &Path, stamp: bool) -> Vec<Subject> {
    let index = gix::index::File::from_state(
        gix::index::State::new(gix::hash::Kind::Sha1),
        root.join(".git").join("index"),
    );
    let walk = Walk {
        tree: Tree::new(root),
        index: &index,
        repo_wide: [Gitignore::empty(), global_matcher(root)],
        folder: true,
        stamp,
    };
    walk.dir(Place::default())
}

/// `core.excludesFile` as a matcher for paths under `root`.
fn global_matcher(root: &Path) -> Gitignore {
    match global_excludes() {
        Some(path) => {
            let mut b = GitignoreBuilder::new(root);
            b.add(path);
            b.build().unwrap_or_else(|_| Gitignore::empty())
        }
        None => Gitignore::empty(),
    }
}

/// The bytes an entry sorts by in path order: its name, and '/' after a directory's.
fn path_key((name, kind): &(OsString, Kind)) -> impl Iterator<Item = u8> + '_ {
    let slash: &[u8] = if *kind == Kind::Dir { b"/" } else { b"" };
    name.as_encoded_bytes().iter().chain(slash).copied()
}

/// The `core.excludesFile` of the user's git configuration (or its default,
/// `$XDG_CONFIG_HOME/git/ignore`) when it is a file, looked up once per process: a
/// portfolio run reads thousands of work trees.
fn global_excludes() -> Option<&'static Path> {
    static PATH: std::sync::OnceLock<Option<std::path::PathBuf>> = std::sync::OnceLock::new();
    PATH.get_or_init(|| ignore::gitignore::gitconfig_excludes_path().filter(|p| p.is_file()))
        .as_deref()
}

/// What a walk shares: the work tree, the index and the repository-wide ignore files.
struct Walk<'a> {
    tree: Tree,
    index: &'a gix::index::File,
    /// `$GIT_DIR/info/exclude`, then `core.excludesFile`.
    repo_wide: [Gitignore; 2],
    /// A plain folder ([`folder_files`]): `.ignore` files count, and nested repositories
    /// are entered.
    folder: bool,
    /// Untracked files are stat'ed as they are listed, for their stamps.
    stamp: bool,
}

/// A directory to read.
#[derive(Default)]
struct Place {
    /// Repo-relative path, empty for the root.
    rel: Vec<u8>,
    /// The index entries under it.
    range: Range<usize>,
    /// The `.gitignore` matchers of it and its ancestors, deepest first.
    ignores: Vec<Arc<Gitignore>>,
    /// The directory itself is ignored: only tracked files in it count.
    ignored: bool,
}

/// One entry of a directory, in path order: a file to list or a directory to read.
enum Item {
    File(Subject),
    Dir(Place),
}

impl Walk<'_> {
    /// Whether the untracked `path` (absolute) is ignored under `ignores`.
    fn ignored(&self, ignores: &[Arc<Gitignore>], path: &Path, is_dir: bool) -> bool {
        let matchers = ignores
            .iter()
            .map(|g| g.as_ref())
            .chain(self.repo_wide.iter());
        for m in matchers {
            match m.matched(path, is_dir) {
                Match::Ignore(_) => return true,
                Match::Whitelist(_) => return false,
                Match::None => {}
            }
        }
        false
    }

    /// The first index entry at `rel` within `range`, if any.
    fn entry(&self, range: &Range<usize>, rel: &[u8]) -> Option<&gix::index::Entry> {
        let entries = &self.index.entries()[range.clone()];
        let i = entries.partition_point(|e| e.path(self.index).as_bytes() < rel);
        entries
            .get(i)
            .filter(|e| e.path(self.index).as_bytes() == rel)
    }

    /// The entries under the directory `rel` (those starting with `rel/`) within `range`.
    fn under(&self, range: &Range<usize>, rel: &[u8]) -> Range<usize> {
        let entries = &self.index.entries()[range.clone()];
        let mut prefix = rel.to_vec();
        prefix.push(b'/');
        let path = |e: &gix::index::Entry| e.path(self.index).as_bytes();
        let start = entries.partition_point(|e| path(e) < prefix.as_slice());
        let end = start + entries[start..].partition_point(|e| path(e).starts_with(&prefix));
        range.start + start..range.start + end
    }

    /// The files under `place`, sorted by path.
    fn dir(&self, mut place: Place) -> Vec<Subject> {
        let Some(dir) = self.tree.open(&place.rel) else {
            return Vec::new();
        };
        let mut entries = dir.entries();
        let names: &[&str] = if self.folder {
            &[".gitignore", ".ignore"]
        } else {
            &[".gitignore"]
        };
        for file in names {
            if !place.ignored && entries.iter().any(|(n, _)| n == *file) {
                let mut b = GitignoreBuilder::new(&dir.path);
                b.add(dir.path.join(file));
                if let Ok(g) = b.build() {
                    place.ignores.insert(0, Arc::new(g));
                }
            }
        }
        // Path order: a directory sorts as its name followed by '/'.
        entries.sort_unstable_by(|a, b| path_key(a).cmp(path_key(b)));
        let mut items: Vec<Item> = entries
            .into_iter()
            .filter_map(|(name, kind)| self.item(&dir, &place, &name, kind))
            .collect();
        drop(dir);
        // Subdirectories are read in parallel, then stitched in between the files.
        let below: Vec<Vec<Subject>> = items
            .par_iter_mut()
            .filter_map(|item| match item {
                Item::Dir(p) => Some(self.dir(std::mem::take(p))),
                Item::File(_) => None,
            })
            .collect();
        let mut below = below.into_iter();
        let mut out = Vec::with_capacity(items.len());
        for item in items {
            match item {
                Item::File(s) => out.push(s),
                Item::Dir(_) => out.extend(below.next().unwrap_or_default()),
            }
        }
        out
    }

    /// What the entry `name` of `dir` contributes.
    fn item(&self, dir: &Dir, place: &Place, name: &OsStr, kind: Kind) -> Option<Item> {
        if name == ".git" {
            return None;
        }
        let mut rel = place.rel.clone();
        if !rel.is_empty() {
            rel.push(b'/');
        }
        rel.extend_from_slice(name.as_encoded_bytes());
        let entry = self.entry(&place.range, &rel);
        match (kind, entry) {
            (Kind::File, Some(e)) => self.tracked(dir, name, rel, e).map(Item::File),
            (Kind::File, None) => (!place.ignored
                && !self.ignored(&place.ignores, &dir.path.join(name), false))
            .then(|| {
                // The stat data now, for the cache's stamps: relative to the open directory.
                let stamp = self.stamp.then(|| dir.stat(name)?.stamp()).flatten();
                Item::File(Subject {
                    content: Content::File(dir.path.join(name), stamp),
                    path: RepoPath::from_bytes(rel),
                })
            }),
            // A submodule, or a tracked file replaced by a directory git would not enter.
            (Kind::Dir, Some(e)) if e.mode == EntryMode::COMMIT => None,
            (Kind::Dir, _) => self.subdir(dir, place, name, rel),
            (Kind::Other, _) => None,
        }
    }

    /// The directory `name` of `dir` to read, if git would: it holds tracked files, or it is
    /// neither ignored nor a nested repository.
    fn subdir(&self, dir: &Dir, place: &Place, name: &OsStr, rel: Vec<u8>) -> Option<Item> {
        let range = self.under(&place.range, &rel);
        let path = dir.path.join(name);
        let ignored = place.ignored || self.ignored(&place.ignores, &path, true);
        if range.is_empty() && (ignored || (!self.folder && path.join(".git").exists())) {
            return None;
        }
        Some(Item::Dir(Place {
            rel,
            range,
            ignores: place.ignores.clone(),
            ignored,
        }))
    }

    /// The subject for the tracked regular file `name` of `dir` (entry `e`): its blob
    /// where the stat data matches, else the file; `None` outside a sparse checkout or when
    /// the index does not track a regular file there.
    fn tracked(
        &self,
        dir: &Dir,
        name: &OsStr,
        rel: Vec<u8>,
        e: &gix::index::Entry,
    ) -> Option<Subject> {
        if e.flags.contains(Flags::SKIP_WORKTREE)
            || !matches!(e.mode, EntryMode::FILE | EntryMode::FILE_EXECUTABLE)
        {
            return None;
        }
        let m = dir.stat(name)?;
        let blob = e.stage() == Stage::Unconflicted
            && !e.flags.contains(Flags::INTENT_TO_ADD)
            && m.matches(e)
            && !e.stat.is_racy(self.index.timestamp(), Default::default());
        let content = if blob {
            Content::Blob(e.id)
        } else {
            Content::File(dir.path.join(name), m.stamp())
        };
        Some(Subject {
            path: RepoPath::from_bytes(rel),
            content,
        })
    }
}
