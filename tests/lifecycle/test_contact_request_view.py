"""A contact request shows its owner what it needs to decide: who asks, for what purpose
under which grondslag, the requester's case reference if shared, and which of the owner's
flags it is about (issue 16, point 7)."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from api.auth.dev_idp import DevIdentityProvider
from hub.contact_request.models import ContactRequest
from hub.runtime import Runtime
from tests.helpers import audit_rows, auth, check, opaque_pseudonym, register

SUBJECT = opaque_pseudonym("client-7")


def test_the_owner_sees_who_asks_why_for_which_case_and_about_which_flag(
    client: TestClient, idp: DevIdentityProvider, runtime: Runtime
) -> None:
    owner = auth(idp, "bram", "schuldhulp")
    requester = auth(idp, "anna", "pw-handhaving")
    register(client, owner, opaque_pseudonym("someone else"), purpose="schuldhulpverlening")
    flag = register(client, owner, SUBJECT, purpose="schuldhulpverlening").json()["flag"]
    [involved] = check(client, requester, SUBJECT, purpose="rechtmatigheid").json()["involved"]
    body = {"handle": involved["handle"], "purpose": "rechtmatigheid", "case_ref": "PW-2026-042"}
    made = client.post("/api/v1/contact-requests", json=body, headers=requester)
    assert made.status_code == 201, made.text
    assert made.json()["requester_case_ref"] == "PW-2026-042"
    assert made.json()["flag"] is None  # the requester learns nothing of the owner's flag

    [incoming] = client.get("/api/v1/contact-requests?direction=incoming", headers=owner).json()[
        "items"
    ]
    assert (incoming["from_team"], incoming["from_team_name"]) == (
        "pw-handhaving",
        "Handhaving Participatiewet",
    )
    assert incoming["purpose"] == "rechtmatigheid"
    assert incoming["decision"]["legal_basis"] == "pw_art_64"
    assert incoming["requester_case_ref"] == "PW-2026-042"
    assert incoming["flag"]["id"] == flag["id"]
    assert incoming["flag"]["purpose"] == "schuldhulpverlening"

    [notice] = [
        n
        for n in client.get("/api/v1/notifications", headers=owner).json()["items"]
        if n["kind"] == "contact_request.create"
    ]
    assert notice["payload"]["flag"] == flag["id"]
    assert notice["payload"]["from_team_name"] == "Handhaving Participatiewet"
    assert notice["payload"]["legal_basis"] == "pw_art_64"

    # Stored sealed; the audit entry holds it as a check's entry holds the check's.
    with runtime.sessions() as session:
        stored = session.scalars(select(ContactRequest)).one()
        assert stored.requester_case_ref is not None
        assert b"PW-2026-042" not in stored.requester_case_ref
    assert audit_rows(runtime)[-1].case_ref == "PW-2026-042"


def test_without_a_shared_case_reference_none_is_shown(
    client: TestClient, idp: DevIdentityProvider
) -> None:
    owner = auth(idp, "bram", "schuldhulp")
    requester = auth(idp, "anna", "pw-handhaving")
    register(client, owner, SUBJECT, purpose="schuldhulpverlening")
    [involved] = check(client, requester, SUBJECT, purpose="rechtmatigheid").json()["involved"]
    body = {"handle": involved["handle"], "purpose": "rechtmatigheid"}
    assert client.post("/api/v1/contact-requests", json=body, headers=requester).status_code == 201
    [incoming] = client.get("/api/v1/contact-requests", headers=owner).json()["items"]
    assert incoming["requester_case_ref"] is None and incoming["flag"] is not None


def test_a_case_reference_that_looks_like_an_identifier_is_refused(
    client: TestClient, idp: DevIdentityProvider
) -> None:
    owner = auth(idp, "bram", "schuldhulp")
    requester = auth(idp, "anna", "pw-handhaving")
    register(client, owner, SUBJECT, purpose="schuldhulpverlening")
    [involved] = check(client, requester, SUBJECT, purpose="rechtmatigheid").json()["involved"]
    body = {"handle": involved["handle"], "purpose": "rechtmatigheid", "case_ref": "BSN999990019"}
    refused = client.post("/api/v1/contact-requests", json=body, headers=requester)
    assert refused.status_code == 422
    assert "999990019" not in refused.text
