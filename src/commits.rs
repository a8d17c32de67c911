//! Commit messages through the rules: the commit-msg hook and `check --commits RANGE`.

use std::path::Path;
use std::process::Command;

use crate::check::{root_of, CheckRun};
use crate::engine::{self, Outcome};
use crate::error::{Error, Result};
use crate::finding::RawFinding;
use crate::message::{self, Message};
use crate::path::RepoPath;
use crate::rules::RuleSet;
use crate::session::{Options, Session};

/// Adds the findings of the commit-message rules for one message to `out` under `path`;
/// with `merge`, all findings of a rule become one finding (one per bad commit).
fn add_message_findings(
    out: &mut Outcome,
    session: &Session,
    msg: &Message,
    path: &RepoPath,
    merge: bool,
) {
    out.commits_checked += 1;
    for (rule, raws) in engine::message_findings(msg, &session.config, session.schema()) {
        out.evaluated.push((path.clone(), RuleSet::of(rule)));
        if raws.is_empty() {
            continue;
        }
        if merge {
            let merged = merged_finding(rule.id, msg, &raws);
            engine::collect(out, &session.config, path, std::slice::from_ref(&merged));
        } else {
            engine::collect(out, &session.config, path, &raws);
        }
    }
}

/// One finding of `rule` for a commit of history: the subject (at most 60 characters)
/// and every message of `raws`.
fn merged_finding(rule: crate::rules::RuleId, msg: &Message, raws: &[RawFinding]) -> RawFinding {
    let subject = msg.subject().map_or("", |l| l.text.as_str());
    let shown: String = subject.chars().take(60).collect();
    let ellipsis = if subject.chars().count() > 60 {
        "…"
    } else {
        ""
    };
    let joined =
        |f: fn(&RawFinding) -> &str, sep: &str| raws.iter().map(f).collect::<Vec<_>>().join(sep);
    let mut merged = RawFinding::new(
        rule,
        None,
        format!(
            "{shown:?}{ellipsis}: {}",
            joined(|r| r.message.as_str(), "; ")
        ),
        joined(|r| r.help.as_str(), " "),
    );
    merged.line = raws.first().and_then(|r| r.line);
    merged
}

/// The commit-msg hook: checks the message file `file` (as git hands it over: comments and
/// the scissors section ignored, with `core.commentChar`/`core.commentString` honoured).
/// Findings name `file` as given and its line numbers. Errors: the file cannot be read, or
/// the configuration is invalid.
pub fn commit_msg(cwd: &Path, file: &Path, opts: &Options) -> Result<CheckRun> {
    let (repo, root) = root_of(cwd)?;
    let bytes = crate::read::bounded(&cwd.join(file), crate::read::CONFIG_LIMIT).map_err(|e| {
        Error::Usage(format!(
            "cannot read the commit message file {}: {e}",
            file.display()
        ))
    })?;
    let configured = repo.as_ref().and_then(|r| {
        let c = r.config_snapshot();
        c.string("core.commentString")
            .or_else(|| c.string("core.commentChar"))
            .map(|s| s.to_string())
    });
    let prefix = message::comment_prefix(configured.as_deref(), &bytes);
    let msg = Message::parse(&bytes, &prefix);
    let mut session = Session::open(&root, opts)?;
    component_scopes(&mut session, repo.as_ref())?;
    let mut outcome = Outcome::default();
    let path = RepoPath::from_relative(file);
    add_message_findings(&mut outcome, &session, &msg, &path, false);
    session.finish(&mut outcome);
    Ok(CheckRun::new(outcome, session))
}

/// With `commit.conventional`'s `scopes_from_components`, adds the monorepo's component
/// names (from the index) to its allowed scopes. Errors: the index cannot be read.
fn component_scopes(session: &mut Session, repo: Option<&gix::Repository>) -> Result<()> {
    use crate::rules::commit::conventional;
    let rule = &conventional::RULE;
    let settings = session.config.rule(rule);
    let opts: &conventional::Options = settings.options.get();
    if !settings.enabled || !opts.scopes_from_components {
        return Ok(());
    }
    let Some(repo) = repo else { return Ok(()) };
    let index = repo
        .index_or_empty()
        .map_err(|e| Error::Usage(format!("reading the index: {e}")))?;
    let paths: Vec<RepoPath> = index
        .entries()
        .iter()
        .map(|e| RepoPath::from_bytes(e.path(&index).to_vec()))
        .collect();
    let mut scopes = opts.scopes.clone();
    scopes.extend(crate::components::scope_names(&session.root, &paths));
    let mut json = settings.options.json.clone();
    json["scopes"] = serde_json::json!(scopes);
    let options = crate::rules::options::read(rule.id.as_str(), rule.options, Some(&json))
        .map_err(|(_, m)| Error::Usage(m))?;
    if let Some(s) = session.config.rules.get_mut(&rule.id) {
        s.options = options;
    }
    Ok(())
}

/// What to do when `git log RANGE` fails: in a shallow clone, fetch more history; a range
/// naming a remote branch, fetch that branch. Empty when neither applies.
fn range_hint(cwd: &Path, range: &str) -> String {
    let shallow = Command::new("git")
        .args(["rev-parse", "--is-shallow-repository"])
        .current_dir(cwd)
        .output()
        .is_ok_and(|o| o.stdout.starts_with(b"true"));
    let mut hint = String::new();
    if shallow {
        hint.push_str(
            "\nhint: this clone is shallow, so the range may reach past its history: fetch it \
             (`git fetch --unshallow`, or `fetch-depth: 0` with actions/checkout)",
        );
    }
    let base = range
        .split("..")
        .next()
        .unwrap_or("")
        .trim_start_matches('^');
    if let Some((remote, branch)) = base.split_once('/') {
        if !remote.is_empty() && !branch.is_empty() && !base.contains(['~', '^', '@']) {
            hint.push_str(&format!(
                "\nhint: if {base} is missing here, fetch it: `git fetch {remote} {branch}`"
            ));
        }
    }
    hint
}

/// `check --commits RANGE`: the message of every commit `git log RANGE` lists (at most
/// `max_count`, newest first), one finding per bad commit, named by its short id. Errors:
/// git cannot resolve the range.
pub fn commits(
    cwd: &Path,
    range: &str,
    max_count: Option<usize>,
    opts: &Options,
) -> Result<CheckRun> {
    let (_, root) = root_of(cwd)?;
    let mut git = Command::new("git");
    git.args(["log", "-z", "--format=%h%x00%B"]);
    if let Some(n) = max_count {
        git.arg(format!("--max-count={n}"));
    }
    let out = git
        .args(["--end-of-options", range, "--"])
        .current_dir(cwd)
        .output()
        .map_err(|e| Error::io("running git log", e))?;
    if !out.status.success() {
        return Err(Error::Usage(format!(
            "git log {range}: {}{}",
            String::from_utf8_lossy(&out.stderr).trim(),
            range_hint(cwd, range)
        )));
    }
    let session = Session::open(&root, opts)?;
    let mut outcome = Outcome::default();
    let text = String::from_utf8_lossy(&out.stdout);
    let mut fields = text.split('\0');
    while let (Some(id), Some(body)) = (fields.next(), fields.next()) {
        let id = id.trim_start_matches('\n');
        if id.is_empty() {
            continue;
        }
        let msg = Message::from_history(body);
        let path = RepoPath::from_bytes(id.as_bytes());
        add_message_findings(&mut outcome, &session, &msg, &path, true);
    }
    session.finish(&mut outcome);
    Ok(CheckRun::new(outcome, session))
}
