//! One `git govern check`: config, governance root, schema, cache, engine, report.

use std::path::{Path, PathBuf};

use crate::cache::Cache;
use crate::config::{self, Config};
use crate::engine::{self, Outcome};
use crate::error::{Error, Result};
use crate::rules::RepoSchema;
use crate::source::{self, Mode, Snapshot};

/// How the cache is chosen for a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CacheChoice {
    /// The default location (or `GOVERN_CACHE`).
    Default,
    /// An explicit file (`--cache`).
    At(PathBuf),
    /// No cache (`--no-cache`).
    Off,
}

/// What to check and how.
#[derive(Debug, Clone)]
pub struct CheckOptions {
    /// Which content.
    pub mode: Mode,
    /// Which cache.
    pub cache: CacheChoice,
    /// A config file other than `<root>/.govern.yaml`.
    pub config: Option<PathBuf>,
}

/// The result of a run and what the caller needs to finish it.
pub struct CheckRun {
    /// The findings and counts.
    pub outcome: Outcome,
    /// The effective configuration.
    pub config: Config,
    /// Warnings for stderr (cache trouble), one line each.
    pub warnings: Vec<String>,
}

/// The governance root for a repository at `repo_root`: `GOLDEN_PATH_ROOT` if set, else the
/// nearest ancestor (the repository itself included) holding `.metaHub/` or
/// `organizations/`, else `repo_root`.
pub fn governance_root(repo_root: &Path) -> PathBuf {
    if let Some(r) = std::env::var_os("GOLDEN_PATH_ROOT").filter(|v| !v.is_empty()) {
        return PathBuf::from(r);
    }
    let mut cur = Some(repo_root);
    while let Some(dir) = cur {
        if dir.join(".metaHub").is_dir() || dir.join("organizations").is_dir() {
            return dir.to_path_buf();
        }
        cur = dir.parent();
    }
    repo_root.to_path_buf()
}

/// The metadata schema in force: `<governance root>/.metaHub/schemas/repo-schema.json` if
/// present (errors if it is not JSON), else the built-in one.
pub fn repo_schema(gov_root: &Path) -> Result<RepoSchema> {
    let p = gov_root
        .join(".metaHub")
        .join("schemas")
        .join("repo-schema.json");
    match std::fs::read_to_string(&p) {
        Ok(text) => {
            let v: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
                Error::input(
                    p.display().to_string(),
                    e.line() as u32,
                    format!("invalid JSON: {e}"),
                )
            })?;
            Ok(RepoSchema::new(p.display().to_string(), v))
        }
        Err(_) => Ok(RepoSchema::builtin()),
    }
}

/// Reads the configuration: `explicit` if given, else `<root>/.govern.yaml` if present, else
/// defaults.
pub fn load_config(root: &Path, explicit: Option<&Path>) -> Result<Config> {
    let (path, shown) = match explicit {
        Some(p) => (p.to_path_buf(), p.display().to_string()),
        None => (root.join(config::FILE_NAME), config::FILE_NAME.to_string()),
    };
    match std::fs::read(&path) {
        Ok(bytes) => {
            let text = String::from_utf8(bytes)
                .map_err(|e| Error::input(&shown, 0, format!("not UTF-8: {e}")))?;
            Config::parse(&text, &shown)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && explicit.is_none() => {
            Ok(Config::default())
        }
        Err(e) => Err(Error::Usage(format!("{shown}: {e}"))),
    }
}

/// The cache file a run would use: `GOVERN_CACHE` if set, else the snapshot's default.
pub fn default_cache_path(snapshot: &Snapshot) -> PathBuf {
    std::env::var_os("GOVERN_CACHE")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| snapshot.default_cache.clone())
}

/// Runs a check from `cwd`. Errors are usage or input errors (exit code 2); findings and
/// files that could not be parsed are in the outcome.
pub fn check(cwd: &Path, opts: &CheckOptions) -> Result<CheckRun> {
    let snapshot = source::load(cwd, &opts.mode)?;
    let config = load_config(&snapshot.root, opts.config.as_deref())?;
    let schema = repo_schema(&governance_root(&snapshot.root))?;
    let mut cache = match &opts.cache {
        CacheChoice::Off => Cache::disabled(),
        CacheChoice::At(p) => Cache::open(p),
        CacheChoice::Default => Cache::open(&default_cache_path(&snapshot)),
    };
    let outcome = engine::check(&snapshot, &config, &schema, &mut cache);
    let warnings = cache
        .warning()
        .map(|w| vec![format!("warning: {w}")])
        .unwrap_or_default();
    Ok(CheckRun {
        outcome,
        config,
        warnings,
    })
}

/// Writes `contents` to `path` atomically: a temporary file in the same directory, then a
/// rename, so readers never see a half-written file.
pub fn write_atomic(path: &Path, contents: &[u8]) -> Result<()> {
    use std::io::Write;
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)
        .map_err(|e| Error::io(format!("creating {}", dir.display()), e))?;
    let mut tmp = tempfile::NamedTempFile::new_in(dir)
        .map_err(|e| Error::io(format!("writing in {}", dir.display()), e))?;
    tmp.write_all(contents)
        .map_err(|e| Error::io(format!("writing {}", path.display()), e))?;
    tmp.persist(path)
        .map_err(|e| Error::io(format!("writing {}", path.display()), e.error))?;
    Ok(())
}
