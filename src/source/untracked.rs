//! Untracked files: the files of a git work tree that the index does not track and git does
//! not ignore, found as `git status` finds them.
//!
//! The walk reads every directory once (in parallel, one task per directory). A name the
//! index tracks is passed over at the cost of a binary search, so ignore patterns are only
//! matched against the few names that are not tracked: `.gitignore` files (each directory's
//! own, found in the listing already read), `$GIT_DIR/info/exclude` and `core.excludesFile`,
//! with git's precedence (a deeper file wins; within a file, the last matching pattern).
//! Ignored directories, nested repositories and submodules are not entered, symbolic links
//! are not followed, and `.git` is skipped.

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use gix::bstr::ByteSlice;
use ignore::gitignore::{Gitignore, GitignoreBuilder};
use ignore::Match;
use rayon::prelude::*;

use crate::path::RepoPath;

/// The ignore files of one directory and its ancestors, deepest first.
#[derive(Clone)]
struct Chain {
    /// `.gitignore` matchers, from this directory up to the root.
    dirs: Vec<Arc<Gitignore>>,
}

/// What a walk shares: the work tree, the index and the repository-wide ignore files.
struct Walk<'a> {
    index: &'a gix::index::File,
    /// `$GIT_DIR/info/exclude`, then `core.excludesFile`.
    repo_wide: [Gitignore; 2],
}

/// The untracked files of the work tree at `root` whose index is `index`, sorted.
/// `exclude` is `$GIT_COMMON_DIR/info/exclude`. Unreadable directories are passed over.
pub fn files(root: &Path, index: &gix::index::File, exclude: &Path) -> Vec<RepoPath> {
    let info = {
        let mut b = GitignoreBuilder::new(root);
        b.add(exclude);
        b.build().unwrap_or_else(|_| Gitignore::empty())
    };
    let (global, _) = GitignoreBuilder::new(root).build_global();
    let walk = Walk {
        index,
        repo_wide: [info, global],
    };
    let all = 0..index.entries().len();
    let chain = Chain { dirs: Vec::new() };
    let mut out = walk.dir(root.to_path_buf(), Vec::new(), all, chain);
    out.sort_unstable();
    out
}

impl Walk<'_> {
    /// Whether the untracked `path` (absolute) is ignored under `chain`.
    fn ignored(&self, chain: &Chain, path: &Path, is_dir: bool) -> bool {
        let matchers = chain
            .dirs
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

    /// Whether the index has an entry at `rel`, searching only `range` (the entries under
    /// its directory, which hold it if the index does).
    fn tracked(&self, range: &Range<usize>, rel: &[u8]) -> bool {
        let entries = &self.index.entries()[range.clone()];
        entries
            .binary_search_by(|e| e.path(self.index).as_bytes().cmp(rel))
            .is_ok()
    }

    /// The entries under the directory `rel` (those starting with `rel/`), within `range`
    /// (the entries under its parent); empty when it has none. The index is sorted by path
    /// bytes, so they are contiguous.
    fn under(&self, range: &Range<usize>, rel: &[u8]) -> Range<usize> {
        let entries = &self.index.entries()[range.clone()];
        let mut prefix = rel.to_vec();
        prefix.push(b'/');
        let path = |e: &gix::index::Entry| e.path(self.index).as_bytes();
        let start = entries.partition_point(|e| path(e) < prefix.as_slice());
        let end = start + entries[start..].partition_point(|e| path(e).starts_with(&prefix));
        range.start + start..range.start + end
    }

    /// The untracked files under the directory `abs` (repo-relative `rel`, empty at the
    /// root).
    fn dir(
        &self,
        abs: PathBuf,
        rel: Vec<u8>,
        range: Range<usize>,
        mut chain: Chain,
    ) -> Vec<RepoPath> {
        let Ok(read) = std::fs::read_dir(&abs) else {
            return Vec::new();
        };
        let entries: Vec<std::fs::DirEntry> = read.filter_map(|e| e.ok()).collect();
        if entries.iter().any(|e| e.file_name() == ".gitignore") {
            let mut b = GitignoreBuilder::new(&abs);
            b.add(abs.join(".gitignore"));
            if let Ok(g) = b.build() {
                chain.dirs.insert(0, Arc::new(g));
            }
        }
        let mut files = Vec::new();
        let mut subdirs = Vec::new();
        for e in entries {
            let name = e.file_name();
            if name == ".git" {
                continue;
            }
            let mut r = rel.clone();
            if !r.is_empty() {
                r.push(b'/');
            }
            r.extend_from_slice(name.as_encoded_bytes());
            let Ok(ft) = e.file_type() else { continue };
            if ft.is_file() {
                if !self.tracked(&range, &r) && !self.ignored(&chain, &e.path(), false) {
                    files.push(RepoPath::from_bytes(r));
                }
            } else if ft.is_dir() {
                let path = e.path();
                let under = self.under(&range, &r);
                let enter = if !under.is_empty() {
                    !self.ignored(&chain, &path, true)
                } else {
                    // A submodule is an index entry at the directory itself.
                    !self.tracked(&range, &r)
                        && !self.ignored(&chain, &path, true)
                        && !path.join(".git").exists()
                };
                if enter {
                    subdirs.push((path, r, under));
                }
            }
        }
        let nested: Vec<Vec<RepoPath>> = subdirs
            .into_par_iter()
            .map(|(p, r, under)| self.dir(p, r, under, chain.clone()))
            .collect();
        files.extend(nested.into_iter().flatten());
        files
    }
}
