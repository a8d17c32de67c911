//! Plan and evaluate: which rule runs on which subject, served from the cache or run.
//!
//! [`check`] takes a [`Snapshot`] and a [`Config`] and returns an [`Outcome`]:
//! 1. plan: classify each subject by name, keep those some enabled rule reads and the
//!    config selects; set aside kustomize patches; tag Helm chart templates;
//! 2. hash: content blake3 from the blob-id table, else read and hash (in parallel);
//! 3. look up every (rule, config, context, content) key in one read transaction (a file's
//!    text rules share one key, so scanning every file for secrets costs one lookup each);
//! 4. evaluate the misses in parallel: parse once per file, run the missing rules, mark
//!    inline suppressions; store the results in one write transaction;
//! 5. run the repository-level rules once; apply severities; sort.

use std::collections::{HashMap, HashSet};

use rayon::prelude::*;
use serde_json::Value;

use crate::cache::{result_key, Cache, Cached};
use crate::config::Config;
use crate::dockerfile;
use crate::finding::{Finding, InputError, RawFinding, Skipped, Suppressed, Waived};
use crate::path::RepoPath;
use crate::policy::PolicySet;
use crate::rules::{self, adr, Check, Ctx, FileKind, RepoSchema, RepoView, Rule};
use crate::source::{Content, Snapshot};
use crate::suppress;
use crate::yaml;

/// The result of a check run, before formatting.
#[derive(Debug, Default, Clone)]
pub struct Outcome {
    /// Findings that count, sorted by path, line, rule.
    pub findings: Vec<Finding>,
    /// Findings silenced inline, sorted the same way.
    pub suppressed: Vec<Suppressed>,
    /// Files that could not be read or parsed, sorted by path.
    pub errors: Vec<InputError>,
    /// Files passed over on purpose, sorted by path.
    pub skipped: Vec<Skipped>,
    /// Findings accepted by a waiver in force, sorted like findings.
    pub waived: Vec<Waived>,
    /// Every (path, rule) pair that was evaluated or served from the cache, sorted: the
    /// test cases of the JUnit report. Repository rules appear with the path ".".
    pub evaluated: Vec<(RepoPath, &'static str)>,
    /// Files that at least one rule read (from the cache or by running).
    pub files_checked: usize,
    /// Rule results served from the cache.
    pub cache_hits: usize,
    /// Commit messages checked (the commit-msg hook, `check --commits`, pre-push).
    pub commits_checked: usize,
    /// Branch names checked (pre-push).
    pub branches_checked: usize,
}

impl Outcome {
    /// Restores the report order: findings by path, line, rule; the other lists by path
    /// and line; duplicates removed.
    pub fn sort(&mut self) {
        self.findings
            .sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        self.findings.dedup();
        self.suppressed
            .sort_by(|a, b| (&a.path, a.line, &a.rule).cmp(&(&b.path, b.line, &b.rule)));
        self.waived
            .sort_by(|a, b| (&a.path, a.line, &a.rule).cmp(&(&b.path, b.line, &b.rule)));
        self.errors
            .sort_by(|a, b| (&a.path, a.line).cmp(&(&b.path, b.line)));
        self.errors.dedup();
        self.skipped.sort_by(|a, b| a.path.cmp(&b.path));
        self.skipped.dedup();
        self.evaluated.sort();
        self.evaluated.dedup();
    }

    /// Findings with severity error.
    pub fn violations(&self) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == crate::Severity::Error)
            .count()
    }

    /// Findings with severity warning.
    pub fn warnings(&self) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == crate::Severity::Warning)
            .count()
    }

    /// The exit code: 2 when some input could not be checked, 1 for violations (or warnings
    /// when `strict`), else 0.
    pub fn exit_code(&self, strict: bool) -> i32 {
        if !self.errors.is_empty() {
            2
        } else if self.violations() > 0 || (strict && self.warnings() > 0) {
            1
        } else {
            0
        }
    }
}

const HELM_CONTEXT: &str = "helm-chart-template";

struct Planned {
    subject: usize,
    kind: Option<FileKind>,
    rules: Vec<&'static Rule>,
    context: &'static str,
    hash: Option<[u8; 32]>,
    bytes: Option<Vec<u8>>,
    read_error: Option<String>,
    results: Vec<Option<Cached>>,
    /// Whether the Rego policies read this file.
    policy: bool,
    /// Their result, from the cache or evaluated.
    policy_result: Option<Cached>,
}

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
        .filter(|r| config.rule(r.id).enabled)
        .collect();
    let adr_dirs = adr::dirs(Some(&config.rule("adr.format").options));
    let schema_hash = *blake3::hash(schema.schema.to_string().as_bytes()).as_bytes();
    let config_hash = |r: &Rule| -> [u8; 32] {
        let base = config.rule(r.id).hash;
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
    let mut planned: Vec<Planned> = Vec::new();
    let mut patches: Option<HashSet<RepoPath>> = None;
    for (i, s) in snapshot.subjects.iter().enumerate() {
        let kind = rules::classify(&s.path, &adr_dirs);
        let display = s.path.display();
        if !config.path_selected(&display) {
            continue;
        }
        let text_rules = !config.secrets.path_allowed(&display);
        let mut rs: Vec<&'static Rule> = enabled
            .iter()
            .copied()
            .filter(|r| match r.check {
                Check::Text(_) => text_rules,
                _ => kind.is_some() && r.file_kind() == kind,
            })
            .collect();
        let mut policy = policies.has_file_rules()
            && (matches!(
                kind,
                Some(FileKind::Dockerfile | FileKind::Manifest | FileKind::Metadata)
            ) || (kind.is_none() && is_json(&s.path)));
        if rs.is_empty() && !policy {
            continue;
        }
        let mut context = "";
        if kind == Some(FileKind::Manifest) {
            let patches = patches.get_or_insert_with(|| kustomize_patches(snapshot.view.as_ref()));
            if patches.contains(&s.path) {
                out.skipped.push(Skipped {
                    path: s.path.clone(),
                    reason: "kustomize patch (listed in a kustomization), not a complete manifest"
                        .into(),
                });
                rs.retain(|r| matches!(r.check, Check::Text(_)));
                policy = false;
                if rs.is_empty() {
                    continue;
                }
            }
            if in_helm_templates(&s.path, snapshot.view.as_ref()) {
                context = HELM_CONTEXT;
            }
        }
        planned.push(Planned {
            subject: i,
            kind,
            rules: rs,
            context,
            hash: None,
            bytes: None,
            read_error: None,
            results: Vec::new(),
            policy,
            policy_result: None,
        });
    }

    // 2. Content hashes: the blob table first, then read what is unknown.
    let blob_ids: Vec<(usize, &[u8])> = planned
        .iter()
        .enumerate()
        .filter_map(|(pi, p)| match &snapshot.subjects[p.subject].content {
            Content::Blob(id) => Some((pi, id.as_bytes())),
            Content::File(_) => None,
        })
        .collect();
    let known = cache.blob_hashes(&blob_ids.iter().map(|(_, id)| *id).collect::<Vec<_>>());
    for ((pi, _), h) in blob_ids.iter().zip(known) {
        planned[*pi].hash = h;
    }
    let read_one = |repo: &mut Option<gix::Repository>, p: &mut Planned| match Snapshot::read(
        repo.as_ref(),
        &snapshot.subjects[p.subject].content,
    ) {
        Ok(bytes) => {
            p.hash = Some(*blake3::hash(&bytes).as_bytes());
            p.bytes = Some(bytes);
        }
        Err(e) => p.read_error = Some(format!("cannot read: {e}")),
    };
    planned
        .par_iter_mut()
        .filter(|p| p.hash.is_none())
        .for_each_init(
            || snapshot.repo.as_ref().map(|r| r.to_thread_local()),
            |repo, p| read_one(repo, p),
        );
    for p in &planned {
        if let (Content::Blob(id), Some(h), Some(_)) =
            (&snapshot.subjects[p.subject].content, p.hash, &p.bytes)
        {
            cache.put_blob(id.as_bytes(), h);
        }
    }

    // 3. Cache lookups, one transaction: one key per unit (a structured rule, or a
    // file's text rules together).
    let mut keys = Vec::new();
    for p in &planned {
        if let Some(h) = p.hash {
            for u in units(&p.rules) {
                keys.push(unit_key(&u, &p.rules, &config_hash, p.context, &h));
            }
            if p.policy {
                keys.push(policy_key(policies, p.context, &h));
            }
        }
    }
    let mut found = cache.results(&keys).into_iter();
    for p in planned.iter_mut() {
        if p.hash.is_some() {
            p.results = vec![None; p.rules.len()];
            for u in units(&p.rules) {
                let hit = found.next().flatten();
                match (&u, hit) {
                    (Unit::One(i), hit) => p.results[*i] = hit,
                    (Unit::Text(ixs), Some(Cached::Findings(fs))) => {
                        for &i in ixs {
                            let id = p.rules[i].id;
                            p.results[i] = Some(Cached::Findings(
                                fs.iter().filter(|f| f.rule == id).cloned().collect(),
                            ));
                        }
                    }
                    (Unit::Text(ixs), Some(other)) => {
                        for &i in ixs {
                            p.results[i] = Some(other.clone());
                        }
                    }
                    (Unit::Text(_), None) => {}
                }
            }
            if p.policy {
                p.policy_result = found.next().flatten();
            }
            out.cache_hits += p.results.iter().filter(|r| r.is_some()).count()
                + usize::from(p.policy_result.is_some());
        }
    }

    // 4. Evaluate what the cache did not have.
    type Evaluated = (Vec<Option<Cached>>, Option<Cached>, Option<InputError>);
    let evaluated: Vec<(usize, Evaluated)> = planned
        .par_iter_mut()
        .enumerate()
        .filter(|(_, p)| {
            p.read_error.is_none()
                && (p.results.iter().any(Option::is_none)
                    || (p.policy && p.policy_result.is_none()))
        })
        .map_init(
            || snapshot.repo.as_ref().map(|r| r.to_thread_local()),
            |repo, (pi, p)| {
                if p.bytes.is_none() {
                    read_one(repo, p);
                }
                let path = &snapshot.subjects[p.subject].path;
                let r = match (&p.bytes, &p.read_error) {
                    (Some(bytes), _) => {
                        let policies = (p.policy && p.policy_result.is_none()).then_some(policies);
                        evaluate(
                            p.kind, p.context, path, bytes, &p.rules, config, schema, policies,
                        )
                    }
                    (None, e) => (
                        Vec::new(),
                        None,
                        Some(InputError {
                            path: path.clone(),
                            line: 0,
                            message: e.clone().unwrap_or_default(),
                        }),
                    ),
                };
                (pi, r)
            },
        )
        .collect();
    for (pi, (results, policy_result, error)) in evaluated {
        let p = &mut planned[pi];
        if let Some(e) = error {
            out.errors.push(e);
        }
        let Some(h) = p.hash else { continue };
        if let Some(res) = policy_result {
            cache.put_result(policy_key(policies, p.context, &h), &res);
            p.policy_result = Some(res);
        }
        let before: Vec<bool> = p.results.iter().map(Option::is_some).collect();
        for (ri, res) in results.into_iter().enumerate() {
            if p.results[ri].is_none() {
                p.results[ri] = res;
            }
        }
        for u in units(&p.rules) {
            let key = unit_key(&u, &p.rules, &config_hash, p.context, &h);
            match u {
                Unit::One(i) => {
                    if let (false, Some(res)) = (before[i], &p.results[i]) {
                        cache.put_result(key, res);
                    }
                }
                Unit::Text(ixs) => {
                    if ixs.iter().any(|&i| before[i]) {
                        continue;
                    }
                    let all: Option<Vec<RawFinding>> = ixs
                        .iter()
                        .map(|&i| match &p.results[i] {
                            Some(Cached::Findings(fs)) => Some(fs.clone()),
                            _ => None,
                        })
                        .collect::<Option<Vec<_>>>()
                        .map(|v| v.concat());
                    if let Some(all) = all {
                        cache.put_result(key, &Cached::Findings(all));
                    }
                }
            }
        }
    }
    cache.commit();

    // 5. Collect file results, then repository rules.
    for p in &planned {
        let path = &snapshot.subjects[p.subject].path;
        if let Some(e) = &p.read_error {
            out.errors.push(InputError {
                path: path.clone(),
                line: 0,
                message: e.clone(),
            });
            continue;
        }
        if p.results.iter().all(Option::is_none) && p.policy_result.is_none() {
            continue;
        }
        let mut skipped = None;
        match &p.policy_result {
            Some(Cached::Findings(fs)) => collect(&mut out, config, path, fs),
            Some(Cached::Skipped(reason)) => skipped = Some(reason.clone()),
            None => {}
        }
        for (rule, res) in p.rules.iter().zip(&p.results) {
            match res {
                Some(Cached::Skipped(reason)) => skipped = Some(reason.clone()),
                Some(Cached::Findings(fs)) => {
                    out.evaluated.push((path.clone(), rule.id));
                    collect(&mut out, config, path, fs)
                }
                None => {}
            }
        }
        match skipped {
            Some(reason) => out.skipped.push(Skipped {
                path: path.clone(),
                reason,
            }),
            None => out.files_checked += 1,
        }
    }
    for rule in enabled.iter().filter(|r| matches!(r.check, Check::Repo(_))) {
        let Check::Repo(f) = rule.check else { continue };
        let ctx = Ctx {
            options: &config.rule(rule.id).options,
            repo_schema: schema,
        };
        out.evaluated.push((RepoPath::from_bytes("."), rule.id));
        for (path, raw) in f(snapshot.view.as_ref(), &ctx) {
            collect(&mut out, config, &path, std::slice::from_ref(&raw));
        }
    }
    if policies.has_repo_rules() {
        repository_policies(&mut out, snapshot, config, policies, &adr_dirs);
    }

    out.sort();
    out
}

/// A cache entry of a file: one structured rule, or all of the file's text rules together
/// (indexes into the file's rule list). Text rules read every file, so sharing one entry
/// keeps a warm run at one lookup per file for them.
enum Unit {
    One(usize),
    Text(Vec<usize>),
}

/// The cache units of a file's rules: each non-text rule alone, then the text rules as one.
fn units(rules: &[&'static Rule]) -> Vec<Unit> {
    let mut out = Vec::new();
    let mut text = Vec::new();
    for (i, r) in rules.iter().enumerate() {
        match r.check {
            Check::Text(_) => text.push(i),
            _ => out.push(Unit::One(i)),
        }
    }
    if !text.is_empty() {
        out.push(Unit::Text(text));
    }
    out
}

/// The result key of a unit. A text unit's key covers the id, version and options of each
/// of its rules, and no context (text rules read bytes only, so a Helm template's entry is
/// shared with the same bytes anywhere else).
fn unit_key(
    unit: &Unit,
    rules: &[&'static Rule],
    config_hash: &dyn Fn(&Rule) -> [u8; 32],
    context: &str,
    content: &[u8; 32],
) -> [u8; 32] {
    match unit {
        Unit::One(i) => {
            let r = rules[*i];
            result_key(r.id, r.version, &config_hash(r), context, content)
        }
        Unit::Text(ixs) => {
            let mut h = blake3::Hasher::new();
            for &i in ixs {
                let r = rules[i];
                h.update(r.id.as_bytes());
                h.update(&[0]);
                h.update(&r.version.to_le_bytes());
                h.update(&config_hash(r));
            }
            result_key("text-rules", 1, h.finalize().as_bytes(), "", content)
        }
    }
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

/// Whether the content looks binary (a NUL byte in the first 8000 bytes, as git decides).
pub fn is_binary(bytes: &[u8]) -> bool {
    bytes[..bytes.len().min(8000)].contains(&0)
}

/// Text rules skip files larger than this (bytes): generated bundles, data dumps.
pub const TEXT_RULES_MAX_BYTES: usize = 1 << 20;

/// Parses one file and runs `rules` on it. Results are in `rules` order; a rule has no
/// result (`None`) when the file could not be parsed for it, and the error says why. Text
/// rules (`secrets.*`) still run on a file whose structure is broken.
#[allow(clippy::too_many_arguments)]
fn evaluate(
    kind: Option<FileKind>,
    context: &str,
    path: &RepoPath,
    bytes: &[u8],
    rules: &[&'static Rule],
    config: &Config,
    schema: &RepoSchema,
    policies: Option<&PolicySet>,
) -> (Vec<Option<Cached>>, Option<Cached>, Option<InputError>) {
    let binary = is_binary(bytes);
    let text = String::from_utf8_lossy(bytes);
    let run_one = |r: &Rule, f: &dyn Fn(&Ctx) -> Vec<RawFinding>| -> Cached {
        let ctx = Ctx {
            options: &config.rule(r.id).options,
            repo_schema: schema,
        };
        let mut fs = f(&ctx);
        suppress::apply(&text, &mut fs);
        Cached::Findings(fs)
    };
    // The structured rules' input, parsed once.
    let parsed = if binary {
        Err(ParseFailure::Skip("binary file".into()))
    } else {
        parse(kind, context, &text)
    };
    let mut error = match &parsed {
        Err(ParseFailure::Error(line, message)) => Some(InputError {
            path: path.clone(),
            line: *line,
            message: message.clone(),
        }),
        _ => None,
    };
    let policy_result = policies.and_then(|set| match &parsed {
        Err(ParseFailure::Skip(reason)) => Some(Cached::Skipped(reason.clone())),
        Err(ParseFailure::Error(..)) => None,
        Ok(p) => match evaluate_policies(set, p, &text, is_json(path)) {
            Ok(mut fs) => {
                suppress::apply(&text, &mut fs);
                Some(Cached::Findings(fs))
            }
            Err(message) => {
                error.get_or_insert(InputError {
                    path: path.clone(),
                    line: 0,
                    message,
                });
                None
            }
        },
    });
    let results = rules
        .iter()
        .map(|r| match (&r.check, &parsed) {
            (Check::Text(f), _) => Some(if binary || bytes.len() > TEXT_RULES_MAX_BYTES {
                Cached::Findings(Vec::new())
            } else {
                run_one(r, &|ctx| f(&text, ctx))
            }),
            (_, Err(ParseFailure::Error(..))) => None,
            (_, Err(ParseFailure::Skip(reason))) => Some(Cached::Skipped(reason.clone())),
            (Check::Dockerfile(f), Ok(Parsed::Dockerfile(df))) => {
                Some(run_one(r, &|ctx| f(df, ctx)))
            }
            (Check::Manifest(f), Ok(Parsed::Manifest(docs))) => {
                Some(run_one(r, &|ctx| f(docs, ctx)))
            }
            (Check::Metadata(f), Ok(Parsed::Metadata(docs))) => {
                let doc = docs.first().filter(|d| !d.value.is_null());
                Some(run_one(r, &|ctx| f(doc, ctx)))
            }
            (Check::Adr(f), Ok(Parsed::Adr)) => Some(run_one(r, &|ctx| f(&text, ctx))),
            _ => Some(Cached::Findings(Vec::new())),
        })
        .collect();
    (results, policy_result, error)
}

/// Evaluates the policies on a parsed file: one input for a Dockerfile, one per YAML
/// document. Lines come from the policy or from the values a message quotes.
fn evaluate_policies(
    set: &PolicySet,
    parsed: &Parsed,
    text: &str,
    json: bool,
) -> Result<Vec<RawFinding>, String> {
    let reparsed;
    let docs: &[yaml::Document] = match parsed {
        Parsed::Dockerfile(df) => {
            let candidates: Vec<(String, u32)> = df
                .instructions
                .iter()
                .flat_map(|i| {
                    let mut c = vec![(i.args.clone(), i.line)];
                    c.extend(i.args.split_whitespace().map(|a| (a.to_string(), i.line)));
                    c.extend(i.json.iter().flatten().map(|a| (a.clone(), i.line)));
                    c
                })
                .collect();
            return set.evaluate(&crate::policy::input::dockerfile(df), false, &|m| {
                crate::policy::lines(&candidates, m)
            });
        }
        Parsed::Manifest(d) | Parsed::Metadata(d) => d,
        Parsed::NotManifest => {
            reparsed = yaml::parse_stream(text).unwrap_or_default();
            &reparsed
        }
        // JSON is YAML, so the YAML reader gives it a line map too.
        Parsed::Nothing if json => match yaml::parse_stream(text) {
            Ok(d) => {
                reparsed = d;
                &reparsed
            }
            Err(e) => return Err(format!("invalid JSON at line {}: {}", e.line, e.message)),
        },
        Parsed::Adr | Parsed::Nothing => return Ok(Vec::new()),
    };
    let mut out = Vec::new();
    for d in docs.iter().filter(|d| !d.value.is_null()) {
        let candidates = quoted_values(d);
        let start = d.start_line;
        out.extend(set.evaluate(&d.value, false, &|m| {
            crate::policy::lines(&candidates, m).or(Some(start))
        })?);
    }
    Ok(out)
}

/// The scalar values of a YAML document with their lines, for finding the line a policy
/// message quotes. The type tags (`kind`, `apiVersion`) are left out: they name every
/// object of their kind, so the name or the other quoted values say more about where the
/// problem is.
fn quoted_values(d: &yaml::Document) -> Vec<(String, u32)> {
    d.lines
        .iter()
        .filter(|(ptr, _)| !matches!(ptr.as_str(), "/kind" | "/apiVersion"))
        .filter_map(|(ptr, line)| match d.value.pointer(ptr)? {
            Value::String(s) => Some((s.clone(), *line)),
            Value::Number(n) => Some((n.to_string(), *line)),
            _ => None,
        })
        .collect()
}

/// Evaluates the `govern.repo` policies once on the repository document; findings name
/// `.meta/repo.yaml` (or "." without one) and the metadata line a message quotes.
fn repository_policies(
    out: &mut Outcome,
    snapshot: &Snapshot,
    config: &Config,
    policies: &PolicySet,
    adr_dirs: &[String],
) {
    let view = snapshot.view.as_ref();
    let (doc, meta) = crate::policy::input::repository(view, adr_dirs, &policies.repo_fields);
    let candidates = meta.as_ref().map(quoted_values).unwrap_or_default();
    let path = RepoPath::from_bytes(if meta.is_some() {
        rules::METADATA_PATH
    } else {
        "."
    });
    match policies.evaluate(&doc, true, &|m| crate::policy::lines(&candidates, m)) {
        Ok(fs) => collect(out, config, &path, &fs),
        Err(message) => out.errors.push(InputError {
            path,
            line: 0,
            message,
        }),
    }
}

/// Whether `path` names a JSON file (policies read those as inputs too).
fn is_json(path: &RepoPath) -> bool {
    path.file_name().to_ascii_lowercase().ends_with(b".json")
}

/// The cache key of a file's policy results: the policy set's hash, the context and the
/// content.
fn policy_key(set: &PolicySet, context: &str, content: &[u8; 32]) -> [u8; 32] {
    result_key("policies", 1, &set.hash, context, content)
}

/// A file parsed for the structured rules of its kind.
enum Parsed {
    Dockerfile(dockerfile::Dockerfile),
    Manifest(Vec<yaml::Document>),
    /// A YAML file without Kubernetes objects: the manifest rules find nothing.
    NotManifest,
    Metadata(Vec<yaml::Document>),
    Adr,
    /// No structured rule reads this file (text rules only).
    Nothing,
}

/// Why the structured rules of a file do not run.
enum ParseFailure {
    /// Passed over on purpose (binary, templated): the reason.
    Skip(String),
    /// The file is broken: (1-based line, message).
    Error(u32, String),
}

fn parse(kind: Option<FileKind>, context: &str, text: &str) -> Result<Parsed, ParseFailure> {
    let yaml_error = |e: yaml::SyntaxError| {
        ParseFailure::Error(
            e.line,
            format!("invalid YAML at column {}: {}", e.column, e.message),
        )
    };
    match kind {
        None => Ok(Parsed::Nothing),
        Some(FileKind::Dockerfile) => {
            dockerfile::parse(text)
                .map(Parsed::Dockerfile)
                .map_err(|e| {
                    ParseFailure::Error(e.line, format!("cannot read Dockerfile: {}", e.message))
                })
        }
        Some(FileKind::Manifest) => {
            if context == HELM_CONTEXT && text.contains("{{") {
                return Err(ParseFailure::Skip(
                    "Helm chart template, not a complete manifest".into(),
                ));
            }
            if !(text.contains("kind") && text.contains("apiVersion")) {
                return Ok(Parsed::NotManifest);
            }
            match yaml::parse_stream(text) {
                Ok(d) => Ok(Parsed::Manifest(d)),
                Err(_) if text.contains("{{") => Err(ParseFailure::Skip(
                    "templated YAML ({{ … }}), not a complete manifest".into(),
                )),
                Err(e) => Err(yaml_error(e)),
            }
        }
        Some(FileKind::Metadata) => yaml::parse_stream(text)
            .map(Parsed::Metadata)
            .map_err(yaml_error),
        Some(FileKind::Adr) => Ok(Parsed::Adr),
    }
}

/// Files that a kustomization lists as patches (`patches[].path`, `patchesStrategicMerge[]`,
/// `patchesJson6902[].path`), resolved to repo-relative paths.
fn kustomize_patches(view: &dyn RepoView) -> HashSet<RepoPath> {
    let mut out = HashSet::new();
    for k in view.named(&["kustomization.yaml", "kustomization.yml", "kustomization"]) {
        let Some(text) = view
            .read(k.as_bytes())
            .and_then(|b| String::from_utf8(b).ok())
        else {
            continue;
        };
        let Ok(docs) = yaml::parse_stream(&text) else {
            continue;
        };
        let dir = String::from_utf8_lossy(k.parent()).into_owned();
        for d in docs {
            let mut rels: Vec<String> = Vec::new();
            if let Some(list) = d
                .value
                .get("patchesStrategicMerge")
                .and_then(Value::as_array)
            {
                rels.extend(
                    list.iter()
                        .filter_map(Value::as_str)
                        .filter(|s| !s.contains('\n'))
                        .map(str::to_string),
                );
            }
            for key in ["patches", "patchesJson6902"] {
                if let Some(list) = d.value.get(key).and_then(Value::as_array) {
                    rels.extend(
                        list.iter()
                            .filter_map(|p| p.get("path").and_then(Value::as_str))
                            .map(str::to_string),
                    );
                }
            }
            for rel in rels {
                if let Some(p) = normalize(&dir, &rel) {
                    out.insert(p);
                }
            }
        }
    }
    out
}

/// Joins `rel` to `dir` and resolves `.` and `..` lexically; `None` if it leaves the root.
fn normalize(dir: &str, rel: &str) -> Option<RepoPath> {
    let mut parts: Vec<&str> = dir.split('/').filter(|s| !s.is_empty()).collect();
    for c in rel.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            c => parts.push(c),
        }
    }
    Some(RepoPath::from_bytes(parts.join("/").into_bytes()))
}

/// Whether `path` lies under `<chart>/templates/` of a Helm chart (a directory with Chart.yaml).
fn in_helm_templates(path: &RepoPath, view: &dyn RepoView) -> bool {
    let dirs: Vec<&[u8]> = path.dirs().collect();
    dirs.iter().enumerate().any(|(i, d)| {
        *d == b"templates" && {
            let chart_dir = dirs[..i].join(&b'/');
            view.contains(RepoPath::join(&chart_dir, b"Chart.yaml").as_bytes())
        }
    })
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
        .filter(|r| config.rule(r.id).enabled)
        .filter_map(|r| {
            let f = pick(&r.check)?;
            let ctx = Ctx {
                options: &config.rule(r.id).options,
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
