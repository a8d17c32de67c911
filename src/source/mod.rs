//! Source: which files a run checks, and where their bytes come from.
//!
//! [`load`] turns a [`Mode`] and the current directory into a [`Snapshot`]: the file
//! subjects to check (repo-relative path + [`Content`]), a [`RepoView`] of the whole
//! repository for repository-level rules, and the default cache location. In a git
//! repository staged and tracked content is addressed by blob id ([`git`]); elsewhere files
//! are walked on disk, honouring `.gitignore` ([`fs`]).

pub mod dir;
pub mod enclosing;
pub mod fs;
pub mod git;
pub mod repo;
pub mod view;
pub mod worktree;

pub use view::RepoView;

use std::path::{Path, PathBuf};

use crate::error::Result;
use crate::path::RepoPath;

/// Which content a run checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    /// What is staged in the index and differs from HEAD (the pre-commit hook's view).
    Staged,
    /// Every tracked file (in git) or every file under the directory (outside git).
    All,
    /// The given files and directories (relative to the current directory).
    Paths(Vec<PathBuf>),
    /// The files of commit `tip` that differ from commit `base` (all of them without a
    /// base), read from the commit, not the work tree: what a push publishes.
    Pushed {
        /// The commit the remote already has, or the merge base with its default branch.
        base: Option<gix::ObjectId>,
        /// The commit being pushed.
        tip: gix::ObjectId,
    },
}

/// Where a subject's bytes are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Content {
    /// A git blob (staged or tracked content that matches the index).
    Blob(gix::ObjectId),
    /// A file on disk (absolute path), with its stamp when the listing that found it took
    /// its stat data (so that the cache's stamps are matched without a second look).
    File(PathBuf, Option<crate::cache::FileStamp>),
    /// Bytes given in memory (standard input, `-`).
    Bytes(std::sync::Arc<[u8]>),
}

/// One file to check.
#[derive(Debug, Clone)]
pub struct Subject {
    /// Repo-relative path.
    pub path: RepoPath,
    /// Where its bytes are.
    pub content: Content,
}

/// Everything a run needs to know about its input.
pub struct Snapshot {
    /// The repository work tree (or the directory, outside git).
    pub root: PathBuf,
    /// The files to check, in path order (shared with the view when they are the whole
    /// work tree).
    pub subjects: std::sync::Arc<[Subject]>,
    /// The whole repository for repository-level rules.
    pub view: Box<dyn RepoView + Send>,
    /// The git repository, for reading blobs (`None` outside git); see [`Snapshot::repository`].
    pub repo: Option<std::sync::Arc<repo::Repo>>,
    /// The default cache file of a git repository (`<git common dir>/govern/cache.redb`);
    /// `None` outside git, where the caller picks one.
    pub default_cache: Option<PathBuf>,
    /// The index of an enclosing repository that tracks this folder (a governance
    /// repository tracking `organizations/`), for the ids of unchanged files; set by the
    /// portfolio scan.
    pub enclosing: Option<enclosing::Enclosing>,
    /// The view's files named `repo.yaml`, listed on first use (monorepo components are
    /// found among them, several times a run: one pass over the file list serves all).
    pub repo_yamls: std::sync::OnceLock<Vec<crate::path::RepoPath>>,
}

impl Snapshot {
    /// The monorepo components among the view's files, with `selected` (a configuration's
    /// include/exclude) deciding which count.
    pub fn components(&self, selected: &dyn Fn(&str) -> bool) -> crate::components::Components {
        let files = self
            .repo_yamls
            .get_or_init(|| self.view.named(&["repo.yaml"]));
        crate::components::Components::discover(files, selected)
    }

    /// A handle on the git repository for the calling thread (opened now if it was left for
    /// the first blob read); `None` outside git or when it cannot be opened.
    pub fn repository(&self) -> Option<gix::Repository> {
        self.repo.as_ref().and_then(|r| r.local())
    }

    /// A reader of subjects' bytes for one thread, which takes a handle on the repository
    /// at its first blob (a warm portfolio run reads no blob of most repositories).
    pub fn reader(&self) -> Reader<'_> {
        Reader {
            snapshot: self,
            repo: std::cell::OnceCell::new(),
        }
    }

    /// Reads the bytes of `content`; for blobs, `repo` must be a thread-local handle of
    /// [`Snapshot::repo`] ([`Snapshot::repository`]).
    pub fn read(repo: Option<&gix::Repository>, content: &Content) -> std::io::Result<Vec<u8>> {
        match content {
            Content::File(p, _) => std::fs::read(p),
            Content::Bytes(b) => Ok(b.to_vec()),
            Content::Blob(id) => {
                let repo = repo.ok_or_else(|| {
                    std::io::Error::other("no git repository to read a blob from")
                })?;
                repo.find_blob(*id)
                    .map(|b| b.detach().data)
                    .map_err(std::io::Error::other)
            }
        }
    }
}

/// Reads subjects' bytes on one thread (see [`Snapshot::reader`]).
pub struct Reader<'a> {
    snapshot: &'a Snapshot,
    repo: std::cell::OnceCell<Option<gix::Repository>>,
}

impl Reader<'_> {
    /// The bytes of `subject`: as [`Reader::read`] gives them, except that in a snapshot of
    /// the work tree a tracked file known by its blob id is read from disk when its bytes
    /// there still have that id (see [`repo::Repo::from_work_tree`]).
    pub fn read_subject(&self, subject: &Subject) -> std::io::Result<Vec<u8>> {
        if let (Content::Blob(id), Some(repo)) = (&subject.content, &self.snapshot.repo) {
            if self.snapshot.view.shows() == "work tree" {
                if let Some(bytes) = repo.from_work_tree(&subject.path, *id) {
                    return Ok(bytes);
                }
            }
        }
        self.read(&subject.content)
    }

    /// The bytes of `content`, as [`Snapshot::read`] gives them.
    pub fn read(&self, content: &Content) -> std::io::Result<Vec<u8>> {
        let repo = match content {
            Content::Blob(_) => self
                .repo
                .get_or_init(|| self.snapshot.repository())
                .as_ref(),
            _ => None,
        };
        Snapshot::read(repo, content)
    }
}

/// The content id of `bytes`: the git blob id (SHA-1) that `git hash-object` gives them, so
/// a file on disk and the same bytes staged in the index share their cached results. Errors
/// only when the bytes are a known SHA-1 collision attack.
pub fn content_id(bytes: &[u8]) -> std::io::Result<gix::ObjectId> {
    gix::objs::compute_hash(gix::hash::Kind::Sha1, gix::objs::Kind::Blob, bytes)
        .map_err(std::io::Error::other)
}

/// Builds the snapshot for `mode`, run from `cwd`. Errors: a bare repository, an unreadable
/// index or HEAD, a given path that does not exist or lies outside the repository.
pub fn load(cwd: &Path, mode: &Mode) -> Result<Snapshot> {
    match git::open(cwd)? {
        Some(repo) => git::snapshot(repo, cwd, mode),
        None => fs::snapshot(cwd, mode),
    }
}

/// Resolves user-given paths against `cwd` and returns them relative to `root`, lexically
/// normalised. Errors name the path that does not exist or is outside `root`.
pub fn relative_to_root(
    root: &Path,
    cwd: &Path,
    given: &[PathBuf],
) -> Result<Vec<(PathBuf, RepoPath)>> {
    let root_c = root
        .canonicalize()
        .map_err(|e| crate::Error::io(format!("resolving {}", root.display()), e))?;
    let mut out = Vec::new();
    for p in given {
        let abs = if p.is_absolute() {
            p.clone()
        } else {
            cwd.join(p)
        };
        let canon = abs.canonicalize().map_err(|_| {
            crate::Error::Usage(format!("{}: no such file or directory", p.display()))
        })?;
        let rel = canon.strip_prefix(&root_c).map_err(|_| {
            crate::Error::Usage(format!(
                "{}: outside the repository {}",
                p.display(),
                root.display()
            ))
        })?;
        out.push((canon.clone(), RepoPath::from_relative(rel)));
    }
    Ok(out)
}

/// What the unit tests of the source modules share.
#[cfg(test)]
pub(crate) mod testing {
    use std::path::Path;

    /// Runs git in `dir` with no user or system configuration; panics when it fails.
    pub fn git(dir: &Path, args: &[&str]) {
        let ok = std::process::Command::new("git")
            .args(args)
            .current_dir(dir)
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .output()
            .expect("git runs")
            .status
            .success();
        assert!(ok, "git {args:?}");
    }
}
