//! Commands that describe git-govern itself: `rules`, `explain` and `man`.

use std::io::Write;

use git_govern::{output, rules, Error};

use super::env::Env;

/// `git govern rules [--json]`: every built-in rule with its default severity, then the
/// Rego policy rules a check here evaluates (with their file and line).
pub fn rules(json: bool, env: &Env) -> Result<i32, Error> {
    let policies = policy_rules(env);
    if json {
        let mut v: Vec<_> = rules::ALL
            .iter()
            .map(|r| serde_json::json!({"id": r.id, "severity": r.severity, "version": r.version, "reads": r.reads(), "summary": r.summary}))
            .collect();
        v.extend(policies.iter().map(|p| {
            serde_json::json!({"id": p.id(), "severity": p.severity, "reads": "policy", "summary": summary(p), "file": p.file, "line": p.line})
        }));
        println!("{}", serde_json::to_string_pretty(&v).expect("json"));
    } else {
        let w = rules::ALL
            .iter()
            .map(|r| r.id.as_str().len())
            .chain(policies.iter().map(|p| p.id().len()))
            .max()
            .unwrap_or(0);
        for r in rules::ALL {
            println!("{:<w$}  {:<7}  {}", r.id, r.severity.as_str(), r.summary);
        }
        for p in &policies {
            let where_ = format!("[{}:{}]", p.file, p.line);
            println!(
                "{:<w$}  {:<7}  {} {where_}",
                p.id(),
                p.severity.as_str(),
                summary(p)
            );
        }
    }
    Ok(0)
}

/// The policy rules a check in the current directory evaluates; on an error (a policy that
/// does not parse), a warning and none.
fn policy_rules(env: &Env) -> Vec<git_govern::policy::PolicyRule> {
    let opts = env.options(
        None,
        Default::default(),
        git_govern::session::CacheChoice::Off,
    );
    match super::env::cwd().and_then(|cwd| git_govern::check::policy_rules(&cwd, &opts)) {
        Ok(rules) => rules,
        Err(e) => {
            eprintln!("git-govern: warning: policy rules not listed: {e}");
            Vec::new()
        }
    }
}

/// A policy rule's summary: the first sentence of its comment, or what it is.
fn summary(p: &git_govern::policy::PolicyRule) -> String {
    p.summary()
        .unwrap_or_else(|| format!("Rego rule {} of package {}.", p.name, p.package))
}

/// `git govern explain RULE`. Errors: an unknown rule id (usage).
/// A `policy.<package>.<rule>` id is looked up among the policy rules a check here
/// evaluates.
pub fn explain(rule: &str, env: &Env) -> Result<i32, Error> {
    if let Some(r) = rules::by_id(rule) {
        print!("{}", rules::explain(r));
        return Ok(0);
    }
    if rule.starts_with("policy.") {
        if let Some(p) = policy_rules(env).into_iter().find(|p| p.id() == rule) {
            print!("{}", p.explain());
            return Ok(0);
        }
    }
    Err(Error::Usage(format!(
        "unknown rule {rule:?}; `git govern rules` lists them"
    )))
}

/// `git govern man [--install]`: the man page of `command`, printed or written to
/// `<prefix>/share/man/man1/git-govern.1` where `<prefix>` is the directory above this
/// binary's.
pub fn man(command: clap::Command, install: bool) -> Result<i32, Error> {
    let mut page = Vec::new();
    clap_mangen::Man::new(command)
        .render(&mut page)
        .map_err(|e| Error::io("rendering the man page", e))?;
    if !install {
        let _ = std::io::stdout().write_all(&page);
        return Ok(0);
    }
    let exe = std::env::current_exe().map_err(|e| Error::io("locating git-govern", e))?;
    let prefix = exe
        .parent()
        .and_then(|p| p.parent())
        .ok_or_else(|| Error::Usage("cannot tell the install prefix".into()))?;
    let target = prefix.join("share/man/man1/git-govern.1");
    output::write_atomic(&target, &page)?;
    println!(
        "installed {} (`git govern --help` now shows it)",
        target.display()
    );
    Ok(0)
}
