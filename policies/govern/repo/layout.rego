# Repositories deployed to Kubernetes (deployment_targets of type k8s or aks) keep seed
# 002's kustomize layout: k8s/base and one overlay per environment they deploy to.
package govern.repo.layout

import rego.v1

kubernetes_types := {"k8s", "aks"}

required contains "k8s/base" if kubernetes

required contains sprintf("k8s/overlays/%s", [env]) if {
	some t in input.metadata.deployment_targets
	t.type in kubernetes_types
	some env in t.environments
}

kubernetes if {
	some t in input.metadata.deployment_targets
	t.type in kubernetes_types
}

present(dir) if {
	some d in input.dirs
	d == dir
}

deny_k8s_layout contains msg if {
	some dir in required
	not present(dir)
	msg := sprintf("deployment_targets include Kubernetes, but %s/ holds no files (seed 002: k8s/base and k8s/overlays/<environment>)", [dir])
}
