"""A member of several teams chooses the acting team with ``Betrokken-Team``, within the token."""

from __future__ import annotations

from fastapi.testclient import TestClient

from api.auth.dev_idp import DevIdentityProvider
from tests.helpers import opaque_pseudonym, register

FLAGS = "/api/v1/flags"


def two_team_member(idp: DevIdentityProvider, team: str | None = None) -> dict[str, str]:
    token = idp.issue(member="eva", roles=["professional"], teams=["pw-handhaving", "schuldhulp"])
    headers = {"Authorization": f"Bearer {token}"}
    return headers | {"Betrokken-Team": team} if team else headers


def test_the_header_chooses_among_the_tokens_teams(
    client: TestClient, idp: DevIdentityProvider
) -> None:
    subject = opaque_pseudonym("acting-team")
    as_pw, as_sh = two_team_member(idp, "pw-handhaving"), two_team_member(idp, "schuldhulp")
    registered = register(client, as_sh, subject, purpose="schuldhulpverlening")
    assert registered.status_code == 201 and registered.json()["flag"]["team"] == "schuldhulp"
    assert client.get(FLAGS, headers=as_pw).json()["items"] == []
    assert len(client.get(FLAGS, headers=as_sh).json()["items"]) == 1


def test_several_teams_and_no_choice_acts_for_none(
    client: TestClient, idp: DevIdentityProvider
) -> None:
    answer = client.get(FLAGS, headers=two_team_member(idp))
    assert answer.status_code == 403 and answer.json()["code"] == "forbidden"


def test_a_team_outside_the_token_is_refused(client: TestClient, idp: DevIdentityProvider) -> None:
    answer = client.get(FLAGS, headers=two_team_member(idp, "vergunningen"))
    assert answer.status_code == 403
    assert "Betrokken-Team" in answer.json()["detail"]
    single = {"Authorization": f"Bearer {idp.issue_for('anna')}", "Betrokken-Team": "schuldhulp"}
    assert client.get(FLAGS, headers=single).status_code == 403


def test_the_header_is_documented(client: TestClient) -> None:
    operation = client.get("/api/v1/openapi.json").json()["paths"][FLAGS]["get"]
    assert "Betrokken-Team" in {parameter["name"] for parameter in operation["parameters"]}
