//! One kustomization file read into what rendering needs: its resources, patches and the
//! transformations of the fields rules read, each with the line that writes it, and the
//! fields that are not rendered.

use serde_json::Value;

use crate::path::RepoPath;
use crate::source::RepoView;
use crate::yaml::{escape_token, Document};

/// Where a patch's text is.
#[derive(Debug, Clone)]
pub enum PatchBody {
    /// A file, repo-relative.
    File(RepoPath),
    /// Text written in the kustomization; `line` is the line of its first text line there.
    Inline {
        /// The patch text.
        text: String,
        /// 1-based line in the kustomization where the text starts.
        line: u32,
    },
}

/// Which resources a patch applies to (`target:`); names and kinds as kustomize matches them.
#[derive(Debug, Clone, Default)]
pub struct Target {
    /// `group` (empty for the core group), when given.
    pub group: Option<String>,
    /// `version`, when given.
    pub version: Option<String>,
    /// `kind`, when given.
    pub kind: Option<String>,
    /// `name`, a regular expression matched against the whole name, when given.
    pub name: Option<String>,
    /// `namespace`, when given.
    pub namespace: Option<String>,
    /// `labelSelector` (`a=b,c=d` equalities), when given.
    pub label_selector: Option<String>,
}

/// One patch of a kustomization.
#[derive(Debug, Clone)]
pub struct Patch {
    /// Its text or file.
    pub body: PatchBody,
    /// `target:`, when given.
    pub target: Option<Target>,
    /// Listed under `patchesJson6902` (else the text decides: a list is JSON 6902).
    pub json6902: bool,
    /// 1-based line of the entry in the kustomization.
    pub line: u32,
}

/// An `images:` entry.
#[derive(Debug, Clone)]
pub struct ImageEdit {
    /// The image name it matches (without tag or digest).
    pub name: String,
    /// `newName`.
    pub new_name: Option<String>,
    /// `newTag`.
    pub new_tag: Option<String>,
    /// `digest`.
    pub digest: Option<String>,
    /// 1-based line of the entry.
    pub line: u32,
}

/// A `replicas:` entry.
#[derive(Debug, Clone)]
pub struct ReplicaEdit {
    /// The workload name it matches.
    pub name: String,
    /// `count`.
    pub count: i64,
    /// 1-based line of the entry.
    pub line: u32,
}

/// Fields that can change workloads but are not rendered, with the reason.
const NOT_RENDERED: &[(&str, &str)] = &[
    ("components", "components are not rendered"),
    ("replacements", "replacements are not rendered"),
    ("transformers", "transformer plugins are not run"),
    ("generators", "generator plugins are not run"),
    ("helmCharts", "Helm charts are not inflated"),
    ("vars", "vars are not substituted"),
];

/// A kustomization file.
#[derive(Debug, Clone)]
pub struct Kustomization {
    /// Its path.
    pub path: RepoPath,
    /// `resources` and `bases` entries as written, with their lines.
    pub resources: Vec<(String, u32)>,
    /// Its patches, in the order kustomize applies them.
    pub patches: Vec<Patch>,
    /// `images`.
    pub images: Vec<ImageEdit>,
    /// `replicas`.
    pub replicas: Vec<ReplicaEdit>,
    /// `namePrefix`.
    pub name_prefix: Option<String>,
    /// `nameSuffix`.
    pub name_suffix: Option<String>,
    /// `commonLabels`, with the line of the field.
    pub common_labels: Option<(serde_json::Map<String, Value>, u32)>,
    /// Fields present that are not rendered: "components (components are not rendered)".
    pub not_rendered: Vec<String>,
    /// `kind: Component`: a piece other kustomizations include, never deployed alone.
    pub component: bool,
}

impl Kustomization {
    /// Reads the kustomization at `path`; `None` when it is unreadable or not a mapping.
    pub fn read(view: &dyn RepoView, path: &RepoPath) -> Option<Kustomization> {
        let text = String::from_utf8(view.read(path.as_bytes())?).ok()?;
        let doc = crate::yaml::parse_stream(&text).ok()?.into_iter().next()?;
        doc.value
            .is_object()
            .then(|| Kustomization::from_doc(path, &doc))
    }

    fn from_doc(path: &RepoPath, doc: &Document) -> Kustomization {
        let v = &doc.value;
        let dir = path.parent();
        let mut resources = Vec::new();
        for key in ["resources", "bases"] {
            for (i, r) in items(v, key) {
                if let Some(s) = r.as_str() {
                    resources.push((s.to_string(), doc.line_of(&format!("/{key}/{i}"))));
                }
            }
        }
        let mut patches = Vec::new();
        for (i, p) in items(v, "patchesStrategicMerge") {
            let at = format!("/patchesStrategicMerge/{i}");
            if let Some(body) = p.as_str().and_then(|s| body(dir, s, doc.line_of(&at))) {
                patches.push(Patch {
                    body,
                    target: None,
                    json6902: false,
                    line: doc.line_of(&at),
                });
            }
        }
        for key in ["patches", "patchesJson6902"] {
            for (i, p) in items(v, key) {
                let at = format!("/{key}/{i}");
                if let Some(patch) = entry(dir, doc, &at, p, key == "patchesJson6902") {
                    patches.push(patch);
                }
            }
        }
        Kustomization {
            path: path.clone(),
            resources,
            patches,
            images: images(v, doc),
            replicas: items(v, "replicas")
                .filter_map(|(i, r)| {
                    Some(ReplicaEdit {
                        name: r.get("name")?.as_str()?.to_string(),
                        count: r.get("count")?.as_i64()?,
                        line: doc.line_of(&format!("/replicas/{i}")),
                    })
                })
                .collect(),
            name_prefix: v
                .get("namePrefix")
                .and_then(Value::as_str)
                .map(str::to_string),
            name_suffix: v
                .get("nameSuffix")
                .and_then(Value::as_str)
                .map(str::to_string),
            common_labels: v
                .get("commonLabels")
                .and_then(Value::as_object)
                .map(|m| (m.clone(), doc.line_of("/commonLabels"))),
            component: v.get("kind").and_then(Value::as_str) == Some("Component"),
            not_rendered: NOT_RENDERED
                .iter()
                .filter(|(k, _)| v.get(*k).is_some_and(|x| !x.is_null()))
                .map(|(k, why)| format!("`{k}` ({why})"))
                .collect(),
        }
    }
}

/// The items of the list `key` of `v`, with their indexes.
fn items<'a>(v: &'a Value, key: &str) -> impl Iterator<Item = (usize, &'a Value)> {
    v.get(key)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
}

/// A patch given as one string: a path, or (with a line break) the patch itself, written
/// from the line after `line`.
fn body(dir: &[u8], s: &str, line: u32) -> Option<PatchBody> {
    if s.contains('\n') {
        Some(PatchBody::Inline {
            text: s.to_string(),
            line: line + 1,
        })
    } else {
        super::join(dir, s.trim()).map(PatchBody::File)
    }
}

/// A `patches` or `patchesJson6902` entry: a plain path, or `path:`/`patch:` with `target:`.
fn entry(dir: &[u8], doc: &Document, at: &str, p: &Value, json6902: bool) -> Option<Patch> {
    let line = doc.line_of(at);
    let body = match p {
        Value::String(s) => body(dir, s, line)?,
        Value::Object(o) => match (
            o.get("path").and_then(Value::as_str),
            o.get("patch").and_then(Value::as_str),
        ) {
            (Some(path), _) => PatchBody::File(super::join(dir, path.trim())?),
            (None, Some(text)) => PatchBody::Inline {
                text: text.to_string(),
                line: doc.line_of(&format!("{at}/patch")) + 1,
            },
            (None, None) => return None,
        },
        _ => return None,
    };
    let target = p.get("target").and_then(Value::as_object).map(|t| {
        let s = |k: &str| t.get(k).and_then(Value::as_str).map(str::to_string);
        Target {
            group: s("group"),
            version: s("version"),
            kind: s("kind"),
            name: s("name"),
            namespace: s("namespace"),
            label_selector: s("labelSelector"),
        }
    });
    Some(Patch {
        body,
        target,
        json6902,
        line,
    })
}

fn images(v: &Value, doc: &Document) -> Vec<ImageEdit> {
    items(v, "images")
        .filter_map(|(i, m)| {
            let s = |k: &str| m.get(k).and_then(Value::as_str).map(str::to_string);
            let at = format!("/images/{i}");
            // The line to change: the field that sets the tag or digest, else the entry.
            let line = ["digest", "newTag", "newName"]
                .iter()
                .find(|k| m.get(**k).is_some())
                .map_or(doc.line_of(&at), |k| {
                    doc.line_of(&format!("{at}/{}", escape_token(k)))
                });
            Some(ImageEdit {
                name: s("name")?,
                new_name: s("newName"),
                new_tag: m.get("newTag").and_then(|t| match t {
                    Value::String(s) => Some(s.clone()),
                    Value::Number(n) => Some(n.to_string()),
                    _ => None,
                }),
                digest: s("digest"),
                line,
            })
        })
        .collect()
}
