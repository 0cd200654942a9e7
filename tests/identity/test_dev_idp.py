"""The built-in development provider: published keys, demo users, the CLI, off in production."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from joserfc import jwt
from joserfc.jwk import KeySet

from api.app import create_app
from api.auth.dev_idp import DEMO_USERS, DEV_ISSUER, DevIdentityProvider
from api.cli import main
from hub.demo import TEAMS as DEMO_TEAMS
from hub.errors import ConfigurationError
from hub.runtime import Runtime
from hub.settings import Environment, Settings
from tests.identity.provider import OidcProvider

METADATA = "/dev-idp/.well-known/openid-configuration"


def test_published_jwks_verifies_dev_tokens(client: TestClient, idp: DevIdentityProvider) -> None:
    metadata = client.get(METADATA).json()
    assert metadata["issuer"] == DEV_ISSUER
    assert metadata["jwks_uri"] == "http://testserver/dev-idp/jwks.json"
    published = client.get("/dev-idp/jwks.json").json()
    assert all("d" not in key for key in published["keys"])  # public parts only
    token = jwt.decode(idp.issue_for("anna"), KeySet.import_key_set(published), ["RS256"])
    assert token.claims["iss"] == DEV_ISSUER and token.claims["teams"] == ["pw-handhaving"]


DEMO_MEMBERSHIPS = [
    (member, team) for member, user in sorted(DEMO_USERS.items()) for team in user.teams or [None]
]


@pytest.mark.parametrize(("member", "team"), DEMO_MEMBERSHIPS)
def test_demo_users_reach_the_hub(
    client: TestClient, idp: DevIdentityProvider, member: str, team: str | None
) -> None:
    headers = {"Authorization": f"Bearer {idp.issue_for(member)}"}
    if len(DEMO_USERS[member].teams) > 1:
        headers["Betrokken-Team"] = str(team)
    answer = client.get("/api/v1/flags", headers=headers)
    may_list = {"professional", "team_lead", "connector"} & set(DEMO_USERS[member].roles)
    assert answer.status_code == (200 if may_list else 403), answer.text


def test_a_demo_user_of_two_teams_acts_for_the_one_named(
    client: TestClient, idp: DevIdentityProvider
) -> None:
    assert DEMO_USERS["lotte"].teams == ("pw-handhaving", "vth-toezicht")
    token = {"Authorization": f"Bearer {idp.issue_for('lotte')}"}
    unnamed = client.get("/api/v1/flags", headers=token)
    assert unnamed.status_code == 403  # no team is guessed
    for team in DEMO_USERS["lotte"].teams:
        named = client.get("/api/v1/flags", headers={**token, "Betrokken-Team": team})
        assert named.status_code == 200, named.text
    other = client.get("/api/v1/flags", headers={**token, "Betrokken-Team": "schuldhulp"})
    assert other.status_code == 403


def test_dev_token_command_prints_a_token_the_hub_accepts(
    client: TestClient, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BETROKKEN_DATA_DIR", str(settings.data_dir))
    runner = CliRunner()
    for args in (
        ["--member", "carla"],
        ["--member", "zoe", "--team", "schuldhulp", "--role", "professional"],
    ):
        result = runner.invoke(main, ["dev-token", *args])
        assert result.exit_code == 0, result.output
        headers = {"Authorization": f"Bearer {result.output.strip()}"}
        assert client.get("/api/v1/flags", headers=headers).status_code == 200
    unknown = runner.invoke(main, ["dev-token", "--member", "zoe"])
    assert unknown.exit_code != 0 and "--role" in unknown.output


def test_dev_token_without_the_hubs_key_fails_clearly_and_creates_none(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # no BETROKKEN_DATA_DIR: the default, ./.betrokken
    monkeypatch.delenv("BETROKKEN_DATA_DIR", raising=False)
    result = CliRunner().invoke(main, ["dev-token", "--member", "anna"])
    assert result.exit_code == 2
    assert "no development signing key" in result.output
    assert "BETROKKEN_DATA_DIR" in result.output
    assert not (tmp_path / ".betrokken").exists()


def test_the_readme_names_a_demo_user_for_every_demo_team() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    table = readme.split("## Demo users, teams and purposes", 1)[1].split("\n## ", 1)[0]
    rows = [line.split("|")[1:-1] for line in table.splitlines() if line.startswith("| ")]
    named = {
        user: team.strip(" `")
        for _, team, users, _ in rows[1:]
        for user in re.findall(r"`([a-z-]+)` \(", users)
    }
    assert {team.slug for team in DEMO_TEAMS} == set(named.values())
    for user, team in named.items():
        assert team in DEMO_USERS[user].teams, user


def test_dev_provider_is_refused_in_production(
    settings: Settings, runtime: Runtime, oidc_provider: OidcProvider
) -> None:
    production = settings.model_copy(
        update={"env": Environment.PRODUCTION, "oidc_issuer": oidc_provider.issuer}
    )
    with pytest.raises(ConfigurationError, match="production"):
        DevIdentityProvider.for_settings(production)
    client = TestClient(create_app(production, runtime=runtime))
    assert client.get(METADATA).status_code == 404
    assert client.get("/dev-idp/jwks.json").status_code == 404
    dev_token = DevIdentityProvider.for_settings(settings).issue_for("anna")
    refused = client.get("/api/v1/flags", headers={"Authorization": f"Bearer {dev_token}"})
    assert refused.status_code == 401


def test_dev_routes_are_absent_when_a_real_issuer_is_set(oidc_client: TestClient) -> None:
    assert oidc_client.get("/dev-idp/jwks.json").status_code == 404
