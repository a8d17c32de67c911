//! `git govern baseline`: today's findings recorded as waivers in `.govern.yaml`, so that a
//! repository adopting git-govern starts clean and only what a change introduces blocks.
//!
//! Each waiver names one rule, one path (glob-escaped) and the finding's exact message, so
//! a new finding of the same rule in the same file is not covered; all share an owner, an
//! expiry and a reason, so they are reviewed together. The file's text is edited, not
//! rewritten: comments and order stay, the new entries go at the end of `waivers:`.

use std::collections::BTreeSet;

use crate::config::Config;
use crate::engine::Outcome;
use crate::error::{Error, Result};

/// One finding to waive.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Entry {
    /// The rule id.
    pub rule: String,
    /// The repo-relative path, as reports show it.
    pub path: String,
    /// The finding's message.
    pub message: String,
}

/// Who answers for the baseline and until when.
#[derive(Debug, Clone)]
pub struct Terms {
    /// Owner of every waiver written (`@org/team`).
    pub owner: String,
    /// The last day they hold.
    pub expires: jiff::civil::Date,
    /// Why they were accepted.
    pub reason: String,
}

/// The findings of `outcome` a baseline waives, sorted and without repeats, leaving out
/// those `config` already waives by message and `waiver.expired` findings (a waiver that
/// ran out is renewed by hand, after review).
pub fn entries(outcome: &Outcome, config: &Config) -> Vec<Entry> {
    let set: BTreeSet<Entry> = outcome
        .findings
        .iter()
        .filter(|f| f.rule != crate::rules::waiver::expired::RULE.id.as_str())
        .map(|f| Entry {
            rule: f.rule.clone(),
            path: f.path.shown().into_owned(),
            message: f.message.clone(),
        })
        .filter(|e| {
            !config.waivers.iter().any(|w| {
                w.rule == e.rule
                    && w.message.as_deref() == Some(&e.message)
                    && w.path == glob(&e.path)
            })
        })
        .collect();
    set.into_iter().collect()
}

/// A path as a glob that matches it alone.
fn glob(path: &str) -> String {
    globset::escape(path)
}

/// A YAML double-quoted scalar of `s` (JSON's string syntax is YAML's).
fn quoted(s: &str) -> String {
    serde_json::to_string(s).expect("a string serializes")
}

/// The YAML list items of `entries` under `terms`, indented by `indent`.
fn items(entries: &[Entry], terms: &Terms, indent: &str) -> String {
    let pad = format!("{indent}  ");
    entries
        .iter()
        .map(|e| {
            format!(
                "{indent}- rule: {}\n{pad}path: {}\n{pad}message: {}\n{pad}reason: {}\n{pad}owner: {}\n{pad}expires: {}\n",
                e.rule,
                quoted(&glob(&e.path)),
                quoted(&e.message),
                quoted(&terms.reason),
                quoted(&terms.owner),
                terms.expires
            )
        })
        .collect()
}

/// `text` (a `.govern.yaml`, possibly empty) with `entries` added to its `waivers:` list:
/// after the list's last line when it is a block list, in place of `waivers: []`, or as a
/// new `waivers:` at the end. The result is parsed again, so what is written is a valid
/// configuration. Errors (usage): a `waivers:` written in flow style with entries, or a
/// result that does not parse (`shown` names the file).
pub fn add(text: &str, entries: &[Entry], terms: &Terms, shown: &str) -> Result<String> {
    let lines: Vec<&str> = text.lines().collect();
    let key = lines.iter().position(|l| l.starts_with("waivers:"));
    let mut out = String::new();
    match key {
        None => {
            out.push_str(text);
            if !text.is_empty() && !text.ends_with('\n') {
                out.push('\n');
            }
            out.push_str("waivers:\n");
            out.push_str(&items(entries, terms, "  "));
        }
        Some(k) => {
            let rest = lines[k]["waivers:".len()..].trim();
            let rest = rest.split(" #").next().unwrap_or("").trim();
            if !(rest.is_empty() || rest == "[]") {
                return Err(Error::Usage(format!(
                    "{shown}: `waivers:` is written in flow style; write it as a block list \
                     (one `- rule: …` per line) and run baseline again"
                )));
            }
            // The block list runs until the next line that starts a top-level key.
            let end = (k + 1..lines.len())
                .find(|&i| {
                    let l = lines[i];
                    !(l.is_empty() || l.starts_with([' ', '\t', '-', '#']))
                })
                .unwrap_or(lines.len());
            let indent = lines[k + 1..end]
                .iter()
                .find_map(|l| {
                    l.trim_start()
                        .starts_with("- ")
                        .then(|| &l[..l.len() - l.trim_start().len()])
                })
                .unwrap_or("  ");
            for l in &lines[..k] {
                out.push_str(l);
                out.push('\n');
            }
            out.push_str("waivers:\n");
            for l in &lines[k + 1..end] {
                out.push_str(l);
                out.push('\n');
            }
            out.push_str(&items(entries, terms, indent));
            for l in &lines[end..] {
                out.push_str(l);
                out.push('\n');
            }
        }
    }
    Config::parse(&out, shown)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terms() -> Terms {
        Terms {
            owner: "@acme/web".into(),
            expires: "2027-03-01".parse().unwrap(),
            reason: "baseline".into(),
        }
    }

    fn entry(rule: &str, path: &str) -> Entry {
        Entry {
            rule: rule.into(),
            path: path.into(),
            message: "a \"quoted\" message: with colons".into(),
        }
    }

    #[test]
    fn waivers_are_added_where_the_list_is() {
        let e = [entry("docker.user-not-root", "svc/[x]/Dockerfile")];
        let fresh = add("", &e, &terms(), ".govern.yaml").unwrap();
        let c = Config::parse(&fresh, ".govern.yaml").unwrap();
        assert_eq!(c.waivers.len(), 1);
        assert!(c.waivers[0].covers(
            "docker.user-not-root",
            "svc/[x]/Dockerfile",
            "a \"quoted\" message: with colons"
        ));
        assert!(!c.waivers[0].covers("docker.user-not-root", "svc/x/Dockerfile", &e[0].message));
        assert!(!c.waivers[0].covers("docker.user-not-root", "svc/[x]/Dockerfile", "other"));

        let existing = "strict: true # keep\nwaivers:\n    - rule: k8s.probes\n      path: \"a.yaml\"\n      reason: r\n      owner: \"@o\"\n      expires: 2030-01-01\n# trailing comment\nexclude: [\"vendor/**\"]\n";
        let t = add(existing, &e, &terms(), ".govern.yaml").unwrap();
        let c = Config::parse(&t, ".govern.yaml").unwrap();
        assert_eq!(c.waivers.len(), 2);
        assert!(c.strict && t.contains("# keep") && t.contains("exclude: [\"vendor/**\"]"));

        let t = add("waivers: []\n", &e, &terms(), ".govern.yaml").unwrap();
        assert_eq!(Config::parse(&t, ".govern.yaml").unwrap().waivers.len(), 1);
        assert!(add("waivers: [{rule: x}]\n", &e, &terms(), ".govern.yaml").is_err());
    }
}
