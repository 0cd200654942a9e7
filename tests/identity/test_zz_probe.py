from tests.identity.test_tokens import *
import tests.identity.test_tokens as t
def test_probe(oidc_client, oidc_provider):
    sound = oidc_provider.client_credentials()
    for f in [expired, not_yet_valid, wrong_audience, wrong_issuer, alg_none, hs256_with_public_key, unknown_key, tampered_payload, id_token_type, garbage]:
        a = oidc_client.get(FLAGS, headers=bearer(f(oidc_provider, sound)))
        print(f.__name__, a.status_code, a.json()["detail"], a.headers["WWW-Authenticate"])
