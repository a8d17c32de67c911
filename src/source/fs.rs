//! Plain directories: files found by walking the disk, honouring `.gitignore` (see
//! [`crate::source::worktree::folder_files`]).

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::source::view::WorkTreeView;
use crate::source::{relative_to_root, Content, Mode, Snapshot, Subject};

/// A snapshot of a directory that is not in a git repository.
pub fn snapshot(cwd: &Path, mode: &Mode) -> Result<Snapshot> {
    let root = cwd
        .canonicalize()
        .map_err(|e| Error::io(format!("resolving {}", cwd.display()), e))?;
    snapshot_at(root, cwd, mode)
}

/// A snapshot of the directory `root`, already canonical (a portfolio's repositories are:
/// discovery resolved them), for `mode` with given paths relative to `cwd`.
pub fn snapshot_at(root: PathBuf, cwd: &Path, mode: &Mode) -> Result<Snapshot> {
    let every = matches!(mode, Mode::All);
    let all: std::sync::Arc<[Subject]> = crate::source::worktree::folder_files(&root, every).into();
    let subjects = match mode {
        Mode::Staged => {
            return Err(Error::Usage(format!(
                "--staged needs a git repository, and {} is not in one",
                cwd.display()
            )))
        }
        Mode::All => all.clone(),
        Mode::Paths(given) => select(&root, cwd, given, &all)?.into(),
        Mode::Pushed { .. } => {
            return Err(crate::Error::Usage(format!(
                "{} is not in a git repository: there is no push to check",
                cwd.display()
            )))
        }
    };
    Ok(Snapshot {
        view: Box::new(WorkTreeView::new(all, None)),
        root,
        subjects,
        repo: None,
        default_cache: None,
        enclosing: None,
        repo_yamls: Default::default(),
    })
}

/// The subjects that user-given files and directories name, taken from `all` (the work
/// tree's files, sorted): a directory selects every file of `all` under it; a file is taken
/// from `all` when listed there, else read from disk (a file named on the command line is
/// checked even when ignored). Errors name a path that does not exist or is outside `root`.
pub fn select(root: &Path, cwd: &Path, given: &[PathBuf], all: &[Subject]) -> Result<Vec<Subject>> {
    let mut subjects = Vec::new();
    for (abs, rel) in relative_to_root(root, cwd, given)? {
        if abs.is_dir() {
            let mut prefix = rel.as_bytes().to_vec();
            if !prefix.is_empty() {
                prefix.push(b'/');
            }
            let start = all.partition_point(|s| s.path.as_bytes() < prefix.as_slice());
            subjects.extend(
                all[start..]
                    .iter()
                    .take_while(|s| s.path.as_bytes().starts_with(&prefix))
                    .cloned(),
            );
        } else {
            match all.binary_search_by(|s| s.path.cmp(&rel)) {
                Ok(i) => subjects.push(all[i].clone()),
                Err(_) => subjects.push(Subject {
                    path: rel,
                    content: Content::File(abs, None),
                }),
            }
        }
    }
    subjects.sort_by(|a, b| a.path.cmp(&b.path));
    subjects.dedup_by(|a, b| a.path == b.path);
    Ok(subjects)
}
