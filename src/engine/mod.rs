//! Plan and evaluate: which rule runs on which subject, served from the cache or run.
//!
//! [`check`] takes a [`Snapshot`] and a [`Config`] and returns an [`Outcome`]:
//! 1. [`plan`]: classify each subject by name (in parallel), keep those some enabled rule
//!    reads and the config selects; set aside kustomize patches; tag Helm chart templates;
//! 2. content ids: the git blob id from the index, else read the file and compute it (in
//!    parallel);
//! 3. keys: one per cache unit of each file (a structured rule, the text rules together,
//!    the file policies), grouped by directory; look them up in one read transaction: a
//!    directory whose group entry exists costs one lookup, other keys one each;
//! 4. [`evaluate`] the misses in parallel: parse once per file, run its rules, mark inline
//!    suppressions; store new results and groups in one write transaction;
//! 5. collect the results with the configured severities, run the repository-level rules
//!    and policies once; sort.

mod evaluate;
mod outcome;
mod plan;

use std::collections::HashMap;
use std::ops::Range;

use rayon::prelude::*;

use crate::cache::{group_key, Cache, Cached};
use crate::config::Config;
use crate::finding::{Finding, InputError, RawFinding, Skipped, Suppressed};
use crate::path::RepoPath;
use crate::policy::PolicySet;
use crate::rules::{self, adr, Check, Ctx, RepoSchema, Rule, RuleSet};
use crate::source::Snapshot;

pub use outcome::Outcome;
use plan::{Planned, Read, Shapes, Unit, UnitIds};

/// Runs every enabled rule on `snapshot` under `config`. `schema` is the metadata schema in
/// force. The cache is read and written but never changes the outcome.
pub fn check(
    snapshot: &Snapshot,
    config: &Config,
    schema: &RepoSchema,
    policies: &PolicySet,
    cache: &mut Cache,
) -> Outcome {
    let mut out = Outcome::default();
    let enabled: Vec<&'static Rule> = rules::ALL
        .iter()
        .copied()
        .filter(|r| config.rule(r).enabled)
        .collect();
    let adr_dirs = adr::dirs(Some(&config.rule(&adr::format::RULE).options));
    let schema_hash = *blake3::hash(schema.schema.to_string().as_bytes()).as_bytes();
    let config_hash = |r: &Rule| -> [u8; 32] {
        let base = config.rule(r).hash;
        if matches!(r.check, Check::Metadata(_)) {
            let mut h = blake3::Hasher::new();
            h.update(&base);
            h.update(&schema_hash);
            *h.finalize().as_bytes()
        } else {
            base
        }
    };

    // 1. Plan.
    let shapes = Shapes::new(&enabled);
    let (mut planned, skipped) = plan::plan(snapshot, config, &shapes, policies, &adr_dirs);
    out.skipped = skipped;
    crate::trace::phase(|| {
        format!(
            "plan: {} of {} subjects",
            planned.len(),
            snapshot.subjects.len()
        )
    });

    // 2. Content ids: blobs carry theirs; files on disk are read and hashed as git would.
    let read_one = |repo: &mut Option<gix::Repository>, p: &mut Planned| match Snapshot::read(
        repo.as_ref(),
        &snapshot.subjects[p.subject].content,
    )
    .and_then(|bytes| Ok((crate::source::content_id(&bytes)?, bytes)))
    {
        Ok((id, bytes)) => {
            p.id = Some(id);
            p.read = Some(Box::new(Read::Bytes(bytes)));
        }
        Err(e) => p.read = Some(Box::new(Read::Failed(format!("cannot read: {e}")))),
    };
    planned
        .par_iter_mut()
        .filter(|p| p.id.is_none())
        .for_each_init(
            || snapshot.repo.as_ref().map(|r| r.to_thread_local()),
            |repo, p| read_one(repo, p),
        );
    crate::trace::phase(|| "content ids".into());

    // 3. Keys, grouped by directory, and one lookup for them all.
    let ids = UnitIds::new(&enabled, &config_hash, policies);
    let mut next = 0;
    for p in planned.iter_mut() {
        p.first_key = next;
        if p.id.is_some() {
            next += shapes.get(p.shape).units.len();
        }
    }
    let ids = &ids;
    let keys: Vec<[u8; 32]> = planned
        .par_iter()
        .flat_map_iter(|p| {
            let shape = shapes.get(p.shape);
            let n = if p.id.is_some() { shape.units.len() } else { 0 };
            shape.units[..n]
                .iter()
                .map(move |u| ids.key(shape, u, p.context(), p.id.as_ref().expect("n > 0")))
        })
        .collect();
    let groups = directory_groups(snapshot, &planned, &shapes);
    let group_keys: Vec<([u8; 32], Range<usize>)> = groups
        .par_iter()
        .map(|r| (group_key(&keys[r.clone()]), r.clone()))
        .collect();
    let (mut values, group_hits) = cache.lookup(&keys, &group_keys);
    out.cache_hits = planned
        .iter()
        .filter(|p| p.id.is_some())
        .map(|p| {
            let shape = shapes.get(p.shape);
            (0..shape.units.len())
                .filter(|u| values[p.first_key + u].is_some())
                .map(|u| shape.unit_sizes[u])
                .sum::<usize>()
        })
        .sum();
    crate::trace::phase(|| {
        format!(
            "cache lookups: {} keys in {} directory groups ({} served whole)",
            keys.len(),
            groups.len(),
            group_hits.iter().filter(|h| **h).count()
        )
    });

    // 4. Evaluate what the cache did not have, writing each file's results into its own
    // slots of `values` (no per-file result lists), then queue the new ones for the cache.
    let missing: Vec<bool> = values.iter().map(Option::is_none).collect();
    let mut slots: Vec<&mut [Option<Cached>]> = Vec::with_capacity(planned.len());
    let mut rest: &mut [Option<Cached>] = &mut values;
    for p in &planned {
        let n = if p.id.is_some() {
            shapes.get(p.shape).units.len()
        } else {
            0
        };
        let (mine, others) = std::mem::take(&mut rest).split_at_mut(n);
        slots.push(mine);
        rest = others;
    }
    let errors: Vec<InputError> = planned
        .par_iter_mut()
        .zip(slots.par_iter_mut())
        .filter(|(p, slots)| p.read_error().is_none() && slots.iter().any(Option::is_none))
        .map_init(
            || snapshot.repo.as_ref().map(|r| r.to_thread_local()),
            |repo, (p, slots)| {
                if p.read.is_none() {
                    read_one(repo, p);
                }
                // Without bytes the read error is reported in step 5.
                let bytes = p.take_bytes()?;
                let shape = shapes.get(p.shape);
                let with_policies = shape.units.contains(&Unit::Policy).then_some(policies);
                let (by_rule, policy, error) = evaluate::evaluate(
                    shape.kind,
                    p.context(),
                    &snapshot.subjects[p.subject].path,
                    &bytes,
                    &shape.rules,
                    config,
                    schema,
                    with_policies,
                );
                for (slot, unit) in slots.iter_mut().zip(&shape.units) {
                    if slot.is_some() {
                        continue;
                    }
                    *slot = match unit {
                        Unit::One(i) => by_rule[*i].clone(),
                        Unit::Text(ixs) => ixs
                            .iter()
                            .map(|&i| match &by_rule[i] {
                                Some(Cached::Findings(fs)) => Some(fs.clone()),
                                _ => None,
                            })
                            .collect::<Option<Vec<_>>>()
                            .map(|v| Cached::Findings(v.concat())),
                        Unit::Policy => policy.clone(),
                    };
                }
                error
            },
        )
        .flatten()
        .collect();
    drop(slots);
    out.errors.extend(errors);
    for (i, value) in values.iter().enumerate() {
        if let (true, Some(value)) = (missing[i], value) {
            cache.put_result(keys[i], value);
        }
    }
    for ((key, range), hit) in group_keys.iter().zip(&group_hits) {
        if !hit {
            if let Some(all) = values[range.clone()]
                .iter()
                .map(Option::as_ref)
                .collect::<Option<Vec<&Cached>>>()
            {
                cache.put_group(*key, &all);
            }
        }
    }
    crate::trace::phase(|| "evaluated the misses".into());
    cache.commit();
    crate::trace::phase(|| "cache written".into());

    // 5. Collect file results, then repository rules.
    for p in &planned {
        let path = &snapshot.subjects[p.subject].path;
        if let Some(e) = p.read_error() {
            out.errors.push(InputError {
                path: path.clone(),
                line: None,
                message: e.to_string(),
            });
            continue;
        }
        let shape = shapes.get(p.shape);
        let n = if p.id.is_some() { shape.units.len() } else { 0 };
        let results = &values[p.first_key..p.first_key + n];
        if results.iter().all(Option::is_none) {
            continue;
        }
        let mut skipped = None;
        let mut ran = RuleSet::default();
        for (u, result) in results.iter().enumerate() {
            match result {
                Some(Cached::Findings(fs)) => {
                    ran = ran.union(shape.unit_rules[u]);
                    collect(&mut out, config, path, fs);
                }
                // A rule's reason wins over the policies' (they come from the same parse).
                Some(Cached::Skipped(reason))
                    if skipped.is_none() || shape.units[u] != Unit::Policy =>
                {
                    skipped = Some(reason.clone());
                }
                Some(Cached::Skipped(_)) => {}
                None => {}
            }
        }
        if !ran.is_empty() {
            out.evaluated.push((path.clone(), ran));
        }
        match skipped {
            Some(reason) => out.skipped.push(Skipped {
                path: path.clone(),
                reason,
            }),
            None => out.files_checked += 1,
        }
    }
    drop(planned);
    crate::trace::phase(|| "file results collected".into());
    for rule in enabled.iter().filter(|r| matches!(r.check, Check::Repo(_))) {
        let Check::Repo(f) = rule.check else { continue };
        let ctx = Ctx {
            options: &config.rule(rule).options,
            repo_schema: schema,
        };
        out.evaluated
            .push((RepoPath::from_bytes("."), RuleSet::of(rule)));
        for (path, raw) in f(snapshot.view.as_ref(), &ctx) {
            collect(&mut out, config, &path, std::slice::from_ref(&raw));
        }
    }
    if policies.has_repo_rules() {
        evaluate::repository_policies(&mut out, snapshot, config, policies, &adr_dirs);
    }
    crate::trace::phase(|| "repository rules and policies run".into());

    out.sort();
    out
}

/// Groups the keys of the planned files by directory: each run of consecutive files (in
/// path order) with the same parent directory is one group, given as its range of keys.
/// Files without keys (unreadable) break no group; groups without keys are left out.
fn directory_groups(
    snapshot: &Snapshot,
    planned: &[Planned],
    shapes: &Shapes,
) -> Vec<Range<usize>> {
    let mut groups: Vec<Range<usize>> = Vec::new();
    let mut parent: Option<&[u8]> = None;
    for p in planned.iter().filter(|p| p.id.is_some()) {
        let n = shapes.get(p.shape).units.len();
        let dir = snapshot.subjects[p.subject].path.parent();
        match groups.last_mut() {
            Some(g) if parent == Some(dir) && g.end == p.first_key => g.end += n,
            _ => {
                groups.push(p.first_key..p.first_key + n);
                parent = Some(dir);
            }
        }
    }
    groups.retain(|g| !g.is_empty());
    groups
}

/// Adds a rule's raw findings for `path` to `out`: suppressed ones to the suppressed list,
/// the others as findings with the severity `config` gives the rule.
pub fn collect(out: &mut Outcome, config: &Config, path: &RepoPath, raws: &[RawFinding]) {
    for f in raws {
        match &f.suppressed {
            Some(reason) => out.suppressed.push(Suppressed {
                rule: f.rule.clone(),
                path: path.clone(),
                line: f.line,
                reason: reason.clone(),
            }),
            None => out.findings.push(Finding {
                severity: config
                    .rules
                    .get(f.rule.as_str())
                    .map(|r| r.severity)
                    .or(f.severity)
                    .unwrap_or(crate::Severity::Error),
                rule: f.rule.clone(),
                path: path.clone(),
                line: f.line,
                column: f.column,
                message: f.message.clone(),
                help: f.help.clone(),
                fingerprint: f.fingerprint.clone(),
            }),
        }
    }
}

/// Per-rule counts of findings, for summaries: rule id → (violations, warnings).
pub fn by_rule(findings: &[Finding]) -> HashMap<&str, (usize, usize)> {
    let mut m: HashMap<&str, (usize, usize)> = HashMap::new();
    for f in findings {
        let e = m.entry(f.rule.as_str()).or_default();
        match f.severity {
            crate::Severity::Error => e.0 += 1,
            crate::Severity::Warning => e.1 += 1,
        }
    }
    m
}

/// Runs every enabled rule that `pick` selects (by its [`Check`]) on `input`, in rule
/// order, with each rule's findings.
fn run_on<T: ?Sized>(
    input: &T,
    config: &Config,
    schema: &RepoSchema,
    pick: impl Fn(&Check) -> Option<fn(&T, &Ctx) -> Vec<RawFinding>>,
) -> Vec<(&'static Rule, Vec<RawFinding>)> {
    rules::ALL
        .iter()
        .copied()
        .filter(|r| config.rule(r).enabled)
        .filter_map(|r| {
            let f = pick(&r.check)?;
            let ctx = Ctx {
                options: &config.rule(r).options,
                repo_schema: schema,
            };
            Some((r, f(input, &ctx)))
        })
        .collect()
}

/// Runs the enabled commit-message rules on `msg`, in rule order, with each rule's findings.
pub fn message_findings(
    msg: &crate::message::Message,
    config: &Config,
    schema: &RepoSchema,
) -> Vec<(&'static Rule, Vec<RawFinding>)> {
    run_on(msg, config, schema, |c| match c {
        Check::CommitMessage(f) => Some(*f),
        _ => None,
    })
}

/// Runs the enabled branch rules on `branch` (without `refs/heads/`), in rule order, with
/// each rule's findings.
pub fn branch_findings(
    branch: &str,
    config: &Config,
    schema: &RepoSchema,
) -> Vec<(&'static Rule, Vec<RawFinding>)> {
    run_on(branch, config, schema, |c| match c {
        Check::Branch(f) => Some(*f),
        _ => None,
    })
}
