package examples.authz_test

import data.examples.authz
import rego.v1

test_anything_unlisted_is_denied if {
	not authz.allow with input as {"method": "GET", "path": ["secrets"], "subject": {"tenant": "a", "roles": []}}
}

test_health_is_public if {
	authz.allow with input as {"method": "GET", "path": ["healthz"]}
}

test_members_read_their_tenant if {
	authz.allow with input as {"method": "GET", "path": ["tenants", "a"], "subject": {"tenant": "a", "roles": []}}
}

test_members_cannot_read_another_tenant if {
	not authz.allow with input as {"method": "GET", "path": ["tenants", "b"], "subject": {"tenant": "a", "roles": []}}
}

test_only_admins_write if {
	not authz.allow with input as {"method": "PUT", "path": ["tenants", "a"], "subject": {"tenant": "a", "roles": []}}
	authz.allow with input as {"method": "PUT", "path": ["tenants", "a"], "subject": {"tenant": "a", "roles": ["admin"]}}
}
