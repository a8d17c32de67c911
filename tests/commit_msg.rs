//! `commit.conventional`: the message file as git hands it to the commit-msg hook, 60+
//! valid and invalid cases (the traps of seed 003's commit standard), then real `git commit`
//! runs through the installed hook and `check --commits` over history.

mod common;
use common::*;

use std::path::Path;

/// (line, fragment of the message) of every finding for `message` under `config`.
fn lint(message: &[u8], config: Option<&str>) -> Vec<(Option<u32>, String)> {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("COMMIT_EDITMSG"), message).unwrap();
    if let Some(c) = config {
        std::fs::write(dir.path().join(".govern.yaml"), c).unwrap();
    }
    let now = jiff::Timestamp::now();
    let opts = git_govern::session::Options::new(now, now.to_zoned(jiff::tz::TimeZone::UTC).date());
    let run = git_govern::commits::commit_msg(dir.path(), Path::new("COMMIT_EDITMSG"), &opts)
        .expect("message checked");
    assert_eq!(run.outcome.commits_checked, 1);
    run.outcome
        .findings
        .iter()
        .map(|f| {
            assert_eq!(f.rule, "commit.conventional");
            assert!(!f.help.is_empty());
            (
                f.line.map(git_govern::finding::Line::get),
                f.message.clone(),
            )
        })
        .collect()
}

const VALID: &[(&str, &str)] = &[
    ("plain type", "feat: add login"),
    ("scope", "fix(api): handle an empty body"),
    ("breaking bang with scope", "feat(api)!: drop the v1 endpoints"),
    ("breaking bang", "feat!: remove the legacy flag"),
    ("seed example 1", "feat(api): add experiment validation endpoint"),
    ("seed example 2", "fix(controller): resolve race condition in state machine"),
    ("seed example 3", "docs(operator): update deployment instructions"),
    ("body and footer", "refactor(controller): extract the state machine\n\nThe controller was 900 lines.\n\nRefs: #12\n"),
    ("deps scope with version", "chore(deps): bump serde to 1.0.200"),
    ("perf", "perf: cache compiled regexes"),
    ("test", "test: cover the empty index"),
    ("style", "style: apply rustfmt"),
    ("git merge", "Merge branch 'main' into feature/PROJ-1-login"),
    ("pull request merge", "Merge pull request #12 from org/feature/x\n\nfeat: x"),
    ("git revert", "Revert \"feat: add login\"\n\nThis reverts commit 1234567."),
    ("fixup", "fixup! feat: add login"),
    ("squash", "squash! fix: handle an empty body"),
    ("amend", "amend! fix: handle an empty body\n\nfix: handle an empty request body"),
    ("CRLF line ends", "fix: handle CRLF\r\n\r\nA body.\r\n"),
    ("git's comment template", "fix: trim the input\n# Please enter the commit message for your changes. Lines starting\n# with '#' will be ignored.\n#\n# On branch main\n"),
    ("leading blank lines", "\n\n\nfix: trim the input\n"),
    ("trailing whitespace", "fix: trim the input   \n\n\n"),
    ("scissors cuts the diff", "feat: add y\n\n# ------------------------ >8 ------------------------\n# Do not modify or remove the line above.\ndiff --git a/x b/x\n+Added stuff.\n+BREAKING change: not ours\n"),
    ("72 Unicode characters, more bytes", "feat: éééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééé"),
    ("noun ending in -ing", "fix: logging of request ids"),
    ("noun ending in -ed", "feat: embed the schema"),
    ("gerund-looking noun", "style: formatting of the tables"),
    ("two scopes", "fix(api,dashboard): align timeouts"),
    ("footers of every kind", "feat: x\n\nBody.\n\nBREAKING CHANGE: the v1 API is gone\nReviewed-by: Sam\nRefs #123"),
    ("hyphenated breaking change", "feat: x\n\nBREAKING-CHANGE: drops v1"),
    ("colon in the body is not a footer", "fix: x\n\nNote: this paragraph has a colon\nand a second line.\n\nSigned-off-by: Dev <dev@example.com>"),
    ("multi-line footer value", "feat: x\n\nBREAKING CHANGE: the config moved\n  to .govern.yaml"),
    ("third person is not judged", "feat: adds retries"),
    ("upper-case subject is not judged", "fix: Handle the empty body"),
];

/// (name, message, [(line, fragment)], config)
/// Expected findings as (line, fragment of the message).
type Expected = &'static [(Option<u32>, &'static str)];

const INVALID: &[(&str, &str, Expected, Option<&str>)] = &[
    ("empty file", "", &[(None, "is empty")], None),
    (
        "only comments",
        "# Please enter the commit message\n#\n",
        &[(None, "is empty")],
        None,
    ),
    ("only whitespace", "  \n\t\n", &[(None, "is empty")], None),
    (
        "free text",
        "Added validation to the API.",
        &[(Some(1), "not in the form")],
        None,
    ),
    (
        "no type",
        "add login",
        &[(Some(1), "not in the form")],
        None,
    ),
    ("WIP", "WIP", &[(Some(1), "not in the form")], None),
    (
        "unknown type",
        "feature: add login",
        &[(Some(1), "`feature` is not one of the commit types")],
        None,
    ),
    (
        "capitalised type",
        "Feat: add login",
        &[(Some(1), "must be lower case")],
        None,
    ),
    (
        "build is not a default type",
        "build: bump rustc",
        &[(Some(1), "`build` is not one of")],
        None,
    ),
    (
        "commitlint's types under the config-conventional preset",
        "ci: cache the cargo registry between jobs",
        &[],
        Some("rules:\n  commit.conventional:\n    options: {preset: config-conventional}\n"),
    ),
    (
        "config-conventional allows 100 characters",
        "revert: undo the cache change that broke the release pipeline on runners with small disks today",
        &[],
        Some("rules:\n  commit.conventional:\n    options: {preset: config-conventional}\n"),
    ),
    (
        "the seed allows 72 characters",
        "fix: undo the cache change that broke the release pipeline on runners with small disks today",
        &[(Some(1), "the limit is 72")],
        None,
    ),
    (
        "types given win over the preset",
        "ci: cache the cargo registry",
        &[(Some(1), "`ci` is not one of")],
        Some("rules:\n  commit.conventional:\n    options: {preset: config-conventional, types: [feat, fix]}\n"),
    ),

    (
        "no space after colon",
        "fix:add x",
        &[(Some(1), "no space after the colon")],
        None,
    ),
    (
        "two spaces after colon",
        "fix:  add x",
        &[(Some(1), "more than one space")],
        None,
    ),
    (
        "no space after bang colon",
        "chore(deps)!:bump serde",
        &[(Some(1), "no space after the colon")],
        None,
    ),
    (
        "empty scope",
        "fix(): add x",
        &[(Some(1), "scope in `()` is empty")],
        None,
    ),
    (
        "empty description",
        "fix: ",
        &[(Some(1), "description after the colon is empty")],
        None,
    ),
    (
        "trailing period",
        "fix: add x.",
        &[(Some(1), "ends with a period")],
        None,
    ),
    (
        "past tense",
        "fix: added x",
        &[(Some(1), "not the imperative mood")],
        None,
    ),
    (
        "gerund",
        "fix: fixing x",
        &[(Some(1), "not the imperative mood")],
        None,
    ),
    (
        "irregular past tense",
        "perf: made it faster",
        &[(Some(1), "`made`")],
        None,
    ),
    (
        "capitalised past tense",
        "fix: Updated the docs link",
        &[(Some(1), "`Updated`")],
        None,
    ),
    (
        "doubled consonant",
        "chore: dropped python 2",
        &[(Some(1), "`dropped`")],
        None,
    ),
    (
        "73 characters",
        "fix: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        &[(Some(1), "73 characters long")],
        None,
    ),
    (
        "73 Unicode characters",
        "feat: ééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééé",
        &[(Some(1), "73 characters long")],
        None,
    ),
    (
        "body right under the subject",
        "fix: x\nbody right away",
        &[(Some(2), "body starts right under")],
        None,
    ),
    (
        "body under the subject after comments",
        "# c\nfix: x\nbody\n",
        &[(Some(3), "body starts right under")],
        None,
    ),
    (
        "footer token with a space",
        "fix: x\n\nA body.\n\nReviewed by: Sam",
        &[(Some(5), "`Reviewed by` contains a space")],
        None,
    ),
    (
        "lower-case breaking change",
        "fix: x\n\nbreaking change: drops v1",
        &[(Some(3), "will not recognise")],
        None,
    ),
    (
        "title-case breaking change",
        "fix: x\n\nBreaking Change: drops v1",
        &[(Some(3), "will not recognise")],
        None,
    ),
    (
        "plural breaking changes",
        "fix: x\n\nBREAKING CHANGES: drops v1",
        &[(Some(3), "will not recognise")],
        None,
    ),
    (
        "breaking change without a space",
        "fix: x\n\nBREAKING CHANGE:drops v1",
        &[(Some(3), "will not recognise")],
        None,
    ),
    (
        "breaking change without description",
        "fix: x\n\nBREAKING CHANGE:",
        &[(Some(3), "no description")],
        None,
    ),
    (
        "no colon",
        "fix(api) add x",
        &[(Some(1), "not in the form")],
        None,
    ),
    (
        "space before colon",
        "fix : add x",
        &[(Some(1), "not in the form")],
        None,
    ),
    (
        "lower-case merge is not git's",
        "merge branch x",
        &[(Some(1), "not in the form")],
        None,
    ),
    (
        "revert without quotes",
        "Revert feat: add login",
        &[(Some(1), "not in the form")],
        None,
    ),
    (
        "fixup without space",
        "fixup!feat: x",
        &[(Some(1), "not in the form")],
        None,
    ),
    (
        "CRLF with a period",
        "fix: x.\r\n",
        &[(Some(1), "ends with a period")],
        None,
    ),
    (
        "several problems at once",
        "Fix:Added x.",
        &[
            (Some(1), "lower case"),
            (Some(1), "no space"),
            (Some(1), "period"),
            (Some(1), "imperative"),
        ],
        None,
    ),
    (
        "scope not configured",
        "fix(web): x",
        &[(Some(1), "`web` is not one of the scopes")],
        Some("rules:\n  commit.conventional:\n    options: {scopes: [api, dashboard]}\n"),
    ),
    (
        "one of two scopes not configured",
        "fix(api,web): x",
        &[(Some(1), "`web` is not one of the scopes")],
        Some("rules:\n  commit.conventional:\n    options: {scopes: [api, dashboard]}\n"),
    ),
    (
        "issue reference required",
        "fix: x\n\nA body.",
        &[(Some(3), "no issue is referenced")],
        Some("rules:\n  commit.conventional:\n    options: {require_issue_reference: true}\n"),
    ),
    (
        "reference in the body does not count",
        "fix: x\n\nFixes the bug from #12 in passing.",
        &[(Some(3), "no issue is referenced")],
        Some("rules:\n  commit.conventional:\n    options: {require_issue_reference: true}\n"),
    ),
    (
        "configured shorter limit",
        "fix: a subject of thirty-one ch",
        &[(Some(1), "limit is 30")],
        Some("rules:\n  commit.conventional:\n    options: {max_subject_length: 30}\n"),
    ),
];

#[test]
fn valid_messages_pass() {
    for (name, msg) in VALID {
        assert_eq!(lint(msg.as_bytes(), None), vec![], "{name}: {msg:?}");
    }
}

#[test]
fn invalid_messages_are_reported_at_their_line() {
    for (name, msg, expected, config) in INVALID {
        let got = lint(msg.as_bytes(), *config);
        assert_eq!(got.len(), expected.len(), "{name}: {msg:?} gave {got:?}");
        for (line, fragment) in expected.iter() {
            assert!(
                got.iter()
                    .any(|(gl, gm)| gl == line && gm.contains(fragment)),
                "{name}: no finding at {line:?} with {fragment:?} in {got:?}"
            );
        }
    }
    assert!(VALID.len() + INVALID.len() >= 60);
}

#[test]
fn configured_types_and_issue_references() {
    let types =
        "rules:\n  commit.conventional:\n    options: {types: [feat, fix, build, ci, revert]}\n";
    assert_eq!(lint(b"build: bump rustc", Some(types)), vec![]);
    assert_eq!(lint(b"revert: undo 1234567", Some(types)), vec![]);
    assert_eq!(lint(b"docs: x", Some(types)).len(), 1);
    let refs = "rules:\n  commit.conventional:\n    options: {require_issue_reference: true}\n";
    for ok in [
        "fix: x\n\nRefs: #12",
        "fix: x\n\nCloses #12",
        "fix: x\n\nBody.\n\nRefs: PROJ-42",
        "feat: x\n\nSee: https://git.example.com/o/r/issues/7",
    ] {
        assert_eq!(lint(ok.as_bytes(), Some(refs)), vec![], "{ok}");
    }
    let bad = "rules:\n  commit.conventional:\n    options: {require_issue_reference: true, issue_pattern: \"([\"}\n";
    assert!(lint(b"fix: x", Some(bad))[0]
        .1
        .contains("not a valid regular expression"));
}

#[test]
fn invalid_utf8_is_read_lossily() {
    assert_eq!(lint(b"fix: caf\xe9 menu", None), vec![]);
    assert_eq!(lint(b"fix: caf\xe9 menu.", None).len(), 1);
}

/// A repository with the hooks installed and one good commit.
fn hooked() -> Repo {
    let repo = Repo::new();
    repo.with_compliant_base();
    repo.commit_all("chore: start");
    let out = repo.govern(&["install"]);
    assert!(out.status.success(), "{}", stderr(&out));
    for hook in ["pre-commit", "commit-msg", "pre-push"] {
        assert!(repo.path().join(".git/hooks").join(hook).exists(), "{hook}");
    }
    repo
}

#[test]
fn git_commit_rejects_a_bad_message_and_accepts_a_good_one() {
    let repo = hooked();
    repo.write("notes.txt", "x\n");
    repo.git(&["add", "-A"]);
    let out = repo.git_output(&["commit", "-q", "-m", "Added notes."]);
    assert!(!out.status.success(), "a bad message must be rejected");
    let said = stdout(&out) + &stderr(&out);
    assert!(said.contains("commit.conventional"), "{said}");
    assert!(
        said.contains("not in the form `<type>(<scope>): <subject>`"),
        "{said}"
    );
    assert!(said.contains("help: Start the subject line with"), "{said}");
    assert!(
        said.contains("COMMIT_EDITMSG"),
        "the finding names the message file: {said}"
    );
    let out = repo.git_output(&["commit", "-q", "-m", "docs: add notes"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        repo.git(&["log", "-1", "--format=%s"]).trim(),
        "docs: add notes"
    );
}

#[test]
fn git_commit_verbose_with_a_custom_comment_char() {
    let repo = hooked();
    repo.git(&["config", "core.commentChar", ";"]);
    // The editor writes the subject above git's template, comments, scissors and diff. The
    // diff adds lines that would break the rules if they were read.
    let editor = repo.path().join("editor.sh");
    std::fs::write(&editor, "#!/bin/sh\n{ printf 'feat: add the notes file\\n\\n#123 is body text here, not a comment\\n'; cat \"$1\"; } > \"$1.new\" && mv \"$1.new\" \"$1\"\n").unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&editor, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    repo.write("notes.txt", "Added stuff.\nBREAKING change: nope\n");
    repo.git(&["add", "notes.txt"]);
    let out = repo
        .cmd("git")
        .args(["commit", "-q", "-v"])
        .env("GIT_EDITOR", &editor)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    let body = repo.git(&["log", "-1", "--format=%B"]);
    assert!(body.contains("#123 is body text"), "{body}");
}

#[test]
fn check_commits_lints_a_range_one_finding_per_bad_commit() {
    let repo = Repo::new();
    repo.with_compliant_base();
    repo.commit_all("chore: start");
    let base = repo.git(&["rev-parse", "HEAD"]).trim().to_string();
    for (i, msg) in ["feat: add a", "Added b.", "fix:c", "Merge branch 'x'"]
        .iter()
        .enumerate()
    {
        repo.write(&format!("f{i}.txt"), "x\n");
        repo.git(&["add", "-A"]);
        repo.git(&["commit", "-q", "--no-verify", "-m", msg]);
    }
    let (report, code) = repo.json(&["check", "--commits", &format!("{base}..HEAD")]);
    assert_eq!(code, 1);
    assert_eq!(report["summary"]["commits_checked"], 4);
    let findings = report["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 2, "{findings:#?}");
    let ids: Vec<String> = repo
        .git(&["log", "--format=%h", "-4"])
        .lines()
        .map(str::to_string)
        .collect();
    // Newest first: Merge, fix:c, Added b., feat: add a.
    let mut bad = vec![ids[1].clone(), ids[2].clone()];
    bad.sort();
    let mut paths: Vec<String> = findings
        .iter()
        .map(|f| f["path"].as_str().unwrap().to_string())
        .collect();
    paths.sort();
    assert_eq!(paths, bad);
    let fix_c = findings
        .iter()
        .find(|f| f["path"] == ids[1].as_str())
        .unwrap();
    assert!(
        fix_c["message"]
            .as_str()
            .unwrap()
            .starts_with("\"fix:c\": no space after the colon"),
        "{fix_c}"
    );
    let (report, _) = repo.json(&["check", "--commits", "HEAD", "--max-count", "2"]);
    assert_eq!(report["summary"]["commits_checked"], 2);
    assert_eq!(
        report["findings"].as_array().unwrap().len(),
        1,
        "only fix:c of the newest two"
    );
    // A range git cannot resolve is a usage error.
    let out = repo.govern(&["check", "--commits", "nope..HEAD"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("nope"), "{}", stderr(&out));

    // In a shallow clone of it, a range past the clone's history says how to fetch more;
    // a missing remote branch says how to fetch it.
    let url = format!("file://{}", repo.path().display());
    let shallow = repo.home.path().join("shallow");
    let o = repo
        .cmd("git")
        .args([
            "clone",
            "-q",
            "--depth",
            "1",
            &url,
            shallow.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let out = repo
        .cmd(bin())
        .current_dir(&shallow)
        .args(["check", "--commits", "HEAD~2..HEAD"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("git fetch --unshallow"),
        "{}",
        stderr(&out)
    );
    let out = repo
        .cmd(bin())
        .current_dir(&shallow)
        .args(["check", "--commits", "upstream/main..HEAD"])
        .output()
        .unwrap();
    assert!(
        stderr(&out).contains("`git fetch upstream main`"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn an_unknown_preset_is_a_configuration_error_at_its_line() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("COMMIT_EDITMSG"), "fix: x\n").unwrap();
    std::fs::write(
        dir.path().join(".govern.yaml"),
        "rules:\n  commit.conventional:\n    options: {preset: angular}\n",
    )
    .unwrap();
    let now = jiff::Timestamp::now();
    let opts = git_govern::session::Options::new(now, now.to_zoned(jiff::tz::TimeZone::UTC).date());
    let err = git_govern::commits::commit_msg(dir.path(), Path::new("COMMIT_EDITMSG"), &opts)
        .err()
        .expect("an unknown preset is refused");
    let text = err.to_string();
    assert!(
        text.contains(".govern.yaml:3")
            && text.contains("expected `seed` or `config-conventional`"),
        "{text}"
    );
}
