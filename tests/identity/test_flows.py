"""The clients' real flows: PKCE for the mobile app and the web page, client credentials for
a connector, each ending in a call to the hub with the token the provider issued."""

from __future__ import annotations

import secrets

import pytest
from fastapi.testclient import TestClient

from hub.runtime import Runtime
from tests.helpers import audit_rows, check, opaque_pseudonym, register
from tests.identity.provider import (
    MOBILE_CLIENT,
    MOBILE_REDIRECT,
    WEB_CLIENT,
    WEB_REDIRECT,
    OidcProvider,
)

SUBJECT = opaque_pseudonym("identity-flow-household")


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_mobile_app_checks_involvement_with_a_pkce_token(
    oidc_client: TestClient, oidc_provider: OidcProvider, runtime: Runtime
) -> None:
    """A handhaver on a house visit signs in on the phone and asks who else is involved."""
    tokens = oidc_provider.pkce_login("anna", client_id=MOBILE_CLIENT)
    assert tokens["token_type"] == "Bearer" and tokens["scope"] == "betrokken"
    headers = bearer(tokens["access_token"])

    answer = check(oidc_client, headers, SUBJECT, purpose="rechtmatigheid")
    assert answer.status_code == 200, answer.text
    entry = audit_rows(runtime)[-1]
    assert (entry.actor_sub, entry.actor_team, entry.client_id) == (
        "anna",
        "pw-handhaving",
        MOBILE_CLIENT,
    )


def test_web_page_registers_a_flag_with_a_pkce_token(
    oidc_client: TestClient, oidc_provider: OidcProvider
) -> None:
    tokens = oidc_provider.pkce_login("carla", client_id=WEB_CLIENT)
    headers = bearer(tokens["access_token"])
    answer = register(oidc_client, headers, SUBJECT, purpose="rechtmatigheid")
    assert answer.status_code == 201, answer.text
    listed = oidc_client.get("/api/v1/flags", headers=headers).json()["items"]
    assert [flag["id"] for flag in listed] == [answer.json()["flag"]["id"]]


def test_connector_registers_address_signals_with_client_credentials(
    oidc_client: TestClient, oidc_provider: OidcProvider, runtime: Runtime
) -> None:
    token = oidc_provider.client_credentials()  # private_key_jwt client authentication
    answer = register(oidc_client, bearer(token), SUBJECT, purpose="adreskwaliteit", kind="bag")
    assert answer.status_code == 201, answer.text
    assert answer.json()["flag"]["team"] == "adreskwaliteit"
    assert audit_rows(runtime)[-1].client_id == "betrokken-connector-laa"


def test_an_id_token_is_not_an_access_token(
    oidc_client: TestClient, oidc_provider: OidcProvider
) -> None:
    tokens = oidc_provider.pkce_login("anna")
    answer = oidc_client.get("/api/v1/flags", headers=bearer(tokens["id_token"]))
    assert answer.status_code == 401 and answer.json()["code"] == "invalid_token"


@pytest.mark.parametrize("verifier", [None, "wrong-verifier-" + "x" * 43])
def test_the_provider_insists_on_the_right_code_verifier(
    oidc_provider: OidcProvider, verifier: str | None
) -> None:
    """PKCE holds: a stolen code is useless without the verifier that only the app knows."""
    callback = oidc_provider.authorize(
        client_id=MOBILE_CLIENT,
        redirect_uri=MOBILE_REDIRECT,
        login="anna",
        code_verifier=secrets.token_urlsafe(64),
    )
    answer = oidc_provider.exchange_code(
        client_id=MOBILE_CLIENT,
        redirect_uri=MOBILE_REDIRECT,
        code=callback["code"],
        code_verifier=verifier,
    )
    assert answer.status_code == 400 and answer.json()["error"] == "invalid_grant"


def test_the_web_client_cannot_redeem_the_mobile_apps_code(oidc_provider: OidcProvider) -> None:
    verifier = secrets.token_urlsafe(64)
    callback = oidc_provider.authorize(
        client_id=MOBILE_CLIENT, redirect_uri=MOBILE_REDIRECT, login="anna", code_verifier=verifier
    )
    answer = oidc_provider.exchange_code(
        client_id=WEB_CLIENT,
        redirect_uri=WEB_REDIRECT,
        code=callback["code"],
        code_verifier=verifier,
    )
    assert answer.status_code == 400 and answer.json()["error"] == "invalid_grant"
