//! `git govern init` and `git govern baseline`: bringing an existing repository under
//! governance. The fields `init` is not given are asked for on a terminal and are a usage
//! error elsewhere; the work is in the library (`git_govern::init`, `git_govern::baseline`).

use std::io::{BufRead, IsTerminal, Write};
use std::path::Path;

use git_govern::baseline::{self, Terms};
use git_govern::init::{self, Action, Metadata};
use git_govern::session::{CacheChoice, PolicyOptions};
use git_govern::source::Mode;
use git_govern::{check, Error};

use super::args::{BaselineArgs, InitArgs};
use super::env::{self, cwd, Env};

/// The language a repository's build files suggest, if any.
fn guess_language(root: &Path) -> Option<&'static str> {
    let has = |f: &str| root.join(f).exists();
    [
        ("Cargo.toml", "rust"),
        ("go.mod", "go"),
        ("tsconfig.json", "typescript"),
        ("package.json", "javascript"),
        ("pyproject.toml", "python"),
        ("requirements.txt", "python"),
        ("setup.py", "python"),
        ("pom.xml", "java"),
        ("build.gradle", "java"),
        ("build.gradle.kts", "kotlin"),
        ("Gemfile", "ruby"),
        ("composer.json", "php"),
        ("mix.exs", "elixir"),
    ]
    .into_iter()
    .find(|(f, _)| has(f))
    .map(|(_, l)| l)
}

/// A directory name as a repository slug: lower case, other characters as `-`.
fn slug(name: &str) -> String {
    let s: String = name
        .to_lowercase()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || ".-_".contains(c) {
                c
            } else {
                '-'
            }
        })
        .collect();
    s.trim_start_matches(|c: char| !c.is_ascii_alphanumeric())
        .to_string()
}

/// Asks for one field on the terminal; an empty answer takes `default`.
fn ask(field: &str, hint: &str, default: Option<&str>) -> Result<String, Error> {
    let mut err = std::io::stderr().lock();
    let shown = default.map(|d| format!(" [{d}]")).unwrap_or_default();
    let _ = write!(err, "{field} ({hint}){shown}: ");
    let _ = err.flush();
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| Error::io("reading the answer", e))?;
    let answer = line.trim();
    Ok(match (answer.is_empty(), default) {
        (true, Some(d)) => d.to_string(),
        _ => answer.to_string(),
    })
}

/// The metadata `a` gives, completed by asking on a terminal. Errors (usage): fields
/// missing where nobody can be asked, a tier that is not 1-4.
fn metadata(a: &InitArgs, root: &Path) -> Result<Metadata, Error> {
    let dir = root.file_name().map(|n| slug(&n.to_string_lossy()));
    let interactive = std::io::stdin().is_terminal();
    let mut missing = Vec::new();
    let mut field = |given: &Option<String>, flag: &str, hint: &str, default: Option<String>| {
        if let Some(v) = given {
            return Ok(v.clone());
        }
        if interactive {
            return ask(flag, hint, default.as_deref());
        }
        match default {
            Some(d) => Ok(d),
            None => {
                missing.push(format!("--{flag}"));
                Ok(String::new())
            }
        }
    };
    let name = field(&a.name, "name", "lower-case slug", dir)?;
    let kind = field(&a.kind, "type", "service, api, app, library, tool, …", None)?;
    let language = field(
        &a.language,
        "language",
        "lower case",
        guess_language(root).map(str::to_string),
    )?;
    let tier = field(
        &a.tier.map(|t| t.to_string()),
        "tier",
        "1 critical … 4 experimental",
        None,
    )?;
    let owner = field(&a.owner, "owner", "@org/team", None)?;
    let lifecycle = field(
        &a.lifecycle,
        "lifecycle",
        "experimental, development, beta, production, …",
        Some("development".into()).filter(|_| interactive),
    )?;
    if !missing.is_empty() {
        return Err(Error::Usage(format!(
            "init needs {} (stdin is not a terminal, so nothing was asked)",
            missing.join(", ")
        )));
    }
    let tier = tier
        .parse::<u8>()
        .ok()
        .filter(|t| (1..=4).contains(t))
        .ok_or_else(|| Error::Usage(format!("--tier: {tier:?} is not 1, 2, 3 or 4")))?;
    Ok(Metadata {
        name,
        kind,
        language,
        tier,
        owner,
        lifecycle,
    })
}

/// `git govern init`: writes the files, says what it did and what comes next.
pub fn init(a: &InitArgs) -> Result<i32, Error> {
    let (_, root) = check::root_of(&cwd()?)?;
    let m = metadata(a, &root)?;
    let steps = init::init(&root, &m, a.dockerfile)?;
    let mut written = Vec::new();
    for s in &steps {
        match &s.action {
            Action::Wrote => {
                println!("wrote {}", s.path);
                written.push(s.path.as_str());
            }
            Action::Kept(why) => println!("kept  {} ({why})", s.path),
        }
        if let Some(note) = &s.note {
            println!("      {note}");
        }
    }
    if !written.is_empty() {
        println!(
            "\nnext: review them, `git add {}`, then `git govern check --all`",
            written.join(" ")
        );
    }
    Ok(0)
}

/// `git govern baseline`: checks every tracked file and writes the findings as waivers.
pub fn baseline(a: &BaselineArgs, env: &Env) -> Result<i32, Error> {
    let expires: jiff::civil::Date = a.expires.parse().map_err(|_| {
        Error::Usage(format!(
            "--expires {:?} is not a date (YYYY-MM-DD)",
            a.expires
        ))
    })?;
    if expires <= env.today {
        return Err(Error::Usage(format!(
            "--expires {expires} is not after today ({}); a baseline must end in the future",
            env.today
        )));
    }
    let cwd = cwd()?;
    let opts = env.options(None, PolicyOptions::default(), CacheChoice::Default);
    let run = check::check(&cwd, &Mode::All, &opts, &env::user_cache_file())?;
    let (_, root) = check::root_of(&cwd)?;
    let entries = baseline::entries(&run.outcome, &run.config);
    for e in &run.outcome.errors {
        eprintln!(
            "git-govern: {}: could not check ({}); a baseline cannot waive it",
            e.path.shown(),
            e.message
        );
    }
    if entries.is_empty() {
        println!("nothing to record: no finding is left unwaived");
        return Ok(if run.outcome.errors.is_empty() { 0 } else { 2 });
    }
    let file = root.join(git_govern::config::FILE_NAME);
    let text = match std::fs::symlink_metadata(&file) {
        Ok(_) => git_govern::read::bounded_text(&file, git_govern::read::CONFIG_LIMIT)
            .map_err(|e| Error::io(format!("reading {}", file.display()), e))?,
        Err(_) => String::new(),
    };
    let terms = Terms {
        owner: a.owner.clone(),
        expires,
        reason: a
            .reason
            .clone()
            .unwrap_or_else(|| format!("accepted when git-govern was adopted on {}", env.today)),
    };
    let new = baseline::add(&text, &entries, &terms, git_govern::config::FILE_NAME)?;
    git_govern::output::write_atomic(&file, new.as_bytes())?;
    println!(
        "recorded {} as waivers in {} (owner {}, until {expires}); new findings still block",
        git_govern::words::plural(entries.len(), "finding"),
        git_govern::config::FILE_NAME,
        a.owner
    );
    Ok(if run.outcome.errors.is_empty() { 0 } else { 2 })
}

#[cfg(test)]
mod tests {
    #[test]
    fn directory_names_become_slugs() {
        assert_eq!(super::slug("My Service"), "my-service");
        assert_eq!(super::slug("_api.v2"), "api.v2");
    }
}
