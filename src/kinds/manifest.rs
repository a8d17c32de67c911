//! Kubernetes manifests: `.yaml`/`.yml` files, and `.json` files whose top level is an
//! object with `apiVersion` and `kind` (kubectl applies both), read as YAML documents with
//! a line map. Helm chart templates and templated YAML are passed over.

use super::{FileKind, Kind, Name, ParseFailure, Parsed, ReadCtx};

/// The context tag of manifests under a Helm chart's `templates/`.
pub const HELM_CONTEXT: &str = "helm-chart-template";

/// The manifest kind.
pub static KIND: Kind = Kind {
    kind: FileKind::Manifest,
    matches,
    read,
    policy_input: true,
};

fn matches(name: &Name) -> bool {
    let n = name.lower;
    n.ends_with(b".yaml") || n.ends_with(b".yml") || n.ends_with(b".json")
}

fn read(text: &str, ctx: &ReadCtx) -> Result<Parsed, ParseFailure> {
    if ctx.json {
        return Ok(read_json(text));
    }
    if ctx.context == HELM_CONTEXT && text.contains("{{") {
        return Err(ParseFailure::Skip(
            "Helm chart template, not a complete manifest".into(),
        ));
    }
    if !(text.contains("kind") && text.contains("apiVersion")) {
        return Ok(Parsed::NotManifest);
    }
    match crate::yaml::parse_stream(text) {
        Ok(d) => Ok(Parsed::Manifest(d)),
        Err(_) if text.contains("{{") => Err(ParseFailure::Skip(
            "templated YAML ({{ … }}), not a complete manifest".into(),
        )),
        Err(e) => Err(ParseFailure::yaml(e)),
    }
}

/// A JSON file is a manifest only when it is valid JSON whose top level is an object
/// with string `apiVersion` and `kind`; any other JSON file (package.json, a tsconfig with
/// comments, a data file) is no manifest and never an input error here.
fn read_json(text: &str) -> Parsed {
    if !(text.contains("kind") && text.contains("apiVersion")) {
        return Parsed::Nothing;
    }
    let is_object = serde_json::from_str::<serde_json::Value>(text).is_ok_and(|v| {
        v.get("apiVersion")
            .is_some_and(serde_json::Value::is_string)
            && v.get("kind").is_some_and(serde_json::Value::is_string)
    });
    match is_object.then(|| crate::yaml::parse_stream(text)) {
        // JSON is YAML: the YAML reader gives the document its line map.
        Some(Ok(d)) => Parsed::Manifest(d),
        _ => Parsed::Nothing,
    }
}
