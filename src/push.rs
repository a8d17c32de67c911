//! The pre-push hook: branch names, and the file rules on what the pushed commits change.

use std::path::Path;
use std::process::Command;

use crate::cache::Cache;
use crate::check::{self, root_of, CheckRun};
use crate::engine::{self, Outcome};
use crate::error::{Error, Result};
use crate::path::RepoPath;
use crate::rules::RuleSet;
use crate::session::{Options, Session};
use crate::source::{self, Mode};

/// One ref update of a push, as git's pre-push hook reads it on stdin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefUpdate {
    /// The local ref (`refs/heads/x`, or `(delete)`).
    pub local_ref: String,
    /// The commit pushed (all zeros for a deletion).
    pub local_oid: String,
    /// The ref updated on the remote (`refs/heads/x`).
    pub remote_ref: String,
    /// The commit the remote has now (all zeros for a new ref).
    pub remote_oid: String,
}

impl RefUpdate {
    /// Parses git's pre-push stdin: one `<local ref> <local oid> <remote ref> <remote oid>`
    /// line per ref. Errors name the malformed line.
    pub fn parse_lines(text: &str) -> Result<Vec<RefUpdate>> {
        text.lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| {
                let f: Vec<&str> = l.split_whitespace().collect();
                match f.as_slice() {
                    [a, b, c, d] => Ok(RefUpdate {
                        local_ref: a.to_string(),
                        local_oid: b.to_string(),
                        remote_ref: c.to_string(),
                        remote_oid: d.to_string(),
                    }),
                    _ => Err(Error::Usage(format!(
                        "pre-push: expected `<local ref> <local oid> <remote ref> <remote oid>`, got {l:?}"
                    ))),
                }
            })
            .collect()
    }

    /// The branch this update creates or updates on the remote; `None` for deletions,
    /// tags and other refs.
    fn branch(&self) -> Option<&str> {
        if is_null_oid(&self.local_oid) {
            return None; // deleting a remote branch publishes nothing
        }
        self.remote_ref
            .strip_prefix("refs/heads/")
            .or_else(|| (!self.remote_ref.starts_with("refs/")).then_some(&self.remote_ref))
            .filter(|b| !b.is_empty())
    }
}

fn is_null_oid(s: &str) -> bool {
    s.is_empty() || s.bytes().all(|b| b == b'0')
}

fn git_line(cwd: &Path, args: &[&str]) -> Option<String> {
    let out = Command::new("git")
        .args(args)
        .current_dir(cwd)
        .output()
        .ok()?;
    let s = String::from_utf8_lossy(&out.stdout).trim().to_string();
    (out.status.success() && !s.is_empty()).then_some(s)
}

/// The commit the remote already has in common with `tip`: the merge base of `tip` and
/// the remote's default branch (`refs/remotes/<remote>/HEAD`, else its main, master or
/// develop), `None` when there is none.
fn merge_base_with_remote(cwd: &Path, remote: &str, tip: &str) -> Option<String> {
    let head = format!("refs/remotes/{remote}/HEAD");
    let default = git_line(cwd, &["symbolic-ref", "--quiet", &head]).or_else(|| {
        ["main", "master", "develop"].iter().find_map(|b| {
            let r = format!("refs/remotes/{remote}/{b}");
            git_line(cwd, &["rev-parse", "--verify", "--quiet", &r]).map(|_| r)
        })
    })?;
    git_line(cwd, &["merge-base", tip, &default])
}

fn commit_id(hex: &str) -> Result<gix::ObjectId> {
    gix::ObjectId::from_hex(hex.as_bytes())
        .map_err(|_| Error::Usage(format!("pre-push: {hex:?} is not a commit id")))
}

/// The base of the pushed commits of `u`: the remote's old commit when this repository
/// knows it, else the merge base with the remote's default branch.
fn push_base(cwd: &Path, remote: &str, u: &RefUpdate) -> Result<Option<gix::ObjectId>> {
    let known_remote = (!is_null_oid(&u.remote_oid))
        .then(|| {
            let commit = format!("{}^{{commit}}", u.remote_oid);
            git_line(cwd, &["rev-parse", "--verify", "--quiet", &commit])
        })
        .flatten();
    known_remote
        .or_else(|| merge_base_with_remote(cwd, remote, &u.local_oid))
        .map(|b| commit_id(&b))
        .transpose()
}

/// The pre-push hook: for every branch the push creates or updates, checks its name
/// (`branch.naming`) and runs the file rules on the files that the pushed commits change
/// (since the remote's old commit, or for a new branch since its merge base with the
/// remote's default branch). Deletions and tags are not checked. `fallback_cache` is as
/// for [`check::check`]. Errors: malformed input, an unknown commit, an invalid
/// configuration or policy.
pub fn pre_push(
    cwd: &Path,
    remote: &str,
    updates: &[RefUpdate],
    opts: &Options,
    fallback_cache: &Path,
) -> Result<CheckRun> {
    let (_, root) = root_of(cwd)?;
    let session = Session::open(&root, opts)?;
    session.policies()?;
    let mut outcome = Outcome::default();
    let mut warnings = Vec::new();
    for u in updates {
        let Some(branch) = u.branch() else { continue };
        outcome.branches_checked += 1;
        let path = RepoPath::from_bytes(branch.as_bytes());
        for (rule, raws) in engine::branch_findings(branch, &session.config, session.schema()) {
            outcome.evaluated.push((path.clone(), RuleSet::of(rule)));
            engine::collect(&mut outcome, &session.config, &path, &raws);
        }
        let tip = commit_id(&u.local_oid)?;
        let base = push_base(cwd, remote, u)?;
        let snapshot = source::load(cwd, &Mode::Pushed { base, tip })?;
        let mut cache: Cache = opts.cache.open(opts.today, || {
            check::default_cache(&snapshot, fallback_cache)
        })?;
        let policies = session.policies()?;
        let o = engine::check(
            &snapshot,
            &session.config,
            session.schema(),
            &policies,
            &mut cache,
            crate::session::Scope::All,
        );
        warnings.extend(cache.warning().map(|w| format!("warning: {w}")));
        outcome.absorb(o, None);
    }
    session.finish(&mut outcome);
    warnings.dedup();
    let mut run = CheckRun::new(outcome, session);
    run.warnings = warnings;
    Ok(run)
}
