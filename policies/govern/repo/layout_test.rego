package govern.repo.layout_test

import data.govern.repo.layout
import rego.v1

k8s_repo(dirs) := {
	"metadata": {"deployment_targets": [{"type": "k8s", "environments": ["dev", "prod"]}]},
	"dirs": dirs,
}

test_complete_layout_passes if {
	count(layout.deny_k8s_layout) == 0 with input as k8s_repo(["k8s", "k8s/base", "k8s/overlays", "k8s/overlays/dev", "k8s/overlays/prod"])
}

test_missing_overlay_is_denied if {
	msgs := layout.deny_k8s_layout with input as k8s_repo(["k8s", "k8s/base", "k8s/overlays", "k8s/overlays/dev"])
	count(msgs) == 1
	some m in msgs
	contains(m, "k8s/overlays/prod/")
}

test_missing_base_is_denied if {
	count(layout.deny_k8s_layout) == 2 with input as k8s_repo(["k8s/overlays/dev"])
}

test_other_targets_need_no_layout if {
	count(layout.deny_k8s_layout) == 0 with input as {"metadata": {"deployment_targets": [{"type": "fly", "environments": ["prod"]}]}, "dirs": []}
}
