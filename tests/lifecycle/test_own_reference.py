"""A team's own reference and label on its flag: sealed, shown to that team in every list
and notice it sees, never to another team nor in the audit log (issue 16, point 1)."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from api.auth.dev_idp import DevIdentityProvider
from hub.audit.models import AuditEntry
from hub.background import retention_job
from hub.clock import FixedClock
from hub.flag.models import Flag
from hub.notification.models import Notification
from hub.runtime import Runtime
from tests.helpers import auth, check, opaque_pseudonym, register

SUBJECT = opaque_pseudonym("family-v")
REFERENCE, LABEL = "WIJK-2026-113", "gezin De V."


def mentions(answer: Any) -> bool:
    text = json.dumps(answer)
    return REFERENCE in text or LABEL in text


def test_the_owner_sees_its_reference_everywhere_and_nobody_else_does(
    client: TestClient, idp: DevIdentityProvider, runtime: Runtime, clock: FixedClock
) -> None:
    sh, pw = auth(idp, "bram", "schuldhulp"), auth(idp, "anna", "pw-handhaving")
    made = register(
        client,
        sh,
        SUBJECT,
        purpose="schuldhulpverlening",
        reference=REFERENCE,
        label=LABEL,
        expires_on="2027-01-31",
    )
    assert made.status_code == 201, made.text
    flag = made.json()["flag"]
    assert (flag["reference"], flag["label"]) == (REFERENCE, LABEL)
    [listed] = client.get("/api/v1/flags", headers=sh).json()["items"]
    assert (listed["reference"], listed["label"]) == (REFERENCE, LABEL)

    # The other team: a check, a match and a contact request, none with the reference.
    [involved] = check(client, pw, SUBJECT, purpose="rechtmatigheid").json()["involved"]
    asked = client.post(
        "/api/v1/contact-requests",
        json={"handle": involved["handle"], "purpose": "rechtmatigheid"},
        headers=pw,
    ).json()
    register(client, pw, SUBJECT, purpose="rechtmatigheid")
    for path in ("/api/v1/notifications", "/api/v1/matches", "/api/v1/contact-requests"):
        assert not mentions(client.get(path, headers=pw).json()), path
    assert not mentions(asked)

    # The owner: the match, the incoming request and their notices name its flag.
    [match] = client.get("/api/v1/matches", headers=sh).json()["items"]
    assert match["flag"]["reference"] == REFERENCE and match["flag"]["label"] == LABEL
    [incoming] = client.get("/api/v1/contact-requests", headers=sh).json()["items"]
    assert incoming["flag"]["reference"] == REFERENCE
    notices = client.get("/api/v1/notifications", headers=sh).json()["items"]
    assert {n["kind"] for n in notices} == {"contact_request.create", "match.created"}
    assert all(n["flag"]["reference"] == REFERENCE for n in notices)

    # The expiry warning too.
    clock.advance(timedelta(days=60))
    assert retention_job(runtime).expiry_warnings == 1
    [warning] = [
        n
        for n in client.get("/api/v1/notifications", headers=sh).json()["items"]
        if n["kind"] == "flag.expiring"
    ]
    assert warning["flag"]["label"] == LABEL

    # Stored sealed, and nowhere in the audit log or a stored notice.
    with runtime.sessions() as session:
        sealed = [f.own_reference for f in session.scalars(select(Flag)) if f.own_reference]
        assert len(sealed) == 1 and REFERENCE.encode() not in sealed[0]
        for entry in session.scalars(select(AuditEntry)):
            assert not mentions({k: str(v) for k, v in vars(entry).items()})
        for payload in session.scalars(select(Notification.payload)):
            assert not mentions(payload)


def test_the_reference_can_be_changed_and_cleared_and_is_audited_without_its_text(
    client: TestClient, idp: DevIdentityProvider, runtime: Runtime
) -> None:
    sh = auth(idp, "bram", "schuldhulp")
    flag_id = register(client, sh, SUBJECT, purpose="schuldhulpverlening").json()["flag"]["id"]
    path = f"/api/v1/flags/{flag_id}/own-reference"
    changed = client.put(path, json={"reference": REFERENCE, "label": LABEL}, headers=sh)
    assert changed.status_code == 200, changed.text
    assert (changed.json()["reference"], changed.json()["label"]) == (REFERENCE, LABEL)
    other = client.put(path, json={"reference": "X-1"}, headers=auth(idp, "anna", "pw-handhaving"))
    assert other.status_code == 404
    cleared = client.put(path, json={}, headers=sh).json()
    assert (cleared["reference"], cleared["label"]) == (None, None)
    with runtime.sessions() as session:
        entries = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "flag.reference")
        ).all()
        assert len(entries) == 2
        assert all(not mentions({"reason": entry.reason}) for entry in entries)


def test_an_identifier_in_a_reference_or_label_is_refused_without_repeating_it(
    client: TestClient, idp: DevIdentityProvider
) -> None:
    sh = auth(idp, "bram", "schuldhulp")
    for field in ("reference", "label"):
        refused = register(
            client, sh, SUBJECT, purpose="schuldhulpverlening", **{field: "BSN999990019"}
        )
        assert refused.status_code == 422, field
        assert "999990019" not in refused.text
    two_lines = register(client, sh, SUBJECT, purpose="schuldhulpverlening", label="a\nb")
    assert two_lines.status_code == 422
