"""What connectors use of the hub (issue 20): batch registration, a duplicate naming the
team's own flag, due dates warned of through the inbox, and the FSC transaction id and
connector run in the audit leaf."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient

from api.auth.dev_idp import DevIdentityProvider
from hub.background import retention_job
from hub.clock import FixedClock
from hub.runtime import Runtime
from tests.helpers import audit_rows, opaque_pseudonym

BATCHES = "/api/v1/flag-batches"
FSC = "0191f0a8-4d2c-7b6e-9a51-3c8e2f1d0b7a"


def connector(idp: DevIdentityProvider) -> dict[str, str]:
    token = idp.issue_for("betrokken-connector-laa", client_id="betrokken-connector-laa")
    return {
        "Authorization": f"Bearer {token}",
        "traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        "Fsc-Transaction-Id": FSC,
        "Betrokken-Connector-Run": "laa-run-1",
    }


def flag(label: str, **extra: Any) -> dict[str, Any]:
    return {
        "subject": {"kind": "bag", "pseudonym": opaque_pseudonym(label)},
        "purpose": "adreskwaliteit",
        **extra,
    }


def test_a_batch_registers_each_item_or_says_why_not(
    client: TestClient, idp: DevIdentityProvider, runtime: Runtime
) -> None:
    headers = connector(idp)
    first = client.post(BATCHES, json={"flags": [flag("a"), flag("b")]}, headers=headers)
    assert first.status_code == 200, first.text
    created = [item["flag"]["id"] for item in first.json()["items"]]
    assert [item["status"] for item in first.json()["items"]] == [201, 201]

    again = client.post(
        BATCHES,
        json={"flags": [flag("b"), flag("c"), flag("c"), flag("d", purpose="rechtmatigheid")]},
        headers=headers,
    )
    items = again.json()["items"]
    assert [item["status"] for item in items] == [409, 201, 409, 403]
    # A duplicate names the team's own flag: a resumed import adopts it.
    assert items[0]["problem"]["flag_id"] == created[1]
    assert items[2]["problem"]["flag_id"] == items[1]["flag"]["id"]
    assert items[3]["problem"]["code"] == "policy_refusal"

    leaves = [json.loads(row.leaf) for row in audit_rows(runtime)]
    registered = [leaf for leaf in leaves if leaf["action"] == "flag.register"]
    assert len(registered) == 6  # three registered, three refused
    assert {leaf["fsc_transaction_id"] for leaf in registered} == {FSC}
    assert {leaf["connector_run"] for leaf in registered} == {"laa-run-1"}
    assert {leaf["trace_id"] for leaf in registered} == {"4bf92f3577b34da6a3ce929d0e0e4736"}
    assert {leaf["actor"]["client"] for leaf in registered} == {"betrokken-connector-laa"}
    # Without the headers the leaf has no such keys (older leaves stay as they were).
    assert all("connector_run" not in leaf for leaf in leaves if leaf["action"] != "flag.register")


def test_batches_are_bounded(client: TestClient, idp: DevIdentityProvider) -> None:
    headers = connector(idp)
    too_many = {"flags": [flag(str(n)) for n in range(101)]}
    assert client.post(BATCHES, json=too_many, headers=headers).status_code == 422
    assert client.post(BATCHES, json={"flags": []}, headers=headers).status_code == 422


def test_due_dates_are_warned_of_once_each_and_can_be_replaced(
    client: TestClient, idp: DevIdentityProvider, runtime: Runtime, clock: FixedClock
) -> None:
    headers = connector(idp)
    today = clock.now().date()
    deadlines = [
        {"code": "laa_terugmelding", "due_on": (today + timedelta(days=28)).isoformat()},
        {"code": "laa_afronding", "due_on": (today + timedelta(days=182)).isoformat()},
    ]
    answer = client.post(BATCHES, json={"flags": [flag("e", deadlines=deadlines)]}, headers=headers)
    flag_id = answer.json()["items"][0]["flag"]["id"]
    twice = [deadlines[0], deadlines[0]]
    assert (
        client.post(
            BATCHES, json={"flags": [flag("f", deadlines=twice)]}, headers=headers
        ).status_code
        == 422
    )

    assert retention_job(runtime).deadline_warnings == 0
    clock.advance(timedelta(days=22))  # 6 days before the first
    assert retention_job(runtime).deadline_warnings == 1
    assert retention_job(runtime).deadline_warnings == 0
    inbox = client.get("/api/v1/notifications", headers=headers).json()["items"]
    (warning,) = [item for item in inbox if item["kind"] == "flag.deadline"]
    assert warning["payload"]["deadline"] == "laa_terugmelding"
    assert warning["payload"]["flag"] == flag_id

    # Status reported: the 4-week deadline is met and goes; the 6-month one stays, warned later.
    kept = client.put(
        f"/api/v1/flags/{flag_id}/deadlines", json={"deadlines": deadlines[1:]}, headers=headers
    )
    assert kept.status_code == 200, kept.text
    assert [d["code"] for d in kept.json()["deadlines"]] == ["laa_afronding"]
    clock.advance(timedelta(days=155))
    assert retention_job(runtime).deadline_warnings == 1
    other = connector(idp) | {
        "Authorization": "Bearer "
        + idp.issue(member="anna", team="pw-handhaving", roles=["professional"])
    }
    assert (
        client.put(
            f"/api/v1/flags/{flag_id}/deadlines", json={"deadlines": []}, headers=other
        ).status_code
        == 404
    )
    # A withdrawn flag's due dates are warned of no more.
    assert client.delete(f"/api/v1/flags/{flag_id}", headers=headers).status_code == 200
    assert (
        client.put(
            f"/api/v1/flags/{flag_id}/deadlines", json={"deadlines": []}, headers=headers
        ).status_code
        == 409
    )


def test_the_officer_searches_by_client(client: TestClient, idp: DevIdentityProvider) -> None:
    client.post(BATCHES, json={"flags": [flag("g")]}, headers=connector(idp))
    officer = {"Authorization": "Bearer " + idp.issue_for("fatima")}
    found = client.get(
        "/api/v1/audit/entries", params={"client": "betrokken-connector-laa"}, headers=officer
    )
    assert found.status_code == 200, found.text
    actions = {entry["action"] for entry in found.json()["items"]}
    assert actions == {"flag.register"}
    none = client.get("/api/v1/audit/entries", params={"client": "nobody"}, headers=officer)
    assert none.json()["items"] == []
