//! The `git-govern` command line: parse, dispatch, map errors to exit codes. The commands
//! are in [`cli`], the work in the library. Git runs it as `git govern …` because of its
//! name.
//!
//! Exit codes (seed runbook, plus 2): 0 clean; 1 violations (or warnings under
//! `--strict` / `GOVERN_STRICT=true`); 2 usage errors and input that could not be checked.

mod cli;

use std::process::ExitCode;

use clap::{CommandFactory, Parser};

use cli::args::{Cli, Command, ExportCommand, PolicyCommand};
use cli::env::Env;
use git_govern::Error;

fn dispatch(cli: Cli, env: &Env) -> Result<i32, Error> {
    match cli.command {
        Command::Check(args) => cli::check::run(args, env),
        Command::Hook { hook } => cli::check::hook(hook, env),
        Command::Catalog(a) => cli::portfolio::catalog(&a, env),
        Command::Checkpoint(a) => cli::portfolio::checkpoint(&a, env),
        Command::Policy {
            command: PolicyCommand::Test(args),
        } => cli::policy::test(&args, env),
        Command::Export(ExportCommand::Backstage(a)) => cli::portfolio::export_backstage(&a, env),
        Command::Dashboard(a) => cli::portfolio::dashboard(&a, env),
        Command::Rules { json } => cli::info::rules(json, env),
        Command::Explain { rule } => cli::info::explain(&rule, env),
        Command::Man {
            command,
            install,
            dir,
        } => cli::info::man(Cli::command(), command.as_deref(), install, dir),
        Command::Completions { shell } => cli::info::completions(Cli::command(), shell),
        Command::Cache {
            command,
            cache,
            portfolio,
            root,
        } => cli::cache::run(command, cache, portfolio, root.as_deref(), env),
        Command::Init(a) => cli::rollout::init(&a),
        Command::Baseline(a) => cli::rollout::baseline(&a, env),
        Command::Install { force } => cli::install::install(force),
        Command::Uninstall => cli::install::uninstall(),
    }
}

fn main() -> ExitCode {
    cli::allocator::tune();
    cli::env::unset_empty_cache_variable();
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    match dispatch(cli, &Env::read()) {
        Ok(code) => ExitCode::from(code as u8),
        Err(e) => {
            eprintln!("git-govern: error: {e}");
            ExitCode::from(e.exit_code() as u8)
        }
    }
}
