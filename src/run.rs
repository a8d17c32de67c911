//! One `git govern check`: config, governance root, schema, cache, engine, report.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::cache::Cache;
use crate::config::{self, Config};
use crate::engine::{self, Outcome};
use crate::error::{Error, Result};
use crate::finding::RawFinding;
use crate::message::{self, Message};
use crate::path::RepoPath;
use crate::policy::{self, Namespaces, PolicySet};
use crate::rules::{RepoSchema, RuleSet};
use crate::source::{self, Mode, Snapshot};
use crate::waiver;

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

impl CacheChoice {
    /// Opens the cache this choice names: none (`Off`), the given file (`At`), else
    /// `GOVERN_CACHE` when set, else `default` (computed only then). Never fails; see
    /// [`Cache::open`].
    pub fn open(&self, default: impl FnOnce() -> PathBuf) -> Cache {
        match self {
            CacheChoice::Off => Cache::disabled(),
            CacheChoice::At(p) => Cache::open(p),
            CacheChoice::Default => Cache::open(&cache_override().unwrap_or_else(default)),
        }
    }
}

/// `GOVERN_CACHE`, when set and not empty.
fn cache_override() -> Option<PathBuf> {
    std::env::var_os("GOVERN_CACHE")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
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
    /// Rego policies from the command line.
    pub policies: PolicyOptions,
}

/// Policy settings given on the command line; `.govern.yaml` adds to them.
#[derive(Debug, Clone, Default)]
pub struct PolicyOptions {
    /// `--policy DIR`, repeatable.
    pub dirs: Vec<PathBuf>,
    /// `--rego-v0`.
    pub rego_v0: bool,
    /// `--namespace` / `--all-namespaces`.
    pub namespaces: Namespaces,
    /// `--no-builtin-policies`.
    pub no_builtin: bool,
}

/// Loads the policies of a run: the built-in ones (unless `--no-builtin-policies`), `--policy`
/// directories, `<governance root>/.metaHub/policies` when present, and the directories
/// `.govern.yaml` names (relative to `root`). Errors: a
/// directory that cannot be read, a policy that does not parse.
pub fn load_policies(root: &Path, config: &Config, opts: &PolicyOptions) -> Result<PolicySet> {
    load_policies_at(&governance_root(root), root, config, opts)
}

/// [`load_policies`] with the governance root given (a portfolio knows it).
pub fn load_policies_at(
    gov_root: &Path,
    root: &Path,
    config: &Config,
    opts: &PolicyOptions,
) -> Result<PolicySet> {
    let mut dirs: Vec<PathBuf> = opts.dirs.clone();
    let hub = gov_root.join(".metaHub").join("policies");
    if hub.is_dir() {
        dirs.push(hub);
    }
    dirs.extend(config.policies.dirs.iter().map(|d| root.join(d)));
    let mut sources = if opts.no_builtin {
        Vec::new()
    } else {
        policy::builtin()
    };
    for d in &dirs {
        sources.extend(policy::read_dir(d)?);
    }
    let namespaces = match &opts.namespaces {
        Namespaces::Default if config.policies.all_namespaces => Namespaces::All,
        Namespaces::Default if !config.policies.namespaces.is_empty() => {
            Namespaces::Only(config.policies.namespaces.clone())
        }
        n => n.clone(),
    };
    PolicySet::load(
        &sources,
        opts.rego_v0 || config.policies.rego_v0,
        &namespaces,
    )
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
    cache_override().unwrap_or_else(|| snapshot.default_cache.clone())
}

/// Runs a check from `cwd`. Errors are usage or input errors (exit code 2); findings and
/// files that could not be parsed are in the outcome.
pub fn check(cwd: &Path, opts: &CheckOptions) -> Result<CheckRun> {
    crate::trace::phase(|| "start".into());
    let snapshot = source::load(cwd, &opts.mode)?;
    crate::trace::phase(|| format!("snapshot: {} subjects", snapshot.subjects.len()));
    let config = load_config(&snapshot.root, opts.config.as_deref())?;
    let schema = repo_schema(&governance_root(&snapshot.root))?;
    let mut cache = opts.cache.open(|| snapshot.default_cache.clone());
    let policies = load_policies(&snapshot.root, &config, &opts.policies)?;
    crate::trace::phase(|| "configuration, schema, cache and policies loaded".into());
    let mut outcome = engine::check(&snapshot, &config, &schema, &policies, &mut cache);
    waiver::apply(&mut outcome, &config, waiver::today());
    crate::trace::phase(|| "waivers applied".into());
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

/// The repository root for `cwd` (its work tree), or `cwd` outside git.
fn root_of(cwd: &Path) -> Result<(Option<gix::Repository>, PathBuf)> {
    let repo = source::git::open(cwd)?;
    let root = repo
        .as_ref()
        .and_then(|r| r.workdir().map(Path::to_path_buf))
        .map(|r| if r.is_absolute() { r } else { cwd.join(r) })
        .unwrap_or_else(|| cwd.to_path_buf());
    Ok((repo, root))
}

/// Adds the findings of the commit-message rules for one message to `out` under `path`;
/// with `merge`, all findings of a rule become one finding (one per bad commit).
fn add_message_findings(
    out: &mut Outcome,
    config: &Config,
    schema: &RepoSchema,
    msg: &Message,
    path: &RepoPath,
    merge: bool,
) {
    out.commits_checked += 1;
    for (rule, raws) in engine::message_findings(msg, config, schema) {
        out.evaluated.push((path.clone(), RuleSet::of(rule)));
        if raws.is_empty() {
            continue;
        }
        if merge {
            let subject = msg.subject().map_or("", |l| l.text.as_str());
            let shown: String = subject.chars().take(60).collect();
            let ellipsis = if subject.chars().count() > 60 {
                "…"
            } else {
                ""
            };
            let mut merged = RawFinding::new(
                rule.id,
                None,
                format!(
                    "{shown:?}{ellipsis}: {}",
                    raws.iter()
                        .map(|r| r.message.as_str())
                        .collect::<Vec<_>>()
                        .join("; ")
                ),
                raws.iter()
                    .map(|r| r.help.as_str())
                    .collect::<Vec<_>>()
                    .join(" "),
            );
            merged.line = raws.first().and_then(|r| r.line);
            engine::collect(out, config, path, std::slice::from_ref(&merged));
        } else {
            engine::collect(out, config, path, &raws);
        }
    }
}

/// The commit-msg hook: checks the message file `file` (as git hands it over: comments and
/// the scissors section ignored, with `core.commentChar`/`core.commentString` honoured).
/// Findings name `file` as given and its line numbers. Errors: the file cannot be read, or
/// the configuration is invalid.
pub fn commit_msg(cwd: &Path, file: &Path, config_file: Option<&Path>) -> Result<CheckRun> {
    let (repo, root) = root_of(cwd)?;
    let full = if file.is_absolute() {
        file.to_path_buf()
    } else {
        cwd.join(file)
    };
    let bytes = std::fs::read(&full).map_err(|e| {
        Error::Usage(format!(
            "cannot read the commit message file {}: {e}",
            file.display()
        ))
    })?;
    let configured = repo.as_ref().and_then(|r| {
        let c = r.config_snapshot();
        c.string("core.commentString")
            .or_else(|| c.string("core.commentChar"))
            .map(|s| s.to_string())
    });
    let prefix = message::comment_prefix(configured.as_deref(), &bytes);
    let msg = Message::parse(&bytes, &prefix);
    let config = load_config(&root, config_file)?;
    let schema = repo_schema(&governance_root(&root))?;
    let mut outcome = Outcome::default();
    let path = RepoPath::from_relative(file);
    add_message_findings(&mut outcome, &config, &schema, &msg, &path, false);
    waiver::apply(&mut outcome, &config, waiver::today());
    Ok(CheckRun {
        outcome,
        config,
        warnings: Vec::new(),
    })
}

/// `check --commits RANGE`: the message of every commit `git log RANGE` lists (at most
/// `max_count`, newest first), one finding per bad commit, named by its short id. Errors:
/// git cannot resolve the range.
pub fn commits(
    cwd: &Path,
    range: &str,
    max_count: Option<usize>,
    config_file: Option<&Path>,
) -> Result<CheckRun> {
    let (_, root) = root_of(cwd)?;
    let mut git = Command::new("git");
    git.args(["log", "-z", "--format=%h%x00%B"]);
    if let Some(n) = max_count {
        git.arg(format!("--max-count={n}"));
    }
    let out = git
        .args(["--end-of-options", range, "--"])
        .current_dir(cwd)
        .output()
        .map_err(|e| Error::io("running git log", e))?;
    if !out.status.success() {
        return Err(Error::Usage(format!(
            "git log {range}: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    let config = load_config(&root, config_file)?;
    let schema = repo_schema(&governance_root(&root))?;
    let mut outcome = Outcome::default();
    let text = String::from_utf8_lossy(&out.stdout);
    let mut fields = text.split('\0');
    while let (Some(id), Some(body)) = (fields.next(), fields.next()) {
        let id = id.trim_start_matches('\n');
        if id.is_empty() {
            continue;
        }
        let msg = Message::from_history(body);
        add_message_findings(
            &mut outcome,
            &config,
            &schema,
            &msg,
            &RepoPath::from_bytes(id.as_bytes()),
            true,
        );
    }
    waiver::apply(&mut outcome, &config, waiver::today());
    Ok(CheckRun {
        outcome,
        config,
        warnings: Vec::new(),
    })
}

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

    /// The update the pre-commit framework describes in `PRE_COMMIT_*` variables (it gives
    /// hooks no stdin), if those are set.
    pub fn from_pre_commit_env() -> Option<RefUpdate> {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        let to = var("PRE_COMMIT_TO_REF")?;
        Some(RefUpdate {
            local_ref: var("PRE_COMMIT_LOCAL_BRANCH").unwrap_or_else(|| "HEAD".into()),
            local_oid: to,
            remote_ref: var("PRE_COMMIT_REMOTE_BRANCH").unwrap_or_default(),
            remote_oid: var("PRE_COMMIT_FROM_REF").unwrap_or_default(),
        })
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
    let default = git_line(
        cwd,
        &[
            "symbolic-ref",
            "--quiet",
            &format!("refs/remotes/{remote}/HEAD"),
        ],
    )
    .or_else(|| {
        ["main", "master", "develop"].iter().find_map(|b| {
            let r = format!("refs/remotes/{remote}/{b}");
            git_line(cwd, &["rev-parse", "--verify", "--quiet", &r]).map(|_| r)
        })
    })?;
    git_line(cwd, &["merge-base", tip, &default])
}

/// The pre-push hook: for every branch the push creates or updates, checks its name
/// (`branch.naming`) and runs the file rules on the files that the pushed commits change
/// (since the remote's old commit, or for a new branch since its merge base with the
/// remote's default branch). Deletions and tags are not checked. Errors: malformed input,
/// an unknown commit, an invalid configuration.
pub fn pre_push(
    cwd: &Path,
    remote: &str,
    updates: &[RefUpdate],
    opts: &CheckOptions,
) -> Result<CheckRun> {
    let (_, root) = root_of(cwd)?;
    let config = load_config(&root, opts.config.as_deref())?;
    let schema = repo_schema(&governance_root(&root))?;
    let policies = load_policies(&root, &config, &opts.policies)?;
    let mut outcome = Outcome::default();
    let mut warnings = Vec::new();
    for u in updates {
        if is_null_oid(&u.local_oid) {
            continue; // deleting a remote branch publishes nothing
        }
        let Some(branch) = u
            .remote_ref
            .strip_prefix("refs/heads/")
            .or_else(|| (!u.remote_ref.starts_with("refs/")).then_some(u.remote_ref.as_str()))
            .filter(|b| !b.is_empty())
        else {
            continue; // tags and other refs
        };
        outcome.branches_checked += 1;
        let path = RepoPath::from_bytes(branch.as_bytes());
        for (rule, raws) in engine::branch_findings(branch, &config, &schema) {
            outcome.evaluated.push((path.clone(), RuleSet::of(rule)));
            engine::collect(&mut outcome, &config, &path, &raws);
        }
        let tip = gix::ObjectId::from_hex(u.local_oid.as_bytes())
            .map_err(|_| Error::Usage(format!("pre-push: {:?} is not a commit id", u.local_oid)))?;
        let known_remote = (!is_null_oid(&u.remote_oid))
            .then(|| {
                git_line(
                    cwd,
                    &[
                        "rev-parse",
                        "--verify",
                        "--quiet",
                        &format!("{}^{{commit}}", u.remote_oid),
                    ],
                )
            })
            .flatten();
        let base = known_remote.or_else(|| merge_base_with_remote(cwd, remote, &u.local_oid));
        let base = base
            .map(|b| {
                gix::ObjectId::from_hex(b.as_bytes())
                    .map_err(|_| Error::Usage(format!("pre-push: {b:?} is not a commit id")))
            })
            .transpose()?;
        let snapshot = source::load(cwd, &Mode::Pushed { base, tip })?;
        let mut cache = opts.cache.open(|| snapshot.default_cache.clone());
        let o = engine::check(&snapshot, &config, &schema, &policies, &mut cache);
        if let Some(w) = cache.warning() {
            warnings.push(format!("warning: {w}"));
        }
        outcome.findings.extend(o.findings);
        outcome.suppressed.extend(o.suppressed);
        outcome.errors.extend(o.errors);
        outcome.skipped.extend(o.skipped);
        outcome.evaluated.extend(o.evaluated);
        outcome.files_checked += o.files_checked;
        outcome.cache_hits += o.cache_hits;
    }
    waiver::apply(&mut outcome, &config, waiver::today());
    warnings.dedup();
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
