"""The incremental alert evaluation agrees with the full one, and reads only what is new.

Each evaluation here runs twice from the same state: first the full evaluation (the
watermark removed, so every member's window is read), rolled back, then the incremental
one, committed; the alerts they leave must be the same. By induction the whole run of
incremental evaluations leaves what a run of full ones would. The log is built across the
evaluations: a burst over two runs, checks dated before an evaluation but sequenced or
committed after it, an acknowledged alert that the sliding window makes news again.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, event, select, update

from hub.audit import repository
from hub.audit.alerts import AlertRule, AlertStatus, evaluate_alerts
from hub.audit.models import AuditAlert, AuditAlertWatermark
from hub.audit.service import record
from hub.audit.vocabulary import Action, AuditRecord, Outcome
from hub.background import sequencer_job
from hub.runtime import Runtime
from hub.transactions import transaction
from tests.audit.builders import member, subject_key

# tests/audit/conftest.py: 4 distinct subjects in 60 minutes; 3 unflagged checks in 24 hours


def _check(runtime: Runtime, sub: str, label: str, at: datetime) -> None:
    with transaction(runtime.sessions) as session:
        record(
            session,
            member(sub),
            AuditRecord(
                action=Action.CHECK, outcome=Outcome.ALLOWED, subject_key=subject_key(label)
            ),
            at=at,
        )


def _alerts(session: Any) -> list[tuple[Any, ...]]:
    rows = session.scalars(select(AuditAlert).where(AuditAlert.actor_sub.not_like("system:%")))
    return sorted(
        (a.rule, a.actor_sub, a.window_start, a.window_end, a.detail, a.status) for a in rows
    )


@contextmanager
def _members_read(runtime: Runtime) -> Iterator[set[str]]:
    """The members whose entries the statements sent name (as a parameter)."""
    engine = runtime.sessions.kw["bind"]
    named: set[str] = set()
    members = {"anna", "bob", "carl", "dirk"}

    def seen(conn: Any, cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if "FROM audit_entries" in statement:
            values = parameters.values() if isinstance(parameters, dict) else parameters
            named.update(members.intersection(v for v in values if isinstance(v, str)))

    event.listen(engine, "before_cursor_execute", seen)
    try:
        yield named
    finally:
        event.remove(engine, "before_cursor_execute", seen)


def _evaluate(runtime: Runtime, now: datetime) -> tuple[list[tuple[Any, ...]], set[str]]:
    """Evaluate fully (rolled back) and incrementally (committed) from the same state;
    assert they leave the same alerts; return those and the members the second read."""
    with runtime.sessions() as session:
        session.execute(delete(AuditAlertWatermark))
        evaluate_alerts(session, settings=runtime.settings, now=now)
        full = _alerts(session)
        session.rollback()
    with _members_read(runtime) as read, transaction(runtime.sessions) as session:
        evaluate_alerts(session, settings=runtime.settings, now=now)
    with runtime.sessions() as session:
        incremental = _alerts(session)
    assert incremental == full
    return incremental, read


def _rules(alerts: list[tuple[Any, ...]], sub: str) -> list[str]:
    return [a[0] for a in alerts if a[1] == sub]


def test_incremental_evaluation_agrees_with_the_full_one(runtime: Runtime) -> None:
    t0 = runtime.clock.now()
    for n in range(3):  # bob: three unflagged checks, then nothing more
        _check(runtime, "bob", f"bob-{n}", t0 + timedelta(minutes=20 * n))
    for n in range(3):  # anna: three subjects of a burst ...
        _check(runtime, "anna", f"anna-{n}", t0 + timedelta(hours=2, minutes=n))
    _check(runtime, "carl", "carl-0", t0 + timedelta(hours=2))
    sequencer_job(runtime)
    first = t0 + timedelta(hours=2, minutes=3)
    alerts, read = _evaluate(runtime, first)
    assert read == set()  # no watermark yet: the window of every member, read by time
    assert _rules(alerts, "bob") == [AlertRule.CHECKS_WITHOUT_TEAM_FLAG]
    assert _rules(alerts, "anna") == [AlertRule.CHECKS_WITHOUT_TEAM_FLAG]  # 3 subjects: no burst

    for n in range(3, 5):  # ... and two more in the next minute: one burst over two runs
        _check(runtime, "anna", f"anna-{n}", t0 + timedelta(hours=2, minutes=n))
    sequencer_job(runtime)
    alerts, read = _evaluate(runtime, first + timedelta(minutes=2))
    assert read == {"anna"}  # bob and carl made no new checks: not read again
    [burst] = [a for a in alerts if a[1] == "anna" and a[0] == AlertRule.MANY_DISTINCT_SUBJECTS]
    assert '"distinct_subjects": 5' in burst[4]

    # carl's second check, dated before that evaluation, committed after it and sequenced
    # before the next one; his third, also dated before, committed and not yet sequenced
    _check(runtime, "carl", "carl-1", t0 + timedelta(hours=2, minutes=1))
    sequencer_job(runtime)
    alerts, read = _evaluate(runtime, first + timedelta(minutes=3))
    assert read == {"carl"} and _rules(alerts, "carl") == []
    _check(runtime, "carl", "carl-2", t0 + timedelta(hours=2, minutes=2))
    alerts, read = _evaluate(runtime, first + timedelta(minutes=4))
    assert read == {"carl"} and _rules(alerts, "carl") == [AlertRule.CHECKS_WITHOUT_TEAM_FLAG]
    sequencer_job(runtime)  # carl-2 now gets its leaf: read once more, nothing changes
    assert _evaluate(runtime, first + timedelta(minutes=5)) == (alerts, {"carl"})
    assert _evaluate(runtime, first + timedelta(minutes=6)) == (alerts, set())


def test_a_finding_an_acknowledged_alert_held_back_is_news_once_the_window_slides(
    runtime: Runtime,
) -> None:
    t0 = runtime.clock.now()
    for n in range(3):
        _check(runtime, "dirk", f"dirk-{n}", t0 + timedelta(hours=n))
    sequencer_job(runtime)
    alerts, _ = _evaluate(runtime, t0 + timedelta(hours=3))
    assert _rules(alerts, "dirk") == [AlertRule.CHECKS_WITHOUT_TEAM_FLAG]
    with transaction(runtime.sessions) as session:
        session.execute(update(AuditAlert).values(status=AlertStatus.ACKNOWLEDGED.value))
        alerts = _alerts(session)
    for n in range(3, 6):  # the probe goes on: overlaps the handled alert, not repeated
        _check(runtime, "dirk", f"dirk-{n}", t0 + timedelta(hours=n + 1))
    sequencer_job(runtime)
    assert _evaluate(runtime, t0 + timedelta(hours=8))[0] == alerts
    assert _evaluate(runtime, t0 + timedelta(hours=20))[0] == alerts  # still overlapping
    # 24 hours after the third check the first three have left the window: the last three
    # are news, though dirk checked nothing since
    alerts, read = _evaluate(runtime, t0 + timedelta(hours=26, minutes=30))
    assert read == {"dirk"}
    assert [a[5] for a in alerts] == [AlertStatus.ACKNOWLEDGED, AlertStatus.OPEN]


def test_the_watermark_is_the_tree_size_and_the_time_evaluated(runtime: Runtime) -> None:
    t0 = runtime.clock.now()
    for n in range(3):
        _check(runtime, "anna", f"a-{n}", t0)
    sequencer_job(runtime)
    _check(runtime, "bob", "b-0", t0)  # committed, not sequenced: must be read again later
    with transaction(runtime.sessions) as session:
        evaluate_alerts(session, settings=runtime.settings, now=t0 + timedelta(minutes=1))
    with runtime.sessions() as session:
        mark = repository.alert_watermark(session)
        assert mark is not None
        assert (mark.tree_size, mark.evaluated_until) == (3, t0 + timedelta(minutes=1))

    with runtime.sessions() as session:  # a rolled-back evaluation leaves it where it was
        evaluate_alerts(session, settings=runtime.settings, now=t0 + timedelta(minutes=2))
        session.rollback()
    sequencer_job(runtime)  # bob's check gets leaf 3: new to the next evaluation
    with _members_read(runtime) as read, transaction(runtime.sessions) as session:
        evaluate_alerts(session, settings=runtime.settings, now=t0 + timedelta(minutes=2))
    assert read == {"bob"}
    with runtime.sessions() as session:
        mark = repository.alert_watermark(session)
        assert mark is not None
        assert (mark.tree_size, mark.evaluated_until) == (4, t0 + timedelta(minutes=2))


def test_a_check_dated_after_an_evaluation_counts_once_its_time_comes(runtime: Runtime) -> None:
    t0 = runtime.clock.now()
    for n in range(2):
        _check(runtime, "anna", f"a-{n}", t0)
    _check(runtime, "anna", "a-2", t0 + timedelta(minutes=10))  # a clock ahead of the hub's
    sequencer_job(runtime)
    alerts, _ = _evaluate(runtime, t0 + timedelta(minutes=1))
    assert alerts == []  # a-2 lies after this window
    alerts, read = _evaluate(runtime, t0 + timedelta(minutes=11))  # nothing sequenced since
    assert read == {"anna"} and _rules(alerts, "anna") == [AlertRule.CHECKS_WITHOUT_TEAM_FLAG]
