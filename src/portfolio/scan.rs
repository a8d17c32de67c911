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
    let paths: Vec<Option<&Path>> = snapshot
        .subjects
        .iter()
        .map(|s| match &s.content {
            Content::File(p) => Some(p.as_path()),
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
            (Content::File(p), None) => {
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

/// Checks every discovered repository under `root` (canonical). Each repository is checked
/// as `git govern check --all` would check it alone (its own `.govern.yaml`, waivers and
/// suppressions), with the governance root's metadata schema and policies; a repository
/// that cannot be read becomes an input error in its outcome, not a failed run. The cache
/// is read concurrently and written once at the end. Errors: the metadata schema or a
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
    let shared = &cache;
    let results: Vec<(RepoResult, Cache)> = discovery
        .repos
        .par_iter()
        .map(|repo| {
            let mut child = shared.child();
            let r = check_one(repo, enclosing.as_ref(), &governance, opts, &mut child);
            child.forget_reads();
            bar.set_message(repo.key());
            bar.inc(1);
            (r, child)
        })
        .collect();
    bar.finish_and_clear();
    let mut repos = Vec::with_capacity(results.len());
    for (r, child) in results {
        cache.absorb(child);
        repos.push(r);
    }
    cache.commit();
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
