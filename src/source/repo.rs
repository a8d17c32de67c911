//! A git repository's object database as a snapshot holds it: opened already (the hook,
//! `check`), or opened on the first blob read (a portfolio, whose warm run reads most
//! repositories' index and work tree only, never an object).
//!
//! [`plain_layout`] decides when a portfolio repository may be read without opening it
//! through gix first: a `.git` directory that gix's own discovery calls a main work tree,
//! whose configuration sets no other work tree and no other object format. Everything
//! else (linked work trees, submodules, `core.worktree`, SHA-256, a broken `.git`) is
//! opened as before, by gix, with its own errors.

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

/// A repository's object database, shared by a snapshot and its view.
pub struct Repo {
    /// The work tree (absolute).
    work_tree: PathBuf,
    opened: OnceLock<Option<gix::ThreadSafeRepository>>,
}

impl Repo {
    /// A repository opened already, with its work tree (absolute).
    pub fn opened(repo: gix::ThreadSafeRepository, work_tree: PathBuf) -> Arc<Repo> {
        Arc::new(Repo {
            work_tree,
            opened: OnceLock::from(Some(repo)),
        })
    }

    /// The repository of `work_tree` (absolute), opened on first use with its own
    /// configuration only (as a portfolio opens repositories).
    pub fn on_demand(work_tree: PathBuf) -> Arc<Repo> {
        Arc::new(Repo {
            work_tree,
            opened: OnceLock::new(),
        })
    }

    /// The work tree (absolute).
    pub fn work_tree(&self) -> &Path {
        &self.work_tree
    }

    /// A handle for the calling thread; `None` when the repository cannot be opened (then
    /// every blob read fails, and says so).
    pub fn local(&self) -> Option<gix::Repository> {
        self.opened
            .get_or_init(|| {
                gix::open_opts(&self.work_tree, gix::open::Options::isolated())
                    .ok()
                    .map(gix::Repository::into_sync)
            })
            .as_ref()
            .map(gix::ThreadSafeRepository::to_thread_local)
    }

    /// The bytes of the tracked file `path` (repo-relative) whose index entry names blob
    /// `id`, read from the work tree when they still hash to `id` (sparing the object
    /// database, and serving a clone that lacks the blob); `None` otherwise.
    pub fn from_work_tree(
        &self,
        path: &crate::path::RepoPath,
        id: gix::ObjectId,
    ) -> Option<Vec<u8>> {
        let bytes = std::fs::read(self.work_tree.join(path.to_os_path())).ok()?;
        crate::source::content_id(&bytes)
            .is_ok_and(|got| got == id)
            .then_some(bytes)
    }
}

/// What reading a plain work tree's index needs: its git directory and object format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlainLayout {
    /// `<work tree>/.git`, a directory.
    pub git_dir: PathBuf,
    /// The object format of its index.
    pub hash: gix::hash::Kind,
}

/// The layout of the repository whose work tree is `work_tree` when it is the plain one
/// (see the module documentation), else `None`: open it with gix.
pub fn plain_layout(work_tree: &Path) -> Option<PlainLayout> {
    use gix::discover::repository::Kind;
    let git_dir = work_tree.join(".git");
    match gix::discover::is_git(&git_dir) {
        Ok(Kind::WorkTree {
            linked_git_dir: None,
        }) => {}
        _ => return None,
    }
    let config = gix::config::File::from_path_no_includes(
        git_dir.join("config"),
        gix::config::Source::Local,
    )
    .ok()?;
    let bare = config.boolean("core.bare").ok().flatten().unwrap_or(false);
    if bare || config.string("core.worktree").is_some() {
        return None;
    }
    let hash = match config.string("extensions.objectFormat") {
        None => gix::hash::Kind::Sha1,
        Some(v) if v.eq_ignore_ascii_case(b"sha1") => gix::hash::Kind::Sha1,
        Some(_) => return None,
    };
    Some(PlainLayout { git_dir, hash })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::testing::git;

    #[test]
    fn only_a_main_work_tree_with_sha1_objects_is_plain() {
        let t = tempfile::tempdir().unwrap();
        let main = t.path().join("main");
        std::fs::create_dir(&main).unwrap();
        git(&main, &["init", "-q"]);
        std::fs::write(main.join("a.txt"), "a\n").unwrap();
        git(&main, &["add", "a.txt"]);
        git(
            &main,
            &[
                "-c",
                "user.name=t",
                "-c",
                "user.email=t@t",
                "commit",
                "-qm",
                "a",
            ],
        );
        let plain = plain_layout(&main).expect("a main work tree is plain");
        assert_eq!(plain.git_dir, main.join(".git"));
        assert_eq!(plain.hash, gix::hash::Kind::Sha1);

        // A linked work tree (`.git` is a file) is opened by gix.
        git(&main, &["worktree", "add", "-q", "../linked"]);
        assert_eq!(plain_layout(&t.path().join("linked")), None);

        // A work tree set elsewhere by the configuration is opened by gix.
        git(&main, &["config", "core.worktree", "/elsewhere"]);
        assert_eq!(plain_layout(&main), None);
        git(&main, &["config", "--unset", "core.worktree"]);
        assert!(plain_layout(&main).is_some());

        // Another object format is opened by gix.
        let sha256 = t.path().join("sha256");
        std::fs::create_dir(&sha256).unwrap();
        git(&sha256, &["init", "-q", "--object-format=sha256"]);
        assert_eq!(plain_layout(&sha256), None);

        // A `.git` directory that is not a repository is not plain either.
        let broken = t.path().join("broken");
        std::fs::create_dir_all(broken.join(".git")).unwrap();
        assert_eq!(plain_layout(&broken), None);
    }

    #[test]
    fn an_on_demand_repository_opens_at_the_first_read() {
        let t = tempfile::tempdir().unwrap();
        git(t.path(), &["init", "-q"]);
        let repo = Repo::on_demand(t.path().to_path_buf());
        assert!(repo.opened.get().is_none(), "nothing opened before a read");
        assert!(repo.local().is_some());
        assert!(repo.opened.get().is_some());
        let missing = Repo::on_demand(t.path().join("missing"));
        assert!(missing.local().is_none());
    }
}
