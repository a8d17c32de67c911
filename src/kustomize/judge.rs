//! Judges each top-level kustomization as it deploys: the manifest rules run on its
//! rendering, and each finding goes to the file and line that wrote the value (a base, a
//! patch, or the kustomization's own `images:`), naming the kustomizations that deploy it.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use super::render::{kustomization_in, Renderer};
use crate::finding::{Line, RawFinding, Skipped};
use crate::path::RepoPath;
use crate::rules::{Check, Ctx, Rule};
use crate::source::RepoView;

/// What judging a repository's kustomizations gave.
#[derive(Debug, Default)]
pub struct Judgment {
    /// Findings, at the file and line to change, suppression comments applied.
    pub findings: Vec<(RepoPath, RawFinding)>,
    /// A top-level kustomization rendered without some of its fields, with what and why.
    pub skipped: Vec<Skipped>,
    /// The resource files some kustomization rendered: their workloads are judged as
    /// rendered, not file by file.
    pub covered: HashSet<RepoPath>,
}

/// The kustomizations no other kustomization uses as a resource, components (`kind:
/// Component`) aside, sorted.
pub fn top_level(view: &dyn RepoView) -> Vec<RepoPath> {
    let all = view.named(super::NAMES);
    let mut used = HashSet::new();
    for k in &all {
        if let Some(k) = super::file::Kustomization::read(view, k) {
            if k.component {
                used.insert(k.path.clone());
            }
            for (rel, _) in &k.resources {
                if let Some(sub) =
                    super::join(k.path.parent(), rel).and_then(|d| kustomization_in(view, &d))
                {
                    used.insert(sub);
                }
            }
        }
    }
    all.into_iter().filter(|k| !used.contains(k)).collect()
}

/// Renders every top-level kustomization of `view` and runs `rules` (manifest rules with
/// their contexts) on each rendering.
pub fn judge(view: &dyn RepoView, rules: &[(&Rule, Ctx)]) -> Judgment {
    let mut out = Judgment::default();
    let tops = top_level(view);
    if tops.is_empty() {
        return out;
    }
    let mut renderer = Renderer::new(view);
    // (path, line, rule) → the finding and the kustomizations that give it.
    let mut found: BTreeMap<(RepoPath, u32, String), (RawFinding, BTreeSet<String>)> =
        BTreeMap::new();
    for top in &tops {
        let rendered = renderer.render(top);
        if !rendered.notes.is_empty() {
            out.skipped.push(Skipped {
                path: top.clone(),
                reason: format!("rendered without: {}", rendered.notes.join("; ")),
            });
        }
        out.covered.extend(rendered.files.iter().cloned());
        let docs: Vec<_> = rendered.items.into_iter().map(|i| i.doc).collect();
        let dir = String::from_utf8_lossy(top.parent()).into_owned();
        let shown = if dir.is_empty() { ".".to_string() } else { dir };
        for (rule, ctx) in rules {
            let Check::Manifest(f) = rule.check else {
                continue;
            };
            for raw in f(&docs, ctx) {
                let Some((path, line, anchors)) = place(&renderer, &raw) else {
                    continue;
                };
                let mut raw = raw;
                raw.line = Line::new(line);
                raw.anchors = anchors;
                found
                    .entry((path, line, raw.rule.clone()))
                    .or_insert_with(|| (raw, BTreeSet::new()))
                    .1
                    .insert(shown.clone());
            }
        }
    }
    let mut by_path: BTreeMap<RepoPath, Vec<RawFinding>> = BTreeMap::new();
    for ((path, _, _), (mut raw, tops)) in found {
        raw.message = format!(
            "{} (as {} {} it)",
            raw.message,
            and_list(&tops),
            if tops.len() == 1 { "renders" } else { "render" }
        );
        by_path.entry(path).or_default().push(raw);
    }
    for (path, mut raws) in by_path {
        if let Some(text) = view
            .read(path.as_bytes())
            .and_then(|b| String::from_utf8(b).ok())
        {
            crate::suppress::apply(&text, &mut raws);
        }
        out.findings
            .extend(raws.into_iter().map(|r| (path.clone(), r)));
    }
    out
}

/// The file and line of a finding given at a place id, and its anchors in that file.
fn place(renderer: &Renderer, raw: &RawFinding) -> Option<(RepoPath, u32, Vec<u32>)> {
    let (path, line) = renderer.places.get(raw.line.map(Line::get)?)?.clone();
    let anchors = raw
        .anchors
        .iter()
        .filter_map(|a| renderer.places.get(*a))
        .filter(|(p, _)| *p == path)
        .map(|(_, l)| *l)
        .collect();
    Some((path, line, anchors))
}

/// "a", "a and b", "a, b and c".
fn and_list(items: &BTreeSet<String>) -> String {
    let v: Vec<&str> = items.iter().map(String::as_str).collect();
    match v.as_slice() {
        [] => String::new(),
        [one] => one.to_string(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}
