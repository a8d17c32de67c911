//! Kubernetes rules and the workload view they share.
//!
//! [`workloads`] turns the documents of a YAML file into the workloads they declare:
//! Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, ReplicationController, Job and
//! CronJob (through its jobTemplate), also inside `kind: List`. A document without a
//! string `apiVersion` and `kind` is not a Kubernetes object and is ignored.

pub mod image_tag;
pub mod privilege_escalation;
pub mod privileged;
pub mod probes;
pub mod resources;
pub mod run_as_non_root;

use serde_json::Value;

use crate::yaml::{escape_token, Document};

/// One container of a workload.
#[derive(Debug)]
pub struct Container<'a> {
    /// `name`, or "#<index>" when it has none.
    pub name: String,
    /// JSON pointer of the container item within its document.
    pub pointer: String,
    /// The container object.
    pub value: &'a Value,
    /// Whether it is an init container.
    pub init: bool,
}

/// A workload object and its containers.
#[derive(Debug)]
pub struct Workload<'a> {
    /// `kind`, e.g. "Deployment".
    pub kind: &'a str,
    /// `metadata.name`, or "(unnamed)".
    pub name: &'a str,
    /// The document that holds it (for line lookups).
    pub doc: &'a Document,
    /// Whether its pods are meant to keep running (everything but Job and CronJob).
    pub long_running: bool,
    /// Containers then init containers, in file order.
    pub containers: Vec<Container<'a>>,
    /// JSON pointer of the workload object within its document ("" for a top-level object).
    pub pointer: String,
    /// The pod spec (`spec`, `spec.template.spec`, …).
    pub spec: &'a Value,
    /// JSON pointer of the pod spec within its document.
    pub spec_pointer: String,
}

/// A security setting of a container in force, and where it is written.
#[derive(Debug)]
pub struct Setting<'a> {
    /// The value.
    pub value: &'a Value,
    /// JSON pointer of the value within its document.
    pub pointer: String,
    /// Whether it comes from the pod's `securityContext` rather than the container's.
    pub from_pod: bool,
}

impl<'a> Workload<'a> {
    /// `securityContext.<field>` of container `c` in force: the container's own, else the
    /// pod's (Kubernetes' precedence; only some fields exist at pod level, such as
    /// `runAsNonRoot` and `runAsUser`). `None` when neither sets it (or sets it to null).
    pub fn security(&self, c: &Container<'a>, field: &str) -> Option<Setting<'a>> {
        let own = c
            .value
            .get("securityContext")
            .and_then(|s| s.get(field))
            .filter(|v| !v.is_null());
        if let Some(value) = own {
            return Some(Setting {
                value,
                pointer: format!("{}/securityContext/{}", c.pointer, escape_token(field)),
                from_pod: false,
            });
        }
        let pod = self
            .spec
            .get("securityContext")
            .and_then(|s| s.get(field))
            .filter(|v| !v.is_null())?;
        Some(Setting {
            value: pod,
            pointer: format!(
                "{}/securityContext/{}",
                self.spec_pointer,
                escape_token(field)
            ),
            from_pod: true,
        })
    }

    /// Whether the pod runs on Windows nodes (`spec.os.name: windows`), where Linux user
    /// ids and privilege settings do not apply.
    pub fn windows(&self) -> bool {
        self.spec.pointer("/os/name").and_then(Value::as_str) == Some("windows")
    }

    /// "Deployment/api", for messages.
    pub fn label(&self) -> String {
        format!("{}/{}", self.kind, self.name)
    }

    /// 1-based line of a pointer below the document root.
    pub fn line(&self, pointer: &str) -> u32 {
        self.doc.line_of(pointer)
    }

    /// Lines whose `# govern:ignore` comments cover a finding in container `c`: the
    /// container item and the first line of the workload object.
    pub fn anchors(&self, c: &Container) -> [u32; 2] {
        let obj = if self.pointer.is_empty() {
            self.doc.start_line
        } else {
            self.doc.line_of(&self.pointer)
        };
        [self.doc.line_of(&c.pointer), obj]
    }
}

/// The findings of `rule` over every container and init container of the workloads of
/// `docs` (pods with `spec.os.name: windows` passed over when `linux_only`): where `judge`
/// gives `(line, problem)`, a finding at that line saying `container "app" of
/// Deployment/web <problem>`, with `help`, covered by suppression comments on the container
/// and the workload.
pub fn container_findings(
    docs: &[Document],
    rule: crate::rules::RuleId,
    linux_only: bool,
    help: &str,
    judge: impl Fn(&Workload, &Container) -> Option<(u32, String)>,
) -> Vec<crate::finding::RawFinding> {
    let mut out = Vec::new();
    for w in workloads(docs) {
        if linux_only && w.windows() {
            continue;
        }
        for c in &w.containers {
            let Some((line, problem)) = judge(&w, c) else {
                continue;
            };
            let which = if c.init {
                "init container"
            } else {
                "container"
            };
            out.push(
                crate::finding::RawFinding::new(
                    rule,
                    Some(line),
                    format!("{which} {:?} of {} {problem}", c.name, w.label()),
                    help,
                )
                .anchored(w.anchors(c)),
            );
        }
    }
    out
}

fn pod_spec_path(kind: &str) -> Option<&'static [&'static str]> {
    Some(match kind {
        "Pod" => &["spec"],
        "Deployment"
        | "StatefulSet"
        | "DaemonSet"
        | "ReplicaSet"
        | "ReplicationController"
        | "Job" => &["spec", "template", "spec"],
        "CronJob" => &["spec", "jobTemplate", "spec", "template", "spec"],
        _ => return None,
    })
}

/// All workloads declared by `docs`, in file order.
pub fn workloads(docs: &[Document]) -> Vec<Workload<'_>> {
    let mut out = Vec::new();
    for doc in docs {
        collect(doc, &doc.value, String::new(), &mut out);
    }
    out
}

fn collect<'a>(doc: &'a Document, obj: &'a Value, pointer: String, out: &mut Vec<Workload<'a>>) {
    let (Some(_), Some(kind)) = (
        obj.get("apiVersion").and_then(Value::as_str),
        obj.get("kind").and_then(Value::as_str),
    ) else {
        return;
    };
    if kind == "List" || kind.ends_with("List") {
        if let Some(items) = obj.get("items").and_then(Value::as_array) {
            for (i, item) in items.iter().enumerate() {
                collect(doc, item, format!("{pointer}/items/{i}"), out);
            }
        }
        return;
    }
    let Some(path) = pod_spec_path(kind) else {
        return;
    };
    let mut spec = obj;
    let mut spec_ptr = pointer.clone();
    for seg in path {
        match spec.get(*seg) {
            Some(v) => {
                spec = v;
                spec_ptr.push('/');
                spec_ptr.push_str(&escape_token(seg));
            }
            None => return,
        }
    }
    let name = obj
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or("(unnamed)");
    let mut containers = Vec::new();
    for (field, init) in [("containers", false), ("initContainers", true)] {
        if let Some(list) = spec.get(field).and_then(Value::as_array) {
            for (i, c) in list.iter().enumerate() {
                let name = c
                    .get("name")
                    .and_then(Value::as_str)
                    .map(str::to_string)
                    .unwrap_or_else(|| format!("#{i}"));
                containers.push(Container {
                    name,
                    pointer: format!("{spec_ptr}/{field}/{i}"),
                    value: c,
                    init,
                });
            }
        }
    }
    out.push(Workload {
        kind,
        name,
        doc,
        long_running: !matches!(kind, "Job" | "CronJob"),
        containers,
        pointer,
        spec,
        spec_pointer: spec_ptr,
    });
}
