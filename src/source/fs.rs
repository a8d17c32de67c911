//! Plain directories: files found by walking the disk, honouring `.gitignore`.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::path::RepoPath;
use crate::source::view::WorkTreeView;
use crate::source::{relative_to_root, Content, Mode, Snapshot, Subject};

/// The files under `start` (a directory at or below `root`), relative to `root` and sorted,
/// skipping `.git` and what the `.gitignore` and `.ignore` files from `root` down and the
/// global git excludes ignore. Ignore files above `root` do not count: the directory is
/// the repository (a portfolio's folder repositories often sit in a directory that an
/// enclosing repository ignores). Hidden files are included (`.meta/`); symbolic links are
/// neither followed nor listed. One thread: a portfolio walks many small folders at once,
/// where spawning walker threads for each would cost more than it saves.
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
    out.sort_unstable();
    out
}

/// A snapshot of a directory that is not in a git repository.
pub fn snapshot(cwd: &Path, mode: &Mode) -> Result<Snapshot> {
    let root = cwd
        .canonicalize()
        .map_err(|e| Error::io(format!("resolving {}", cwd.display()), e))?;
    let all: std::sync::Arc<[Subject]> = walk(&root, &root)
        .into_iter()
        .map(|path| Subject {
            content: Content::File(root.join(path.to_os_path())),
            path,
        })
        .collect();
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
                    content: Content::File(abs),
                }),
            }
        }
    }
    subjects.sort_by(|a, b| a.path.cmp(&b.path));
    subjects.dedup_by(|a, b| a.path == b.path);
    Ok(subjects)
}
