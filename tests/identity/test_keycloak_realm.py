"""The example Keycloak realm gives the claims and clients the hub expects."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from hub.actor import Role
from hub.demo import TEAMS
from hub.settings import Settings

REALM = Path(__file__).parents[2] / "deploy" / "keycloak" / "realm-betrokken.json"


@pytest.fixture(scope="module")
def realm() -> dict[str, Any]:
    return dict(json.loads(REALM.read_text()))


def client(realm: dict[str, Any], client_id: str) -> dict[str, Any]:
    return next(c for c in realm["clients"] if c["clientId"] == client_id)


def test_roles_and_teams_are_the_hubs(realm: dict[str, Any]) -> None:
    assert {role["name"] for role in realm["roles"]["realm"]} == {role.value for role in Role}
    (teams,) = [group for group in realm["groups"] if group["name"] == "teams"]
    assert {group["name"] for group in teams["subGroups"]} == {team.slug for team in TEAMS}


def test_the_betrokken_scope_maps_the_configured_claims(realm: dict[str, Any]) -> None:
    defaults = Settings()
    (scope,) = [s for s in realm["clientScopes"] if s["name"] == "betrokken"]
    mappers = {m["protocolMapper"]: m["config"] for m in scope["protocolMappers"]}
    assert mappers["oidc-audience-mapper"]["included.custom.audience"] == defaults.oidc_audience
    claims = {
        mappers["oidc-hardcoded-claim-mapper"]["claim.name"]: defaults.claim_organisation,
        mappers["oidc-group-membership-mapper"]["claim.name"]: defaults.claim_teams,
        mappers["oidc-usermodel-realm-role-mapper"]["claim.name"]: defaults.claim_roles,
    }
    assert all(claim == setting for claim, setting in claims.items())
    assert mappers["oidc-group-membership-mapper"]["full.path"] == "false"
    assert all(config["access.token.claim"] == "true" for config in mappers.values())
    for entry in realm["clients"]:
        assert "betrokken" in entry["defaultClientScopes"]


@pytest.mark.parametrize("client_id", ["betrokken-web", "betrokken-mobile"])
def test_people_sign_in_with_pkce(realm: dict[str, Any], client_id: str) -> None:
    app = client(realm, client_id)
    assert app["publicClient"] and app["standardFlowEnabled"]
    assert not app["implicitFlowEnabled"] and not app["directAccessGrantsEnabled"]
    assert app["attributes"]["pkce.code.challenge.method"] == "S256"


def test_the_connector_uses_client_credentials_with_a_key(realm: dict[str, Any]) -> None:
    connector = client(realm, "betrokken-connector-laa")
    assert not connector["publicClient"] and connector["serviceAccountsEnabled"]
    assert not connector["standardFlowEnabled"]
    assert connector["clientAuthenticatorType"] == "client-jwt"  # private_key_jwt
    (account,) = [
        u for u in realm["users"] if u.get("serviceAccountClientId") == connector["clientId"]
    ]
    assert account["realmRoles"] == ["connector"]
    assert account["groups"] == ["/teams/adreskwaliteit"]
