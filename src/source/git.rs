//! Git repositories: the index, HEAD's tree and blobs, read through gix.
//!
//! The staged set is computed by walking HEAD's tree alongside the index, and skipping
//! every directory whose cache-tree entry (the index's TREE extension) is valid and names
//! the same tree id as HEAD: only directories on the path of a staged change are read, so
//! the cost follows the change, not the repository. Renamed and copied files appear at
//! their new path and are checked; deleted paths are not.

use std::collections::HashMap;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use gix::bstr::{BStr, ByteSlice};
use gix::index::entry::{Mode as EntryMode, Stage};
use gix::ObjectId;

use crate::error::{Error, Result};
use crate::path::RepoPath;
use crate::source::repo::{plain_layout, Repo};
use crate::source::view::WorkTreeView;
use crate::source::RepoView;
use crate::source::{fs::select, worktree, Content, Mode, Snapshot, Subject};

/// Opens the repository that contains `cwd`, honouring `GIT_DIR`, `GIT_WORK_TREE` and
/// `GIT_INDEX_FILE` as git sets them for hooks. `Ok(None)` when `cwd` is not in one.
pub fn open(cwd: &Path) -> Result<Option<gix::Repository>> {
    match gix::discover_with_environment_overrides(cwd) {
        Ok(repo) => Ok(Some(repo)),
        Err(_) => Ok(None),
    }
}

/// Reads the index that git would use (`GIT_INDEX_FILE` included) without re-verifying its
/// trailing checksum, as git itself does outside `git fsck`. A missing index is empty.
pub fn read_index(repo: &gix::Repository) -> Result<gix::index::File> {
    index_at(repo.index_path(), repo.object_hash())
}

/// The index file at `path` (empty when there is none), decoded without re-verifying its
/// checksum. A small index (under [`THREADED_INDEX`] bytes) is decoded on the calling
/// thread: asking how many cores there are costs more than decoding it, thousands of
/// times in a portfolio run.
pub fn index_at(path: PathBuf, hash: gix::hash::Kind) -> Result<gix::index::File> {
    let Ok(meta) = std::fs::metadata(&path) else {
        return Ok(gix::index::File::from_state(
            gix::index::State::new(hash),
            path,
        ));
    };
    let options = gix::index::decode::Options {
        thread_limit: (meta.len() < THREADED_INDEX).then_some(1),
        ..Default::default()
    };
    gix::index::File::at(&path, hash, true, options)
        .map_err(|e| Error::io(format!("reading the index {}", path.display()), e))
}

/// The size in bytes from which an index may be decoded on several threads (about 10,000
/// entries), as gix does when the index has the extensions for it.
const THREADED_INDEX: u64 = 1 << 20;

fn checkable(e: &gix::index::Entry) -> bool {
    e.stage() == Stage::Unconflicted
        && matches!(e.mode, EntryMode::FILE | EntryMode::FILE_EXECUTABLE)
        && !e.flags.contains(gix::index::entry::Flags::INTENT_TO_ADD)
}

/// A snapshot of a git repository for `mode`.
pub fn snapshot(repo: gix::Repository, cwd: &Path, mode: &Mode) -> Result<Snapshot> {
    let root = repo
        .workdir()
        .ok_or_else(|| {
            Error::Usage(format!(
                "{} is a bare repository: there are no files to check",
                repo.git_dir().display()
            ))
        })?
        .to_path_buf();
    let root = if root.is_absolute() {
        root
    } else {
        cwd.join(root)
    };
    let index = match mode {
        Mode::Pushed { tip, .. } => tree_index(&repo, *tip)?,
        _ => read_index(&repo)?,
    };
    crate::trace::phase(|| format!("index read: {} entries", index.entries().len()));
    let absolute = |p: PathBuf| if p.is_absolute() { p } else { cwd.join(p) };
    let default_cache = absolute(repo.common_dir().join("govern").join("cache.redb"));
    let exclude = absolute(repo.common_dir().join("info").join("exclude"));
    let sync = repo.clone().into_sync();
    if let Mode::All | Mode::Paths(_) = mode {
        let opened = Repo::opened(sync, root.clone());
        let mut snap = work_tree_snapshot(root, &index, &exclude, opened, cwd, mode)?;
        snap.default_cache = Some(default_cache);
        return Ok(snap);
    }
    let subjects: Vec<Subject> = match mode {
        Mode::Pushed { base, .. } => pushed(&repo, *base, &index)?,
        _ => staged(&repo, &index)?
            .into_iter()
            .map(|(path, id)| Subject {
                path,
                content: Content::Blob(id),
            })
            .collect(),
    };
    let view = IndexView {
        index,
        repo: sync.clone(),
        root: root.clone(),
        staged: matches!(mode, Mode::Staged),
    };
    Ok(Snapshot {
        view: Box::new(view),
        repo: Some(Repo::opened(sync, root.clone())),
        root,
        subjects: subjects.into(),
        default_cache: Some(default_cache),
        enclosing: None,
        repo_yamls: Default::default(),
    })
}

/// The snapshot of the work tree `root` (absolute) whose index is `index` and whose
/// `info/exclude` is `exclude`, for `--all` or given paths (relative to `cwd`); no default
/// cache.
fn work_tree_snapshot(
    root: PathBuf,
    index: &gix::index::File,
    exclude: &Path,
    repo: Arc<Repo>,
    cwd: &Path,
    mode: &Mode,
) -> Result<Snapshot> {
    let every = matches!(mode, Mode::All);
    let all: Arc<[Subject]> = worktree::files(&root, index, exclude, every).into();
    let subjects = match mode {
        Mode::Paths(given) => select(&root, cwd, given, &all)?.into(),
        _ => all.clone(),
    };
    Ok(Snapshot {
        view: Box::new(WorkTreeView::new(all, Some(repo.clone()))),
        root,
        subjects,
        repo: Some(repo),
        default_cache: None,
        enclosing: None,
        repo_yamls: Default::default(),
    })
}

/// The work-tree snapshot of a portfolio's git repository at `work_tree` (canonical), as
/// `git govern check --all` sees it but with the repository's own configuration only. A
/// repository of the plain layout ([`plain_layout`]) is read without opening it: its index
/// and work tree, and its objects only if a blob must be read; any other is opened by gix
/// first. Errors: the repository cannot be opened, or its index cannot be read.
pub fn portfolio_snapshot(work_tree: &Path) -> Result<Snapshot> {
    let Some(layout) = plain_layout(work_tree) else {
        let repo = gix::open_opts(work_tree, gix::open::Options::isolated()).map_err(|e| {
            Error::io(
                format!("opening the git repository {}", work_tree.display()),
                e,
            )
        })?;
        return snapshot(repo, work_tree, &Mode::All);
    };
    let index = index_at(layout.git_dir.join("index"), layout.hash)?;
    crate::trace::phase(|| format!("index read: {} entries", index.entries().len()));
    let exclude = layout.git_dir.join("info").join("exclude");
    let repo = Repo::on_demand(work_tree.to_path_buf());
    work_tree_snapshot(
        work_tree.to_path_buf(),
        &index,
        &exclude,
        repo,
        work_tree,
        &Mode::All,
    )
}

/// An in-memory index of commit `commit`'s tree.
fn tree_index(repo: &gix::Repository, commit: ObjectId) -> Result<gix::index::File> {
    let tree = repo
        .find_commit(commit)
        .map_err(|e| Error::io(format!("reading commit {commit}"), e))?
        .tree_id()
        .map_err(|e| Error::io(format!("reading the tree of {commit}"), e))?;
    repo.index_from_tree(&tree)
        .map_err(|e| Error::io(format!("reading the tree of {commit}"), e))
}

/// The files of `tip` (as an index) that differ from commit `base`, or all of them when
/// there is no base: added, modified, renamed and copied paths, never deleted ones.
fn pushed(
    repo: &gix::Repository,
    base: Option<ObjectId>,
    tip: &gix::index::File,
) -> Result<Vec<Subject>> {
    let old: HashMap<Vec<u8>, ObjectId> = match base {
        Some(b) => {
            let idx = tree_index(repo, b)?;
            idx.entries()
                .iter()
                .map(|e| (e.path(&idx).to_vec(), e.id))
                .collect()
        }
        None => HashMap::new(),
    };
    Ok(tip
        .entries()
        .iter()
        .filter(|e| checkable(e) && old.get(e.path(tip).as_bytes()) != Some(&e.id))
        .map(|e| Subject {
            path: RepoPath::from_bytes(e.path(tip).to_vec()),
            content: Content::Blob(e.id),
        })
        .collect())
}

/// Paths whose staged blob differs from HEAD (added, modified, renamed or copied), with
/// their staged blob ids, in index order. On an unborn HEAD every entry is staged.
pub fn staged(
    repo: &gix::Repository,
    index: &gix::index::File,
) -> Result<Vec<(RepoPath, ObjectId)>> {
    let head_tree = repo
        .head_tree_id_or_empty()
        .map_err(|e| Error::io("reading HEAD", e))?
        .detach();
    let head_tree = (head_tree != ObjectId::empty_tree(repo.object_hash())).then_some(head_tree);
    let mut out = Vec::new();
    let n = index.entries().len();
    diff_dir(repo, index, head_tree, b"", 0..n, index.tree(), &mut out)?;
    Ok(out)
}

fn diff_dir(
    repo: &gix::Repository,
    index: &gix::index::File,
    tree: Option<ObjectId>,
    prefix: &[u8],
    range: Range<usize>,
    cache: Option<&gix::index::extension::Tree>,
    out: &mut Vec<(RepoPath, ObjectId)>,
) -> Result<()> {
    if let (Some(t), Some(c)) = (tree, cache) {
        if c.num_entries.is_some() && c.id == t {
            return Ok(());
        }
    }
    let mut tree_entries: HashMap<Vec<u8>, (bool, ObjectId)> = HashMap::new();
    if let Some(id) = tree {
        let t = repo
            .find_tree(id)
            .map_err(|e| Error::io(format!("reading tree {id}"), e))?;
        let decoded = t
            .decode()
            .map_err(|e| Error::io(format!("decoding tree {id}"), e))?;
        for e in &decoded.entries {
            tree_entries.insert(e.filename.to_vec(), (e.mode.is_tree(), e.oid.to_owned()));
        }
    }
    let entries = index.entries();
    let mut i = range.start;
    while i < range.end {
        let e = &entries[i];
        let path: &BStr = e.path(index);
        let rest = &path[prefix.len()..];
        if let Some(slash) = rest.find_byte(b'/') {
            let name = &rest[..slash];
            let sub_prefix = &path[..prefix.len() + slash + 1];
            let end = i + entries[i..range.end]
                .partition_point(|x| x.path(index).starts_with(sub_prefix));
            let sub_tree = tree_entries
                .get(name)
                .filter(|(is_tree, _)| *is_tree)
                .map(|(_, id)| *id);
            let sub_cache =
                cache.and_then(|c| c.children.iter().find(|ch| ch.name.as_slice() == name));
            diff_dir(repo, index, sub_tree, sub_prefix, i..end, sub_cache, out)?;
            i = end;
        } else {
            if checkable(e) {
                let same = tree_entries
                    .get(rest)
                    .is_some_and(|(is_tree, id)| !*is_tree && *id == e.id);
                if !same {
                    out.push((RepoPath::from_bytes(path.to_vec()), e.id));
                }
            }
            i += 1;
        }
    }
    Ok(())
}

/// blake3 over the checkable paths of `index`, in index order. The index keeps its paths
/// one after another in one buffer, so the usual case hashes that buffer at once (blake3
/// is several times faster on long input than on 100,000 short updates) with each path's
/// length and whether it counts; an index whose paths are not laid out that way is hashed
/// path by path. Either way the digest changes whenever the list of checkable paths does.
fn index_paths_digest(index: &gix::index::File) -> [u8; 32] {
    let backing: &[u8] = index.path_backing();
    // The buffer is hashed on one core while the other walks the entries.
    let (whole, (shape, laid_out)) = rayon::join(
        || blake3::hash(backing),
        || {
            let mut shape = blake3::Hasher::new();
            let mut next = backing.as_ptr() as usize;
            let mut laid_out = true;
            let mut buf = Vec::with_capacity(64 * 1024);
            for e in index.entries() {
                let p: &[u8] = e.path(index);
                laid_out &= p.as_ptr() as usize == next;
                next = p.as_ptr() as usize + p.len();
                buf.extend_from_slice(&(p.len() as u32).to_le_bytes());
                buf.push(u8::from(checkable(e)));
                if buf.len() >= 60 * 1024 {
                    shape.update(&buf);
                    buf.clear();
                }
            }
            shape.update(&buf);
            let end = backing.as_ptr() as usize + backing.len();
            (shape.finalize(), laid_out && next == end)
        },
    );
    let mut h = blake3::Hasher::new();
    if laid_out {
        h.update(b"backing");
        h.update(whole.as_bytes());
        h.update(shape.as_bytes());
    } else {
        h.update(b"paths");
        for e in index.entries().iter().filter(|e| checkable(e)) {
            h.update(e.path(index));
            h.update(&[0]);
        }
    }
    *h.finalize().as_bytes()
}

/// The checkable entries of `index` whose file name is one of `names` (ASCII case
/// ignored), found by searching the index's path buffer instead of visiting every entry:
/// each place a name occurs is mapped to its entry by a binary search, and kept when it is
/// that entry's whole file name. `None` when the paths are not laid out one after another
/// in entry order (the caller then visits every entry).
fn named_in_backing(index: &gix::index::File, names: &[&str]) -> Option<Vec<RepoPath>> {
    let backing: &[u8] = index.path_backing();
    let entries = index.entries();
    let base = backing.as_ptr() as usize;
    let start_of = |e: &gix::index::Entry| e.path(index).as_ptr() as usize - base;
    // Longest first: at one place the first alternative that matches is taken.
    let mut alternatives: Vec<String> = names.iter().map(|n| regex::escape(n)).collect();
    alternatives.sort_by_key(|a| std::cmp::Reverse(a.len()));
    let pattern = regex::bytes::Regex::new(&format!("(?i-u){}", alternatives.join("|"))).ok()?;
    let mut found: Vec<usize> = Vec::new();
    let mut at = 0;
    // Overlapping search: a name may start inside an earlier, rejected occurrence.
    while let Some(m) = pattern.find_at(backing, at) {
        at = m.start() + 1;
        let i = entries
            .partition_point(|e| start_of(e) <= m.start())
            .checked_sub(1)?;
        let e = &entries[i];
        let (start, path) = (start_of(e), e.path(index));
        if m.start() >= start + path.len() {
            return None; // bytes that belong to no entry: not laid out as assumed
        }
        let whole_name =
            m.end() == start + path.len() && (m.start() == start || backing[m.start() - 1] == b'/');
        let named = names.iter().any(|n| n.len() == m.len());
        if whole_name && named && checkable(e) && found.last() != Some(&i) {
            found.push(i);
        }
    }
    Some(
        found
            .into_iter()
            .map(|i| RepoPath::from_bytes(entries[i].path(index).to_vec()))
            .collect(),
    )
}

/// The index (or a commit's tree read as one) as repository-level rules see it in
/// `--staged` and push runs: blobs only, never the work tree.
pub struct IndexView {
    index: gix::index::File,
    repo: gix::ThreadSafeRepository,
    root: PathBuf,
    /// The view is of what is staged (`--staged`): files only on disk are "unstaged".
    staged: bool,
}

impl RepoView for IndexView {
    fn contains(&self, path: &[u8]) -> bool {
        self.index.entry_by_path(path.as_bstr()).is_some()
    }
    fn list(&self, dir: &[u8]) -> Vec<RepoPath> {
        let mut prefix = dir.to_vec();
        prefix.push(b'/');
        self.index
            .prefixed_entries(prefix.as_bstr())
            .unwrap_or(&[])
            .iter()
            .filter(|e| checkable(e))
            .map(|e| RepoPath::from_bytes(e.path(&self.index).to_vec()))
            .collect()
    }
    fn top_level(&self) -> Vec<RepoPath> {
        self.index
            .entries()
            .iter()
            .map(|e| e.path(&self.index))
            .filter(|p| !p.contains(&b'/'))
            .map(|p| RepoPath::from_bytes(p.to_vec()))
            .collect()
    }
    fn named(&self, names: &[&str]) -> Vec<RepoPath> {
        if let Some(found) = named_in_backing(&self.index, names) {
            return found;
        }
        // One pass over the index without building a searcher per path: a file name is
        // what follows the last '/'.
        let lengths: Vec<usize> = names.iter().map(|n| n.len()).collect();
        self.index
            .entries()
            .iter()
            .filter(|e| checkable(e))
            .map(|e| e.path(&self.index))
            .filter(|p| {
                let name = p.rfind_byte(b'/').map_or(&p[..], |i| &p[i + 1..]);
                lengths.contains(&name.len())
                    && names
                        .iter()
                        .any(|n| name.eq_ignore_ascii_case(n.as_bytes()))
            })
            .map(|p| RepoPath::from_bytes(p.to_vec()))
            .collect()
    }
    fn read(&self, path: &[u8]) -> Option<Vec<u8>> {
        let e = self.index.entry_by_path(path.as_bstr())?;
        let repo = self.repo.to_thread_local();
        repo.find_blob(e.id).ok().map(|b| b.detach().data)
    }
    fn paths_digest(&self) -> [u8; 32] {
        index_paths_digest(&self.index)
    }
    fn shows(&self) -> &'static str {
        if self.staged {
            "staged"
        } else {
            "index"
        }
    }
    fn content_id(&self, path: &[u8]) -> Option<gix::ObjectId> {
        // What `read` gives: nothing for a blob the object database lacks (a partial clone).
        let id = self.index.entry_by_path(path.as_bstr())?.id;
        self.repo.to_thread_local().has_object(id).then_some(id)
    }
    fn unstaged(&self, path: &[u8]) -> bool {
        self.staged
            && !self.contains(path)
            && std::fs::symlink_metadata(self.root.join(RepoPath::from_bytes(path).to_os_path()))
                .is_ok_and(|m| m.is_file())
    }
    fn files(&self) -> Vec<RepoPath> {
        self.index
            .entries()
            .iter()
            .filter(|e| checkable(e))
            .map(|e| RepoPath::from_bytes(e.path(&self.index).to_vec()))
            .collect()
    }
    fn dirs(&self, depth: usize) -> Vec<String> {
        crate::source::view::dirs_of(
            self.index
                .entries()
                .iter()
                .filter(|e| checkable(e))
                .map(|e| e.path(&self.index).as_bytes()),
            depth,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::testing::git;

    /// Finding names in the path buffer gives what visiting every entry gives: whole file
    /// names only, any ASCII case, not directories or longer names, each entry once.
    #[test]
    fn names_found_in_the_buffer_match_a_full_visit() {
        let tmp = tempfile::tempdir().unwrap();
        let d = tmp.path();
        git(d, &["init", "-q"]);
        let files = [
            "repo.yaml",
            "a/repo.yaml",
            "a/xrepo.yaml",
            "b/REPO.YAML",
            "b/repo.yaml.bak",
            "repo.yaml.d/x",
            "c/d/e/Repo.Yaml",
            "c/repo.yam",
            "d/a",
            "aa",
            "zz/CODEOWNERS",
        ];
        for f in files {
            let p = d.join(f);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(&p, f).unwrap();
        }
        git(d, &["add", "-A"]);
        let repo = gix::open(d).unwrap();
        let index = read_index(&repo).unwrap();
        let visit = |names: &[&str]| -> Vec<RepoPath> {
            index
                .entries()
                .iter()
                .filter(|e| checkable(e))
                .map(|e| e.path(&index))
                .filter(|p| {
                    let name = p.rfind_byte(b'/').map_or(&p[..], |i| &p[i + 1..]);
                    names
                        .iter()
                        .any(|n| name.eq_ignore_ascii_case(n.as_bytes()))
                })
                .map(|p| RepoPath::from_bytes(p.to_vec()))
                .collect()
        };
        for names in [
            &["repo.yaml"][..],
            &["repo.yaml", "repo.yaml.bak"],
            &["aa", "a"],
            &["codeowners"],
            &["nothing"],
        ] {
            let found = named_in_backing(&index, names).expect("laid out");
            assert_eq!(found, visit(names), "{names:?}");
        }
        assert_eq!(named_in_backing(&index, &["repo.yaml"]).unwrap().len(), 4);
    }
}
