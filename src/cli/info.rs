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
        "unknown rule {rule:?}{}; `git govern rules` lists them",
        rules::did_you_mean(rule)
    )))
}

/// Every man page of `command`: its own and one per subcommand, recursively (hidden ones
/// left out), as (file name, page): `git-govern.1`, `git-govern-check.1`, ….
fn man_pages(command: clap::Command) -> Result<Vec<(String, Vec<u8>)>, Error> {
    fn walk(cmd: clap::Command, out: &mut Vec<(String, Vec<u8>)>) -> Result<(), Error> {
        for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()).cloned() {
            walk(sub, out)?;
        }
        let man = clap_mangen::Man::new(cmd);
        let mut page = Vec::new();
        man.render(&mut page)
            .map_err(|e| Error::io("rendering the man page", e))?;
        out.push((man.get_filename(), page));
        Ok(())
    }
    let mut command = command.disable_help_subcommand(true);
    command.build();
    let mut pages = Vec::new();
    walk(command, &mut pages)?;
    pages.sort();
    Ok(pages)
}

/// `git govern man [COMMAND] [--install | --dir DIR]`: print the page of git-govern or of
/// one of its commands, or write every page to DIR or to `<prefix>/share/man/man1/` where
/// `<prefix>` is the directory above this binary's. Errors: an unknown command (usage), a
/// write that fails.
pub fn man(
    command: clap::Command,
    which: Option<&str>,
    install: bool,
    dir: Option<std::path::PathBuf>,
) -> Result<i32, Error> {
    let pages = man_pages(command)?;
    if let Some(dir) = dir {
        for (name, page) in &pages {
            output::write_atomic(&dir.join(name), page)?;
        }
        println!("wrote {} man pages in {}", pages.len(), dir.display());
        return Ok(0);
    }
    if !install {
        let name = match which {
            Some(sub) => format!("git-govern-{}.1", sub.replace(' ', "-")),
            None => "git-govern.1".to_string(),
        };
        let Some((_, page)) = pages.iter().find(|(n, _)| *n == name) else {
            return Err(Error::Usage(format!(
                "no man page for {:?}; `git govern --help` lists the commands",
                which.unwrap_or_default()
            )));
        };
        let _ = std::io::stdout().write_all(page);
        return Ok(0);
    }
    let exe = std::env::current_exe().map_err(|e| Error::io("locating git-govern", e))?;
    let prefix = exe
        .parent()
        .and_then(|p| p.parent())
        .ok_or_else(|| Error::Usage("cannot tell the install prefix".into()))?;
    let dir = prefix.join("share/man/man1");
    for (name, page) in &pages {
        output::write_atomic(&dir.join(name), page)?;
    }
    println!(
        "installed {} man pages in {} (`git govern --help` now shows git-govern(1))",
        pages.len(),
        dir.display()
    );
    Ok(0)
}

/// Bash glue so that `git govern <TAB>` completes too: git's completion calls
/// `_git_govern`, which hands the words after `git` to clap's `_git__govern`.
const BASH_GIT_GLUE: &str = r#"
# `git govern <TAB>`: git's completion (git-completion.bash) calls _git_govern.
_git_govern() {
    local COMP_WORDS=("git-govern" "${COMP_WORDS[@]:2}")
    local COMP_CWORD=$((COMP_CWORD - 1))
    _git__govern git-govern "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
}
"#;

/// `git govern completions SHELL`: the completion script for `shell` on stdout (bash's
/// with [`BASH_GIT_GLUE`]).
pub fn completions(mut command: clap::Command, shell: clap_complete::Shell) -> Result<i32, Error> {
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut command, "git-govern", &mut script);
    if shell == clap_complete::Shell::Bash {
        // clap_complete 4.6 names the states of a hyphenated binary two ways
        // (`git__govern__subcmd__check` where it enters one, `git__subcmd__govern__…` where
        // it completes it), so nothing after the first word would complete; one spelling.
        script = String::from_utf8_lossy(&script)
            .replace("git__subcmd__govern", "git__govern")
            .into_bytes();
        script.extend_from_slice(BASH_GIT_GLUE.as_bytes());
    }
    let _ = std::io::stdout().write_all(&script);
    Ok(0)
}
