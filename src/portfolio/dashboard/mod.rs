//! The portfolio dashboard: one self-contained HTML page (`.metaHub/catalog/dashboard.html`)
//! built from `catalog.json` and the checkpoint history, with the seed's tracked metrics
//! (compliance percentage, violations by type, drift, mean time to compliance) over time.
//!
//! - [`history`]: the checkpoints read for their trends and compliance episodes;
//! - this module: what the page shows, gathered from the governance root's files;
//! - `html` and `svg`: the page itself (inline CSS and SVG; no script, no font, nothing
//!   fetched; every chart beside a table with the same values).
//!
//! The page is a function of the files and of [`Options`]: the same files, date and
//! `generated` time give the same bytes.

pub mod history;
mod html;
mod svg;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use jiff::civil::Date;
use jiff::ToSpan;

use crate::error::{Error, Result};
use crate::portfolio::ack::{self, Ack};
use crate::portfolio::catalog::{self, Catalog};
use crate::portfolio::checkpoint::{self, Checkpoint};
use crate::portfolio::drift::{self, Drift, Thresholds};
use crate::portfolio::record::Compliance;

pub use history::History;

/// The default page, relative to the governance root.
pub const DEFAULT_PATH: &str = ".metaHub/catalog/dashboard.html";

/// Waivers and acknowledgements expiring within this many days of today are listed.
pub const HORIZON_DAYS: i64 = 30;

/// Repositories of these tiers and below (1 = business critical) are listed when they are
/// not compliant.
pub const ATTENTION_TIER: i64 = 2;

/// How the dashboard is built.
#[derive(Debug, Clone)]
pub struct Options {
    /// The day the page describes: expiry windows count from it (`SOURCE_DATE_EPOCH`'s date
    /// when set).
    pub today: Date,
    /// When the page was made: RFC 3339, UTC, shown in its header.
    pub generated: String,
    /// The acknowledgements file [default: `.metaHub/drift-acknowledgements.yaml`].
    pub acknowledgements: Option<PathBuf>,
}

/// Where the current state on the page comes from.
#[derive(Debug, Clone)]
pub struct Current {
    /// The inventory.
    pub catalog: Catalog,
    /// `catalog.json`, or the newest checkpoint when it is newer than the catalog (or there
    /// is no catalog): the file's path relative to the root.
    pub source: String,
}

/// A tier 1–2 repository or component that is not compliant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attention {
    /// `<org>/<repo>`, or `<org>/<repo>/<component>` for a monorepo's component.
    pub name: String,
    /// Its metadata tier.
    pub tier: i64,
    /// Its metadata owner.
    pub owner: Option<String>,
    /// Its compliance class.
    pub compliance: Compliance,
    /// Its violations by rule, from the newest checkpoint (empty when it has none there).
    pub rules: BTreeMap<String, usize>,
}

/// A waiver or acknowledgement that ends within [`HORIZON_DAYS`].
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Expiring {
    /// Its last day.
    pub expires: Date,
    /// `waiver` (a repository's `.govern.yaml`) or `acknowledgement` (drift).
    pub what: &'static str,
    /// The repository (`<org>/<repo>`) or, for an acknowledgement, its repository glob.
    pub scope: String,
    /// The rule or family it names, if any.
    pub rule: Option<String>,
    /// Its path glob, if any.
    pub path: Option<String>,
    /// Who answers for it (a waiver's owner, an acknowledgement's approver).
    pub owner: String,
    /// Why.
    pub reason: String,
}

/// Everything the page shows.
#[derive(Debug, Clone)]
pub struct Dashboard {
    /// See [`Options::generated`].
    pub generated: String,
    /// See [`Options::today`].
    pub today: Date,
    /// The current state.
    pub current: Current,
    /// The trends.
    pub history: History,
    /// Tier 1–2 repositories and components that are not compliant, by tier then name.
    pub attention: Vec<Attention>,
    /// The newest checkpoint against the one a week before it (see [`drift_base`]);
    /// `None` with fewer than two checkpoints.
    pub drift: Option<Drift>,
    /// What expires within [`HORIZON_DAYS`] of today, soonest first.
    pub expiring: Vec<Expiring>,
}

/// Gathers the dashboard of the governance root `root`. Errors: neither `catalog.json` nor
/// a checkpoint exists (the message says which command makes them); a checkpoint, the
/// catalog or the acknowledgements file that cannot be read (named, with the line).
pub fn build(root: &Path, opts: &Options) -> Result<Dashboard> {
    let files = history::files(&root.join(checkpoint::DIR));
    let history = history::load(&files)?;
    let newest = files.last().map(|p| checkpoint::read(p)).transpose()?;
    let current = current(root, newest.as_ref())?;
    let acks_path = opts
        .acknowledgements
        .clone()
        .unwrap_or_else(|| root.join(ack::DEFAULT_PATH));
    let acks = ack::load(&acks_path)?;
    let drift = match (drift_base(&files), &newest) {
        (Some(base), Some(newest)) => Some(drift::compare(
            &checkpoint::read(base)?,
            newest,
            acks.clone(),
            opts.today,
            Thresholds::default(),
        )),
        _ => None,
    };
    Ok(Dashboard {
        generated: opts.generated.clone(),
        today: opts.today,
        attention: attention(&current.catalog, newest.as_ref()),
        expiring: expiring(newest.as_ref(), &acks, opts.today),
        current,
        history,
        drift,
    })
}

/// The page of `d`.
pub fn render(d: &Dashboard) -> String {
    html::page(d)
}

/// The current state: `catalog.json` unless the newest checkpoint is newer.
fn current(root: &Path, newest: Option<&Checkpoint>) -> Result<Current> {
    let path = root.join(catalog::DEFAULT_PATH);
    let catalog = if path.is_file() {
        let text = std::fs::read_to_string(&path)
            .map_err(|e| Error::io(format!("reading {}", path.display()), e))?;
        Some(serde_json::from_str::<Catalog>(&text).map_err(|e| {
            Error::input(
                path.display().to_string(),
                e.line() as u32,
                format!("not a git-govern catalog: {e}"),
            )
        })?)
    } else {
        None
    };
    match (catalog, newest) {
        (Some(c), Some(cp)) if cp.generated > c.generated => Ok(from_checkpoint(cp)),
        (Some(c), _) => Ok(Current {
            catalog: c,
            source: catalog::DEFAULT_PATH.to_string(),
        }),
        (None, Some(cp)) => Ok(from_checkpoint(cp)),
        (None, None) => Err(Error::Usage(format!(
            "{} has neither {} nor a checkpoint in {}/: run `git govern catalog` or \
             `git govern checkpoint` first",
            root.display(),
            catalog::DEFAULT_PATH,
            checkpoint::DIR
        ))),
    }
}

fn from_checkpoint(cp: &Checkpoint) -> Current {
    Current {
        catalog: catalog::from_checkpoint(cp, None),
        source: format!("{}/{}", checkpoint::DIR, checkpoint::file_name(cp)),
    }
}

/// The checkpoint this week's drift is measured from: the newest one dated at least seven
/// days before the newest checkpoint, else the oldest (the history is shorter than a
/// week); `None` with fewer than two.
pub fn drift_base(files: &[PathBuf]) -> Option<&PathBuf> {
    let (newest, rest) = files.split_last()?;
    let date_of = |p: &PathBuf| -> Option<Date> {
        p.file_name()?
            .to_str()?
            .strip_prefix("checkpoint-")?
            .strip_suffix(".json")?
            .parse()
            .ok()
    };
    let week_before = date_of(newest)?.checked_sub(7.days()).ok()?;
    rest.iter()
        .rev()
        .find(|p| date_of(p).is_some_and(|d| d <= week_before))
        .or_else(|| rest.first())
}

/// Tier 1–2 repositories and components of `c` that are not compliant.
fn attention(c: &Catalog, newest: Option<&Checkpoint>) -> Vec<Attention> {
    let mut out = Vec::new();
    for org in &c.organizations {
        for r in &org.repos {
            let key = format!("{}/{}", org.name, r.name);
            let record = newest
                .and_then(|cp| cp.repositories.get(&key))
                .map(|e| &e.record);
            if r.tier.is_some_and(|t| t <= ATTENTION_TIER) && r.compliance != Compliance::Compliant
            {
                out.push(Attention {
                    name: key.clone(),
                    tier: r.tier.unwrap_or_default(),
                    owner: r.owner.clone(),
                    compliance: r.compliance,
                    rules: record.map(|x| x.violations.clone()).unwrap_or_default(),
                });
            }
            for comp in &r.components {
                if comp.tier.is_none_or(|t| t > ATTENTION_TIER)
                    || comp.compliance == Compliance::Compliant
                {
                    continue;
                }
                let rules = record
                    .and_then(|x| x.components.iter().find(|k| k.path == comp.path))
                    .map(|k| k.violations.clone())
                    .unwrap_or_default();
                out.push(Attention {
                    name: format!("{key}/{}", comp.path),
                    tier: comp.tier.unwrap_or_default(),
                    owner: comp.owner.clone(),
                    compliance: comp.compliance,
                    rules,
                });
            }
        }
    }
    out.sort_by(|a, b| (a.tier, &a.name).cmp(&(b.tier, &b.name)));
    out
}

/// The waivers (newest checkpoint) and acknowledgements ending between `today` and
/// [`HORIZON_DAYS`] later, both included.
fn expiring(newest: Option<&Checkpoint>, acks: &[Ack], today: Date) -> Vec<Expiring> {
    let horizon = today.checked_add(HORIZON_DAYS.days()).unwrap_or(today);
    let soon = |d: Date| today <= d && d <= horizon;
    let mut out = Vec::new();
    for (key, e) in newest.map(|cp| &cp.repositories).into_iter().flatten() {
        for w in e.record.waivers.iter().flatten() {
            let Ok(expires) = w.expires.parse::<Date>() else {
                continue;
            };
            if soon(expires) {
                out.push(Expiring {
                    expires,
                    what: "waiver",
                    scope: key.clone(),
                    rule: Some(w.rule.clone()),
                    path: Some(w.path.clone()),
                    owner: w.owner.clone(),
                    reason: w.reason.clone(),
                });
            }
        }
    }
    for a in acks.iter().filter(|a| soon(a.expires)) {
        out.push(Expiring {
            expires: a.expires,
            what: "acknowledgement",
            scope: a.repository.clone(),
            rule: a.rule.clone(),
            path: a.path.clone(),
            owner: a.approved_by.clone(),
            reason: a.reason.clone(),
        });
    }
    out.sort();
    out.dedup();
    out
}
