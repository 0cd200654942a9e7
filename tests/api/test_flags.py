"""Registering, listing and withdrawing flags through the API, on SQLite and PostgreSQL."""

from __future__ import annotations

from fastapi.testclient import TestClient

from api.auth.dev_idp import DevIdentityProvider
from hub.flag.models import Flag
from hub.runtime import Runtime
from tests.helpers import audit_rows, auth, count, opaque_pseudonym, register

SUBJECT = opaque_pseudonym("subject-1")


def test_register_list_and_withdraw(client: TestClient, idp: DevIdentityProvider) -> None:
    anna = auth(idp, "anna", "pw-handhaving")
    created = register(client, anna, SUBJECT, purpose="rechtmatigheid")
    assert created.status_code == 201, created.text
    body = created.json()
    flag = body["flag"]
    assert flag["team"] == "pw-handhaving"
    assert flag["domain"] == "pw"
    assert flag["status"] == "active"
    assert body["decision"]["rule_id"]
    assert body["decision"]["legal_basis"] == flag["legal_basis"]
    assert len(body["decision"]["policy_version"]) == 64
    assert SUBJECT not in created.text

    listed = client.get("/api/v1/flags", headers=anna).json()
    assert [item["id"] for item in listed["items"]] == [flag["id"]]

    withdrawn = client.delete(f"/api/v1/flags/{flag['id']}", headers=anna)
    assert withdrawn.status_code == 200
    assert withdrawn.json()["status"] == "withdrawn"

    again = client.delete(f"/api/v1/flags/{flag['id']}", headers=anna)
    assert again.status_code == 409
    assert again.json()["code"] == "conflict"


def test_duplicate_active_flag_is_a_conflict(client: TestClient, idp: DevIdentityProvider) -> None:
    anna = auth(idp, "anna", "pw-handhaving")
    assert register(client, anna, SUBJECT, purpose="rechtmatigheid").status_code == 201
    duplicate = register(client, anna, SUBJECT, purpose="rechtmatigheid")
    assert duplicate.status_code == 409
    assert duplicate.headers["content-type"] == "application/problem+json"


def test_other_team_cannot_withdraw_or_list(
    client: TestClient, idp: DevIdentityProvider, runtime: Runtime
) -> None:
    anna = auth(idp, "anna", "pw-handhaving")
    bram = auth(idp, "bram", "schuldhulp")
    flag_id = register(client, anna, SUBJECT, purpose="rechtmatigheid").json()["flag"]["id"]

    refused = client.delete(f"/api/v1/flags/{flag_id}", headers=bram)
    assert refused.status_code == 404
    assert client.get("/api/v1/flags", headers=bram).json()["items"] == []
    with runtime.sessions() as session:
        assert session.get(Flag, __import__("uuid").UUID(flag_id)).status == "active"


def test_expiry_beyond_policy_maximum_is_refused(
    client: TestClient, idp: DevIdentityProvider
) -> None:
    anna = auth(idp, "anna", "pw-handhaving")
    too_late = register(client, anna, SUBJECT, purpose="rechtmatigheid", expires_on="2030-01-01")
    assert too_late.status_code == 400
    assert too_late.json()["code"] == "invalid_input"
    fine = register(client, anna, SUBJECT, purpose="rechtmatigheid", expires_on="2027-05-01")
    assert fine.status_code == 201
    assert fine.json()["flag"]["expires_at"].startswith("2027-05-01")


def test_every_register_and_withdraw_is_audited(
    client: TestClient, idp: DevIdentityProvider, runtime: Runtime
) -> None:
    anna = auth(idp, "anna", "pw-handhaving")
    flag_id = register(client, anna, SUBJECT, purpose="rechtmatigheid").json()["flag"]["id"]
    register(client, anna, SUBJECT, purpose="rechtmatigheid")  # refused: duplicate
    client.delete(f"/api/v1/flags/{flag_id}", headers=anna)

    rows = audit_rows(runtime)
    assert [(r.action, r.outcome) for r in rows] == [
        ("flag.register", "allowed"),
        ("flag.register", "refused"),
        ("flag.withdraw", "allowed"),
    ]
    assert rows[0].object_id == flag_id
    assert rows[0].rule_id and rows[0].legal_basis and rows[0].policy_version
    assert rows[0].actor_sub == "anna" and rows[0].actor_team == "pw-handhaving"
    assert count(runtime, Flag) == 1
