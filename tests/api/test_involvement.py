"""The involvement check answers which other teams are involved, and nothing more."""

from __future__ import annotations

from fastapi.testclient import TestClient

from api.auth.dev_idp import DevIdentityProvider
from hub.runtime import Runtime
from tests.helpers import add_neighbour, audit_rows, auth, check, opaque_pseudonym, register

SUBJECT = opaque_pseudonym("household-7")
OTHER = opaque_pseudonym("household-8")


def test_check_shows_other_teams_only(client: TestClient, idp: DevIdentityProvider) -> None:
    pw = auth(idp, "anna", "pw-handhaving")
    sh = auth(idp, "bram", "schuldhulp")
    vg = auth(idp, "carla", "vergunningen")
    assert register(client, sh, SUBJECT, purpose="schuldhulpverlening").status_code == 201
    assert register(client, vg, SUBJECT, purpose="vergunningverlening").status_code == 201
    assert register(client, pw, SUBJECT, purpose="rechtmatigheid").status_code == 201

    answer = check(client, pw, SUBJECT, purpose="rechtmatigheid")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["own_team_involved"] is True
    assert sorted(t["team"] for t in body["involved"]) == ["schuldhulp", "vergunningen"]
    assert set(body["involved"][0]) == {
        "domain",
        "team",
        "team_name",
        "since",
        "handle",
        "organisation",  # a convenant partner's; None for the own organisation's teams
    }
    assert {t["organisation"] for t in body["involved"]} == {None}
    assert body["decision"]["rule_id"] and body["decision"]["legal_basis"]
    assert SUBJECT not in answer.text

    nobody = check(client, pw, OTHER, purpose="rechtmatigheid").json()
    assert nobody["involved"] == [] and nobody["own_team_involved"] is False


def test_fraud_check_does_not_see_jeugd(client: TestClient, idp: DevIdentityProvider) -> None:
    jeugd = auth(idp, "dirk", "jeugd-wijkteam")
    pw = auth(idp, "anna", "pw-handhaving")
    assert register(client, jeugd, SUBJECT, purpose="hulpverlening").status_code == 201
    answer = check(client, pw, SUBJECT, purpose="rechtmatigheid").json()
    assert answer["involved"] == []


def test_withdrawn_flag_leaves_checks_at_once(client: TestClient, idp: DevIdentityProvider) -> None:
    sh = auth(idp, "bram", "schuldhulp")
    pw = auth(idp, "anna", "pw-handhaving")
    flag_id = register(client, sh, SUBJECT, purpose="schuldhulpverlening").json()["flag"]["id"]
    assert len(check(client, pw, SUBJECT, purpose="rechtmatigheid").json()["involved"]) == 1
    client.delete(f"/api/v1/flags/{flag_id}", headers=sh)
    assert check(client, pw, SUBJECT, purpose="rechtmatigheid").json()["involved"] == []


def test_handles_differ_per_member(client: TestClient, idp: DevIdentityProvider) -> None:
    sh = auth(idp, "bram", "schuldhulp")
    register(client, sh, SUBJECT, purpose="schuldhulpverlening")
    first = check(client, auth(idp, "anna", "pw-handhaving"), SUBJECT, purpose="rechtmatigheid")
    second = check(client, auth(idp, "eva", "pw-handhaving"), SUBJECT, purpose="rechtmatigheid")
    assert first.json()["involved"][0]["handle"] != second.json()["involved"][0]["handle"]


def test_checks_are_audited_allowed_and_refused(
    client: TestClient, idp: DevIdentityProvider, runtime: Runtime
) -> None:
    pw = auth(idp, "anna", "pw-handhaving")
    assert check(client, pw, SUBJECT, purpose="rechtmatigheid").status_code == 200
    refused = check(client, pw, SUBJECT, purpose="adreskwaliteit")
    assert refused.status_code == 403
    problem = refused.json()
    assert problem["code"] == "policy_refusal" and problem["detail"]
    assert "policy_version" in problem

    rows = audit_rows(runtime)
    assert [(r.action, r.outcome) for r in rows] == [
        ("involvement.check", "allowed"),
        ("involvement.check", "refused"),
    ]
    assert rows[0].case_ref == "ZAAK-2026-001" and rows[0].purpose == "rechtmatigheid"
    assert rows[1].reason and rows[1].policy_version


def test_case_reference_may_not_hold_an_identifier(
    client: TestClient, idp: DevIdentityProvider
) -> None:
    pw = auth(idp, "anna", "pw-handhaving")
    answer = check(client, pw, SUBJECT, purpose="rechtmatigheid", case_ref="BSN-999990019")
    assert answer.status_code == 422
    assert "999990019" not in answer.text


def test_other_organisations_flags_stay_apart(
    client: TestClient, idp: DevIdentityProvider, runtime: Runtime
) -> None:
    neighbour_headers = add_neighbour(runtime, idp, domain="schuldhulp")
    assert (
        register(client, neighbour_headers, SUBJECT, purpose="schuldhulpverlening").status_code
        == 201
    )
    pw = auth(idp, "anna", "pw-handhaving")
    assert check(client, pw, SUBJECT, purpose="rechtmatigheid").json()["involved"] == []
    register(client, pw, SUBJECT, purpose="rechtmatigheid")
    assert client.get("/api/v1/matches", headers=pw).json()["items"] == []
    assert client.get("/api/v1/notifications", headers=neighbour_headers).json()["items"] == []
