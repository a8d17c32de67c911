//! Kustomize overlays judged as they deploy: every patch form recognised, bases rendered
//! with strategic-merge and JSON 6902 patches, `images`, `namePrefix`; findings at the file
//! and line to change, naming the overlays; what is not rendered listed as skipped.

mod common;
use common::*;

/// A base modelled on the usual layout (podinfo, argocd-example-apps): one Deployment
/// without probes or a user, two overlays that fix different things.
fn fixture() -> Repo {
    let repo = Repo::new();
    repo.with_compliant_base();
    repo.write(
        ".govern.yaml",
        "rules:\n  k8s.resources: off\n  k8s.privilege-escalation: off\n",
    );
    repo.write("k/base/kustomization.yaml", "resources:\n  - deploy.yaml\n");
    repo.write(
        "k/base/deploy.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n        - name: app\n          image: registry.example.com/app:1.4.2\n",
    );
    // dev: a moving tag through `images:`, nothing else.
    repo.write(
        "k/overlays/dev/kustomization.yaml",
        "resources:\n  - ../../base\nnamePrefix: dev-\nimages:\n  - name: registry.example.com/app\n    newTag: latest\n",
    );
    // prod: probes by a strategic-merge patch (plain-string form), a user by JSON 6902.
    repo.write(
        "k/overlays/prod/kustomization.yaml",
        "resources:\n  - ../../base\n  - https://github.com/example/shared//monitoring?ref=v1\npatches:\n  - probes.yaml\npatchesJson6902:\n  - target: {group: apps, version: v1, kind: Deployment, name: web}\n    path: user.yaml\n",
    );
    repo.write(
        "k/overlays/prod/probes.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n        - name: app\n          livenessProbe: {httpGet: {path: /healthz, port: 8080}}\n          readinessProbe: {httpGet: {path: /ready, port: 8080}}\n",
    );
    repo.write(
        "k/overlays/prod/user.yaml",
        "- op: add\n  path: /spec/template/spec/securityContext\n  value:\n    runAsNonRoot: true\n    runAsUser: 10001\n",
    );
    // Outside any kustomization: judged file by file, as before.
    repo.write(
        "plain/pod.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  securityContext: {runAsNonRoot: true}\n  containers:\n    - name: a\n      image: a:1\n",
    );
    repo.git(&["add", "-A"]);
    repo
}

fn found(report: &serde_json::Value) -> Vec<(String, String, Option<u64>, String)> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_string(),
                f["rule"].as_str().unwrap().to_string(),
                f["line"].as_u64(),
                f["message"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn overlays_are_judged_as_they_deploy() {
    let repo = fixture();
    let (report, code) = repo.json(&["check", "--no-cache"]);
    assert_eq!(code, 1, "{report:#}");
    assert_eq!(report["errors"].as_array().map(Vec::len), Some(0));
    let found = found(&report);
    let at = |path: &str| -> Vec<(String, Option<u64>, String)> {
        found
            .iter()
            .filter(|f| f.0 == path)
            .map(|f| (f.1.clone(), f.2, f.3.clone()))
            .collect()
    };
    // Only dev lacks probes and a user: the findings are at the base container (line 9),
    // named for dev, under dev's prefixed name.
    assert_eq!(
        at("k/base/deploy.yaml"),
        vec![
            (
                "k8s.probes".into(),
                Some(9),
                "container \"app\" of Deployment/dev-web has no livenessProbe and no readinessProbe (as k/overlays/dev renders it)".into()
            ),
            (
                "k8s.run-as-non-root".into(),
                Some(9),
                "container \"app\" of Deployment/dev-web may run as root: neither it nor the pod sets `runAsNonRoot: true` or a non-zero `runAsUser` (as k/overlays/dev renders it)".into()
            ),
        ]
    );
    // The moving tag is dev's own doing: reported at the `newTag` line of its kustomization.
    let dev = at("k/overlays/dev/kustomization.yaml");
    assert_eq!(dev.len(), 1, "{dev:?}");
    assert_eq!((dev[0].0.as_str(), dev[0].1), ("k8s.image-tag", Some(6)));
    assert!(
        dev[0].2.contains("registry.example.com/app:latest"),
        "{dev:?}"
    );
    // Patches are never judged as whole workloads.
    for patch in ["k/overlays/prod/probes.yaml", "k/overlays/prod/user.yaml"] {
        assert_eq!(at(patch), vec![], "{patch}");
    }
    assert_eq!(
        at("plain/pod.yaml").len(),
        1,
        "file by file outside kustomize"
    );
    let skipped: Vec<(String, String)> = report["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["path"].as_str().unwrap().to_string(),
                s["reason"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert!(
        skipped.contains(&(
            "k/overlays/prod/probes.yaml".into(),
            "kustomize patch (listed in a kustomization), not a complete manifest".into()
        )),
        "{skipped:?}"
    );
    let prod = skipped
        .iter()
        .find(|s| s.0 == "k/overlays/prod/kustomization.yaml")
        .unwrap();
    assert!(
        prod.1.contains(
            "remote resource `https://github.com/example/shared//monitoring?ref=v1` is not fetched"
        ),
        "{prod:?}"
    );
}

/// A finding both overlays share is reported once, naming both; a suppression comment in
/// the base covers it; turning the base's fault into a fix removes it.
#[test]
fn shared_findings_name_every_overlay_and_honour_suppressions() {
    let repo = fixture();
    repo.write(
        "k/overlays/prod/kustomization.yaml",
        "resources:\n  - ../../base\npatchesStrategicMerge:\n  - |-\n    apiVersion: apps/v1\n    kind: Deployment\n    metadata:\n      name: web\n    spec:\n      template:\n        spec:\n          containers:\n            - name: app\n              image: registry.example.com/app:1.5.0\n",
    );
    repo.git(&["add", "-A"]);
    let (report, _) = repo.json(&["check", "--no-cache"]);
    let probes: Vec<_> = found(&report)
        .into_iter()
        .filter(|f| f.1 == "k8s.probes" && f.0.starts_with("k/"))
        .collect();
    assert_eq!(probes.len(), 1, "{probes:?}");
    assert_eq!(probes[0].0, "k/base/deploy.yaml");
    assert!(
        probes[0]
            .3
            .ends_with("(as k/overlays/dev and k/overlays/prod render it)"),
        "{probes:?}"
    );
    repo.write(
        "k/base/deploy.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n        # govern:ignore k8s.probes the mesh sidecar probes it\n        - name: app\n          image: registry.example.com/app:1.4.2\n",
    );
    repo.git(&["add", "-A"]);
    let (report, _) = repo.json(&["check", "--no-cache"]);
    assert!(
        found(&report)
            .iter()
            .all(|f| f.1 != "k8s.probes" || !f.0.starts_with("k/")),
        "{report:#}"
    );
    let suppressed = report["suppressed"].as_array().unwrap();
    assert!(
        suppressed.iter().any(|s| s["rule"] == "k8s.probes"
            && s["path"] == "k/base/deploy.yaml"
            && s["line"] == 10),
        "{report:#}"
    );
    // The same report from a warm cache.
    let cold = repo.govern(&["check", "--format", "json"]).stdout;
    let warm = repo.govern(&["check", "--format", "json"]).stdout;
    let mask = |b: &[u8]| {
        let mut v: serde_json::Value = serde_json::from_slice(b).unwrap();
        v["summary"]["cache_hits"] = serde_json::json!(0);
        v
    };
    assert_eq!(mask(&cold), mask(&warm));
}
