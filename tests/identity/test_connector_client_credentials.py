"""The connectors' token source against a real OpenID provider: client credentials with
``private_key_jwt`` (RFC 7523), as the NL GOV profile asks between organisations, and the
hub accepts the token."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
from fastapi.testclient import TestClient

from connectors.framework.config import ConnectorSettings
from connectors.framework.exchange import TokenSource
from tests.identity.provider import CONNECTOR, RESOURCE, OidcProvider


def test_the_connector_gets_its_token_with_private_key_jwt(
    oidc_client: TestClient, oidc_provider: OidcProvider, tmp_path: Path
) -> None:
    key_file = tmp_path / "connector-key.json"
    key_file.write_text(json.dumps(oidc_provider.connector_key.as_dict(private=True)))
    settings = ConnectorSettings(
        connector_token_url=f"{oidc_provider.issuer}/token",
        connector_client_id=CONNECTOR,
        connector_private_key_file=key_file,
        connector_scope="betrokken",
        connector_resource=RESOURCE,
    )
    with httpx.Client(timeout=10) as http:
        token = TokenSource(settings, http).token()
    me = oidc_client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200, me.text
    assert me.json()["roles"] == ["connector"]
