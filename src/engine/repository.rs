//! Step 5 of a check: the repository-level rules (metadata present, CODEOWNERS, ADRs,
//! structure), the component rules of a monorepo and the repository policies, served from
//! the cache when nothing they read has changed.
//!
//! They read the repository through a [`Recorder`], which notes every question asked of
//! the view (is this file there, list this directory, read this file, …). The cache entry
//! keeps the questions, a digest of their answers and the results. The next run asks the
//! same questions of its own view; when the answers' digest is the same, the results are
//! the same, and no rule runs. A file read is answered by its content id, which the index
//! gives without reading the file, so a warm run reads no blob. The entry's key holds what
//! else the results depend on: the repository's location and the view (work tree, index,
//! staged), the tool version, every enabled rule's version and options, the metadata
//! schema, the policies, the ADR directories, the components found and the components and
//! shared paths the run's files touch. A result whose questions or findings hold
//! something secret-like is not cached (the cache file never holds a secret).

use std::collections::HashSet;
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use crate::cache::{unit_id, Cache, Cached};
use crate::finding::{InputError, RawFinding};
use crate::path::RepoPath;
use crate::rules::{self, adr, Check, RuleSet};
use crate::source::view::RepoView;

use super::{collect, component_words, evaluate, Outcome, Run};

/// Bump when what this module stores or how it answers changes.
const VERSION: u32 = 1;

/// One question asked of a repository view.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Query {
    /// [`RepoView::contains`].
    Contains(Vec<u8>),
    /// [`RepoView::list`].
    List(Vec<u8>),
    /// [`RepoView::top_level`].
    TopLevel,
    /// [`RepoView::named`].
    Named(Vec<String>),
    /// [`RepoView::read`] (and [`RepoView::content_id`]), answered by the content id.
    Read(Vec<u8>),
    /// [`RepoView::dirs`].
    Dirs(usize),
    /// [`RepoView::files`].
    Files,
    /// [`RepoView::unstaged`].
    Unstaged(Vec<u8>),
}

/// A view that answers as `inner` does and notes every question.
pub struct Recorder<'a> {
    inner: &'a dyn RepoView,
    asked: Mutex<Vec<Query>>,
}

impl<'a> Recorder<'a> {
    fn new(inner: &'a dyn RepoView) -> Recorder<'a> {
        Recorder {
            inner,
            asked: Mutex::new(Vec::new()),
        }
    }

    fn note(&self, q: Query) {
        self.asked.lock().expect("not poisoned").push(q);
    }

    /// The questions asked, sorted, each once.
    fn questions(self) -> Vec<Query> {
        let mut q = self.asked.into_inner().expect("not poisoned");
        q.sort();
        q.dedup();
        q
    }
}

impl RepoView for Recorder<'_> {
    fn contains(&self, path: &[u8]) -> bool {
        self.note(Query::Contains(path.to_vec()));
        self.inner.contains(path)
    }
    fn list(&self, dir: &[u8]) -> Vec<RepoPath> {
        self.note(Query::List(dir.to_vec()));
        self.inner.list(dir)
    }
    fn top_level(&self) -> Vec<RepoPath> {
        self.note(Query::TopLevel);
        self.inner.top_level()
    }
    fn named(&self, names: &[&str]) -> Vec<RepoPath> {
        self.note(Query::Named(names.iter().map(|n| n.to_string()).collect()));
        self.inner.named(names)
    }
    fn read(&self, path: &[u8]) -> Option<Vec<u8>> {
        self.note(Query::Read(path.to_vec()));
        self.inner.read(path)
    }
    fn content_id(&self, path: &[u8]) -> Option<gix::ObjectId> {
        self.note(Query::Read(path.to_vec()));
        self.inner.content_id(path)
    }
    fn dirs(&self, depth: usize) -> Vec<String> {
        self.note(Query::Dirs(depth));
        self.inner.dirs(depth)
    }
    fn files(&self) -> Vec<RepoPath> {
        self.note(Query::Files);
        self.inner.files()
    }
    fn unstaged(&self, path: &[u8]) -> bool {
        self.note(Query::Unstaged(path.to_vec()));
        self.inner.unstaged(path)
    }
}

/// blake3 over `questions` and `view`'s answers to them (hex). The questions about the
/// list of files (all files, directories, top-level names, files by name) are answered
/// together by one digest of the paths, computed once.
fn digest(
    view: &dyn RepoView,
    questions: &[Query],
    id_of: &dyn Fn(&[u8]) -> Option<gix::ObjectId>,
) -> String {
    let mut h = blake3::Hasher::new();
    let mut paths: Option<[u8; 32]> = None;
    for q in questions {
        h.update(&serde_json::to_vec(q).expect("a query serializes"));
        h.update(&[0xff]);
        match q {
            Query::Contains(p) => _ = h.update(&[u8::from(view.contains(p))]),
            Query::Unstaged(p) => _ = h.update(&[u8::from(view.unstaged(p))]),
            Query::List(d) => {
                for p in view.list(d) {
                    h.update(p.as_bytes());
                    h.update(&[0]);
                }
            }
            Query::TopLevel | Query::Named(_) | Query::Files | Query::Dirs(_) => {
                _ = h.update(paths.get_or_insert_with(|| view.paths_digest()))
            }
            Query::Read(p) => match id_of(p) {
                Some(id) => _ = h.update(id.as_bytes()),
                None => _ = h.update(b"absent"),
            },
        }
    }
    h.finalize().to_hex().to_string()
}

/// What the repository-level rules found, as the cache keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RepositoryResult {
    /// The questions they asked of the repository, sorted.
    questions: Vec<Query>,
    /// [`digest`] of the answers when they ran.
    digest: String,
    /// Per path, the rules evaluated ([`RuleSet::bits`]).
    evaluated: Vec<(Vec<u8>, u64)>,
    /// Their findings, with paths.
    findings: Vec<(Vec<u8>, RawFinding)>,
    /// What could not be understood: (path, line, message).
    errors: Vec<(Vec<u8>, Option<u32>, String)>,
}

impl RepositoryResult {
    /// Whether a question's path or a finding's words look like a secret (what reports
    /// redact): such a result is not cached, so the cache file never holds one.
    fn holds_a_secret(&self) -> bool {
        use crate::rules::secrets::redact::redact;
        let secret = |b: &[u8]| {
            matches!(
                redact(&String::from_utf8_lossy(b)),
                std::borrow::Cow::Owned(_)
            )
        };
        self.questions.iter().any(|q| match q {
            Query::Contains(p) | Query::List(p) | Query::Read(p) | Query::Unstaged(p) => secret(p),
            Query::Named(n) => n.iter().any(|n| secret(n.as_bytes())),
            Query::TopLevel | Query::Dirs(_) | Query::Files => false,
        }) || self
            .findings
            .iter()
            .any(|(p, f)| secret(p) || secret(f.message.as_bytes()) || secret(f.help.as_bytes()))
            || self
                .errors
                .iter()
                .any(|(p, _, m)| secret(p) || secret(m.as_bytes()))
    }

    fn push(&mut self, path: &RepoPath, raw: RawFinding) {
        self.findings.push((path.as_bytes().to_vec(), raw));
    }

    fn evaluated(&mut self, path: &str, rule: &rules::Rule) {
        self.evaluated
            .push((path.as_bytes().to_vec(), RuleSet::of(rule).bits()));
    }
}

impl Run<'_> {
    /// The key of this run's repository-level results (see the module documentation).
    fn repository_key(&self, touched: &[&str], shared: &[&str]) -> [u8; 32] {
        let schema_hash = blake3::hash(self.schema.schema.to_string().as_bytes());
        let mut h = blake3::Hasher::new();
        // One entry per repository and view: entries of two repositories (a portfolio's)
        // or of the hook's and `--all`'s views would otherwise replace each other.
        h.update(self.snapshot.root.as_os_str().as_encoded_bytes());
        h.update(&[0]);
        h.update(self.snapshot.view.shows().as_bytes());
        h.update(&[0]);
        for r in &self.enabled {
            h.update(&unit_id(
                r.id.as_str(),
                r.version,
                &self.config.rule(r).hash,
            ));
        }
        h.update(schema_hash.as_bytes());
        h.update(&self.policies.hash);
        h.update(&[u8::from(self.policies.has_repo_rules())]);
        let adr_dirs: Vec<&str> = self.adr_dirs.iter().map(String::as_str).collect();
        // The components found (the configuration's exclusions decide which count).
        let components: Vec<&str> = self.components.dirs().iter().map(String::as_str).collect();
        for part in [adr_dirs.as_slice(), components.as_slice(), touched, shared] {
            h.update(&(part.len() as u64).to_le_bytes());
            for s in part.iter() {
                h.update(s.as_bytes());
                h.update(&[0]);
            }
        }
        unit_id("repository-rules", VERSION, h.finalize().as_bytes())
    }

    /// The components and the shared paths this run's files touch (sorted).
    fn touched(&self) -> (Vec<&str>, Vec<&str>) {
        let subjects = &self.snapshot.subjects;
        let touched: HashSet<&str> = subjects
            .iter()
            .filter_map(|s| self.components.of(s.path.as_bytes()))
            .collect();
        let mut components: Vec<&str> = touched.into_iter().collect();
        components.sort_unstable();
        use rules::structure::component_owners as owners;
        let settings = self.config.rule(&owners::RULE);
        let mut shared: Vec<&str> = Vec::new();
        if settings.enabled {
            let opts: &owners::Options = settings.options.get();
            for s in &opts.shared {
                let dir = s.dir();
                let is_component = self.components.dirs().iter().any(|d| d == dir);
                if !is_component
                    && subjects
                        .iter()
                        .any(|x| crate::components::within(x.path.as_bytes(), dir))
                {
                    shared.push(dir);
                }
            }
        }
        (components, shared)
    }

    /// Step 5: the repository-level results, from the cache when what they read is
    /// unchanged, else run (and queued for the cache), then added to `out`.
    ///
    /// `known` holds, by subject, the content ids step 2 learned for files on disk (from
    /// their stamps, or by reading them): a read question about such a file is answered
    /// from it, without reading the file again.
    pub(super) fn repository_rules(
        &self,
        out: &mut Outcome,
        cache: &mut Cache,
        known: &[Option<gix::ObjectId>],
    ) {
        let view = self.snapshot.view.as_ref();
        let subjects = &self.snapshot.subjects;
        let id_of = |path: &[u8]| {
            let learned = subjects
                .binary_search_by(|s| s.path.as_bytes().cmp(path))
                .ok()
                .and_then(|i| known.get(i).copied().flatten());
            learned.or_else(|| view.content_id(path))
        };
        let (touched, shared) = self.touched();
        let key = self.repository_key(&touched, &shared);
        let (mut found, _) = cache.lookup(&[key], &[]);
        let served = match found.pop().flatten() {
            Some(Cached::Repository(r)) if digest(view, &r.questions, &id_of) == r.digest => {
                Some(r)
            }
            _ => None,
        };
        let from_cache = served.is_some();
        let result = match served {
            Some(r) => r,
            None => {
                let recorder = Recorder::new(view);
                let mut r = self.run_repository_rules(&recorder, &touched, &shared);
                r.questions = recorder.questions();
                r.digest = digest(view, &r.questions, &id_of);
                if !r.holds_a_secret() {
                    cache.put_result(key, &Cached::Repository(r.clone()));
                }
                r
            }
        };
        self.apply(out, result);
        crate::trace::phase(|| {
            let how = if from_cache {
                "served from the cache"
            } else {
                "run"
            };
            format!("repository rules and policies {how}")
        });
    }

    fn apply(&self, out: &mut Outcome, r: RepositoryResult) {
        for (path, bits) in r.evaluated {
            out.evaluated
                .push((RepoPath::from_bytes(path), RuleSet::from_bits(bits)));
        }
        for (path, raw) in r.findings {
            collect(out, self.config, &RepoPath::from_bytes(path), &[raw]);
        }
        for (path, line, message) in r.errors {
            out.errors.push(InputError {
                path: RepoPath::from_bytes(path),
                line: line.and_then(crate::finding::Line::new),
                message,
            });
        }
    }

    /// Runs the repository-level rules, the component rules and the repository policies
    /// on `view`.
    fn run_repository_rules(
        &self,
        view: &dyn RepoView,
        touched: &[&str],
        shared: &[&str],
    ) -> RepositoryResult {
        let mut r = RepositoryResult {
            questions: Vec::new(),
            digest: String::new(),
            evaluated: Vec::new(),
            findings: Vec::new(),
            errors: Vec::new(),
        };
        let monorepo = !self.components.is_empty();
        for rule in &self.enabled {
            let Check::Repo(f) = rule.check else { continue };
            // In a monorepo the components carry the metadata; the root needs none.
            if monorepo && rule.id == rules::meta::present::RULE.id {
                continue;
            }
            r.evaluated(".", rule);
            for (path, raw) in f(view, &self.ctx(rule)) {
                r.push(&path, raw);
            }
        }
        if monorepo {
            self.component_rules(view, touched, &mut r);
        }
        self.shared_paths(view, shared, &mut r);
        if self.policies.has_repo_rules() {
            let (path, found) = evaluate::repository_policies(view, self.policies, &self.adr_dirs);
            match found {
                Ok(fs) => fs.into_iter().for_each(|f| r.push(&path, f)),
                Err(message) => r.errors.push((path.as_bytes().to_vec(), None, message)),
            }
        }
        r
    }

    /// The repository rules of [`rules::PER_COMPONENT`] on each component as a repository
    /// of its own, and the component rules, for the components this run's files touch (a
    /// commit to one service is not told about another's). A component without ADRs of
    /// its own is covered by the root's (platform-wide decisions).
    fn component_rules(&self, view: &dyn RepoView, touched: &[&str], r: &mut RepositoryResult) {
        let root_has_adrs = !crate::kinds::adr::files(view, &adr::dirs_in(self.config)).is_empty();
        for dir in self
            .components
            .dirs()
            .iter()
            .filter(|d| touched.contains(&d.as_str()))
        {
            let sub = self.components.view(view, dir);
            for rule in &self.enabled {
                let ctx = self.ctx(rule);
                let found: Vec<(RepoPath, RawFinding)> = match rule.check {
                    Check::Repo(f) if rules::PER_COMPONENT.contains(&rule.id.as_str()) => {
                        if rule.id == rules::adr::present::RULE.id && root_has_adrs {
                            continue;
                        }
                        f(&sub, &ctx)
                            .into_iter()
                            .map(|(p, raw)| {
                                let outer = sub.outer(&p);
                                let raw = component_words(raw, dir, &outer);
                                (outer, raw)
                            })
                            .collect()
                    }
                    Check::Component(f) => f(view, dir, &ctx),
                    _ => continue,
                };
                r.evaluated(dir, rule);
                for (path, raw) in found {
                    r.push(&path, raw);
                }
            }
        }
    }

    /// The component rules on the shared paths `structure.component-owners` lists (paths
    /// without metadata of their own) that this run's files touch.
    fn shared_paths(&self, view: &dyn RepoView, shared: &[&str], r: &mut RepositoryResult) {
        use rules::structure::component_owners as owners;
        let Check::Component(f) = owners::RULE.check else {
            return;
        };
        for dir in shared {
            for (path, raw) in f(view, dir, &self.ctx(&owners::RULE)) {
                r.push(&path, raw);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::view::WorkTreeView;
    use crate::source::{Content, Subject};

    fn view(files: &[(&str, &str)]) -> WorkTreeView {
        let subjects: std::sync::Arc<[Subject]> = files
            .iter()
            .map(|(p, text)| Subject {
                path: RepoPath::from_bytes(p.as_bytes()),
                content: Content::Bytes(text.as_bytes().to_vec().into()),
            })
            .collect();
        WorkTreeView::new(subjects, None)
    }

    /// [`digest`] with the view's own content ids.
    fn digest(view: &WorkTreeView, q: &[Query]) -> String {
        super::digest(view, q, &|p| view.content_id(p))
    }

    /// The digest changes exactly when an answer to a recorded question changes.
    #[test]
    fn the_digest_follows_the_answers() {
        let a = view(&[("README.md", "# a\n"), ("src/x.go", "x")]);
        let rec = Recorder::new(&a);
        rec.read(b"README.md");
        rec.contains(b"LICENSE");
        let q = rec.questions();
        let same = view(&[("README.md", "# a\n"), ("src/y.go", "other")]);
        assert_eq!(
            digest(&a, &q),
            digest(&same, &q),
            "unasked files do not count"
        );
        let edited = view(&[("README.md", "# b\n"), ("src/x.go", "x")]);
        assert_ne!(digest(&a, &q), digest(&edited, &q));
        let licensed = view(&[
            ("LICENSE", "MIT"),
            ("README.md", "# a\n"),
            ("src/x.go", "x"),
        ]);
        assert_ne!(digest(&a, &q), digest(&licensed, &q));
    }
}
