//! `git govern check` and the hook entry points: build the run's options from the
//! arguments and the environment, run the library, print the report, pick the exit code.

use std::io::IsTerminal;
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
use super::outputs::{self, Dest, Planned};

/// Whether a report of `format` written to `dest` is coloured: text only, always with
/// `--color always`, and with `auto` on a terminal without NO_COLOR.
fn use_color(args: &CheckArgs, format: Format, dest: &Dest) -> bool {
    format == Format::Text
        && match args.color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => *dest == Dest::Stdout && env::stdout_takes_color(),
        }
}

fn options(args: &CheckArgs, env: &Env) -> Options {
    Options {
        scope: args.only.unwrap_or_default(),
        selection: args.rules.selection(),
        combine: args.combine,
        ..env.options(
            args.config.clone(),
            args.policy_options(),
            args.cache_choice(),
        )
    }
}

/// Standard input, at most [`git_govern::read::CHECKED_LIMIT`] bytes. Errors: it cannot
/// be read, or is larger.
fn read_stdin() -> Result<Vec<u8>, Error> {
    use std::io::Read;
    let limit = git_govern::read::CHECKED_LIMIT;
    let mut bytes = Vec::new();
    std::io::stdin()
        .lock()
        .take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Error::io("reading standard input", e))?;
    if bytes.len() as u64 > limit {
        return Err(Error::Usage(format!(
            "standard input is larger than {}; not checked",
            git_govern::read::size(limit)
        )));
    }
    Ok(bytes)
}

/// The reports `args` ask for: bare formats go to --output, else stdout.
fn planned(args: &CheckArgs) -> Result<Vec<Planned<Format>>, Error> {
    let fallback = |_| match &args.output {
        Some(p) if p != Path::new("-") => Dest::File(p.clone()),
        _ => Dest::Stdout,
    };
    outputs::plan(&args.format, &fallback)
}

/// Renders and writes every report `args` ask for.
fn emit_all(
    args: &CheckArgs,
    env: &Env,
    render: &dyn Fn(Format, &report::Style) -> String,
) -> Result<(), Error> {
    let planned = planned(args)?;
    let changed = if planned.iter().any(|p| p.format == Format::Github) {
        env.pull_request_changes(&cwd()?)
    } else {
        Default::default()
    };
    for p in planned {
        let style = report::Style {
            color: use_color(args, p.format, &p.dest),
            changed: changed.clone(),
        };
        outputs::write(&render(p.format, &style), &p.dest)?;
    }
    Ok(())
}

/// Prints the run's warnings and its reports; returns the exit code.
fn finish(run: CheckRun, args: &CheckArgs, env: &Env) -> Result<i32, Error> {
    for w in &run.warnings {
        eprintln!("git-govern: {w}");
    }
    let strict = args.strict || env.strict || run.config.strict;
    emit_all(args, env, &|format, style| {
        report::render(&run.outcome, format, style)
    })?;
    Ok(run.outcome.exit_code(strict))
}

/// `check --portfolio` and `check organizations/...`.
fn check_portfolio(
    args: &CheckArgs,
    env: &Env,
    root: PathBuf,
    sel: Selection,
) -> Result<i32, Error> {
    super::allocator::for_many_small_inputs();
    let opts = ScanOptions {
        session: options(args, env),
        file_hashes: false,
        progress: true,
        shard: args.shard,
        assemble: None,
    };
    let scan = portfolio::check(&root, &sel, &opts)?;
    for w in &scan.warnings {
        eprintln!("git-govern: {w}");
    }
    let strict = args.strict || env.strict;
    emit_all(args, env, &|format, style| {
        report::portfolio::render(&scan, format, style)
    })?;
    Ok(scan.exit_code(strict))
}

/// `git govern check`: a portfolio, a commit range, or one repository's files.
pub fn run(args: CheckArgs, env: &Env) -> Result<i32, Error> {
    planned(&args)?;
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
        // A blank name (a shell variable that was empty) names nothing, as in conftest;
        // `-` is standard input, read below.
        Mode::Paths(
            args.paths
                .iter()
                .filter(|p| !p.as_os_str().is_empty() && p.as_os_str() != "-")
                .cloned()
                .collect(),
        )
    } else {
        Mode::All
    };
    let mut opts = options(&args, env);
    if args.paths.iter().any(|p| p.as_os_str() == "-") {
        opts.stdin = Some(check::Stdin {
            parser: args.parser.clone(),
            bytes: read_stdin()?.into(),
        });
    }
    let run = check::check(&cwd, &mode, &opts, &env::user_cache_file())?;
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
