//! Renders a kustomization into the documents it deploys, for the fields rules read, and
//! keeps for every value the file and line that wrote it.
//!
//! Lines of rendered documents are *place ids*: indexes into [`Places`], each a (file,
//! 1-based line). The manifest rules read a rendered [`Document`] as any other and give
//! their findings at place ids, which [`Places::get`] turns back into files and lines.

use std::collections::{BTreeSet, HashMap};

use serde_json::Value;

use super::file::{Kustomization, Patch, PatchBody, Target};
use crate::path::RepoPath;
use crate::source::RepoView;
use crate::yaml::{escape_token, Document};

/// How deep kustomizations may nest (a base of a base of …) before rendering stops.
const MAX_DEPTH: usize = 16;

/// The (file, line) places of a rendering, by id (ids start at 1, as lines do).
#[derive(Debug, Default)]
pub struct Places {
    list: Vec<(RepoPath, u32)>,
    index: HashMap<(RepoPath, u32), u32>,
}

impl Places {
    /// The id of `line` of `path`.
    pub fn id(&mut self, path: &RepoPath, line: u32) -> u32 {
        if let Some(&id) = self.index.get(&(path.clone(), line)) {
            return id;
        }
        self.list.push((path.clone(), line));
        let id = self.list.len() as u32;
        self.index.insert((path.clone(), line), id);
        id
    }

    /// The file and line of place `id`.
    pub fn get(&self, id: u32) -> Option<&(RepoPath, u32)> {
        self.list.get((id as usize).checked_sub(1)?)
    }
}

/// One resource being rendered.
#[derive(Debug, Clone)]
pub struct Item {
    /// Its document, lines as place ids.
    pub doc: Document,
    /// `metadata.name` as its file writes it (patches may name it so).
    pub original_name: Option<String>,
}

/// What rendering a kustomization gave.
#[derive(Debug, Default)]
pub struct Rendered {
    /// The resources, in kustomize's order (resources as listed, depth first).
    pub items: Vec<Item>,
    /// The resource files read (not patches, not kustomizations).
    pub files: BTreeSet<RepoPath>,
    /// What was not rendered, and why.
    pub notes: Vec<String>,
}

/// Renders kustomizations of one repository, sharing one [`Places`].
pub struct Renderer<'a> {
    view: &'a dyn RepoView,
    /// The places of every rendered value.
    pub places: Places,
    stack: Vec<RepoPath>,
}

impl<'a> Renderer<'a> {
    /// A renderer over `view`.
    pub fn new(view: &'a dyn RepoView) -> Renderer<'a> {
        Renderer {
            view,
            places: Places::default(),
            stack: Vec::new(),
        }
    }

    /// Renders the kustomization file `path`.
    pub fn render(&mut self, path: &RepoPath) -> Rendered {
        let mut out = Rendered::default();
        if self.stack.contains(path) || self.stack.len() >= MAX_DEPTH {
            out.notes.push(format!("{} is reached again through its own resources (a cycle) or nests over {MAX_DEPTH} deep", path.display()));
            return out;
        }
        let Some(k) = Kustomization::read(self.view, path) else {
            out.notes.push(format!(
                "{} cannot be read as a kustomization",
                path.display()
            ));
            return out;
        };
        self.stack.push(path.clone());
        out.notes.extend(
            k.not_rendered
                .iter()
                .map(|n| format!("{}: {n}", path.display())),
        );
        for (rel, _) in &k.resources {
            self.resource(&k, rel, &mut out);
        }
        for p in &k.patches {
            self.patch(&k, p, &mut out);
        }
        self.transform(&k, &mut out.items);
        self.stack.pop();
        out
    }

    /// Adds the resource `rel` of `k`: a file, or a directory with a kustomization.
    fn resource(&mut self, k: &Kustomization, rel: &str, out: &mut Rendered) {
        let shown = k.path.display();
        if rel.contains("://") || rel.starts_with("github.com/") || rel.starts_with("git@") {
            out.notes
                .push(format!("{shown}: remote resource `{rel}` is not fetched"));
            return;
        }
        let Some(p) = super::join(k.path.parent(), rel) else {
            out.notes
                .push(format!("{shown}: resource `{rel}` leaves the repository"));
            return;
        };
        if let Some(sub) = kustomization_in(self.view, &p) {
            let r = self.render(&sub);
            out.items.extend(r.items);
            out.files.extend(r.files);
            out.notes.extend(r.notes);
        } else if let Some(docs) = self.load(&p, 0) {
            out.files.insert(p);
            out.items.extend(
                docs.into_iter()
                    .filter(|d| d.value.is_object())
                    .map(|doc| Item {
                        original_name: name(&doc.value).map(str::to_string),
                        doc,
                    }),
            );
        } else {
            out.notes.push(format!(
                "{shown}: resource `{rel}` is not in the repository or not YAML"
            ));
        }
    }

    /// The documents of the YAML file `path` (or of text given in a kustomization, whose
    /// first line is line `offset + 1` of `path`), lines as place ids.
    fn load(&mut self, path: &RepoPath, offset: u32) -> Option<Vec<Document>> {
        let text = String::from_utf8(self.view.read(path.as_bytes())?).ok()?;
        self.place(path, &text, offset)
    }

    fn place(&mut self, path: &RepoPath, text: &str, offset: u32) -> Option<Vec<Document>> {
        let docs = crate::yaml::parse_stream(text).ok()?;
        Some(
            docs.into_iter()
                .map(|mut d| {
                    for line in d.lines.values_mut() {
                        *line = self.places.id(path, *line + offset);
                    }
                    d.start_line = self.places.id(path, d.start_line + offset);
                    d
                })
                .collect(),
        )
    }

    /// Applies one patch of `k` to the resources rendered so far.
    fn patch(&mut self, k: &Kustomization, p: &Patch, out: &mut Rendered) {
        let shown = k.path.display();
        let docs = match &p.body {
            PatchBody::File(f) => self.load(f, 0),
            PatchBody::Inline { text, line } => self.place(&k.path, text, line - 1),
        };
        let Some(docs) = docs else {
            out.notes.push(format!(
                "{shown}:{}: a patch that cannot be read as YAML",
                p.line
            ));
            return;
        };
        let Some(first) = docs.first() else { return };
        if p.json6902 || first.value.is_array() {
            let Some(target) = &p.target else {
                out.notes.push(format!(
                    "{shown}:{}: a JSON 6902 patch without a target",
                    p.line
                ));
                return;
            };
            let mut hit = false;
            for item in out.items.iter_mut().filter(|i| matches(target, i)) {
                hit = true;
                json6902(item, first, &mut out.notes, &format!("{shown}:{}", p.line));
            }
            if !hit {
                out.notes.push(format!(
                    "{shown}:{}: the patch's target matches no resource",
                    p.line
                ));
            }
            return;
        }
        for d in &docs {
            let target = p.target.clone().unwrap_or_else(|| Target {
                kind: d
                    .value
                    .get("kind")
                    .and_then(Value::as_str)
                    .map(str::to_string),
                name: name(&d.value).map(regex::escape),
                ..Target::default()
            });
            let mut hit = false;
            for item in out.items.iter_mut().filter(|i| matches(&target, i)) {
                hit = true;
                let mut notes = Vec::new();
                merge(
                    &mut item.doc.value,
                    "",
                    &d.value,
                    "",
                    &mut item.doc.lines,
                    d,
                    &mut notes,
                );
                out.notes.extend(
                    notes
                        .into_iter()
                        .map(|n| format!("{shown}:{}: {n}", p.line)),
                );
            }
            if !hit {
                out.notes
                    .push(format!("{shown}:{}: the patch matches no resource", p.line));
            }
        }
    }

    /// `namePrefix`/`nameSuffix`, `commonLabels`, `images` and `replicas` of `k`.
    fn transform(&mut self, k: &Kustomization, items: &mut [Item]) {
        for item in items.iter_mut() {
            let v = &mut item.doc.value;
            if k.name_prefix.is_some() || k.name_suffix.is_some() {
                if let Some(Value::String(n)) = v.pointer_mut("/metadata/name") {
                    *n = format!(
                        "{}{n}{}",
                        k.name_prefix.as_deref().unwrap_or(""),
                        k.name_suffix.as_deref().unwrap_or("")
                    );
                }
            }
            if let Some((labels, line)) = &k.common_labels {
                let id = self.places.id(&k.path, *line);
                for at in [
                    "/metadata/labels",
                    "/spec/selector/matchLabels",
                    "/spec/template/metadata/labels",
                ] {
                    if at != "/metadata/labels" && v.pointer("/spec/template").is_none() {
                        continue;
                    }
                    for (key, value) in labels {
                        set(
                            v,
                            &mut item.doc.lines,
                            &format!("{at}/{}", escape_token(key)),
                            value.clone(),
                            id,
                        );
                    }
                }
            }
            for edit in &k.images {
                let id = self.places.id(&k.path, edit.line);
                let mut found = Vec::new();
                images_in(&item.doc.value, String::new(), &mut found);
                for (at, image) in found {
                    if image_name(&image) == edit.name {
                        let new = retag(&image, edit);
                        set(
                            &mut item.doc.value,
                            &mut item.doc.lines,
                            &at,
                            Value::String(new),
                            id,
                        );
                    }
                }
            }
            for r in &k.replicas {
                let n = name(&item.doc.value).map(str::to_string);
                if n.as_deref() == Some(r.name.as_str())
                    || item.original_name.as_deref() == Some(r.name.as_str())
                {
                    let id = self.places.id(&k.path, r.line);
                    set(
                        &mut item.doc.value,
                        &mut item.doc.lines,
                        "/spec/replicas",
                        Value::from(r.count),
                        id,
                    );
                }
            }
        }
    }
}

/// The kustomization file of the directory `dir`, if it has one.
pub fn kustomization_in(view: &dyn RepoView, dir: &RepoPath) -> Option<RepoPath> {
    super::NAMES
        .iter()
        .chain(["Kustomization"].iter())
        .find_map(|n| {
            let p = RepoPath::join(dir.as_bytes(), n.as_bytes());
            view.contains(p.as_bytes()).then_some(p)
        })
}

fn name(v: &Value) -> Option<&str> {
    v.pointer("/metadata/name").and_then(Value::as_str)
}

/// Whether `target` selects `item` (kind, name as a whole-name regular expression, current
/// or original; namespace; group and version; `a=b` label equalities).
fn matches(target: &Target, item: &Item) -> bool {
    let v = &item.doc.value;
    let s = |p: &str| v.pointer(p).and_then(Value::as_str);
    if target
        .kind
        .as_deref()
        .is_some_and(|k| Some(k) != s("/kind"))
    {
        return false;
    }
    if let Some(pattern) = &target.name {
        let re = regex::Regex::new(&format!("^(?:{pattern})$"));
        let hit = |n: Option<&str>| {
            n.is_some_and(|n| match &re {
                Ok(re) => re.is_match(n),
                Err(_) => n == pattern,
            })
        };
        if !hit(s("/metadata/name")) && !hit(item.original_name.as_deref()) {
            return false;
        }
    }
    if target
        .namespace
        .as_deref()
        .is_some_and(|ns| Some(ns) != s("/metadata/namespace"))
    {
        return false;
    }
    let api = s("/apiVersion").unwrap_or("");
    let (group, version) = api.rsplit_once('/').unwrap_or(("", api));
    if target.group.as_deref().is_some_and(|g| g != group)
        || target.version.as_deref().is_some_and(|x| x != version)
    {
        return false;
    }
    match &target.label_selector {
        None => true,
        Some(sel) => sel.split(',').all(|term| match term.split_once('=') {
            Some((k, want)) if !k.ends_with('!') => {
                let k = k.trim();
                v.pointer(&format!("/metadata/labels/{}", escape_token(k)))
                    .and_then(Value::as_str)
                    == Some(want.trim_start_matches('=').trim())
            }
            _ => false,
        }),
    }
}

/// Sets `value` at `pointer` (creating mappings on the way where none is) and gives it
/// place `id`.
fn set(v: &mut Value, lines: &mut HashMap<String, u32>, pointer: &str, value: Value, id: u32) {
    let Some((parent, last)) = split(pointer) else {
        return;
    };
    if v.pointer(parent).is_none() {
        let Some((grand, key)) = split(parent) else {
            return;
        };
        set(v, lines, parent, Value::Object(Default::default()), id);
        if v.pointer(grand).is_none() || key.is_empty() {
            return;
        }
    }
    match v.pointer_mut(parent) {
        Some(Value::Object(m)) => {
            m.insert(last, value);
        }
        Some(Value::Array(a)) => match last.parse::<usize>() {
            Ok(i) if i < a.len() => a[i] = value,
            _ => return,
        },
        _ => return,
    }
    clear_under(lines, pointer);
    lines.insert(pointer.to_string(), id);
}

/// Removes the line entries of `pointer` and everything under it.
fn clear_under(lines: &mut HashMap<String, u32>, pointer: &str) {
    let below = format!("{pointer}/");
    lines.retain(|k, _| k != pointer && !k.starts_with(&below));
}

/// Gives `value` (now at `to` in the target) the places of the patch document `from`.
fn assign(lines: &mut HashMap<String, u32>, to: &str, value: &Value, from: &str, patch: &Document) {
    lines.insert(to.to_string(), patch.line_of(from));
    match value {
        Value::Object(m) => {
            for (k, v) in m {
                let k = escape_token(k);
                assign(
                    lines,
                    &format!("{to}/{k}"),
                    v,
                    &format!("{from}/{k}"),
                    patch,
                );
            }
        }
        Value::Array(a) => {
            for (i, v) in a.iter().enumerate() {
                assign(
                    lines,
                    &format!("{to}/{i}"),
                    v,
                    &format!("{from}/{i}"),
                    patch,
                );
            }
        }
        _ => {}
    }
}

/// A strategic-merge patch `p` (at `from` in `patch`) merged into `t` (at `to`): mappings
/// merge key by key, `null` deletes, lists of named objects (containers, env, volumes)
/// merge by `name`, other values replace. `$patch` and other directives are noted.
fn merge(
    t: &mut Value,
    to: &str,
    p: &Value,
    from: &str,
    lines: &mut HashMap<String, u32>,
    patch: &Document,
    notes: &mut Vec<String>,
) {
    let (Value::Object(tm), Value::Object(pm)) = (t, p) else {
        return;
    };
    for (k, pv) in pm {
        if k.starts_with('$') {
            notes.push(format!("the directive `{k}` is not rendered"));
            continue;
        }
        let (tp, pp) = (
            format!("{to}/{}", escape_token(k)),
            format!("{from}/{}", escape_token(k)),
        );
        if pv.is_null() {
            tm.remove(k);
            clear_under(lines, &tp);
            continue;
        }
        match tm.get_mut(k) {
            Some(tv) if tv.is_object() && pv.is_object() => {
                merge(tv, &tp, pv, &pp, lines, patch, notes)
            }
            Some(Value::Array(ta)) if named_list(pv) => {
                for (j, item) in pv.as_array().into_iter().flatten().enumerate() {
                    let n = item.get("name");
                    let ip = format!("{pp}/{j}");
                    match ta.iter().position(|x| x.get("name") == n) {
                        Some(i) => merge(
                            &mut ta[i],
                            &format!("{tp}/{i}"),
                            item,
                            &ip,
                            lines,
                            patch,
                            notes,
                        ),
                        None => {
                            assign(lines, &format!("{tp}/{}", ta.len()), item, &ip, patch);
                            ta.push(item.clone());
                        }
                    }
                }
            }
            _ => {
                clear_under(lines, &tp);
                assign(lines, &tp, pv, &pp, patch);
                tm.insert(k.clone(), pv.clone());
            }
        }
    }
}

/// A list whose items are all objects with a string `name`.
fn named_list(v: &Value) -> bool {
    v.as_array().is_some_and(|a| {
        !a.is_empty()
            && a.iter()
                .all(|i| i.get("name").is_some_and(Value::is_string) && i.get("$patch").is_none())
    })
}

/// Applies the JSON 6902 operations `ops` (a list document) to `item`: `add`, `replace`
/// and `remove`; others are noted.
fn json6902(item: &mut Item, ops: &Document, notes: &mut Vec<String>, at: &str) {
    for (i, op) in ops.value.as_array().into_iter().flatten().enumerate() {
        let kind = op.get("op").and_then(Value::as_str).unwrap_or("");
        let Some(path) = op.get("path").and_then(Value::as_str) else {
            continue;
        };
        let value = op.get("value");
        let done = match (kind, value) {
            ("add" | "replace", Some(value)) => put(item, path, value, &format!("/{i}/value"), ops),
            ("remove", _) => remove(item, path),
            _ => false,
        };
        if !done {
            notes.push(format!(
                "{at}: JSON 6902 `{kind}` at `{path}` is not rendered"
            ));
        }
    }
}

/// Splits a JSON pointer into its parent pointer and last token (unescaped).
fn split(path: &str) -> Option<(&str, String)> {
    let (parent, last) = path.rsplit_once('/')?;
    Some((parent, last.replace("~1", "/").replace("~0", "~")))
}

fn put(item: &mut Item, path: &str, value: &Value, from: &str, ops: &Document) -> bool {
    let Some((parent, last)) = split(path) else {
        return false;
    };
    let lines = &mut item.doc.lines;
    let target = match item.doc.value.pointer_mut(parent) {
        Some(Value::Object(m)) => {
            m.insert(last, value.clone());
            path.to_string()
        }
        Some(Value::Array(a)) if last == "-" || last.parse::<usize>().ok() == Some(a.len()) => {
            a.push(value.clone());
            format!("{parent}/{}", a.len() - 1)
        }
        Some(Value::Array(a)) => match last.parse::<usize>() {
            Ok(i) if i < a.len() => {
                a[i] = value.clone();
                path.to_string()
            }
            _ => return false,
        },
        _ => return false,
    };
    clear_under(lines, &target);
    assign(lines, &target, value, from, ops);
    true
}

fn remove(item: &mut Item, path: &str) -> bool {
    let Some((parent, last)) = split(path) else {
        return false;
    };
    match item.doc.value.pointer_mut(parent) {
        Some(Value::Object(m)) => {
            m.remove(&last);
            clear_under(&mut item.doc.lines, path);
            true
        }
        // Removing a list item renumbers the ones after it: only the last is rendered.
        Some(Value::Array(a)) if last.parse::<usize>().ok() == Some(a.len().wrapping_sub(1)) => {
            a.pop();
            clear_under(&mut item.doc.lines, path);
            true
        }
        _ => false,
    }
}

/// The `image` fields of containers and init containers anywhere in `v`: (pointer, image).
fn images_in(v: &Value, at: String, out: &mut Vec<(String, String)>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                let p = format!("{at}/{}", escape_token(k));
                if (k == "containers" || k == "initContainers") && x.is_array() {
                    for (i, c) in x.as_array().into_iter().flatten().enumerate() {
                        if let Some(image) = c.get("image").and_then(Value::as_str) {
                            out.push((format!("{p}/{i}/image"), image.to_string()));
                        }
                    }
                }
                images_in(x, p, out);
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                images_in(x, format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
}

/// An image reference without its tag and digest.
fn image_name(image: &str) -> &str {
    let image = image.split('@').next().unwrap_or(image);
    match image.rfind(':') {
        Some(i) if !image[i..].contains('/') => &image[..i],
        _ => image,
    }
}

/// `image` as an `images:` entry rewrites it (kustomize's precedence: a digest wins over a
/// tag; a new tag replaces the old tag and any digest).
fn retag(image: &str, edit: &super::file::ImageEdit) -> String {
    let name = edit
        .new_name
        .as_deref()
        .unwrap_or_else(|| image_name(image));
    if let Some(d) = &edit.digest {
        return format!("{name}@{d}");
    }
    if let Some(t) = &edit.new_tag {
        return format!("{name}:{t}");
    }
    let rest = &image[image_name(image).len()..];
    format!("{name}{rest}")
}
