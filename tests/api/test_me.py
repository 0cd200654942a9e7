"""``GET /api/v1/me``: the caller, their teams, and the policy as it applies to them."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.auth.dev_idp import DevIdentityProvider
from hub.actor import Actor, Role
from hub.decisions import policy_role
from hub.runtime import Runtime
from tests.helpers import auth

WHY_PW = "Coordinate a fraud investigation; never with jeugd."


def _me(client: TestClient, idp: DevIdentityProvider, member: str, team: str | None = None) -> Any:
    headers = {"Authorization": f"Bearer {idp.issue_for(member)}"}
    if team is not None:
        headers["Betrokken-Team"] = team
    answer = client.get("/api/v1/me", headers=headers)
    assert answer.status_code == 200, answer.text
    return answer.json()


def _purpose(me: Any, purpose: str) -> Any:
    return next(each for each in me["purposes"] if each["purpose"] == purpose)


def _sight(purpose: Any, subject_type: str) -> Any:
    return next(each for each in purpose["sees"] if each["subject_type"] == subject_type)


def test_anna_sees_her_team_and_what_pw_may_do(
    client: TestClient, idp: DevIdentityProvider, runtime: Runtime
) -> None:
    me = _me(client, idp, "anna")
    assert {key: me[key] for key in ("member", "name", "organisation", "roles")} == {
        "member": "anna",
        "name": "Anna de Vries, handhaver",
        "organisation": "gemeente-voorbeeld",
        "roles": ["professional"],
    }
    assert me["teams"] == [
        {
            "team": "pw-handhaving",
            "team_name": "Handhaving Participatiewet",
            "domain": "pw",
            "domain_name": "Participatiewet",
        }
    ]
    assert me["acting_team"] == "pw-handhaving"
    assert me["policy_version"] == runtime.policy.current().version
    assert [each["purpose"] for each in me["purposes"]] == ["rechtmatigheid"]
    rechtmatigheid = _purpose(me, "rechtmatigheid")
    assert rechtmatigheid["name"] == "Rechtmatigheid Participatiewet"
    assert rechtmatigheid["description"]
    assert rechtmatigheid["check"] == ["person", "address"]
    assert rechtmatigheid["register"] == ["person", "address"]
    assert [sight["subject_type"] for sight in rechtmatigheid["sees"]] == ["person", "address"]
    person = _sight(rechtmatigheid, "person")
    shown = {each["domain"]: each for each in person["shown"]}
    assert set(shown) == {"pw", "schuldhulp", "wmo_pgb", "vergunningen", "vth", "laa"}
    assert shown["pw"] == {
        "domain": "pw",
        "domain_name": "Participatiewet",
        "rule_id": "pw-sees",
        "legal_basis": "pw_art_64",
        "citation": "Participatiewet art. 64",
        "why": WHY_PW,
    }
    assert {"domain": "jeugd", "domain_name": "Jeugd"} in person["not_shown"]
    assert "jeugd" not in shown
    # An address: only domains that hold flags on addresses are named at all.
    address = _sight(rechtmatigheid, "address")
    assert "jeugd" not in {each["domain"] for each in address["shown"] + address["not_shown"]}


def test_the_answer_follows_the_policy_engine(
    client: TestClient, idp: DevIdentityProvider, runtime: Runtime
) -> None:
    """Every shown and hidden domain is what ``visible_domains`` decides for the role the
    hub asks the policy about in a check."""
    me = _me(client, idp, "carla")
    policy = runtime.policy.current()
    role = policy_role(
        Actor(sub="carla", name="", organisation="", team=None, roles=frozenset({Role.TEAM_LEAD}))
    )
    assert role == "team_lead"
    for purpose in me["purposes"]:
        for sight in purpose["sees"]:
            decided = policy.visible_domains(
                "pw", role, purpose["purpose"], sight["subject_type"], runtime.clock.now().date()
            )
            assert {each["domain"] for each in sight["shown"]} == {
                domain for domain, decision in decided.items() if decision.allowed
            }


def test_a_member_of_two_teams_without_a_team_named_has_no_purposes(
    client: TestClient, idp: DevIdentityProvider
) -> None:
    me = _me(client, idp, "lotte")
    assert [team["team"] for team in me["teams"]] == ["pw-handhaving", "vth-toezicht"]
    assert me["teams"][1]["team_name"] == "Toezicht en handhaving"
    assert me["acting_team"] is None
    assert me["purposes"] == []


@pytest.mark.parametrize(
    ("team", "purpose", "check"),
    [
        ("pw-handhaving", "rechtmatigheid", ["person", "address"]),
        ("vth-toezicht", "toezicht_handhaving", ["person", "address", "business"]),
    ],
)
def test_a_member_of_two_teams_gets_the_named_teams_purposes(
    client: TestClient, idp: DevIdentityProvider, team: str, purpose: str, check: list[str]
) -> None:
    me = _me(client, idp, "lotte", team)
    assert me["acting_team"] == team
    assert [each["purpose"] for each in me["purposes"]] == [purpose]
    assert _purpose(me, purpose)["check"] == check


def test_a_team_not_in_the_token_is_refused(client: TestClient, idp: DevIdentityProvider) -> None:
    headers = {"Authorization": f"Bearer {idp.issue_for('lotte')}", "Betrokken-Team": "schuldhulp"}
    refused = client.get("/api/v1/me", headers=headers)
    assert refused.status_code == 403
    assert refused.headers["content-type"] == "application/problem+json"


def test_callers_without_a_team_and_unknown_teams(
    client: TestClient, idp: DevIdentityProvider
) -> None:
    fatima = _me(client, idp, "fatima")
    assert fatima["roles"] == ["privacy_officer"]
    assert fatima["teams"] == [] and fatima["acting_team"] is None and fatima["purposes"] == []
    stranger = client.get("/api/v1/me", headers=auth(idp, "zoe", "nergens")).json()
    assert stranger["teams"] == [] and stranger["acting_team"] is None
    assert stranger["purposes"] == []


def test_me_needs_a_token(client: TestClient) -> None:
    answer = client.get("/api/v1/me")
    assert answer.status_code == 401
    assert answer.json()["code"] == "unauthenticated"


def test_me_is_documented(client: TestClient) -> None:
    spec = client.get("/api/v1/openapi.json").json()
    operation = spec["paths"]["/api/v1/me"]["get"]
    assert {"200", "401", "403", "422", "503"} <= set(operation["responses"])
    schema = spec["components"]["schemas"]["PurposeOut"]
    assert {"purpose", "name", "description", "check", "register", "sees"} == set(
        schema["properties"]
    )
