"""No identifier reaches the hub in free text: a BSN written with dots is still a BSN.

Whatever a caller types (a case reference, a contact's name or address, a code, a search
filter, a webhook URL) is refused with a 422 that says why, without the value, when its
digits run to 8 or more once separators are taken out (``crypto.looks_like_identifier``).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.auth.dev_idp import DevIdentityProvider
from crypto.identifiers import synthetic_bsn, synthetic_kvk
from hub.audit.models import AuditEntry
from hub.runtime import Runtime
from tests.helpers import audit_rows, auth, count, opaque_pseudonym

BSN = synthetic_bsn(3)
HIDDEN = [
    f"{BSN[:4]}.{BSN[4:6]}.{BSN[6:]}",  # 1234.56.782
    f"Z-{BSN[:3]}-{BSN[3:6]}-{BSN[6:]}",
    f"{BSN[:3]}/{BSN[3:6]}_{BSN[6:]}",
    "KVK-" + "-".join(synthetic_kvk(3)[i : i + 2] for i in range(0, 8, 2)),
]
"""Written as a case reference may be written (its pattern has no spaces)."""
SPACED = f"{BSN[:3]} {BSN[3:6]} {BSN[6:]}"
SUBJECT = {"kind": "bsn", "pseudonym": opaque_pseudonym("free-text")}


def _anna(idp: DevIdentityProvider) -> dict[str, str]:
    return auth(idp, "anna", "pw-handhaving")


def _officer(idp: DevIdentityProvider) -> dict[str, str]:
    return auth(idp, "fg", None, "privacy_officer")


def _lead(idp: DevIdentityProvider) -> dict[str, str]:
    return auth(idp, "lars", "pw-handhaving", "team_lead")


def _refused(answer: Any, hidden: str, field: str) -> None:
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    messages = [e["message"] for e in answer.json()["errors"] if e["location"][-1] == field]
    assert messages and all("identifier" in message for message in messages), answer.text
    assert hidden not in answer.text and BSN not in answer.text


@pytest.fixture(params=[True, False], ids=["direct", "fastapi"])
def both_paths(request: pytest.FixtureRequest, runtime: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(runtime=runtime, direct=request.param)) as client:
        yield client


@pytest.mark.parametrize("hidden", HIDDEN)
def test_a_case_reference_may_not_hold_an_identifier(
    both_paths: TestClient, runtime: Runtime, idp: DevIdentityProvider, hidden: str
) -> None:
    before = count(runtime, AuditEntry)
    body = {"subject": SUBJECT, "purpose": "rechtmatigheid", "case_ref": hidden}
    answer = both_paths.post("/api/v1/involvement-checks", json=body, headers=_anna(idp))
    _refused(answer, hidden, "case_ref")
    assert count(runtime, AuditEntry) == before


@pytest.mark.parametrize("hidden", HIDDEN)
def test_codes_and_a_contact_may_not_hold_one(
    both_paths: TestClient, idp: DevIdentityProvider, hidden: str
) -> None:
    code = "x" + "".join(char for char in hidden if char.isdigit())  # a code's own pattern
    contacts = [
        ({"name": f"Bram {hidden}"}, "name"),
        ({"name": "Bram", "email": f"{code}@x.nl"}, "email"),
    ]
    for contact, field in contacts:
        body = {"subject": SUBJECT, "purpose": "rechtmatigheid", "contact": contact}
        _refused(both_paths.post("/api/v1/flags", json=body, headers=_anna(idp)), hidden, field)
    for field in ("purpose", "legal_basis"):
        body = {"subject": SUBJECT, "purpose": "rechtmatigheid", field: code}
        _refused(both_paths.post("/api/v1/flags", json=body, headers=_anna(idp)), code, field)


def test_a_phone_that_is_a_bsn_is_refused_and_a_dutch_number_is_not(
    client: TestClient, idp: DevIdentityProvider
) -> None:
    body = {"subject": SUBJECT, "purpose": "rechtmatigheid", "contact": {"name": "Bram"}}
    body["contact"]["phone"] = SPACED
    _refused(client.post("/api/v1/flags", json=body, headers=_anna(idp)), SPACED, "phone")
    request = {"handle": "h" * 40, "purpose": "rechtmatigheid", "phone": BSN}
    answer = client.post("/api/v1/contact-requests", json=request, headers=_anna(idp))
    _refused(answer, BSN, "phone")
    body["contact"]["phone"] = "06 1234 5678"
    assert client.post("/api/v1/flags", json=body, headers=_anna(idp)).status_code == 201


@pytest.mark.parametrize("hidden", HIDDEN)
def test_the_officer_may_not_send_one_either(
    client: TestClient, idp: DevIdentityProvider, hidden: str
) -> None:
    for field in ("case_ref", "member", "team", "organisation", "action"):
        body = {"subject": SUBJECT, field: hidden}
        answer = client.post("/api/v1/audit/searches", json=body, headers=_officer(idp))
        _refused(answer, hidden, field)
    body = {"subject": SUBJECT, "case_ref": hidden}
    answer = client.post("/api/v1/audit/subject-access-reports", json=body, headers=_officer(idp))
    _refused(answer, hidden, "case_ref")
    for field in ("member", "team", "organisation", "action"):
        answer = client.get("/api/v1/audit/entries", params={field: hidden}, headers=_officer(idp))
        _refused(answer, hidden, field)


def test_a_member_named_by_a_uuid_can_be_searched_for(
    client: TestClient, idp: DevIdentityProvider
) -> None:
    member = "12345678-9012-4345-8789-012345678901"  # digit groups, as a sub may have
    answer = client.get("/api/v1/audit/entries", params={"member": member}, headers=_officer(idp))
    assert answer.status_code == 200


@pytest.mark.parametrize("hidden", HIDDEN)
def test_regie_and_a_webhook_url_may_not_hold_one(
    client: TestClient, idp: DevIdentityProvider, hidden: str
) -> None:
    answer = client.put(
        f"/api/v1/matches/{uuid.uuid4()}/regie", json={"team": hidden}, headers=_anna(idp)
    )
    _refused(answer, hidden, "team")
    encoded = hidden.replace(".", "%2E").replace(" ", "%20")
    for url in (
        f"https://hooks.example/{hidden.replace(' ', '-')}",
        f"https://hooks.example/in?case={encoded}",
        f"https://hooks.example/in#{encoded}",
    ):
        answer = client.put("/api/v1/team/webhook", json={"url": url}, headers=_lead(idp))
        _refused(answer, hidden, "url")
    fine = "https://192.168.100.200:8443/hooks/betrokken?team=pw-2026"
    assert client.put("/api/v1/team/webhook", json={"url": fine}, headers=_lead(idp)).is_success


def test_a_request_id_that_may_hold_one_is_not_kept(
    client: TestClient, runtime: Runtime, idp: DevIdentityProvider
) -> None:
    body = {"subject": SUBJECT, "purpose": "rechtmatigheid", "case_ref": "PW-2026-042"}
    for request_id in (HIDDEN[0], "ab-12345678-cd"):
        headers = {**_anna(idp), "X-Request-Id": request_id}
        assert client.post("/api/v1/involvement-checks", json=body, headers=headers).is_success
        assert audit_rows(runtime)[-1].request_id != request_id
    kept = "12345678-9012-4345-8789-012345678901"
    headers = {**_anna(idp), "X-Request-Id": kept}
    assert client.post("/api/v1/involvement-checks", json=body, headers=headers).is_success
    assert audit_rows(runtime)[-1].request_id == kept
