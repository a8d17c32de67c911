//! The rule registry and what every rule is made of.
//!
//! A rule is a `static` [`Rule`] value in its own file: a stable id, a default severity, a
//! version (bump it when the rule's results change, so cached results are not reused),
//! default options, its documentation in fixed sections, and a [`Check`] that says which
//! input it reads. Adding a rule means adding one file and one line to [`ALL`].

pub mod adr;
pub mod commit;
pub mod docker;
pub mod k8s;
pub mod meta;
pub mod options;
pub mod secrets;
pub mod slo;
pub mod structure;
pub mod waiver;
pub mod yaml;

use std::sync::OnceLock;

use serde_json::Value;

use crate::dockerfile::Dockerfile;
use crate::finding::{RawFinding, Severity};
use crate::kinds::FileKind;
use crate::path::RepoPath;
use crate::source::RepoView;

use crate::yaml::Document;
pub use options::{Options, RuleOptions, Typed, NO_OPTIONS};

/// The documentation of a rule, printed by `git govern explain <id>`.
#[derive(Debug)]
pub struct RuleDoc {
    /// What it does: the check in one or two sentences.
    pub what: &'static str,
    /// Why is this bad? The risk the rule guards against.
    pub why: &'static str,
    /// Example: whole files that fail, from `docs/rules/<id>/example/` (a test runs them).
    pub example: &'static [DocFile],
    /// Use instead: the same files fixed, from `docs/rules/<id>/use-instead/`.
    pub use_instead: &'static [DocFile],
    /// References: the seed and the peer rules it corresponds to.
    pub references: &'static [&'static str],
}

/// One file of a rule's Example or Use instead: its path in the repository the example
/// stands for (`Dockerfile`, `.meta/repo.yaml`, `COMMIT_EDITMSG`; for `branch.naming`,
/// `branches` lists branch names one per line) and its whole text.
#[derive(Debug)]
pub struct DocFile {
    /// Repo-relative path.
    pub path: &'static str,
    /// The whole file.
    pub text: &'static str,
}

/// The [`DocFile`]s of `docs/rules/<id>/<side>/`, embedded: `doc_files!("adr.format",
/// "example", ["docs/adr/0007-use-postgres.md"])`.
macro_rules! doc_files {
    ($id:literal, $side:literal, [$($path:literal),+ $(,)?]) => {
        &[$($crate::rules::DocFile {
            path: $path,
            text: include_str!(concat!(
                env!("CARGO_MANIFEST_DIR"), "/docs/rules/", $id, "/", $side, "/", $path
            )),
        }),+]
    };
}
pub(crate) use doc_files;

/// A component rule: (the whole repository, the component's directory, context) →
/// findings with the paths they concern.
pub type ComponentCheck = fn(&dyn RepoView, &str, &Ctx) -> Vec<(RepoPath, RawFinding)>;

/// What a rule reads, and the function that checks it.
pub enum Check {
    /// A parsed Dockerfile (`Dockerfile`, `Dockerfile.*`, `*.Dockerfile`, `Containerfile`).
    Dockerfile(fn(&Dockerfile, &Ctx) -> Vec<RawFinding>),
    /// The documents of a YAML file that may hold Kubernetes objects.
    Manifest(fn(&[Document], &Ctx) -> Vec<RawFinding>),
    /// `.meta/repo.yaml` (its first document, `None` when empty).
    Metadata(fn(Option<&Document>, &Ctx) -> Vec<RawFinding>),
    /// An ADR: its headings and lines.
    Adr(fn(&crate::kinds::adr::Adr, &Ctx) -> Vec<RawFinding>),
    /// The repository as a whole; findings name the path they concern. In a monorepo the
    /// rules listed in [`PER_COMPONENT`] also judge each component as a repository.
    Repo(fn(&dyn RepoView, &Ctx) -> Vec<(RepoPath, RawFinding)>),
    /// One monorepo component (its directory, repo-relative) in its repository (the whole
    /// view); findings name the path they concern.
    Component(ComponentCheck),
    /// Any text file, whatever its kind (binary files and files over
    /// [`crate::kinds::text::MAX_BYTES`] are passed over).
    Text(fn(&str, &Ctx) -> Vec<RawFinding>),
    /// A commit message (the commit-msg hook, `check --commits`).
    CommitMessage(fn(&crate::message::Message, &Ctx) -> Vec<RawFinding>),
    /// A branch name without `refs/heads/` (the pre-push hook).
    Branch(fn(&str, &Ctx) -> Vec<RawFinding>),
    /// The configuration itself; evaluated by [`crate::waiver::apply`].
    Config,
}

/// A rule's stable id, `family.name` in lower case with `-` between words
/// (`docker.user-not-root`): how findings, `.govern.yaml`, waivers and `explain` name it.
/// [`RuleId::new`] checks the shape at compile time in a `static`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RuleId(&'static str);

impl RuleId {
    /// The id `id`. Panics (at compile time, in a `static`) unless it is `family.name`:
    /// two non-empty parts of `a-z`, `0-9` and `-`, joined by one dot.
    pub const fn new(id: &'static str) -> RuleId {
        let b = id.as_bytes();
        let mut i = 0;
        let mut dots = 0;
        while i < b.len() {
            let c = b[i];
            let edge = i == 0 || i + 1 == b.len() || b[i - 1] == b'.';
            match c {
                b'.' => {
                    assert!(!edge, "a rule id part is empty");
                    dots += 1;
                }
                b'a'..=b'z' | b'0'..=b'9' => {}
                b'-' => assert!(!edge, "a rule id part starts or ends with -"),
                _ => panic!("a rule id is lower-case a-z, 0-9, - and one dot"),
            }
            i += 1;
        }
        assert!(dots == 1, "a rule id is family.name");
        RuleId(id)
    }

    /// The id as text.
    pub const fn as_str(self) -> &'static str {
        self.0
    }

    /// The family, the part before the dot (`docker`).
    pub fn family(self) -> &'static str {
        self.0.split_once('.').map_or(self.0, |(f, _)| f)
    }
}

impl std::fmt::Display for RuleId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.0)
    }
}

impl std::borrow::Borrow<str> for RuleId {
    fn borrow(&self) -> &str {
        self.0
    }
}

impl PartialEq<str> for RuleId {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for RuleId {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

impl PartialEq<RuleId> for String {
    fn eq(&self, other: &RuleId) -> bool {
        self == other.0
    }
}

impl From<RuleId> for String {
    fn from(id: RuleId) -> String {
        id.0.to_string()
    }
}

impl serde::Serialize for RuleId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.0)
    }
}

/// One rule.
pub struct Rule {
    /// Stable id.
    pub id: RuleId,
    /// Severity unless `.govern.yaml` re-grades it.
    pub severity: Severity,
    /// Bumped whenever the rule's findings for the same input change.
    pub version: u32,
    /// One line for `git govern rules`.
    pub summary: &'static str,
    /// Its options: their type and defaults (`&NO_OPTIONS` for none); `.govern.yaml` may
    /// override each key.
    pub options: &'static dyn RuleOptions,
    /// Documentation.
    pub doc: RuleDoc,
    /// The check.
    pub check: Check,
}

impl Rule {
    /// The default options as JSON.
    pub fn default_options(&self) -> Value {
        self.options.defaults()
    }

    /// What the rule reads, as `git govern rules --json` names it: `dockerfile`,
    /// `manifest`, `metadata`, `adr`, `repository`, `text`, `commit-message`, `branch`,
    /// `config`.
    pub fn reads(&self) -> &'static str {
        match self.check {
            Check::Dockerfile(_) => "dockerfile",
            Check::Manifest(_) => "manifest",
            Check::Metadata(_) => "metadata",
            Check::Adr(_) => "adr",
            Check::Repo(_) => "repository",
            Check::Component(_) => "component",
            Check::Text(_) => "text",
            Check::CommitMessage(_) => "commit-message",
            Check::Branch(_) => "branch",
            Check::Config => "config",
        }
    }

    /// Which kind of file the rule reads (`None` for repository rules).
    pub fn file_kind(&self) -> Option<FileKind> {
        match self.check {
            Check::Dockerfile(_) => Some(FileKind::Dockerfile),
            Check::Manifest(_) => Some(FileKind::Manifest),
            Check::Metadata(_) => Some(FileKind::Metadata),
            Check::Adr(_) => Some(FileKind::Adr),
            Check::Repo(_)
            | Check::Component(_)
            | Check::Text(_)
            | Check::CommitMessage(_)
            | Check::Branch(_)
            | Check::Config => None,
        }
    }
}

/// Every rule, in id order.
pub static ALL: &[&Rule] = &[
    &adr::format::RULE,
    &adr::present::RULE,
    &commit::branch_naming::RULE,
    &commit::conventional::RULE,
    &docker::healthcheck::RULE,
    &docker::pinned_base_image::RULE,
    &docker::user_not_root::RULE,
    &k8s::image_tag::RULE,
    &k8s::privilege_escalation::RULE,
    &k8s::privileged::RULE,
    &k8s::probes::RULE,
    &k8s::resources::RULE,
    &k8s::run_as_non_root::RULE,
    &meta::present::RULE,
    &meta::schema::RULE,
    &secrets::aws_access_key::RULE,
    &secrets::azure_storage_key::RULE,
    &secrets::generic_assignment::RULE,
    &secrets::github_token::RULE,
    &secrets::gitlab_token::RULE,
    &secrets::private_key::RULE,
    &secrets::slack_token::RULE,
    &secrets::url_password::RULE,
    &slo::defined::RULE,
    &structure::codeowners::RULE,
    &structure::component_owners::RULE,
    &structure::required_files::RULE,
    &waiver::expired::RULE,
    &yaml::duplicate_key::RULE,
];

/// A set of registered rules: bit `i` stands for `ALL[i]`, so iterating it gives rule ids in
/// id order. Outcomes record per file which rules ran with one of these instead of one
/// entry per (file, rule).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RuleSet(u64);

impl RuleSet {
    /// The set of the one rule `rule` (by identity in [`ALL`], else by id); empty for a
    /// rule that is not registered.
    pub fn of(rule: &Rule) -> RuleSet {
        ALL.iter()
            .position(|r| std::ptr::eq(*r, rule) || r.id == rule.id)
            .map_or(RuleSet(0), |i| RuleSet(1 << i))
    }

    /// The set as bits (bit `i` for `ALL[i]`), for a cache entry of this tool version.
    pub fn bits(self) -> u64 {
        self.0
    }

    /// A set from [`RuleSet::bits`] of this tool version.
    pub fn from_bits(bits: u64) -> RuleSet {
        RuleSet(bits)
    }

    /// Both sets together.
    pub fn union(self, other: RuleSet) -> RuleSet {
        RuleSet(self.0 | other.0)
    }

    /// Whether no rule is in the set.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The rules of the set, in id order.
    pub fn rules(self) -> impl Iterator<Item = &'static Rule> {
        ALL.iter()
            .enumerate()
            .filter(move |(i, _)| self.0 & (1 << i) != 0)
            .map(|(_, r)| *r)
    }
}

/// The repository rules that also judge each monorepo component as a repository of its
/// own (through [`crate::components::SubtreeView`]): its required files and its ADRs (the
/// root's ADRs count for every component: platform-wide decisions, seed 003).
/// `meta.present` needs no component run (a component is a directory with metadata), and
/// ownership of components is `structure.component-owners`'s.
pub const PER_COMPONENT: &[&str] = &["adr.present", "structure.required-files"];

/// Looks a rule up by id.
pub fn by_id(id: &str) -> Option<&'static Rule> {
    ALL.iter().copied().find(|r| r.id == id)
}

/// Whether findings of rule `id` are about the repository as a whole rather than a file's
/// content: the repository rules, expired waivers, and `govern.repo` policies.
pub fn is_repository_level(id: &str) -> bool {
    match by_id(id) {
        Some(r) => matches!(
            r.check,
            Check::Repo(_) | Check::Component(_) | Check::Config
        ),
        None => id.starts_with("policy.govern.repo."),
    }
}

/// The rule id closest to a mistyped `id` (Jaro-Winkler similarity of at least 0.8), as
/// " (did you mean `docker.user-not-root`?)"; empty when nothing is close.
pub fn did_you_mean(id: &str) -> String {
    ALL.iter()
        .map(|r| (strsim::jaro_winkler(id, r.id.as_str()), r.id.as_str()))
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, best)| format!(" (did you mean `{best}`?)"))
        .unwrap_or_default()
}

/// What a rule sees besides its input: its effective options and shared resources.
pub struct Ctx<'a> {
    /// The rule's options: defaults overlaid with `.govern.yaml`.
    pub options: &'a Options,
    /// The repository metadata schema in force (built-in, or the governance root's override).
    pub repo_schema: &'a RepoSchema,
}

impl Ctx<'_> {
    /// The rule's options as its own type (see [`Typed`]).
    pub fn options<T: 'static>(&self) -> &T {
        self.options.get()
    }
}

/// The metadata JSON Schema in force, compiled on first use.
pub struct RepoSchema {
    /// Where it came from, for messages: "built-in" or a path.
    pub origin: String,
    /// The schema document.
    pub schema: Value,
    compiled: OnceLock<Result<jsonschema::Validator, String>>,
}

/// The built-in repository metadata schema (`schemas/repo.schema.json`).
pub const BUILTIN_REPO_SCHEMA: &str = include_str!("../../schemas/repo.schema.json");

impl RepoSchema {
    /// Wraps a schema document; it is compiled lazily by [`RepoSchema::validator`].
    pub fn new(origin: String, schema: Value) -> Self {
        RepoSchema {
            origin,
            schema,
            compiled: OnceLock::new(),
        }
    }

    /// The built-in schema.
    pub fn builtin() -> Self {
        Self::new(
            "built-in".into(),
            serde_json::from_str(BUILTIN_REPO_SCHEMA).expect("built-in schema is JSON"),
        )
    }

    /// The compiled validator, or the reason the schema is not a valid JSON Schema.
    pub fn validator(&self) -> Result<&jsonschema::Validator, &str> {
        self.compiled
            .get_or_init(|| jsonschema::validator_for(&self.schema).map_err(|e| e.to_string()))
            .as_ref()
            .map_err(String::as_str)
    }
}

/// Renders a rule's documentation as `git govern explain` prints it.
pub fn explain(rule: &Rule) -> String {
    let d = &rule.doc;
    let mut s = format!(
        "{id} ({sev}, version {v})\n{summary}\n\n## What it does\n{what}\n\n## Why is this bad?\n{why}\n\n## Example\n{ex}\n\n## Use instead\n{ui}\n",
        id = rule.id,
        sev = rule.severity.as_str(),
        v = rule.version,
        summary = rule.summary,
        what = d.what,
        why = d.why,
        ex = show_files(d.example),
        ui = show_files(d.use_instead),
    );
    let opts = rule.default_options();
    if opts.as_object().is_some_and(|o| !o.is_empty()) {
        s.push_str("\n## Options (.govern.yaml, with defaults)\n");
        s.push_str(&format!(
            "    rules:\n      {}:\n        options: {}\n",
            rule.id, opts
        ));
    }
    s.push_str("\n## References\n");
    for r in d.references {
        s.push_str(&format!("- {r}\n"));
    }
    s
}

/// A rule's documentation as Markdown, for SARIF's `help.markdown` (code scanning shows it
/// beside an alert): the sections of [`explain`], the example files in fenced blocks.
pub fn explain_markdown(rule: &Rule) -> String {
    let d = &rule.doc;
    let fenced = |files: &[DocFile]| -> String {
        files
            .iter()
            .map(|f| format!("`{}`:\n\n````\n{}\n````\n", f.path, f.text.trim_end()))
            .collect::<Vec<_>>()
            .join("\n")
    };
    let mut s = format!(
        "**{summary}** (`{id}`, {sev} by default)\n\n## What it does\n\n{what}\n\n\
         ## Why is this bad?\n\n{why}\n\n## Example\n\n{ex}\n## Use instead\n\n{ui}",
        id = rule.id,
        sev = rule.severity.as_str(),
        summary = rule.summary,
        what = d.what,
        why = d.why,
        ex = fenced(d.example),
        ui = fenced(d.use_instead),
    );
    let opts = rule.default_options();
    if opts.as_object().is_some_and(|o| !o.is_empty()) {
        s.push_str(&format!(
            "\n## Options\n\nIn `.govern.yaml`, with the defaults:\n\n````yaml\nrules:\n  {}:\n    options: {}\n````\n",
            rule.id, opts
        ));
    }
    s.push_str("\n## References\n\n");
    for r in d.references {
        s.push_str(&format!("- {r}\n"));
    }
    s
}

/// Example files as `explain` shows them: the path, then the text indented.
fn show_files(files: &[DocFile]) -> String {
    files
        .iter()
        .map(|f| format!("  {}:\n{}", f.path, indent(f.text.trim_end())))
        .collect::<Vec<_>>()
        .join("\n")
}

fn indent(text: &str) -> String {
    text.lines()
        .map(|l| format!("    {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod rule_set_tests {
    use super::{RuleSet, ALL};

    #[test]
    fn the_registry_is_in_id_order_and_fits_a_rule_set() {
        assert!(ALL.len() <= 64, "RuleSet holds at most 64 rules");
        assert!(
            ALL.windows(2).all(|w| w[0].id < w[1].id),
            "ALL must stay in id order"
        );
    }

    #[test]
    fn a_rule_id_is_family_dot_name() {
        assert_eq!(
            super::RuleId::new("docker.user-not-root").family(),
            "docker"
        );
        for bad in [
            "docker",
            "Docker.x",
            "docker..x",
            "docker.x.y",
            ".x",
            "docker.-x",
            "a b.c",
        ] {
            let r = std::panic::catch_unwind(|| super::RuleId::new(bad));
            assert!(r.is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn a_rule_set_lists_its_rules_in_id_order() {
        let set = RuleSet::of(ALL[5])
            .union(RuleSet::of(ALL[1]))
            .union(RuleSet::of(ALL[5]));
        let ids: Vec<super::RuleId> = set.rules().map(|r| r.id).collect();
        assert_eq!(ids, [ALL[1].id, ALL[5].id]);
        assert!(RuleSet::default().is_empty() && !set.is_empty());
    }
}
