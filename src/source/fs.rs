//! Plain directories: files found by walking the disk, honouring `.gitignore`.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::path::RepoPath;
use crate::source::RepoView;
use crate::source::{relative_to_root, Content, Mode, Snapshot, Subject};

/// The files under `start` (a directory at or below `root`), relative to `root` and sorted,
/// skipping `.git` and what the `.gitignore` and `.ignore` files from `root` down and the
/// global git excludes ignore. Ignore files above `root` do not count: the directory is
/// the repository (a portfolio's folder repositories often sit in a directory that an
/// enclosing repository ignores). Hidden files are included (`.meta/`).
pub fn walk(root: &Path, start: &Path) -> Vec<RepoPath> {
    let within = start.to_path_buf();
    let mut out: Vec<RepoPath> = ignore::WalkBuilder::new(root)
        .hidden(false)
        .parents(false)
        .require_git(false)
        .filter_entry(move |e| {
            e.file_name() != ".git"
                && (e.path().starts_with(&within) || within.starts_with(e.path()))
        })
        .build()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().is_some_and(|t| t.is_file()) && e.path().starts_with(start))
        .filter_map(|e| {
            e.path()
                .strip_prefix(root)
                .ok()
                .map(RepoPath::from_relative)
        })
        .collect();
    out.sort();
    out
}

/// A snapshot of a directory that is not in a git repository.
pub fn snapshot(cwd: &Path, mode: &Mode) -> Result<Snapshot> {
    let root = cwd
        .canonicalize()
        .map_err(|e| Error::io(format!("resolving {}", cwd.display()), e))?;
    let all = walk(&root, &root);
    let subjects = match mode {
        Mode::Staged => {
            return Err(Error::Usage(format!(
                "--staged needs a git repository, and {} is not in one",
                cwd.display()
            )))
        }
        Mode::All => all
            .iter()
            .map(|p| Subject {
                content: Content::File(root.join(p.to_os_path())),
                path: p.clone(),
            })
            .collect(),
        Mode::Paths(given) => expand_paths(&root, cwd, given)?,
        Mode::Pushed { .. } => {
            return Err(crate::Error::Usage(format!(
                "{} is not in a git repository: there is no push to check",
                cwd.display()
            )))
        }
    };
    Ok(Snapshot {
        view: Box::new(DirView {
            root: root.clone(),
            files: all,
        }),
        root,
        subjects,
        repo: None,
        default_cache: None,
    })
}

/// Expands given files and directories (directories walked) into subjects read from disk.
pub fn expand_paths(root: &Path, cwd: &Path, given: &[PathBuf]) -> Result<Vec<Subject>> {
    let mut subjects = Vec::new();
    for (abs, rel) in relative_to_root(root, cwd, given)? {
        if abs.is_dir() {
            for p in walk(
                &root.canonicalize().unwrap_or_else(|_| root.to_path_buf()),
                &abs,
            ) {
                subjects.push(Subject {
                    content: Content::File(root.join(p.to_os_path())),
                    path: p,
                });
            }
        } else {
            subjects.push(Subject {
                path: rel,
                content: Content::File(abs),
            });
        }
    }
    subjects.sort_by(|a, b| a.path.cmp(&b.path));
    subjects.dedup_by(|a, b| a.path == b.path);
    Ok(subjects)
}

/// A directory's files as repository-level rules see them.
pub struct DirView {
    /// The directory.
    pub root: PathBuf,
    /// Its files, sorted.
    pub files: Vec<RepoPath>,
}

impl RepoView for DirView {
    fn contains(&self, path: &[u8]) -> bool {
        self.files
            .binary_search_by(|p| p.as_bytes().cmp(path))
            .is_ok()
    }
    fn list(&self, dir: &[u8]) -> Vec<RepoPath> {
        let mut prefix = dir.to_vec();
        prefix.push(b'/');
        let start = self
            .files
            .partition_point(|p| p.as_bytes() < prefix.as_slice());
        self.files[start..]
            .iter()
            .take_while(|p| p.as_bytes().starts_with(&prefix))
            .cloned()
            .collect()
    }
    fn top_level(&self) -> Vec<RepoPath> {
        self.files
            .iter()
            .filter(|p| !p.as_bytes().contains(&b'/'))
            .cloned()
            .collect()
    }
    fn named(&self, names: &[&str]) -> Vec<RepoPath> {
        self.files
            .iter()
            .filter(|p| {
                names
                    .iter()
                    .any(|n| p.file_name().eq_ignore_ascii_case(n.as_bytes()))
            })
            .cloned()
            .collect()
    }
    fn read(&self, path: &[u8]) -> Option<Vec<u8>> {
        std::fs::read(self.root.join(RepoPath::from_bytes(path).to_os_path())).ok()
    }
    fn files(&self) -> Vec<RepoPath> {
        self.files.clone()
    }
    fn dirs(&self, depth: usize) -> Vec<String> {
        crate::source::view::dirs_of(self.files.iter().map(|p| p.as_bytes()), depth)
    }
}
