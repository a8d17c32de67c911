//! The command line's edge with the process environment: every variable git-govern reads
//! is read here, once, and handed to the library as plain values.
//!
//! Variables (seed runbook and conventions): `GOVERN_STRICT`, `GOLDEN_PATH_ROOT`,
//! `SOURCE_DATE_EPOCH`, `NO_COLOR`, `TERM`, `GITHUB_OUTPUT`, `GITHUB_BASE_REF`, `GOVERN_TRACE`,
//! `XDG_CACHE_HOME`/`HOME`, and the pre-commit framework's `PRE_COMMIT_*`. `GOVERN_CACHE`
//! is read by clap as the default of `--cache`.

use std::io::IsTerminal;
use std::path::PathBuf;

use jiff::civil::Date;
use jiff::Timestamp;

use git_govern::push::RefUpdate;
use git_govern::session::{CacheChoice, Options, PolicyOptions};
use git_govern::Error;

/// The environment of this process, as the commands need it.
pub struct Env {
    /// `GOVERN_STRICT` is `1`, `true`, `yes` or `on`: warnings fail.
    pub strict: bool,
    /// `GOLDEN_PATH_ROOT`, when set and not empty.
    pub golden_path_root: Option<PathBuf>,
    /// The time of the run: `SOURCE_DATE_EPOCH` when set and valid, else the clock.
    pub now: Timestamp,
    /// The expiry date: the UTC date of `SOURCE_DATE_EPOCH`, else the local date.
    pub today: Date,
    /// `GITHUB_OUTPUT`, when set and not empty.
    pub github_output: Option<PathBuf>,
    /// `GITHUB_BASE_REF`: the base branch of the pull request a workflow runs for.
    pub github_base_ref: Option<String>,
}

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

impl Env {
    /// Reads the variables, and switches phase timings on when `GOVERN_TRACE` asks.
    pub fn read() -> Env {
        git_govern::trace::enable(var("GOVERN_TRACE").is_some_and(|v| v != "0"));
        let epoch = var("SOURCE_DATE_EPOCH")
            .and_then(|v| v.trim().parse::<i64>().ok())
            .and_then(|s| Timestamp::from_second(s).ok());
        let (now, today) = match epoch {
            Some(ts) => (ts, ts.to_zoned(jiff::tz::TimeZone::UTC).date()),
            None => {
                let now =
                    Timestamp::from_second(Timestamp::now().as_second()).expect("now is in range");
                (now, local_date(now))
            }
        };
        Env {
            strict: var("GOVERN_STRICT").is_some_and(|v| {
                matches!(
                    v.trim().to_ascii_lowercase().as_str(),
                    "1" | "true" | "yes" | "on"
                )
            }),
            golden_path_root: var("GOLDEN_PATH_ROOT").map(PathBuf::from),
            now,
            today,
            github_output: var("GITHUB_OUTPUT").map(PathBuf::from),
            github_base_ref: var("GITHUB_BASE_REF"),
        }
    }

    /// In a pull request's workflow (`GITHUB_BASE_REF`), the paths it changes: `git diff
    /// --name-only origin/<base>...HEAD` run in `cwd`. Empty elsewhere, or when the base
    /// was not fetched (a shallow checkout): annotations then keep their plain order.
    pub fn pull_request_changes(
        &self,
        cwd: &std::path::Path,
    ) -> std::collections::BTreeSet<String> {
        let Some(base) = &self.github_base_ref else {
            return Default::default();
        };
        let range = format!("origin/{base}...HEAD");
        std::process::Command::new("git")
            .args(["diff", "--name-only", "-z", &range, "--"])
            .current_dir(cwd)
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| {
                o.stdout
                    .split(|b| *b == 0)
                    .filter(|p| !p.is_empty())
                    .map(|p| String::from_utf8_lossy(p).into_owned())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The library's options for a run with these settings.
    pub fn options(
        &self,
        config: Option<PathBuf>,
        policies: PolicyOptions,
        cache: CacheChoice,
    ) -> Options {
        Options {
            golden_path_root: self.golden_path_root.clone(),
            config,
            policies,
            cache,
            ..Options::new(self.now, self.today)
        }
    }
}

/// Clears `GOVERN_CACHE` when it is set but empty, so that clap (which reads it as the
/// default of `--cache`) treats it as unset, as every other variable here is: an empty
/// value must not fail a hook. Call before parsing, while the process has one thread.
pub fn unset_empty_cache_variable() {
    if std::env::var_os("GOVERN_CACHE").is_some_and(|v| v.is_empty()) {
        std::env::remove_var("GOVERN_CACHE");
    }
}

/// The current directory. Errors: it cannot be read (deleted, no permission).
pub fn cwd() -> Result<PathBuf, Error> {
    std::env::current_dir().map_err(|e| Error::io("reading the current directory", e))
}

/// Whether stdout takes colour: a terminal, `NO_COLOR` unset or empty, `TERM` not `dumb`.
pub fn stdout_takes_color() -> bool {
    std::io::stdout().is_terminal()
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        && std::env::var("TERM").map_or(true, |t| t != "dumb")
}

/// The per-user cache file used outside git repositories:
/// `$XDG_CACHE_HOME/git-govern/cache.redb`, else `~/.cache/git-govern/cache.redb`.
pub fn user_cache_file() -> PathBuf {
    let base = var("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .unwrap_or_else(std::env::temp_dir);
    base.join("git-govern").join("cache.redb")
}

/// The update the pre-commit framework describes in `PRE_COMMIT_*` variables (it gives
/// hooks no stdin), if those are set.
pub fn pre_commit_ref_update() -> Option<RefUpdate> {
    let to = var("PRE_COMMIT_TO_REF")?;
    Some(RefUpdate {
        local_ref: var("PRE_COMMIT_LOCAL_BRANCH").unwrap_or_else(|| "HEAD".into()),
        local_oid: to,
        remote_ref: var("PRE_COMMIT_REMOTE_BRANCH").unwrap_or_default(),
        remote_oid: var("PRE_COMMIT_FROM_REF").unwrap_or_default(),
    })
}

/// The remote a pre-push hook pushes to: as git passed it, else `PRE_COMMIT_REMOTE_NAME`,
/// else `origin`.
pub fn push_remote(given: Option<String>) -> String {
    given
        .or_else(|| std::env::var("PRE_COMMIT_REMOTE_NAME").ok())
        .unwrap_or_else(|| "origin".into())
}

/// The local date at `now`. Without `TZ`, the zone is `/etc/localtime` read directly:
/// asking jiff for the system zone by name indexes the whole zoneinfo directory first
/// (forty directory listings, a third of a warm hook's own time before any work).
/// Elsewhere (a `TZ`, no such file) jiff decides, as before.
fn local_date(now: Timestamp) -> jiff::civil::Date {
    let direct = (std::env::var_os("TZ").is_none())
        .then(|| std::fs::read("/etc/localtime").ok())
        .flatten()
        .and_then(|bytes| jiff::tz::TimeZone::tzif("localtime", &bytes).ok());
    match direct {
        Some(tz) => now.to_zoned(tz).date(),
        None => jiff::Zoned::now().date(),
    }
}
