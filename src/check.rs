//! One repository checked: `git govern check` (staged, all, or given paths) and the
//! pre-commit hook. Source → [`Session`] → report-ready [`CheckRun`].

use std::path::{Path, PathBuf};

use crate::config::Config;
use crate::engine::Outcome;
use crate::error::Result;
use crate::finding::InputError;
use crate::session::{Options, Session};
use crate::source::{self, Mode};

/// The result of a run and what the caller needs to finish it.
pub struct CheckRun {
    /// The findings and counts.
    pub outcome: Outcome,
    /// The effective configuration.
    pub config: Config,
    /// Warnings for stderr (cache trouble), one line each.
    pub warnings: Vec<String>,
}

impl CheckRun {
    /// A run with no warnings.
    pub fn new(outcome: Outcome, session: Session) -> CheckRun {
        CheckRun {
            outcome,
            config: session.config,
            warnings: Vec::new(),
        }
    }
}

/// Runs a check of `mode` from `cwd`. `fallback_cache` is the cache file used outside git
/// repositories when `opts.cache` is the default. Errors are usage or input errors (exit
/// code 2); findings and files that could not be parsed are in the outcome.
pub fn check(cwd: &Path, mode: &Mode, opts: &Options, fallback_cache: &Path) -> Result<CheckRun> {
    crate::trace::phase(|| "start".into());
    let snapshot = source::load(cwd, mode)?;
    crate::trace::phase(|| format!("snapshot: {} subjects", snapshot.subjects.len()));
    let session = Session::open(&snapshot.root, opts)?;
    let mut cache = opts
        .cache
        .open(|| default_cache(&snapshot, fallback_cache))?;
    let mut outcome = session.check(&snapshot, &mut cache)?;
    if let Mode::Paths(paths) = mode {
        if session.policies()?.has_file_rules() {
            outcome.errors.extend(unread_files(cwd, paths, &snapshot));
            outcome.errors.sort_by(|a, b| a.path.cmp(&b.path));
        }
    }
    let mut run = CheckRun::new(outcome, session);
    run.warnings
        .extend(cache.warning().map(|w| format!("warning: {w}")));
    Ok(run)
}

/// The files named on the command line (not found in a directory given) that no policy
/// input reader takes, as input errors: with file policies loaded, a file they cannot
/// judge must not pass silently (conftest stops on an unknown format too).
fn unread_files(cwd: &Path, paths: &[PathBuf], snapshot: &source::Snapshot) -> Vec<InputError> {
    let named: Vec<PathBuf> = paths
        .iter()
        .map(|p| cwd.join(p))
        .filter(|p| p.is_file())
        .filter_map(|p| std::fs::canonicalize(p).ok())
        .collect();
    snapshot
        .subjects
        .iter()
        .filter(|s| match &s.content {
            source::Content::File(f) => std::fs::canonicalize(f).is_ok_and(|f| named.contains(&f)),
            source::Content::Blob(_) => false,
        })
        .filter(|s| {
            crate::kinds::classify(&s.path, &[]).is_none_or(|k| !crate::kinds::get(k).policy_input)
        })
        .map(|s| InputError {
            path: s.path.clone(),
            line: None,
            message: format!(
                "no policy reads this kind of file; policies read {}",
                crate::kinds::POLICY_INPUTS
            ),
        })
        .collect()
}

/// The Rego policy rules a check at `cwd` evaluates (the built-in policies, `--policy`
/// directories, the governance root's `.metaHub/policies/`, the directories `.govern.yaml`
/// names), in id order. Errors: an invalid configuration, a policy directory that cannot
/// be read, a policy that does not parse.
pub fn policy_rules(cwd: &Path, opts: &Options) -> Result<Vec<crate::policy::PolicyRule>> {
    let (_, root) = root_of(cwd)?;
    let session = Session::open(&root, opts)?;
    let set = session
        .governance
        .policies(&session.root, &session.config)?;
    Ok(set.rules().into_iter().cloned().collect())
}

/// The cache file of a snapshot: `<git common dir>/govern/cache.redb` in a repository,
/// else `fallback`.
pub fn default_cache(snapshot: &source::Snapshot, fallback: &Path) -> PathBuf {
    snapshot
        .default_cache
        .clone()
        .unwrap_or_else(|| fallback.to_path_buf())
}

/// The repository root for `cwd` (its work tree), or `cwd` outside git, with the repository.
pub fn root_of(cwd: &Path) -> Result<(Option<gix::Repository>, PathBuf)> {
    let repo = source::git::open(cwd)?;
    let root = repo
        .as_ref()
        .and_then(|r| r.workdir().map(Path::to_path_buf))
        .map(|r| if r.is_absolute() { r } else { cwd.join(r) })
        .unwrap_or_else(|| cwd.to_path_buf());
    Ok((repo, root))
}
