//! The `git-govern` command line: argument parsing and exit codes only; the work is in
//! the library. Git runs it as `git govern …` because of its name.
//!
//! Exit codes (seed runbook, plus 2): 0 clean; 1 violations (or warnings under
//! `--strict` / `GOVERN_STRICT=true`); 2 usage errors and input that could not be checked.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use git_govern::policy::Namespaces;
use git_govern::portfolio::command::{self as portfolio, CatalogFormat};
use git_govern::portfolio::discover::{self, Selection};
use git_govern::portfolio::drift::Thresholds;
use git_govern::portfolio::scan::ScanOptions;
use git_govern::report::{self, Format};
use git_govern::run::{self, CacheChoice, CheckOptions};
use git_govern::source::Mode;
use git_govern::{cache, hooks, rules, Error};

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
waivers expire against)."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum ColorChoice {
    /// Colour when writing to a terminal and NO_COLOR is not set.
    Auto,
    /// Always colour.
    Always,
    /// Never colour.
    Never,
}

#[derive(clap::Args)]
struct CheckArgs {
    /// Check what is staged in the index (the pre-commit hook's view).
    #[arg(long, conflicts_with_all = ["all", "paths"])]
    staged: bool,
    /// Check every tracked file (outside git: every file not ignored). The default.
    #[arg(long, conflicts_with = "paths")]
    all: bool,
    /// Check the messages of the commits in a revision range instead of files (e.g.
    /// origin/main..HEAD, a pull request's commits); one finding per bad commit.
    #[arg(long, value_name = "RANGE", conflicts_with_all = ["staged", "all", "paths"])]
    commits: Option<String>,
    /// With --commits: check at most N commits, newest first (as `git log -n N`), e.g.
    /// `--commits HEAD --max-count 100` for the last 100 commits.
    #[arg(long, value_name = "N", requires = "commits")]
    max_count: Option<usize>,
    /// Check every repository of the portfolio under <root>/organizations/<org>/<repo>/,
    /// in parallel, with one shared cache (<root>/.metaHub/cache/cache.redb). Giving a path
    /// `organizations`, `organizations/<org>` or `organizations/<org>/<repo>` does the same
    /// for that part of the portfolio.
    #[arg(long, conflicts_with_all = ["staged", "all", "paths", "commits"])]
    portfolio: bool,
    /// The governance root for --portfolio [default: GOLDEN_PATH_ROOT, else the nearest
    /// ancestor holding .metaHub/ or organizations/].
    #[arg(long, value_name = "DIR", requires = "portfolio")]
    root: Option<PathBuf>,
    /// Files and directories to check (as the pre-commit framework passes them).
    paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, short, value_enum, default_value = "text")]
    format: Format,
    /// Write the report to FILE (atomically) instead of stdout.
    #[arg(long, short, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Warnings fail the check too (also GOVERN_STRICT=true or `strict: true` in .govern.yaml).
    #[arg(long)]
    strict: bool,
    /// Do not read or write the result cache.
    #[arg(long, conflicts_with = "cache")]
    no_cache: bool,
    /// Cache file [default: <git common dir>/govern/cache.redb; with --portfolio
    /// <root>/.metaHub/cache/cache.redb].
    #[arg(long, env = "GOVERN_CACHE", value_name = "PATH")]
    cache: Option<PathBuf>,
    /// Configuration file [default: <repository root>/.govern.yaml].
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// When to colour the text report.
    #[arg(long, value_enum, default_value = "auto")]
    color: ColorChoice,
    /// A directory of Rego policies (*.rego, conftest conventions); repeatable. Also read:
    /// <governance root>/.metaHub/policies and `policies.dirs` of .govern.yaml.
    #[arg(long = "policy", value_name = "DIR")]
    policy_dirs: Vec<PathBuf>,
    /// The policies use Rego v0 syntax (`deny[msg] { ... }`).
    #[arg(long)]
    rego_v0: bool,
    /// Evaluate this policy package instead of `main` and `govern.*`; repeatable.
    #[arg(
        long = "namespace",
        value_name = "PACKAGE",
        conflicts_with = "all_namespaces"
    )]
    namespaces: Vec<String>,
    /// Evaluate every policy package.
    #[arg(long)]
    all_namespaces: bool,
    /// Do not run the built-in policies (policies/govern/repo: on-call for tier 1-2
    /// services, the Kubernetes layout of seed 002).
    #[arg(long)]
    no_builtin_policies: bool,
}

impl CheckArgs {
    fn policy_options(&self) -> run::PolicyOptions {
        run::PolicyOptions {
            dirs: self.policy_dirs.clone(),
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
}

#[derive(Subcommand)]
enum CacheCommand {
    /// Print the cache file's size and entry counts.
    Stats,
    /// Delete the cache file.
    Clear,
    /// Print the cache file's path.
    Path,
}

#[derive(Subcommand)]
enum PolicyCommand {
    /// Run the `test_*` rules of the `*_test.rego` files in DIR (as `opa test` and
    /// `conftest verify` do), with every policy of DIR loaded. Exit 1 when a test fails.
    Test {
        /// Policy directory [default: <governance root>/.metaHub/policies, else ./policy].
        dir: Option<PathBuf>,
        /// The policies use Rego v0 syntax.
        #[arg(long)]
        rego_v0: bool,
    },
}

#[derive(Subcommand)]
enum HookCommand {
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

/// Options shared by the portfolio commands.
#[derive(clap::Args)]
struct PortfolioArgs {
    /// The governance root [default: GOLDEN_PATH_ROOT, else the nearest ancestor holding
    /// .metaHub/ or organizations/].
    #[arg(long, value_name = "DIR")]
    root: Option<PathBuf>,
    /// Do not read or write the result cache.
    #[arg(long, conflicts_with = "cache")]
    no_cache: bool,
    /// Cache file [default: <root>/.metaHub/cache/cache.redb].
    #[arg(long, env = "GOVERN_CACHE", value_name = "PATH")]
    cache: Option<PathBuf>,
}

impl PortfolioArgs {
    fn scan(&self, file_hashes: bool) -> ScanOptions {
        ScanOptions {
            cache: cache_choice(self.no_cache, self.cache.clone()),
            policies: run::PolicyOptions::default(),
            file_hashes,
            progress: true,
        }
    }

    fn root(&self) -> Result<PathBuf, Error> {
        discover::root(self.root.as_deref(), &cwd()?)
    }
}

/// Alert thresholds of the drift report (seed runbook, "Key Metrics").
#[derive(clap::Args)]
struct ThresholdArgs {
    /// Alert when more than N new violations appear (unacknowledged).
    #[arg(long, value_name = "N", default_value_t = 10)]
    alert_new_violations: usize,
    /// Alert when more than N new warnings appear (unacknowledged).
    #[arg(long, value_name = "N", default_value_t = 50)]
    alert_new_warnings: usize,
    /// Alert when more than N repositories lose compliance (unacknowledged); 0 = any.
    #[arg(long, value_name = "N", default_value_t = 0)]
    alert_degraded: usize,
    /// The reviewed acknowledgements file [default:
    /// <root>/.metaHub/drift-acknowledgements.yaml].
    #[arg(long, value_name = "FILE")]
    acknowledgements: Option<PathBuf>,
}

impl ThresholdArgs {
    fn thresholds(&self) -> Thresholds {
        Thresholds {
            new_violations: self.alert_new_violations,
            new_warnings: self.alert_new_warnings,
            compliance_degraded: self.alert_degraded,
        }
    }
}

#[derive(Subcommand)]
enum Command {
    /// Check a repository: staged content, all tracked files, or given paths.
    Check(CheckArgs),
    /// Inventory the portfolio: write .metaHub/catalog/catalog.json (or Markdown) with every
    /// repository's metadata and compliance, a summary, and the changes since the previous
    /// catalog. Exit 1 on error (seed runbook).
    #[command(
        after_help = "The `generated` field is the time of the run, or SOURCE_DATE_EPOCH when set: with it, \
two runs on an unchanged portfolio write byte-identical files."
    )]
    Catalog {
        #[command(flatten)]
        portfolio: PortfolioArgs,
        /// Output format.
        #[arg(long, short, value_enum, default_value = "json")]
        format: CatalogFormat,
        /// Write to FILE (`-` for stdout) [default: .metaHub/catalog/catalog.json, or
        /// catalog.md for Markdown].
        #[arg(long, short, value_name = "FILE")]
        output: Option<PathBuf>,
        /// Rebuild the catalog from a checkpoint file instead of scanning (recovery).
        #[arg(long, value_name = "FILE")]
        from_checkpoint: Option<PathBuf>,
    },
    /// Snapshot the portfolio into .metaHub/checkpoints/ and write the drift report against
    /// the previous checkpoint to .metaHub/catalog/weekly-reports/. Exit 1 on error.
    #[command(
        after_help = "With GITHUB_OUTPUT set, appends has_drift, compliance_degraded, new_violations, \
new_warnings, new_repos and alert. Dates and `generated` honour SOURCE_DATE_EPOCH."
    )]
    Checkpoint {
        #[command(flatten)]
        portfolio: PortfolioArgs,
        #[command(flatten)]
        thresholds: ThresholdArgs,
        /// Archive the existing checkpoints into .metaHub/checkpoints/archive/ and start a new
        /// baseline.
        #[arg(long, conflicts_with_all = ["compare", "prune"])]
        baseline: bool,
        /// Compare two checkpoint files and print the drift report; nothing is scanned or
        /// written.
        #[arg(long, num_args = 2, value_names = ["OLD", "NEW"], conflicts_with = "prune")]
        compare: Option<Vec<PathBuf>>,
        /// Remove old dated checkpoints, keeping the newest --keep; nothing is scanned.
        #[arg(long, requires = "keep")]
        prune: bool,
        /// With --prune: how many dated checkpoints to keep.
        #[arg(long, value_name = "N", requires = "prune")]
        keep: Option<usize>,
    },
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
        /// Cache file [default: <git common dir>/govern/cache.redb].
        #[arg(long, env = "GOVERN_CACHE", value_name = "PATH", global = true)]
        cache: Option<PathBuf>,
    },
    /// Install the pre-commit, commit-msg and pre-push hook shims into this repository's
    /// hooks directory.
    Install {
        /// Replace an existing hook that git-govern did not write.
        #[arg(long)]
        force: bool,
    },
    /// Remove the hook shims that `install` wrote.
    Uninstall,
    /// Print the man page, or install it so that `git govern --help` finds it.
    Man {
        /// Write it to <prefix>/share/man/man1/git-govern.1, where <prefix> is the
        /// directory above the one holding this binary (e.g. ~/.cargo), which man-db
        /// searches for programs on PATH.
        #[arg(long)]
        install: bool,
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

fn env_strict() -> bool {
    std::env::var("GOVERN_STRICT").is_ok_and(|v| {
        matches!(
            v.trim().to_ascii_lowercase().as_str(),
            "1" | "true" | "yes" | "on"
        )
    })
}

fn use_color(choice: ColorChoice, to_file: bool) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            !to_file
                && std::io::stdout().is_terminal()
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::env::var("TERM").map_or(true, |t| t != "dumb")
        }
    }
}

fn cwd() -> Result<PathBuf, Error> {
    std::env::current_dir().map_err(|e| Error::io("reading the current directory", e))
}

fn cache_choice(no_cache: bool, cache: Option<PathBuf>) -> CacheChoice {
    if no_cache {
        CacheChoice::Off
    } else if let Some(p) = cache {
        CacheChoice::At(p)
    } else {
        CacheChoice::Default
    }
}

/// Prints the run's warnings and its report; returns the exit code.
fn finish(run: run::CheckRun, args: &CheckArgs) -> Result<i32, Error> {
    for w in &run.warnings {
        eprintln!("git-govern: {w}");
    }
    let strict = args.strict || env_strict() || run.config.strict;
    let color = args.format == Format::Text && use_color(args.color, args.output.is_some());
    emit(&report::render(&run.outcome, args.format, color), args)?;
    Ok(run.outcome.exit_code(strict))
}

/// Writes a report to `--output` (atomically) or stdout.
fn emit(text: &str, args: &CheckArgs) -> Result<(), Error> {
    git_govern::trace::phase(|| format!("report formatted: {} bytes", text.len()));
    match &args.output {
        Some(p) => run::write_atomic(p, text.as_bytes()),
        None => {
            let _ = std::io::stdout().lock().write_all(text.as_bytes());
            Ok(())
        }
    }
}

/// The settings the hooks run with: text report, default cache (or GOVERN_CACHE).
fn hook_args() -> CheckArgs {
    CheckArgs {
        staged: true,
        all: false,
        commits: None,
        max_count: None,
        portfolio: false,
        root: None,
        paths: Vec::new(),
        format: Format::Text,
        output: None,
        strict: false,
        no_cache: false,
        cache: std::env::var_os("GOVERN_CACHE")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from),
        config: None,
        color: ColorChoice::Auto,
        policy_dirs: Vec::new(),
        rego_v0: false,
        namespaces: Vec::new(),
        all_namespaces: false,
        no_builtin_policies: false,
    }
}

/// `check --portfolio` and `check organizations/...`.
fn check_portfolio(args: &CheckArgs, root: PathBuf, sel: Selection) -> Result<i32, Error> {
    let scan = portfolio::check(
        &root,
        &sel,
        &ScanOptions {
            cache: cache_choice(args.no_cache, args.cache.clone()),
            policies: args.policy_options(),
            file_hashes: false,
            progress: true,
        },
    )?;
    for w in &scan.warnings {
        eprintln!("git-govern: {w}");
    }
    let strict = args.strict || env_strict();
    let color = args.format == Format::Text && use_color(args.color, args.output.is_some());
    emit(&report::portfolio::render(&scan, args.format, color), args)?;
    Ok(scan.merged().exit_code(strict))
}

fn check(args: CheckArgs) -> Result<i32, Error> {
    if args.portfolio {
        let root = discover::root(args.root.as_deref(), &cwd()?)?;
        return check_portfolio(&args, root, Selection::default());
    }
    if let [one] = args.paths.as_slice() {
        if let Some((root, sel)) = discover::selection_of(one, &cwd()?) {
            return check_portfolio(&args, root, sel);
        }
    }
    if let Some(range) = &args.commits {
        let run = run::commits(&cwd()?, range, args.max_count, args.config.as_deref())?;
        return finish(run, &args);
    }
    let mode = if args.staged {
        Mode::Staged
    } else if !args.paths.is_empty() {
        Mode::Paths(args.paths.clone())
    } else {
        Mode::All
    };
    let run = run::check(
        &cwd()?,
        &CheckOptions {
            mode,
            cache: cache_choice(args.no_cache, args.cache.clone()),
            config: args.config.clone(),
            policies: args.policy_options(),
        },
    )?;
    finish(run, &args)
}

/// Runs a portfolio command whose errors exit 1 (seed runbook: "Error (catalog.py,
/// checkpoint.py)"), printing the error.
fn exit_one(r: Result<i32, Error>) -> Result<i32, Error> {
    r.or_else(|e| {
        eprintln!("git-govern: error: {e}");
        Ok(1)
    })
}

fn catalog_cmd(
    p: &PortfolioArgs,
    format: CatalogFormat,
    output: Option<&std::path::Path>,
    from: Option<&std::path::Path>,
) -> Result<i32, Error> {
    let root = p.root()?;
    let run = portfolio::catalog(&root, format, output, from, &p.scan(false))?;
    for w in &run.warnings {
        eprintln!("git-govern: {w}");
    }
    match &run.written {
        Some(path) => {
            let s = &run.catalog.summary;
            eprintln!(
                "git-govern: wrote {}: {} repositories, {} compliant ({}%), {} new, {} deleted, {} status changes",
                path.display(),
                s.total_repos,
                s.compliant,
                s.compliance_percentage,
                run.catalog.changes.new.len(),
                run.catalog.changes.deleted.len(),
                run.catalog.changes.status_changes.len()
            );
        }
        None => {
            let _ = std::io::stdout().lock().write_all(run.text.as_bytes());
        }
    }
    Ok(0)
}

fn checkpoint_cmd(
    p: &PortfolioArgs,
    t: &ThresholdArgs,
    baseline: bool,
    compare: Option<&[PathBuf]>,
    prune: Option<usize>,
) -> Result<i32, Error> {
    let root = p.root()?;
    let acks = t
        .acknowledgements
        .clone()
        .unwrap_or_else(|| root.join(git_govern::portfolio::ack::DEFAULT_PATH));
    if let Some([a, b]) = compare {
        let d = portfolio::compare(a, b, &acks, t.thresholds())?;
        portfolio::github_output(Some(&d))?;
        let _ = std::io::stdout()
            .lock()
            .write_all(d.to_markdown().as_bytes());
        return Ok(0);
    }
    if let Some(keep) = prune {
        let dir = root.join(git_govern::portfolio::checkpoint::DIR);
        let removed = git_govern::portfolio::checkpoint::prune(&dir, keep)?;
        for r in &removed {
            println!("removed {}", r.display());
        }
        println!("{} removed, newest {keep} kept", removed.len());
        return Ok(0);
    }
    let run = portfolio::checkpoint(
        &root,
        &portfolio::CheckpointOptions {
            baseline,
            acknowledgements: Some(acks),
            thresholds: t.thresholds(),
            scan: p.scan(true),
        },
    )?;
    for w in &run.warnings {
        eprintln!("git-govern: {w}");
    }
    portfolio::github_output(run.drift.as_ref())?;
    for a in &run.archived {
        println!("archived {}", a.display());
    }
    for w in &run.written {
        println!("wrote {}", w.display());
    }
    match &run.drift {
        Some(d) => {
            let n_int = d
                .changes
                .iter()
                .filter(|c| c.acknowledged_by.is_some())
                .count();
            println!(
                "drift: {} changes ({} unintentional, {} intentional){}",
                d.changes.len(),
                d.changes.len() - n_int,
                n_int,
                if d.alerts.is_empty() {
                    String::new()
                } else {
                    format!("; alert: {}", d.alerts.join("; "))
                }
            );
        }
        None => println!(
            "baseline: {} repositories, {} compliant",
            run.checkpoint.summary.total_repos, run.checkpoint.summary.compliant
        ),
    }
    Ok(0)
}

fn main_inner(cli: Cli) -> Result<i32, Error> {
    match cli.command {
        Command::Catalog {
            portfolio,
            format,
            output,
            from_checkpoint,
        } => exit_one(catalog_cmd(
            &portfolio,
            format,
            output.as_deref(),
            from_checkpoint.as_deref(),
        )),
        Command::Checkpoint {
            portfolio,
            thresholds,
            baseline,
            compare,
            prune,
            keep,
        } => exit_one(checkpoint_cmd(
            &portfolio,
            &thresholds,
            baseline,
            compare.as_deref(),
            if prune { keep } else { None },
        )),
        Command::Check(args) => check(args),
        Command::Hook { hook } => match hook {
            HookCommand::PreCommit => check(hook_args()),
            HookCommand::CommitMsg { file } => {
                let run = run::commit_msg(&cwd()?, &file, None)?;
                finish(run, &hook_args())
            }
            HookCommand::PrePush { remote, url: _ } => {
                let mut stdin = String::new();
                if !std::io::stdin().is_terminal() {
                    std::io::Read::read_to_string(&mut std::io::stdin(), &mut stdin)
                        .map_err(|e| Error::io("reading the pre-push lines on stdin", e))?;
                }
                let mut updates = run::RefUpdate::parse_lines(&stdin)?;
                if updates.is_empty() {
                    updates.extend(run::RefUpdate::from_pre_commit_env());
                }
                let remote = remote
                    .or_else(|| std::env::var("PRE_COMMIT_REMOTE_NAME").ok())
                    .unwrap_or_else(|| "origin".into());
                let args = hook_args();
                let run = run::pre_push(
                    &cwd()?,
                    &remote,
                    &updates,
                    &CheckOptions {
                        mode: Mode::Staged,
                        cache: cache_choice(false, args.cache.clone()),
                        config: None,
                        policies: args.policy_options(),
                    },
                )?;
                finish(run, &args)
            }
        },
        Command::Policy {
            command: PolicyCommand::Test { dir, rego_v0 },
        } => {
            let cwd = cwd()?;
            let dir = dir.unwrap_or_else(|| {
                let hub = run::governance_root(&cwd).join(".metaHub").join("policies");
                if hub.is_dir() {
                    hub
                } else {
                    PathBuf::from("policy")
                }
            });
            let sources = git_govern::policy::read_all(&cwd.join(&dir))?;
            let results = git_govern::policy::run_tests(&sources, rego_v0)?;
            if results.is_empty() {
                println!(
                    "no test_* rules in the *_test.rego files of {}",
                    dir.display()
                );
                return Ok(0);
            }
            let failed = results.iter().filter(|r| r.failure.is_some()).count();
            for r in &results {
                match &r.failure {
                    None => println!("PASS {}", r.name),
                    Some(why) => println!("FAIL {}: {why}", r.name),
                }
            }
            println!("{} passed, {} failed", results.len() - failed, failed);
            Ok(if failed > 0 { 1 } else { 0 })
        }
        Command::Rules { json } => {
            if json {
                let v: Vec<_> = rules::ALL
                    .iter()
                    .map(|r| serde_json::json!({"id": r.id, "severity": r.severity, "version": r.version, "summary": r.summary}))
                    .collect();
                println!("{}", serde_json::to_string_pretty(&v).expect("json"));
            } else {
                let w = rules::ALL.iter().map(|r| r.id.len()).max().unwrap_or(0);
                for r in rules::ALL {
                    println!("{:<w$}  {:<7}  {}", r.id, r.severity.as_str(), r.summary);
                }
            }
            Ok(0)
        }
        Command::Explain { rule } => match rules::by_id(&rule) {
            Some(r) => {
                print!("{}", rules::explain(r));
                Ok(0)
            }
            None => Err(Error::Usage(format!(
                "unknown rule {rule:?}; `git govern rules` lists them"
            ))),
        },
        Command::Cache {
            command,
            cache: explicit,
        } => {
            let path = match explicit {
                Some(p) => p,
                None => {
                    let snap = git_govern::source::load(&cwd()?, &Mode::Paths(Vec::new()))?;
                    run::default_cache_path(&snap)
                }
            };
            match command {
                CacheCommand::Path => println!("{}", path.display()),
                CacheCommand::Clear => match cache::clear(&path) {
                    Ok(true) => println!("removed {}", path.display()),
                    Ok(false) => println!("no cache at {}", path.display()),
                    Err(e) => return Err(Error::io(format!("removing {}", path.display()), e)),
                },
                CacheCommand::Stats => {
                    if !path.exists() {
                        println!("no cache at {}", path.display());
                    } else {
                        let c = cache::Cache::open(&path);
                        if let Some(w) = c.warning() {
                            eprintln!("git-govern: warning: {w}");
                        }
                        let s = c.stats();
                        println!(
                            "path: {}\nsize: {} bytes\nrule results: {}\ndirectory groups: {}",
                            path.display(),
                            s.bytes,
                            s.results,
                            s.groups
                        );
                    }
                }
            }
            Ok(0)
        }
        Command::Man { install } => {
            let mut page = Vec::new();
            clap_mangen::Man::new(<Cli as clap::CommandFactory>::command())
                .render(&mut page)
                .map_err(|e| Error::io("rendering the man page", e))?;
            if !install {
                let _ = std::io::stdout().write_all(&page);
                return Ok(0);
            }
            let exe = std::env::current_exe().map_err(|e| Error::io("locating git-govern", e))?;
            let prefix = exe
                .parent()
                .and_then(|p| p.parent())
                .ok_or_else(|| Error::Usage("cannot tell the install prefix".into()))?;
            let target = prefix.join("share/man/man1/git-govern.1");
            run::write_atomic(&target, &page)?;
            println!(
                "installed {} (`git govern --help` now shows it)",
                target.display()
            );
            Ok(0)
        }
        Command::Install { force } => {
            for p in hooks::install(&cwd()?, force)? {
                println!("installed {}", p.display());
            }
            Ok(0)
        }
        Command::Uninstall => {
            let removed = hooks::uninstall(&cwd()?)?;
            if removed.is_empty() {
                println!("no git-govern hooks to remove");
            }
            for p in removed {
                println!("removed {}", p.display());
            }
            Ok(0)
        }
    }
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    match main_inner(cli) {
        Ok(code) => ExitCode::from(code as u8),
        Err(e) => {
            eprintln!("git-govern: error: {e}");
            ExitCode::from(e.exit_code() as u8)
        }
    }
}
