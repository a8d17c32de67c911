//! Kubernetes rules: workload kinds, multi-document streams, Lists, init containers,
//! Helm templates and kustomize patches.

mod common;
use common::*;

const GOOD_CONTAINER: &str = "        - name: app
          image: app:1.2.3
          resources: {requests: {cpu: 10m, memory: 16Mi}, limits: {cpu: 100m, memory: 64Mi}}
          livenessProbe: {tcpSocket: {port: 80}}
          readinessProbe: {tcpSocket: {port: 80}}
          securityContext: {runAsNonRoot: true, allowPrivilegeEscalation: false}
";

/// Turns the pod security rules off, for tests about the other rules' lines.
const POD_SECURITY_OFF: &str =
    "rules:\n  k8s.run-as-non-root: off\n  k8s.privilege-escalation: off\n";

fn deployment(kind: &str, container: &str) -> String {
    format!("apiVersion: apps/v1\nkind: {kind}\nmetadata:\n  name: w\nspec:\n  template:\n    spec:\n      containers:\n{container}")
}

#[test]
fn every_workload_kind_and_their_lines() {
    let repo = Repo::new();
    repo.with_compliant_base();
    repo.write(".govern.yaml", POD_SECURITY_OFF);
    for kind in [
        "Deployment",
        "StatefulSet",
        "DaemonSet",
        "ReplicaSet",
        "ReplicationController",
        "Job",
    ] {
        repo.write(
            &format!("good/{kind}.yaml"),
            &deployment(kind, GOOD_CONTAINER),
        );
        repo.write(
            &format!("bad/{kind}.yaml"),
            &deployment(kind, "        - name: app\n          image: app\n"),
        );
    }
    repo.write("good/pod.yaml", &format!("apiVersion: v1\nkind: Pod\nmetadata: {{name: p}}\nspec:\n  containers:\n{GOOD_CONTAINER}"));
    repo.write(
        "bad/cronjob.yaml",
        "apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: c}\nspec:\n  schedule: \"@daily\"\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          containers:\n            - name: c\n              image: busybox:latest\n",
    );
    repo.git(&["add", "-A"]);
    let (report, code) = repo.json(&["check", "--no-cache"]);
    assert_eq!(code, 1);
    for kind in [
        "Deployment",
        "StatefulSet",
        "DaemonSet",
        "ReplicaSet",
        "ReplicationController",
        "Job",
        "pod",
    ] {
        assert_eq!(
            hits_in(&report, &format!("good/{kind}.yaml")),
            vec![],
            "good/{kind}"
        );
    }
    for kind in [
        "Deployment",
        "StatefulSet",
        "DaemonSet",
        "ReplicaSet",
        "ReplicationController",
    ] {
        let got = hits_in(&report, &format!("bad/{kind}.yaml"));
        assert_eq!(
            got,
            vec![
                ("k8s.probes".into(), Some(9)),
                ("k8s.resources".into(), Some(9)),
                ("k8s.image-tag".into(), Some(10))
            ],
            "bad/{kind}"
        );
    }
    // Jobs and CronJobs need no probes.
    assert_eq!(
        hits_in(&report, "bad/Job.yaml"),
        vec![
            ("k8s.resources".into(), Some(9)),
            ("k8s.image-tag".into(), Some(10))
        ]
    );
    assert_eq!(
        hits_in(&report, "bad/cronjob.yaml"),
        vec![
            ("k8s.resources".into(), Some(11)),
            ("k8s.image-tag".into(), Some(12))
        ]
    );
}

#[test]
fn multi_document_list_and_init_containers() {
    let repo = Repo::new();
    repo.with_compliant_base();
    repo.write(".govern.yaml", POD_SECURITY_OFF);
    let stream = format!(
        "apiVersion: v1\nkind: Service\nmetadata: {{name: s}}\nspec: {{ports: [{{port: 80}}]}}\n---\n{}---\napiVersion: v1\nkind: List\nitems:\n  - apiVersion: v1\n    kind: Pod\n    metadata: {{name: p}}\n    spec:\n      initContainers:\n        - name: init\n          image: busybox\n      containers:\n        - name: main\n          image: main:1.0\n          resources: {{requests: {{cpu: 1m, memory: 1Mi}}, limits: {{cpu: 1m, memory: 1Mi}}}}\n          livenessProbe: {{exec: {{command: [true]}}}}\n          readinessProbe: {{exec: {{command: [true]}}}}\n",
        deployment("Deployment", GOOD_CONTAINER)
    );
    repo.write("all.yaml", &stream);
    repo.git(&["add", "-A"]);
    let (report, _) = repo.json(&["check", "--no-cache"]);
    // The init container needs resources and a tag but no probes; lines are absolute in the stream.
    assert_eq!(
        hits_in(&report, "all.yaml"),
        vec![
            ("k8s.resources".into(), Some(29)),
            ("k8s.image-tag".into(), Some(30))
        ]
    );
    let msg = report["findings"][0]["message"].as_str().unwrap();
    assert!(msg.contains("init container \"init\" of Pod/p"), "{msg}");
}

#[test]
fn non_kubernetes_yaml_helm_templates_and_kustomize_patches() {
    let repo = Repo::new();
    repo.with_compliant_base();
    repo.write(".github/workflows/ci.yml", "name: ci\non: push\njobs:\n  t:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ github.sha }}\n");
    repo.write("config.yaml", "kind: settings\nvalues: [1, 2]\n");
    repo.write(
        "chart/Chart.yaml",
        "apiVersion: v2\nname: c\nversion: 0.1.0\n",
    );
    repo.write("chart/values.yaml", "image: {tag: latest}\n");
    repo.write(
        "chart/templates/deploy.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\nspec:\n  template:\n    spec:\n      containers:\n        - name: a\n          image: \"{{ .Values.image }}\"\n",
    );
    repo.write("k/base/kustomization.yaml", "resources: [deploy.yaml]\n");
    repo.write(
        "k/base/deploy.yaml",
        &deployment("Deployment", GOOD_CONTAINER),
    );
    repo.write("k/overlays/prod/kustomization.yaml", "resources: [../../base]\npatches:\n  - path: replicas.yaml\npatchesStrategicMerge:\n  - image.yaml\n");
    repo.write(
        "k/overlays/prod/replicas.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: w}\nspec: {replicas: 3}\n",
    );
    repo.write(
        "k/overlays/prod/image.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: w}\nspec:\n  template:\n    spec:\n      containers:\n        - name: app\n          image: app:2.0.0\n",
    );
    repo.git(&["add", "-A"]);
    let (report, code) = repo.json(&["check", "--no-cache"]);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(hits(&report), vec![]);
    let skipped: Vec<&str> = report["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["path"].as_str().unwrap())
        .collect();
    assert_eq!(
        skipped,
        [
            "chart/templates/deploy.yaml",
            "k/overlays/prod/image.yaml",
            "k/overlays/prod/replicas.yaml"
        ]
    );
    assert_eq!(report["summary"]["skipped"], 3);
}

#[test]
fn malformed_yaml_names_path_and_line() {
    let repo = Repo::new();
    repo.with_compliant_base();
    repo.write(
        "bad.yaml",
        "apiVersion: v1\nkind: Pod\nspec:\n  containers: [\n    {name: a\n",
    );
    repo.git(&["add", "-A"]);
    let (report, code) = repo.json(&["check", "--no-cache"]);
    assert_eq!(code, 2);
    let errors = report["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{report:#}");
    assert_eq!(errors[0]["path"], "bad.yaml");
    assert!(errors[0]["line"].as_u64().unwrap() >= 5, "{report:#}");
    let text = stdout(&repo.govern(&["check", "--no-cache"]));
    assert!(
        text.contains("bad.yaml:") && text.contains("could not check: invalid YAML"),
        "{text}"
    );
}

#[test]
fn options_relax_the_rules() {
    let repo = Repo::new();
    repo.with_compliant_base();
    repo.write(".govern.yaml", &format!("{POD_SECURITY_OFF}  k8s.resources:\n    options: {{limits: [memory]}}\n  k8s.probes:\n    options: {{require: [readinessProbe]}}\n"));
    repo.write(
        "d.yaml",
        &deployment("Deployment", "        - name: app\n          image: app:1\n          resources: {requests: {cpu: 1m, memory: 1Mi}, limits: {memory: 1Mi}}\n          readinessProbe: {tcpSocket: {port: 1}}\n"),
    );
    repo.git(&["add", "-A"]);
    let (report, code) = repo.json(&["check", "--no-cache"]);
    assert_eq!((code, hits(&report)), (0, vec![]));
}

/// kubectl applies manifests written as JSON: a `.json` file whose top level is an object
/// with `apiVersion` and `kind` is judged by the manifest rules, at its lines; other JSON
/// files (package.json, a tsconfig with comments, an array) are no manifests and no errors.
#[test]
fn json_manifests_are_checked_like_yaml() {
    let repo = Repo::new();
    repo.with_compliant_base();
    repo.write(
        "deploy/web.json",
        r#"{
  "apiVersion": "apps/v1",
  "kind": "Deployment",
  "metadata": {"name": "web"},
  "spec": {
    "template": {
      "spec": {
        "containers": [
          {
            "name": "web",
            "image": "nginx:latest"
          }
        ]
      }
    }
  }
}
"#,
    );
    repo.write(
        "package.json",
        "{\"name\": \"x\", \"description\": \"kind of an apiVersion helper\"}\n",
    );
    repo.write(
        "tsconfig.json",
        "{\n  // comments are not JSON: kind, apiVersion\n  \"compilerOptions\": {}\n}\n",
    );
    repo.write(
        "list.json",
        "[{\"apiVersion\": \"v1\", \"kind\": \"Pod\"}]\n",
    );
    repo.git(&["add", "-A"]);
    let (report, code) = repo.json(&["check", "--no-cache"]);
    assert_eq!(code, 1, "{report}");
    assert_eq!(report["errors"], serde_json::json!([]), "{report}");
    let hits = hits_in(&report, "deploy/web.json");
    for (rule, line) in [
        ("k8s.image-tag", 11),
        ("k8s.resources", 9),
        ("k8s.probes", 9),
    ] {
        assert!(
            hits.contains(&(rule.to_string(), Some(line))),
            "{rule} at {line}: {hits:?}"
        );
    }
    for other in ["package.json", "tsconfig.json", "list.json"] {
        assert_eq!(hits_in(&report, other), vec![], "{other}");
    }
}

/// A repeated key (the shape found in real manifests: `selector:` and `image:` twice) is a
/// warning at the repeat, and the workload is judged with the last value, as kubectl
/// applies it; the run does not fail on input. In `.meta/repo.yaml` it is a schema finding;
/// in `.govern.yaml` an input error.
#[test]
fn duplicate_keys_warn_and_the_last_value_wins() {
    let repo = Repo::new();
    repo.with_compliant_base();
    let good = GOOD_CONTAINER.replace(
        "image: app:1.2.3",
        "image: app:latest\n          image: app:1.2.3",
    );
    repo.write(
        "deploy.yaml",
        &format!("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: w\nspec:\n  selector: {{matchLabels: {{app: a}}}}\n  selector: {{matchLabels: {{app: w}}}}\n  template:\n    spec:\n      containers:\n{good}"),
    );
    let bad = GOOD_CONTAINER.replace(
        "image: app:1.2.3",
        "image: app:1.2.3\n          image: app:latest",
    );
    repo.write("bad.yaml", &deployment("Deployment", &bad));
    repo.git(&["add", "-A"]);
    let (report, code) = repo.json(&["check", "--no-cache"]);
    assert_eq!(code, 1, "{report}");
    assert_eq!(
        report["errors"].as_array().map(Vec::len),
        Some(0),
        "{report}"
    );
    assert_eq!(
        hits_in(&report, "deploy.yaml"),
        vec![
            ("yaml.duplicate-key".into(), Some(7)),
            ("yaml.duplicate-key".into(), Some(13)),
        ]
    );
    let messages: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["path"] == "deploy.yaml")
        .map(|f| f["message"].as_str().unwrap())
        .collect();
    assert_eq!(messages[0], "key `selector` is given a second time in `/spec` (first at line 6); kubectl uses this last value");
    // The later `image: app:latest` wins, and is reported at its own line.
    assert_eq!(
        hits_in(&report, "bad.yaml"),
        vec![
            ("k8s.image-tag".into(), Some(11)),
            ("yaml.duplicate-key".into(), Some(11)),
        ]
    );

    repo.write(
        ".meta/repo.yaml",
        "name: demo\ntype: library\nlanguage: rust\ntier: 3\nowner: \"@acme/platform\"\nlifecycle: development\ntier: 2\n",
    );
    repo.git(&["add", "-A"]);
    let (report, _) = repo.json(&["check", "--no-cache"]);
    let meta = hits_in(&report, ".meta/repo.yaml");
    assert_eq!(meta.len(), 1, "{report}");
    assert_eq!(meta[0].0, "meta.schema");

    repo.write(".govern.yaml", "exclude: []\nexclude: [\"x/**\"]\n");
    repo.git(&["add", "-A"]);
    let out = repo
        .cmd(bin())
        .args(["check", "--no-cache"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains(".govern.yaml:2: `exclude` is given twice"),
        "{}",
        stderr(&out)
    );
}

/// Pods whose security contexts are set at pod level, container level, both, or not at all.
fn pod_security_fixture() -> Repo {
    let repo = Repo::new();
    repo.with_compliant_base();
    repo.write(
        ".govern.yaml",
        "rules:\n  k8s.resources: off\n  k8s.probes: off\n",
    );
    let pod = |name: &str, pod_ctx: &str, containers: &str| {
        format!("apiVersion: v1\nkind: Pod\nmetadata: {{name: {name}}}\nspec:\n{pod_ctx}  containers:\n{containers}")
    };
    const SAFE: &str = "      securityContext: {allowPrivilegeEscalation: false}\n";
    // Inherited from the pod: fine. The second container overrides with root (line 14).
    repo.write(
        "inherit.yaml",
        &pod(
            "inherit",
            "  securityContext: {runAsNonRoot: true}\n",
            &format!("    - name: a\n      image: a:1\n{SAFE}    - name: b\n      image: b:1\n      securityContext:\n        allowPrivilegeEscalation: false\n        runAsUser: 0\n"),
        ),
    );
    // The pod runs as root (line 5); runAsNonRoot false without a user, escalation and
    // privileged set (lines 9 to 11).
    repo.write(
        "root.yaml",
        &pod(
            "root",
            "  securityContext: {runAsUser: 0}\n",
            &format!("    - name: a\n      image: a:1\n{SAFE}"),
        ),
    );
    repo.write(
        "false.yaml",
        &pod(
            "off",
            "",
            "    - name: a\n      image: a:1\n      securityContext:\n        runAsNonRoot: false\n        allowPrivilegeEscalation: true\n        privileged: true\n",
        ),
    );
    // Nothing set at all: findings at the container item.
    repo.write(
        "bare.yaml",
        &pod("bare", "", "    - name: a\n      image: a:1\n"),
    );
    // A user id other than 0 is enough; Windows pods are not judged.
    repo.write(
        "uid.yaml",
        &pod(
            "uid",
            "  securityContext: {runAsUser: 1000}\n",
            &format!("    - name: a\n      image: a:1\n{SAFE}"),
        ),
    );
    repo.write(
        "windows.yaml",
        &pod(
            "win",
            "  os: {name: windows}\n",
            "    - name: a\n      image: a:1\n",
        ),
    );
    repo.git(&["add", "-A"]);
    repo
}

/// Pod security: the container's `securityContext` wins over the pod's, each finding is at
/// the value in force (or the container when nothing is set), Windows pods are passed over.
#[test]
fn pod_security_reads_pod_and_container_contexts() {
    let repo = pod_security_fixture();
    let (report, code) = repo.json(&["check", "--no-cache"]);
    assert_eq!(code, 1);
    assert_eq!(
        hits_in(&report, "inherit.yaml"),
        vec![("k8s.run-as-non-root".into(), Some(14))]
    );
    assert_eq!(
        hits_in(&report, "root.yaml"),
        vec![("k8s.run-as-non-root".into(), Some(5))]
    );
    assert_eq!(
        hits_in(&report, "false.yaml"),
        vec![
            ("k8s.run-as-non-root".into(), Some(9)),
            ("k8s.privilege-escalation".into(), Some(10)),
            ("k8s.privileged".into(), Some(11)),
        ]
    );
    assert_eq!(
        hits_in(&report, "bare.yaml"),
        vec![
            ("k8s.privilege-escalation".into(), Some(6)),
            ("k8s.run-as-non-root".into(), Some(6)),
        ]
    );
    assert_eq!(hits_in(&report, "uid.yaml"), vec![]);
    assert_eq!(hits_in(&report, "windows.yaml"), vec![]);
}

/// Pod security messages say what is in force and where it comes from; `explain` names
/// the peers' equivalents.
#[test]
fn pod_security_messages_and_explain() {
    let repo = pod_security_fixture();
    let (report, _) = repo.json(&["check", "--no-cache"]);
    let message = |path: &str, rule: &str| {
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["path"] == path && f["rule"] == rule)
            .unwrap()["message"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(
        message("root.yaml", "k8s.run-as-non-root"),
        "container \"a\" of Pod/root runs as root: the pod sets `runAsUser: 0`"
    );
    assert_eq!(
        message("false.yaml", "k8s.privileged"),
        "container \"a\" of Pod/off runs privileged"
    );
    // explain names the peers' equivalents.
    let explain = stdout(&repo.govern(&["explain", "k8s.run-as-non-root"]));
    assert!(
        explain.contains("checkov CKV_K8S_23") && explain.contains("kube-linter run-as-non-root"),
        "{explain}"
    );
}

/// Kubernetes sets a missing request to the limit of the same resource: limits alone set
/// both; a request alone is no limit.
#[test]
fn limits_alone_also_set_the_requests() {
    let repo = Repo::new();
    repo.with_compliant_base();
    repo.write(".govern.yaml", POD_SECURITY_OFF);
    let with = |resources: &str| {
        GOOD_CONTAINER.replace(
            "resources: {requests: {cpu: 10m, memory: 16Mi}, limits: {cpu: 100m, memory: 64Mi}}",
            resources,
        )
    };
    repo.write(
        "limits.yaml",
        &deployment(
            "Deployment",
            &with("resources: {limits: {cpu: 100m, memory: 64Mi}}"),
        ),
    );
    repo.write(
        "requests.yaml",
        &deployment(
            "Deployment",
            &with("resources: {requests: {cpu: 100m, memory: 64Mi}, limits: {memory: 64Mi}}"),
        ),
    );
    repo.git(&["add", "-A"]);
    let (report, _) = repo.json(&["check", "--no-cache"]);
    assert_eq!(hits_in(&report, "limits.yaml"), vec![]);
    assert_eq!(
        hits_in(&report, "requests.yaml"),
        vec![("k8s.resources".into(), Some(11))]
    );
    let msg = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["path"] == "requests.yaml")
        .unwrap()["message"]
        .clone();
    assert_eq!(
        msg,
        "container \"app\" of Deployment/w sets no resources.limits.cpu"
    );
}
