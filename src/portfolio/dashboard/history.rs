//! The checkpoint history as the dashboard plots it: one [`Point`] per dated checkpoint
//! (compliance overall, by organization and by tier; violations by rule) and the
//! compliance episodes behind the mean time to compliance.
//!
//! Checkpoints are read in parallel and only for the fields plotted (a checkpoint's file
//! map, most of its bytes, is skipped unparsed), so a year of weekly checkpoints of a
//! thousand repositories reads in well under a second.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use jiff::civil::Date;
use rayon::prelude::*;
use serde::Deserialize;

use crate::error::{Error, Result};
use crate::portfolio::catalog::round1;
use crate::portfolio::checkpoint;

/// Compliant units out of all, for one group at one date.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Ratio {
    /// Repositories classed compliant.
    pub compliant: usize,
    /// All repositories of the group.
    pub total: usize,
}

impl Ratio {
    /// `compliant / total × 100`, rounded to one decimal as the catalog's
    /// `compliance_percentage` is; `None` for an empty group.
    pub fn percent(self) -> Option<f64> {
        (self.total > 0).then(|| round1(self.compliant as f64 * 100.0 / self.total as f64))
    }

    fn add(&mut self, compliant: bool) {
        self.total += 1;
        self.compliant += usize::from(compliant);
    }
}

/// The portfolio at one checkpoint.
#[derive(Debug, Clone, PartialEq)]
pub struct Point {
    /// The checkpoint's date, `YYYY-MM-DD`.
    pub date: Date,
    /// Every repository.
    pub overall: Ratio,
    /// By organization name.
    pub by_organization: BTreeMap<String, Ratio>,
    /// By metadata tier (`1`…`4`, `unknown`).
    pub by_tier: BTreeMap<String, Ratio>,
    /// Findings of severity error, by rule id, summed over repositories.
    pub violations: BTreeMap<String, usize>,
}

/// A repository's stretch of checkpoints not classed compliant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Episode {
    /// `<org>/<repo>`.
    pub repository: String,
    /// The first checkpoint that saw it not compliant (after a compliant one, or its first
    /// checkpoint in the history).
    pub since: Date,
    /// The first later checkpoint that saw it compliant; `None` while it is still not.
    pub until: Option<Date>,
}

impl Episode {
    /// Whole days from `since` to `until` (or to `today` while open).
    pub fn days(&self, today: Date) -> i64 {
        let end = self.until.unwrap_or(today);
        // Date subtraction gives a span of days.
        i64::from((end - self.since).get_days())
    }
}

/// The history: points oldest first, and every compliance episode.
#[derive(Debug, Clone, Default)]
pub struct History {
    /// One per dated checkpoint, oldest first.
    pub points: Vec<Point>,
    /// Episodes by start date, then repository; those of a repository that left the
    /// portfolio while not compliant are dropped (they never ended).
    pub episodes: Vec<Episode>,
}

#[derive(Deserialize)]
struct LeanCheckpoint {
    date: String,
    repositories: BTreeMap<String, LeanRepo>,
}

#[derive(Deserialize)]
struct LeanRepo {
    compliant: bool,
    organization: String,
    #[serde(default)]
    metadata: LeanMetadata,
    #[serde(default)]
    violations: BTreeMap<String, usize>,
}

#[derive(Deserialize, Default)]
struct LeanMetadata {
    #[serde(default)]
    tier: Option<i64>,
}

/// The dated checkpoints of `dir`, oldest first: those of `dir/archive/` (earlier
/// baselines; a renamed `.N` clash is passed over) and of `dir`, one per date, `dir`'s
/// winning.
pub fn files(dir: &Path) -> Vec<PathBuf> {
    let mut by_date: BTreeMap<std::ffi::OsString, PathBuf> = BTreeMap::new();
    for p in checkpoint::dated_files(&dir.join("archive"))
        .into_iter()
        .chain(checkpoint::dated_files(dir))
    {
        by_date.insert(p.file_name().unwrap_or_default().to_os_string(), p);
    }
    by_date.into_values().collect()
}

fn read_lean(path: &Path) -> Result<(Date, Vec<(String, LeanRepo)>)> {
    let bytes =
        std::fs::read(path).map_err(|e| Error::io(format!("reading {}", path.display()), e))?;
    let cp: LeanCheckpoint = serde_json::from_slice(&bytes).map_err(|e| {
        Error::input(
            path.display().to_string(),
            e.line() as u32,
            format!("not a git-govern checkpoint: {e}"),
        )
    })?;
    let date: Date = cp.date.parse().map_err(|e| {
        Error::input(
            path.display().to_string(),
            0,
            format!("checkpoint date {:?}: {e}", cp.date),
        )
    })?;
    Ok((date, cp.repositories.into_iter().collect()))
}

fn point(date: Date, repos: &[(String, LeanRepo)]) -> Point {
    let mut p = Point {
        date,
        overall: Ratio::default(),
        by_organization: BTreeMap::new(),
        by_tier: BTreeMap::new(),
        violations: BTreeMap::new(),
    };
    for (_, r) in repos {
        p.overall.add(r.compliant);
        p.by_organization
            .entry(r.organization.clone())
            .or_default()
            .add(r.compliant);
        let tier = r
            .metadata
            .tier
            .map_or_else(|| "unknown".to_string(), |t| t.to_string());
        p.by_tier.entry(tier).or_default().add(r.compliant);
        for (rule, n) in &r.violations {
            *p.violations.entry(rule.clone()).or_default() += n;
        }
    }
    p
}

/// Reads the checkpoints `files` (oldest first). Errors: a file that cannot be read or is
/// not a checkpoint (named, with the line).
pub fn load(files: &[PathBuf]) -> Result<History> {
    let read: Vec<(Date, Vec<(String, LeanRepo)>)> = files
        .par_iter()
        .map(|p| read_lean(p))
        .collect::<Result<_>>()?;
    let points = read.par_iter().map(|(d, r)| point(*d, r)).collect();
    // Each repository's class at each checkpoint, in date order.
    let mut seen: BTreeMap<&str, Vec<(Date, bool)>> = BTreeMap::new();
    for (date, repos) in &read {
        for (key, r) in repos {
            seen.entry(key).or_default().push((*date, r.compliant));
        }
    }
    let last = read.last().map(|(d, _)| *d);
    let mut episodes: Vec<Episode> = seen
        .into_iter()
        .flat_map(|(key, states)| episodes_of(key, &states, last))
        .collect();
    episodes.sort_by(|a, b| (a.since, &a.repository).cmp(&(b.since, &b.repository)));
    Ok(History { points, episodes })
}

/// The episodes of one repository from its `(date, compliant)` states, oldest first;
/// `last` is the newest checkpoint's date (an episode still open there is kept open, one
/// whose repository disappeared is dropped).
fn episodes_of(key: &str, states: &[(Date, bool)], last: Option<Date>) -> Vec<Episode> {
    let mut out = Vec::new();
    let mut open: Option<Date> = None;
    for &(date, compliant) in states {
        match (open, compliant) {
            (None, false) => open = Some(date),
            (Some(since), true) => {
                out.push(Episode {
                    repository: key.to_string(),
                    since,
                    until: Some(date),
                });
                open = None;
            }
            _ => {}
        }
    }
    if let Some(since) = open {
        if states.last().map(|s| s.0) == last {
            out.push(Episode {
                repository: key.to_string(),
                since,
                until: None,
            });
        }
    }
    out
}

/// Mean time to compliance: over the episodes that ended, the mean and median of their
/// lengths in days (one decimal); `None` when none ended.
pub fn mean_time_to_compliance(episodes: &[Episode], today: Date) -> (Option<f64>, Option<f64>) {
    let mut days: Vec<i64> = episodes
        .iter()
        .filter(|e| e.until.is_some())
        .map(|e| e.days(today))
        .collect();
    if days.is_empty() {
        return (None, None);
    }
    days.sort_unstable();
    let mean = days.iter().sum::<i64>() as f64 / days.len() as f64;
    let mid = days.len() / 2;
    let median = if days.len().is_multiple_of(2) {
        (days[mid - 1] + days[mid]) as f64 / 2.0
    } else {
        days[mid] as f64
    };
    (Some(round1(mean)), Some(round1(median)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Date {
        s.parse().unwrap()
    }

    #[test]
    fn episodes_open_and_close_at_checkpoints() {
        let states = [
            (d("2026-01-05"), true),
            (d("2026-01-12"), false),
            (d("2026-01-19"), false),
            (d("2026-01-26"), true),
            (d("2026-02-02"), false),
        ];
        let e = episodes_of("o/r", &states, Some(d("2026-02-02")));
        assert_eq!(e.len(), 2);
        assert_eq!(
            (e[0].since, e[0].until),
            (d("2026-01-12"), Some(d("2026-01-26")))
        );
        assert_eq!(e[0].days(d("2026-03-01")), 14);
        assert_eq!(e[1].until, None);
        assert_eq!(e[1].days(d("2026-02-09")), 7);
        // Gone while not compliant: the open episode is dropped.
        let gone = episodes_of("o/r", &states[..3], Some(d("2026-02-02")));
        assert!(gone.is_empty());
    }

    #[test]
    fn mean_and_median_over_closed_episodes() {
        let ep = |since: &str, until: Option<&str>| Episode {
            repository: "o/r".into(),
            since: d(since),
            until: until.map(d),
        };
        let all = [
            ep("2026-01-01", Some("2026-01-08")),
            ep("2026-01-01", Some("2026-01-22")),
            ep("2026-01-01", Some("2026-01-02")),
            ep("2026-01-01", None),
        ];
        let (mean, median) = mean_time_to_compliance(&all, d("2026-06-01"));
        assert_eq!(mean, Some(9.7)); // (7 + 21 + 1) / 3
        assert_eq!(median, Some(7.0));
        assert_eq!(
            mean_time_to_compliance(&all[3..], d("2026-06-01")),
            (None, None)
        );
    }
}
