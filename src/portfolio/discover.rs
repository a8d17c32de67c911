//! Discovery: the repositories of a portfolio, `<root>/organizations/<org>/<repo>/`.
//!
//! Organizations and repositories are directories, sorted by name; names starting with `.`
//! are passed over. A repository is a git repository when it holds `.git` (a directory, or
//! a file as in worktrees and submodules), else a plain folder. A symbolic link is followed
//! only when its target lies inside the governance root, is not an ancestor of the link
//! itself (a loop) and is not already in the portfolio under another name; every link
//! refused is reported with the reason, never followed.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// The directory under the governance root that holds the organizations.
pub const ORGANIZATIONS: &str = "organizations";

/// How a repository's files are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RepoKind {
    /// A git repository: tracked files, through the index.
    Git,
    /// A plain folder: every file not ignored by `.gitignore`.
    Folder,
}

/// One repository of the portfolio.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepoDir {
    /// The organization's directory name.
    pub org: String,
    /// The repository's directory name.
    pub name: String,
    /// Absolute path of the directory (symbolic links resolved).
    pub dir: PathBuf,
    /// Git repository or plain folder.
    pub kind: RepoKind,
}

impl RepoDir {
    /// `<org>/<repo>`, the key of checkpoints and drift reports.
    pub fn key(&self) -> String {
        format!("{}/{}", self.org, self.name)
    }

    /// `organizations/<org>/<repo>`, relative to the governance root, '/'-separated.
    pub fn rel_path(&self) -> String {
        format!("{ORGANIZATIONS}/{}/{}", self.org, self.name)
    }
}

/// What discovery found.
#[derive(Debug, Clone, Default)]
pub struct Discovery {
    /// The repositories, sorted by organization then name.
    pub repos: Vec<RepoDir>,
    /// Entries passed over, one sentence each (a link leading outside the root, a loop, a
    /// duplicate, a directory that cannot be read).
    pub warnings: Vec<String>,
}

/// Which part of the portfolio to take.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selection {
    /// Only this organization (`organizations/<org>` on the command line).
    pub org: Option<String>,
    /// Only this repository of that organization (`organizations/<org>/<repo>`).
    pub repo: Option<String>,
}

/// The governance root for portfolio commands: `explicit` (`--root`), else
/// `golden_path_root` (`GOLDEN_PATH_ROOT`), else the nearest ancestor of `cwd` (itself
/// included) holding `.metaHub/` or `organizations/`, else `cwd`. The result is canonical
/// (absolute, links resolved). Errors: the root does not exist.
pub fn root(
    explicit: Option<&Path>,
    golden_path_root: Option<&Path>,
    cwd: &Path,
) -> Result<PathBuf> {
    let chosen = match explicit {
        Some(p) => cwd.join(p),
        None => crate::session::governance_root(cwd, golden_path_root),
    };
    chosen
        .canonicalize()
        .map_err(|e| Error::Usage(format!("governance root {}: {e}", chosen.display())))
}

/// The visible directories of `dir` (and links to directories), sorted: (name, path,
/// whether it is a link).
fn visible_dirs(dir: &Path, warnings: &mut Vec<String>) -> Result<Vec<(String, PathBuf, bool)>> {
    let rd =
        std::fs::read_dir(dir).map_err(|e| Error::io(format!("reading {}", dir.display()), e))?;
    let mut out = Vec::new();
    for entry in rd {
        let entry = entry.map_err(|e| Error::io(format!("reading {}", dir.display()), e))?;
        let name = entry.file_name();
        let Some(name) = name.to_str().map(str::to_string) else {
            warnings.push(format!(
                "{}: the name is not UTF-8; passed over",
                entry.path().display()
            ));
            continue;
        };
        if name.starts_with('.') {
            continue;
        }
        let path = entry.path();
        let Ok(ft) = entry.file_type() else { continue };
        if ft.is_dir() || (ft.is_symlink() && path.is_dir()) {
            out.push((name, path, ft.is_symlink()));
        }
    }
    out.sort();
    Ok(out)
}

/// Resolves a directory entry that may be a link: `Ok(canonical)` or `Err(reason)`.
fn resolve(path: &Path, root: &Path) -> std::result::Result<PathBuf, String> {
    let canon = path
        .canonicalize()
        .map_err(|e| format!("cannot be resolved: {e}"))?;
    if !canon.starts_with(root) {
        return Err(format!(
            "is a symbolic link to {}, outside the governance root; not followed",
            canon.display()
        ));
    }
    let lexical_parent = path
        .parent()
        .map(|p| p.canonicalize().unwrap_or(p.to_path_buf()));
    if lexical_parent.is_some_and(|p| p.starts_with(&canon)) {
        return Err(format!(
            "is a symbolic link to {}, which contains it (a loop); not followed",
            canon.display()
        ));
    }
    Ok(canon)
}

/// Lists the repositories under `<root>/organizations` (`root` canonical, as [`root`]
/// returns it), restricted to `sel`. Errors: `organizations/` is missing or unreadable, the
/// selected organization or repository does not exist, or nothing was found (each a
/// sentence that says what to create).
pub fn discover(root: &Path, sel: &Selection) -> Result<Discovery> {
    let orgs_dir = root.join(ORGANIZATIONS);
    if !orgs_dir.is_dir() {
        return Err(Error::Usage(format!(
            "{} has no {ORGANIZATIONS}/ directory: a portfolio keeps its repositories in \
             {ORGANIZATIONS}/<org>/<repo>/ (use --root or GOLDEN_PATH_ROOT to point at the \
             governance root)",
            root.display()
        )));
    }
    let mut d = Discovery::default();
    let mut seen: BTreeSet<PathBuf> = BTreeSet::new();
    let orgs = visible_dirs(&orgs_dir, &mut d.warnings)?;
    // A directory that is no link, in a directory whose path is canonical, has a canonical
    // path already: resolving it (a readlink per component) is needed only for links.
    let orgs_canonical = orgs_dir.canonicalize().is_ok_and(|c| c == orgs_dir);
    if let Some(want) = &sel.org {
        if !orgs.iter().any(|(n, _, _)| n == want) {
            return Err(Error::Usage(format!(
                "{ORGANIZATIONS}/{want}: no such organization under {}",
                root.display()
            )));
        }
    }
    for (org, org_path, linked) in orgs {
        if sel.org.as_ref().is_some_and(|w| *w != org) {
            continue;
        }
        let resolved = match orgs_canonical && !linked {
            true => Ok(org_path),
            false => resolve(&org_path, root),
        };
        let org_dir = match resolved {
            Ok(p) => p,
            Err(why) => {
                d.warnings.push(format!("{ORGANIZATIONS}/{org} {why}"));
                continue;
            }
        };
        let repos = match visible_dirs(&org_dir, &mut d.warnings) {
            Ok(r) => r,
            Err(e) => {
                d.warnings.push(format!("{ORGANIZATIONS}/{org}: {e}"));
                continue;
            }
        };
        for (name, repo_path, linked) in repos {
            if sel.repo.as_ref().is_some_and(|w| *w != name) {
                continue;
            }
            let shown = format!("{ORGANIZATIONS}/{org}/{name}");
            let resolved = match linked {
                false => Ok(repo_path),
                true => resolve(&repo_path, root),
            };
            let dir = match resolved {
                Ok(p) => p,
                Err(why) => {
                    d.warnings.push(format!("{shown} {why}"));
                    continue;
                }
            };
            if !seen.insert(dir.clone()) {
                d.warnings.push(format!(
                    "{shown} is the same directory as another repository ({}); passed over",
                    dir.display()
                ));
                continue;
            }
            let kind = if dir.join(".git").exists() {
                RepoKind::Git
            } else {
                RepoKind::Folder
            };
            d.repos.push(RepoDir {
                org: org.clone(),
                name,
                dir,
                kind,
            });
        }
    }
    if let (Some(org), Some(repo)) = (&sel.org, &sel.repo) {
        if d.repos.is_empty() {
            return Err(Error::Usage(format!(
                "{ORGANIZATIONS}/{org}/{repo}: no such repository under {}",
                root.display()
            )));
        }
    }
    if d.repos.is_empty() {
        return Err(Error::Usage(format!(
            "no repositories under {}: a portfolio keeps them in {ORGANIZATIONS}/<org>/<repo>/",
            orgs_dir.display()
        )));
    }
    Ok(d)
}

/// Reads `organizations`, `organizations/<org>` or `organizations/<org>/<repo>` given on
/// the command line (relative to `cwd`) as a portfolio selection: `Some((root, selection))`
/// when the directory is one of those (its governance root is the directory above
/// `organizations/`), `None` for any other path.
pub fn selection_of(path: &Path, cwd: &Path) -> Option<(PathBuf, Selection)> {
    let abs = if path.is_absolute() {
        path.to_path_buf()
    } else {
        cwd.join(path)
    };
    let canon = abs.canonicalize().ok()?;
    if !canon.is_dir() {
        return None;
    }
    let names: Vec<&std::ffi::OsStr> = canon.iter().collect();
    for up in 0..3usize {
        if names.len() < up + 2 {
            break;
        }
        let i = names.len() - 1 - up;
        if names[i] == ORGANIZATIONS {
            let root: PathBuf = names[..i].iter().collect();
            let below: Vec<String> = names[i + 1..]
                .iter()
                .map(|n| n.to_string_lossy().into_owned())
                .collect();
            return Some((
                root,
                Selection {
                    org: below.first().cloned(),
                    repo: below.get(1).cloned(),
                },
            ));
        }
    }
    None
}
