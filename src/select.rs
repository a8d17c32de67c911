//! Rule selection from the command line, as ruff's `--select`/`--ignore`: which rules and
//! policies a run reports, on top of what `.govern.yaml` enables.
//!
//! A pattern is a rule id (`docker.user-not-root`), a family or any dotted prefix of ids
//! (`docker`, `policy.main`), or either with a trailing `*` (`policy.*`, `k8s.run*`). A
//! rule runs when some `--select` pattern matches it (every rule when none is given) and
//! no `--ignore` pattern does. Built-in rules not selected are switched off before the run,
//! so they cost nothing; policy findings (`policy.<package>.<rule>`, known only once the
//! policies are loaded) are dropped from the outcome.

use crate::config::Config;
use crate::engine::Outcome;
use crate::error::{Error, Result};

/// The `--select` and `--ignore` patterns of a run. The default selects everything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selection {
    select: Vec<String>,
    ignore: Vec<String>,
}

impl Selection {
    /// Checks the patterns with [`pattern`]. Errors (usage): the first that matches no rule.
    pub fn new(select: Vec<String>, ignore: Vec<String>) -> Result<Selection> {
        for p in select.iter().chain(&ignore) {
            pattern(p).map_err(Error::Usage)?;
        }
        Ok(Selection { select, ignore })
    }

    /// Whether nothing is narrowed.
    pub fn is_everything(&self) -> bool {
        self.select.is_empty() && self.ignore.is_empty()
    }

    /// Whether the rule `id` is reported.
    pub fn allows(&self, id: &str) -> bool {
        (self.select.is_empty() || self.select.iter().any(|p| matches(p, id)))
            && !self.ignore.iter().any(|p| matches(p, id))
    }

    /// Whether some policy finding could be reported (else the policies need not run).
    pub fn allows_policies(&self) -> bool {
        (self.select.is_empty() || self.select.iter().any(|p| may_match_policy(p)))
            && !self.ignore.iter().any(|p| matches_every_policy(p))
    }

    /// Switches off the built-in rules of `config` this selection leaves out.
    pub fn apply(&self, config: &mut Config) {
        if self.is_everything() {
            return;
        }
        for (id, settings) in config.rules.iter_mut() {
            if !self.allows(id.as_str()) {
                settings.enabled = false;
            }
        }
    }

    /// Drops from `outcome` the findings (counted, suppressed, waived) of rules left out.
    pub fn filter(&self, outcome: &mut Outcome) {
        if self.is_everything() {
            return;
        }
        outcome.findings.retain(|f| self.allows(&f.rule));
        outcome.suppressed.retain(|s| self.allows(&s.rule));
        outcome.waived.retain(|w| self.allows(&w.rule));
    }
}

/// Checks one pattern: it must match a built-in rule or be under `policy.`. Errors: the
/// pattern in words, with the nearest rule id when there is one (clap's value parser).
pub fn pattern(p: &str) -> std::result::Result<String, String> {
    if may_match_policy(p) || crate::rules::ALL.iter().any(|r| matches(p, r.id.as_str())) {
        Ok(p.to_string())
    } else {
        Err(format!(
            "no rule matches {p:?}{}; `git govern rules` lists them",
            crate::rules::did_you_mean(p)
        ))
    }
}

/// Whether `p` may match some `policy.<package>.<rule>` id.
fn may_match_policy(p: &str) -> bool {
    p == "policy"
        || p.starts_with("policy.")
        || p.strip_suffix('*')
            .is_some_and(|pre| "policy.".starts_with(pre) || pre.starts_with("policy."))
}

/// Whether `p` matches every policy id.
fn matches_every_policy(p: &str) -> bool {
    p == "policy"
        || p.strip_suffix('*')
            .is_some_and(|pre| "policy.".starts_with(pre))
}

/// Whether `pattern` matches rule `id`: equal, a dotted prefix of it, or a `*` prefix.
fn matches(pattern: &str, id: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => id.starts_with(prefix),
        None => {
            id == pattern
                || id
                    .strip_prefix(pattern)
                    .is_some_and(|rest| rest.starts_with('.'))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns() {
        let s = |sel: &[&str], ign: &[&str]| {
            Selection::new(
                sel.iter().map(|s| s.to_string()).collect(),
                ign.iter().map(|s| s.to_string()).collect(),
            )
            .unwrap()
        };
        let only_policies = s(&["policy.*"], &[]);
        assert!(only_policies.allows("policy.main.deny"));
        assert!(!only_policies.allows("docker.user-not-root"));
        assert!(only_policies.allows_policies());
        let docker = s(&["docker"], &["docker.healthcheck"]);
        assert!(docker.allows("docker.user-not-root"));
        assert!(!docker.allows("docker.healthcheck"));
        assert!(!docker.allows("dockerish.x"));
        assert!(!docker.allows_policies());
        let no_policies = s(&[], &["policy"]);
        assert!(!no_policies.allows_policies());
        assert!(no_policies.allows("k8s.probes"));
        assert!(s(&[], &["policy.main"]).allows_policies());
        assert!(s(&[], &[]).is_everything());
        let err = Selection::new(vec!["docker.user-not-rot".into()], vec![]).unwrap_err();
        assert!(err.to_string().contains("docker.user-not-root"), "{err}");
    }
}
