//! The repository as a whole, as repository-level rules and policies see it: which files
//! exist and their bytes, in the source state of the run (staged or work tree).

use crate::path::RepoPath;
use crate::source::{Snapshot, Subject};

/// The repository as repository-level rules see it: which paths exist and their bytes.
pub trait RepoView: Sync {
    /// Whether `path` is a file of the repository.
    fn contains(&self, path: &[u8]) -> bool;
    /// Every file path under the directory `dir` (recursively), sorted.
    fn list(&self, dir: &[u8]) -> Vec<RepoPath>;
    /// The file names at the top level (no '/'), sorted.
    fn top_level(&self) -> Vec<RepoPath>;
    /// Every file whose name (last component, compared case-insensitively) is one of
    /// `names` (given in lower case), sorted.
    fn named(&self, names: &[&str]) -> Vec<RepoPath>;
    /// The bytes of a file, `None` if absent or unreadable.
    fn read(&self, path: &[u8]) -> Option<Vec<u8>>;
    /// blake3 over every file path, sorted: what [`RepoView::files`], `dirs`, `top_level`
    /// and `named` answer depends on, in one hash (the repository-level cache's digest).
    fn paths_digest(&self) -> [u8; 32] {
        let mut h = blake3::Hasher::new();
        for p in self.files() {
            h.update(p.as_bytes());
            h.update(&[0]);
        }
        *h.finalize().as_bytes()
    }
    /// What the view shows, for cache keys of results that depend on the whole view:
    /// `work tree` (the default), `index` or `staged`.
    fn shows(&self) -> &'static str {
        "work tree"
    }
    /// The content id (git blob id) of what [`RepoView::read`] gives, `None` when it gives
    /// nothing. Views that know ids (the index, unchanged tracked files) answer without
    /// reading.
    fn content_id(&self, path: &[u8]) -> Option<gix::ObjectId> {
        self.read(path)
            .and_then(|b| crate::source::content_id(&b).ok())
    }
    /// The directories that hold at least one file, down to `depth` levels (`a/b/c/d.txt`
    /// gives `a`, `a/b` and `a/b/c` when `depth` ≥ 3), '/'-separated, sorted.
    fn dirs(&self, depth: usize) -> Vec<String>;
    /// Every file path, sorted.
    fn files(&self) -> Vec<RepoPath>;
    /// Whether `path` is a regular file in the work tree that this view leaves out because
    /// it is not staged (only a view of the index for `--staged` says yes), so that a rule
    /// can say "not staged" instead of "missing".
    fn unstaged(&self, _path: &[u8]) -> bool {
        false
    }
}

/// A view of a list of files with their contents: the work tree of a git repository or a
/// plain directory, as [`crate::source::worktree::files`] and the directory walk list them.
pub struct WorkTreeView {
    /// The files, sorted by path.
    files: std::sync::Arc<[Subject]>,
    /// The repository whose blobs [`crate::source::Content::Blob`] names (`None` outside
    /// git).
    repo: Option<std::sync::Arc<crate::source::repo::Repo>>,
}

impl WorkTreeView {
    /// A view of `files` (sorted by path, as the listings give them).
    pub fn new(
        files: std::sync::Arc<[Subject]>,
        repo: Option<std::sync::Arc<crate::source::repo::Repo>>,
    ) -> WorkTreeView {
        debug_assert!(files.windows(2).all(|w| w[0].path < w[1].path));
        WorkTreeView { files, repo }
    }

    fn find(&self, path: &[u8]) -> Option<&Subject> {
        self.files
            .binary_search_by(|s| s.path.as_bytes().cmp(path))
            .ok()
            .map(|i| &self.files[i])
    }

    fn paths(&self) -> impl Iterator<Item = &RepoPath> {
        self.files.iter().map(|s| &s.path)
    }
}

impl RepoView for WorkTreeView {
    fn contains(&self, path: &[u8]) -> bool {
        self.find(path).is_some()
    }
    fn list(&self, dir: &[u8]) -> Vec<RepoPath> {
        let mut prefix = dir.to_vec();
        prefix.push(b'/');
        let start = self
            .files
            .partition_point(|s| s.path.as_bytes() < prefix.as_slice());
        self.files[start..]
            .iter()
            .take_while(|s| s.path.as_bytes().starts_with(&prefix))
            .map(|s| s.path.clone())
            .collect()
    }
    fn top_level(&self) -> Vec<RepoPath> {
        self.paths()
            .filter(|p| !p.as_bytes().contains(&b'/'))
            .cloned()
            .collect()
    }
    fn named(&self, names: &[&str]) -> Vec<RepoPath> {
        self.paths()
            .filter(|p| {
                names
                    .iter()
                    .any(|n| p.file_name().eq_ignore_ascii_case(n.as_bytes()))
            })
            .cloned()
            .collect()
    }
    fn read(&self, path: &[u8]) -> Option<Vec<u8>> {
        let subject = self.find(path)?;
        match (&subject.content, &self.repo) {
            (crate::source::Content::Blob(id), Some(repo)) => repo
                .from_work_tree(&subject.path, *id)
                .or_else(|| Snapshot::read(repo.local().as_ref(), &subject.content).ok()),
            (content, _) => Snapshot::read(None, content).ok(),
        }
    }
    fn paths_digest(&self) -> [u8; 32] {
        let mut all = Vec::new();
        for p in self.paths() {
            all.extend_from_slice(p.as_bytes());
            all.push(0);
        }
        *blake3::hash(&all).as_bytes()
    }
    fn content_id(&self, path: &[u8]) -> Option<gix::ObjectId> {
        match &self.find(path)?.content {
            crate::source::Content::Blob(id) => Some(*id),
            _ => self
                .read(path)
                .and_then(|b| crate::source::content_id(&b).ok()),
        }
    }
    fn files(&self) -> Vec<RepoPath> {
        self.paths().cloned().collect()
    }
    fn dirs(&self, depth: usize) -> Vec<String> {
        dirs_of(self.paths().map(|p| p.as_bytes()), depth)
    }
}

/// The directories of `paths` down to `depth` levels, sorted and deduplicated (the shared
/// implementation of [`RepoView::dirs`]). `paths` should come sorted, as index entries and
/// walks do: a directory is then only compared with the previous path's directory at the
/// same level, which keeps this linear in the number of paths.
pub fn dirs_of<'a>(paths: impl Iterator<Item = &'a [u8]>, depth: usize) -> Vec<String> {
    let mut out: Vec<&'a [u8]> = Vec::new();
    let mut last: Vec<&'a [u8]> = Vec::new();
    for p in paths {
        let mut level = 0;
        for (i, b) in p.iter().enumerate() {
            if *b != b'/' {
                continue;
            }
            if level == depth {
                break;
            }
            let dir = &p[..i];
            if last.get(level) != Some(&dir) {
                last.truncate(level);
                last.push(dir);
                out.push(dir);
            }
            level += 1;
        }
    }
    out.sort_unstable();
    out.dedup();
    out.into_iter()
        .map(|d| String::from_utf8_lossy(d).into_owned())
        .collect()
}

#[cfg(test)]
mod dirs_tests {
    #[test]
    fn dirs_down_to_a_depth() {
        let paths: [&[u8]; 5] = [
            b"README.md",
            b"a/b/c/d.txt",
            b"a/b/e.txt",
            b"a/x.txt",
            b"k8s/base/k.yaml",
        ];
        assert_eq!(
            super::dirs_of(paths.into_iter(), 2),
            ["a", "a/b", "k8s", "k8s/base"]
        );
    }
}
