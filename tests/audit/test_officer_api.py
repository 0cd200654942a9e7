"""The privacy officer's API: searches, proofs, trace context and OTLP, all audited."""

from __future__ import annotations

import base64
import json

import pytest
from fastapi.testclient import TestClient

from api.auth.dev_idp import DevIdentityProvider
from crypto.checkpoint import verify_checkpoint
from crypto.merkle import verify_consistency, verify_inclusion
from hub.audit import otlp
from hub.background import sequencer_job
from hub.runtime import Runtime
from tests.helpers import audit_rows, auth, check, opaque_pseudonym, register

SUBJECT = opaque_pseudonym("officer-subject")
OTHER = opaque_pseudonym("officer-other")
TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
OFFICER_ROUTES = [
    ("GET", "/api/v1/audit/entries", None),
    ("POST", "/api/v1/audit/searches", {"subject": {"kind": "bsn", "pseudonym": SUBJECT}}),
    ("GET", "/api/v1/audit/checkpoints/latest", None),
    ("GET", "/api/v1/audit/proofs/inclusion?index=0", None),
    ("GET", "/api/v1/audit/proofs/consistency?first=1", None),
    ("GET", "/api/v1/audit/reports/checks-per-member", None),
    ("GET", "/api/v1/audit/alerts", None),
    (
        "POST",
        "/api/v1/audit/alerts/00000000-0000-0000-0000-000000000000/acknowledgement",
        None,
    ),
    (
        "POST",
        "/api/v1/audit/subject-access-reports",
        {"subject": {"kind": "bsn", "pseudonym": SUBJECT}},
    ),
    ("GET", "/api/v1/audit/otlp", None),
]


def officer(idp: DevIdentityProvider) -> dict[str, str]:
    return auth(idp, "fenna", None, "privacy_officer")


@pytest.fixture
def scenario(client: TestClient, idp: DevIdentityProvider) -> None:
    bram = auth(idp, "bram", "schuldhulp")
    anna = auth(idp, "anna", "pw-handhaving")
    assert register(client, bram, SUBJECT, purpose="schuldhulpverlening").status_code == 201
    traced = {**anna, "traceparent": f"00-{TRACE_ID}-00f067aa0ba902b7-01"}
    body = {
        "subject": {"kind": "bsn", "pseudonym": SUBJECT},
        "purpose": "rechtmatigheid",
        "case_ref": "ZAAK-2026-007",
    }
    assert client.post("/api/v1/involvement-checks", json=body, headers=traced).status_code == 200
    assert check(client, anna, OTHER, purpose="rechtmatigheid").status_code == 200


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # roles: one backend
@pytest.mark.parametrize(("method", "path", "body"), OFFICER_ROUTES)
def test_only_the_privacy_officer_gets_in(
    client: TestClient,
    idp: DevIdentityProvider,
    runtime: Runtime,
    method: str,
    path: str,
    body: object,
) -> None:
    for headers, status in (
        ({}, 401),
        (auth(idp, "anna", "pw-handhaving"), 403),
        (auth(idp, "lead", "pw-handhaving", "team_lead", "admin"), 403),
    ):
        answer = client.request(method, path, json=body, headers=headers)
        assert answer.status_code == status, (path, answer.text)
    answer = client.request(method, path, json=body, headers=officer(idp))
    assert answer.status_code not in (401, 403), answer.text


def test_the_verifier_key_is_public(client: TestClient, runtime: Runtime) -> None:
    answer = client.get("/api/v1/audit/public-key")
    assert answer.status_code == 200
    assert answer.json() == {
        "origin": "betrokken.local/audit",
        "verifier_key": runtime.audit_signer.verifier_key(),
    }


@pytest.mark.usefixtures("scenario")
def test_search_by_member_team_action_and_period_is_itself_audited(
    client: TestClient, idp: DevIdentityProvider, runtime: Runtime
) -> None:
    fenna = officer(idp)
    found = client.get(
        "/api/v1/audit/entries",
        params={"member": "anna", "action": "involvement.check", "from": "2026-11-23T00:00:00Z"},
        headers=fenna,
    )
    assert found.status_code == 200, found.text
    items = found.json()["items"]
    assert [(i["actor"]["sub"], i["action"]) for i in items] == [("anna", "involvement.check")] * 2
    assert items[0]["trace_id"] == TRACE_ID
    assert items[0]["leaf_index"] is not None  # the route sequenced first
    assert SUBJECT not in found.text

    by_team = client.get("/api/v1/audit/entries", params={"team": "schuldhulp"}, headers=fenna)
    assert [i["action"] for i in by_team.json()["items"]] == ["flag.register"]
    nothing = client.get(
        "/api/v1/audit/entries", params={"to": "2026-11-23T08:00:00Z"}, headers=fenna
    )
    assert nothing.json()["items"] == []
    naive = client.get("/api/v1/audit/entries", params={"from": "2026-11-23T08:00"}, headers=fenna)
    assert naive.status_code == 422 and naive.json()["code"] == "invalid_payload"

    paged = client.get("/api/v1/audit/entries", params={"limit": 1}, headers=fenna).json()
    assert len(paged["items"]) == 1 and paged["next_after"] == paged["items"][0]["seq"]

    searches = [row for row in audit_rows(runtime) if row.action == "audit.search"]
    assert len(searches) == 4  # the malformed one did nothing, so it is not a search
    assert searches[0].actor_sub == "fenna" and searches[0].subject_key is None
    assert json.loads(searches[0].reason or "{}")["member"] == "anna"


@pytest.mark.usefixtures("scenario")
def test_subject_search_comes_in_the_body_and_is_logged_on_the_subject(
    client: TestClient, idp: DevIdentityProvider, runtime: Runtime
) -> None:
    body = {"subject": {"kind": "bsn", "pseudonym": SUBJECT}, "case_ref": "AVG15-2026-3"}
    found = client.post("/api/v1/audit/searches", json=body, headers=officer(idp))
    assert found.status_code == 200, found.text
    assert [i["action"] for i in found.json()["items"]] == ["flag.register", "involvement.check"]
    assert SUBJECT not in found.text

    rows = audit_rows(runtime)
    search = rows[-1]
    assert (search.action, search.actor_sub, search.case_ref) == (
        "audit.subject_search",
        "fenna",
        "AVG15-2026-3",
    )
    assert search.subject_key == rows[0].subject_key  # the same subject as the flag
    assert json.loads(search.leaf)["subject"]  # a commitment, never the key
    assert search.subject_key is not None and search.subject_key.hex() not in search.leaf

    again = client.post("/api/v1/audit/searches", json=body, headers=officer(idp)).json()
    assert again["items"][-1]["action"] == "audit.subject_search"  # the officer is audited too


@pytest.mark.usefixtures("scenario")
def test_proofs_through_the_api_verify_against_the_signed_checkpoints(
    client: TestClient, idp: DevIdentityProvider, runtime: Runtime
) -> None:
    fenna = officer(idp)
    sequencer_job(runtime, force_checkpoint=True)
    first = client.get("/api/v1/audit/checkpoints/latest", headers=fenna).json()
    check(client, auth(idp, "anna", "pw-handhaving"), SUBJECT, purpose="rechtmatigheid")
    sequencer_job(runtime, force_checkpoint=True)
    latest = client.get("/api/v1/audit/checkpoints/latest", headers=fenna).json()
    assert latest["size"] > first["size"]
    key = client.get("/api/v1/audit/public-key").json()["verifier_key"]
    signed = verify_checkpoint(latest["note"], key)
    assert signed.root_hash.hex() == latest["root_hash"]

    for index in range(latest["size"]):
        proof = client.get(
            "/api/v1/audit/proofs/inclusion",
            params={"index": index, "size": latest["size"]},
            headers=fenna,
        ).json()
        verify_inclusion(
            bytes.fromhex(proof["leaf_hash"]),
            index,
            latest["size"],
            [bytes.fromhex(node) for node in proof["proof"]],
            signed.root_hash,
        )
    linked = client.get(
        "/api/v1/audit/proofs/consistency",
        params={"first": first["size"], "second": latest["size"]},
        headers=fenna,
    ).json()
    verify_consistency(
        first["size"],
        latest["size"],
        bytes.fromhex(first["root_hash"]),
        signed.root_hash,
        [bytes.fromhex(node) for node in linked["proof"]],
    )
    missing = client.get(
        "/api/v1/audit/proofs/inclusion", params={"index": 0, "size": 2}, headers=fenna
    )
    assert missing.status_code == 404  # no checkpoint at that size
    outside = client.get("/api/v1/audit/proofs/inclusion", params={"index": 999}, headers=fenna)
    assert outside.status_code == 400
    assert any(row.action == "audit.inclusion_proof" for row in audit_rows(runtime))


@pytest.mark.usefixtures("scenario")
def test_traceparent_is_recorded_and_exported_as_otlp_spans(
    client: TestClient, idp: DevIdentityProvider, runtime: Runtime
) -> None:
    traced = next(row for row in audit_rows(runtime) if row.trace_id)
    assert json.loads(traced.leaf)["trace_id"] == TRACE_ID

    answer = client.get("/api/v1/audit/otlp", headers=officer(idp))
    assert answer.status_code == 200, answer.text
    document = answer.json()
    [resource] = document["resourceSpans"]
    [scope] = resource["scopeSpans"]
    spans = scope["spans"]
    assert [s["name"] for s in spans] == ["flag.register", "involvement.check", "involvement.check"]
    attributes = [{a["key"]: a["value"] for a in s["attributes"]} for s in spans]
    assert spans[1]["traceId"] == TRACE_ID
    assert spans[2]["traceId"] != TRACE_ID and len(spans[2]["traceId"]) == 32
    assert all(len(s["spanId"]) == 16 for s in spans)
    assert attributes[1]["dpl.core.processing_activity_id"]["stringValue"] == (
        "urn:betrokken:verwerkingsactiviteit:betrokkenheidsvraag"
    )
    # one subject, one stable pseudonymous id across its spans; another subject differs
    ids = [a["dpl.core.data_subject_id"]["stringValue"] for a in attributes]
    assert ids[0] == ids[1] != ids[2]
    assert attributes[0]["dpl.core.data_subject_id_type"]["stringValue"] == (
        otlp.SUBJECT_PSEUDONYM_TYPE
    )
    assert SUBJECT not in answer.text
    raw = base64.urlsafe_b64decode(SUBJECT + "==")
    assert raw.hex() not in answer.text
    assert audit_rows(runtime)[-1].action == "audit.otlp_export"


def test_otlp_falls_back_to_the_commitment_once_the_subject_is_erased(
    runtime: Runtime, client: TestClient, idp: DevIdentityProvider
) -> None:
    from sqlalchemy import update

    from hub.audit.models import AuditEntry

    register(client, auth(idp, "bram", "schuldhulp"), SUBJECT, purpose="schuldhulpverlening")
    with runtime.sessions() as session, session.begin():
        session.execute(update(AuditEntry).values(subject_key=None, subject_salt=None))
    span = client.get("/api/v1/audit/otlp", headers=officer(idp)).json()
    attributes = {
        a["key"]: a["value"]["stringValue"]
        for a in span["resourceSpans"][0]["scopeSpans"][0]["spans"][0]["attributes"]
        if "stringValue" in a["value"]
    }
    leaf = json.loads(audit_rows(runtime)[0].leaf)
    assert attributes["dpl.core.data_subject_id"] == leaf["subject"]
    assert attributes["dpl.core.data_subject_id_type"] == otlp.SUBJECT_COMMITMENT_TYPE


def test_every_action_maps_to_a_processing_activity() -> None:
    assert otlp.processing_activity("flag.register")[0].endswith(":betrokkenheid-registreren")
    assert otlp.processing_activity("contact_request.accept")[0].endswith(":contactverzoek")
    assert otlp.processing_activity("audit.search")[0].endswith(":toezicht-verwerkingslog")
    assert otlp.processing_activity("something.new")[0].endswith(":overig")


@pytest.mark.usefixtures("scenario")
def test_an_officer_sees_only_their_own_organisation(
    client: TestClient, idp: DevIdentityProvider, runtime: Runtime
) -> None:
    token = idp.issue(member="olga", roles=["privacy_officer"], organisation="gemeente-elders")
    elders = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/audit/entries", headers=elders).json()["items"] == []
    across = client.get(
        "/api/v1/audit/entries", params={"organisation": "gemeente-voorbeeld"}, headers=elders
    )
    assert across.status_code == 403
    refusal = audit_rows(runtime)[-1]  # the attempt is audited, in a transaction of its own
    assert (refusal.actor_sub, refusal.action, refusal.outcome) == (
        "olga",
        "audit.search",
        "refused",
    )
    body = {"subject": {"kind": "bsn", "pseudonym": SUBJECT}}
    assert client.post("/api/v1/audit/searches", json=body, headers=elders).json()["items"] == []
    report = client.post("/api/v1/audit/subject-access-reports", json=body, headers=elders).json()
    assert report["flags"] == [] and report["checks"] == []
    sequencer_job(runtime, force_checkpoint=True)
    hidden = client.get("/api/v1/audit/proofs/inclusion", params={"index": 0}, headers=elders)
    assert hidden.status_code == 404
    spans = client.get("/api/v1/audit/otlp", headers=elders).json()
    users = {
        attribute["value"]["stringValue"]
        for span in spans["resourceSpans"][0]["scopeSpans"][0]["spans"]
        for attribute in span["attributes"]
        if attribute["key"] == "enduser.id"
    }
    assert users == {"olga"}  # only the officer's own reads
    # ... while their own reads are audited under their own organisation
    assert {row.actor_organisation for row in audit_rows(runtime) if row.actor_sub == "olga"} == {
        "gemeente-elders"
    }
