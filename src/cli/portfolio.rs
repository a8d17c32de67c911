//! `git govern catalog` and `git govern checkpoint`: the portfolio files. Errors exit 1,
//! as the seed runbook's catalog.py and checkpoint.py did.

use git_govern::portfolio::checkpoint;
use git_govern::portfolio::command as portfolio;
use git_govern::portfolio::discover;
use git_govern::portfolio::drift::Drift;
use git_govern::portfolio::scan::ScanOptions;
use git_govern::session::PolicyOptions;
use git_govern::Error;

use super::args::{CatalogArgs, CheckpointArgs, DriftFormat, PortfolioArgs};
use super::env::{cwd, Env};
use super::outputs::{self, Dest};

/// Runs a portfolio command whose errors exit 1 (seed runbook: "Error (catalog.py,
/// checkpoint.py)"), printing the error.
fn exit_one(r: Result<i32, Error>) -> Result<i32, Error> {
    r.or_else(|e| {
        eprintln!("git-govern: error: {e}");
        Ok(1)
    })
}

/// The scan options of a portfolio command (which also tunes the allocator for one).
fn scan_options(p: &PortfolioArgs, env: &Env, file_hashes: bool) -> ScanOptions {
    super::allocator::for_many_small_inputs();
    ScanOptions {
        session: git_govern::session::Options {
            selection: p.rules.selection(),
            ..env.options(None, PolicyOptions::default(), p.cache_choice())
        },
        file_hashes,
        progress: true,
        shard: p.shard,
        // Without --shard, --shard-dir means "assemble the parts there".
        assemble: p.shard_dir.clone().filter(|_| p.shard.is_none()),
    }
}

/// With `--shard I/N`: scans that part, writes its shard file, and says so; `None` for a
/// run that is not a shard run. Exit 1 when some repository of the part could not be
/// checked.
fn shard_run(p: &PortfolioArgs, env: &Env, file_hashes: bool) -> Option<Result<i32, Error>> {
    let shard = p.shard?;
    Some((|| {
        let root = root(p, env)?;
        let dir = p
            .shard_dir
            .clone()
            .ok_or_else(|| Error::Usage("--shard needs --shard-dir DIR for its file".into()))?;
        let opts = scan_options(p, env, file_hashes);
        let (path, records) = portfolio::shard_run(&root, &dir, &opts)?;
        eprintln!(
            "git-govern: wrote {}: shard {}/{} with {} repositories",
            path.display(),
            shard.index,
            shard.count,
            records.len()
        );
        let errors = git_govern::portfolio::record::input_errors(&records);
        Ok(could_not_check(&errors))
    })())
}

fn root(p: &PortfolioArgs, env: &Env) -> Result<std::path::PathBuf, Error> {
    discover::root(p.root.as_deref(), env.golden_path_root.as_deref(), &cwd()?)
}

/// `git govern export backstage`.
pub fn export_backstage(a: &super::args::ExportArgs, env: &Env) -> Result<i32, Error> {
    if let Some(r) = shard_run(&a.portfolio, env, false) {
        return r;
    }
    let root = root(&a.portfolio, env)?;
    let opts = scan_options(&a.portfolio, env, false);
    let target = match &a.output {
        Some(p) if p == std::path::Path::new("-") => None,
        Some(p) => Some(p.clone()),
        None => Some(root.join(git_govern::portfolio::backstage::DEFAULT_PATH)),
    };
    let (yaml, n, errors) =
        git_govern::portfolio::command::export_backstage(&root, target.as_deref(), &opts)?;
    match &target {
        None => print!("{yaml}"),
        Some(p) => eprintln!("git-govern: wrote {}: {n} entities", p.display()),
    }
    for e in &errors {
        eprintln!("git-govern: could not check {e}");
    }
    Ok(if errors.is_empty() { 0 } else { 1 })
}

/// `git govern dashboard`.
pub fn dashboard(a: &super::args::DashboardArgs, env: &Env) -> Result<i32, Error> {
    exit_one((|| {
        let root = discover::root(a.root.as_deref(), env.golden_path_root.as_deref(), &cwd()?)?;
        let opts = git_govern::portfolio::dashboard::Options {
            today: env.today,
            generated: git_govern::portfolio::catalog::generated(env.now),
            acknowledgements: a.acknowledgements.clone(),
        };
        let target = match &a.output {
            Some(p) if p == std::path::Path::new("-") => None,
            Some(p) => Some(p.clone()),
            None => Some(root.join(git_govern::portfolio::dashboard::DEFAULT_PATH)),
        };
        let (page, checkpoints) = portfolio::dashboard(&root, target.as_deref(), &opts)?;
        match &target {
            None => print!("{page}"),
            Some(p) => eprintln!(
                "git-govern: wrote {}: {checkpoints} checkpoints, {} KiB",
                p.display(),
                page.len().div_ceil(1024)
            ),
        }
        Ok(0)
    })())
}

/// `git govern catalog`.
pub fn catalog(a: &CatalogArgs, env: &Env) -> Result<i32, Error> {
    exit_one(catalog_inner(a, env))
}

fn catalog_inner(a: &CatalogArgs, env: &Env) -> Result<i32, Error> {
    if let Some(r) = shard_run(&a.portfolio, env, false) {
        return r;
    }
    let root = root(&a.portfolio, env)?;
    let opts = scan_options(&a.portfolio, env, false);
    let fallback = |format| match &a.output {
        Some(p) if p == std::path::Path::new("-") => Dest::Stdout,
        Some(p) => Dest::File(p.clone()),
        None => Dest::File(portfolio::default_catalog_path(&root, format)),
    };
    let targets: Vec<_> = outputs::plan(&a.format, &fallback)?
        .into_iter()
        .map(|p| match p.dest {
            Dest::Stdout => (p.format, None),
            Dest::File(f) => (p.format, Some(f)),
        })
        .collect();
    let run = portfolio::catalog(&root, &targets, a.from_checkpoint.as_deref(), &opts)?;
    for w in &run.warnings {
        eprintln!("git-govern: {w}");
    }
    let failed = could_not_check(&run.input_errors);
    for path in &run.written {
        let s = &run.catalog.summary;
        let c = &run.catalog.changes;
        eprintln!(
            "git-govern: wrote {}: {}, {} compliant ({}%), {} new, {} deleted, {} status changes",
            path.display(),
            git_govern::words::plural(s.total_repos, "repository"),
            s.compliant,
            s.compliance_percentage,
            c.new.len(),
            c.deleted.len(),
            c.status_changes.len()
        );
    }
    if let Some(text) = &run.stdout {
        outputs::write(text, &Dest::Stdout)?;
    }
    Ok(failed)
}

/// Prints what could not be checked, one line each, and gives the exit code: 1 when
/// anything could not be checked (the seed runbook's "error" for catalog and checkpoint;
/// `check --portfolio` lists the same errors and exits 2), else 0. The files were written
/// first: they name the same errors.
fn could_not_check(errors: &[String]) -> i32 {
    for e in errors {
        eprintln!("git-govern: error: could not check {e}");
    }
    if errors.is_empty() {
        0
    } else {
        eprintln!(
            "git-govern: error: {} could not be checked (listed in the files written)",
            git_govern::words::plural(errors.len(), "input")
        );
        1
    }
}

/// `git govern checkpoint` (and `--compare`, `--prune`).
pub fn checkpoint(a: &CheckpointArgs, env: &Env) -> Result<i32, Error> {
    exit_one(checkpoint_inner(a, env))
}

fn checkpoint_inner(a: &CheckpointArgs, env: &Env) -> Result<i32, Error> {
    if let Some(r) = shard_run(&a.portfolio, env, true) {
        return r;
    }
    let root = root(&a.portfolio, env)?;
    let t = &a.thresholds;
    let acks = t
        .acknowledgements
        .clone()
        .unwrap_or_else(|| root.join(git_govern::portfolio::ack::DEFAULT_PATH));
    if let Some([old, new]) = a.compare.as_deref() {
        let d = portfolio::compare(old, new, &acks, env.today, t.thresholds())?;
        portfolio::github_output(env.github_output.as_deref(), Some(&d))?;
        for p in outputs::plan(&a.format, &|_| Dest::Stdout)? {
            let text = match p.format {
                DriftFormat::Markdown => d.to_markdown(),
                DriftFormat::Json => d.to_json(),
            };
            outputs::write(&text, &p.dest)?;
        }
        return Ok(0);
    }
    if let Some(keep) = a.keep.filter(|_| a.prune) {
        let removed = checkpoint::prune(&root.join(checkpoint::DIR), keep)?;
        for r in &removed {
            println!("removed {}", r.display());
        }
        println!("{} removed, newest {keep} kept", removed.len());
        return Ok(0);
    }
    let run = portfolio::checkpoint(
        &root,
        &portfolio::CheckpointOptions {
            baseline: a.baseline,
            acknowledgements: Some(acks),
            thresholds: t.thresholds(),
            scan: scan_options(&a.portfolio, env, true),
        },
    )?;
    for w in &run.warnings {
        eprintln!("git-govern: {w}");
    }
    portfolio::github_output(env.github_output.as_deref(), run.drift.as_ref())?;
    let failed = could_not_check(&run.input_errors);
    for p in &run.archived {
        println!("archived {}", p.display());
    }
    for p in &run.written {
        println!("wrote {}", p.display());
    }
    match &run.drift {
        Some(d) => println!("{}", drift_line(d)),
        None => println!(
            "baseline: {}, {} compliant",
            git_govern::words::plural(run.checkpoint.summary.total_repos, "repository"),
            run.checkpoint.summary.compliant
        ),
    }
    Ok(failed)
}

/// `drift: N changes (U unintentional, I intentional)[; alert: …]`.
fn drift_line(d: &Drift) -> String {
    let intentional = d.intentional();
    let alert = if d.alerts.is_empty() {
        String::new()
    } else {
        format!("; alert: {}", d.alerts.join("; "))
    };
    format!(
        "drift: {} changes ({} unintentional, {} intentional){alert}",
        d.changes.len(),
        d.changes.len() - intentional,
        intentional,
    )
}
