//! `git govern cache path|stats|clear|gc|merge`: the result cache files that the commands
//! run from here use, inspected, shrunk, merged or removed.

use std::path::{Path, PathBuf};

use git_govern::cache::{self, Cache};
use git_govern::portfolio::{discover, scan};
use git_govern::{check, Error};

use super::args::CacheCommand;
use super::env::{cwd, user_cache_file, Env};

/// The caches the commands run from `here` use: `check`'s (the repository's, else the
/// per-user one), and in a governance root (not inside one of its member repositories) the
/// portfolio commands' too. `portfolio` keeps only the latter, found as the portfolio
/// commands find their root (`root`, `GOLDEN_PATH_ROOT`, the nearest ancestor).
fn caches(
    here: &Path,
    portfolio: bool,
    root: Option<&Path>,
    env: &Env,
) -> Result<Vec<PathBuf>, Error> {
    let gov = discover::root(root, env.golden_path_root.as_deref(), here);
    if portfolio {
        return Ok(vec![scan::default_cache(&gov?)]);
    }
    let (repo, _) = check::root_of(here)?;
    let check_cache = match repo {
        Some(r) => {
            let p = r.common_dir().join("govern").join("cache.redb");
            if p.is_absolute() {
                p
            } else {
                here.join(p)
            }
        }
        None => user_cache_file(),
    };
    let mut out = vec![check_cache];
    if let Ok(gov) = gov {
        let is_root = gov.join(".metaHub").is_dir() || gov.join("organizations").is_dir();
        let in_member = here
            .canonicalize()
            .is_ok_and(|h| h.starts_with(gov.join("organizations")));
        let portfolio_cache = scan::default_cache(&gov);
        if is_root && !in_member && !out.contains(&portfolio_cache) {
            out.push(portfolio_cache);
        }
    }
    Ok(out)
}

/// Runs `command` on the cache at `explicit` (`--cache` or `GOVERN_CACHE`), else on every
/// cache the commands run from here use (see [`caches`]); `path` prints one per line.
pub fn run(
    command: CacheCommand,
    explicit: Option<PathBuf>,
    portfolio: bool,
    root: Option<&Path>,
    env: &Env,
) -> Result<i32, Error> {
    if let CacheCommand::Merge { inputs, output } = &command {
        let (results, groups) = cache::merge(inputs, output).map_err(Error::Usage)?;
        println!(
            "wrote {}: {results} rule results, {groups} directory groups from {} caches",
            output.display(),
            inputs.len()
        );
        return Ok(0);
    }
    let paths = match explicit {
        Some(p) => {
            // A path the user named is cleared or read only if it holds a cache.
            git_govern::session::refuse_foreign(&p)?;
            vec![p]
        }
        None => caches(&cwd()?, portfolio, root, env)?,
    };
    let today = cache::day_of(env.today);
    for path in paths {
        one(&command, &path, today)?;
    }
    Ok(0)
}

fn one(command: &CacheCommand, path: &Path, today: cache::Day) -> Result<(), Error> {
    match command {
        CacheCommand::Path => println!("{}", path.display()),
        CacheCommand::Merge { .. } => {}
        CacheCommand::Gc { max_size, max_age } => {
            let r = cache::gc(path, *max_size, *max_age, today).map_err(Error::Usage)?;
            println!(
                "{}: {} → {} bytes; removed {} of {} entries ({} unused for over {} days, {} least recently used for the size)",
                path.display(),
                r.bytes_before,
                r.bytes_after,
                r.removed_for_age + r.removed_for_size,
                r.entries_before,
                r.removed_for_age,
                max_age.map_or("∞".into(), |d| d.to_string()),
                r.removed_for_size
            );
        }
        CacheCommand::Clear => match cache::clear(path) {
            Ok(true) => println!("removed {}", path.display()),
            Ok(false) => println!("no cache at {}", path.display()),
            Err(e) => return Err(Error::io(format!("removing {}", path.display()), e)),
        },
        CacheCommand::Stats if !path.exists() => println!("no cache at {}", path.display()),
        CacheCommand::Stats => {
            let c = Cache::open(path);
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
            if let Some(age) = c.age(today).filter(|a| a.oldest.is_some()) {
                let date = |d: Option<cache::Day>| d.map(cache::maintain::date_of);
                let [day, week, month, older] = age.used_within;
                println!(
                    "last used: {} to {}\nentries last used today: {day}, 1–7 days ago: {week}, 8–30 days ago: {month}, over 30 days ago: {older}",
                    date(age.oldest).map_or_else(String::new, |d| d.to_string()),
                    date(age.newest).map_or_else(String::new, |d| d.to_string()),
                );
            }
        }
    }
    Ok(())
}
