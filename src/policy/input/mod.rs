//! Input documents for Rego policies, in the shapes conftest gives them, so that existing
//! policies port unchanged.
//!
//! - A Dockerfile becomes conftest's array of instructions ([`dockerfile`]).
//! - A YAML file becomes one input per document (its data as JSON).
//! - The repository document, for `govern.repo` packages: `{"metadata": <.meta/repo.yaml or
//!   null>, "adrs": [ADR paths], "dirs": [directories holding files, 3 levels deep]}`, plus,
//!   only when a loaded `govern.repo` policy names them as `input.<field>` (they cost a pass
//!   over every file or
//!   a parse of every Dockerfile and manifest), `"files": [every path]`, `"dockerfiles":
//!   [{"path", "stages", "base_images", "final_user", "healthcheck"}]` and `"workloads":
//!   [{"path", "kind", "name", "containers": [{"name", "image", "init"}]}]`.

pub mod dockerfile;

pub use dockerfile::dockerfile;

use serde_json::{json, Value};

use crate::kinds::{self, FileKind};
use crate::source::RepoView;
use crate::yaml::Document;

/// How many directory levels the repository document lists.
pub const DIR_DEPTH: usize = 3;

/// The repository document's fields that are built only when a policy names them.
pub const COSTLY_REPO_FIELDS: &[&str] = &["files", "dockerfiles", "workloads"];

/// The repository document, and the parsed metadata (for line numbers) when it parses.
/// `fields` says which of [`COSTLY_REPO_FIELDS`] to build.
pub fn repository(
    view: &dyn RepoView,
    adr_dirs: &[String],
    fields: &std::collections::BTreeSet<&'static str>,
) -> (Value, Option<Document>) {
    let meta = view
        .read(kinds::metadata::PATH.as_bytes())
        .and_then(|b| crate::yaml::parse_stream(&String::from_utf8_lossy(&b)).ok())
        .and_then(|d| d.into_iter().next())
        .filter(|d| !d.value.is_null());
    let adrs: Vec<String> = kinds::adr::files(view, adr_dirs)
        .iter()
        .map(|p| p.display().into_owned())
        .collect();
    let mut doc = json!({
        "metadata": meta.as_ref().map(|d| d.value.clone()),
        "adrs": adrs,
        "dirs": view.dirs(DIR_DEPTH),
    });
    if fields.is_empty() {
        return (doc, meta);
    }
    let files = view.files();
    if fields.contains("files") {
        doc["files"] = json!(files.iter().map(|p| p.display()).collect::<Vec<_>>());
    }
    if fields.contains("dockerfiles") {
        doc["dockerfiles"] = Value::Array(
            files
                .iter()
                .filter(|p| kinds::classify(p, adr_dirs) == Some(FileKind::Dockerfile))
                .filter_map(|p| {
                    let text = String::from_utf8(view.read(p.as_bytes())?).ok()?;
                    let df = crate::dockerfile::parse(&text).ok()?;
                    let last = df.final_stage()?;
                    let user = df
                        .lineage(last)
                        .iter()
                        .find_map(|s| df.effective(s, "USER"))
                        .map(|i| i.args.clone());
                    Some(json!({
                        "path": p.display(),
                        "stages": df.stages.len(),
                        "base_images": df.stages.iter().map(|s| s.base_raw.clone()).collect::<Vec<_>>(),
                        "final_user": user,
                        "healthcheck": df.effective(last, "HEALTHCHECK").is_some(),
                    }))
                })
                .collect(),
        );
    }
    if fields.contains("workloads") {
        let mut out = Vec::new();
        for p in files
            .iter()
            .filter(|p| kinds::classify(p, adr_dirs) == Some(FileKind::Manifest))
        {
            let Some(bytes) = view.read(p.as_bytes()) else {
                continue;
            };
            let text = String::from_utf8_lossy(&bytes);
            if !(text.contains("kind") && text.contains("apiVersion")) {
                continue;
            }
            let Ok(docs) = crate::yaml::parse_stream(&text) else {
                continue;
            };
            for w in crate::rules::k8s::workloads(&docs) {
                out.push(json!({
                    "path": p.display(),
                    "kind": w.kind,
                    "name": w.name,
                    "containers": w.containers.iter().map(|c| json!({
                        "name": c.name,
                        "image": c.value.get("image"),
                        "init": c.init,
                    })).collect::<Vec<_>>(),
                }));
            }
        }
        doc["workloads"] = Value::Array(out);
    }
    (doc, meta)
}
