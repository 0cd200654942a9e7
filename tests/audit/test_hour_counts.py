"""The hourly counts the sequencer keeps give the reports the same figures as the entries.

Reports read whole hours from ``audit_hour_counts`` and the rest (the part hours at the
ends of the period, unsequenced entries) from the entries; each test here computes the
same report both ways on the same log and compares, so a wrong count shows.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any

from sqlalchemy import delete, func, select, text, update

from hub.actor import Actor, Role
from hub.audit import hour_counts, reports
from hub.audit.integrity import Sieve
from hub.audit.models import AuditEntry, AuditHourCount
from hub.audit.service import record
from hub.audit.vocabulary import Action, AuditRecord, Outcome
from hub.background import sequencer_job
from hub.runtime import Runtime
from hub.transactions import transaction
from tests.audit.builders import subject_key

ORGANISATION = "gemeente-voorbeeld"
# Around the end of summer time in Europe/Amsterdam (25 October 2026, 01:00 UTC), so a
# local day of 25 hours is counted too.
FIRST = datetime(2026, 10, 23, 20, 7, tzinfo=UTC)
SINCE = FIRST + timedelta(hours=3, minutes=17)
UNTIL = FIRST + timedelta(days=3, hours=5, minutes=41)


def _actor(n: int) -> Actor:
    return Actor(
        sub=f"member-{n % 5}",
        name="",
        organisation=ORGANISATION if n % 11 else "gemeente-elders",
        team=("pw-handhaving", "schuldhulp", None)[n % 3],
        roles=frozenset({Role.PROFESSIONAL}),
        client_id="connector-a" if n % 4 == 0 else None,
    )


def _write(runtime: Runtime, numbers: range) -> None:
    with transaction(runtime.sessions) as session:
        for n in numbers:
            record(
                session,
                _actor(n),
                AuditRecord(
                    action=Action.CHECK if n % 6 else Action.FLAG_REGISTER,
                    outcome=Outcome.REFUSED if n % 7 == 0 else Outcome.ALLOWED,
                    subject_key=subject_key(f"s{n % 13}"),
                ),
                at=FIRST + timedelta(minutes=23 * n),
            )


def _log(runtime: Runtime) -> None:
    """About four days of entries; those after the first two and a half days (inside the
    reports' period) not yet sequenced."""
    _write(runtime, range(150))
    sequencer_job(runtime)
    _write(runtime, range(150, 260))


def _both(
    runtime: Runtime, report: Any, since: datetime = SINCE, **options: Any
) -> tuple[Any, Any]:
    with runtime.sessions() as session:
        counted = report(session, Sieve(), since, UNTIL, organisation=ORGANISATION, **options)
        read = report(
            session, Sieve(), since, UNTIL, organisation=ORGANISATION, use_counts=False, **options
        )
    return counted, read


def test_checks_per_member_from_the_counts_equals_it_from_the_entries(runtime: Runtime) -> None:
    _log(runtime)
    for client in (None, "connector-a"):
        counted, read = _both(runtime, reports.checks_per_member, client=client)
        assert counted == read and read
    with runtime.sessions() as session:
        cells = session.scalar(select(func.count()).select_from(AuditHourCount))
    assert cells and cells > 100  # the counts were kept, so the first path read them


def test_checks_over_time_from_the_counts_equals_it_from_the_entries(runtime: Runtime) -> None:
    _log(runtime)
    counted, read = _both(runtime, reports.checks_over_time, settings=runtime.settings)
    assert counted == read
    assert read[0][0]["period"] == "2026-10-24"
    assert "2026-10-25" in read[1]["periods"]  # the 25-hour day
    weekly = _both(
        runtime, reports.checks_over_time, SINCE - timedelta(days=70), settings=runtime.settings
    )
    assert weekly[0] == weekly[1] and weekly[1][1]["interval"] == "week"
    assert [row["period"] for row in weekly[1][0]][:1] == ["2026-10-19"]  # a Monday


def test_the_most_checked_subjects_ranked_by_the_database_equal_those_read_from_entries(
    runtime: Runtime,
) -> None:
    _log(runtime)
    for limit in (1, 3, 20):
        counted, read = _both(runtime, reports.most_checked_subjects, limit=limit)
        assert counted == read and len(read) == min(limit, 13)


def test_off_hours_from_the_counts_equals_it_from_the_entries(runtime: Runtime) -> None:
    _log(runtime)
    counted, read = _both(runtime, reports.off_hours, settings=runtime.settings)
    assert counted == read
    assert read and all(row["inside_office_hours"] for row in read)  # both parts counted
    weekly = _both(runtime, reports.off_hours, SINCE - timedelta(days=9), settings=runtime.settings)
    assert weekly[0] == weekly[1]


def test_off_hours_lists_the_newest_entries_and_counts_the_rest(runtime: Runtime) -> None:
    _log(runtime)
    counted, read = _both(runtime, reports.off_hours, settings=runtime.settings, listed=2)
    assert [row["member"] for row in counted] == [row["member"] for row in read]
    for short, full in zip(counted, read, strict=True):
        assert short["outside_office_hours"] == full["outside_office_hours"] > 2
        assert short["entries"] == full["entries"][-2:]
        assert short["entries_not_listed"] == full["outside_office_hours"] - 2
        assert {**short, "entries": [], "entries_not_listed": 0} == {
            **full,
            "entries": [],
            "entries_not_listed": 0,
        }


def test_off_hours_with_other_office_hours_equal_it_from_the_entries(
    runtime: Runtime,
) -> None:
    _log(runtime)
    settings = runtime.settings.model_copy(
        update={"audit_office_hours_start": time(8, 30), "audit_office_hours_end": time(17, 15)}
    )
    counted, read = _both(runtime, reports.off_hours, settings=settings)
    assert counted == read and read
    weekend = runtime.settings.model_copy(update={"audit_office_days": (5, 6)})
    counted, read = _both(runtime, reports.off_hours, settings=weekend)
    assert counted == read and read


def test_off_hours_leaves_out_a_listed_entry_edited_after_sequencing(runtime: Runtime) -> None:
    _log(runtime)
    _, read = _both(runtime, reports.off_hours, settings=runtime.settings)
    victim = max(  # the newest sequenced: inside a whole hour, listed from the entries
        entry["leaf_index"]
        for row in read
        for entry in row["entries"]
        if entry["leaf_index"] is not None
    )
    with transaction(runtime.sessions) as session:
        session.execute(
            update(AuditEntry).where(AuditEntry.leaf_index == victim).values(purpose="anders")
        )
    kept, sieved = Sieve(), Sieve()
    with runtime.sessions() as session:
        common = {"organisation": ORGANISATION, "settings": runtime.settings}
        counted = reports.off_hours(session, kept, SINCE, UNTIL, **common)
        read = reports.off_hours(session, sieved, SINCE, UNTIL, **common, use_counts=False)
    assert counted == read
    assert [f.leaf_index for f in kept.faults] == [f.leaf_index for f in sieved.faults] == [victim]


def test_a_wrong_count_shows(runtime: Runtime) -> None:
    _log(runtime)
    with transaction(runtime.sessions) as session:
        session.execute(
            update(AuditHourCount)
            .where(AuditHourCount.hour == hour_counts.ceil_hour(SINCE) + timedelta(hours=5))
            .values(entries=AuditHourCount.entries + 1)
        )
    counted, read = _both(runtime, reports.checks_per_member)
    assert counted != read


def test_the_sequencer_counts_each_entry_once_in_its_hour(runtime: Runtime) -> None:
    _write(runtime, range(40))
    sequencer_job(runtime)
    _write(runtime, range(40, 50))
    sequencer_job(runtime)
    sequencer_job(runtime)  # nothing new: nothing added
    with runtime.sessions() as session:
        total = session.scalar(select(func.sum(AuditHourCount.entries)))
        first = session.scalar(
            select(func.sum(AuditHourCount.entries)).where(
                AuditHourCount.hour == FIRST.replace(minute=0)
            )
        )
    assert total == 50
    assert first == 3  # 20:07, 20:30 and 20:53


def test_the_migrations_backfill_counts_what_the_sequencer_counted(runtime: Runtime) -> None:
    _log(runtime)
    cells = select(AuditHourCount).order_by(*AuditHourCount.__table__.primary_key.columns)
    with transaction(runtime.sessions) as session:
        kept = [
            (c.hour, c.member, c.team, c.client, c.action, c.outcome, c.entries)
            for c in session.scalars(cells)
        ]
        session.execute(delete(AuditHourCount))
        session.execute(text(hour_counts.backfill_sql(session.get_bind().dialect.name)))
        session.expire_all()
        filled = [
            (c.hour, c.member, c.team, c.client, c.action, c.outcome, c.entries)
            for c in session.scalars(cells)
        ]
    assert filled == kept and kept
