"""The development provider's authorization code flow with PKCE, as the web app uses it."""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from joserfc import jwt
from joserfc.jwk import KeySet

from api.app import create_app
from api.auth.dev_idp import DEMO_USERS, DEV_ISSUER
from api.auth.dev_login import AuthorizationCodes, AuthorizationRequest, TokenRefused
from hub.runtime import Runtime
from hub.settings import Settings

CALLBACK = "http://testserver/app/callback.html"
METADATA = "/dev-idp/.well-known/openid-configuration"


def _verifier() -> str:
    return secrets.token_urlsafe(48)


def _challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _params(verifier: str, **changes: str) -> dict[str, str]:
    params = {
        "response_type": "code",
        "client_id": "betrokken-web",
        "redirect_uri": CALLBACK,
        "state": "state-123",
        "code_challenge": _challenge(verifier),
        "code_challenge_method": "S256",
        "scope": "openid betrokken",
        "nonce": "nonce-456",
    }
    return {**params, **changes}


def _log_in(client: TestClient, params: dict[str, str], member: str = "anna") -> Response:
    return client.post(
        "/dev-idp/authorize", data={**params, "member": member}, follow_redirects=False
    )


def _code(client: TestClient, verifier: str, member: str = "anna") -> str:
    answer = _log_in(client, _params(verifier), member)
    assert answer.status_code == 303, answer.text
    query = parse_qs(urlsplit(answer.headers["location"]).query)
    return query["code"][0]


def _exchange(client: TestClient, code: str, verifier: str, **changes: str) -> Response:
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": CALLBACK,
        "client_id": "betrokken-web",
        "code_verifier": verifier,
        **changes,
    }
    return client.post("/dev-idp/token", data=form)


def test_metadata_announces_the_code_flow_with_pkce(client: TestClient) -> None:
    metadata = client.get(METADATA).json()
    assert metadata["authorization_endpoint"] == "http://testserver/dev-idp/authorize"
    assert metadata["token_endpoint"] == "http://testserver/dev-idp/token"
    assert metadata["response_types_supported"] == ["code"]
    assert metadata["grant_types_supported"] == ["authorization_code", "client_credentials"]
    assert metadata["code_challenge_methods_supported"] == ["S256"]
    assert "none" in metadata["token_endpoint_auth_methods_supported"]
    assert metadata["authorization_response_iss_parameter_supported"] is True


def test_login_page_lists_the_demo_users_in_a_form_without_script(client: TestClient) -> None:
    verifier = _verifier()
    page = client.get("/dev-idp/authorize", params=_params(verifier))
    assert page.status_code == 200
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert "content-security-policy" in page.headers
    html = page.text
    assert '<html lang="nl">' in html and "<h1>" in html
    assert "Alleen voor ontwikkeling" in html
    assert "<script" not in html and "style=" not in html
    assert '<form method="post" action="/dev-idp/authorize">' in html
    for name, value in _params(verifier).items():
        assert f'<input type="hidden" name="{name}" value="{value}">' in html
    buttons = re.findall(r'<button type="submit" name="member" value="([^"]+)">', html)
    people = [member for member, user in DEMO_USERS.items() if "connector" not in user.roles]
    assert buttons == people and "lotte" in buttons
    assert "Lotte Bos, handhaver" in html and "pw-handhaving, vth-toezicht" in html
    css = re.search(r'<link rel="stylesheet" href="([^"]+)">', html)
    assert css is not None
    stylesheet = client.get(css.group(1))
    assert stylesheet.status_code == 200
    assert stylesheet.headers["content-type"].startswith("text/css")


def test_the_page_escapes_what_it_is_given(client: TestClient) -> None:
    page = client.get("/dev-idp/authorize", params=_params(_verifier(), state='"><b>x</b>'))
    assert page.status_code == 200
    assert '"><b>x</b>' not in page.text and "&quot;&gt;&lt;b&gt;" in page.text


def test_the_whole_flow_gives_tokens_the_hub_accepts(client: TestClient) -> None:
    verifier = _verifier()
    answer = _log_in(client, _params(verifier), "anna")
    assert answer.status_code == 303
    location = urlsplit(answer.headers["location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == CALLBACK
    query = parse_qs(location.query)
    assert query["state"] == ["state-123"] and query["iss"] == [DEV_ISSUER]
    assert "iss=urn%3Abetrokken%3Adev-idp" in location.query
    tokens = _exchange(client, query["code"][0], verifier)
    assert tokens.status_code == 200, tokens.text
    assert tokens.headers["cache-control"] == "no-store"
    body = tokens.json()
    assert set(body) == {"access_token", "token_type", "expires_in", "id_token", "scope"}
    assert body["token_type"] == "Bearer" and body["expires_in"] == 3600
    assert body["scope"] == "openid betrokken"
    keys = KeySet.import_key_set(client.get("/dev-idp/jwks.json").json())
    id_token = jwt.decode(body["id_token"], keys, ["RS256"]).claims
    assert id_token["iss"] == DEV_ISSUER and id_token["aud"] == "betrokken-web"
    assert id_token["sub"] == "anna" and id_token["name"] == "Anna de Vries, handhaver"
    assert id_token["nonce"] == "nonce-456"
    assert id_token["exp"] - id_token["iat"] == 3600
    access = jwt.decode(body["access_token"], keys, ["RS256"]).claims
    assert access["exp"] - access["iat"] == 3600 and access["teams"] == ["pw-handhaving"]
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 200, me.text
    assert me.json()["member"] == "anna"


def test_the_token_lifetime_is_a_setting(runtime: Runtime) -> None:
    settings = runtime.settings.model_copy(update={"dev_token_seconds": 600})
    with TestClient(create_app(settings, runtime=runtime)) as client:
        verifier = _verifier()
        tokens = _exchange(client, _code(client, verifier), verifier).json()
    assert tokens["expires_in"] == 600
    claims = jwt.decode(tokens["access_token"], _keys(client), ["RS256"]).claims
    assert claims["exp"] - claims["iat"] == 600


def _keys(client: TestClient) -> KeySet:
    return KeySet.import_key_set(client.get("/dev-idp/jwks.json").json())


def test_a_wrong_verifier_is_an_invalid_grant(client: TestClient) -> None:
    verifier = _verifier()
    code = _code(client, verifier)
    refused = _exchange(client, code, _verifier())
    assert refused.status_code == 400
    assert refused.json()["error"] == "invalid_grant"
    assert _exchange(client, code, verifier).json()["error"] == "invalid_grant"  # used up


def test_a_code_is_used_once(client: TestClient) -> None:
    verifier = _verifier()
    code = _code(client, verifier)
    assert _exchange(client, code, verifier).status_code == 200
    again = _exchange(client, code, verifier)
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"redirect_uri": "http://testserver/app/other.html"}, "invalid_grant"),
        ({"client_id": "someone-else"}, "invalid_grant"),
        ({"grant_type": "password"}, "unsupported_grant_type"),
        ({"code_verifier": ""}, "invalid_request"),
    ],
)
def test_the_token_endpoint_refuses_in_rfc6749_terms(
    client: TestClient, changes: dict[str, str], error: str
) -> None:
    verifier = _verifier()
    refused = _exchange(client, _code(client, verifier), verifier, **changes)
    assert refused.status_code == 400
    assert refused.headers["content-type"] == "application/json"
    assert refused.json()["error"] == error


def test_a_code_expires_after_a_minute() -> None:
    now = [1000.0]
    codes = AuthorizationCodes(clock=lambda: now[0])
    verifier = _verifier()
    request = AuthorizationRequest.checked(
        _params(verifier), settings=Settings(), base_url="http://testserver/"
    )
    fresh, stale = codes.issue("anna", request), codes.issue("anna", request)
    now[0] += 59
    redeemed = codes.redeem(
        fresh, client_id="betrokken-web", redirect_uri=CALLBACK, code_verifier=verifier
    )
    assert redeemed.member == "anna" and redeemed.nonce == "nonce-456"
    now[0] += 2
    with pytest.raises(TokenRefused, match="expired"):
        codes.redeem(
            stale, client_id="betrokken-web", redirect_uri=CALLBACK, code_verifier=verifier
        )


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"redirect_uri": "https://evil.example/app/callback.html"}, "redirect_uri"),
        ({"redirect_uri": "http://testserver/app/callback.html?x=1"}, "redirect_uri"),
        ({"code_challenge_method": "plain"}, "S256"),
        ({"code_challenge_method": ""}, "S256"),
        ({"code_challenge": "short"}, "code_challenge"),
        ({"response_type": "token"}, "response_type"),
        ({"client_id": "another-app"}, "client_id"),
    ],
)
def test_bad_requests_get_an_error_page_never_a_redirect(
    client: TestClient, changes: dict[str, str], reason: str
) -> None:
    params = _params(_verifier(), **changes)
    for answer in (
        client.get("/dev-idp/authorize", params=params, follow_redirects=False),
        _log_in(client, params),
    ):
        assert answer.status_code == 400
        assert "location" not in answer.headers
        assert answer.headers["content-type"] == "text/html; charset=utf-8"
        assert reason in answer.text


def test_an_unknown_member_or_a_connector_cannot_log_in(client: TestClient) -> None:
    params = _params(_verifier())
    for member in ("mallory", "betrokken-connector-laa", ""):
        answer = _log_in(client, params, member)
        assert answer.status_code == 400 and "location" not in answer.headers


def test_registered_redirect_uris_are_accepted(runtime: Runtime) -> None:
    other = "http://localhost:5173/callback.html"
    settings = runtime.settings.model_copy(update={"web_redirect_uris": (other,)})
    with TestClient(create_app(settings, runtime=runtime)) as client:
        answer = _log_in(client, _params(_verifier(), redirect_uri=other))
        csp = answer.headers["content-security-policy"]
    assert answer.status_code == 303 and answer.headers["location"].startswith(other + "?code=")
    assert "form-action 'self' http://localhost:5173;" in csp  # the form may redirect there


def test_a_member_of_two_teams_gets_both_in_the_token(client: TestClient) -> None:
    verifier = _verifier()
    tokens: dict[str, Any] = _exchange(client, _code(client, verifier, "lotte"), verifier).json()
    claims = jwt.decode(tokens["access_token"], _keys(client), ["RS256"]).claims
    assert claims["teams"] == ["pw-handhaving", "vth-toezicht"]


def test_json_bodies_are_still_required_elsewhere(client: TestClient) -> None:
    # The form bodies are allowed on the provider's two routes only.
    answer = client.post("/api/v1/contact-requests", data={"handle": "x"})
    assert answer.status_code == 415
