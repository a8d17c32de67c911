//! Commands that describe git-govern itself: `rules`, `explain` and `man`.

use std::io::Write;

use git_govern::{output, rules, Error};

/// `git govern rules [--json]`: every rule with its default severity.
pub fn rules(json: bool) -> Result<i32, Error> {
    if json {
        let v: Vec<_> = rules::ALL
            .iter()
            .map(|r| serde_json::json!({"id": r.id, "severity": r.severity, "version": r.version, "reads": r.reads(), "summary": r.summary}))
            .collect();
        println!("{}", serde_json::to_string_pretty(&v).expect("json"));
    } else {
        let w = rules::ALL
            .iter()
            .map(|r| r.id.as_str().len())
            .max()
            .unwrap_or(0);
        for r in rules::ALL {
            println!("{:<w$}  {:<7}  {}", r.id, r.severity.as_str(), r.summary);
        }
    }
    Ok(0)
}

/// `git govern explain RULE`. Errors: an unknown rule id (usage).
pub fn explain(rule: &str) -> Result<i32, Error> {
    match rules::by_id(rule) {
        Some(r) => {
            print!("{}", rules::explain(r));
            Ok(0)
        }
        None => Err(Error::Usage(format!(
            "unknown rule {rule:?}; `git govern rules` lists them"
        ))),
    }
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
