//! Per-component configurations: a monorepo component may hold its own `.govern.yaml`,
//! which is layered over the repository's for the files of that component.
//!
//! Layering: the component's mappings are merged into the repository's, key by key (a
//! rule's entry replaces the repository's entry for that rule; lists replace lists), except
//! `waivers`, which are the component's own (the repository's waivers are applied to every
//! file afterwards, once). Paths in the component's file are relative to the component:
//! `include`, `exclude`, waiver `path`s, `secrets.allow_paths`, `policies.dirs` and
//! `policies.data` are read under its directory. A component's file is validated on its
//! own first, so its errors name its own lines.

use serde_json::{Map, Value};

use crate::components::Components;
use crate::config::{self, Config, Subtree};
use crate::error::{Error, Result};
use crate::source::RepoView;

/// A component's configuration, layered over the repository's.
#[derive(Debug, Clone)]
pub struct Layer {
    /// The component's directory.
    pub dir: String,
    /// The layered configuration; its [`Config::subtree`] is the component's files (minus
    /// those of nested components with their own layer).
    pub config: Config,
}

/// The layers of the components of `view` that have a `.govern.yaml` (read from the view,
/// so the hook sees the staged file), over `root_text` (the repository's configuration
/// text, if any), deepest first. Errors: a component's file that is not valid, as an input
/// error at its line.
pub fn layers(
    view: &dyn RepoView,
    components: &Components,
    root_text: Option<&str>,
) -> Result<Vec<Layer>> {
    let mut out = Vec::new();
    let root = match root_text {
        Some(t) => first_mapping(t, config::FILE_NAME)?,
        None => Map::new(),
    };
    for dir in components.dirs() {
        let path = format!("{dir}/{}", config::FILE_NAME);
        let Some(bytes) = view.read(path.as_bytes()) else {
            continue;
        };
        let text = String::from_utf8(bytes)
            .map_err(|e| Error::input(&path, 0, format!("not UTF-8: {e}")))?;
        // Validated alone, so that errors name the component file's own lines.
        Config::parse(&text, &path)?;
        let mut own = first_mapping(&text, &path)?;
        prefix_paths(&mut own, dir);
        let mut merged = root.clone();
        merged.remove("waivers");
        merge(&mut merged, own);
        let config = Config::parse(&Value::Object(merged).to_string(), &path)?;
        out.push(Layer {
            dir: dir.clone(),
            config,
        });
    }
    // Deepest first, so each file goes to its nearest layer.
    out.sort_by(|a, b| b.dir.len().cmp(&a.dir.len()).then(a.dir.cmp(&b.dir)));
    let dirs: Vec<String> = out.iter().map(|l| l.dir.clone()).collect();
    for layer in &mut out {
        let inner = format!("{}/", layer.dir);
        let nested: Vec<String> = dirs
            .iter()
            .filter(|d| d.starts_with(&inner))
            .cloned()
            .collect();
        layer.config.subtree = Subtree::OnlyExcept(layer.dir.clone(), nested);
    }
    Ok(out)
}

/// The first YAML document of `text` as a mapping (empty for an empty file). Errors: not
/// YAML, or not a mapping.
fn first_mapping(text: &str, shown: &str) -> Result<Map<String, Value>> {
    let docs = crate::yaml::parse_stream(text)
        .map_err(|e| Error::input(shown, e.line, format!("invalid YAML: {}", e.message)))?;
    match docs.into_iter().next().map(|d| d.value) {
        None | Some(Value::Null) => Ok(Map::new()),
        Some(Value::Object(m)) => Ok(m),
        Some(_) => Err(Error::input(
            shown,
            1,
            "the configuration must be a mapping",
        )),
    }
}

/// Prefixes the component-relative paths of a component's configuration with `dir/`.
fn prefix_paths(m: &mut Map<String, Value>, dir: &str) {
    let prefix = |v: &mut Value| {
        if let Value::String(s) = v {
            *s = format!("{dir}/{}", s.trim_start_matches("./"));
        }
    };
    let each = |v: Option<&mut Value>| {
        if let Some(Value::Array(items)) = v {
            items.iter_mut().for_each(prefix);
        }
    };
    each(m.get_mut("include"));
    each(m.get_mut("exclude"));
    if let Some(Value::Array(ws)) = m.get_mut("waivers") {
        for w in ws {
            if let Some(p) = w.get_mut("path") {
                prefix(p);
            }
        }
    }
    if let Some(secrets) = m.get_mut("secrets") {
        each(secrets.get_mut("allow_paths"));
    }
    if let Some(policies) = m.get_mut("policies") {
        each(policies.get_mut("dirs"));
        each(policies.get_mut("data"));
    }
}

/// Merges `over` into `base`: mappings key by key, recursively; anything else replaced.
fn merge(base: &mut Map<String, Value>, over: Map<String, Value>) {
    for (k, v) in over {
        match (base.get_mut(&k), v) {
            (Some(Value::Object(b)), Value::Object(o)) => merge(b, o),
            (_, v) => {
                base.insert(k, v);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merging_and_prefixing() {
        let mut base: Map<String, Value> = serde_json::from_str(
            r#"{"strict": true, "rules": {"docker.healthcheck": "warning", "k8s.probes": {"severity": "error"}}}"#,
        )
        .unwrap();
        let mut own: Map<String, Value> = serde_json::from_str(
            r#"{"rules": {"docker.healthcheck": "off"}, "exclude": ["gen/**"], "waivers": [{"path": "Dockerfile"}]}"#,
        )
        .unwrap();
        prefix_paths(&mut own, "services/api");
        merge(&mut base, own);
        assert_eq!(base["strict"], true);
        assert_eq!(base["rules"]["docker.healthcheck"], "off");
        assert_eq!(base["rules"]["k8s.probes"]["severity"], "error");
        assert_eq!(base["exclude"][0], "services/api/gen/**");
        assert_eq!(base["waivers"][0]["path"], "services/api/Dockerfile");
    }
}
