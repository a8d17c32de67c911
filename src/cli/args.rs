//! The command line, defined in one place: every command, option and help text that
//! `git-govern --help`, the man page and the shell see. The handlers are in the sibling
//! modules, one per command.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

use git_govern::policy::Namespaces;
use git_govern::portfolio::command::CatalogFormat;
use git_govern::portfolio::drift::Thresholds;
use git_govern::report::Format;
use git_govern::select::Selection;
use git_govern::session::{CacheChoice, PolicyOptions, Scope};

#[derive(Parser)]
#[command(
    name = "git-govern",
    version,
    about = "Repository governance where people work: a git hook, a CI check, a portfolio report.",
    long_about = "Checks Dockerfiles, Kubernetes manifests, repository metadata (.meta/repo.yaml), SLOs, ADRs, \
CODEOWNERS, secrets, commit messages and branch names against your governance rules, with a \
content-addressed cache so nothing unchanged is checked twice.\n\n\
Exit codes: 0 clean, 1 violations (or warnings with --strict / GOVERN_STRICT=true), 2 usage errors or input \
that could not be checked.\n\nEnvironment: GOVERN_STRICT, GOVERN_CACHE, GOLDEN_PATH_ROOT, NO_COLOR, SOURCE_DATE_EPOCH (the date \
waivers expire against), GITHUB_OUTPUT (checkpoint's drift outputs), GITHUB_BASE_REF (a pull \
request's own files are annotated first)."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum ColorChoice {
    /// Colour when writing to a terminal and NO_COLOR is not set.
    Auto,
    /// Always colour.
    Always,
    /// Never colour.
    Never,
}

#[derive(clap::Args)]
pub struct CheckArgs {
    /// Check what is staged in the index (the pre-commit hook's view).
    #[arg(long, conflicts_with_all = ["all", "paths"])]
    pub staged: bool,
    /// Check every tracked file (outside git: every file not ignored). The default.
    #[arg(long, conflicts_with = "paths")]
    pub all: bool,
    /// Check the messages of the commits in a revision range instead of files (e.g.
    /// origin/main..HEAD, a pull request's commits); one finding per bad commit.
    #[arg(long, value_name = "RANGE", conflicts_with_all = ["staged", "all", "paths"])]
    pub commits: Option<String>,
    /// With --commits: check at most N commits, newest first (as `git log -n N`), e.g.
    /// `--commits HEAD --max-count 100` for the last 100 commits.
    #[arg(long, value_name = "N", requires = "commits")]
    pub max_count: Option<usize>,
    /// Check every repository of the portfolio under <root>/organizations/<org>/<repo>/,
    /// in parallel, with one shared cache (<root>/.metaHub/cache/cache.redb). Giving a path
    /// `organizations`, `organizations/<org>` or `organizations/<org>/<repo>` does the same
    /// for that part of the portfolio.
    #[arg(long, conflicts_with_all = ["staged", "all", "paths", "commits"])]
    pub portfolio: bool,
    /// The governance root for --portfolio [default: GOLDEN_PATH_ROOT, else the nearest
    /// ancestor holding .metaHub/ or organizations/].
    #[arg(long, value_name = "DIR", requires = "portfolio")]
    pub root: Option<PathBuf>,
    /// With --portfolio: check only part I of N of the repositories (the partition the
    /// portfolio commands' --shard uses), e.g. one job of a CI matrix.
    #[arg(long, value_name = "I/N", value_parser = git_govern::portfolio::shard::Shard::parse, requires = "portfolio")]
    pub shard: Option<git_govern::portfolio::shard::Shard>,
    /// Files and directories to check (as the pre-commit framework passes them); `-` reads
    /// standard input (parsed with --parser); a blank name is ignored.
    #[arg(value_parser = any_path)]
    pub paths: Vec<PathBuf>,
    /// Output format, and where it goes: NAME or NAME=FILE, NAME one of text, json,
    /// markdown, github, sarif, junit. Repeatable, so one run writes several reports
    /// (`--format text --format sarif=results.sarif --format github`); at most one goes
    /// to stdout (or to --output), the others need =FILE (`=-` is stdout).
    #[arg(long, short, value_name = "NAME[=FILE]", value_parser = format_arg::<Format>, default_value = "text")]
    pub format: Vec<FormatArg<Format>>,
    /// Write the report whose --format names no FILE to FILE (atomically) instead of stdout.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Warnings fail the check too (also GOVERN_STRICT=true or `strict: true` in .govern.yaml).
    #[arg(long)]
    pub strict: bool,
    /// Do not read or write the result cache.
    #[arg(long, conflicts_with = "cache")]
    pub no_cache: bool,
    /// Cache file [default: <git common dir>/govern/cache.redb; with --portfolio
    /// <root>/.metaHub/cache/cache.redb].
    #[arg(long, env = "GOVERN_CACHE", value_name = "PATH")]
    pub cache: Option<PathBuf>,
    /// Configuration file [default: <repository root>/.govern.yaml].
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// When to colour the text report.
    #[arg(long, value_enum, default_value = "auto")]
    pub color: ColorChoice,
    /// Rego policies: a directory of *.rego files or one .rego file (conftest conventions);
    /// repeatable. Also read: <governance root>/.metaHub/policies and `policies.dirs` of
    /// .govern.yaml. A path holding no policy is an error.
    #[arg(long = "policy", short = 'p', value_name = "PATH")]
    pub policy_dirs: Vec<PathBuf>,
    /// Data for the policies: a YAML or JSON file (merged at `data.`), or a directory of
    /// them (each under the path of its folder); repeatable (conftest's --data).
    #[arg(long = "data", short = 'd', value_name = "PATH")]
    pub data: Vec<PathBuf>,
    /// The policies use Rego v0 syntax (`deny[msg] { ... }`).
    #[arg(long)]
    rego_v0: bool,
    /// Evaluate this policy package instead of `main` and `govern.*`; repeatable. `*`
    /// stands for any text: `c*`, `main.*`, `*`.
    #[arg(
        long = "namespace",
        value_name = "PACKAGE",
        conflicts_with = "all_namespaces"
    )]
    pub namespaces: Vec<String>,
    /// Evaluate every policy package.
    #[arg(long)]
    pub all_namespaces: bool,
    /// Give the file policies every checked file at once, as conftest's --combine: one
    /// input `[{"path", "contents"}, …]` (one element per YAML document), so a policy can
    /// relate files. Findings name the file and line their message quotes.
    #[arg(long, conflicts_with_all = ["portfolio", "commits"])]
    pub combine: bool,
    /// How standard input (`-`) is read: yaml, json, dockerfile, toml, ini, hcl2, dotenv,
    /// xml or properties.
    #[arg(long, value_name = "PARSER", default_value = "yaml",
          value_parser = clap::builder::PossibleValuesParser::new(git_govern::check::Stdin::PARSERS))]
    pub parser: String,
    /// Do not run the built-in policies (policies/govern/repo: on-call for tier 1-2
    /// services, the Kubernetes layout of seed 002).
    #[arg(long)]
    pub no_builtin_policies: bool,
    /// Run only the file rules (what each of pre-commit's batches of file names needs) or
    /// only the repository-level rules (metadata, CODEOWNERS, required files, SLOs, ADRs,
    /// govern.repo policies: once per commit).
    #[arg(long, value_enum, value_name = "RULES", conflicts_with_all = ["commits", "portfolio"])]
    pub only: Option<Scope>,
    #[command(flatten)]
    pub rules: SelectArgs,
}

impl CheckArgs {
    /// The policy settings these options give.
    pub fn policy_options(&self) -> PolicyOptions {
        PolicyOptions {
            dirs: self.policy_dirs.clone(),
            data: self.data.clone(),
            rego_v0: self.rego_v0,
            namespaces: if self.all_namespaces {
                Namespaces::All
            } else if self.namespaces.is_empty() {
                Namespaces::Default
            } else {
                Namespaces::Only(self.namespaces.clone())
            },
            no_builtin: self.no_builtin_policies,
        }
    }

    /// The cache these options choose.
    pub fn cache_choice(&self) -> CacheChoice {
        cache_choice(self.no_cache, self.cache.clone())
    }

    /// The options the hooks run with: `--staged`, a text report, the default cache (or
    /// `GOVERN_CACHE`), everything else at its default.
    pub fn for_hook() -> CheckArgs {
        #[derive(Parser)]
        struct Hook {
            #[command(flatten)]
            args: CheckArgs,
        }
        Hook::parse_from(["git-govern", "--staged"]).args
    }
}

/// One `--format NAME[=FILE]`: a report format and, when given, the file it is written to
/// (`-` for stdout).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FormatArg<F> {
    /// The format.
    pub format: F,
    /// `FILE` of `NAME=FILE`.
    pub file: Option<PathBuf>,
}

/// Reads `NAME[=FILE]`. Errors: an unknown NAME (listing the known ones), an empty FILE.
pub fn format_arg<F: ValueEnum>(text: &str) -> Result<FormatArg<F>, String> {
    let (name, file) = match text.split_once('=') {
        Some((name, file)) => (name, Some(file)),
        None => (text, None),
    };
    let format = F::from_str(name, true).map_err(|_| {
        let known: Vec<String> = F::value_variants()
            .iter()
            .filter_map(|v| v.to_possible_value().map(|p| p.get_name().to_string()))
            .collect();
        format!("unknown format {name:?}; known: {}", known.join(", "))
    })?;
    match file {
        Some("") => Err(format!(
            "no file after `{name}=`; write {name}=FILE or {name}"
        )),
        file => Ok(FormatArg {
            format,
            file: file.map(PathBuf::from),
        }),
    }
}

/// A path as given, the empty one included (clap's own parser refuses it).
fn any_path(s: &str) -> Result<PathBuf, std::convert::Infallible> {
    Ok(PathBuf::from(s))
}

/// `--no-cache` and `--cache` as a [`CacheChoice`].
pub fn cache_choice(no_cache: bool, cache: Option<PathBuf>) -> CacheChoice {
    if no_cache {
        CacheChoice::Off
    } else if let Some(p) = cache {
        CacheChoice::At(p)
    } else {
        CacheChoice::Default
    }
}

#[derive(Subcommand)]
pub enum CacheCommand {
    /// Print the cache file's size, entry counts and how long ago its entries were last
    /// used.
    Stats,
    /// Shrink the cache: drop the entries not used for --max-age days, then, while the file
    /// is larger than --max-size, the least recently used ones; the file is compacted.
    /// Entries carry the day they were last used (SOURCE_DATE_EPOCH's date when set).
    #[command(arg_required_else_help = true)]
    Gc {
        /// The largest the file may stay, in bytes or with a unit: 500K, 64M, 1G (powers of
        /// 1024; KB, MB, GB are powers of 1000).
        #[arg(long, value_name = "SIZE", value_parser = parse_size)]
        max_size: Option<u64>,
        /// Drop entries not used for more than DAYS days.
        #[arg(long, value_name = "DAYS")]
        max_age: Option<u32>,
    },
    /// Delete the cache file.
    Clear,
    /// Print the cache file's path.
    Path,
    /// Merge caches into one (the union of their entries, which are content-addressed): the
    /// caches of a CI matrix's shards, or of several machines, combined for the next run.
    Merge {
        /// The caches to merge.
        #[arg(required = true)]
        inputs: Vec<PathBuf>,
        /// The merged cache to write (replaced atomically when it is a cache already).
        #[arg(long, short, value_name = "FILE")]
        output: PathBuf,
    },
}

#[derive(Subcommand)]
pub enum PolicyCommand {
    /// Run the `test_*` rules of the `*_test.rego` files (as `opa test` and `conftest
    /// verify` do), with every policy and data document loaded. Exit 1 when a test fails
    /// or the coverage is below --threshold.
    Test(PolicyTestArgs),
}

/// `policy test`'s options.
#[derive(clap::Args)]
pub struct PolicyTestArgs {
    /// Policy directories or .rego files [default: <governance root>/.metaHub/policies,
    /// else ./policy].
    pub paths: Vec<PathBuf>,
    /// The same, as conftest spells it; repeatable.
    #[arg(long = "policy", short = 'p', value_name = "PATH")]
    pub policy: Vec<PathBuf>,
    /// Data for the policies: a YAML or JSON file or a directory of them; repeatable.
    #[arg(long = "data", short = 'd', value_name = "PATH")]
    pub data: Vec<PathBuf>,
    /// Run only the tests of this package; repeatable, `*` stands for any text.
    #[arg(long = "namespace", value_name = "PACKAGE")]
    pub namespaces: Vec<String>,
    /// The policies use Rego v0 syntax.
    #[arg(long)]
    pub rego_v0: bool,
    /// Report which lines of each policy file the tests evaluate, and the total.
    #[arg(long)]
    pub coverage: bool,
    /// Fail (exit 1) when the total coverage is below PCT percent.
    #[arg(long, value_name = "PCT", requires = "coverage", value_parser = clap::value_parser!(f64))]
    pub threshold: Option<f64>,
}

#[derive(Subcommand)]
pub enum HookCommand {
    /// Check the staged content (what `git commit` is about to record).
    PreCommit,
    /// Check the commit message file git passes to the commit-msg hook.
    CommitMsg {
        /// The message file (.git/COMMIT_EDITMSG).
        file: PathBuf,
    },
    /// Check a push: branch names, and the files the pushed commits change. Reads git's
    /// pre-push lines on stdin (or the pre-commit framework's PRE_COMMIT_* variables).
    PrePush {
        /// The remote's name, as git passes it.
        remote: Option<String>,
        /// The remote's URL, as git passes it.
        url: Option<String>,
    },
}

#[derive(Subcommand)]
pub enum ExportCommand {
    /// Write the portfolio as Backstage catalog entities (backstage.io/v1alpha1): a
    /// Component per repository, a System with a Component per component for a monorepo,
    /// owners and lifecycle from .meta/repo.yaml, the compliance class and counts as
    /// annotations (git-govern/compliance, git-govern/violations, ...). Exit 1 when a
    /// repository could not be checked.
    Backstage(ExportArgs),
}

/// `export`'s options.
#[derive(clap::Args)]
pub struct ExportArgs {
    #[command(flatten)]
    pub portfolio: PortfolioArgs,
    /// Where to write (`-` for stdout) [default: .metaHub/catalog/catalog-info.yaml].
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// `--select` / `--ignore`, for check and the portfolio commands.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct SelectArgs {
    /// Report only the rules PATTERN matches: a rule id, a family or dotted prefix
    /// (`docker`, `policy.main`), or a prefix ending in `*` (`policy.*` for the Rego
    /// policies only, as conftest runs them). Repeatable, or comma-separated.
    #[arg(long, value_name = "PATTERN", value_delimiter = ',', value_parser = git_govern::select::pattern)]
    pub select: Vec<String>,
    /// Leave out the rules PATTERN matches (same patterns); wins over --select.
    #[arg(long, value_name = "PATTERN", value_delimiter = ',', value_parser = git_govern::select::pattern)]
    pub ignore: Vec<String>,
}

impl SelectArgs {
    /// The selection these options give (patterns were checked by clap).
    pub fn selection(&self) -> Selection {
        Selection::new(self.select.clone(), self.ignore.clone()).unwrap_or_default()
    }
}

/// Options shared by the portfolio commands.
#[derive(clap::Args)]
pub struct PortfolioArgs {
    /// The governance root [default: GOLDEN_PATH_ROOT, else the nearest ancestor holding
    /// .metaHub/ or organizations/].
    #[arg(long, value_name = "DIR")]
    pub root: Option<PathBuf>,
    /// Do not read or write the result cache.
    #[arg(long, conflicts_with = "cache")]
    pub no_cache: bool,
    /// Cache file [default: <root>/.metaHub/cache/cache.redb].
    #[arg(long, env = "GOVERN_CACHE", value_name = "PATH")]
    pub cache: Option<PathBuf>,
    #[command(flatten)]
    pub rules: SelectArgs,
    /// Scan only part I of N of the portfolio (a stable partition by <org>/<repo>) and
    /// write DIR/shard-I-of-N.json (needs --shard-dir), for a CI matrix or an Indexed Job.
    #[arg(long, value_name = "I/N", value_parser = git_govern::portfolio::shard::Shard::parse, requires = "shard_dir")]
    pub shard: Option<git_govern::portfolio::shard::Shard>,
    /// Where shard files are written (with --shard) or assembled from (without it: every
    /// shard 1..N must be there, from this version and configuration).
    #[arg(long, value_name = "DIR")]
    pub shard_dir: Option<PathBuf>,
}

impl PortfolioArgs {
    /// The cache these options choose.
    pub fn cache_choice(&self) -> CacheChoice {
        cache_choice(self.no_cache, self.cache.clone())
    }
}

/// How `checkpoint --compare` prints the drift report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DriftFormat {
    /// The weekly Markdown report.
    Markdown,
    /// The same facts as JSON.
    Json,
}

/// Alert thresholds of the drift report (seed runbook, "Key Metrics").
#[derive(clap::Args)]
pub struct ThresholdArgs {
    /// Alert when more than N new violations appear (unacknowledged).
    #[arg(long, value_name = "N", default_value_t = 10)]
    pub alert_new_violations: usize,
    /// Alert when more than N new warnings appear (unacknowledged).
    #[arg(long, value_name = "N", default_value_t = 50)]
    pub alert_new_warnings: usize,
    /// Alert when more than N repositories lose compliance (unacknowledged); 0 = any.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub alert_degraded: usize,
    /// The reviewed acknowledgements file [default:
    /// <root>/.metaHub/drift-acknowledgements.yaml].
    #[arg(long, value_name = "FILE")]
    pub acknowledgements: Option<PathBuf>,
}

impl ThresholdArgs {
    /// The thresholds these options give.
    pub fn thresholds(&self) -> Thresholds {
        Thresholds {
            new_violations: self.alert_new_violations,
            new_warnings: self.alert_new_warnings,
            compliance_degraded: self.alert_degraded,
        }
    }
}

#[derive(Subcommand)]
pub enum Command {
    /// Check a repository: staged content, all tracked files, or given paths.
    Check(CheckArgs),
    /// Inventory the portfolio: write .metaHub/catalog/catalog.json (or Markdown) with every
    /// repository's metadata and compliance, a summary, and the changes since the previous
    /// catalog. Exit 1 on error (seed runbook).
    #[command(
        after_help = "The `generated` field is the time of the run, or SOURCE_DATE_EPOCH when set: with it, \
two runs on an unchanged portfolio write byte-identical files."
    )]
    Catalog(CatalogArgs),
    /// Snapshot the portfolio into .metaHub/checkpoints/ and write the drift report against
    /// the previous checkpoint to .metaHub/catalog/weekly-reports/. Exit 1 on error.
    #[command(
        after_help = "With GITHUB_OUTPUT set, appends has_drift, compliance_degraded, new_violations, \
new_warnings, new_repos and alert. Dates and `generated` honour SOURCE_DATE_EPOCH."
    )]
    Checkpoint(CheckpointArgs),
    /// Export the portfolio for other tools.
    #[command(subcommand)]
    Export(ExportCommand),
    /// Write the portfolio dashboard: one self-contained HTML page (inline CSS and SVG, no
    /// script, nothing fetched) built from catalog.json and the checkpoints, with compliance
    /// over time (overall, by organization, by tier), violations by rule over time, the
    /// tier 1–2 repositories and components that are not compliant, this week's drift,
    /// waivers and acknowledgements ending within 30 days and the mean time to compliance.
    /// Nothing is scanned. Exit 1 on error.
    #[command(
        after_help = "The page states the time of the run, or SOURCE_DATE_EPOCH when set (its date is also the day \
expiry windows count from): with it, the same files give a byte-identical page."
    )]
    Dashboard(DashboardArgs),
    /// List the rules with their default severity.
    Rules {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Print a rule's documentation: what it does, why, a failing and a passing example.
    Explain {
        /// Rule id, e.g. docker.user-not-root.
        rule: String,
    },
    /// Inspect or clear the result cache.
    Cache {
        #[command(subcommand)]
        command: CacheCommand,
        /// Cache file [default: the one `check` uses here (<git common dir>/govern/cache.redb,
        /// else ~/.cache/git-govern/cache.redb); in a governance root, the portfolio's
        /// <root>/.metaHub/cache/cache.redb too].
        #[arg(long, env = "GOVERN_CACHE", value_name = "PATH", global = true)]
        cache: Option<PathBuf>,
        /// Only the portfolio commands' cache (<governance root>/.metaHub/cache/cache.redb).
        #[arg(long, global = true, conflicts_with = "cache")]
        portfolio: bool,
        /// The governance root for --portfolio [default: GOLDEN_PATH_ROOT, else the nearest
        /// ancestor holding .metaHub/ or organizations/].
        #[arg(long, value_name = "DIR", global = true)]
        root: Option<PathBuf>,
    },
    /// Write what a compliant repository needs (metadata, CODEOWNERS, a first ADR where
    /// the tier asks for ADRs, README, .govern.yaml; a golden-path Dockerfile with
    /// --dockerfile), never replacing a file. Asks on a terminal for the fields not given.
    Init(InitArgs),
    /// Record today's findings as waivers in .govern.yaml, so that only new findings block
    /// (each waiver names the rule, the file and the exact message).
    Baseline(BaselineArgs),
    /// Install the pre-commit, commit-msg and pre-push hook shims into this repository's
    /// hooks directory.
    Install {
        /// Replace an existing hook that git-govern did not write.
        #[arg(long)]
        force: bool,
    },
    /// Remove the hook shims that `install` wrote.
    Uninstall,
    /// Print a man page, or install them all so that `git govern --help` (and `man
    /// git-govern-check`, …) finds them.
    Man {
        /// The command whose page to print (`check`, `catalog`, …) [default: git-govern's].
        #[arg(value_name = "COMMAND", conflicts_with = "install")]
        command: Option<String>,
        /// Write git-govern.1 and a page per command (git-govern-check.1, …) to
        /// <prefix>/share/man/man1/, where <prefix> is the directory above the one holding
        /// this binary (e.g. ~/.cargo), which man-db searches for programs on PATH.
        #[arg(long, conflicts_with = "dir")]
        install: bool,
        /// Write every page to DIR instead (the wheel carries them this way).
        #[arg(long, value_name = "DIR", conflicts_with = "command")]
        dir: Option<PathBuf>,
    },
    /// Print a shell completion script: `git govern completions bash >
    /// ~/.local/share/bash-completion/completions/git-govern` (bash also completes `git
    /// govern …` once git's own completion is loaded), `… zsh > ~/.zfunc/_git-govern`,
    /// `… fish > ~/.config/fish/completions/git-govern.fish`.
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Rego policies: run their tests.
    Policy {
        #[command(subcommand)]
        command: PolicyCommand,
    },
    /// Entry points that the hook shims call.
    Hook {
        #[command(subcommand)]
        hook: HookCommand,
    },
}
/// `init`'s options: the metadata fields of `.meta/repo.yaml`, named as there.
#[derive(clap::Args)]
pub struct InitArgs {
    /// Repository slug, lower case [default: the directory's name].
    #[arg(long)]
    pub name: Option<String>,
    /// What it is: service, api, app, library, tool, infrastructure, data, docs, template.
    #[arg(long = "type", value_name = "TYPE")]
    pub kind: Option<String>,
    /// Main language, lower case [default: guessed from Cargo.toml, go.mod, package.json, …].
    #[arg(long)]
    pub language: Option<String>,
    /// Criticality: 1 (business critical) to 4 (experimental).
    #[arg(long, value_parser = clap::value_parser!(u8).range(1..=4))]
    pub tier: Option<u8>,
    /// Owning team or person: @org/team, @user or an e-mail address.
    #[arg(long)]
    pub owner: Option<String>,
    /// experimental, development, beta, production, deprecated or archived.
    #[arg(long)]
    pub lifecycle: Option<String>,
    /// Also write seed 004's golden-path Dockerfile (multi-stage, non-root, HEALTHCHECK).
    #[arg(long)]
    pub dockerfile: bool,
}

/// `baseline`'s options.
#[derive(clap::Args)]
pub struct BaselineArgs {
    /// Who answers for the waivers (@org/team).
    #[arg(long)]
    pub owner: String,
    /// The last day they hold (YYYY-MM-DD); after it, each is reported as waiver.expired.
    #[arg(long, value_name = "DATE")]
    pub expires: String,
    /// Why they are accepted [default: "accepted when git-govern was adopted on <today>"].
    #[arg(long)]
    pub reason: Option<String>,
}

/// `catalog`'s options.
#[derive(clap::Args)]
pub struct CatalogArgs {
    #[command(flatten)]
    pub portfolio: PortfolioArgs,
    /// Output format, and where it goes: NAME or NAME=FILE (`=-` for stdout), NAME json or
    /// markdown; repeatable (`--format json --format markdown` writes both default files).
    #[arg(long, short, value_name = "NAME[=FILE]", value_parser = format_arg::<CatalogFormat>, default_value = "json")]
    pub format: Vec<FormatArg<CatalogFormat>>,
    /// Write the catalog whose --format names no FILE to FILE (`-` for stdout) [default:
    /// .metaHub/catalog/catalog.json, or catalog.md for Markdown].
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Rebuild the catalog from a checkpoint file instead of scanning (recovery).
    #[arg(long, value_name = "FILE")]
    pub from_checkpoint: Option<PathBuf>,
}

/// A size in bytes: digits with an optional unit (K, M, G, KiB, MiB, GiB: powers of 1024;
/// KB, MB, GB: powers of 1000; B).
pub fn parse_size(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (digits, unit) = t.split_at(split);
    let n: u64 = digits
        .parse()
        .map_err(|_| format!("{text:?} is not a size (e.g. 500K, 64M, 1G)"))?;
    let scale: u64 = match unit.trim().to_ascii_uppercase().as_str() {
        "" | "B" => 1,
        "K" | "KIB" => 1 << 10,
        "M" | "MIB" => 1 << 20,
        "G" | "GIB" => 1 << 30,
        "KB" => 1_000,
        "MB" => 1_000_000,
        "GB" => 1_000_000_000,
        u => {
            return Err(format!(
                "unknown unit {u:?} in {text:?} (K, M, G, KB, MB, GB)"
            ))
        }
    };
    n.checked_mul(scale)
        .ok_or_else(|| format!("{text:?} is too large"))
}

/// `dashboard`'s options.
#[derive(clap::Args)]
pub struct DashboardArgs {
    /// The governance root [default: GOLDEN_PATH_ROOT, else the nearest ancestor holding
    /// .metaHub/ or organizations/].
    #[arg(long, value_name = "DIR")]
    pub root: Option<PathBuf>,
    /// Where to write (`-` for stdout) [default: .metaHub/catalog/dashboard.html].
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// The drift acknowledgements file [default: .metaHub/drift-acknowledgements.yaml].
    #[arg(long, value_name = "FILE")]
    pub acknowledgements: Option<PathBuf>,
}

/// `checkpoint`'s options.
#[derive(clap::Args)]
pub struct CheckpointArgs {
    #[command(flatten)]
    pub portfolio: PortfolioArgs,
    #[command(flatten)]
    pub thresholds: ThresholdArgs,
    /// Archive the existing checkpoints into .metaHub/checkpoints/archive/ and start a new
    /// baseline.
    #[arg(long, conflicts_with_all = ["compare", "prune"])]
    pub baseline: bool,
    /// Compare two checkpoint files and print the drift report; nothing is scanned or
    /// written.
    #[arg(long, num_args = 2, value_names = ["OLD", "NEW"], conflicts_with = "prune")]
    pub compare: Option<Vec<PathBuf>>,
    /// With --compare: the report as Markdown (the weekly report) or JSON (the same facts,
    /// one object per change), NAME or NAME=FILE; repeatable, at most one to stdout.
    #[arg(long, value_name = "NAME[=FILE]", value_parser = format_arg::<DriftFormat>, default_value = "markdown", requires = "compare")]
    pub format: Vec<FormatArg<DriftFormat>>,
    /// Remove old dated checkpoints, keeping the newest --keep; nothing is scanned.
    #[arg(long, requires = "keep")]
    pub prune: bool,
    /// With --prune: how many dated checkpoints to keep.
    #[arg(long, value_name = "N", requires = "prune")]
    pub keep: Option<usize>,
}
