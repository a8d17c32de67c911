//! Every report format on one fixture (insta snapshots), escaping, colour and exit codes.

mod common;
use common::*;

fn fixture() -> Repo {
    let repo = Repo::new();
    repo.write("README.md", "x\n");
    repo.write(".meta/repo.yaml", "name: api\ntype: service\nlanguage: go\ntier: 1\nowner: \"@acme/api\"\nlifecycle: experimental\n");
    repo.write("Dockerfile", "# govern:ignore docker.healthcheck served behind a load balancer check\nFROM nginx:latest\nUSER root\n");
    // A file name built to break naive escaping: `,` `:` `%` `|` and a backtick.
    repo.write("deploy/we|ird,na:me%`.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  template:\n    spec:\n      containers:\n        - name: web\n          image: web:1.0\n");
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

#[test]
fn man_page_renders_for_git_help() {
    let repo = Repo::plain();
    let page = stdout(&repo.govern(&["man"]));
    assert!(page.contains(".TH git-govern 1"), "{page}");
    assert!(page.contains("check"), "subcommands are listed");
}
