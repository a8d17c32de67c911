//! The pipeline every command shares: configuration → metadata schema → policies →
//! [`engine::check`] → waivers.
//!
//! A [`Governance`] holds what the governance root decides for every repository under it
//! (the metadata schema, the policy options, today's date) and compiles each distinct
//! policy set once. A [`Session`] adds one repository's `.govern.yaml`. `check`,
//! `--commits`, the hooks, `policy test` and the portfolio scan all go through them, so a
//! run is assembled in exactly one place. Nothing here reads the environment: the command
//! line resolves it into [`Options`].

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use jiff::civil::Date;
use jiff::Timestamp;

use crate::cache::Cache;
use crate::config::{self, Config};
use crate::engine::{self, Outcome};
use crate::error::{Error, Result};
use crate::policy::{self, Namespaces, PolicySet};
use crate::rules::RepoSchema;
use crate::select::Selection;
use crate::source::Snapshot;
use crate::waiver;

/// How the cache of a run is chosen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CacheChoice {
    /// The default location of the run (a repository's or a portfolio's).
    Default,
    /// An explicit file (`--cache` or `GOVERN_CACHE`).
    At(PathBuf),
    /// No cache (`--no-cache`).
    Off,
}

impl CacheChoice {
    /// Opens the cache this choice names: none (`Off`), the given file (`At`), else
    /// `default` (computed only then). A cache that cannot be used is a warning on the
    /// returned [`Cache`] (see [`Cache::open`]). Entries it uses are dated `today` (see
    /// [`Cache::on_day`]). Errors: a file given with `At` that is not a git-govern cache
    /// ([`crate::cache::may_use`]), left untouched.
    pub fn open(&self, today: Date, default: impl FnOnce() -> PathBuf) -> Result<Cache> {
        let cache = match self {
            CacheChoice::Off => Cache::disabled(),
            CacheChoice::At(p) => {
                refuse_foreign(p)?;
                Cache::open(p)
            }
            CacheChoice::Default => Cache::open(&default()),
        };
        Ok(cache.on_day(crate::cache::day_of(today)))
    }
}

/// The usage error for a cache path given by the user that holds something else.
pub fn refuse_foreign(path: &Path) -> Result<()> {
    crate::cache::may_use(path).map_err(|why| {
        Error::Usage(format!(
            "the cache file {} was not used: {why}; name a new path or an existing git-govern cache",
            path.display()
        ))
    })
}

/// Policy settings given on the command line; `.govern.yaml` adds to them.
#[derive(Debug, Clone, Default)]
pub struct PolicyOptions {
    /// `--policy PATH` (a directory or a `.rego` file), repeatable.
    pub dirs: Vec<PathBuf>,
    /// `--data PATH` (a YAML/JSON file or a directory of them), repeatable.
    pub data: Vec<PathBuf>,
    /// `--rego-v0`.
    pub rego_v0: bool,
    /// `--namespace` / `--all-namespaces`.
    pub namespaces: Namespaces,
    /// `--no-builtin-policies`.
    pub no_builtin: bool,
}

/// What the command line and its environment decided for a run.
#[derive(Debug, Clone)]
pub struct Options {
    /// `GOLDEN_PATH_ROOT`: the governance root, overriding the search for `.metaHub/`.
    pub golden_path_root: Option<PathBuf>,
    /// The time of the run, for `generated` fields: `SOURCE_DATE_EPOCH` when set, else the
    /// clock, in whole seconds.
    pub now: Timestamp,
    /// The date waivers and acknowledgements expire against (seed runbook: the UTC date of
    /// `SOURCE_DATE_EPOCH` when set, else the local date).
    pub today: Date,
    /// A config file other than `<repository root>/.govern.yaml` (`--config`).
    pub config: Option<PathBuf>,
    /// Rego policies from the command line.
    pub policies: PolicyOptions,
    /// Which cache.
    pub cache: CacheChoice,
    /// Which rules run: all, the file rules only, or the repository-level ones only.
    pub scope: Scope,
    /// `--select` / `--ignore`.
    pub selection: Selection,
    /// `--combine`: file policies judge every checked file at once.
    pub combine: bool,
    /// Standard input as a file to check (`-` among the paths).
    pub stdin: Option<crate::check::Stdin>,
}

/// Which rules a check runs. The pre-commit framework passes file names in batches, so its
/// file hook runs [`Scope::Files`] per batch and a second hook [`Scope::Repository`] once.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Scope {
    /// Every rule and policy.
    #[default]
    All,
    /// The rules and policies that judge one file; not the repository-level ones.
    Files,
    /// The repository-level rules (metadata present, CODEOWNERS, required files, SLOs,
    /// ADRs present, expired waivers) and `govern.repo` policies; no file is judged.
    Repository,
}

impl Options {
    /// Defaults for a run at `now` on `today`: no root override, no config file, default
    /// policies and cache.
    pub fn new(now: Timestamp, today: Date) -> Options {
        Options {
            golden_path_root: None,
            now,
            today,
            config: None,
            policies: PolicyOptions::default(),
            cache: CacheChoice::Default,
            scope: Scope::All,
            selection: Selection::default(),
            combine: false,
            stdin: None,
        }
    }
}

/// The governance root for a repository at `repo_root`: `golden_path_root` if given, else
/// the nearest ancestor (the repository itself included) holding `.metaHub/` or
/// `organizations/`, else `repo_root` (seed runbook).
pub fn governance_root(repo_root: &Path, golden_path_root: Option<&Path>) -> PathBuf {
    if let Some(r) = golden_path_root {
        return r.to_path_buf();
    }
    repo_root
        .ancestors()
        .find(|dir| dir.join(".metaHub").is_dir() || dir.join("organizations").is_dir())
        .unwrap_or(repo_root)
        .to_path_buf()
}

/// The metadata schema in force: `<governance root>/.metaHub/schemas/repo-schema.json` if
/// present (an error naming the file and line if it is not JSON), else the built-in one.
pub fn repo_schema(gov_root: &Path) -> Result<RepoSchema> {
    let p = gov_root
        .join(".metaHub")
        .join("schemas")
        .join("repo-schema.json");
    match crate::read::bounded_text(&p, crate::read::CONFIG_LIMIT) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(Error::input(
            p.display().to_string(),
            0,
            format!("cannot be used: {e}"),
        )),
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

/// Reads a repository's configuration: `explicit` if given, else `<root>/.govern.yaml` if
/// present, else the defaults. Errors: the file is not UTF-8 or not a valid configuration
/// (an input error with its line), or an explicit file cannot be read (usage).
pub fn load_config(root: &Path, explicit: Option<&Path>) -> Result<Config> {
    Ok(load_config_with_text(root, explicit)?.0)
}

/// [`load_config`], with the text it was read from (`None` without a file), which
/// components' configurations are layered over ([`crate::layers`]).
pub fn load_config_with_text(
    root: &Path,
    explicit: Option<&Path>,
) -> Result<(Config, Option<String>)> {
    let (path, shown) = match explicit {
        Some(p) => (p.to_path_buf(), p.display().to_string()),
        None => (root.join(config::FILE_NAME), config::FILE_NAME.to_string()),
    };
    let read = match explicit {
        Some(_) => crate::read::bounded(&path, crate::read::CONFIG_LIMIT),
        // Most repositories of a portfolio have none: one lookup tells.
        None if std::fs::symlink_metadata(&path)
            .is_err_and(|e| e.kind() == std::io::ErrorKind::NotFound) =>
        {
            return Ok((Config::default(), None))
        }
        None => crate::read::within(root, &path)
            .and_then(|()| crate::read::bounded(&path, crate::read::CONFIG_LIMIT)),
    };
    match read {
        Ok(bytes) => {
            let text = String::from_utf8(bytes)
                .map_err(|e| Error::input(&shown, 0, format!("not UTF-8: {e}")))?;
            Ok((Config::parse(&text, &shown)?, Some(text)))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && explicit.is_none() => {
            Ok((Config::default(), None))
        }
        Err(e) => Err(Error::Usage(format!("{shown}: {e}"))),
    }
}

/// What a governance root decides for every repository under it.
pub struct Governance {
    /// The governance root.
    pub root: PathBuf,
    /// The metadata schema in force.
    pub schema: RepoSchema,
    /// The date waivers expire against.
    pub today: Date,
    policy_options: PolicyOptions,
    /// The rules the command line selects, for every repository.
    pub selection: Selection,
    /// Policy sets compiled so far, by the `policies:` settings that shaped them (almost
    /// always one for a whole portfolio).
    policy_sets: Mutex<HashMap<String, Arc<PolicySet>>>,
}

impl Governance {
    /// Reads the governance root's schema. Errors: an invalid custom schema.
    pub fn open(root: PathBuf, today: Date, policies: PolicyOptions) -> Result<Governance> {
        Ok(Governance {
            schema: repo_schema(&root)?,
            root,
            today,
            policy_options: policies,
            selection: Selection::default(),
            policy_sets: Mutex::new(HashMap::new()),
        })
    }

    /// The same, reporting only what `selection` selects.
    pub fn with_selection(mut self, selection: Selection) -> Governance {
        self.selection = selection;
        self
    }

    /// The policies for a repository at `repo_root` with `config`: the built-in ones (unless
    /// `--no-builtin-policies`), `--policy` directories, `<governance root>/.metaHub/policies`
    /// when present, and the directories `.govern.yaml` names (relative to `repo_root`);
    /// compiled once per distinct setting. Errors: a directory that cannot be read, a
    /// policy that does not parse.
    pub fn policies(&self, repo_root: &Path, config: &Config) -> Result<Arc<PolicySet>> {
        let set = self.policies_prepared(repo_root, config)?;
        set.validate()?;
        Ok(set)
    }

    /// [`Governance::policies`] without compiling them: they compile on first use. Errors:
    /// a directory that cannot be read, a data file that does not parse.
    pub fn policies_prepared(&self, repo_root: &Path, config: &Config) -> Result<Arc<PolicySet>> {
        let p = &config.policies;
        let key = if p.dirs.is_empty() && p.data.is_empty() {
            format!("{:?}", (p.rego_v0, &p.namespaces, p.all_namespaces))
        } else {
            format!("{:?}{}", p, repo_root.display())
        };
        let sets = || self.policy_sets.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(s) = sets().get(&key) {
            return Ok(s.clone());
        }
        let set = Arc::new(self.compile_policies(repo_root, config)?);
        sets().insert(key, set.clone());
        Ok(set)
    }

    fn compile_policies(&self, repo_root: &Path, config: &Config) -> Result<PolicySet> {
        let opts = &self.policy_options;
        let mut dirs: Vec<PathBuf> = opts.dirs.clone();
        let hub = self.root.join(".metaHub").join("policies");
        let hub_found = hub.is_dir();
        if hub_found {
            dirs.push(hub);
        }
        let named = dirs.len();
        dirs.extend(config.policies.dirs.iter().map(|d| repo_root.join(d)));
        let mut sources = if opts.no_builtin {
            Vec::new()
        } else {
            policy::builtin()
        };
        for (i, d) in dirs.iter().enumerate() {
            // Directories `.govern.yaml` names are the repository's: nothing in them may
            // lead out of it.
            let confine = (i >= named).then_some(repo_root);
            let found = policy::read_dir(d, confine)?;
            // A path given by name that holds no policy is a mistake, not a pass.
            if found.is_empty() && !(hub_found && i == named - 1) {
                return Err(Error::Usage(format!(
                    "policy path {} holds no .rego policy",
                    d.display()
                )));
            }
            // Shown (and hashed) relative to the repository when they are in it.
            sources.extend(found.into_iter().map(|mut s| {
                if let Ok(rel) = Path::new(&s.name).strip_prefix(repo_root) {
                    s.name = rel.to_string_lossy().into_owned();
                }
                s
            }));
        }
        let mut data = Vec::new();
        for d in &opts.data {
            data.extend(policy::data::read(d, None)?);
        }
        // Data paths `.govern.yaml` names are the repository's: nothing may lead out of it.
        for d in &config.policies.data {
            data.extend(policy::data::read(&repo_root.join(d), Some(repo_root))?);
        }
        let namespaces = match &opts.namespaces {
            Namespaces::Default if config.policies.all_namespaces => Namespaces::All,
            Namespaces::Default if !config.policies.namespaces.is_empty() => {
                Namespaces::Only(config.policies.namespaces.clone())
            }
            n => n.clone(),
        };
        PolicySet::prepare(
            &sources,
            &data,
            opts.rego_v0 || config.policies.rego_v0,
            &namespaces,
        )
    }
}

/// One repository under a [`Governance`]: its configuration, and the run built from it.
pub struct Session {
    /// The governance root's decisions.
    pub governance: Arc<Governance>,
    /// The repository root (its work tree, or the folder).
    pub root: PathBuf,
    /// The effective configuration.
    pub config: Config,
    /// Which rules run.
    pub scope: Scope,
    /// File policies judge every checked file at once ([`crate::policy::combine`]).
    pub combine: bool,
    /// The text of the repository's configuration, which components' own `.govern.yaml`
    /// files are layered over.
    config_text: Option<String>,
}

impl Session {
    /// A session for the repository at `root`, run alone: its configuration (from
    /// `opts.config` or `.govern.yaml`), then its governance root's schema. Errors: an
    /// invalid configuration or schema.
    pub fn open(root: &Path, opts: &Options) -> Result<Session> {
        let (mut config, config_text) = load_config_with_text(root, opts.config.as_deref())?;
        opts.selection.apply(&mut config);
        let gov_root = governance_root(root, opts.golden_path_root.as_deref());
        let governance = Governance::open(gov_root, opts.today, opts.policies.clone())?
            .with_selection(opts.selection.clone());
        Ok(Session {
            governance: Arc::new(governance),
            root: root.to_path_buf(),
            config,
            scope: opts.scope,
            combine: opts.combine,
            config_text,
        })
    }

    /// A session for a repository of a portfolio: its own `.govern.yaml` under a shared
    /// governance. Errors: an invalid configuration.
    pub fn within(governance: Arc<Governance>, root: &Path) -> Result<Session> {
        let (mut config, config_text) = load_config_with_text(root, None)?;
        governance.selection.apply(&mut config);
        Ok(Session {
            governance,
            root: root.to_path_buf(),
            config,
            scope: Scope::All,
            combine: false,
            config_text,
        })
    }

    /// The metadata schema in force.
    pub fn schema(&self) -> &RepoSchema {
        &self.governance.schema
    }

    /// This repository's policies (compiled on first use, shared across a portfolio), with
    /// this repository's own time budget ([`crate::policy::REPO_BUDGET`]). Errors: see
    /// [`Governance::policies`].
    pub fn policies(&self) -> Result<Arc<PolicySet>> {
        if !self.governance.selection.allows_policies() {
            return Ok(Arc::new(PolicySet::empty()));
        }
        let shared = self.governance.policies(&self.root, &self.config)?;
        Ok(Arc::new(shared.for_repository(&self.root)))
    }

    /// This repository's policies as [`Session::policies`] gives them, but compiled up
    /// front only when `cache` does not vouch for them: a cache entry, keyed on the tool
    /// version and the policies' hash (every source and data file, name and text), records
    /// that these exact policies compiled before, so a warm run compiles them only if some
    /// file needs them evaluated. Errors: as [`Governance::policies`].
    fn policies_vouched(&self, cache: &mut Cache) -> Result<Arc<PolicySet>> {
        if !self.governance.selection.allows_policies() {
            return Ok(Arc::new(PolicySet::empty()));
        }
        let shared = self
            .governance
            .policies_prepared(&self.root, &self.config)?;
        let mark = crate::cache::unit_id("policies compiled", 1, &shared.hash);
        // A portfolio compiles its shared policies once, before any repository.
        if shared.compiled() {
            shared.validate()?;
        } else if !cache.holds(mark) {
            shared.validate()?;
            cache.mark(mark);
        }
        Ok(Arc::new(shared.for_repository(&self.root)))
    }

    /// Checks `snapshot` with every enabled rule and policy, then applies the waivers.
    /// Errors: the policies cannot be loaded.
    pub fn check(&self, snapshot: &Snapshot, cache: &mut Cache) -> Result<Outcome> {
        let policies = self.policies_vouched(cache)?;
        crate::trace::phase(|| "policies ready (compiled, or vouched for by the cache)".into());
        // Policies that read other files (`parse_config_file`) give results no content key
        // can stand for: such a run neither reads nor writes the cache.
        let mut uncached = crate::cache::Cache::disabled();
        let cache = if policies.reads_files {
            &mut uncached
        } else {
            cache
        };
        let combined = self.combine && self.scope != Scope::Repository;
        let per_file = if combined {
            Arc::new(policies.without_file_rules())
        } else {
            policies.clone()
        };
        let layers = self.layers(snapshot)?;
        let mut root_config;
        let config = if layers.is_empty() {
            &self.config
        } else {
            root_config = self.config.clone();
            root_config.subtree =
                crate::config::Subtree::Except(layers.iter().map(|l| l.dir.clone()).collect());
            &root_config
        };
        let mut outcome = engine::check(
            snapshot,
            config,
            self.schema(),
            &per_file,
            cache,
            self.scope,
        );
        for layer in &layers {
            outcome.absorb(self.check_layer(snapshot, layer, cache)?, None);
        }
        if !layers.is_empty() {
            outcome.sort();
        }
        if combined {
            crate::policy::combine::evaluate(&mut outcome, snapshot, &self.config, &policies);
        }
        self.finish(&mut outcome);
        if self.scope == Scope::Files {
            // Expired waivers are findings about the configuration: repository-level.
            let expired = crate::rules::waiver::expired::RULE.id.as_str();
            outcome.findings.retain(|f| f.rule != expired);
        }
        Ok(outcome)
    }

    /// The components' own configurations ([`crate::layers`]), deepest first; none for a
    /// repository without components. Errors: a component's `.govern.yaml` is invalid.
    fn layers(&self, snapshot: &Snapshot) -> Result<Vec<crate::layers::Layer>> {
        let view = snapshot.view.as_ref();
        let components = snapshot.components(&|p| self.config.path_selected(p));
        if components.is_empty() {
            return Ok(Vec::new());
        }
        let mut layers = crate::layers::layers(view, &components, self.config_text.as_deref())?;
        for l in &mut layers {
            self.governance.selection.apply(&mut l.config);
        }
        Ok(layers)
    }

    /// The file rules of one component's files under its layered configuration, with its
    /// own waivers applied (the repository's are applied to everything afterwards).
    fn check_layer(
        &self,
        snapshot: &Snapshot,
        layer: &crate::layers::Layer,
        cache: &mut Cache,
    ) -> Result<Outcome> {
        if self.scope == Scope::Repository {
            return Ok(Outcome::default());
        }
        let policies = self.governance.policies(&self.root, &layer.config)?;
        let policies = policies.for_repository(&self.root);
        let mut o = engine::check(
            snapshot,
            &layer.config,
            self.schema(),
            &policies,
            cache,
            Scope::Files,
        );
        waiver::apply(&mut o, &layer.config, self.governance.today);
        Ok(o)
    }

    /// Applies the waivers and the secrets allow-list of the configuration to `outcome`.
    pub fn finish(&self, outcome: &mut Outcome) {
        self.governance.selection.filter(outcome);
        waiver::apply(outcome, &self.config, self.governance.today);
        crate::trace::phase(|| "waivers applied".into());
    }
}
