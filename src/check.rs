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
    let mut snapshot = source::load(cwd, mode)?;
    if let Some(stdin) = &opts.stdin {
        add_stdin(&mut snapshot, stdin);
    }
    crate::trace::phase(|| format!("snapshot: {} subjects", snapshot.subjects.len()));
    let session = Session::open(&snapshot.root, opts)?;
    crate::trace::phase(|| "configuration and schema read".into());
    let mut cache = opts
        .cache
        .open(opts.today, || default_cache(&snapshot, fallback_cache))?;
    crate::trace::phase(|| "cache opened".into());
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

/// Adds standard input to the files of `snapshot`, under the name its parser gives it.
fn add_stdin(snapshot: &mut source::Snapshot, stdin: &Stdin) {
    let mut subjects = snapshot.subjects.to_vec();
    subjects.push(source::Subject {
        path: crate::path::RepoPath::from_bytes(stdin.name()),
        content: source::Content::Bytes(stdin.bytes.clone()),
    });
    snapshot.subjects = subjects.into();
}

/// Standard input as a file to check (`-`), read by the caller.
#[derive(Debug, Clone)]
pub struct Stdin {
    /// The parser (conftest's `--parser`): `yaml`, `json`, `dockerfile` or a configuration
    /// format's name.
    pub parser: String,
    /// The bytes read.
    pub bytes: std::sync::Arc<[u8]>,
}

impl Stdin {
    /// The name it is checked and reported under: `stdin.<parser>` (`stdin.Dockerfile`
    /// for Dockerfiles), so that the input kinds take it by name as any file.
    pub fn name(&self) -> String {
        match self.parser.as_str() {
            "dockerfile" => "stdin.Dockerfile".to_string(),
            "hcl" => "stdin.hcl".to_string(),
            "hcl2" => "stdin.tf".to_string(),
            "dotenv" => "stdin.env".to_string(),
            other => format!("stdin.{other}"),
        }
    }

    /// The parsers standard input may be read with.
    pub const PARSERS: &'static [&'static str] = &[
        "yaml",
        "json",
        "dockerfile",
        "toml",
        "ini",
        "hcl2",
        "dotenv",
        "xml",
        "properties",
    ];
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
            source::Content::File(f, _) => {
                std::fs::canonicalize(f).is_ok_and(|f| named.contains(&f))
            }
            source::Content::Blob(_) | source::Content::Bytes(_) => false,
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
