//! `secrets.*`: the corpus of true and false positives in `tests/corpus/secrets/`, secrets
//! never printed (in any format, nor in the cache), allow-lists, and a real commit blocked.

mod common;
use common::*;

use std::collections::BTreeMap;
use std::path::Path;

fn corpus_dir() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/corpus/secrets"))
}

/// Copies the corpus (without its README) into a fresh repository under `corpus/`.
fn corpus_repo() -> (Repo, Vec<String>) {
    let repo = Repo::new();
    repo.with_compliant_base();
    let mut names = Vec::new();
    for e in std::fs::read_dir(corpus_dir()).unwrap() {
        let name = e.unwrap().file_name().into_string().unwrap();
        if name == "README.md" {
            continue;
        }
        std::fs::create_dir_all(repo.path().join("corpus")).unwrap();
        std::fs::copy(
            corpus_dir().join(&name),
            repo.path().join("corpus").join(&name),
        )
        .unwrap();
        names.push(name);
    }
    names.sort();
    repo.git(&["add", "-A"]);
    (repo, names)
}

/// Runs of 16+ token characters with a digit in a file: every credential in the corpus is
/// one (key names such as `azurestorageaccountkey`, which rule docs name, are not).
fn long_tokens(text: &str) -> Vec<String> {
    text.split(|c: char| !(c.is_ascii_alphanumeric() || "_+/=-".contains(c)))
        .filter(|t| t.len() >= 16 && t.contains(|c: char| c.is_ascii_digit()))
        .map(str::to_string)
        .collect()
}

#[test]
fn corpus_true_and_false_positives() {
    let (repo, names) = corpus_repo();
    let (report, code) = repo.json(&["check", "--all", "--no-cache"]);
    assert_eq!(code, 1);
    let mut by_file: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (rule, path, _) in hits(&report) {
        assert!(rule.starts_with("secrets."), "{rule} on {path}");
        by_file.entry(path).or_default().push(rule);
    }
    let mut positives = 0;
    for name in &names {
        let got = by_file
            .remove(&format!("corpus/{name}"))
            .unwrap_or_default();
        match name.split_once("--") {
            Some(("negative", _)) => {
                assert_eq!(got, Vec::<String>::new(), "false positive in {name}")
            }
            Some((rule, _)) => {
                positives += 1;
                assert_eq!(got, vec![format!("secrets.{rule}")], "{name}");
            }
            None => panic!("corpus file {name} is not named <rule>--<case> or negative--<case>"),
        }
    }
    assert!(
        by_file.is_empty(),
        "findings outside the corpus: {by_file:?}"
    );
    assert!(
        positives >= 12 && names.len() - positives >= 10,
        "keep the corpus broad"
    );
    for f in report["findings"].as_array().unwrap() {
        let fp = f["fingerprint"]
            .as_str()
            .expect("secrets findings carry a fingerprint");
        assert_eq!(fp.len(), 16);
        assert!(f["line"].as_u64().is_some() && f["column"].as_u64().is_some());
    }
}

#[test]
fn no_report_format_and_not_the_cache_ever_holds_a_secret() {
    let (repo, names) = corpus_repo();
    let secrets: Vec<String> = names
        .iter()
        .filter(|n| !n.starts_with("negative--"))
        .flat_map(|n| long_tokens(&std::fs::read_to_string(corpus_dir().join(n)).unwrap()))
        .collect();
    assert!(secrets.len() >= 12);
    let cache = repo.home.path().join("c.redb");
    for format in ["text", "json", "markdown", "github", "sarif", "junit"] {
        let out = repo.govern(&[
            "check",
            "--all",
            "--format",
            format,
            "--cache",
            cache.to_str().unwrap(),
        ]);
        assert_eq!(out.status.code(), Some(1));
        let all = stdout(&out) + &stderr(&out);
        for s in &secrets {
            assert!(!all.contains(s.as_str()), "{format} report prints a secret");
        }
    }
    let bytes = std::fs::read(&cache).unwrap();
    for s in &secrets {
        assert!(
            !bytes.windows(s.len()).any(|w| w == s.as_bytes()),
            "the cache holds a secret"
        );
    }
}

#[test]
fn allow_lists_by_path_fingerprint_and_inline_comment() {
    let repo = Repo::new();
    repo.with_compliant_base();
    // Built at run time so that this source file holds no key.
    let key = format!("AKIA{}", "Q7XZ4MRB2KWP6TJD");
    repo.write("fixtures/aws.env", &format!("KEY={key}\n"));
    repo.write("app/aws.env", &format!("KEY={key}\n"));
    repo.write(
        "app/inline.sh",
        &format!("KEY={key} # govern:ignore secrets.aws-access-key rotated test key\n"),
    );
    repo.write(
        "app/inline.js",
        &format!("// govern:ignore secrets.* fixture for the parser test\nconst k = \"{key}\";\n"),
    );
    repo.git(&["add", "-A"]);
    let (report, _) = repo.json(&["check", "--all", "--no-cache"]);
    let paths: Vec<String> = hits(&report).into_iter().map(|(_, p, _)| p).collect();
    assert_eq!(paths, ["app/aws.env", "fixtures/aws.env"]);
    assert_eq!(report["summary"]["suppressed"], 2);
    let fp = report["findings"][0]["fingerprint"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        report["findings"][1]["fingerprint"],
        fp.as_str(),
        "same secret, same fingerprint"
    );
    // The text and Markdown reports show it, where a developer reads the help that names it.
    for format in ["text", "markdown"] {
        let out = stdout(&repo.govern(&["check", "--all", "--no-cache", "--format", format]));
        assert!(out.contains(&fp), "{format}: {out}");
        assert!(!out.contains(&key), "{format} prints the secret");
    }
    repo.write(
        ".govern.yaml",
        &format!("secrets:\n  allow_paths: [\"fixtures/**\"]\n  allow_fingerprints: [\"{fp}\"]\n"),
    );
    repo.git(&["add", "-A"]);
    let (report, code) = repo.json(&["check", "--all", "--no-cache"]);
    assert_eq!((code, hits(&report)), (0, vec![]));
    assert_eq!(
        report["summary"]["suppressed"], 3,
        "the fingerprinted one is counted"
    );
    // A malformed fingerprint is a config error with its line.
    repo.write(
        ".govern.yaml",
        "secrets:\n  allow_fingerprints: [\"nope\"]\n",
    );
    let out = repo.govern(&["check", "--all"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains(".govern.yaml:2"), "{}", stderr(&out));
}

#[test]
fn a_staged_fake_aws_key_blocks_the_commit_without_printing_it() {
    let repo = Repo::new();
    repo.with_compliant_base();
    repo.commit_all("chore: start");
    assert!(repo.govern(&["install"]).status.success());
    let key = format!("AKIA{}", "M3V7Z2QK5WXR4TJP");
    repo.write(
        "config/settings.ini",
        &format!("[aws]\naccess_key_id = {key}\n"),
    );
    repo.git(&["add", "-A"]);
    let out = repo.git_output(&["commit", "-q", "-m", "feat: add settings"]);
    assert!(!out.status.success(), "the key must block the commit");
    let said = stdout(&out) + &stderr(&out);
    assert!(said.contains("secrets.aws-access-key"), "{said}");
    assert!(said.contains("config/settings.ini"), "{said}");
    assert!(
        said.contains("AKIA…"),
        "only the type prefix is shown: {said}"
    );
    assert!(!said.contains(&key), "the key is printed: {said}");
    assert!(
        !said.contains(&key[4..]),
        "part of the key is printed: {said}"
    );
}

/// A token planted where other rules quote their input — a FROM image, a container image,
/// a CODEOWNERS owner, a commit subject, a policy message — is redacted from every format
/// and from the cache; `secrets.*` still reports it, by fingerprint.
#[test]
fn other_rules_never_print_a_secret() {
    let token = format!("ghp_{}", "Qw8ErT5yUi2OpA7sDf4GhJ1kLz9XcV6bNm3M");
    let repo = Repo::new();
    repo.with_compliant_base();
    repo.write(
        "Dockerfile",
        &format!("FROM registry.example.com/{token}/base:latest\n"),
    );
    repo.write(
        "pod.yaml",
        &format!("apiVersion: v1\nkind: Pod\nmetadata: {{name: p}}\nspec:\n  containers:\n    - name: a\n      image: {token}/app:latest\n"),
    );
    repo.write(".github/CODEOWNERS", &format!("* @acme/platform {token}\n"));
    // A file named after the token, with findings of its own.
    repo.write(
        &format!("deploy/{token}.yaml"),
        "apiVersion: v1\nkind: Pod\nmetadata: {name: q}\nspec:\n  containers:\n    - name: a\n      image: a:latest\n",
    );
    repo.git(&["add", "-A"]);
    let cache = repo.home.path().join("c.redb");
    for format in ["text", "json", "markdown", "github", "sarif", "junit"] {
        let o = repo.govern(&[
            "check",
            "--format",
            format,
            "--cache",
            cache.to_str().unwrap(),
        ]);
        let all = stdout(&o) + &stderr(&o);
        assert!(!all.contains(&token), "{format} prints the token:\n{all}");
        if format == "json" {
            let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
            let rules: Vec<&str> = v["findings"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| f["rule"].as_str().unwrap())
                .collect();
            for r in [
                "docker.pinned-base-image",
                "k8s.image-tag",
                "structure.codeowners",
                "secrets.github-token",
            ] {
                assert!(rules.contains(&r), "{r} missing: {v:#}");
            }
        }
    }
    let bytes = std::fs::read(&cache).unwrap();
    assert!(
        !bytes.windows(token.len()).any(|w| w == token.as_bytes()),
        "the cache holds the token"
    );
    // A commit subject, in the commit-msg hook.
    repo.write("COMMIT_EDITMSG", &format!("Added {token} to the config\n"));
    let o = repo.govern(&["hook", "commit-msg", "COMMIT_EDITMSG"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let all = stdout(&o) + &stderr(&o);
    assert!(!all.contains(&token) && all.contains("[redacted]"), "{all}");
}
