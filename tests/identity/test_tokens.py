"""Access tokens from a real OpenID provider: accepted when sound, refused with 401 otherwise."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from joserfc.jws import extract_compact

from api.app import create_app
from hub.runtime import Runtime
from hub.settings import Settings
from tests.identity.provider import (
    OTHER_RESOURCE,
    OidcProvider,
    new_signing_key,
    run_provider,
)
from testsupport.net import free_port

PROBLEM = "application/problem+json"
FLAGS = "/api/v1/flags"


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64_json(value: dict[str, Any]) -> str:
    return b64(json.dumps(value).encode())


def claims_of(token: str) -> dict[str, Any]:
    return dict(json.loads(extract_compact(token.encode()).payload))


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def assert_refused(answer: Any) -> None:
    assert answer.status_code == 401, answer.text
    assert answer.headers["content-type"] == PROBLEM
    assert answer.json()["code"] == "invalid_token"
    challenge = answer.headers["WWW-Authenticate"]
    assert challenge.startswith("Bearer ") and 'error="invalid_token"' in challenge


def test_provider_token_is_accepted(oidc_client: TestClient, oidc_provider: OidcProvider) -> None:
    token = oidc_provider.client_credentials()
    header = extract_compact(token.encode()).protected
    assert header["typ"] == "at+jwt" and header["alg"] == "RS256"
    assert claims_of(token)["aud"] == "betrokken"
    answer = oidc_client.get(FLAGS, headers=bearer(token))
    assert answer.status_code == 200, answer.text


# Each case turns a sound provider token into one the hub must refuse.
def expired(provider: OidcProvider, token: str) -> str:
    now = int(time.time())
    return provider.sign({**claims_of(token), "iat": now - 7200, "exp": now - 3600})


def not_yet_valid(provider: OidcProvider, token: str) -> str:
    now = int(time.time())
    return provider.sign({**claims_of(token), "nbf": now + 600, "exp": now + 900})


def wrong_audience(provider: OidcProvider, token: str) -> str:
    return provider.client_credentials(resource=OTHER_RESOURCE)  # issued for another API


def wrong_issuer(provider: OidcProvider, token: str) -> str:
    return provider.sign({**claims_of(token), "iss": "https://idp.elders.example"})


def alg_none(provider: OidcProvider, token: str) -> str:
    header = {"alg": "none", "typ": "at+jwt", "kid": provider.signing_key.kid}
    return f"{b64_json(header)}.{b64_json(claims_of(token))}."


def hs256_with_public_key(provider: OidcProvider, token: str) -> str:
    """The classic confusion: the public key, which anyone can fetch, used as an HMAC secret."""
    header = {"alg": "HS256", "typ": "at+jwt", "kid": provider.signing_key.kid}
    signing_input = f"{b64_json(header)}.{b64_json(claims_of(token))}"
    secret = provider.signing_key.as_pem(private=False)
    signature = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64(signature)}"


def unknown_key(provider: OidcProvider, token: str) -> str:
    return provider.sign(claims_of(token), key=new_signing_key())


def tampered_payload(provider: OidcProvider, token: str) -> str:
    header, _, signature = token.split(".")
    claims = {**claims_of(token), "roles": ["admin", "privacy_officer"]}
    return f"{header}.{b64_json(claims)}.{signature}"


def other_token_type(provider: OidcProvider, token: str) -> str:
    return provider.sign(claims_of(token), typ="logout+jwt")


def garbage(provider: OidcProvider, token: str) -> str:
    return "not-a-jwt"


@pytest.mark.parametrize(
    "forge",
    [
        expired,
        not_yet_valid,
        wrong_audience,
        wrong_issuer,
        alg_none,
        hs256_with_public_key,
        unknown_key,
        tampered_payload,
        other_token_type,
        garbage,
    ],
)
def test_unsound_tokens_are_refused(
    oidc_client: TestClient,
    oidc_provider: OidcProvider,
    forge: Callable[[OidcProvider, str], str],
) -> None:
    sound = oidc_provider.client_credentials()
    assert oidc_client.get(FLAGS, headers=bearer(sound)).status_code == 200
    assert_refused(oidc_client.get(FLAGS, headers=bearer(forge(oidc_provider, sound))))


def test_clock_skew_within_leeway_is_tolerated(
    oidc_client: TestClient, oidc_provider: OidcProvider
) -> None:
    now = int(time.time())
    claims = claims_of(oidc_provider.client_credentials())
    just_expired = oidc_provider.sign({**claims, "exp": now - 5})  # leeway is 30 s
    assert oidc_client.get(FLAGS, headers=bearer(just_expired)).status_code == 200


def test_missing_token_is_challenged(oidc_client: TestClient) -> None:
    answer = oidc_client.get(FLAGS)
    assert answer.status_code == 401 and answer.headers["content-type"] == PROBLEM
    assert answer.headers["WWW-Authenticate"].startswith("Bearer")


def test_valid_token_without_the_role_gets_403(
    oidc_client: TestClient, oidc_provider: OidcProvider
) -> None:
    privacy_officer = oidc_provider.pkce_login("fatima")["access_token"]
    answer = oidc_client.get(FLAGS, headers=bearer(privacy_officer))
    assert answer.status_code == 403 and answer.json()["code"] == "forbidden"
    assert answer.headers["content-type"] == PROBLEM


@pytest.mark.processes  # providers of its own
def test_token_from_a_rotated_out_key_is_refused(
    settings: Settings, runtime: Runtime, tmp_path: Path
) -> None:
    """The provider swaps its key at once: new tokens work at once, old ones stop."""
    old_key, new_key, connector_key = new_signing_key(), new_signing_key(), new_signing_key()
    port = free_port()
    with run_provider(
        tmp_path, port=port, signing_keys=[old_key], connector_key=connector_key, name="old"
    ) as provider:
        hub_settings = settings.model_copy(update={"oidc_issuer": provider.issuer})
        client = TestClient(create_app(hub_settings, runtime=runtime))
        old_token = provider.client_credentials()
        assert client.get(FLAGS, headers=bearer(old_token)).status_code == 200
    with run_provider(
        tmp_path, port=port, signing_keys=[new_key], connector_key=connector_key, name="new"
    ) as provider:
        new_token = provider.client_credentials()
        assert client.get(FLAGS, headers=bearer(new_token)).status_code == 200
        assert_refused(client.get(FLAGS, headers=bearer(old_token)))
        assert_refused(client.get(FLAGS, headers=bearer(old_token)))
        assert provider.jwks_fetches() == 1  # the new kid forced one refetch; the old kid none


@pytest.mark.processes  # providers of its own
def test_rolled_over_key_is_dropped_after_the_ttl(
    settings: Settings, runtime: Runtime, tmp_path: Path
) -> None:
    """A rollover publishes old and new keys for a while; once the old one is gone, the hub
    stops accepting it within one TTL."""
    old_key, new_key, connector_key = new_signing_key(), new_signing_key(), new_signing_key()
    port, ttl = free_port(), 1
    with run_provider(
        tmp_path, port=port, signing_keys=[old_key], connector_key=connector_key, name="before"
    ) as provider:
        update = {"oidc_issuer": provider.issuer, "oidc_jwks_ttl_seconds": ttl}
        client = TestClient(create_app(settings.model_copy(update=update), runtime=runtime))
        old_token = provider.client_credentials()
    with run_provider(
        tmp_path, port=port, signing_keys=[new_key, old_key], connector_key=connector_key
    ) as provider:
        new_token = provider.client_credentials()
        assert extract_compact(new_token.encode()).protected["kid"] == new_key.kid
        assert client.get(FLAGS, headers=bearer(new_token)).status_code == 200
        assert client.get(FLAGS, headers=bearer(old_token)).status_code == 200
    with run_provider(
        tmp_path, port=port, signing_keys=[new_key], connector_key=connector_key, name="after"
    ):
        time.sleep(ttl + 0.1)
        assert_refused(client.get(FLAGS, headers=bearer(old_token)))
        assert client.get(FLAGS, headers=bearer(new_token)).status_code == 200
