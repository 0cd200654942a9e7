"""Identity and access: tokens, the JWKS cache, client flows and the authorization matrix."""
