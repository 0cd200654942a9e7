"""Retention with a controllable clock: expiry, archive, purge, renewal and erasure."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select

from api.auth.dev_idp import DevIdentityProvider
from crypto.audit_verify import verify_export
from hub.audit.models import AuditEntry
from hub.audit.tree import build_export
from hub.background import retention_job, sequencer_job
from hub.clock import FixedClock
from hub.flag.models import Flag
from hub.match.models import Match
from hub.runtime import Runtime
from tests.helpers import add_neighbour, auth, check, count, opaque_pseudonym, register

SUBJECT = opaque_pseudonym("tenant-4")


def retention(runtime: Runtime) -> tuple[int, int, int, int, int]:
    """(expired, archived, purged, expired requests, removed matches) of one run."""
    run = retention_job(runtime)
    return (
        run.expired_flags,
        run.archived_flags,
        run.purged_flags,
        run.expired_requests,
        run.removed_matches,
    )


def log_verifies(runtime: Runtime) -> int:
    """Sequence, sign, export and verify the whole audit log offline; its size."""
    sequencer_job(runtime, force_checkpoint=True)
    with runtime.sessions() as session:
        export = build_export(session, origin=runtime.settings.audit_origin)
    return verify_export(export, runtime.audit_signer.verifier_key()).size


def test_expired_flags_leave_checks_and_matches_then_go(
    client: TestClient, idp: DevIdentityProvider, runtime: Runtime, clock: FixedClock
) -> None:
    pw = auth(idp, "anna", "pw-handhaving")
    sh = auth(idp, "bram", "schuldhulp")
    register(client, pw, SUBJECT, purpose="rechtmatigheid")
    register(client, sh, SUBJECT, purpose="schuldhulpverlening", expires_on="2027-02-01")
    assert len(check(client, pw, SUBJECT, purpose="rechtmatigheid").json()["involved"]) == 1
    assert len(client.get("/api/v1/matches", headers=pw).json()["items"]) == 1

    clock.advance(timedelta(days=71))  # past 2027-02-01, before the Pw flag's 24 months
    assert check(client, pw, SUBJECT, purpose="rechtmatigheid").json()["involved"] == []
    assert client.get("/api/v1/matches", headers=pw).json()["items"] == []  # even before a run

    assert retention(runtime) == (1, 0, 0, 0, 0)
    assert retention(runtime) == (0, 0, 0, 0, 0)
    assert count(runtime, Flag) == 2  # archived, not gone

    clock.advance(timedelta(days=5 * 366))  # archive period (5 years) over; Pw flag expired too
    first = retention(runtime)
    assert first[0] == 1  # the Pw flag expires now
    assert first[2] == 1  # the schuldhulp flag is purged
    clock.advance(timedelta(days=5 * 366))
    assert retention(runtime)[2] == 1  # and later the Pw flag
    assert count(runtime, Flag) == 0 and count(runtime, Match) == 0
    assert retention(runtime) == (0, 0, 0, 0, 0)
    assert log_verifies(runtime) == count(runtime, AuditEntry)


def test_old_audit_entries_lose_their_subject_link_but_still_verify(
    client: TestClient, idp: DevIdentityProvider, runtime: Runtime, clock: FixedClock
) -> None:
    register(client, auth(idp, "anna", "pw-handhaving"), SUBJECT, purpose="rechtmatigheid")
    before = log_verifies(runtime)
    clock.advance(timedelta(days=7 * 366))
    run = retention_job(runtime)
    assert run.unlinked_audit_entries == 1
    with runtime.sessions() as session:
        first = session.scalars(select(AuditEntry).order_by(AuditEntry.seq)).first()
        assert first is not None and first.subject_key is None and first.subject_salt is None
    assert log_verifies(runtime) > before


def test_withdrawn_flags_are_archived_once(
    client: TestClient, idp: DevIdentityProvider, runtime: Runtime
) -> None:
    pw = auth(idp, "anna", "pw-handhaving")
    flag_id = register(client, pw, SUBJECT, purpose="rechtmatigheid").json()["flag"]["id"]
    client.delete(f"/api/v1/flags/{flag_id}", headers=pw)
    assert retention(runtime) == (0, 1, 0, 0, 0)
    assert retention(runtime) == (0, 0, 0, 0, 0)


def test_renewal_is_bounded_and_audited(
    client: TestClient, idp: DevIdentityProvider, clock: FixedClock
) -> None:
    pw = auth(idp, "anna", "pw-handhaving")
    flag = register(client, pw, SUBJECT, purpose="rechtmatigheid", expires_on="2027-01-31").json()[
        "flag"
    ]
    clock.advance(timedelta(days=30))
    renewed = client.post(f"/api/v1/flags/{flag['id']}/renewal", json={}, headers=pw)
    assert renewed.status_code == 200
    assert renewed.json()["expires_at"].startswith("2028-12-23")  # 24 months from today
    too_far = client.post(
        f"/api/v1/flags/{flag['id']}/renewal", json={"expires_on": "2030-01-01"}, headers=pw
    )
    assert too_far.status_code == 400
    other = client.post(
        f"/api/v1/flags/{flag['id']}/renewal", json={}, headers=auth(idp, "b", "schuldhulp")
    )
    assert other.status_code == 404


def test_erasure_by_the_privacy_officer(
    client: TestClient, idp: DevIdentityProvider, runtime: Runtime
) -> None:
    register(client, auth(idp, "anna", "pw-handhaving"), SUBJECT, purpose="rechtmatigheid")
    register(client, auth(idp, "bram", "schuldhulp"), SUBJECT, purpose="schuldhulpverlening")
    register(
        client,
        auth(idp, "bram", "schuldhulp"),
        opaque_pseudonym("someone else"),
        purpose="schuldhulpverlening",
    )
    body = {"subject": {"kind": "bsn", "pseudonym": SUBJECT}, "reason": "objection"}
    refused = client.post("/api/v1/erasures", json=body, headers=auth(idp, "anna", "pw-handhaving"))
    assert refused.status_code == 403
    neighbour = add_neighbour(runtime, idp, domain="schuldhulp")
    register(client, neighbour, SUBJECT, purpose="schuldhulpverlening")

    officer = auth(idp, "fg", None, "privacy_officer")
    erased = client.post("/api/v1/erasures", json=body, headers=officer)
    assert erased.status_code == 200 and erased.json() == {"erased_flags": 2}
    # The neighbouring municipality's flag is for its own privacy officer to erase.
    assert count(runtime, Flag) == 2 and count(runtime, Match) == 0
