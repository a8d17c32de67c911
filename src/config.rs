//! `.govern.yaml`: which rules run, at which severity, with which options, on which paths.
//!
//! The file is validated against `schemas/config.schema.json` (embedded) and each rule's
//! options against the rule's defaults; every error names the line in `.govern.yaml`.
//! [`Config::rule_hash`] gives the per-rule configuration digest that cache keys include.

use std::collections::BTreeMap;

use globset::{Glob, GlobMatcher, GlobSet, GlobSetBuilder};
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
    /// The last day the waiver holds.
    pub expires: jiff::civil::Date,
    /// 1-based line of the entry in the config file.
    pub line: u32,
}

impl Waiver {
    /// Whether the waiver names this finding's rule and path (expiry not considered).
    pub fn covers(&self, rule: &str, path: &str) -> bool {
        crate::suppress::covers(&self.rule, rule) && self.matcher.is_match(path)
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
    pub rules: BTreeMap<&'static str, RuleSettings>,
    /// Waivers, in file order.
    pub waivers: Vec<Waiver>,
    /// Accepted secrets.
    pub secrets: SecretsAllow,
    /// The file the configuration came from, as shown in findings (`.govern.yaml`).
    pub source: String,
    /// Rego policy settings (`policies:`).
    pub policies: PolicyConfig,
}

/// `policies:` in `.govern.yaml`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PolicyConfig {
    /// Policy directories, relative to the repository root.
    pub dirs: Vec<String>,
    /// Policies use Rego v0 syntax.
    pub rego_v0: bool,
    /// Packages to evaluate instead of `main` and `govern.*`.
    pub namespaces: Vec<String>,
    /// Evaluate every package.
    pub all_namespaces: bool,
}

impl Default for Config {
    fn default() -> Self {
        Self::from_value(&Value::Object(Default::default()), &|_| 0, FILE_NAME)
            .expect("empty config is valid")
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
        let schema: Value = serde_json::from_str(SCHEMA).expect("config schema is JSON");
        let validator = jsonschema::validator_for(&schema).expect("config schema compiles");
        if let Some(e) = validator.iter_errors(&doc.value).next() {
            let p = e.instance_path().to_string();
            return Err(Error::input(
                display_path,
                doc.line_of(&p),
                format!("{}: {e}", if p.is_empty() { "/".to_string() } else { p }),
            ));
        }
        Self::from_value(&doc.value, &|p| doc.line_of(p), display_path)
    }

    fn from_value(v: &Value, line_of: &dyn Fn(&str) -> u32, display_path: &str) -> Result<Config> {
        let globs = |ptr: &str| -> Result<Option<GlobSet>> {
            let Some(list) = v.pointer(ptr).and_then(Value::as_array) else {
                return Ok(None);
            };
            let key = &ptr[1..];
            let mut b = GlobSetBuilder::new();
            for (i, g) in list.iter().enumerate() {
                let s = g.as_str().unwrap_or_default();
                let glob = Glob::new(s).map_err(|e| {
                    Error::input(
                        display_path,
                        line_of(&format!("/{key}/{i}")),
                        format!("invalid glob {s:?}: {e}"),
                    )
                })?;
                b.add(glob);
            }
            Ok(Some(b.build().map_err(|e| {
                Error::input(display_path, line_of(&format!("/{key}")), e.to_string())
            })?))
        };
        let include = globs("/include")?;
        let exclude = globs("/exclude")?.unwrap_or_else(GlobSet::empty);
        let secrets = SecretsAllow {
            paths: globs("/secrets/allow_paths")?.unwrap_or_else(GlobSet::empty),
            fingerprints: strings_at(v, "/secrets/allow_fingerprints")
                .into_iter()
                .collect(),
        };
        let mut waivers = Vec::new();
        for (i, w) in v
            .get("waivers")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default()
            .iter()
            .enumerate()
        {
            let line = line_of(&format!("/waivers/{i}"));
            let field = |k: &str| {
                w.get(k)
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string()
            };
            let rule = field("rule");
            if rules::by_id(&rule).is_none()
                && !rules::ALL
                    .iter()
                    .any(|r| crate::suppress::covers(&rule, r.id))
            {
                return Err(Error::input(
                    display_path,
                    line_of(&format!("/waivers/{i}/rule")),
                    format!(
                        "the waiver names unknown rule {rule:?} (`git govern rules` lists them)"
                    ),
                ));
            }
            let path = field("path");
            let matcher = Glob::new(&path)
                .map_err(|e| {
                    Error::input(
                        display_path,
                        line_of(&format!("/waivers/{i}/path")),
                        format!("invalid glob {path:?}: {e}"),
                    )
                })?
                .compile_matcher();
            let expires_text = field("expires");
            let expires: jiff::civil::Date = expires_text.parse().map_err(|_| {
                Error::input(
                    display_path,
                    line_of(&format!("/waivers/{i}/expires")),
                    format!("expires {expires_text:?} is not a date (YYYY-MM-DD)"),
                )
            })?;
            waivers.push(Waiver {
                rule,
                path,
                matcher,
                reason: field("reason"),
                owner: field("owner"),
                expires,
                line,
            });
        }
        let given = v.get("rules").and_then(Value::as_object);
        if let Some(given) = given {
            for id in given.keys() {
                if rules::by_id(id).is_none() {
                    return Err(Error::input(
                        display_path,
                        line_of(&format!("/rules/{}", yaml::escape_token(id))),
                        format!("unknown rule {id:?} (`git govern rules` lists them)"),
                    ));
                }
            }
        }
        let mut out = BTreeMap::new();
        for rule in rules::ALL {
            let entry = given.and_then(|g| g.get(rule.id));
            let ptr = format!("/rules/{}", yaml::escape_token(rule.id));
            let settings = settings_for(rule, entry).map_err(|(at, m)| {
                let key = match at {
                    Some(at) => format!("{ptr}/options{at}"),
                    None => ptr.clone(),
                };
                Error::input(display_path, line_of(&key), m)
            })?;
            out.insert(rule.id, settings);
        }
        Ok(Config {
            strict: v.get("strict").and_then(Value::as_bool).unwrap_or(false),
            include,
            exclude,
            rules: out,
            waivers,
            secrets,
            source: display_path.to_string(),
            policies: PolicyConfig {
                dirs: strings_at(v, "/policies/dirs"),
                rego_v0: v
                    .pointer("/policies/rego_v0")
                    .and_then(Value::as_bool)
                    .unwrap_or(false),
                namespaces: strings_at(v, "/policies/namespaces"),
                all_namespaces: v
                    .pointer("/policies/all_namespaces")
                    .and_then(Value::as_bool)
                    .unwrap_or(false),
            },
        })
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
        self.rules.get(rule.id).unwrap_or(&OFF)
    }
}

fn strings_at(v: &Value, ptr: &str) -> Vec<String> {
    v.pointer(ptr)
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
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
    let options =
        rules::options::read(rule.id, rule.options, options).map_err(|(at, m)| (Some(at), m))?;
    let json = serde_json::to_string(&options.json).expect("json");
    let hash = *blake3::hash(json.as_bytes()).as_bytes();
    Ok(RuleSettings {
        enabled,
        severity,
        options,
        hash,
    })
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
