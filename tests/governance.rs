//! Waivers in `.govern.yaml` (in force, expired, counted in every report) and
//! `structure.codeowners`; and this repository checked by its own rules.

mod common;
use common::*;

const ROOT_DOCKERFILE: &str = "FROM alpine:3.20\nUSER root\nHEALTHCHECK CMD true\n";

fn waiver(expires: &str) -> String {
    format!(
        "rules:\n  docker.healthcheck: off\nwaivers:\n  - rule: docker.user-not-root\n    path: \"legacy/**\"\n    reason: vendor image needs root until the 2027 rewrite\n    owner: \"@acme/legacy\"\n    expires: {expires}\n"
    )
}

/// Runs `check --all --format json` with SOURCE_DATE_EPOCH fixing today's date.
fn check_on(repo: &Repo, epoch: &str, format: &str) -> (String, i32) {
    let out = repo
        .cmd(bin())
        .args(["check", "--all", "--no-cache", "--format", format])
        .env("SOURCE_DATE_EPOCH", epoch)
        .output()
        .unwrap();
    (stdout(&out), out.status.code().unwrap())
}

const DAY_2026_06_30: &str = "1782777600"; // 2026-06-30T00:00:00Z
const DAY_2026_07_01: &str = "1782864000"; // 2026-07-01T00:00:00Z

#[test]
fn a_waiver_in_force_waives_and_is_counted_in_every_report() {
    let repo = Repo::new();
    repo.with_compliant_base();
    repo.write("legacy/Dockerfile", ROOT_DOCKERFILE);
    repo.write("app/Dockerfile", ROOT_DOCKERFILE);
    repo.write(".govern.yaml", &waiver("2026-06-30"));
    repo.git(&["add", "-A"]);
    // The last day of the waiver still counts.
    let (json, code) = check_on(&repo, DAY_2026_06_30, "json");
    assert_eq!(code, 1, "app/Dockerfile is not waived");
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(
        hits(&v),
        vec![(
            "docker.user-not-root".into(),
            "app/Dockerfile".into(),
            Some(2)
        )]
    );
    assert_eq!(v["summary"]["waived"], 1);
    assert_eq!(v["waived"][0]["path"], "legacy/Dockerfile");
    assert_eq!(v["waived"][0]["owner"], "@acme/legacy");
    assert_eq!(v["waived"][0]["expires"], "2026-06-30");
    let (text, _) = check_on(&repo, DAY_2026_06_30, "text");
    assert!(text.contains("1 waived"), "{text}");
    let (md, _) = check_on(&repo, DAY_2026_06_30, "markdown");
    assert!(
        md.contains("1 waived") && md.contains("**Waived**") && md.contains("@acme/legacy"),
        "{md}"
    );
    let (gh, _) = check_on(&repo, DAY_2026_06_30, "github");
    assert!(gh.contains("1 waived"), "{gh}");
    let (sarif, _) = check_on(&repo, DAY_2026_06_30, "sarif");
    assert!(sarif.contains("\"kind\": \"external\""), "{sarif}");
    let (junit, _) = check_on(&repo, DAY_2026_06_30, "junit");
    assert!(
        junit.contains("<property name=\"waived\" value=\"1\"/>"),
        "{junit}"
    );
}

#[test]
fn an_expired_waiver_is_a_finding_naming_its_owner_and_waives_nothing() {
    let repo = Repo::new();
    repo.with_compliant_base();
    repo.write("legacy/Dockerfile", ROOT_DOCKERFILE);
    repo.write(".govern.yaml", &waiver("2026-06-30"));
    repo.git(&["add", "-A"]);
    let (json, code) = check_on(&repo, DAY_2026_07_01, "json");
    assert_eq!(code, 1);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(
        hits(&v),
        vec![
            ("waiver.expired".into(), ".govern.yaml".into(), Some(4)),
            (
                "docker.user-not-root".into(),
                "legacy/Dockerfile".into(),
                Some(2)
            ),
        ]
    );
    let msg = v["findings"][0]["message"].as_str().unwrap();
    assert!(
        msg.contains("@acme/legacy") && msg.contains("2026-06-30"),
        "{msg}"
    );
    assert_eq!(v["summary"]["waived"], 0);
}

#[test]
fn waiver_entries_are_validated_with_their_line() {
    let repo = Repo::new();
    repo.with_compliant_base();
    for (yaml, line, fragment) in [
        (waiver("2026-02-30"), 8, "not a date"),
        (waiver("next week"), 8, "expires"),
        (
            waiver("2026-06-30").replace("docker.user-not-root", "docker.nope"),
            4,
            "unknown rule",
        ),
        (
            "waivers:\n  - rule: docker.*\n    path: x\n".to_string(),
            2,
            "required",
        ),
    ] {
        repo.write(".govern.yaml", &yaml);
        let out = repo.govern(&["check", "--all"]);
        assert_eq!(out.status.code(), Some(2), "{yaml}");
        let err = stderr(&out);
        assert!(
            err.contains(&format!(".govern.yaml:{line}:")) && err.contains(fragment),
            "{yaml}\n{err}"
        );
    }
    // A family wildcard is a valid rule pattern.
    repo.write(
        ".govern.yaml",
        &waiver("2026-06-30").replace("docker.user-not-root", "docker.*"),
    );
    repo.git(&["add", "-A"]);
    let (_, code) = check_on(&repo, DAY_2026_06_30, "json");
    assert_eq!(code, 0);
}

#[test]
fn codeowners_is_found_parsed_and_agrees_with_the_metadata_owner() {
    let repo = Repo::new();
    repo.with_compliant_base();
    repo.remove(".github/CODEOWNERS");
    repo.git(&["add", "-A"]);
    let (v, code) = repo.json(&["check", "--all", "--no-cache"]);
    assert_eq!(code, 1);
    assert_eq!(
        hits(&v),
        vec![("structure.codeowners".into(), "CODEOWNERS".into(), None)]
    );

    // docs/ is a valid location; errors point at their lines.
    repo.write(
        "docs/CODEOWNERS",
        "# owners\n*            @acme/platform\n/api/        payments-team\n!/api/docs/  @acme/docs\n/web/\\#x     dev@example.com @octo-cat\n[Section]    @acme/platform\n/a/          @bad_user\n",
    );
    repo.git(&["add", "-A"]);
    let (v, _) = repo.json(&["check", "--all", "--no-cache"]);
    assert_eq!(
        hits(&v),
        vec![
            (
                "structure.codeowners".into(),
                "docs/CODEOWNERS".into(),
                Some(3)
            ),
            (
                "structure.codeowners".into(),
                "docs/CODEOWNERS".into(),
                Some(4)
            ),
            (
                "structure.codeowners".into(),
                "docs/CODEOWNERS".into(),
                Some(7)
            ),
        ]
    );
    assert!(v["findings"][0]["message"]
        .as_str()
        .unwrap()
        .contains("\"payments-team\" is not a valid owner"));
    assert!(v["findings"][1]["message"]
        .as_str()
        .unwrap()
        .contains("starts with `!`"));

    // .github/ wins over docs/, and the metadata owner must be in it.
    repo.write(".github/CODEOWNERS", "* @acme/someone-else\n");
    repo.git(&["add", "-A"]);
    let (v, _) = repo.json(&["check", "--all", "--no-cache"]);
    assert_eq!(
        hits(&v),
        vec![(
            "structure.codeowners".into(),
            ".github/CODEOWNERS".into(),
            None
        )]
    );
    assert!(v["findings"][0]["message"]
        .as_str()
        .unwrap()
        .contains("@acme/platform from .meta/repo.yaml"));
    repo.write(".github/CODEOWNERS", "# comment only\n");
    repo.git(&["add", "-A"]);
    let (v, _) = repo.json(&["check", "--all", "--no-cache"]);
    let messages: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["message"].as_str().unwrap())
        .collect();
    assert_eq!(messages.len(), 2, "{messages:?}");
    assert!(messages.iter().any(|m| m.contains("names no owners")));
    repo.write(".github/CODEOWNERS", "*  @ACME/Platform\n");
    repo.git(&["add", "-A"]);
    let (v, code) = repo.json(&["check", "--all", "--no-cache"]);
    assert_eq!(
        (code, hits(&v)),
        (0, vec![]),
        "owners compare case-insensitively"
    );
}

/// The README's first command, `git govern check --all` on this repository, finds nothing:
/// the repository follows its own rules (its deliberate examples are excluded or carry a
/// `govern:ignore` with the reason).
#[test]
fn this_repository_passes_its_own_check() {
    let here = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    if !here.join(".git").exists() {
        panic!("run from a git checkout of git-govern");
    }
    let o = std::process::Command::new(bin())
        .args(["check", "--all", "--no-cache"])
        .current_dir(here)
        .env_remove("GOVERN_STRICT")
        .env_remove("GOVERN_CACHE")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
}
