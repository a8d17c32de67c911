//! The Backstage export: the portfolio as Backstage catalog entities
//! (`apiVersion: backstage.io/v1alpha1`), so a developer portal shows each repository with
//! its governance state.
//!
//! - A repository is one `kind: Component`; a monorepo (seed 003) is a `kind: System` with
//!   one `kind: Component` per component (`spec.system` naming it).
//! - `metadata.namespace` is the organization, `metadata.name` the metadata `name` (else the
//!   directory name), both made valid Backstage names (`[a-z0-9A-Z]` runs joined by `-`,
//!   `_`, `.`; at most 63 characters; a namespace in lower case).
//! - `spec.type` from the metadata `type` (`service` and `api` → `service`, `app` →
//!   `website`, `library` → `library`, others as written, `other` when unknown);
//!   `spec.lifecycle` as written (`unknown` when absent); `spec.owner` from `owner`:
//!   `@org/team` → `group:default/team`, `@user` → `user:default/user`, an e-mail address →
//!   `user:default/<local part>`, `unknown` when absent.
//! - `metadata.annotations` carry the governance state: `git-govern/compliance`,
//!   `git-govern/violations`, `git-govern/warnings`, `git-govern/path` (and
//!   `git-govern/tier`, `git-govern/backup`, `git-govern/approval-required` when known).
//!
//! Entities come in the catalog's order (organization, repository, component); the YAML is
//! written key by key in a fixed order, strings double-quoted, so the same portfolio gives
//! the same bytes.

use serde_json::{json, Map, Value};

use super::record::{ComponentRecord, Metadata, RepoRecord};

/// The default file, under the governance root.
pub const DEFAULT_PATH: &str = ".metaHub/catalog/catalog-info.yaml";

/// The entities of `records` (see the module documentation).
pub fn entities(records: &[RepoRecord]) -> Vec<Value> {
    let mut out = Vec::new();
    for r in records {
        let namespace = namespace(&r.organization);
        let name = entity_name(r.metadata.name.as_deref().unwrap_or(&r.name));
        let mut annotations = state(
            &r.metadata,
            r.compliance.as_str(),
            r.violation_count(),
            r.warning_count(),
        );
        annotations.insert("git-govern/path".into(), json!(r.path));
        if r.components.is_empty() {
            out.push(component(&namespace, &name, &r.metadata, annotations, None));
            continue;
        }
        let owner = r.metadata.owner.as_deref().or_else(|| {
            r.components
                .iter()
                .find_map(|c| c.metadata.owner.as_deref())
        });
        out.push(json!({
            "apiVersion": "backstage.io/v1alpha1",
            "kind": "System",
            "metadata": {"name": name, "namespace": namespace, "annotations": annotations},
            "spec": {"owner": owner_ref(owner)},
        }));
        for c in &r.components {
            out.push(of_component(r, c, &namespace, &name));
        }
    }
    out
}

fn of_component(r: &RepoRecord, c: &ComponentRecord, namespace: &str, system: &str) -> Value {
    let fallback = format!("{}-{}", r.name, c.path.replace('/', "-"));
    let name = entity_name(c.metadata.name.as_deref().unwrap_or(&fallback));
    let violations = c.violations.values().sum();
    let warnings = c.warnings.values().sum();
    let mut annotations = state(&c.metadata, c.compliance.as_str(), violations, warnings);
    annotations.insert(
        "git-govern/path".into(),
        json!(format!("{}/{}", r.path, c.path)),
    );
    component(namespace, &name, &c.metadata, annotations, Some(system))
}

fn component(
    namespace: &str,
    name: &str,
    m: &Metadata,
    annotations: Map<String, Value>,
    system: Option<&str>,
) -> Value {
    let mut spec = json!({
        "type": spec_type(m.repo_type.as_deref()),
        "lifecycle": m.lifecycle.as_deref().filter(|l| !l.is_empty()).unwrap_or("unknown"),
        "owner": owner_ref(m.owner.as_deref()),
    });
    if let Some(system) = system {
        spec["system"] = json!(system);
    }
    json!({
        "apiVersion": "backstage.io/v1alpha1",
        "kind": "Component",
        "metadata": {"name": name, "namespace": namespace, "annotations": annotations},
        "spec": spec,
    })
}

/// The governance annotations of an entity (values are strings, as Backstage requires).
fn state(m: &Metadata, compliance: &str, violations: usize, warnings: usize) -> Map<String, Value> {
    let mut a = Map::new();
    a.insert("git-govern/compliance".into(), json!(compliance));
    a.insert(
        "git-govern/violations".into(),
        json!(violations.to_string()),
    );
    a.insert("git-govern/warnings".into(), json!(warnings.to_string()));
    if let Some(t) = m.tier {
        a.insert("git-govern/tier".into(), json!(t.to_string()));
    }
    if let Some(b) = &m.backup {
        a.insert("git-govern/backup".into(), json!(b));
    }
    if let Some(n) = m.approval_required {
        a.insert("git-govern/approval-required".into(), json!(n.to_string()));
    }
    a
}

fn spec_type(t: Option<&str>) -> String {
    match t {
        Some("service" | "api") => "service".into(),
        Some("app") => "website".into(),
        Some(other) if !other.is_empty() => entity_name(other),
        _ => "other".into(),
    }
}

/// A Backstage entity reference for an owner as `.meta/repo.yaml` writes it.
fn owner_ref(owner: Option<&str>) -> String {
    let Some(o) = owner.map(str::trim).filter(|o| !o.is_empty()) else {
        return "unknown".into();
    };
    if let Some(rest) = o.strip_prefix('@') {
        return match rest.split_once('/') {
            Some((_, team)) => format!("group:default/{}", entity_name(team)),
            None => format!("user:default/{}", entity_name(rest)),
        };
    }
    match o.split_once('@') {
        Some((local, _)) => format!("user:default/{}", entity_name(local)),
        None => entity_name(o),
    }
}

/// `text` as a valid Backstage name: characters outside `[A-Za-z0-9._-]` become `-`,
/// separators are not doubled nor at either end, at most 63 characters; `unnamed` when
/// nothing is left.
pub fn entity_name(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        let c = if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
            c
        } else {
            '-'
        };
        let sep = !c.is_ascii_alphanumeric();
        if sep && (out.is_empty() || out.ends_with(['.', '_', '-'])) {
            continue;
        }
        out.push(c);
    }
    out.truncate(63);
    let out = out.trim_end_matches(['.', '_', '-']).to_string();
    if out.is_empty() {
        "unnamed".into()
    } else {
        out
    }
}

/// An organization as a Backstage namespace: lower case, `-` between runs of `[a-z0-9]`.
fn namespace(org: &str) -> String {
    let name = entity_name(&org.to_ascii_lowercase()).replace(['.', '_'], "-");
    if name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphanumeric())
    {
        name
    } else {
        "default".into()
    }
}

/// The entities as one YAML stream, `---` before each document.
pub fn to_yaml(entities: &[Value]) -> String {
    let mut out = String::new();
    for e in entities {
        out.push_str("---\n");
        write_value(&mut out, e, 0);
    }
    out
}

/// Writes a mapping's entries at `indent` spaces (the only nesting entities have).
fn write_value(out: &mut String, v: &Value, indent: usize) {
    let Value::Object(m) = v else { return };
    // apiVersion, kind, metadata, spec first, as Backstage's examples read; then the rest.
    let order = [
        "apiVersion",
        "kind",
        "metadata",
        "spec",
        "name",
        "namespace",
    ];
    let mut keys: Vec<&String> = m.keys().collect();
    keys.sort_by_key(|k| {
        (
            order.iter().position(|o| o == k).unwrap_or(order.len()),
            k.as_str(),
        )
    });
    for k in keys {
        let pad = " ".repeat(indent);
        match &m[k] {
            Value::Object(_) => {
                out.push_str(&format!("{pad}{}:\n", scalar_key(k)));
                write_value(out, &m[k], indent + 2);
            }
            other => out.push_str(&format!("{pad}{}: {}\n", scalar_key(k), other)),
        }
    }
}

/// A key written plain when it can be, else double-quoted.
fn scalar_key(k: &str) -> String {
    if k.chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '/' | '.'))
    {
        k.to_string()
    } else {
        Value::String(k.to_string()).to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_owners() {
        assert_eq!(entity_name("api service!"), "api-service");
        assert_eq!(entity_name("--x--"), "x");
        assert_eq!(entity_name(""), "unnamed");
        assert_eq!(entity_name(&"a".repeat(80)).len(), 63);
        assert_eq!(
            owner_ref(Some("@acme/platform-team")),
            "group:default/platform-team"
        );
        assert_eq!(owner_ref(Some("@octocat")), "user:default/octocat");
        assert_eq!(
            owner_ref(Some("jane.doe@example.com")),
            "user:default/jane.doe"
        );
        assert_eq!(owner_ref(None), "unknown");
        assert_eq!(namespace("Acme_Corp"), "acme-corp");
        assert_eq!(spec_type(Some("api")), "service");
        assert_eq!(spec_type(None), "other");
    }
}
