# A deny-by-default authorization policy to copy (seed 004: "Standard Deny by Default
# authorization policy"). Nothing is allowed unless a rule below allows it. Not evaluated by
# `git govern check`: copy it into your service's policy bundle and adapt the rules.
package examples.authz

import rego.v1

default allow := false

# Health checks are public.
allow if {
	input.method == "GET"
	input.path == ["healthz"]
}

# A tenant's members read the tenant's resources (ABAC: the subject's tenant must match).
allow if {
	input.method == "GET"
	input.path[0] == "tenants"
	input.path[1] == input.subject.tenant
}

# Admins of a tenant may change it.
allow if {
	input.method in {"POST", "PUT", "DELETE"}
	input.path[0] == "tenants"
	input.path[1] == input.subject.tenant
	"admin" in input.subject.roles
}
