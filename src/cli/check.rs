//! `git govern check` and the hook entry points: build the run's options from the
//! arguments and the environment, run the library, print the report, pick the exit code.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use git_govern::check::CheckRun;
use git_govern::portfolio::command as portfolio;
use git_govern::portfolio::discover::{self, Selection};
use git_govern::portfolio::scan::ScanOptions;
use git_govern::push::RefUpdate;
use git_govern::report::{self, Format};
use git_govern::session::Options;
use git_govern::source::Mode;
use git_govern::{check, commits, push, Error};

use super::args::{CheckArgs, ColorChoice, HookCommand};
use super::env::{self, cwd, Env};

/// Whether the text report is coloured under `choice`.
fn use_color(args: &CheckArgs) -> bool {
    args.format == Format::Text
        && match args.color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => args.output.is_none() && env::stdout_takes_color(),
        }
}

fn options(args: &CheckArgs, env: &Env) -> Options {
    env.options(
        args.config.clone(),
        args.policy_options(),
        args.cache_choice(),
    )
}

/// Prints the run's warnings and its report; returns the exit code.
fn finish(run: CheckRun, args: &CheckArgs, env: &Env) -> Result<i32, Error> {
    for w in &run.warnings {
        eprintln!("git-govern: {w}");
    }
    let strict = args.strict || env.strict || run.config.strict;
    emit(
        &report::render(&run.outcome, args.format, use_color(args)),
        args.output.as_deref(),
    )?;
    Ok(run.outcome.exit_code(strict))
}

/// Writes a report to `output` (atomically) or stdout.
pub fn emit(text: &str, output: Option<&Path>) -> Result<(), Error> {
    git_govern::trace::phase(|| format!("report formatted: {} bytes", text.len()));
    match output {
        Some(p) => git_govern::output::write_atomic(p, text.as_bytes()),
        None => {
            let _ = std::io::stdout().lock().write_all(text.as_bytes());
            Ok(())
        }
    }
}

/// `check --portfolio` and `check organizations/...`.
fn check_portfolio(
    args: &CheckArgs,
    env: &Env,
    root: PathBuf,
    sel: Selection,
) -> Result<i32, Error> {
    let opts = ScanOptions {
        session: options(args, env),
        file_hashes: false,
        progress: true,
    };
    let scan = portfolio::check(&root, &sel, &opts)?;
    for w in &scan.warnings {
        eprintln!("git-govern: {w}");
    }
    let strict = args.strict || env.strict;
    let text = report::portfolio::render(&scan, args.format, use_color(args));
    emit(&text, args.output.as_deref())?;
    Ok(scan.merged().exit_code(strict))
}

/// `git govern check`: a portfolio, a commit range, or one repository's files.
pub fn run(args: CheckArgs, env: &Env) -> Result<i32, Error> {
    let cwd = cwd()?;
    if args.portfolio {
        let root = discover::root(args.root.as_deref(), env.golden_path_root.as_deref(), &cwd)?;
        return check_portfolio(&args, env, root, Selection::default());
    }
    if let [one] = args.paths.as_slice() {
        if let Some((root, sel)) = discover::selection_of(one, &cwd) {
            return check_portfolio(&args, env, root, sel);
        }
    }
    if let Some(range) = &args.commits {
        let run = commits::commits(&cwd, range, args.max_count, &options(&args, env))?;
        return finish(run, &args, env);
    }
    let mode = if args.staged {
        Mode::Staged
    } else if !args.paths.is_empty() {
        Mode::Paths(args.paths.clone())
    } else {
        Mode::All
    };
    let run = check::check(&cwd, &mode, &options(&args, env), &env::user_cache_file())?;
    finish(run, &args, env)
}

/// The ref updates of a pre-push hook: git's lines on stdin, else the pre-commit
/// framework's variables.
fn pushed_updates() -> Result<Vec<RefUpdate>, Error> {
    let mut stdin = String::new();
    if !std::io::stdin().is_terminal() {
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut stdin)
            .map_err(|e| Error::io("reading the pre-push lines on stdin", e))?;
    }
    let mut updates = RefUpdate::parse_lines(&stdin)?;
    if updates.is_empty() {
        updates.extend(env::pre_commit_ref_update());
    }
    Ok(updates)
}

/// `git govern hook <name>`: what the hook shims run.
pub fn hook(hook: HookCommand, env: &Env) -> Result<i32, Error> {
    let args = CheckArgs::for_hook();
    match hook {
        HookCommand::PreCommit => run(args, env),
        HookCommand::CommitMsg { file } => {
            let run = commits::commit_msg(&cwd()?, &file, &options(&args, env))?;
            finish(run, &args, env)
        }
        HookCommand::PrePush { remote, url: _ } => {
            let updates = pushed_updates()?;
            let remote = env::push_remote(remote);
            let opts = options(&args, env);
            let run = push::pre_push(&cwd()?, &remote, &updates, &opts, &env::user_cache_file())?;
            finish(run, &args, env)
        }
    }
}
