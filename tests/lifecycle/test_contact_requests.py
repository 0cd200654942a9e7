"""The contact request lifecycle and the transitions nobody may make."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient

from api.auth.dev_idp import DevIdentityProvider
from hub.clock import FixedClock
from hub.runtime import Runtime
from tests.helpers import audit_rows, auth, check, opaque_pseudonym, register

SUBJECT = opaque_pseudonym("client-9")


def handle_for(client: TestClient, headers: dict[str, str]) -> str:
    answer = check(client, headers, SUBJECT, purpose="rechtmatigheid").json()
    [team] = answer["involved"]
    return str(team["handle"])


def ask(client: TestClient, headers: dict[str, str], handle: str) -> dict:  # type: ignore[type-arg]
    answer = client.post(
        "/api/v1/contact-requests",
        json={"handle": handle, "purpose": "rechtmatigheid"},
        headers=headers,
    )
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


def setup_flag(client: TestClient, idp: DevIdentityProvider) -> dict[str, dict[str, str]]:
    people = {
        "owner": auth(idp, "bram", "schuldhulp"),
        "colleague": auth(idp, "bert", "schuldhulp"),
        "lead": auth(idp, "lia", "schuldhulp", "team_lead"),
        "requester": auth(idp, "anna", "pw-handhaving"),
        "requester_colleague": auth(idp, "arie", "pw-handhaving"),
        "third": auth(idp, "carla", "vergunningen"),
    }
    assert (
        register(client, people["owner"], SUBJECT, purpose="schuldhulpverlening").status_code == 201
    )
    return people


def test_accept_releases_both_contacts(
    client: TestClient, idp: DevIdentityProvider, runtime: Runtime
) -> None:
    people = setup_flag(client, idp)
    request = ask(client, people["requester"], handle_for(client, people["requester"]))
    assert request["status"] == "pending" and request["contact"] is None
    assert request["decision"]["rule_id"] and request["decision"]["legal_basis"]

    incoming = client.get("/api/v1/contact-requests?direction=incoming", headers=people["owner"])
    assert [r["id"] for r in incoming.json()["items"]] == [request["id"]]
    assert incoming.json()["items"][0]["contact"] is None  # nothing before acceptance

    accepted = client.post(
        f"/api/v1/contact-requests/{request['id']}/acceptance", headers=people["owner"]
    )
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["contact"]["name"] == "anna"
    mine = client.get(
        f"/api/v1/contact-requests/{request['id']}", headers=people["requester"]
    ).json()
    assert mine["status"] == "accepted"
    assert mine["contact"] == {
        "team": "schuldhulp",
        "team_name": "Schuldhulpverlening",
        "name": "bram",
        "email": "schuldhulp@example.org",
        "phone": "+31 20 555 0102",
    }
    kinds = [
        n["kind"]
        for n in client.get("/api/v1/notifications", headers=people["requester"]).json()["items"]
    ]
    assert "contact_request.accepted" in kinds
    actions = [row.action for row in audit_rows(runtime)]
    assert "contact_request.create" in actions and "contact_request.accept" in actions


def test_decline_needs_a_reason_code(client: TestClient, idp: DevIdentityProvider) -> None:
    people = setup_flag(client, idp)
    request = ask(client, people["requester"], handle_for(client, people["requester"]))
    url = f"/api/v1/contact-requests/{request['id']}/decline"
    assert (
        client.post(url, json={"reason": "because I say so"}, headers=people["lead"]).status_code
        == 422
    )
    declined = client.post(url, json={"reason": "already_in_contact"}, headers=people["lead"])
    assert declined.status_code == 200
    assert declined.json()["status"] == "declined" and declined.json()["contact"] is None
    again = client.post(
        f"/api/v1/contact-requests/{request['id']}/acceptance", headers=people["owner"]
    )
    assert again.status_code == 409


def test_forbidden_transitions(client: TestClient, idp: DevIdentityProvider) -> None:
    people = setup_flag(client, idp)
    request = ask(client, people["requester"], handle_for(client, people["requester"]))
    accept = f"/api/v1/contact-requests/{request['id']}/acceptance"
    # The requester cannot accept its own request, nor can its colleague.
    assert client.post(accept, headers=people["requester"]).status_code == 403
    assert client.post(accept, headers=people["requester_colleague"]).status_code == 403
    # A third team cannot even see it.
    assert client.post(accept, headers=people["third"]).status_code == 404
    assert (
        client.get(f"/api/v1/contact-requests/{request['id']}", headers=people["third"]).status_code
        == 404
    )
    # A colleague in the owner team who is neither owner nor lead cannot decide.
    assert client.post(accept, headers=people["colleague"]).status_code == 403
    # Only the requester side withdraws.
    withdraw = f"/api/v1/contact-requests/{request['id']}/withdrawal"
    assert client.post(withdraw, headers=people["owner"]).status_code == 403
    # A handle is only good for the member who received it.
    stolen = client.post(
        "/api/v1/contact-requests",
        json={"handle": handle_for(client, people["requester"]), "purpose": "rechtmatigheid"},
        headers=people["requester_colleague"],
    )
    assert stolen.status_code == 404
    # The owner team cannot ask contact with itself.
    own = check(client, people["owner"], SUBJECT, purpose="schuldhulpverlening").json()
    assert own["own_team_involved"] is True and own["involved"] == []


def test_withdrawal(client: TestClient, idp: DevIdentityProvider) -> None:
    people = setup_flag(client, idp)
    request = ask(client, people["requester"], handle_for(client, people["requester"]))
    withdrawn = client.post(
        f"/api/v1/contact-requests/{request['id']}/withdrawal", headers=people["requester"]
    )
    assert withdrawn.status_code == 200 and withdrawn.json()["status"] == "withdrawn"
    late = client.post(
        f"/api/v1/contact-requests/{request['id']}/acceptance", headers=people["owner"]
    )
    assert late.status_code == 409
    kinds = [
        n["kind"]
        for n in client.get("/api/v1/notifications", headers=people["owner"]).json()["items"]
    ]
    assert "contact_request.withdraw" in kinds


def test_expiry(client: TestClient, idp: DevIdentityProvider, clock: FixedClock) -> None:
    people = setup_flag(client, idp)
    request = ask(client, people["requester"], handle_for(client, people["requester"]))
    clock.advance(timedelta(days=15))  # the policy gives 14 days
    late = client.post(
        f"/api/v1/contact-requests/{request['id']}/acceptance", headers=people["owner"]
    )
    assert late.status_code == 409
    seen = client.get(
        f"/api/v1/contact-requests/{request['id']}", headers=people["requester"]
    ).json()
    assert seen["status"] == "expired"


def test_contact_outside_policy_is_refused(client: TestClient, idp: DevIdentityProvider) -> None:
    jeugd = auth(idp, "dirk", "jeugd-wijkteam")
    register(client, jeugd, SUBJECT, purpose="hulpverlening")
    people = setup_flag(client, idp)
    handle = handle_for(client, people["requester"])  # only schuldhulp is visible to pw
    refused = client.post(
        "/api/v1/contact-requests",
        json={"handle": handle, "purpose": "adreskwaliteit"},
        headers=people["requester"],
    )
    assert refused.status_code == 403 and refused.json()["code"] == "policy_refusal"
