//! Every report format on one fixture (insta snapshots), escaping, colour and exit codes.

mod common;
use common::*;

fn fixture() -> Repo {
    let repo = Repo::new();
    repo.write("README.md", "x\n");
    repo.write(".meta/repo.yaml", "name: api\ntype: service\nlanguage: go\ntier: 1\nowner: \"@acme/api\"\nlifecycle: experimental\n");
    repo.write("Dockerfile", "# govern:ignore docker.healthcheck served behind a load balancer check\nFROM nginx:latest\nUSER root\n");
    // A file name built to break naive escaping: `,` `:` `%` `|` and a backtick.
    repo.write("deploy/we|ird,na:me%`.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  template:\n    spec:\n      containers:\n        - name: web\n          image: web:1.0\n          securityContext: {runAsNonRoot: true, allowPrivilegeEscalation: false}\n");
    repo.write(
        "broken/values.yaml",
        "apiVersion: v1\nkind: ConfigMap\ndata: {a: [1, 2}\n",
    );
    repo.git(&["add", "-A"]);
    repo
}

fn render(repo: &Repo, format: &str) -> (String, i32) {
    let o = repo.govern(&["check", "--no-cache", "--format", format]);
    (stdout(&o), o.status.code().unwrap())
}

#[test]
fn text_report() {
    let (text, code) = render(&fixture(), "text");
    assert_eq!(
        code, 2,
        "a file that could not be checked wins over violations"
    );
    assert!(
        !text.contains('\x1b'),
        "no colour when stdout is not a terminal"
    );
    insta::assert_snapshot!(text);
}

#[test]
fn json_report_validates_against_its_schema() {
    let repo = fixture();
    let (text, _) = render(&repo, "json");
    let report: serde_json::Value = serde_json::from_str(&text).unwrap();
    let schema: serde_json::Value =
        serde_json::from_str(include_str!("../schemas/report.schema.json")).unwrap();
    let v = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = v
        .iter_errors(&report)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
    insta::assert_snapshot!(text);
}

#[test]
fn markdown_report() {
    let (md, _) = render(&fixture(), "markdown");
    assert!(
        md.contains("we\\|ird,na:me%\\`.yaml"),
        "| and backticks escaped in cells"
    );
    insta::assert_snapshot!(md);
}

#[test]
fn github_report_cannot_inject_commands() {
    let (gh, _) = render(&fixture(), "github");
    for line in gh.lines() {
        assert!(
            line.starts_with("::error ")
                || line.starts_with("::warning ")
                || line.starts_with("::notice "),
            "{line}"
        );
    }
    assert!(
        gh.contains("file=deploy/we|ird%2Cna%3Ame%25`.yaml,line=8,title=k8s.probes::"),
        "{gh}"
    );
    insta::assert_snapshot!(gh);
}

#[test]
fn colour_only_when_asked_and_never_with_no_color_or_never() {
    let repo = fixture();
    let always = repo.govern(&["check", "--no-cache", "--color", "always"]);
    assert!(stdout(&always).contains('\x1b'));
    let never = repo.govern(&["check", "--no-cache", "--color", "never"]);
    assert!(!stdout(&never).contains('\x1b'));
    let no_color = repo
        .cmd(bin())
        .args(["check", "--no-cache"])
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert!(!stdout(&no_color).contains('\x1b'));
}

#[test]
fn output_file_and_exit_codes() {
    let repo = fixture();
    let out = repo.home.path().join("out/report.json");
    let o = repo.govern(&[
        "check",
        "--no-cache",
        "--format",
        "json",
        "--output",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(o.stdout.is_empty());
    let written: serde_json::Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    assert_eq!(written["summary"]["errors"], 1);
    // Fix the broken file: violations only → 1.
    repo.write(
        "broken/values.yaml",
        "apiVersion: v1\nkind: ConfigMap\ndata: {a: \"1\"}\n",
    );
    repo.git(&["add", "-A"]);
    assert_eq!(repo.govern(&["check", "--no-cache"]).status.code(), Some(1));
    // Usage errors → 2.
    assert_eq!(
        repo.govern(&["check", "--format", "yaml"]).status.code(),
        Some(2)
    );
    assert_eq!(
        repo.govern(&["check", "--staged", "Dockerfile"])
            .status
            .code(),
        Some(2)
    );
    assert_eq!(repo.govern(&["--version"]).status.code(), Some(0));
}

/// One run writes several reports (`--format NAME[=FILE]`, repeatable): each is the same
/// as the single-format run's, and two reports to one place are a usage error.
#[test]
fn several_formats_in_one_run() {
    let repo = fixture();
    let dir = repo.home.path().join("reports");
    let sarif = dir.join("r.sarif");
    let json = dir.join("r.json");
    let o = repo.govern(&[
        "check",
        "--no-cache",
        "--format",
        "text",
        "--format",
        &format!("sarif={}", sarif.display()),
        "--format",
        &format!("json={}", json.display()),
        "--format",
        "github=-",
        "--output",
        dir.join("r.txt").to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert_eq!(stdout(&o), render(&repo, "github").0);
    let text = std::fs::read_to_string(dir.join("r.txt")).unwrap();
    assert_eq!(text, render(&repo, "text").0);
    assert_eq!(
        std::fs::read_to_string(&sarif).unwrap(),
        render(&repo, "sarif").0
    );
    assert_eq!(
        std::fs::read_to_string(&json).unwrap(),
        render(&repo, "json").0
    );
    for clash in [
        vec!["--format", "text", "--format", "json"],
        vec!["--format", "json=a.json", "--format", "sarif=a.json"],
    ] {
        let mut args = vec!["check", "--no-cache"];
        args.extend(clash.iter().copied());
        let o = repo.govern(&args);
        assert_eq!(o.status.code(), Some(2), "{clash:?}");
        assert!(stderr(&o).contains("would both go to"), "{}", stderr(&o));
        assert!(!repo.path().join("a.json").exists());
    }
}

#[test]
fn man_page_renders_for_git_help() {
    let repo = Repo::plain();
    let page = stdout(&repo.govern(&["man"]));
    assert!(page.contains(".TH git-govern 1"), "{page}");
    assert!(page.contains("check"), "subcommands are listed");
    let check = stdout(&repo.govern(&["man", "check"]));
    assert!(check.contains(".TH git-govern-check 1"), "{check}");
    assert_eq!(repo.govern(&["man", "chek"]).status.code(), Some(2));
}

/// A mistyped rule id gets the closest one, in `explain` and in `.govern.yaml`.
#[test]
fn rule_id_typos_get_a_suggestion() {
    let repo = Repo::new();
    let o = repo.govern(&["explain", "docker.user-not-rot"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("did you mean `docker.user-not-root`?"),
        "{}",
        stderr(&o)
    );
    let o = repo.govern(&["explain", "zzzz"]);
    assert!(!stderr(&o).contains("did you mean"), "{}", stderr(&o));
    repo.write(
        ".govern.yaml",
        "rules:
  k8s.resource: off
",
    );
    let o = repo.govern(&["check", "--all"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("did you mean `k8s.resources`?"),
        "{}",
        stderr(&o)
    );
}

/// `man --install` writes every page the main page points at (git-govern-check(1), …)
/// next to the binary's prefix.
#[test]
fn man_install_writes_a_page_per_command() {
    let repo = Repo::plain();
    let prefix = repo.home.path().join("prefix");
    std::fs::create_dir_all(prefix.join("bin")).unwrap();
    let exe = prefix.join("bin/git-govern");
    std::fs::copy(bin(), &exe).unwrap();
    // A test thread forking while the copy's descriptor was open can leave it held for a
    // moment ("text file busy", ETXTBSY): try again, as that passes.
    let o = (0..20)
        .find_map(
            |_| match repo.cmd(&exe).args(["man", "--install"]).output() {
                Err(e) if e.raw_os_error() == Some(26) => {
                    std::thread::sleep(std::time::Duration::from_millis(50));
                    None
                }
                other => Some(other.unwrap()),
            },
        )
        .expect("the copied binary runs");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let dir = prefix.join("share/man/man1");
    let main = std::fs::read_to_string(dir.join("git-govern.1")).unwrap();
    let named: Vec<String> = regex::Regex::new(r"git\\-govern\\-([a-z\\-]+)\(1\)")
        .unwrap()
        .captures_iter(&main)
        .map(|c| format!("git-govern-{}.1", c[1].replace("\\-", "-")))
        .collect();
    assert!(named.iter().any(|n| n == "git-govern-check.1"), "{main}");
    for n in &named {
        assert!(dir.join(n).is_file(), "{n} is named but not written");
    }
}

/// The wheel carries the man pages (installed to `<venv>/share/man/man1`, where man looks
/// for a program on PATH): the committed pages are what `man --dir` writes now. After a
/// change to the command line: `git govern man --dir
/// dist/python/git_govern.data/data/share/man/man1`.
#[test]
fn the_wheels_man_pages_are_current() {
    let repo = Repo::plain();
    let out = repo.home.path().join("man1");
    let o = repo.govern(&["man", "--dir", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let committed = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("dist/python/git_govern.data/data/share/man/man1");
    let names = |dir: &std::path::Path| -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    };
    assert_eq!(
        names(&committed),
        names(&out),
        "regenerate with `git govern man --dir …`"
    );
    for n in names(&out) {
        assert_eq!(
            std::fs::read(committed.join(&n)).unwrap(),
            std::fs::read(out.join(&n)).unwrap(),
            "{n} is out of date: regenerate with `git govern man --dir …`"
        );
    }
}

/// The bash completion completes `git-govern …` and, through git's `_git_govern` hook,
/// `git govern …`, past the first word (clap_complete alone does not for a hyphenated
/// name); zsh and fish scripts are generated.
#[test]
fn shell_completions_complete_commands_and_options() {
    let repo = Repo::plain();
    let script = repo.home.path().join("git-govern.bash");
    let o = repo.govern(&["completions", "bash"]);
    assert_eq!(o.status.code(), Some(0));
    std::fs::write(&script, &o.stdout).unwrap();
    let probe = format!(
        "source {}
         COMP_WORDS=(git govern che); COMP_CWORD=2; _git_govern; echo \"1:${{COMPREPLY[*]}}\"
         COMP_WORDS=(git govern check --sta); COMP_CWORD=3; _git_govern; echo \"2:${{COMPREPLY[*]}}\"
         COMP_WORDS=(git-govern catalog --for); COMP_CWORD=2; _git__govern git-govern --for catalog; echo \"3:${{COMPREPLY[*]}}\"
",
        script.display()
    );
    let o = repo.cmd("bash").args(["-c", &probe]).output().unwrap();
    let out = stdout(&o);
    assert!(out.contains("1:check checkpoint\n"), "{out}{}", stderr(&o));
    assert!(out.contains("2:--staged\n"), "{out}");
    assert!(out.contains("3:--format\n"), "{out}");
    for shell in ["zsh", "fish"] {
        let o = repo.govern(&["completions", shell]);
        assert_eq!(o.status.code(), Some(0));
        assert!(stdout(&o).contains("checkpoint"), "{shell}");
    }
}

/// The OASIS SARIF 2.1.0 JSON Schema, as the standard publishes it
/// (`Schemata/sarif-schema-2.1.0.json` of the OASIS sarif-spec), kept in `tests/schemas/`
/// so that no test fetches anything.
fn sarif_schema() -> serde_json::Value {
    let schema: serde_json::Value =
        serde_json::from_str(include_str!("schemas/sarif-schema-2.1.0.json")).unwrap();
    assert_eq!(
        schema["title"],
        "Static Analysis Results Format (SARIF) Version 2.1.0 JSON Schema"
    );
    schema
}

#[test]
fn sarif_report_validates_against_the_sarif_2_1_0_schema() {
    let repo = fixture();
    // A waived finding too, so that both suppression kinds are validated.
    repo.write(
        ".govern.yaml",
        "waivers:\n  - {rule: docker.pinned-base-image, path: Dockerfile, reason: upstream pins it, owner: \"@acme/web\", expires: 2999-12-31}\n",
    );
    let (text, code) = render(&repo, "sarif");
    assert_eq!(code, 2);
    let report: serde_json::Value = serde_json::from_str(&text).unwrap();
    let mut schema = sarif_schema();
    // The published schema's `language` patterns (of `run` and `toolComponent`) have a stray
    // `]`, which the meta-schema's regex check rejects before anything is validated. We never
    // write `language`; those patterns are replaced by what they evidently mean and nothing
    // else is touched.
    fn fix(v: &mut serde_json::Value, fixed: &mut usize) {
        match v {
            serde_json::Value::Object(m) => {
                for (k, x) in m.iter_mut() {
                    if k == "pattern" && x == "^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$" {
                        *x = serde_json::json!("^[a-zA-Z]{2}(-[a-zA-Z]{2})?$");
                        *fixed += 1;
                    } else {
                        fix(x, fixed);
                    }
                }
            }
            serde_json::Value::Array(a) => a.iter_mut().for_each(|x| fix(x, fixed)),
            _ => {}
        }
    }
    let mut fixed = 0;
    fix(&mut schema, &mut fixed);
    assert_eq!(fixed, 2);
    let v = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = v
        .iter_errors(&report)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
    let run = &report["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    // Every registered rule, then the policy rules that appear (the built-in on-call one).
    assert_eq!(
        rules.len(),
        stdout(&repo.govern(&["rules"]))
            .lines()
            .filter(|l| !l.starts_with("policy."))
            .count()
            + 1
    );
    for r in run["results"].as_array().unwrap() {
        let i = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[i]["id"], r["ruleId"]);
    }
    let kinds: Vec<&str> = run["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["suppressions"][0]["kind"].as_str())
        .collect();
    assert_eq!(kinds, ["inSource", "external"]);
    assert_eq!(run["invocations"][0]["executionSuccessful"], false);
    // The weird file name is a percent-encoded relative URI.
    assert!(
        text.contains("deploy/we%7Cird%2Cna%3Ame%25%60.yaml"),
        "{text}"
    );
    assert_eq!(text, render(&repo, "sarif").0, "deterministic");
}

/// What code scanning needs of SARIF: a help page and Markdown help per rule, a
/// `security-severity` (with the `security` tag) on security rules, and fingerprints that
/// tell results apart and do not change when the finding's line moves.
#[test]
fn sarif_carries_what_code_scanning_needs() {
    let repo = fixture();
    let sarif = |repo: &Repo| -> serde_json::Value {
        serde_json::from_str(&render(repo, "sarif").0).unwrap()
    };
    let report = sarif(&repo);
    let run = &report["runs"][0];
    for r in run["tool"]["driver"]["rules"].as_array().unwrap() {
        let id = r["id"].as_str().unwrap();
        if id.starts_with("policy.") {
            continue;
        }
        assert!(r["helpUri"]
            .as_str()
            .unwrap()
            .ends_with(&format!("/docs/rules/{id}")));
        let md = r["help"]["markdown"].as_str().unwrap();
        assert!(
            md.contains("## Why is this bad?") && md.contains("````"),
            "{id}: {md}"
        );
        let security = r["properties"]["security-severity"].as_str();
        let tagged = r["properties"]["tags"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t == "security");
        assert_eq!(security.is_some(), tagged, "{id}");
        if id.starts_with("secrets.") || id == "k8s.privileged" {
            let score: f64 = security.unwrap().parse().unwrap();
            assert!(score >= 7.0, "{id}: {score}");
        }
    }
    let prints = |report: &serde_json::Value| -> Vec<(String, String)> {
        report["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["suppressions"].is_null())
            .map(|r| {
                (
                    r["ruleId"].as_str().unwrap().to_string(),
                    r["partialFingerprints"]["gitGovern/v1"]
                        .as_str()
                        .unwrap()
                        .to_string(),
                )
            })
            .collect()
    };
    let before = prints(&report);
    let mut distinct: Vec<&String> = before.iter().map(|(_, p)| p).collect();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), before.len(), "{before:?}");
    // Two lines pushed above every finding of the Dockerfile: same alerts.
    repo.write(
        "Dockerfile",
        "# a comment\n# another\n# govern:ignore docker.healthcheck served behind a load balancer check\nFROM nginx:latest\nUSER root\n",
    );
    repo.git(&["add", "-A"]);
    let after = sarif(&repo);
    assert_ne!(after, report, "lines moved");
    assert_eq!(prints(&after), before);
}

#[test]
fn junit_report_is_well_formed_and_counts_cases() {
    let repo = fixture();
    let (xml, _) = render(&repo, "junit");
    assert_eq!(xml, render(&repo, "junit").0, "deterministic");
    // Parse it with a real XML parser and check the counts against the cases.
    let script = "import sys, xml.etree.ElementTree as E\n\
r = E.fromstring(sys.stdin.buffer.read())\n\
s = r.find('testsuite')\n\
cases = s.findall('testcase')\n\
assert int(s.get('tests')) == len(cases), 'tests'\n\
assert int(s.get('failures')) == sum(1 for c in cases if c.find('failure') is not None), 'failures'\n\
assert int(s.get('errors')) == sum(1 for c in cases if c.find('error') is not None), 'errors'\n\
print(len(cases), s.get('failures'), s.get('errors'))\n";
    let mut child = std::process::Command::new("python3")
        .args(["-c", script])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("python3 runs the XML check");
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(xml.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}\n{xml}",
        String::from_utf8_lossy(&out.stderr)
    );
    let counts = String::from_utf8_lossy(&out.stdout);
    // Failing (rule, file) pairs: Dockerfile 2 (pinned-base-image, user-not-root), the
    // Deployment 2 (probes, resources), slo.defined, the on-call policy, adr.present and
    // structure.codeowners.
    assert!(
        counts.starts_with(&format!("{} 8 1", counts.split(' ').next().unwrap())),
        "{counts}"
    );
    // The snapshot keeps what a reader looks at, the failures and errors; the passing
    // cases (one per rule and file, so one more with every rule added) are counted above.
    let failing: String = xml
        .lines()
        .filter(|l| !(l.trim_start().starts_with("<testcase ") && l.ends_with("/>")))
        .map(|l| {
            let re = regex::Regex::new(r#" tests="\d+""#).unwrap();
            format!("{}\n", re.replace_all(l, r#" tests="…""#))
        })
        .collect();
    insta::assert_snapshot!(failing);
}

/// An input error that concerns a whole file has no line: no format shows `:0:` or a
/// line 0, and JSON gives `null` (the report schema's line).
#[test]
fn an_input_error_without_a_line_shows_none() {
    let repo = Repo::new();
    repo.with_compliant_base();
    std::fs::write(repo.path().join(".govern.yaml"), b"strict: \xff\n").unwrap();
    let out = repo.govern(&["check", "--no-cache"]);
    assert_eq!(out.status.code(), Some(2));
    let said = stderr(&out);
    assert!(said.contains(".govern.yaml: not UTF-8"), "{said}");
    assert!(!said.contains(":0:"), "{said}");

    // In a portfolio the same file is an input error of its repository's outcome.
    let root = tempfile::tempdir().unwrap();
    let member = root.path().join("organizations/shop/api");
    std::fs::create_dir_all(&member).unwrap();
    std::fs::write(member.join(".govern.yaml"), b"strict: \xff\n").unwrap();
    let root_s = root.path().to_str().unwrap();
    for format in ["text", "markdown", "github", "junit", "sarif", "json"] {
        let out = repo.govern(&[
            "check",
            "--portfolio",
            "--root",
            root_s,
            "--no-cache",
            "--format",
            format,
        ]);
        assert_eq!(out.status.code(), Some(2), "{format}");
        let said = stdout(&out);
        assert!(said.contains("not UTF-8"), "{format}: {said}");
        for zero in [":0:", "line=0", ".govern.yaml | 0 |", "\"startLine\": 0"] {
            assert!(!said.contains(zero), "{format} shows {zero}: {said}");
        }
        if format == "json" {
            let v: serde_json::Value = serde_json::from_str(&said).unwrap();
            assert_eq!(v["errors"][0]["line"], serde_json::Value::Null, "{said}");
        }
    }
}

/// GitHub shows 10 annotations per level and drops the rest: the github report writes at
/// most 10 of each, errors before warnings, a pull request's own files first, and counts
/// the others in its closing notice. The Markdown report stays under a comment's size.
#[test]
fn github_annotations_fit_githubs_limits_and_put_changed_files_first() {
    let repo = Repo::new();
    repo.with_compliant_base();
    for i in 0..15 {
        repo.write(
            &format!("svc{i:02}/Dockerfile"),
            "FROM alpine:3.20\nUSER root\n",
        );
    }
    repo.commit_all("chore: base");
    repo.git(&["update-ref", "refs/remotes/origin/main", "HEAD"]);
    repo.write(
        "svc14/Dockerfile",
        "FROM alpine:3.20\nUSER root\nEXPOSE 80\n",
    );
    repo.commit_all("feat: change svc14");
    let o = repo
        .cmd(bin())
        .args(["check", "--all", "--no-cache", "--format", "github"])
        .env("GITHUB_BASE_REF", "main")
        .output()
        .unwrap();
    let out = stdout(&o);
    let lines: Vec<&str> = out.lines().collect();
    let count = |level: &str| lines.iter().filter(|l| l.starts_with(level)).count();
    assert_eq!(count("::error "), 10, "{out}");
    assert_eq!(count("::warning "), 10, "{out}");
    assert!(lines[0].contains("file=svc14/Dockerfile"), "{out}");
    let first_warning = lines.iter().find(|l| l.starts_with("::warning ")).unwrap();
    assert!(first_warning.contains("file=svc14/Dockerfile"), "{out}");
    let notice = lines.last().unwrap();
    assert!(
        notice.contains("10 more findings not annotated"),
        "{notice}"
    );
    // Without a pull request, report order.
    let plain = stdout(&repo.govern(&["check", "--all", "--no-cache", "--format", "github"]));
    assert!(
        plain
            .lines()
            .next()
            .unwrap()
            .contains("file=svc00/Dockerfile"),
        "{plain}"
    );

    for i in 15..900 {
        repo.write(
            &format!("svc{i:03}/Dockerfile"),
            "FROM alpine:3.20\nUSER root\n",
        );
    }
    repo.git(&["add", "-A"]);
    let md = stdout(&repo.govern(&["check", "--all", "--no-cache", "--format", "markdown"]));
    assert!(md.len() < 65_536, "{}", md.len());
    assert!(
        md.contains("more; the JSON and SARIF reports list them all"),
        "{md}"
    );
}
