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
//! 5. collect the results with the configured severities; the repository-level rules and
//!    policies, from the cache when nothing they read changed ([`repository`]); sort.

mod evaluate;
pub(crate) use evaluate::{quoted_values, scalar_lines};
mod outcome;
mod plan;
mod repository;

pub use repository::RepositoryResult;

use std::collections::{HashMap, HashSet};
use std::ops::Range;

use rayon::prelude::*;

use crate::cache::{group_key, Cache, Cached};
use crate::config::Config;
use crate::finding::{Finding, InputError, RawFinding, Skipped, Suppressed};
use crate::kinds::FileKind;
use crate::path::RepoPath;
use crate::policy::PolicySet;
use crate::rules::secrets::redact::redact;
use crate::rules::{self, adr, Check, Ctx, RepoSchema, Rule, RuleSet};
use crate::session::Scope;
use crate::source::Snapshot;

pub use outcome::Outcome;
use plan::{Planned, Read, Shapes, Unit, UnitIds};

/// Runs the enabled rules of `scope` on `snapshot` under `config`. `schema` is the
/// metadata schema in force. The cache is read and written but never changes the outcome.
pub fn check(
    snapshot: &Snapshot,
    config: &Config,
    schema: &RepoSchema,
    policies: &PolicySet,
    cache: &mut Cache,
    scope: Scope,
) -> Outcome {
    let run = Run::new(snapshot, config, schema, policies);
    crate::trace::phase(|| "run prepared".into());
    let mut out = Outcome::default();
    // 1. Plan.
    let (mut planned, skipped) = if scope == Scope::Repository {
        (Vec::new(), Vec::new())
    } else {
        plan::plan(snapshot, config, &run.shapes, policies, &run.adr_dirs)
    };
    out.skipped = skipped;
    crate::trace::phase(|| {
        format!(
            "plan: {} of {} subjects",
            planned.len(),
            snapshot.subjects.len()
        )
    });
    // 2. Content ids.
    run.content_ids(&mut planned, cache);
    // 3. Keys and one lookup for them all.
    let keys = run.keys(&mut planned);
    let groups: Vec<([u8; 32], Range<usize>)> = directory_groups(snapshot, &planned, &run.shapes)
        .into_par_iter()
        .map(|r| (group_key(&keys[r.clone()]), r))
        .collect();
    let (mut values, group_hits) = cache.lookup(&keys, &groups);
    out.cache_hits = run.cache_hits(&planned, &values);
    crate::trace::phase(|| {
        format!(
            "cache lookups: {} keys in {} directory groups ({} served whole)",
            keys.len(),
            groups.len(),
            group_hits.iter().filter(|h| **h).count()
        )
    });
    // 4. Evaluate the misses and store them.
    let missing: Vec<bool> = values.iter().map(Option::is_none).collect();
    out.errors
        .extend(run.evaluate_misses(&mut planned, &mut values));
    store(cache, &keys, &missing, &values, &groups, &group_hits);
    // 5. Collect.
    run.collect_files(&mut out, &planned, &values);
    run.kustomizations(&mut out, &planned);
    let known = run.file_ids(&planned);
    drop(planned);
    crate::trace::phase(|| "file results collected".into());
    if scope != Scope::Files {
        run.repository_rules(&mut out, cache, &known);
    }
    cache.commit();
    crate::trace::phase(|| "cache written".into());
    out.components = run.components.clone();
    out.sort();
    out
}

/// What every step of one [`check`] shares.
struct Run<'a> {
    snapshot: &'a Snapshot,
    config: &'a Config,
    schema: &'a RepoSchema,
    policies: &'a PolicySet,
    /// The enabled rules, in registry order.
    enabled: Vec<&'static Rule>,
    shapes: Shapes,
    adr_dirs: Vec<String>,
    /// The monorepo components (none for a repository judged as one whole).
    components: crate::components::Components,
}

impl<'a> Run<'a> {
    fn new(
        snapshot: &'a Snapshot,
        config: &'a Config,
        schema: &'a RepoSchema,
        policies: &'a PolicySet,
    ) -> Run<'a> {
        let enabled: Vec<&'static Rule> = rules::ALL
            .iter()
            .copied()
            .filter(|r| config.rule(r).enabled)
            .collect();
        let components = snapshot.components(&|p| config.path_selected(p));
        // A component keeps its ADRs where a repository does, under its own directory.
        let root_dirs = adr::dirs_in(config);
        let mut adr_dirs = root_dirs.clone();
        for c in components.dirs() {
            adr_dirs.extend(root_dirs.iter().map(|d| format!("{c}/{d}")));
        }
        Run {
            snapshot,
            config,
            schema,
            policies,
            shapes: Shapes::new(&enabled),
            enabled,
            adr_dirs,
            components,
        }
    }

    /// The number of cache units of a planned file (none without a content id).
    fn units(&self, p: &Planned) -> usize {
        if p.id.is_some() {
            self.shapes.get(p.shape).units.len()
        } else {
            0
        }
    }

    /// Reads a planned file and computes its content id as git would.
    fn read_one(&self, reader: &crate::source::Reader, p: &mut Planned) {
        let content = &self.snapshot.subjects[p.subject].content;
        if let crate::source::Content::File(path, _) = content {
            // A FIFO or a device would block or never end: it is not opened.
            if std::fs::metadata(path).is_ok_and(|m| !m.is_file()) {
                p.read = Some(Box::new(Read::PassedOver(
                    "not a regular file (a FIFO, socket or device); not opened".into(),
                )));
                return;
            }
        }
        match reader
            .read_subject(&self.snapshot.subjects[p.subject])
            .and_then(|bytes| Ok((crate::source::content_id(&bytes)?, bytes)))
        {
            Ok((id, bytes)) => {
                p.id = Some(id);
                p.read = Some(Box::new(Read::Bytes(bytes)));
            }
            Err(e) => p.read = Some(Box::new(Read::Failed(format!("cannot read: {e}")))),
        }
    }

    /// The content ids step 2 learned for files on disk, by subject (empty when there are
    /// none: blobs carry theirs).
    fn file_ids(&self, planned: &[Planned]) -> Vec<Option<gix::ObjectId>> {
        let subjects = &self.snapshot.subjects;
        let on_disk = |p: &&Planned| {
            matches!(
                subjects[p.subject].content,
                crate::source::Content::File(..)
            )
        };
        if !planned.iter().filter(on_disk).any(|p| p.id.is_some()) {
            return Vec::new();
        }
        let mut ids = vec![None; subjects.len()];
        for p in planned.iter().filter(on_disk) {
            ids[p.subject] = p.id;
        }
        ids
    }

    /// Step 2: blobs carry their content ids; a file on disk whose stat data matches its
    /// stamp in the cache takes the id recorded there; the others are read and hashed (in
    /// parallel), and stamped when they have settled (see [`crate::cache::FileStamp`]).
    fn content_ids(&self, planned: &mut [Planned], cache: &mut Cache) {
        let paths: Vec<Option<crate::cache::ToStamp>> = planned
            .iter()
            .map(|p| match &self.snapshot.subjects[p.subject].content {
                crate::source::Content::File(path, stamp) if p.id.is_none() => {
                    Some((path.as_path(), *stamp))
                }
                _ => None,
            })
            .collect();
        let stamps = crate::cache::stamps_of(&paths);
        let mut ids = cache.known_ids(&stamps);
        let known = ids.iter().flatten().count();
        let indexed = crate::source::enclosing::fill(
            self.snapshot.enclosing.as_ref(),
            &mut ids,
            &stamps,
            |i| &self.snapshot.subjects[planned[i].subject].path,
        );
        for (p, id) in planned.iter_mut().zip(ids) {
            if id.is_some() {
                p.id = id;
            }
        }
        planned
            .par_iter_mut()
            .filter(|p| p.id.is_none())
            .for_each_init(
                || self.snapshot.reader(),
                |reader, p| self.read_one(reader, p),
            );
        cache.stamp_read(planned.iter().zip(&stamps).filter_map(|(p, s)| {
            match (s, &p.id, p.read.as_deref()) {
                (Some(s), Some(id), Some(Read::Bytes(_))) => Some((s, id)),
                _ => None,
            }
        }));
        crate::trace::phase(|| {
            format!("content ids ({known} files known by their stamps, {indexed} by an enclosing index)")
        });
    }

    /// The hash of a rule's effective configuration; rules that read a parsed file add the
    /// size limits (a file over its limit is an input error), metadata rules the schema's.
    fn config_hash(&self, r: &Rule, schema_hash: &[u8; 32]) -> [u8; 32] {
        let base = self.config.rule(r).hash;
        if matches!(r.check, Check::Text(_)) {
            return base;
        }
        let mut h = blake3::Hasher::new();
        h.update(&base);
        h.update(&self.config.limits.hash());
        if matches!(r.check, Check::Metadata(_)) {
            h.update(schema_hash);
        }
        *h.finalize().as_bytes()
    }

    /// Step 3: every planned file's keys, in plan order; sets each file's `first_key`.
    fn keys(&self, planned: &mut [Planned]) -> Vec<[u8; 32]> {
        let schema_hash = *blake3::hash(self.schema.schema.to_string().as_bytes()).as_bytes();
        let config_hash = |r: &Rule| self.config_hash(r, &schema_hash);
        let ids = UnitIds::new(
            &self.enabled,
            &config_hash,
            self.policies,
            &self.config.limits,
        );
        let mut next = 0;
        for p in planned.iter_mut() {
            p.first_key = next;
            next += self.units(p);
        }
        let (ids, shapes) = (&ids, &self.shapes);
        planned
            .par_iter()
            .flat_map_iter(|p| {
                let shape = shapes.get(p.shape);
                shape.units[..self.units(p)]
                    .iter()
                    .map(move |u| ids.key(shape, u, p.context(), p.id.as_ref().expect("units > 0")))
            })
            .collect()
    }

    /// The rule results the cache served.
    fn cache_hits(&self, planned: &[Planned], values: &[Option<Cached>]) -> usize {
        planned
            .iter()
            .map(|p| {
                let shape = self.shapes.get(p.shape);
                (0..self.units(p))
                    .filter(|u| values[p.first_key + u].is_some())
                    .map(|u| shape.unit_sizes[u])
                    .sum::<usize>()
            })
            .sum()
    }

    /// Step 4: evaluates, in parallel, every file with a result the cache did not have,
    /// writing into its own slots of `values`. Returns the files that could not be parsed.
    fn evaluate_misses(
        &self,
        planned: &mut [Planned],
        values: &mut [Option<Cached>],
    ) -> Vec<InputError> {
        let mut slots: Vec<&mut [Option<Cached>]> = Vec::with_capacity(planned.len());
        let mut rest: &mut [Option<Cached>] = values;
        for p in planned.iter() {
            let (mine, others) = std::mem::take(&mut rest).split_at_mut(self.units(p));
            slots.push(mine);
            rest = others;
        }
        planned
            .par_iter_mut()
            .zip(slots.par_iter_mut())
            .filter(|(p, slots)| p.read_error().is_none() && slots.iter().any(Option::is_none))
            .map_init(
                || self.snapshot.reader(),
                |reader, (p, slots)| self.evaluate_one(reader, p, slots),
            )
            .flatten()
            .collect()
    }

    /// Evaluates one file and fills its empty slots; `None` without bytes (the read error
    /// is reported when collecting).
    fn evaluate_one(
        &self,
        reader: &crate::source::Reader,
        p: &mut Planned,
        slots: &mut [Option<Cached>],
    ) -> Option<InputError> {
        if p.read.is_none() {
            self.read_one(reader, p);
        }
        let bytes = p.take_bytes()?;
        let shape = self.shapes.get(p.shape);
        let with_policies = shape.units.contains(&Unit::Policy).then_some(self.policies);
        let (by_rule, policy, error) = evaluate::evaluate(
            shape.kind,
            p.context(),
            &self.snapshot.subjects[p.subject].path,
            &bytes,
            &shape.rules,
            self.config,
            self.schema,
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
    }

    /// Step 5: each planned file's results with the configured severities, its evaluated
    /// rules, or the reason it was skipped or could not be read.
    fn collect_files(&self, out: &mut Outcome, planned: &[Planned], values: &[Option<Cached>]) {
        for p in planned {
            let path = &self.snapshot.subjects[p.subject].path;
            if let Some(why) = p.passed_over() {
                out.skipped.push(Skipped {
                    path: path.clone(),
                    reason: why.to_string(),
                });
                continue;
            }
            if let Some(e) = p.read_error() {
                out.errors.push(InputError {
                    path: path.clone(),
                    line: None,
                    message: e.to_string(),
                });
                continue;
            }
            let shape = self.shapes.get(p.shape);
            let results = &values[p.first_key..p.first_key + self.units(p)];
            if results.iter().all(Option::is_none) {
                continue;
            }
            let mut skipped = None;
            let mut ran = RuleSet::default();
            for (u, result) in results.iter().enumerate() {
                match result {
                    Some(Cached::Findings(fs)) => {
                        ran = ran.union(shape.unit_rules[u]);
                        collect(out, self.config, path, fs);
                    }
                    // A rule's reason wins over the policies' (they come from the same parse).
                    Some(Cached::Skipped(reason))
                        if skipped.is_none() || shape.units[u] != Unit::Policy =>
                    {
                        skipped = Some(reason.clone());
                    }
                    Some(Cached::Skipped(_) | Cached::Repository(_)) | None => {}
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
    }

    /// The repository-level rules and policies, once per run.
    /// Step 5, for kustomize: judges each top-level kustomization as it deploys (see
    /// [`crate::kustomize`]). On the resource files a kustomization renders, its findings
    /// replace the file-by-file findings of the manifest rules (`yaml.duplicate-key`, about
    /// how a file is written, stays file by file); only files this run checks get findings.
    fn kustomizations(&self, out: &mut Outcome, planned: &[Planned]) {
        let manifest = |p: &Planned| self.shapes.get(p.shape).kind == Some(FileKind::Manifest);
        let rules: Vec<(&Rule, Ctx)> = self
            .enabled
            .iter()
            .filter(|r| {
                matches!(r.check, Check::Manifest(_)) && r.id != rules::yaml::duplicate_key::RULE.id
            })
            .map(|r| {
                let ctx = Ctx {
                    options: &self.config.rule(r).options,
                    repo_schema: self.schema,
                };
                (*r, ctx)
            })
            .collect();
        if rules.is_empty() || !planned.iter().any(manifest) {
            return;
        }
        let judged = crate::kustomize::judge::judge(self.snapshot.view.as_ref(), &rules);
        if judged.covered.is_empty() && judged.skipped.is_empty() {
            return;
        }
        let checked: HashSet<&RepoPath> = planned
            .iter()
            .map(|p| &self.snapshot.subjects[p.subject].path)
            .collect();
        let rendered = |path: &RepoPath, rule: &str| {
            judged.covered.contains(path) && rules.iter().any(|(r, _)| r.id.as_str() == rule)
        };
        out.findings.retain(|f| !rendered(&f.path, &f.rule));
        out.suppressed.retain(|s| !rendered(&s.path, &s.rule));
        for (path, raw) in &judged.findings {
            if checked.contains(path) {
                collect(out, self.config, path, std::slice::from_ref(raw));
            }
        }
        out.skipped.extend(
            judged
                .skipped
                .into_iter()
                .filter(|s| checked.contains(&s.path)),
        );
        crate::trace::phase(|| "kustomizations rendered and judged".into());
    }

    fn ctx(&self, rule: &Rule) -> Ctx<'a> {
        Ctx {
            options: &self.config.rule(rule).options,
            repo_schema: self.schema,
        }
    }
}

/// A repository rule's finding said of component `dir`: "this repository" becomes "the
/// component <dir>", and an ADR finding's help names where the component's ADRs go (its
/// own directory, or the repository's for platform-wide decisions).
fn component_words(mut raw: RawFinding, dir: &str, path: &RepoPath) -> RawFinding {
    raw.message = raw
        .message
        .replacen("this repository", &format!("the component {dir}"), 1);
    if raw.rule == rules::adr::present::RULE.id.as_str() {
        let own = path.display();
        let root = own
            .strip_prefix(&format!("{dir}/"))
            .unwrap_or(&own)
            .to_string();
        raw.help = format!(
            "Record the component's first decision as {own}/0001-<title>.md (sections Status, \
             Context, Decision, Consequences), or keep platform-wide decisions in the \
             repository's {root}/, which count for every component."
        );
    }
    raw
}

/// Queues the new results and the groups now whole for the cache (written with the
/// repository-level results, in one transaction, at the end of [`check`]).
fn store(
    cache: &mut Cache,
    keys: &[[u8; 32]],
    missing: &[bool],
    values: &[Option<Cached>],
    groups: &[([u8; 32], Range<usize>)],
    group_hits: &[bool],
) {
    for (i, value) in values.iter().enumerate() {
        if let (true, Some(value)) = (missing[i], value) {
            cache.put_result(keys[i], value);
        }
    }
    for ((key, range), hit) in groups.iter().zip(group_hits) {
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
                // No rule prints a secret: a token in an image name, an owner or a commit
                // subject is `secrets.*`'s to report.
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
                message: redact(&f.message).into_owned(),
                help: redact(&f.help).into_owned(),
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
