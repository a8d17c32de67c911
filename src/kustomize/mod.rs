//! Kustomize: which files kustomizations use as patches, and the workloads each top-level
//! kustomization (an overlay, or an application with no overlay above it) deploys, rendered
//! for the fields rules read so that the manifest rules judge them as they deploy.
//!
//! Flow: [`file`] reads each kustomization; [`render`] builds its resources and applies
//! patches, `images`, `replicas`, `namePrefix`/`nameSuffix` and `commonLabels`, remembering
//! for every value the file and line that wrote it; [`judge`] runs the manifest rules on the
//! result and maps each finding back to that file and line. What is not rendered
//! (generators, components, replacements, remote bases, …) is listed, never guessed.

pub mod file;
pub mod judge;
pub mod render;

use std::collections::HashSet;

use crate::path::RepoPath;
use crate::source::RepoView;

/// The file names kustomize reads in a directory (compared case-insensitively by
/// [`RepoView::named`]).
pub const NAMES: &[&str] = &["kustomization.yaml", "kustomization.yml", "kustomization"];

/// Every file that some kustomization lists as a patch: `patches` (plain paths and `path:`
/// entries), `patchesStrategicMerge` (paths; inline patches name no file) and
/// `patchesJson6902` (`path:`), resolved to repo-relative paths.
pub fn patches(view: &dyn RepoView) -> HashSet<RepoPath> {
    view.named(NAMES)
        .iter()
        .filter_map(|k| file::Kustomization::read(view, k))
        .flat_map(|k| k.patches.into_iter())
        .filter_map(|p| match p.body {
            file::PatchBody::File(path) => Some(path),
            file::PatchBody::Inline { .. } => None,
        })
        .collect()
}

/// Joins `rel` to the directory `dir` and resolves `.` and `..` lexically; `None` if it
/// leaves the repository.
pub fn join(dir: &[u8], rel: &str) -> Option<RepoPath> {
    let dir = String::from_utf8_lossy(dir);
    let mut parts: Vec<&str> = dir.split('/').filter(|s| !s.is_empty()).collect();
    for c in rel.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            c => parts.push(c),
        }
    }
    Some(RepoPath::from_bytes(parts.join("/").into_bytes()))
}
