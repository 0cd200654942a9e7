"""Retention in batches: small batches do what one large one does, and a run stopped after
any batch (or failing inside one) and run again ends in the same state with every audit
entry and notice written once."""

from __future__ import annotations

import threading
import time
from collections import Counter
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update

from api.auth.dev_idp import DevIdentityProvider
from hub.audit.models import AuditEntry
from hub.clock import FixedClock
from hub.flag.models import Flag
from hub.match.models import Match, MatchMember
from hub.notification.models import Notification
from hub.retention import repository
from hub.retention.service import RETENTION_ACTOR, run_retention
from hub.retention.views import RetentionRun
from hub.runtime import Runtime
from tests.helpers import auth, opaque_pseudonym, register

SUBJECTS = 7
WITHDRAWN = 3  # of the Pw flags


def batched(runtime: Runtime, clock: FixedClock, **options: Any) -> RetentionRun:
    return run_retention(
        runtime.sessions,
        policy=runtime.policy_for,
        now=clock.now(),
        audit_subject_link_years=runtime.settings.audit_subject_link_years,
        expiry_warning_days=runtime.settings.expiry_warning_days,
        deadline_warning_days=runtime.settings.deadline_warning_days,
        **{"batch_size": 2, **options},
    )


def counts(run: RetentionRun) -> tuple[int, int, int, int, int]:
    """(warned, expired, archived, purged, removed matches)."""
    return (
        run.expiry_warnings,
        run.expired_flags,
        run.archived_flags,
        run.purged_flags,
        run.removed_matches,
    )


def total(runs: list[RetentionRun]) -> tuple[int, ...]:
    return tuple(sum(values) for values in zip(*(counts(run) for run in runs), strict=True))


def seven_matched_subjects(client: TestClient, idp: DevIdentityProvider) -> None:
    """Seven subjects, each with a Pw flag (24 months) and a schuldhulp flag that expires
    on 2027-02-01, so seven matches; three of the Pw flags withdrawn."""
    pw = auth(idp, "anna", "pw-handhaving")
    sh = auth(idp, "bram", "schuldhulp")
    for n in range(SUBJECTS):
        subject = opaque_pseudonym(f"batch-{n}")
        flag = register(client, pw, subject, purpose="rechtmatigheid").json()["flag"]
        register(client, sh, subject, purpose="schuldhulpverlening", expires_on="2027-02-01")
        if n < WITHDRAWN:
            assert client.delete(f"/api/v1/flags/{flag['id']}", headers=pw).status_code < 300


def end_state(runtime: Runtime) -> dict[str, Any]:
    """What the runs left, without the random ids: the retention's audit entries (and that
    no flag has one action twice), the notices per kind, flags by status, matches, orphans."""
    with runtime.sessions() as session:
        entries = session.execute(
            select(AuditEntry.action, AuditEntry.object_id).where(
                AuditEntry.actor_sub == RETENTION_ACTOR.sub
            )
        ).all()
        notices = Counter(session.scalars(select(Notification.kind)))
        statuses = Counter(session.scalars(select(Flag.status)))
        matches = session.scalar(select(func.count()).select_from(Match))
        orphans = session.scalar(
            select(func.count())
            .select_from(Match)
            .where(~select(MatchMember.id).where(MatchMember.match_id == Match.id).exists())
        )
    assert len(entries) == len(set(entries)), "an audit entry was written twice"
    return {
        "audit": Counter(action for action, _ in entries),
        "expiring": notices["flag.expiring"],
        "expired": notices["flag.expired"],
        "flags": statuses,
        "matches": matches,
        "orphans": orphans,
    }


# The whole life of the seven subjects: warned, expired and archived, purged in two steps.
FINAL = {
    "audit": Counter({"flag.expire": 11, "flag.archive": 3, "flag.purge": 14}),
    "expiring": 7,  # the Pw flags expire unwarned: no run while they were near
    "expired": 11,
    "flags": Counter(),
    "matches": 0,
    "orphans": 0,
}


def whole_life(runtime: Runtime, clock: FixedClock, run: Any) -> list[RetentionRun]:
    """``run`` at each moment that matters; its runs (each until it has nothing left)."""
    runs = []
    for days in (60, 11, 5 * 366, 5 * 366):  # warned; expired; purged and Pw expired; purged
        clock.advance(timedelta(days=days))
        runs.extend(run())
    return runs


def test_small_batches_do_what_one_large_batch_does(
    client: TestClient, idp: DevIdentityProvider, runtime: Runtime, clock: FixedClock
) -> None:
    seven_matched_subjects(client, idp)
    clock.advance(timedelta(days=60))  # within 14 days of 2027-02-01
    warned = batched(runtime, clock)
    assert counts(warned) == (7, 0, 3, 0, 0)
    assert warned.batches > 7  # four for the warnings, two for the archive, and more
    assert counts(batched(runtime, clock)) == (0, 0, 0, 0, 0)  # nobody told twice

    clock.advance(timedelta(days=11))
    assert counts(batched(runtime, clock)) == (0, 7, 0, 0, 0)

    clock.advance(timedelta(days=5 * 366))  # the archive's five years over; Pw flags expired
    # 7 schuldhulp and 3 withdrawn Pw flags go; the 3 matches without a live flag left go too.
    assert counts(batched(runtime, clock)) == (0, 4, 0, 10, 3)
    clock.advance(timedelta(days=5 * 366))
    assert counts(batched(runtime, clock)) == (0, 0, 0, 4, 4)
    assert end_state(runtime) == FINAL


def test_one_large_batch_ends_the_same(
    client: TestClient, idp: DevIdentityProvider, runtime: Runtime, clock: FixedClock
) -> None:
    seven_matched_subjects(client, idp)
    runs = whole_life(runtime, clock, lambda: [batched(runtime, clock, batch_size=1000)])
    assert all(run.batches == 8 for run in runs)  # one per step, and the counts'
    assert end_state(runtime) == FINAL


@pytest.mark.parametrize("stop_after", [1, 3, 6])
def test_a_run_stopped_after_any_batch_is_finished_by_the_next(
    client: TestClient,
    idp: DevIdentityProvider,
    runtime: Runtime,
    clock: FixedClock,
    stop_after: int,
) -> None:
    seven_matched_subjects(client, idp)

    def stopped_then_finished() -> list[RetentionRun]:
        stopped = batched(runtime, clock, max_batches=stop_after)
        assert stopped.batches <= stop_after
        return [stopped, batched(runtime, clock)]

    runs = whole_life(runtime, clock, stopped_then_finished)
    assert total(runs) == (7, 11, 3, 14, 7)
    assert end_state(runtime) == FINAL


def test_a_run_told_to_stop_stops_in_its_pause_and_the_next_finishes(
    client: TestClient, idp: DevIdentityProvider, runtime: Runtime, clock: FixedClock
) -> None:
    seven_matched_subjects(client, idp)
    clock.advance(timedelta(days=60))
    stopping = threading.Event()  # what the scheduler sets when its process stops
    threading.Timer(0.2, stopping.set).start()
    started = time.monotonic()
    stopped = batched(runtime, clock, pause_seconds=60.0, stopping=stopping)
    assert time.monotonic() - started < 30, "the pause was not cut short"
    assert stopped.batches <= 1
    assert total([stopped, batched(runtime, clock)]) == (7, 0, 3, 0, 0)


def test_a_batch_that_fails_leaves_nothing_and_the_next_run_finishes(
    client: TestClient,
    idp: DevIdentityProvider,
    runtime: Runtime,
    clock: FixedClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seven_matched_subjects(client, idp)
    clock.advance(timedelta(days=71))
    batched(runtime, clock)  # the schuldhulp flags expire, the withdrawn ones are archived
    clock.advance(timedelta(days=5 * 366))
    deletions = 0
    delete_flags = repository.delete_flags

    def dies_on_the_second_batch(session: Any, flag_ids: Any) -> int:
        nonlocal deletions
        deletions += 1
        if deletions == 2:
            raise RuntimeError("the process was killed")
        return delete_flags(session, flag_ids)

    monkeypatch.setattr(repository, "delete_flags", dies_on_the_second_batch)
    with pytest.raises(RuntimeError):
        batched(runtime, clock)
    assert end_state(runtime)["audit"]["flag.purge"] == 2  # the first batch's, not the second's
    monkeypatch.undo()
    batched(runtime, clock)
    clock.advance(timedelta(days=5 * 366))
    batched(runtime, clock)
    state = end_state(runtime)
    assert state["audit"] == Counter({"flag.expire": 11, "flag.archive": 3, "flag.purge": 14})
    assert state["flags"] == Counter() and state["matches"] == 0


def test_a_flag_renewed_after_its_batch_was_read_is_not_expired(
    client: TestClient,
    idp: DevIdentityProvider,
    runtime: Runtime,
    clock: FixedClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seven_matched_subjects(client, idp)
    clock.advance(timedelta(days=71))
    read_overdue = repository.active_overdue

    def renewed_meanwhile(session: Any, **kwargs: Any) -> Any:
        overdue = read_overdue(session, **kwargs)
        if overdue:  # the owner's renewal commits before the batch writes
            session.execute(
                update(Flag)
                .where(Flag.id == overdue[0].id)
                .values(expires_at=clock.now() + timedelta(days=300))
                .execution_options(synchronize_session=False)
            )
        return overdue

    monkeypatch.setattr(repository, "active_overdue", renewed_meanwhile)
    run = batched(runtime, clock)
    assert run.expired_flags == 7 - 4  # one renewed in each of the four batches
    state = end_state(runtime)
    assert state["audit"]["flag.expire"] == 3 and state["expired"] == 3
    assert state["flags"]["active"] == 4 + 4  # the four Pw flags and the four renewed
