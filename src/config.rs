//! `.govern.yaml`: which rules run, at which severity, with which options, on which paths.
//!
//! The file is validated against `schemas/config.schema.json` (embedded) and each rule's
//! options against the rule's defaults; every error names the line in `.govern.yaml`.
//! [`Config::rule_hash`] gives the per-rule configuration digest that cache keys include.

use std::collections::BTreeMap;

use globset::{Glob, GlobMatcher, GlobSet, GlobSetBuilder};
use serde::Deserialize;
use serde_json::Value;

use crate::error::{Error, Result};
use crate::finding::Severity;
use crate::rules::{self, Rule};
use crate::yaml;

/// The file name looked for at the repository root.
pub const FILE_NAME: &str = ".govern.yaml";

/// The embedded configuration schema.
pub const SCHEMA: &str = include_str!("../schemas/config.schema.json");

/// A rule's effective settings.
#[derive(Debug, Clone)]
pub struct RuleSettings {
    /// Whether it runs.
    pub enabled: bool,
    /// Effective severity.
    pub severity: Severity,
    /// Defaults overlaid with the configured options, as JSON and as the rule's type.
    pub options: rules::Options,
    /// blake3 of the canonical JSON of `options` (part of every cache key of this rule).
    pub hash: [u8; 32],
}

/// A waiver: findings of `rule` on paths matching `path` are accepted until `expires`
/// (inclusive), for a stated reason, by a named owner.
#[derive(Debug, Clone)]
pub struct Waiver {
    /// A rule id or a family wildcard (`docker.*`).
    pub rule: String,
    /// The path glob as written (repo-relative).
    pub path: String,
    matcher: GlobMatcher,
    /// Why the findings are accepted.
    pub reason: String,
    /// Who answers for it (a person or team handle).
    pub owner: String,
    /// When given, only findings with exactly this message are waived (what `git govern
    /// baseline` writes, so that a new finding of the same rule in the same file blocks).
    pub message: Option<String>,
    /// The last day the waiver holds.
    pub expires: jiff::civil::Date,
    /// 1-based line of the entry in the config file.
    pub line: u32,
}

impl Waiver {
    /// Whether the waiver names this finding's rule, path and (when it gives one) message;
    /// expiry not considered.
    pub fn covers(&self, rule: &str, path: &str, message: &str) -> bool {
        crate::suppress::covers(&self.rule, rule)
            && self.matcher.is_match(path)
            && self.message.as_deref().is_none_or(|m| m == message)
    }
}

/// Secrets that are known and accepted: paths never scanned and finding fingerprints.
#[derive(Debug, Clone)]
pub struct SecretsAllow {
    paths: GlobSet,
    /// Fingerprints (`git govern check` prints them) of accepted secret findings.
    pub fingerprints: std::collections::BTreeSet<String>,
}

impl SecretsAllow {
    /// Whether the `secrets.*` rules skip `path` (repo-relative).
    pub fn path_allowed(&self, path: &str) -> bool {
        !self.paths.is_empty() && self.paths.is_match(path)
    }
}

/// The effective configuration of a run.
#[derive(Debug, Clone)]
pub struct Config {
    /// Warnings fail the run.
    pub strict: bool,
    include: Option<GlobSet>,
    exclude: GlobSet,
    /// Settings of every rule, by id.
    pub rules: BTreeMap<rules::RuleId, RuleSettings>,
    /// Waivers, in file order.
    pub waivers: Vec<Waiver>,
    /// Accepted secrets.
    pub secrets: SecretsAllow,
    /// The file the configuration came from, as shown in findings (`.govern.yaml`).
    pub source: String,
    /// Rego policy settings (`policies:`).
    pub policies: PolicyConfig,
    /// The most bytes parsed of one file, per input kind (`limits:`).
    pub limits: crate::limits::Limits,
    /// Which files of the run this configuration judges, by directory (a monorepo whose
    /// components have their own `.govern.yaml` runs once per configuration).
    pub subtree: Subtree,
}

/// The part of a repository a configuration judges.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Subtree {
    /// Every file.
    #[default]
    All,
    /// The files under a directory ('/'-separated, no trailing '/'), but those under the
    /// directories listed (nested components with their own configuration).
    OnlyExcept(String, Vec<String>),
    /// Every file but those under these directories.
    Except(Vec<String>),
}

impl Subtree {
    /// Whether the file at `path` (repo-relative, '/'-separated) is judged.
    pub fn holds(&self, path: &[u8]) -> bool {
        let under = |dir: &str| crate::components::within(path, dir);
        match self {
            Subtree::All => true,
            Subtree::OnlyExcept(dir, holes) => under(dir) && !holes.iter().any(|d| under(d)),
            Subtree::Except(dirs) => !dirs.iter().any(|d| under(d)),
        }
    }
}

/// `policies:` in `.govern.yaml`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PolicyConfig {
    /// Policy directories or `.rego` files, relative to the repository root.
    pub dirs: Vec<String>,
    /// Data files or directories for the policies (`data.`), relative to the root.
    pub data: Vec<String>,
    /// Policies use Rego v0 syntax.
    pub rego_v0: bool,
    /// Packages to evaluate instead of `main` and `govern.*`.
    pub namespaces: Vec<String>,
    /// Evaluate every package.
    pub all_namespaces: bool,
}

/// `.govern.yaml` as written, read by serde once the JSON Schema has accepted it.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct File {
    strict: bool,
    include: Option<Vec<String>>,
    exclude: Vec<String>,
    /// Rule id → shorthand (`off`, `error`, `warning`, a boolean) or a settings mapping.
    rules: serde_json::Map<String, Value>,
    waivers: Vec<WaiverEntry>,
    secrets: SecretsEntry,
    policies: PolicyConfig,
    /// Input kind → size (bytes, or a number with a unit).
    limits: BTreeMap<String, Value>,
}

/// One entry of `waivers:`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct WaiverEntry {
    rule: String,
    path: String,
    #[serde(default)]
    message: Option<String>,
    reason: String,
    owner: String,
    expires: String,
}

/// `secrets:`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct SecretsEntry {
    allow_paths: Vec<String>,
    allow_fingerprints: Vec<String>,
}

impl Default for Config {
    /// The defaults, built once per process and cloned (a portfolio asks for them once per
    /// repository without a `.govern.yaml`, and building them hashes every rule's options).
    fn default() -> Self {
        static DEFAULT: std::sync::LazyLock<Config> = std::sync::LazyLock::new(|| {
            Reader {
                line_of: &|_| 0,
                shown: FILE_NAME,
            }
            .config(File::default())
            .expect("empty config is valid")
        });
        DEFAULT.clone()
    }
}

impl Config {
    /// Reads `.govern.yaml` text. Errors name `display_path:line`.
    pub fn parse(text: &str, display_path: &str) -> Result<Config> {
        let docs = yaml::parse_stream(text).map_err(|e| {
            Error::input(display_path, e.line, format!("invalid YAML: {}", e.message))
        })?;
        let Some(doc) = docs.into_iter().next() else {
            return Ok(Config::default());
        };
        if doc.value.is_null() {
            return Ok(Config::default());
        }
        if let Some(d) = doc.duplicates.first() {
            return Err(Error::input(
                display_path,
                d.line,
                format!(
                    "`{}` is given twice in one mapping (first at line {}); say it once",
                    d.key, d.first_line
                ),
            ));
        }
        let schema: Value = serde_json::from_str(SCHEMA).expect("config schema is JSON");
        let validator = jsonschema::validator_for(&schema).expect("config schema compiles");
        if let Some(e) = validator.iter_errors(&doc.value).next() {
            let p = e.instance_path().to_string();
            // An unexpected key is shown at its own line, not at its mapping's.
            let at = match e.kind() {
                jsonschema::error::ValidationErrorKind::AdditionalProperties { unexpected } => {
                    unexpected
                        .first()
                        .map(|k| format!("{p}/{}", yaml::escape_token(k)))
                }
                _ => None,
            };
            return Err(Error::input(
                display_path,
                doc.line_of(at.as_deref().unwrap_or(&p)),
                format!(
                    "{}: {}",
                    if p.is_empty() { "/".to_string() } else { p },
                    excerpt(&e.to_string())
                ),
            ));
        }
        let reader = Reader {
            line_of: &|p| doc.line_of(p),
            shown: display_path,
        };
        let file: File = serde_path_to_error::deserialize(&doc.value).map_err(|e| {
            let at = yaml::pointer_of(e.path());
            reader.error(&at, e.into_inner().to_string())
        })?;
        reader.config(file)
    }

    /// Whether file rules look at `path` (repo-relative, as text): matches `include` (when
    /// given) and no `exclude` glob.
    pub fn path_selected(&self, path: &str) -> bool {
        if !self.exclude.is_empty() && self.exclude.is_match(path) {
            return false;
        }
        self.include.as_ref().is_none_or(|g| g.is_match(path))
    }

    /// The settings of `rule`. Every rule of [`rules::ALL`] has some; a rule outside the
    /// registry (a build has none) is off, so this never fails.
    pub fn rule(&self, rule: &Rule) -> &RuleSettings {
        static OFF: std::sync::LazyLock<RuleSettings> = std::sync::LazyLock::new(|| RuleSettings {
            enabled: false,
            severity: Severity::Warning,
            options: rules::Options::none(),
            hash: [0; 32],
        });
        self.rules.get(&rule.id).unwrap_or(&OFF)
    }
}

/// Turns a parsed [`File`] into a [`Config`], naming the line of every problem.
struct Reader<'a> {
    line_of: &'a dyn Fn(&str) -> u32,
    shown: &'a str,
}

impl Reader<'_> {
    /// An input error at the JSON pointer `at`.
    fn error(&self, at: &str, message: impl Into<String>) -> Error {
        Error::input(self.shown, (self.line_of)(at), message)
    }

    fn config(&self, f: File) -> Result<Config> {
        Ok(Config {
            subtree: Subtree::All,
            strict: f.strict,
            include: f
                .include
                .as_deref()
                .map(|g| self.globs("/include", g))
                .transpose()?,
            exclude: self.globs("/exclude", &f.exclude)?,
            rules: self.rules(&f.rules)?,
            waivers: f
                .waivers
                .into_iter()
                .enumerate()
                .map(|(i, w)| self.waiver(i, w))
                .collect::<Result<_>>()?,
            secrets: SecretsAllow {
                paths: self.globs("/secrets/allow_paths", &f.secrets.allow_paths)?,
                fingerprints: f.secrets.allow_fingerprints.into_iter().collect(),
            },
            source: self.shown.to_string(),
            policies: f.policies,
            limits: self.limits(&f.limits)?,
        })
    }

    /// `limits:`. Errors: a size that is not one (its line).
    fn limits(&self, written: &BTreeMap<String, Value>) -> Result<crate::limits::Limits> {
        let mut limits = crate::limits::Limits::default();
        for (key, v) in written {
            let bytes = match v {
                Value::Number(n) => n.as_u64().filter(|&b| b > 0),
                Value::String(s) => crate::limits::parse_size(s),
                _ => None,
            };
            let at = format!("/limits/{key}");
            let Some(bytes) = bytes else {
                return Err(self.error(
                    &at,
                    "not a size: write bytes (1048576) or a number with KiB, MiB or GiB"
                        .to_string(),
                ));
            };
            if !limits.set(key, bytes) {
                return Err(self.error(&at, format!("no input kind is called {key:?}")));
            }
        }
        Ok(limits)
    }

    /// The globs of the list at `ptr`. Errors: a glob that does not compile (its line).
    fn globs(&self, ptr: &str, list: &[String]) -> Result<GlobSet> {
        let mut b = GlobSetBuilder::new();
        for (i, s) in list.iter().enumerate() {
            let glob = Glob::new(s).map_err(|e| {
                self.error(&format!("{ptr}/{i}"), format!("invalid glob {s:?}: {e}"))
            })?;
            b.add(glob);
        }
        b.build().map_err(|e| self.error(ptr, e.to_string()))
    }

    /// Waiver `i`. Errors: an unknown rule, an invalid glob, a date that is not one.
    fn waiver(&self, i: usize, w: WaiverEntry) -> Result<Waiver> {
        let at = |k: &str| format!("/waivers/{i}/{k}");
        // Policy rule ids are known once the policies load; any `policy.` id may be waived.
        let known = rules::by_id(&w.rule).is_some()
            || w.rule.starts_with("policy.")
            || rules::ALL
                .iter()
                .any(|r| crate::suppress::covers(&w.rule, r.id.as_str()));
        if !known {
            return Err(self.error(
                &at("rule"),
                format!(
                    "the waiver names unknown rule {:?}{} (`git govern rules` lists them)",
                    w.rule,
                    rules::did_you_mean(&w.rule)
                ),
            ));
        }
        let matcher = Glob::new(&w.path)
            .map_err(|e| self.error(&at("path"), format!("invalid glob {:?}: {e}", w.path)))?
            .compile_matcher();
        let expires: jiff::civil::Date = w.expires.parse().map_err(|_| {
            self.error(
                &at("expires"),
                format!("expires {:?} is not a date (YYYY-MM-DD)", w.expires),
            )
        })?;
        Ok(Waiver {
            rule: w.rule,
            path: w.path,
            matcher,
            reason: w.reason,
            owner: w.owner,
            message: w.message,
            expires,
            line: (self.line_of)(&format!("/waivers/{i}")),
        })
    }

    /// Every registered rule's settings under `given`. Errors: an unknown rule id, or a bad
    /// setting or option (the line of the key).
    fn rules(
        &self,
        given: &serde_json::Map<String, Value>,
    ) -> Result<BTreeMap<rules::RuleId, RuleSettings>> {
        if let Some(id) = given.keys().find(|id| rules::by_id(id).is_none()) {
            return Err(self.error(
                &format!("/rules/{}", yaml::escape_token(id)),
                format!(
                    "unknown rule {id:?}{} (`git govern rules` lists them)",
                    rules::did_you_mean(id)
                ),
            ));
        }
        let mut out = BTreeMap::new();
        for rule in rules::ALL {
            let ptr = format!("/rules/{}", yaml::escape_token(rule.id.as_str()));
            let settings =
                settings_for(rule, given.get(rule.id.as_str())).map_err(|(at, m)| match at {
                    Some(at) => self.error(&format!("{ptr}/options{at}"), m),
                    None => self.error(&ptr, m),
                })?;
            out.insert(rule.id, settings);
        }
        Ok(out)
    }
}

/// A rule's settings from its `rules:` entry. Errors: (the pointer below `options` of the
/// offending option, if it is one; message).
fn settings_for(
    rule: &Rule,
    entry: Option<&Value>,
) -> std::result::Result<RuleSettings, (Option<String>, String)> {
    let mut enabled = true;
    let mut severity = rule.severity;
    let mut options = None;
    match entry {
        None => {}
        Some(Value::Bool(b)) => enabled = *b,
        Some(Value::String(s)) => match s.as_str() {
            "off" => enabled = false,
            "error" => severity = Severity::Error,
            "warning" => severity = Severity::Warning,
            other => return Err((None, format!("{other:?} is not off, error or warning"))),
        },
        Some(Value::Object(m)) => {
            if let Some(e) = m.get("enabled").and_then(Value::as_bool) {
                enabled = e;
            }
            match m.get("severity").and_then(Value::as_str) {
                Some("error") => severity = Severity::Error,
                Some("warning") => severity = Severity::Warning,
                _ => {}
            }
            options = m.get("options");
        }
        Some(other) => return Err((None, format!("unexpected setting {other}"))),
    }
    let options = rules::options::read(rule.id.as_str(), rule.options, options)
        .map_err(|(at, m)| (Some(at), m))?;
    let json = serde_json::to_string(&options.json).expect("json");
    let hash = *blake3::hash(json.as_bytes()).as_bytes();
    Ok(RuleSettings {
        enabled,
        severity,
        options,
        hash,
    })
}

/// At most 160 characters of a message that quotes a value (a schema error repeats the
/// offending value whole, which may be a whole file); the rest is cut with "…".
pub fn excerpt(message: &str) -> String {
    const MAX: usize = 160;
    match message.char_indices().nth(MAX) {
        Some((i, _)) => format!("{}…", &message[..i]),
        None => message.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shorthand_and_options() {
        let c = Config::parse("rules:\n  docker.healthcheck: off\n  k8s.resources:\n    severity: warning\n    options: {limits: [memory]}\nexclude: [\"vendor/**\"]\n", FILE_NAME).unwrap();
        assert!(!c.rule(&rules::docker::healthcheck::RULE).enabled);
        assert_eq!(
            c.rule(&rules::k8s::resources::RULE).severity,
            Severity::Warning
        );
        assert!(!c.path_selected("vendor/x/Dockerfile"));
        assert!(c.path_selected("Dockerfile"));
    }

    #[test]
    fn errors_name_the_line() {
        let e =
            Config::parse("strict: false\nrules:\n  docker.nope: off\n", FILE_NAME).unwrap_err();
        assert!(e.to_string().starts_with(".govern.yaml:3:"), "{e}");
        let e = Config::parse(
            "rules:\n  k8s.resources:\n    options: {limits: 3}\n",
            FILE_NAME,
        )
        .unwrap_err();
        assert!(e.to_string().contains("must be a list"), "{e}");
    }

    #[test]
    fn option_errors_name_the_line_of_the_key() {
        let text =
            "rules:\n  k8s.resources:\n    options:\n      limits: [cpu]\n      limitz: [cpu]\n";
        let e = Config::parse(text, FILE_NAME).unwrap_err().to_string();
        assert!(e.starts_with(".govern.yaml:5:"), "{e}");
        assert!(e.contains("k8s.resources has no option \"limitz\""), "{e}");
        // A value of the right JSON type but the wrong shape inside: the line of the item.
        let text =
            "rules:\n  k8s.resources:\n    options:\n      limits:\n        - cpu\n        - 3\n";
        let e = Config::parse(text, FILE_NAME).unwrap_err().to_string();
        assert!(e.starts_with(".govern.yaml:6:"), "{e}");
        assert!(e.contains("\"/limits/1\" of k8s.resources"), "{e}");
        // A rule reads its typed options.
        let c = Config::parse(
            "rules:\n  k8s.resources:\n    options: {limits: [memory]}\n",
            FILE_NAME,
        )
        .unwrap();
        let o: &rules::k8s::resources::Options = c.rule(&rules::k8s::resources::RULE).options.get();
        assert_eq!(o.limits, ["memory"]);
        assert_eq!(o.requests, ["cpu", "memory"]);
    }
}
