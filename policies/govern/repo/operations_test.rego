package govern.repo.operations_test

import data.govern.repo.operations
import rego.v1

service(tier, extra) := object.union({"metadata": {"name": "api", "type": "service", "tier": tier}}, extra)

test_tier_1_service_without_on_call_is_denied if {
	count(operations.deny_on_call) == 1 with input as service(1, {})
}

test_tier_1_service_with_on_call_passes if {
	count(operations.deny_on_call) == 0 with input as service(1, {"metadata": {"name": "api", "type": "service", "tier": 1, "on_call": "payments-primary"}})
}

test_tier_3_service_needs_no_on_call if {
	count(operations.deny_on_call) == 0 with input as service(3, {})
}

test_library_needs_no_on_call if {
	count(operations.deny_on_call) == 0 with input as {"metadata": {"name": "lib", "type": "library", "tier": 1}}
}

test_no_metadata_is_left_to_meta_present if {
	count(operations.deny_on_call) == 0 with input as {"metadata": null}
}
