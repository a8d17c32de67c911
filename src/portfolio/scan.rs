//! Scan: every repository of a portfolio checked with the hook's rules, in parallel, all
//! sharing one cache file, and turned into a [`RepoRecord`] plus its [`Outcome`].

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;

use crate::cache::Cache;
use crate::config::Config;
use crate::engine::Outcome;
use crate::error::{Error, Result};
use crate::finding::InputError;
use crate::path::RepoPath;
use crate::session::{Governance, Options, Session};
use crate::source::enclosing::EnclosingIndex;
use crate::source::{self, Content, Mode, Snapshot};

use super::discover::{Discovery, RepoDir, RepoKind};
use super::record::{self, RepoRecord};

/// The default cache of a portfolio: `<root>/.metaHub/cache/cache.redb`.
pub fn default_cache(root: &Path) -> PathBuf {
    root.join(".metaHub").join("cache").join("cache.redb")
}

/// How a portfolio is scanned.
#[derive(Debug, Clone)]
pub struct ScanOptions {
    /// The run's options: cache ([`crate::session::CacheChoice::Default`] is
    /// [`default_cache`]), policies, today's date.
    pub session: Options,
    /// Compute every file's git blob id (checkpoints need them; checks do not).
    pub file_hashes: bool,
    /// Draw a progress bar on stderr (only when stderr is a terminal).
    pub progress: bool,
    /// Scan only this part of the portfolio (`--shard I/N`).
    pub shard: Option<super::shard::Shard>,
    /// Assemble the records from the shards in this directory instead of scanning
    /// (`--shard-dir` without `--shard`).
    pub assemble: Option<std::path::PathBuf>,
}

/// One repository's result.
#[derive(Debug, Clone)]
pub struct RepoResult {
    /// The record for the catalog and checkpoints.
    pub record: RepoRecord,
    /// The check outcome, paths relative to the repository.
    pub outcome: Outcome,
}

/// A scanned portfolio.
#[derive(Debug, Clone)]
pub struct Scan {
    /// The governance root (canonical).
    pub root: PathBuf,
    /// One result per repository, in discovery order (organization, then name).
    pub repos: Vec<RepoResult>,
    /// Discovery and cache warnings, one line each.
    pub warnings: Vec<String>,
}

impl Scan {
    /// Every repository's outcome in one, paths prefixed by `organizations/<org>/<repo>/`
    /// (relative to the governance root), so every report format can show it.
    pub fn merged(&self) -> Outcome {
        // Each repository's outcome is copied and its paths placed in parallel; the
        // pieces are then moved into one and sorted (mostly in order already).
        let placed: Vec<Outcome> = self
            .repos
            .par_iter()
            .map(|r| {
                let mut one = Outcome::default();
                one.absorb(r.outcome.clone(), Some(&r.record.path));
                one
            })
            .collect();
        let mut out = Outcome::default();
        for one in placed {
            out.absorb(one, None);
        }
        out.sort();
        out
    }

    /// The exit code of the whole scan, as [`Outcome::exit_code`] of [`Scan::merged`]
    /// gives it, without merging: 2 when some repository could not be read in part, else
    /// 1 when some has a violation (or a warning, when `strict`), else 0.
    pub fn exit_code(&self, strict: bool) -> i32 {
        self.repos
            .iter()
            .map(|r| r.outcome.exit_code(strict))
            .max()
            .unwrap_or(0)
    }
}

/// The repository's snapshot. A git repository is read with its own configuration only
/// (not the system's, the user's or the environment's): what a portfolio reports does not
/// depend on the machine that scans it, and reading those files for each of thousands of
/// repositories cost more than the rest of the open.
///
/// A plain folder in a tree that the governance repository tracks takes the ids of its
/// unchanged files from that repository's index (`enclosing`; see
/// [`source::enclosing`]).
fn snapshot_of(
    repo: &RepoDir,
    root: &Path,
    enclosing: Option<&Arc<EnclosingIndex>>,
) -> Result<Snapshot> {
    match repo.kind {
        RepoKind::Git => source::git::portfolio_snapshot(&repo.dir),
        RepoKind::Folder => {
            let mut snapshot = source::fs::snapshot_at(repo.dir.clone(), &repo.dir, &Mode::All)?;
            snapshot.enclosing = enclosing.and_then(|e| {
                let rel = repo.dir.strip_prefix(root).ok()?;
                e.folder(&RepoPath::from_relative(rel).display())
            });
            Ok(snapshot)
        }
    }
}

/// Git blob ids of the snapshot's files: the index's ids where the work tree matches it,
/// the ids the cache's stamps record for files on disk whose stat data is unchanged, else
/// computed from the bytes on disk (and stamped).
fn file_hashes(snapshot: &Snapshot, cache: &mut Cache) -> BTreeMap<String, String> {
    let paths: Vec<Option<crate::cache::ToStamp>> = snapshot
        .subjects
        .iter()
        .map(|s| match &s.content {
            Content::File(p, stamp) => Some((p.as_path(), *stamp)),
            _ => None,
        })
        .collect();
    let stamps = crate::cache::stamps_of(&paths);
    let mut known = cache.known_ids(&stamps);
    crate::source::enclosing::fill(snapshot.enclosing.as_ref(), &mut known, &stamps, |i| {
        &snapshot.subjects[i].path
    });
    // (id, whether it was computed from the bytes on disk)
    let ids: Vec<Option<(gix::ObjectId, bool)>> = snapshot
        .subjects
        .par_iter()
        .zip(&known)
        .map(|(s, known)| match (&s.content, known) {
            (_, Some(id)) => Some((*id, false)),
            (Content::Blob(id), None) => Some((*id, false)),
            (Content::File(p, _), None) => {
                Some((source::content_id(&std::fs::read(p).ok()?).ok()?, true))
            }
            (Content::Bytes(b), None) => Some((source::content_id(b).ok()?, false)),
        })
        .collect();
    cache.stamp_read(ids.iter().zip(&stamps).filter_map(|(id, s)| match (id, s) {
        (Some((id, true)), Some(s)) => Some((s, id)),
        _ => None,
    }));
    snapshot
        .subjects
        .iter()
        .zip(ids)
        .filter_map(|(s, id)| Some((s.path.display().into_owned(), id?.0.to_hex().to_string())))
        .collect()
}

fn failed(path: &str, message: String) -> InputError {
    InputError {
        path: RepoPath::from_bytes(path.as_bytes()),
        line: None,
        message,
    }
}

fn check_one(
    repo: &RepoDir,
    enclosing: Option<&Arc<EnclosingIndex>>,
    governance: &Arc<Governance>,
    opts: &ScanOptions,
    cache: &mut Cache,
) -> RepoResult {
    let mut record = RepoRecord {
        organization: repo.org.clone(),
        name: repo.name.clone(),
        path: repo.rel_path(),
        kind: repo.kind,
        metadata: Default::default(),
        compliance: record::Compliance::NonCompliant,
        violations: BTreeMap::new(),
        warnings: BTreeMap::new(),
        errors: 0,
        tree_hash: None,
        files: BTreeMap::new(),
        input_errors: Vec::new(),
        adrs: None,
        codeowners: None,
        components: Vec::new(),
        waivers: None,
    };
    let outcome = (|| -> std::result::Result<Outcome, InputError> {
        let snapshot = snapshot_of(repo, &governance.root, enclosing)
            .map_err(|e| failed(".", e.to_string()))?;
        let session = Session::within(governance.clone(), &snapshot.root).map_err(|e| match e {
            Error::Input { line, message, .. } => InputError {
                line,
                ..failed(crate::config::FILE_NAME, message)
            },
            e => failed(crate::config::FILE_NAME, e.to_string()),
        })?;
        record.waivers = Some(
            session
                .config
                .waivers
                .iter()
                .map(record::WaiverRecord::of)
                .collect(),
        );
        let outcome = session
            .check(&snapshot, cache)
            .map_err(|e| failed(".", e.to_string()))?;
        let meta = record::read_metadata(snapshot.view.as_ref());
        if let record::MetadataFile::Read(m) = &meta {
            record.metadata = m.clone();
        }
        record.compliance = record::compliance(&meta, &outcome);
        let view = snapshot.view.as_ref();
        let components = snapshot.components(&|p| session.config.path_selected(p));
        record.components = record::components(view, &components, &outcome);
        if !components.is_empty() && meta == record::MetadataFile::Missing {
            record.compliance = record::roll_up(&record.components, &outcome, &components);
        }
        let adrs = crate::kinds::adr::files(
            snapshot.view.as_ref(),
            &crate::rules::adr::dirs_in(&session.config),
        );
        record.adrs = Some(adrs.iter().map(|p| p.display().into_owned()).collect());
        record.codeowners = Some(record::read_codeowners(snapshot.view.as_ref()));
        if opts.file_hashes {
            record.files = file_hashes(&snapshot, cache);
            record.tree_hash = Some(record::tree_hash(&record.files));
        }
        Ok(outcome)
    })()
    .unwrap_or_else(|e| Outcome {
        errors: vec![e],
        ..Outcome::default()
    });
    let (v, w) = record::counts(&outcome);
    record.violations = v;
    record.warnings = w;
    record.errors = outcome.errors.len();
    record.input_errors = outcome
        .errors
        .iter()
        .map(|e| match e.path.as_bytes() {
            // The repository itself could not be read: the message says which and why.
            b"." => e.message.clone(),
            _ => {
                let at = crate::finding::location(&e.path.display(), e.line);
                format!("{at}: {}", e.message)
            }
        })
        .collect();
    record.input_errors.sort();
    RepoResult { record, outcome }
}

/// When a scan writes the cache.
#[derive(Debug, Clone, Copy)]
struct Writes {
    /// Repositories checked (in parallel) before their results join the cache's queue.
    part: usize,
    /// Queued bytes (keys and values) past which the queue is written before the scan
    /// goes on.
    past: usize,
}

/// A cold run over thousands of repositories then does not hold every new result until
/// the end. Each write rewrites the B-tree pages its random keys touch, so a smaller bound
/// costs time. A cold 10,000-repository check (20 files each) queues about 90 MB: with
/// 48 MiB it writes once midway and at the end, and peaks at 197 MB instead of 254 MB for
/// 9% more time; at 16 MiB it peaked at 191 MB for 22% more.
const WRITES: Writes = Writes {
    part: 1_000,
    past: 48 << 20,
};

/// Checks `repos` in parallel with `each`, giving each a child of `cache`, and writes the
/// cache as `writes` says (always at the end). Results in the order of `repos`.
fn check_all(
    repos: &[RepoDir],
    cache: &mut Cache,
    writes: Writes,
    each: &(dyn Fn(&RepoDir, &mut Cache) -> RepoResult + Sync),
) -> Vec<RepoResult> {
    let mut out = Vec::with_capacity(repos.len());
    for part in repos.chunks(writes.part.max(1)) {
        let shared = &*cache;
        let results: Vec<(RepoResult, Cache)> = part
            .par_iter()
            .map(|repo| {
                let mut child = shared.child();
                let r = each(repo, &mut child);
                child.forget_reads();
                (r, child)
            })
            .collect();
        for (r, child) in results {
            cache.absorb(child);
            out.push(r);
        }
        let queued = cache.queued_bytes();
        if queued > writes.past {
            cache.commit();
            crate::trace::phase(|| format!("portfolio: {queued} queued bytes written"));
        }
    }
    cache.commit();
    out
}

/// Checks every discovered repository under `root` (canonical). Each repository is checked
/// as `git govern check --all` would check it alone (its own `.govern.yaml`, waivers and
/// suppressions), with the governance root's metadata schema and policies; a repository
/// that cannot be read becomes an input error in its outcome, not a failed run. The cache
/// is read concurrently and written at the end, or before when the queue is large
/// ([`WRITES`]). Errors: the metadata schema or a
/// policy of the governance root is invalid.
pub fn scan(root: &Path, discovery: Discovery, opts: &ScanOptions) -> Result<Scan> {
    let o = &opts.session;
    let governance = Arc::new(
        Governance::open(root.to_path_buf(), o.today, o.policies.clone())?
            .with_selection(o.selection.clone()),
    );
    // Compile the shared policy set up front so an invalid policy stops the run once.
    governance.policies(root, &Config::default())?;
    let mut cache = o.cache.open(o.today, || default_cache(root))?;
    let bar = if opts.progress && std::io::stderr().is_terminal() {
        let b = indicatif::ProgressBar::new(discovery.repos.len() as u64);
        b.set_style(
            indicatif::ProgressStyle::with_template(
                "{spinner} checking repositories {bar:30} {pos}/{len} {wide_msg}",
            )
            .expect("progress template"),
        );
        b
    } else {
        indicatif::ProgressBar::hidden()
    };
    let enclosing = EnclosingIndex::of(root, super::discover::ORGANIZATIONS);
    let each = |repo: &RepoDir, cache: &mut Cache| {
        let r = check_one(repo, enclosing.as_ref(), &governance, opts, cache);
        bar.set_message(repo.key());
        bar.inc(1);
        r
    };
    let repos = check_all(&discovery.repos, &mut cache, WRITES, &each);
    bar.finish_and_clear();
    crate::trace::phase(|| "portfolio: cache written".to_string());
    let mut warnings = discovery.warnings;
    if let Some(w) = cache.warning() {
        warnings.push(format!("warning: {w}"));
    }
    Ok(Scan {
        root: root.to_path_buf(),
        repos,
        warnings,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::{CacheChoice, PolicyOptions, Scope};

    /// A governance root with three plain-folder repositories, and options with the cache
    /// at `cache`.
    fn fixture(cache: &Path) -> (tempfile::TempDir, PathBuf, ScanOptions) {
        let t = tempfile::tempdir().unwrap();
        let root = t.path().canonicalize().unwrap();
        for (i, name) in ["a", "b", "c"].iter().enumerate() {
            let dir = root.join("organizations/o").join(name);
            std::fs::create_dir_all(dir.join("k8s")).unwrap();
            std::fs::write(dir.join("Dockerfile"), format!("FROM alpine:3.{i}\n")).unwrap();
            std::fs::write(dir.join("k8s/pod.yaml"), "kind: Pod\nmetadata: {name: p}\n").unwrap();
        }
        let today = jiff::civil::date(2026, 11, 24);
        let opts = ScanOptions {
            session: Options {
                golden_path_root: None,
                now: jiff::Timestamp::UNIX_EPOCH,
                today,
                config: None,
                policies: PolicyOptions::default(),
                cache: CacheChoice::At(cache.to_path_buf()),
                scope: Scope::All,
                selection: Default::default(),
                combine: false,
                stdin: None,
            },
            file_hashes: false,
            progress: false,
            shard: None,
            assemble: None,
        };
        (t, root, opts)
    }

    fn run(root: &Path, opts: &ScanOptions, writes: Writes) -> (Vec<RepoResult>, usize) {
        let discovery = super::super::discover::discover(root, &Default::default()).unwrap();
        let governance = Arc::new(
            Governance::open(root.to_path_buf(), opts.session.today, Default::default()).unwrap(),
        );
        let mut cache = opts
            .session
            .cache
            .open(opts.session.today, || unreachable!())
            .unwrap();
        let each =
            |repo: &RepoDir, cache: &mut Cache| check_one(repo, None, &governance, opts, cache);
        let results = check_all(&discovery.repos, &mut cache, writes, &each);
        let hits = results.iter().map(|r| r.outcome.cache_hits).sum();
        (results, hits)
    }

    #[test]
    fn writing_the_cache_midway_stores_what_one_write_at_the_end_stores() {
        let dir = tempfile::tempdir().unwrap();
        let midway = dir.path().join("midway.redb");
        let (_t, root, opts) = fixture(&midway);
        // A write after every repository: the later repositories are served the results of
        // the earlier ones' identical manifest (content-addressed), which only a write
        // before they are checked can give.
        let (cold, hits) = run(&root, &opts, Writes { part: 1, past: 0 });
        assert!(hits > 0);
        // A warm run then finds everything.
        let bytes = std::fs::read(&midway).unwrap();
        let (warm, hits) = run(&root, &opts, WRITES);
        assert!(hits > 0);
        assert!(
            warm.iter().all(|r| r.outcome.cache_hits > 0),
            "every repository served"
        );
        assert_eq!(
            std::fs::read(&midway).unwrap(),
            bytes,
            "nothing left to store"
        );
        // The same results as a run that writes once at the end, and as the warm run.
        let end = dir.path().join("end.redb");
        let (_t2, root2, opts2) = fixture(&end);
        let (once, hits) = run(&root2, &opts2, WRITES);
        assert_eq!(
            hits, 0,
            "one write at the end serves nothing during the scan"
        );
        let records = |rs: &[RepoResult]| -> Vec<_> {
            rs.iter()
                .map(|r| {
                    (
                        r.record.path.clone(),
                        r.outcome.findings.len(),
                        r.record.violations.clone(),
                    )
                })
                .collect()
        };
        assert_eq!(records(&cold), records(&warm));
        assert_eq!(records(&cold), records(&once));
    }
}
