# Tier 1 and 2 services are paged when they fail, so they name who is paged (seed 000
# ownership and on-call; seed 004 reliability). Their SLO is checked by the built-in rule
# slo.defined, and their ADRs by adr.present, so this policy reports only what those rules
# do not: a missing on-call rotation.
package govern.repo.operations

import rego.v1

paged_types := {"service", "api"}

deny_on_call contains msg if {
	m := input.metadata
	m.type in paged_types
	m.tier <= 2
	not m.on_call
	msg := sprintf("tier %d %s %s names no on_call rotation: add `on_call: <rotation>` to .meta/repo.yaml", [m.tier, m.type, m.name])
}
