//! Accepted findings: waivers and the secrets allow-list of `.govern.yaml`, applied to an
//! [`Outcome`] after evaluation (so cached results never depend on them).
//!
//! A finding whose fingerprint is allow-listed becomes suppressed; a finding that a
//! waiver in force covers moves to [`Outcome::waived`]; every expired waiver becomes a
//! `waiver.expired` finding at its line in the config file and waives nothing.

use jiff::civil::Date;

use crate::config::Config;
use crate::engine::Outcome;
use crate::finding::{Finding, Suppressed, Waived};
use crate::path::RepoPath;
use crate::rules::waiver::expired;

/// Applies the allow-list and the waivers of `config` to `out` as of `today`, then restores
/// the report order.
pub fn apply(out: &mut Outcome, config: &Config, today: Date) {
    let findings = std::mem::take(&mut out.findings);
    for f in findings {
        let path = f.path.display().into_owned();
        if f.fingerprint
            .as_ref()
            .is_some_and(|fp| config.secrets.fingerprints.contains(fp))
        {
            out.suppressed.push(Suppressed {
                rule: f.rule,
                path: f.path,
                line: f.line,
                reason: format!("fingerprint allow-listed in {}", config.source),
            });
            continue;
        }
        match config
            .waivers
            .iter()
            .find(|w| today <= w.expires && w.covers(&f.rule, &path, &f.message))
        {
            Some(w) => out.waived.push(Waived {
                rule: f.rule,
                path: f.path,
                line: f.line,
                reason: w.reason.clone(),
                owner: w.owner.clone(),
                expires: w.expires.to_string(),
            }),
            None => out.findings.push(f),
        }
    }
    let settings = config.rule(&expired::RULE);
    if settings.enabled {
        for w in config.waivers.iter().filter(|w| today > w.expires) {
            out.findings.push(Finding {
                rule: expired::RULE.id.to_string(),
                severity: settings.severity,
                path: RepoPath::from_bytes(config.source.clone().into_bytes()),
                line: crate::finding::Line::new(w.line),
                column: None,
                message: format!(
                    "the waiver of {} on {:?} expired on {} (owner: {})",
                    w.rule,
                    w.path,
                    w.expires,
                    if w.owner.is_empty() { "none named" } else { &w.owner }
                ),
                help: format!(
                    "Ask {} to fix the findings it covered and delete the waiver, or to renew it with a later `expires` after review.",
                    if w.owner.is_empty() { "its owner" } else { &w.owner }
                ),
                fingerprint: None,
            });
        }
    }
    out.sort();
}
