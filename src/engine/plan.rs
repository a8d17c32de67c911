//! Plan: which rules read which subject, and under which cache keys their results live.
//!
//! A subject's *shape* (its kind, whether the text rules and the file policies read it,
//! whether it is a kustomize patch) decides its rules and its cache *units*: each
//! structured rule alone, the text rules together (they read every file, so one entry per
//! file keeps a warm run at one lookup for them), and the file policies. Shapes are few and
//! built once; a planned file points at its shape. Keys come from [`UnitIds`]: one small
//! blake3 per unit and file.

use std::collections::HashSet;
use std::sync::OnceLock;

use rayon::prelude::*;

use crate::cache::{result_key, unit_id};
use crate::config::Config;
use crate::finding::Skipped;
use crate::kinds::{self, manifest::HELM_CONTEXT, FileKind};
use crate::path::RepoPath;
use crate::policy::PolicySet;
use crate::rules::{Check, Rule, RuleSet};
use crate::source::RepoView;
use crate::source::{Content, Snapshot};

/// One cache entry of a file's results.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Unit {
    /// One structured rule (index into [`Shape::rules`]).
    One(usize),
    /// All text rules of the file together (indexes into [`Shape::rules`]).
    Text(Vec<usize>),
    /// The file policies.
    Policy,
}

/// The rules and cache units that files of one shape get.
pub(super) struct Shape {
    /// The file's kind by name.
    pub kind: Option<FileKind>,
    /// The enabled rules that read it, in registry order.
    pub rules: Vec<&'static Rule>,
    /// Its cache units: structured rules, then text rules, then policies.
    pub units: Vec<Unit>,
    /// The rules of each unit as a set (empty for the policy unit).
    pub unit_rules: Vec<RuleSet>,
    /// The number of rules of each unit (1 for the policy unit), for counting cache hits.
    pub unit_sizes: Vec<usize>,
}

impl Shape {
    fn new(
        kind: Option<FileKind>,
        enabled: &[&'static Rule],
        text: bool,
        patch: bool,
        policy: bool,
    ) -> Shape {
        let rules: Vec<&'static Rule> = enabled
            .iter()
            .copied()
            .filter(|r| match r.check {
                Check::Text(_) => text,
                _ => !patch && kind.is_some() && r.file_kind() == kind,
            })
            .collect();
        let mut units = Vec::new();
        let mut text_ixs = Vec::new();
        for (i, r) in rules.iter().enumerate() {
            match r.check {
                Check::Text(_) => text_ixs.push(i),
                _ => units.push(Unit::One(i)),
            }
        }
        if !text_ixs.is_empty() {
            units.push(Unit::Text(text_ixs));
        }
        if policy && !patch {
            units.push(Unit::Policy);
        }
        let unit_rules = units
            .iter()
            .map(|u| match u {
                Unit::One(i) => RuleSet::of(rules[*i]),
                Unit::Text(ixs) => ixs
                    .iter()
                    .fold(RuleSet::default(), |s, &i| s.union(RuleSet::of(rules[i]))),
                Unit::Policy => RuleSet::default(),
            })
            .collect();
        let unit_sizes = units
            .iter()
            .map(|u| match u {
                Unit::Text(ixs) => ixs.len(),
                _ => 1,
            })
            .collect();
        Shape {
            kind,
            rules,
            units,
            unit_rules,
            unit_sizes,
        }
    }
}

/// Every shape of a run, built up front: (kind, text rules, kustomize patch, policies).
pub(super) struct Shapes(Vec<Shape>);

/// The kinds a shape can have: none, then the registry's.
fn shape_kinds() -> impl Iterator<Item = Option<FileKind>> {
    std::iter::once(None).chain(kinds::ALL.iter().map(|k| Some(k.kind)))
}

impl Shapes {
    pub fn new(enabled: &[&'static Rule]) -> Shapes {
        let mut all = Vec::new();
        for kind in shape_kinds() {
            for bits in 0..8u8 {
                all.push(Shape::new(
                    kind,
                    enabled,
                    bits & 1 != 0,
                    bits & 2 != 0,
                    bits & 4 != 0,
                ));
            }
        }
        Shapes(all)
    }

    fn index(kind: Option<FileKind>, text: bool, patch: bool, policy: bool) -> usize {
        let k = shape_kinds().position(|x| x == kind).unwrap_or(0);
        k * 8 + usize::from(text) + 2 * usize::from(patch) + 4 * usize::from(policy)
    }

    /// The shape at `index` (as stored in [`Planned::shape`]).
    pub fn get(&self, index: impl Into<usize>) -> &Shape {
        &self.0[index.into()]
    }
}

/// One file to check and where its results are (kept small: there is one per file).
pub(super) struct Planned {
    /// Index into the snapshot's subjects.
    pub subject: usize,
    /// Its first key in the run's key list (one key per unit, once `id` is known).
    pub first_key: usize,
    /// Index into [`Shapes`].
    pub shape: u8,
    /// Under a Helm chart's `templates/` (its keys carry [`HELM_CONTEXT`]).
    pub helm: bool,
    /// A kustomize patch: reported as skipped, its structured rules do not run.
    pub patch: bool,
    /// The content id (git blob id), once known.
    pub id: Option<gix::ObjectId>,
    /// What reading it gave, for the files that were read (files on disk, and misses
    /// about to be evaluated).
    pub read: Option<Box<Read>>,
}

/// What reading a planned file gave.
pub(super) enum Read {
    /// Its bytes, until they are evaluated.
    Bytes(Vec<u8>),
    /// Why they could not be read.
    Failed(String),
    /// Why the file was not opened at all (it is no regular file): skipped, not an error.
    PassedOver(String),
}

impl Planned {
    /// The context tag of its keys.
    pub fn context(&self) -> &'static str {
        if self.helm {
            HELM_CONTEXT
        } else {
            ""
        }
    }

    /// Why its bytes could not be read, if they could not.
    pub fn read_error(&self) -> Option<&str> {
        match self.read.as_deref() {
            Some(Read::Failed(e)) => Some(e),
            _ => None,
        }
    }

    /// Why it was not opened, if it was passed over.
    pub fn passed_over(&self) -> Option<&str> {
        match self.read.as_deref() {
            Some(Read::PassedOver(why)) => Some(why),
            _ => None,
        }
    }

    /// Takes its bytes, if they were read and not taken yet.
    pub fn take_bytes(&mut self) -> Option<Vec<u8>> {
        match self.read.take().map(|r| *r) {
            Some(Read::Bytes(b)) => Some(b),
            other => {
                self.read = other.map(Box::new);
                None
            }
        }
    }
}

/// Plans `snapshot` (in parallel): the files some enabled rule or policy reads and the
/// configuration selects, in subject (path) order, and the kustomize patches set aside.
pub(super) fn plan(
    snapshot: &Snapshot,
    config: &Config,
    shapes: &Shapes,
    policies: &PolicySet,
    adr_dirs: &[String],
) -> (Vec<Planned>, Vec<Skipped>) {
    let view = snapshot.view.as_ref();
    let patches: OnceLock<HashSet<RepoPath>> = OnceLock::new();
    let file_policies = policies.has_file_rules();
    // An indexed collect writes every slot in place; most subjects are planned.
    let planned: Vec<Option<Planned>> = snapshot
        .subjects
        .par_iter()
        .enumerate()
        .map(|(i, s)| {
            let kind = kinds::classify(&s.path, adr_dirs);
            if !config.subtree.holds(s.path.as_bytes()) {
                return None;
            }
            let display = s.path.display();
            if !config.path_selected(&display) {
                return None;
            }
            let text = !config.secrets.path_allowed(&display);
            let policy = file_policies && kind.is_some_and(|k| kinds::get(k).policy_input);
            if shapes
                .get(Shapes::index(kind, text, false, policy))
                .units
                .is_empty()
            {
                return None;
            }
            let (mut patch, mut helm) = (false, false);
            if kind == Some(FileKind::Manifest) {
                patch = patches
                    .get_or_init(|| crate::kustomize::patches(view))
                    .contains(&s.path);
                helm = in_helm_templates(&s.path, view);
            }
            Some(Planned {
                subject: i,
                first_key: 0,
                shape: Shapes::index(kind, text, patch, policy) as u8,
                helm,
                patch,
                id: match &s.content {
                    Content::Blob(id) => Some(*id),
                    Content::File(..) | Content::Bytes(_) => None,
                },
                read: None,
            })
        })
        .collect();
    let mut skipped = Vec::new();
    let mut out = Vec::with_capacity(planned.len());
    for p in planned.into_iter().flatten() {
        if p.patch {
            skipped.push(Skipped {
                path: snapshot.subjects[p.subject].path.clone(),
                reason: "kustomize patch (listed in a kustomization), not a complete manifest"
                    .into(),
            });
            if shapes.get(p.shape as usize).units.is_empty() {
                continue;
            }
        }
        out.push(p);
    }
    (out, skipped)
}

/// The unit ids of a run (see [`unit_id`]): one per enabled rule, one for the text rules
/// cached together, one for the policy set. Computed once, so that a key costs one small
/// blake3 per unit and file.
pub(super) struct UnitIds {
    rules: Vec<(crate::rules::RuleId, [u8; 32])>,
    text: [u8; 32],
    policies: [u8; 32],
}

impl UnitIds {
    /// `config_hash` gives the hash of a rule's effective configuration; the policies'
    /// unit adds the size `limits`, as they read parsed files.
    pub fn new(
        enabled: &[&'static Rule],
        config_hash: &dyn Fn(&Rule) -> [u8; 32],
        policies: &PolicySet,
        limits: &crate::limits::Limits,
    ) -> UnitIds {
        let mut text = blake3::Hasher::new();
        let mut rules = Vec::new();
        for r in enabled {
            let config = config_hash(r);
            rules.push((r.id, unit_id(r.id.as_str(), r.version, &config)));
            if matches!(r.check, Check::Text(_)) {
                text.update(r.id.as_str().as_bytes());
                text.update(&[0]);
                text.update(&r.version.to_le_bytes());
                text.update(&config);
            }
        }
        UnitIds {
            rules,
            // A file gets every enabled text rule or none, so one id serves every text unit.
            text: unit_id("text-rules", 2, text.finalize().as_bytes()),
            // Version 3: an undefined rule is no longer a finding. Version 4: the
            // Dockerfile document is conftest's (one string per shell-form RUN, comments).
            // Version 5: findings of exempt rules are kept as suppressed. Version 6:
            // configuration files are inputs, and keys carry the kind.
            policies: {
                let mut h = blake3::Hasher::new();
                h.update(&policies.hash);
                h.update(&limits.hash());
                unit_id("policies", 6, h.finalize().as_bytes())
            },
        }
    }

    /// The result key of `unit` of a file of `shape` with content `id`. A text unit's key
    /// has no context: text rules read bytes only, so a Helm template's entry is shared
    /// with the same bytes anywhere else.
    pub fn key(&self, shape: &Shape, unit: &Unit, context: &str, id: &gix::ObjectId) -> [u8; 32] {
        match unit {
            Unit::One(i) => {
                let rule = shape.rules[*i].id;
                let unit = self
                    .rules
                    .iter()
                    .find(|(r, _)| *r == rule)
                    .map(|(_, u)| u)
                    .expect("every planned rule is enabled");
                result_key(unit, context, id.as_bytes())
            }
            Unit::Text(_) => result_key(&self.text, "", id.as_bytes()),
            // The kind decides the input document (the same bytes named `a.toml` or
            // `a.ini` are judged differently), so it is part of the key.
            Unit::Policy => {
                let kind = shape.kind.map_or("", crate::limits::Limits::key);
                let format = match shape.kind {
                    Some(FileKind::Config(f)) => f.name(),
                    _ => "",
                };
                let mut h = blake3::Hasher::new();
                h.update(&self.policies);
                h.update(kind.as_bytes());
                h.update(&[0]);
                h.update(format.as_bytes());
                result_key(h.finalize().as_bytes(), context, id.as_bytes())
            }
        }
    }
}

/// Whether `path` lies under `<chart>/templates/` of a Helm chart (a directory with Chart.yaml).
fn in_helm_templates(path: &RepoPath, view: &dyn RepoView) -> bool {
    let dirs: Vec<&[u8]> = path.dirs().collect();
    dirs.iter().enumerate().any(|(i, d)| {
        *d == b"templates" && {
            let chart_dir = dirs[..i].join(&b'/');
            view.contains(RepoPath::join(&chart_dir, b"Chart.yaml").as_bytes())
        }
    })
}
