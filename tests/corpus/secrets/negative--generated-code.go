package token

// Generated-code shapes: the right-hand sides are variables, not literals.
var (
	file_token_service_proto_rawDescOnce sync.Once
	file_token_service_proto_rawDescData = file_token_service_proto_rawDesc
	refreshTokenCache = new_token_cache_withDefaults
)

func TestHeader(t *testing.T) {
	// The base64 of {"alg":"HS256","typ":"JWT"}: a JWT header, public by design.
	cfg.SigningSecret = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9"
}
