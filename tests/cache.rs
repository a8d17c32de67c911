//! The cache is an accelerator only: identical reports with and without it, and no run
//! fails because of it.

mod common;
use common::*;

fn fixture() -> Repo {
    let repo = Repo::new();
    repo.with_compliant_base();
    repo.write("Dockerfile", "FROM nginx:latest\nUSER root\n");
    repo.write("k8s/d.yaml", "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n    - name: a\n      image: a\n");
    repo.write("docs/adr/0001-x.md", "# x\n## Status\nDone\n");
    // A secrets finding too (the key is built here so that this file holds none).
    repo.write(
        "config/app.env",
        &format!("KEY=AKIA{}\n", "Z7QW2MXK4RTB6VNP"),
    );
    repo.git(&["add", "-A"]);
    repo
}

/// How many rules read `kind`, from the registry (`git govern rules --json`).
fn rules_reading(kind: &str) -> u64 {
    let o = std::process::Command::new(bin())
        .args(["rules", "--json"])
        .output()
        .unwrap();
    let rules: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    rules
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["reads"] == kind)
        .count() as u64
}

/// The rule results of [`fixture`] a warm run serves from the cache: one per structured
/// rule and file of its kind (a Dockerfile, a manifest, an ADR, the metadata), and the text
/// rules of each of its 7 files (one shared entry per file, counted per rule).
fn fixture_results() -> u64 {
    ["dockerfile", "manifest", "adr", "metadata"]
        .iter()
        .map(|k| rules_reading(k))
        .sum::<u64>()
        + 7 * rules_reading("text")
}

/// All four formats, as bytes, and the JSON value.
fn reports(repo: &Repo, cache: &[&str]) -> (Vec<Vec<u8>>, serde_json::Value, String) {
    let mut out = Vec::new();
    let mut json = serde_json::Value::Null;
    let mut err = String::new();
    for format in ["text", "json", "markdown", "github"] {
        let mut args = vec!["check", "--format", format];
        args.extend_from_slice(cache);
        let o = repo.govern(&args);
        assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
        err.push_str(&stderr(&o));
        if format == "json" {
            json = serde_json::from_slice(&o.stdout).unwrap();
            let mut masked = json.clone();
            masked["summary"]["cache_hits"] = serde_json::json!(0);
            out.push(serde_json::to_vec(&masked).unwrap());
        } else {
            out.push(o.stdout);
        }
    }
    (out, json, err)
}

#[test]
fn reports_are_identical_without_cold_and_warm() {
    let repo = fixture();
    let cache = repo.home.path().join("c.redb");
    let c = cache.to_str().unwrap();
    let (none, j0, _) = reports(&repo, &["--no-cache"]);
    assert!(!cache.exists());
    let o = repo.govern(&["check", "--format", "json", "--cache", c]);
    let cold: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(cold["summary"]["cache_hits"], 0);
    let (warm, j2, err) = reports(&repo, &["--cache", c]);
    assert_eq!(
        none, warm,
        "reports differ between --no-cache and a warm cache"
    );
    assert_eq!(j0["summary"]["cache_hits"], 0);
    assert_eq!(
        j2["summary"]["cache_hits"],
        fixture_results(),
        "every file rule result served warm"
    );
    assert_eq!(err, "", "no warnings when the cache works");
    assert!(
        hits(&j2)
            .iter()
            .any(|(r, p, _)| r == "secrets.aws-access-key" && p == "config/app.env"),
        "the shared text-rule entry gives back the secrets finding"
    );
    assert_eq!(j0["findings"], cold["findings"]);
}

#[test]
fn cache_is_content_addressed_across_repositories_and_keyed_on_config() {
    let a = fixture();
    let b = fixture();
    // The configuration below changes between runs; ignored, it is not itself a file that
    // the run checks, so only the rule whose options change can miss.
    b.write(".gitignore", ".govern.yaml\n");
    b.git(&["add", ".gitignore"]);
    let cache = a.home.path().join("shared.redb");
    let c = cache.to_str().unwrap();
    let hits = |repo: &Repo| repo.json(&["check", "--cache", c]).0["summary"]["cache_hits"].clone();
    hits(&a);
    let all = hits(&a).as_u64().unwrap();
    assert!(all > 0, "a warm run serves results");
    // b holds a's files and one more (.gitignore): every result of a's files is served.
    assert_eq!(
        hits(&b).as_u64().unwrap(),
        all,
        "the same content in another repository is not checked again"
    );
    // Changing one rule's options invalidates exactly that rule's results.
    b.write(
        ".govern.yaml",
        "rules:\n  k8s.resources:\n    options: {limits: [memory]}\n",
    );
    let changed = hits(&b).as_u64().unwrap();
    let warm = hits(&b).as_u64().unwrap();
    assert_eq!(
        changed + 1,
        warm,
        "one result (k8s.resources on k8s/d.yaml) missed"
    );
    // Through GOVERN_CACHE too.
    let o = b
        .cmd(bin())
        .args(["check", "--format", "json"])
        .env("GOVERN_CACHE", &cache)
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["summary"]["cache_hits"].as_u64(), Some(warm));
}

#[test]
fn default_location_and_cache_commands() {
    let repo = fixture();
    let path = stdout(&repo.govern(&["cache", "path"]));
    assert!(path.trim().ends_with(".git/govern/cache.redb"), "{path}");
    // One entry per structured rule and file, one per file for its text rules (7), one
    // for the repository-level rules, one saying the policies compiled; one group per
    // directory run in path order: .github, .meta, the root (Dockerfile and README.md),
    // config, docs/adr, k8s.
    repo.govern(&["check", "--all"]);
    let stats = stdout(&repo.govern(&["cache", "stats"]));
    let entries = fixture_results() - 7 * rules_reading("text") + 7 + 1 + 1;
    assert!(
        stats.contains(&format!("rule results: {entries}\n")),
        "{stats}"
    );
    assert!(stats.contains("directory groups: 6"), "{stats}");
    // A warm run stores nothing new (the counts; redb may grow the file on its own).
    let counts = |s: &str| {
        s.lines()
            .filter(|l| !l.starts_with("size:"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    repo.govern(&["check", "--all"]);
    assert_eq!(
        counts(&stdout(&repo.govern(&["cache", "stats"]))),
        counts(&stats)
    );
    // A changed file costs its own entries (the manifest rules, its text rules) and its
    // directory's group, nothing else.
    repo.write("k8s/d.yaml", "apiVersion: v1\nkind: Pod\nmetadata: {name: q}\nspec:\n  containers:\n    - name: a\n      image: a\n");
    repo.govern(&["check", "--all"]);
    let stats = stdout(&repo.govern(&["cache", "stats"]));
    let entries = entries + rules_reading("manifest") + 1;
    assert!(
        stats.contains(&format!("rule results: {entries}\n")),
        "{stats}"
    );
    assert!(stats.contains("directory groups: 7"), "{stats}");
    assert!(stdout(&repo.govern(&["cache", "clear"])).contains("removed"));
    assert!(!repo.path().join(".git/govern/cache.redb").exists());
}

fn assert_degrades(repo: &Repo, cache: &std::path::Path, expect: &str) {
    let (baseline, _, _) = reports(repo, &["--no-cache"]);
    let o = repo.govern(&["check", "--cache", cache.to_str().unwrap()]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert_eq!(err.lines().count(), 1, "exactly one warning line: {err}");
    assert!(err.contains(expect), "{err}");
    let text = repo.govern(&["check", "--no-cache"]).stdout;
    assert_eq!(o.stdout, text);
    assert_eq!(o.stdout, baseline[0]);
}

#[test]
fn locked_cache_is_bypassed() {
    let repo = fixture();
    let cache = repo.home.path().join("locked.redb");
    let held = redb::Database::create(&cache).unwrap();
    assert_degrades(&repo, &cache, "in use by another git-govern process");
    drop(held);
}

#[test]
fn corrupt_truncated_and_foreign_files_are_replaced() {
    let repo = fixture();
    let cache = repo.home.path().join("c.redb");
    // A redb file whose first page is damaged: recognisably a cache, replaced.
    repo.govern(&["check", "--cache", cache.to_str().unwrap()]);
    let mut bytes = std::fs::read(&cache).unwrap();
    for b in &mut bytes[9..4096] {
        *b = 0xEE;
    }
    std::fs::write(&cache, &bytes).unwrap();
    assert_degrades(&repo, &cache, "started a fresh one");
    // The fresh file works: the next run is warm and silent.
    let (v, _) = repo.json(&["check", "--cache", cache.to_str().unwrap()]);
    assert_eq!(v["summary"]["cache_hits"], fixture_results());

    let bytes = std::fs::read(&cache).unwrap();
    std::fs::write(&cache, &bytes[..bytes.len() / 3]).unwrap();
    let (baseline, _, _) = reports(&repo, &["--no-cache"]);
    let o = repo.govern(&["check", "--cache", cache.to_str().unwrap()]);
    assert_eq!(
        o.stdout, baseline[0],
        "a truncated cache changes no finding"
    );
    assert!(stderr(&o).lines().count() <= 1, "{}", stderr(&o));

    let foreign = repo.home.path().join("foreign.redb");
    {
        let db = redb::Database::create(&foreign).unwrap();
        let w = db.begin_write().unwrap();
        {
            let mut t = w
                .open_table(redb::TableDefinition::<&str, &str>::new("meta"))
                .unwrap();
            t.insert("format", "git-govern-cache/0").unwrap();
        }
        w.commit().unwrap();
    }
    assert_degrades(&repo, &foreign, "format");
}

#[test]
fn unwritable_location_runs_without_cache() {
    let repo = fixture();
    let blocker = repo.home.path().join("a-file");
    std::fs::write(&blocker, "").unwrap();
    assert_degrades(&repo, &blocker.join("sub/cache.redb"), "cannot be written");
}

/// An empty `GOVERN_CACHE` counts as unset, as every variable git-govern reads does: the
/// check, the pre-commit hook and `cache path` run with the default cache.
#[test]
fn an_empty_govern_cache_is_unset() {
    let repo = fixture();
    for args in [
        &["check", "--staged"][..],
        &["hook", "pre-commit"],
        &["cache", "path"],
    ] {
        let out = repo
            .cmd(bin())
            .args(args)
            .env("GOVERN_CACHE", "")
            .output()
            .unwrap();
        let said = stderr(&out);
        assert!(!said.contains("--cache"), "{args:?}: {said}");
        assert_ne!(out.status.code(), Some(2), "{args:?}: {said}");
    }
    let path = stdout(
        &repo
            .cmd(bin())
            .args(["cache", "path"])
            .env("GOVERN_CACHE", "")
            .output()
            .unwrap(),
    );
    assert!(path.trim().ends_with("govern/cache.redb"), "{path}");
}

#[test]
fn cache_commands_in_a_governance_root_act_on_the_portfolio_cache() {
    let p = common::portfolio::Portfolio::fixture();
    let portfolio_cache = p.root().join(".metaHub/cache/cache.redb");
    let run = |args: &[&str]| p.govern(common::portfolio::DAY1, args, None);
    assert_eq!(run(&["catalog"]).status.code(), Some(0));
    assert!(portfolio_cache.is_file());
    // A plain governance root: check's cache is the per-user one, the portfolio's is listed
    // too, and stats and clear reach it.
    let paths = stdout(&run(&["cache", "path"]));
    let lines: Vec<&str> = paths.lines().collect();
    assert_eq!(lines.len(), 2, "{paths}");
    assert!(lines[1].ends_with(".metaHub/cache/cache.redb"), "{paths}");
    let only = stdout(&run(&["cache", "path", "--portfolio"]));
    assert_eq!(only.trim(), lines[1]);
    let stats = stdout(&run(&["cache", "stats"]));
    assert!(stats.contains(&format!("path: {}", lines[1])), "{stats}");
    assert!(stdout(&run(&["cache", "clear"])).contains(&format!("removed {}", lines[1])));
    assert!(!portfolio_cache.exists());
    // Inside a member repository, only that repository's cache.
    let mut c = p.r.cmd(bin());
    c.args(["cache", "path"])
        .current_dir(p.root().join("organizations/payments/api"));
    let member = stdout(&c.output().unwrap());
    assert_eq!(member.lines().count(), 1, "{member}");
    assert!(
        member
            .trim()
            .ends_with("organizations/payments/api/.git/govern/cache.redb"),
        "{member}"
    );
}

/// A path the user names that holds something other than a cache is refused (exit 2) and
/// left as it was: a text file, a directory, a FIFO, a device. `cache clear` and `cache
/// stats` refuse it too.
#[test]
fn a_named_file_that_is_no_cache_is_never_touched() {
    let repo = fixture();
    let notes = repo.home.path().join("notes.txt");
    let text = b"meeting notes, not a cache\n";
    std::fs::write(&notes, text).unwrap();
    let dir = repo.home.path().join("a-directory");
    std::fs::create_dir(&dir).unwrap();
    let mut named = vec![notes.clone(), dir.clone()];
    #[cfg(unix)]
    {
        let fifo = repo.home.path().join("fifo");
        assert!(std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success());
        named.push(fifo);
        named.push("/dev/null".into());
    }
    for path in &named {
        let p = path.to_str().unwrap();
        for args in [
            vec!["check", "--cache", p],
            vec!["cache", "clear", "--cache", p],
            vec!["cache", "stats", "--cache", p],
        ] {
            let o = repo.govern(&args);
            assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
            assert!(
                stderr(&o).contains("was not used") && stderr(&o).contains(p),
                "{args:?}: {}",
                stderr(&o)
            );
        }
        let o = repo
            .cmd(bin())
            .args(["check"])
            .env("GOVERN_CACHE", path)
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(2), "GOVERN_CACHE={p}");
    }
    assert_eq!(std::fs::read(&notes).unwrap(), text);
    assert!(dir.is_dir() && std::fs::read_dir(&dir).unwrap().next().is_none());
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let t = std::fs::metadata(repo.home.path().join("fifo"))
            .unwrap()
            .file_type();
        assert!(t.is_fifo());
        assert!(std::fs::metadata("/dev/null")
            .unwrap()
            .file_type()
            .is_char_device());
    }
}

/// Concurrent runs share one cache (prek and lefthook run hooks in parallel; CI jobs share
/// a restored cache): every one is served from it, none falls back with a warning.
#[test]
fn concurrent_runs_share_the_cache() {
    let repo = fixture();
    let cache = repo.home.path().join("shared.redb");
    let c = cache.to_str().unwrap();
    repo.govern(&["check", "--cache", c]);
    let children: Vec<_> = (0..8)
        .map(|_| {
            repo.cmd(bin())
                .args(["check", "--format", "json", "--cache", c])
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for child in children {
        let o = child.wait_with_output().unwrap();
        assert_eq!(stderr(&o), "", "no run fell back");
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(v["summary"]["cache_hits"], fixture_results());
    }
}

/// A warm run with nothing new to store opens the cache read-only: the file is not
/// written at all (redb's writable open and close each rewrite and sync its header), while
/// a run with something new still stores it.
#[test]
fn a_warm_run_does_not_write_the_cache() {
    let repo = fixture();
    let cache = repo.home.path().join("c.redb");
    let c = cache.to_str().unwrap();
    repo.govern(&["check", "--cache", c]);
    let before = std::fs::read(&cache).unwrap();
    let modified = std::fs::metadata(&cache).unwrap().modified().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(20));
    let o = repo.govern(&["check", "--format", "json", "--cache", c]);
    assert_eq!(stderr(&o), "");
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["summary"]["cache_hits"], fixture_results());
    assert_eq!(
        std::fs::metadata(&cache).unwrap().modified().unwrap(),
        modified
    );
    assert!(
        std::fs::read(&cache).unwrap() == before,
        "the file is byte for byte the same"
    );
    // Something new: stored, and served by the next run.
    repo.write("k8s/e.yaml", "apiVersion: v1\nkind: Pod\nmetadata: {name: q}\nspec:\n  containers:\n    - name: a\n      image: a\n");
    repo.git(&["add", "-A"]);
    repo.govern(&["check", "--cache", c]);
    assert!(
        std::fs::read(&cache).unwrap() != before,
        "the new results were stored"
    );
    let o = repo.govern(&["check", "--format", "json", "--no-cache"]);
    let cold: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let o = repo.govern(&["check", "--format", "json", "--cache", c]);
    let warm: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(warm["findings"], cold["findings"]);
    assert!(warm["summary"]["cache_hits"].as_u64().unwrap() > fixture_results());
}

/// `cache merge`: the union of two machines' caches serves both machines' files, with the
/// same report as no cache; what is not a cache is refused, as input or as output.
#[test]
fn merged_caches_serve_both_sides() {
    let a = fixture();
    let b = Repo::new();
    b.with_compliant_base();
    b.write("svc/Dockerfile", "FROM alpine:3.20\nUSER app\n");
    b.git(&["add", "-A"]);
    let dir = tempfile::tempdir().unwrap();
    let (ca, cb, merged) = (
        dir.path().join("a.redb"),
        dir.path().join("b.redb"),
        dir.path().join("m.redb"),
    );
    let s = |p: &std::path::Path| p.to_str().unwrap().to_string();
    for (repo, cache) in [(&a, &ca), (&b, &cb)] {
        let o = repo.govern(&["check", "--all", "--cache", &s(cache)]);
        assert!(o.status.code().is_some(), "{}", stderr(&o));
    }
    let o = a.govern(&["cache", "merge", &s(&ca), &s(&cb), "--output", &s(&merged)]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("rule results"), "{}", stdout(&o));
    for repo in [&a, &b] {
        let (warm, code) = repo.json(&["check", "--all", "--cache", &s(&merged)]);
        let (none, code_none) = repo.json(&["check", "--all", "--no-cache"]);
        assert_eq!(code, code_none);
        assert!(
            warm["summary"]["cache_hits"].as_u64().unwrap() > 0,
            "{warm:#}"
        );
        assert_eq!(warm["findings"], none["findings"]);
    }
    let text = dir.path().join("notes.txt");
    std::fs::write(&text, "mine\n").unwrap();
    let o = a.govern(&[
        "cache",
        "merge",
        &s(&ca),
        &s(&text),
        "--output",
        &s(&merged),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("not a git-govern cache"),
        "{}",
        stderr(&o)
    );
    let o = a.govern(&["cache", "merge", &s(&ca), "--output", &s(&text)]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        std::fs::read_to_string(&text).unwrap(),
        "mine\n",
        "never replaced"
    );
}

/// A year of daily `check --all` runs on a repository that changes every day, with `cache
/// gc --max-age 30` and a size limit once a week (as a scheduled CI job would run it): the
/// cache never stays above its limit after a gc, the oldest entries go first, and a run
/// right after a gc still finds the day's results (the recently used ones are kept). The
/// limit is set from what the first four weeks grew to, so the test does not depend on
/// entry sizes.
#[test]
fn a_year_of_daily_runs_stays_under_the_size_limit() {
    use git_govern::cache::{day_of, gc};
    use git_govern::session::{CacheChoice, Options};
    use git_govern::source::Mode;
    let repo = Repo::new();
    repo.with_compliant_base();
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache.redb");
    let start = jiff::civil::date(2026, 1, 1);
    let run = |day: i64| {
        let today = start.checked_add(jiff::Span::new().days(day)).unwrap();
        // Three files change every day, each to content never seen before.
        for k in 0..3 {
            repo.write(
                &format!("deploy/app-{k}.yaml"),
                &format!("apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: c{k}}}\ndata: {{day: \"{day}\"}}\n"),
            );
        }
        repo.write(
            "Dockerfile",
            &format!("FROM alpine:3.20\nRUN echo {day}\nUSER app\n"),
        );
        let mut o = Options::new(jiff::Timestamp::UNIX_EPOCH, today);
        o.cache = CacheChoice::At(cache.clone());
        let r = git_govern::check::check(repo.path(), &Mode::All, &o, &cache).unwrap();
        (today, r.outcome.cache_hits)
    };
    let size = || std::fs::metadata(&cache).unwrap().len();
    for day in 0..28 {
        run(day);
    }
    let limit = size() * 3 / 4;
    let mut removed = 0;
    for day in 28..365 {
        let (today, _) = run(day);
        if day % 7 == 6 {
            let r = gc(&cache, Some(limit), Some(30), day_of(today)).unwrap();
            assert!(r.bytes_after <= limit, "day {day}: {r:?} over {limit}");
            removed += r.removed_for_age + r.removed_for_size;
            let (_, hits) = run(day);
            assert!(hits > 0, "day {day}: the day's results survive the gc");
        }
    }
    assert!(removed > 0, "gc removed entries");
}

/// Runs git-govern in `repo` with `GOVERN_TRACE=1`: (stdout, stderr with the phases).
fn traced(repo: &Repo, args: &[&str]) -> (Vec<u8>, String) {
    let o = repo
        .cmd(bin())
        .args(args)
        .env("GOVERN_TRACE", "1")
        .output()
        .unwrap();
    let err = stderr(&o);
    (o.stdout, err)
}

/// `cache stats` says how long ago entries were last used, `cache gc --max-age` drops the
/// old ones (and only those: a warm run after it is still served), and `cache gc` never
/// touches a file that is not a cache.
#[test]
fn gc_drops_what_was_not_used_recently_and_stats_shows_the_age() {
    let repo = fixture();
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("c.redb");
    let c = cache.to_str().unwrap();
    let at = |epoch: &str, args: &[&str]| {
        repo.cmd(bin())
            .args(args)
            .env("SOURCE_DATE_EPOCH", epoch)
            .output()
            .unwrap()
    };
    const JAN1: &str = "1767225600"; // 2026-01-01
    const FEB15: &str = "1771113600"; // 2026-02-15
    at(JAN1, &["check", "--all", "--cache", c]);
    // Six weeks later one file changed: the rest of the entries are re-dated by use, the
    // old Dockerfile's result is not.
    repo.write("Dockerfile", "FROM nginx:1.27\nUSER root\n");
    repo.git(&["add", "-A"]);
    at(FEB15, &["check", "--all", "--cache", c]);
    let stats = stdout(&at(FEB15, &["cache", "stats", "--cache", c]));
    assert!(
        stats.contains("last used: 2026-01-01 to 2026-02-15"),
        "{stats}"
    );
    assert!(!stats.contains("over 30 days ago: 0"), "{stats}");
    let o = at(FEB15, &["cache", "gc", "--max-age", "30", "--cache", c]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("unused for over 30 days"),
        "{}",
        stdout(&o)
    );
    let stats = stdout(&at(FEB15, &["cache", "stats", "--cache", c]));
    assert!(
        stats.contains("last used: 2026-02-15 to 2026-02-15"),
        "{stats}"
    );
    let warm = at(FEB15, &["check", "--all", "--cache", c, "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&warm.stdout).unwrap();
    assert_eq!(v["summary"]["cache_hits"], fixture_results());
    // A size: everything goes when even an empty cache is larger.
    let o = at(FEB15, &["cache", "gc", "--max-size", "1K", "--cache", c]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = at(
        FEB15,
        &["cache", "gc", "--max-size", "12 parsecs", "--cache", c],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("unknown unit"), "{}", stderr(&o));
    // Not a cache: refused, untouched.
    let text = dir.path().join("notes.txt");
    std::fs::write(&text, "mine\n").unwrap();
    let o = at(
        FEB15,
        &[
            "cache",
            "gc",
            "--max-age",
            "1",
            "--cache",
            text.to_str().unwrap(),
        ],
    );
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(std::fs::read_to_string(&text).unwrap(), "mine\n");
}

/// Files outside git: a warm run takes their content ids from the stamps the first run
/// recorded (stat data unchanged), reads only the file that changed, and reports exactly
/// what a run without the cache reports. Files changed within the last two seconds are not
/// stamped (they could change again within the same clock tick), so the test waits.
#[test]
fn a_plain_folder_is_not_read_again_when_its_stat_data_is_unchanged() {
    let repo = Repo::plain();
    repo.with_compliant_base();
    repo.write("Dockerfile", "FROM nginx:latest\nUSER root\n");
    repo.write("k8s/d.yaml", "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n    - name: a\n      image: a\n");
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("c.redb");
    let c = cache.to_str().unwrap();
    let known = |args: &[&str]| -> (u64, Vec<u8>) {
        let (out, err) = traced(&repo, args);
        let n = err
            .lines()
            .find_map(|l| l.split("content ids (").nth(1))
            .and_then(|rest| rest.split(' ').next())
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("no content-id phase in {err}"));
        (n, out)
    };
    std::thread::sleep(std::time::Duration::from_millis(2_500));
    let (first, cold) = known(&["check", "--all", "--cache", c]);
    assert_eq!(first, 0);
    let (second, warm) = known(&["check", "--all", "--cache", c]);
    assert!(
        second >= 4,
        "every settled file known by its stamp: {second}"
    );
    assert_eq!(cold, warm);
    repo.write("Dockerfile", "FROM nginx:1.27\nUSER root\n");
    let (third, changed) = known(&["check", "--all", "--cache", c]);
    assert_eq!(third, second - 1, "the changed file is read");
    let (_, none) = known(&["check", "--all", "--no-cache"]);
    assert_eq!(changed, none);
    // The repository-level rules are served on the ids the run learned (the stamps'), and
    // an edited metadata file, read for its new id, runs them again.
    let repository_rules =
        |err: &str| -> bool { err.contains("repository rules and policies served from the cache") };
    let (_, err) = traced(&repo, &["check", "--all", "--cache", c]);
    assert!(repository_rules(&err), "{err}");
    repo.write(
        ".meta/repo.yaml",
        "name: x
",
    );
    let (edited, err) = traced(&repo, &["check", "--all", "--cache", c]);
    assert!(!repository_rules(&err), "{err}");
    let (_, none) = known(&["check", "--all", "--no-cache"]);
    assert_eq!(edited, none);
    assert_ne!(edited, changed, "the metadata rules judged the edit");
}

/// The repository-level rules (metadata, CODEOWNERS, ADRs, structure, repository
/// policies) are served from the cache while nothing they read changes, run again when
/// something does (an edited metadata file, a new ADR, a removed CODEOWNERS), and report
/// the same as without the cache each time.
#[test]
fn repository_rules_are_served_while_what_they_read_is_unchanged() {
    let repo = fixture();
    repo.commit_all("base");
    let dir = tempfile::tempdir().unwrap();
    let c = dir.path().join("c.redb");
    let c = c.to_str().unwrap();
    let run = |args: &[&str]| {
        let (out, err) = traced(&repo, args);
        let served = err.contains("repository rules and policies served from the cache");
        (served, out)
    };
    let same_as_without_cache = |label: &str, staged: bool| {
        let mode = if staged { "--staged" } else { "--all" };
        let (_, cached) = run(&["check", mode, "--cache", c, "--format", "json"]);
        let (_, none) = run(&["check", mode, "--no-cache", "--format", "json"]);
        let strip = |b: Vec<u8>| {
            let mut v: serde_json::Value = serde_json::from_slice(&b).unwrap();
            v["summary"]["cache_hits"] = serde_json::json!(0);
            v
        };
        assert_eq!(strip(cached), strip(none), "{label}");
    };
    assert!(!run(&["check", "--all", "--cache", c]).0, "cold");
    assert!(run(&["check", "--all", "--cache", c]).0, "warm");
    // New content in a file the repository rules only see listed: still served.
    repo.write("Dockerfile", "FROM nginx:1.27\nUSER root\n");
    assert!(
        run(&["check", "--all", "--cache", c]).0,
        "unrelated content"
    );
    // Each of these changes an answer they read: run again, same report as no cache.
    for (label, change) in [
        (
            "metadata edited",
            &(|r: &Repo| {
                r.write(".meta/repo.yaml", "name: x\n");
            }) as &dyn Fn(&Repo),
        ),
        ("ADR added", &|r: &Repo| {
            r.write("docs/adr/0002-y.md", "# y\n## Status\nAccepted\n");
        }),
        ("CODEOWNERS removed", &|r: &Repo| {
            r.remove(".github/CODEOWNERS")
        }),
    ] {
        change(&repo);
        assert!(
            !run(&["check", "--all", "--cache", c]).0,
            "{label}: run again"
        );
        assert!(
            run(&["check", "--all", "--cache", c]).0,
            "{label}: then served"
        );
        same_as_without_cache(label, false);
    }
    // The hook reads the index: served on its second run, and the same as without cache.
    repo.git(&["add", "-A"]);
    run(&["check", "--staged", "--cache", c]);
    assert!(
        run(&["check", "--staged", "--cache", c]).0,
        "staged: served"
    );
    same_as_without_cache("staged", true);
}

/// In a portfolio every repository keeps its own repository-level entry: two repositories
/// with the same configuration are both served on a warm run (their entries would
/// otherwise replace each other), and the hook's view of the index keeps its own.
#[test]
fn every_repository_and_view_keeps_its_own_repository_entry() {
    let p = common::portfolio::Portfolio::new();
    for key in ["acme/one", "acme/two", "acme/three"] {
        p.repo(key, "3");
    }
    let served = |args: &[&str]| {
        traced(&p.r, args)
            .1
            .matches("repository rules and policies served from the cache")
            .count()
    };
    assert_eq!(served(&["check", "--portfolio"]), 0);
    assert_eq!(served(&["check", "--portfolio"]), 3);
    // A git repository: the work tree's and the staged view's entries side by side.
    let repo = fixture();
    let both = |r: &Repo| {
        let run = |mode: &str| {
            traced(r, &["check", mode])
                .1
                .contains("served from the cache")
        };
        (run("--all"), run("--staged"))
    };
    both(&repo);
    assert_eq!(both(&repo), (true, true));
}
