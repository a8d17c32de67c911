//! `git govern cache path|stats|clear`: the result cache file, inspected or removed.

use std::path::PathBuf;

use git_govern::cache::{self, Cache};
use git_govern::source::{self, Mode};
use git_govern::{check, Error};

use super::args::CacheCommand;
use super::env::{cwd, user_cache_file};

/// Runs `command` on the cache at `explicit` (`--cache` or `GOVERN_CACHE`), else this
/// repository's default cache.
pub fn run(command: CacheCommand, explicit: Option<PathBuf>) -> Result<i32, Error> {
    let path = match explicit {
        Some(p) => p,
        None => {
            let snap = source::load(&cwd()?, &Mode::Paths(Vec::new()))?;
            check::default_cache(&snap, &user_cache_file())
        }
    };
    match command {
        CacheCommand::Path => println!("{}", path.display()),
        CacheCommand::Clear => match cache::clear(&path) {
            Ok(true) => println!("removed {}", path.display()),
            Ok(false) => println!("no cache at {}", path.display()),
            Err(e) => return Err(Error::io(format!("removing {}", path.display()), e)),
        },
        CacheCommand::Stats if !path.exists() => println!("no cache at {}", path.display()),
        CacheCommand::Stats => {
            let c = Cache::open(&path);
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
    Ok(0)
}
