//! Rego policies run in-process by regorus, with conftest's conventions.
//!
//! A [`PolicySet`] is loaded once per run from policy sources (the `--policy` directories,
//! `.metaHub/policies/` under the governance root, the directory `.govern.yaml` names) and
//! evaluated on each file's input documents ([`input`]) in the engine's evaluate phase, so
//! policy findings share the report and the cache with the built-in rules.
//!
//! Conventions (as conftest): in each selected package, the rules `deny`, `violation` and
//! `warn`, also with a suffix (`deny_root_user`), produce findings; their values are strings
//! or objects with `msg` (and optionally `line`, and `rule`, which then names the rule). `deny`/`violation` findings are errors,
//! `warn` findings warnings; the rule id is `policy.<package>.<rule>`. A package's
//! `exception` rule gives names (the suffix after `deny_`, `violation_` or `warn_`) whose
//! rules it exempts for that input. Packages `main` and `govern.*` are evaluated unless
//! `--namespace`/`--all-namespaces` say otherwise.

pub mod builtins;
pub mod combine;
pub mod data;
pub mod input;
pub mod verify;

pub use verify::{run_tests, TestResult, TestRun};

use std::collections::{BTreeMap, BTreeSet};
use std::num::NonZeroU32;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;
use std::time::Duration;

use regex::Regex;
use serde_json::Value;

use crate::error::{Error, Result};
use crate::finding::{RawFinding, Severity};

/// The wall-clock budget of one evaluation (one policy rule on one input).
pub const EVAL_LIMIT: Duration = Duration::from_secs(2);

/// The wall-clock budget of all the policy evaluations of one repository: once spent, its
/// remaining inputs are reported as not evaluated, so that many slow inputs cannot add up
/// to an hour.
pub const REPO_BUDGET: Duration = Duration::from_secs(60);

/// The wall-clock budget of all the policy evaluations of one run, a portfolio's included.
pub const RUN_BUDGET: Duration = Duration::from_secs(600);

/// How much more heap the process may hold while policies evaluate than it held when they
/// were loaded: 1 GiB. Past it, regorus stops the evaluation and the input is reported as
/// not evaluated (`numbers.range(1, 1e8)` alone takes 2.3 GB). The guard counts through
/// regorus's allocator (mimalloc with per-thread counters), which regorus's
/// `allocator-memory-limits` feature installs as the global allocator.
pub const MEMORY_LIMIT: u64 = 1 << 30;

/// The built-in policies, embedded at build time (`policies/govern/repo/`); their tests are
/// the `*_test.rego` files next to them, which `cargo test` runs.
pub const BUILTIN: &[(&str, &str)] = &[
    (
        "policies/govern/repo/layout.rego",
        include_str!("../../policies/govern/repo/layout.rego"),
    ),
    (
        "policies/govern/repo/operations.rego",
        include_str!("../../policies/govern/repo/operations.rego"),
    ),
];

/// The built-in policies as sources.
pub fn builtin() -> Vec<Source> {
    BUILTIN
        .iter()
        .map(|(name, text)| Source {
            name: name.to_string(),
            text: text.to_string(),
        })
        .collect()
}

/// One policy file: a name for messages (its path) and its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    /// Where it came from, as shown in errors (`policies/k8s.rego`).
    pub name: String,
    /// The Rego text.
    pub text: String,
}

/// Which packages are evaluated.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Namespaces {
    /// `main` and every `govern.*` package (the default).
    #[default]
    Default,
    /// Exactly these packages (`--namespace`, repeatable).
    Only(Vec<String>),
    /// Every package (`--all-namespaces`).
    All,
}

/// A finding-producing rule of a package, as `git govern rules` and `explain` show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyRule {
    /// The package (`govern.repo.operations`).
    pub package: String,
    /// The rule's name (`deny_on_call`).
    pub name: String,
    /// Error for `deny`/`violation`, warning for `warn`.
    pub severity: Severity,
    /// In a `govern.repo` package: evaluated on the repository document, not on files.
    pub repo: bool,
    /// The policy file, as [`Source::name`] gives it.
    pub file: String,
    /// 1-based line of the rule's first head in `file`.
    pub line: NonZeroU32,
    /// The comment written right above the rule, else the one above its `package` line,
    /// without `#`s (may be empty).
    pub doc: String,
    /// The rule's Rego: from its head to the first blank line.
    pub text: String,
}

impl PolicyRule {
    /// The rule id its findings carry: `policy.<package>.<name>`.
    pub fn id(&self) -> String {
        format!("policy.{}.{}", self.package, self.name)
    }

    /// The first sentence of the rule's comment (`None` without a comment).
    pub fn summary(&self) -> Option<String> {
        let first = self
            .doc
            .split("\n\n")
            .next()
            .unwrap_or("")
            .replace('\n', " ");
        match first.find(". ") {
            Some(i) => Some(first[..=i].to_string()),
            None => (!first.is_empty()).then_some(first),
        }
    }

    /// What `git govern explain <id>` prints: the id, severity, where it is defined, what
    /// it reads, its comment and its Rego.
    pub fn explain(&self) -> String {
        let reads = if self.repo {
            "the repository document (package govern.repo)"
        } else {
            "each file's input documents"
        };
        let mut out = format!(
            "{}  ({}, Rego policy)\n\nDefined at {}:{} in package {}; evaluated on {}.\n",
            self.id(),
            self.severity.as_str(),
            self.file,
            self.line,
            self.package,
            reads
        );
        if !self.doc.is_empty() {
            out.push_str(&format!("\n{}\n", self.doc));
        }
        out.push_str(&format!("\n{}\n", self.text.trim_end()));
        out
    }
}

/// The comment lines right above line index `at` of `lines`, without `#` (and without an
/// OPA `METADATA` marker line).
fn comment_above(lines: &[&str], at: usize) -> String {
    let mut start = at;
    while start > 0 && lines[start - 1].trim_start().starts_with('#') {
        start -= 1;
    }
    lines[start..at]
        .iter()
        .map(|l| l.trim_start().trim_start_matches('#').trim())
        .filter(|l| *l != "METADATA")
        .collect::<Vec<_>>()
        .join("\n")
}

/// The [`PolicyRule`] whose head starts at byte `at` of `source`.
fn rule_at(
    source: &Source,
    package: &str,
    name: String,
    severity: Severity,
    at: usize,
) -> PolicyRule {
    let lines: Vec<&str> = source.text.lines().collect();
    let index = source.text[..at].matches('\n').count();
    let mut doc = comment_above(&lines, index);
    if doc.is_empty() {
        if let Some(p) = lines.iter().position(|l| l.starts_with("package ")) {
            doc = comment_above(&lines, p);
        }
    }
    let text = lines[index..]
        .iter()
        .take_while(|l| !l.trim().is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join("\n");
    PolicyRule {
        repo: package == "govern.repo" || package.starts_with("govern.repo."),
        package: package.to_string(),
        name,
        severity,
        file: source.name.clone(),
        line: NonZeroU32::new(index as u32 + 1).expect("1-based"),
        doc,
        text,
    }
}

/// The rules (`deny`, `violation`, `warn`, with or without a suffix) of `s`, a source of
/// package `package`, added to `rules` once each; its `exception` rules to `exceptions`.
fn add_rules(
    s: &Source,
    package: &str,
    rules: &mut Vec<PolicyRule>,
    exceptions: &mut BTreeSet<String>,
) {
    for c in RULE_HEAD.captures_iter(&s.text) {
        let name = format!("{}{}", &c[1], c.get(2).map_or("", |m| m.as_str()));
        if &c[1] == "exception" {
            exceptions.insert(format!("data.{package}.{name}"));
            continue;
        }
        let severity = if &c[1] == "warn" {
            Severity::Warning
        } else {
            Severity::Error
        };
        let at = c.get(0).expect("match").start();
        if !rules
            .iter()
            .any(|r: &PolicyRule| r.package == package && r.name == name)
        {
            rules.push(rule_at(s, package, name, severity, at));
        }
    }
}

/// The policies' sources and data, compiled into a regorus engine on first use: a run
/// whose results all come from the cache never compiles them (see
/// [`PolicySet::validate`] for when compiling is forced up front).
struct Engine {
    sources: Vec<Source>,
    data: Vec<data::DataDoc>,
    rego_v0: bool,
    compiled: std::sync::OnceLock<std::result::Result<regorus::Engine, String>>,
}

impl Engine {
    /// The compiled engine, compiling it on the first call. Errors (the same on every
    /// call): a function that calls itself, a policy that does not parse, data regorus
    /// refuses; each as the usage error's message.
    fn get(&self) -> std::result::Result<&regorus::Engine, &str> {
        self.compiled
            .get_or_init(|| self.compile().map_err(|e| e.to_string()))
            .as_ref()
            .map_err(String::as_str)
    }

    fn compile(&self) -> Result<regorus::Engine> {
        refuse_recursion(&self.sources)?;
        let mut engine = new_engine(self.rego_v0);
        add_data(&mut engine, &self.data, &mut blake3::Hasher::new())?;
        for s in &self.sources {
            engine
                .add_policy(s.name.clone(), s.text.clone())
                .map_err(|e| Error::Usage(format!("invalid policy: {e}")))?;
        }
        Ok(engine)
    }
}

/// The loaded policies of a run.
pub struct PolicySet {
    engine: Option<std::sync::Arc<Engine>>,
    rules: Vec<PolicyRule>,
    exceptions: BTreeSet<String>,
    /// The costly fields of the repository document that some `govern.repo` policy names
    /// (`files`, `dockerfiles`, `workloads`); only those are built.
    pub repo_fields: BTreeSet<&'static str>,
    /// blake3 of every source (name and text, in name order) and the syntax mode: part of
    /// the cache key of policy results, so editing a policy invalidates them.
    pub hash: [u8; 32],
    /// Evaluation time the whole run has spent, in microseconds (against [`RUN_BUDGET`]);
    /// shared by every [`PolicySet::for_repository`] copy.
    run_us: std::sync::Arc<std::sync::atomic::AtomicU64>,
    /// Evaluation time this repository has spent, in microseconds (against
    /// [`REPO_BUDGET`]).
    repo_us: std::sync::atomic::AtomicU64,
    /// Some policy reads files (`parse_config_file`…): results depend on more than the
    /// input, so they must not be cached.
    pub reads_files: bool,
    /// The directories of the policy files as loaded (relative ones are relative to the
    /// repository), where the file-reading functions look first.
    policy_dirs: Vec<PathBuf>,
    /// Where those functions may read, for this repository.
    files: builtins::FileAccess,
}

/// A Rego package line. ASCII classes: Rego names are ASCII, and Unicode `\w` or `\b`
/// cost a millisecond to compile, on every run.
pub(crate) static PACKAGE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?m)^package\s+([A-Za-z_][A-Za-z0-9_.]*)").expect("package regex")
});
static RULE_HEAD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?m)^(deny|violation|warn|exception)(_[A-Za-z0-9_]+)?(?-u:\b)\s*(contains|\[|=|:=|if|\{)",
    )
    .expect("rule regex")
});

impl PolicySet {
    /// No policies: evaluation finds nothing.
    pub fn empty() -> PolicySet {
        PolicySet {
            engine: None,
            rules: Vec::new(),
            exceptions: BTreeSet::new(),
            repo_fields: BTreeSet::new(),
            hash: [0; 32],
            run_us: Default::default(),
            repo_us: Default::default(),
            reads_files: false,
            policy_dirs: Vec::new(),
            files: Default::default(),
        }
    }

    /// The same policies for the repository at `root`: its own [`REPO_BUDGET`], the run's
    /// [`RUN_BUDGET`] shared, file-reading functions confined to it and the policy
    /// directories. Cheap: the compiled engine is shared, not recompiled.
    pub fn for_repository(&self, root: &Path) -> PolicySet {
        PolicySet {
            engine: self.engine.clone(),
            rules: self.rules.clone(),
            exceptions: self.exceptions.clone(),
            repo_fields: self.repo_fields.clone(),
            hash: self.hash,
            run_us: self.run_us.clone(),
            repo_us: Default::default(),
            reads_files: self.reads_files,
            policy_dirs: self.policy_dirs.clone(),
            files: builtins::FileAccess {
                root: root.to_path_buf(),
                policy_dirs: self.policy_dirs.iter().map(|d| root.join(d)).collect(),
            },
        }
    }

    /// The same policies without their file rules (`--combine` evaluates those once, on
    /// every file together; the repository rules still run as usual).
    pub fn without_file_rules(&self) -> PolicySet {
        let mut set = self.for_repository(&self.files.root);
        set.repo_us = std::sync::atomic::AtomicU64::new(
            self.repo_us.load(std::sync::atomic::Ordering::Relaxed),
        );
        set.rules.retain(|r| r.repo);
        set
    }

    /// The selected rules, in id order.
    pub fn rules(&self) -> Vec<&PolicyRule> {
        let mut out: Vec<&PolicyRule> = self.rules.iter().collect();
        out.sort_by_key(|r| r.id());
        out
    }

    /// Whether some rule reads file documents.
    pub fn has_file_rules(&self) -> bool {
        self.rules.iter().any(|r| !r.repo)
    }

    /// Whether some rule reads the repository document (packages `govern.repo`,
    /// `govern.repo.*`).
    pub fn has_repo_rules(&self) -> bool {
        self.rules.iter().any(|r| r.repo)
    }

    /// Parses and loads `sources` (Rego v1, or v0 when `rego_v0`) and selects the rules of
    /// the packages `namespaces` names. Errors: a policy that does not parse, as
    /// `file:line:col` with regorus's description (exit code 2).
    pub fn load(
        sources: &[Source],
        data: &[data::DataDoc],
        rego_v0: bool,
        namespaces: &Namespaces,
    ) -> Result<PolicySet> {
        let set = PolicySet::prepare(sources, data, rego_v0, namespaces)?;
        set.validate()?;
        Ok(set)
    }

    /// [`PolicySet::load`] without compiling: the rules, the cache key and the options are
    /// read from the sources' text, and the engine is compiled on the first evaluation. For
    /// a run whose cache says these exact sources compiled before (see
    /// [`PolicySet::validate`]). Errors: a data document that does not parse.
    pub fn prepare(
        sources: &[Source],
        data: &[data::DataDoc],
        rego_v0: bool,
        namespaces: &Namespaces,
    ) -> Result<PolicySet> {
        if sources.is_empty() {
            return Ok(PolicySet::empty());
        }
        let mut sorted: Vec<Source> = sources.to_vec();
        sorted.sort_by(|a, b| a.name.cmp(&b.name));
        let mut h = blake3::Hasher::new();
        h.update(&[rego_v0 as u8]);
        let mut rules = Vec::new();
        let mut exceptions = BTreeSet::new();
        let mut repo_fields = BTreeSet::new();
        guard_memory();
        for d in data {
            d.value()?;
            h.update(d.name.as_bytes());
            h.update(&[0]);
            h.update(d.text.as_bytes());
            h.update(&[0]);
        }
        for s in &sorted {
            h.update(s.name.as_bytes());
            h.update(&[0]);
            h.update(s.text.as_bytes());
            h.update(&[0]);
            let Some(package) = PACKAGE.captures(&s.text).map(|c| c[1].to_string()) else {
                continue;
            };
            if !selected(&package, namespaces) {
                continue;
            }
            if package == "govern.repo" || package.starts_with("govern.repo.") {
                repo_fields.extend(input::COSTLY_REPO_FIELDS.iter().filter(|field| {
                    s.text.contains(&format!("input.{field}"))
                        || s.text.contains(&format!("input[\"{field}\"]"))
                }));
            }
            add_rules(s, &package, &mut rules, &mut exceptions);
        }
        Ok(PolicySet {
            engine: Some(std::sync::Arc::new(Engine {
                rego_v0,
                data: data.to_vec(),
                compiled: std::sync::OnceLock::new(),
                sources: sorted,
            })),
            rules,
            exceptions,
            repo_fields,
            hash: *h.finalize().as_bytes(),
            run_us: Default::default(),
            repo_us: Default::default(),
            reads_files: builtins::reads_files(sources),
            policy_dirs: source_dirs(sources),
            files: Default::default(),
        })
    }

    /// Whether nothing is left to compile: no policies, or compiled already (successfully
    /// or not).
    pub fn compiled(&self) -> bool {
        self.engine
            .as_ref()
            .is_none_or(|e| e.compiled.get().is_some())
    }

    /// Compiles the policies now if they were not yet. Errors: a policy that does not
    /// parse, as `file:line:col` with regorus's description, or a function that calls
    /// itself (usage errors, exit code 2); data regorus refuses.
    pub fn validate(&self) -> Result<()> {
        match &self.engine {
            Some(e) => e.get().map(|_| ()).map_err(|m| Error::Usage(m.to_string())),
            None => Ok(()),
        }
    }

    /// Evaluates the selected rules of the file packages (`repository` false) or of the
    /// `govern.repo` packages (`repository` true) on one input document. `line_of` resolves
    /// a finding without a `line` from its message (see [`lines`]). Findings in rule order;
    /// an evaluation that fails (a runtime error, [`EVAL_LIMIT`] exceeded) is an `Err`
    /// naming the rule, and so is every evaluation once the repository has spent
    /// [`REPO_BUDGET`] or the run [`RUN_BUDGET`].
    pub fn evaluate(
        &self,
        input: &Value,
        repository: bool,
        line_of: &dyn Fn(&str) -> Option<u32>,
    ) -> std::result::Result<Vec<RawFinding>, String> {
        let Some(lazy) = &self.engine else {
            return Ok(Vec::new());
        };
        let base = lazy.get().map_err(str::to_string)?;
        use std::sync::atomic::Ordering;
        let spent = |c: &std::sync::atomic::AtomicU64| c.load(Ordering::Relaxed);
        if spent(&self.repo_us) >= REPO_BUDGET.as_micros() as u64 {
            return Err(format!(
                "not evaluated: the policies have used their {} s for this repository",
                REPO_BUDGET.as_secs()
            ));
        }
        if spent(&self.run_us) >= RUN_BUDGET.as_micros() as u64 {
            return Err(format!(
                "not evaluated: the policies have used their {} s for this run",
                RUN_BUDGET.as_secs()
            ));
        }
        let started = std::time::Instant::now();
        let result = builtins::with_files(&self.files, || {
            self.evaluate_in_lane(base, input, repository, line_of)
        });
        let us = started.elapsed().as_micros() as u64;
        self.repo_us.fetch_add(us, Ordering::Relaxed);
        self.run_us.fetch_add(us, Ordering::Relaxed);
        result
    }

    /// Runs [`Self::evaluate_within`] beside the other threads' evaluations. The memory
    /// ceiling is process-wide, so one runaway policy stops every evaluation running beside
    /// it; an evaluation stopped for memory is therefore run again alone (the lane taken
    /// exclusively, the ceiling measured afresh), and only what fails alone is reported.
    fn evaluate_in_lane(
        &self,
        base: &regorus::Engine,
        input: &Value,
        repository: bool,
        line_of: &dyn Fn(&str) -> Option<u32>,
    ) -> std::result::Result<Vec<RawFinding>, String> {
        let shared = EVAL_LANE.read().unwrap_or_else(|e| e.into_inner());
        match self.evaluate_within(base, input, repository, line_of) {
            Err(Failure::Memory(_)) => {}
            Err(Failure::Other(m)) => return Err(m),
            Ok(found) => return Ok(found),
        }
        drop(shared);
        let _alone = EVAL_LANE.write().unwrap_or_else(|e| e.into_inner());
        guard_memory();
        self.evaluate_within(base, input, repository, line_of)
            .map_err(Failure::into_message)
    }

    fn evaluate_within(
        &self,
        base: &regorus::Engine,
        input: &Value,
        repository: bool,
        line_of: &dyn Fn(&str) -> Option<u32>,
    ) -> std::result::Result<Vec<RawFinding>, Failure> {
        let mut engine = base.clone();
        let value = regorus::Value::from_json_str(&input.to_string())
            .map_err(|e| Failure::of("cannot pass the input to Rego", &e))?;
        engine.set_input(value);
        let exempt = self.exemptions(&mut engine)?;
        let mut out = Vec::new();
        for r in self.rules.iter().filter(|r| r.repo == repository) {
            let suffix = r.name.split_once('_').map_or("", |(_, s)| s);
            // conftest's exceptions: `deny_<name>` is exempt when the package's
            // `exception` holds `[<name>]`; its findings are kept as suppressed, so that
            // every report counts and lists them.
            let exception = (!suffix.is_empty()
                && exempt
                    .get(&r.package)
                    .is_some_and(|set| set.contains(suffix)))
            .then(|| {
                format!(
                    "policy exception: data.{}.exception[_][_] == {suffix:?}",
                    r.package
                )
            });
            let path = format!("data.{}.{}", r.package, r.name);
            let v = match engine.eval_rule(path.clone()) {
                Ok(v) => v,
                Err(e) if e.to_string().contains("not a valid rule path") => continue,
                Err(e) => return Err(Failure::of(&path, &e)),
            };
            for item in items(&v) {
                // An object may name its rule (conftest's `rule` metadata).
                let name = item
                    .get("rule")
                    .and_then(Value::as_str)
                    .filter(|n| !n.is_empty())
                    .unwrap_or(&r.name);
                let id = format!("policy.{}.{}", r.package, name);
                let (msg, line) = match &item {
                    Value::String(s) => (s.clone(), None),
                    Value::Object(o) => (
                        o.get("msg")
                            .and_then(Value::as_str)
                            .map(str::to_string)
                            .unwrap_or_else(|| item.to_string()),
                        o.get("line").and_then(Value::as_u64).map(|l| l as u32),
                    ),
                    other => (other.to_string(), None),
                };
                let line = line.filter(|l| *l > 0).or_else(|| line_of(&msg));
                let mut f = RawFinding::new(&id, line, msg, help(r));
                f.severity = Some(r.severity);
                f.suppressed = exception.clone();
                out.push(f);
            }
        }
        Ok(out)
    }
}

impl PolicySet {
    /// The rule names each package's `exception` rules exempt for the input set in
    /// `engine`, by package. Errors: an exception stopped for memory (without it a rule
    /// would report what is exempt); other failures exempt nothing.
    fn exemptions(
        &self,
        engine: &mut regorus::Engine,
    ) -> std::result::Result<BTreeMap<String, BTreeSet<String>>, Failure> {
        let mut exempt: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for e in &self.exceptions {
            let package = e
                .strip_prefix("data.")
                .and_then(|rest| rest.rsplit_once('.'))
                .map_or("", |(p, _)| p);
            match engine.eval_rule(e.clone()) {
                Ok(v) => exempt
                    .entry(package.to_string())
                    .or_default()
                    .extend(strings(&v)),
                Err(err) if out_of_memory(&err) => return Err(Failure::of(e, &err)),
                Err(_) => {}
            }
        }
        Ok(exempt)
    }
}

/// The help of a policy finding: the first sentence of the rule's comment and where the
/// rule is written.
fn help(r: &PolicyRule) -> String {
    let mut help = String::new();
    if let Some(about) = r.summary() {
        help.push_str(&about);
        help.push(' ');
    }
    help.push_str(&format!(
        "Policy rule {} at {}:{}; `git govern explain {}` shows it.",
        r.name,
        r.file,
        r.line,
        r.id()
    ));
    help
}

/// A user-defined function call graph of one package, from its sources' text: which
/// functions each function calls (`name(`), with the line of the definition.
type CallGraph = std::collections::BTreeMap<String, (String, u32, BTreeSet<String>)>;

static FUNCTION_HEAD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:default\s+)?([a-z_][A-Za-z0-9_]*)\(").expect("function head regex")
});
static CALL: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?-u:\b)([a-z_][A-Za-z0-9_]*)\(").expect("call regex"));

/// `text` without `#` comments and the contents of string literals (so that neither can
/// look like a call).
fn code_only(line: &str) -> String {
    let mut out = String::new();
    let mut in_string = false;
    let mut escaped = false;
    for c in line.chars() {
        if in_string {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
                out.push(c);
            }
            continue;
        }
        match c {
            '#' => break,
            '"' => {
                in_string = true;
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

/// Adds the functions of `source` to `graph`: a definition starts at column 0 with
/// `name(` and runs to the next line that starts at column 0 (other than `}`).
fn add_functions(graph: &mut CallGraph, source: &Source) {
    let mut current: Option<String> = None;
    for (i, raw) in source.text.lines().enumerate() {
        let line = code_only(raw);
        let top = line.starts_with(|c: char| !c.is_whitespace() && c != '}');
        if top {
            current = FUNCTION_HEAD.captures(&line).map(|c| c[1].to_string());
            if let Some(name) = &current {
                graph
                    .entry(name.clone())
                    .or_insert_with(|| (source.name.clone(), i as u32 + 1, BTreeSet::new()));
            }
        }
        let Some(name) = &current else { continue };
        let body = if top {
            line.split_once(')').map_or("", |(_, b)| b)
        } else {
            &line
        };
        let calls: Vec<String> = CALL.captures_iter(body).map(|c| c[1].to_string()).collect();
        if let Some(entry) = graph.get_mut(name) {
            entry.2.extend(calls);
        }
    }
}

/// The first cycle of calls among a package's functions, as "file:line: f calls g calls f".
/// Rego forbids recursion (OPA rejects it when compiling); regorus would recurse until the
/// stack runs out, so a policy with a cycle is refused when it is loaded.
fn recursion(graph: &CallGraph) -> Option<String> {
    fn visit(
        graph: &CallGraph,
        f: &str,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(i) = path.iter().position(|p| p == f) {
            let mut cycle = path[i..].to_vec();
            cycle.push(f.to_string());
            return Some(cycle);
        }
        if done.contains(f) {
            return None;
        }
        path.push(f.to_string());
        for g in graph.get(f).map(|e| &e.2).into_iter().flatten() {
            if graph.contains_key(g) {
                if let Some(c) = visit(graph, g, path, done) {
                    return Some(c);
                }
            }
        }
        path.pop();
        done.insert(f.to_string());
        None
    }
    let mut done = BTreeSet::new();
    for f in graph.keys() {
        if let Some(cycle) = visit(graph, f, &mut Vec::new(), &mut done) {
            let (file, line, _) = &graph[&cycle[0]];
            return Some(format!("{file}:{line}: {}", cycle.join(" calls ")));
        }
    }
    None
}

/// Errors: a function of `sources` that calls itself, directly or through others
/// ([`recursion`]), named by file and line.
pub(crate) fn refuse_recursion(sources: &[Source]) -> Result<()> {
    let mut graphs: std::collections::BTreeMap<String, CallGraph> = Default::default();
    for s in sources {
        if let Some(package) = PACKAGE.captures(&s.text).map(|c| c[1].to_string()) {
            add_functions(graphs.entry(package).or_default(), s);
        }
    }
    match graphs.values().find_map(recursion) {
        Some(cycle) => Err(Error::Usage(format!(
            "invalid policy: {cycle}: a function that calls itself (Rego forbids recursion)"
        ))),
        None => Ok(()),
    }
}

/// An engine for Rego v1 (or v0 when `rego_v0`) whose evaluations stop after
/// [`EVAL_LIMIT`].
pub(crate) fn new_engine(rego_v0: bool) -> regorus::Engine {
    let mut engine = regorus::Engine::new();
    builtins::register(&mut engine);
    engine.set_rego_v0(rego_v0);
    engine.set_execution_timer_config(regorus::utils::limits::ExecutionTimerConfig {
        limit: EVAL_LIMIT,
        check_interval: NonZeroU32::new(64).expect("non-zero"),
    });
    engine
}

/// Merges the data documents into `engine`'s `data` (and their names and text into `h`,
/// the policies' cache key). Errors: a document that is not a mapping, or that regorus
/// refuses (a key both a value and a mapping).
pub(crate) fn add_data(
    engine: &mut regorus::Engine,
    data: &[data::DataDoc],
    h: &mut blake3::Hasher,
) -> Result<()> {
    for d in data {
        h.update(d.name.as_bytes());
        h.update(&[0]);
        h.update(d.text.as_bytes());
        h.update(&[0]);
        let value = regorus::Value::from_json_str(&d.value()?.to_string())
            .map_err(|e| Error::Usage(format!("data {}: {e}", d.name)))?;
        engine
            .add_data(value)
            .map_err(|e| Error::Usage(format!("data {}: {e}", d.name)))?;
    }
    Ok(())
}

/// Policy evaluations share this lane (read); one stopped for memory retries holding it
/// alone (write). See [`PolicySet::evaluate_in_lane`].
static EVAL_LANE: std::sync::RwLock<()> = std::sync::RwLock::new(());

/// Why an evaluation failed: the memory ceiling (which may be another thread's doing), or
/// anything else (this evaluation's own). Each carries the message for the report.
enum Failure {
    Memory(String),
    Other(String),
}

impl Failure {
    /// The failure of `what` (a rule path, a step) with regorus error `e`.
    fn of(what: &str, e: &anyhow::Error) -> Failure {
        let message = format!("{what}: {}", failure(e));
        if out_of_memory(e) {
            Failure::Memory(message)
        } else {
            Failure::Other(message)
        }
    }

    fn into_message(self) -> String {
        match self {
            Failure::Memory(m) | Failure::Other(m) => m,
        }
    }
}

/// Sets regorus's memory ceiling to the heap held now plus [`MEMORY_LIMIT`]. The ceiling
/// is process-wide and checked only inside policy evaluation.
fn guard_memory() {
    let (now, _) = regorus_mimalloc::allocation_stats_snapshot();
    regorus::set_global_memory_limit(Some(now.allocated.saturating_add(MEMORY_LIMIT)));
}

/// A failed evaluation in words: regorus's limit errors say which limit, the others are
/// regorus's own text.
fn failure(e: &anyhow::Error) -> String {
    if out_of_memory(e) {
        return format!(
            "stopped: the evaluation took more than {} of memory",
            crate::read::size(MEMORY_LIMIT)
        );
    }
    match e.downcast_ref::<regorus::LimitError>() {
        Some(regorus::LimitError::TimeLimitExceeded { .. }) => format!(
            "stopped: the evaluation took longer than {} s",
            EVAL_LIMIT.as_secs()
        ),
        _ => e.to_string(),
    }
}

/// Whether `e` is regorus's memory ceiling: a [`regorus::LimitError`] anywhere in the
/// chain, or the JSON reader's text for it (it does not keep the type).
fn out_of_memory(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        matches!(
            c.downcast_ref::<regorus::LimitError>(),
            Some(regorus::LimitError::MemoryLimitExceeded { .. })
        )
    }) || e.to_string().contains("exceeded memory limit")
}

/// The directories of `sources` (as their names give them), each once, in source order.
pub(crate) fn source_dirs(sources: &[Source]) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = Vec::new();
    for s in sources {
        let dir = Path::new(&s.name)
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default();
        if !dirs.contains(&dir) {
            dirs.push(dir);
        }
    }
    dirs
}

/// Whether package `p` is what `--namespace` `pattern` names: the same name, or any name
/// when each `*` stands for any text (`c*`, `*`, `main.*`), as conftest matches them.
pub fn namespace_matches(pattern: &str, p: &str) -> bool {
    let mut parts = pattern.split('*');
    let first = parts.next().unwrap_or("");
    let Some(mut rest) = p.strip_prefix(first) else {
        return false;
    };
    let parts: Vec<&str> = parts.collect();
    let Some((last, middle)) = parts.split_last() else {
        return rest.is_empty();
    };
    for m in middle {
        match rest.find(m) {
            Some(i) => rest = &rest[i + m.len()..],
            None => return false,
        }
    }
    rest.ends_with(last)
}

/// Whether package `p` is evaluated under `ns`.
fn selected(p: &str, ns: &Namespaces) -> bool {
    match ns {
        Namespaces::Default => p == "main" || p == "govern" || p.starts_with("govern."),
        Namespaces::Only(list) => list.iter().any(|n| namespace_matches(n, p)),
        Namespaces::All => true,
    }
}

/// The elements of a rule's value (a set or an array) as JSON; a single value as itself.
/// The results of a rule's value: a set's or array's members, one other value, or none
/// for a rule whose body did not apply (undefined, as conftest reads it), `false`, null or
/// an empty object.
fn items(v: &regorus::Value) -> Vec<Value> {
    if matches!(v, regorus::Value::Undefined) {
        return Vec::new();
    }
    let json: Value = v
        .to_json_str()
        .ok()
        .and_then(|s| serde_json::from_str(&s).ok())
        .unwrap_or(Value::Null);
    match json {
        Value::Array(a) => a,
        Value::Null | Value::Bool(false) => Vec::new(),
        Value::Object(o) if o.is_empty() => Vec::new(),
        other => vec![other],
    }
}

fn strings(v: &regorus::Value) -> Vec<String> {
    items(v)
        .into_iter()
        .flat_map(|x| match x {
            Value::String(s) => vec![s],
            Value::Array(a) => a
                .into_iter()
                .filter_map(|y| y.as_str().map(str::to_string))
                .collect(),
            _ => Vec::new(),
        })
        .collect()
}

/// Resolves a message to a line by the values it quotes: among `(text, line)` candidates
/// (a Dockerfile's instruction arguments, a YAML document's scalar values), the longest text
/// of at least 3 characters that the message contains gives the line.
pub fn lines(candidates: &[(String, u32)], msg: &str) -> Option<u32> {
    candidates
        .iter()
        .filter(|(t, _)| t.chars().count() >= 3 && msg.contains(t.as_str()))
        .max_by_key(|(t, l)| (t.len(), std::cmp::Reverse(*l)))
        .map(|(_, l)| *l)
}

/// Reads the policies at `path`: the `.rego` file itself, or every `*.rego` file (not
/// `*_test.rego`) under the directory, recursively, sorted by path. With `confine`, a path
/// leading out of that directory is refused. Errors: the path cannot be read, or is a file
/// that is not `.rego`.
pub fn read_dir(path: &Path, confine: Option<&Path>) -> Result<Vec<Source>> {
    if let Some(root) = confine {
        if crate::read::leads_out(path, root) {
            return Err(Error::Usage(format!(
                "policy path {} leads out of the repository; not read",
                path.display()
            )));
        }
    }
    if path.is_file() {
        if path.extension().is_none_or(|x| x != "rego") {
            return Err(Error::Usage(format!(
                "policy file {} is not a .rego file",
                path.display()
            )));
        }
        let text = crate::read::bounded_text(path, crate::read::CONFIG_LIMIT)
            .map_err(|e| Error::Usage(format!("{}: {e}", path.display())))?;
        return Ok(vec![Source {
            name: path.display().to_string(),
            text,
        }]);
    }
    Ok(read_all_within(path, confine)?
        .into_iter()
        .filter(|s| !s.name.ends_with("_test.rego"))
        .collect())
}

/// Reads the `.rego` file `path`, or every `*.rego` file under the directory (tests
/// included), recursively, sorted by path. Errors: `path` cannot be read.
pub fn read_all(path: &Path) -> Result<Vec<Source>> {
    if path.is_file() {
        return read_dir(path, None);
    }
    read_all_within(path, None)
}

/// [`read_all`]; with `confine`, a file linked out of that directory is an error.
fn read_all_within(dir: &Path, confine: Option<&Path>) -> Result<Vec<Source>> {
    let mut out = Vec::new();
    let mut stack: Vec<PathBuf> = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let entries = std::fs::read_dir(&d)
            .map_err(|e| Error::Usage(format!("policy directory {}: {e}", d.display())))?;
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "rego") {
                let text = confine
                    .map_or(Ok(()), |root| crate::read::within(root, &p))
                    .and_then(|()| crate::read::bounded_text(&p, crate::read::CONFIG_LIMIT))
                    .map_err(|e| Error::Usage(format!("{}: {e}", p.display())))?;
                out.push(Source {
                    name: p.display().to_string(),
                    text,
                });
            }
        }
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_budgets_per_repository_and_per_run() {
        use std::sync::atomic::Ordering;
        let src = Source {
            name: "p.rego".into(),
            text: "package main\n\nimport rego.v1\n\ndeny contains \"x\" if { input.a == 1 }\n"
                .into(),
        };
        let set = PolicySet::load(&[src], &[], false, &Namespaces::Default).unwrap();
        let input = serde_json::json!({"a": 1});
        let none = |_: &str| None;
        let repo = set.for_repository(Path::new("."));
        assert_eq!(repo.evaluate(&input, false, &none).unwrap().len(), 1);
        repo.repo_us
            .store(REPO_BUDGET.as_micros() as u64, Ordering::Relaxed);
        let e = repo.evaluate(&input, false, &none).unwrap_err();
        assert!(e.contains("for this repository"), "{e}");
        // The next repository has its own budget, but shares the run's.
        let next = set.for_repository(Path::new("."));
        assert!(next.evaluate(&input, false, &none).is_ok());
        set.run_us
            .store(RUN_BUDGET.as_micros() as u64, Ordering::Relaxed);
        let e = set
            .for_repository(Path::new("."))
            .evaluate(&input, false, &none)
            .unwrap_err();
        assert!(e.contains("for this run"), "{e}");
    }

    #[test]
    fn conftest_conventions() {
        let src = Source {
            name: "p.rego".into(),
            text: "package main\n\ndeny contains msg if {\n  input.kind == \"Pod\"\n  msg := \"no bare pods\"\n}\n\nwarn_labels contains {\"msg\": \"add labels\", \"line\": 2} if {\n  not input.metadata.labels\n}\n\ndeny_named contains \"named\" if { true }\n\nexception contains rules if {\n  input.metadata.name == \"skip\"\n  rules := [\"named\"]\n}\n".into(),
        };
        let set = PolicySet::load(&[src], &[], false, &Namespaces::Default).unwrap();
        let pod = serde_json::json!({"kind": "Pod", "metadata": {"name": "x"}});
        let f = set.evaluate(&pod, false, &|_| None).unwrap();
        let got: Vec<(&str, Option<u32>, Option<Severity>)> = f
            .iter()
            .map(|f| {
                (
                    f.rule.as_str(),
                    f.line.map(crate::finding::Line::get),
                    f.severity,
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                ("policy.main.deny", None, Some(Severity::Error)),
                ("policy.main.warn_labels", Some(2), Some(Severity::Warning)),
                ("policy.main.deny_named", None, Some(Severity::Error)),
            ]
        );
        let skip = serde_json::json!({"kind": "Pod", "metadata": {"name": "skip"}});
        let f = set.evaluate(&skip, false, &|_| None).unwrap();
        let kept: Vec<&str> = f
            .iter()
            .filter(|f| f.suppressed.is_none())
            .map(|f| f.rule.as_str())
            .collect();
        assert_eq!(kept, ["policy.main.deny", "policy.main.warn_labels"]);
        let exempt: Vec<(&str, &str)> = f
            .iter()
            .filter_map(|f| Some((f.rule.as_str(), f.suppressed.as_deref()?)))
            .collect();
        assert_eq!(
            exempt,
            [(
                "policy.main.deny_named",
                "policy exception: data.main.exception[_][_] == \"named\""
            )],
            "deny_named exempted, and kept as suppressed"
        );
    }

    /// A complete rule (`violation := msg if …`) whose body does not apply is undefined:
    /// no result, as conftest reads it (conftest's kubernetes example: a Service passes
    /// with one warning).
    #[test]
    fn an_undefined_rule_is_no_finding() {
        let src = Source {
            name: "p.rego".into(),
            text: "package main\n\nviolation := msg if {\n  input.kind == \"Deployment\"\n  msg := \"no deployments\"\n}\n\nwarn contains \"watched\" if input.kind == \"Service\"\n".into(),
        };
        let set = PolicySet::load(&[src], &[], false, &Namespaces::Default).unwrap();
        let service = serde_json::json!({"kind": "Service"});
        let got: Vec<String> = set
            .evaluate(&service, false, &|_| None)
            .unwrap()
            .into_iter()
            .map(|f| format!("{} {}", f.rule, f.message))
            .collect();
        assert_eq!(got, ["policy.main.warn watched"]);
        let deployment = serde_json::json!({"kind": "Deployment"});
        let got = set.evaluate(&deployment, false, &|_| None).unwrap();
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].message, "no deployments");
    }

    #[test]
    fn parse_errors_name_the_position() {
        let bad = Source {
            name: "bad.rego".into(),
            text: "package main\n\ndeny[msg] {\n  true\n}\n".into(),
        };
        let e = PolicySet::load(std::slice::from_ref(&bad), &[], false, &Namespaces::Default)
            .err()
            .unwrap()
            .to_string();
        assert!(e.contains("bad.rego:3:"), "{e}");
        assert!(
            PolicySet::load(&[bad], &[], true, &Namespaces::Default).is_ok(),
            "v0 syntax with --rego-v0"
        );
    }
}
