"""SQL for involvement checks: a group's day counts, its audit entries and the live flags.

On PostgreSQL both go in one statement: the entries are inserted by a data-modifying
``WITH`` from one JSON document (one parameter whatever the group's size, so the statement
is prepared once), and the same statement reads the flags. On an autocommit connection
(``hub/fastpath/statements.py``) that statement is the whole transaction: one round trip, its commit
durable before any answer leaves. Elsewhere (SQLite) the entries are inserted and the flags
read by the audit's and the flags' own statements, in the caller's transaction.

The day counts (``check_day_counts``) go before, since whether a check is allowed depends
on them: in the caller's transaction, or on PostgreSQL as one more statement on the same
autocommit connection, so a group costs two round trips whatever its size.
"""

from __future__ import annotations

import functools
import json
import uuid
from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, cast

import psycopg
from sqlalchemy import Table, delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from hub.audit import service as audit
from hub.audit.models import AuditEntry
from hub.db import json_insert_statement, rows_as_json
from hub.errors import AuditUnavailable
from hub.flag import repository as flags
from hub.flag.repository import LiveFlag
from hub.involvement.limits import DayAsk, DayPlace, places_in_order
from hub.involvement.models import CheckDayCount, CheckMinuteCount

_GENERATED = {"seq", "leaf_index"}
"""Audit columns the database fills (the sequence) or the sequencer sets later."""


@functools.cache
def _record_and_read_statement() -> tuple[str, dict[str, Any]]:
    """The group's statement: its entries inserted, and ``flags.live_on_subjects`` read."""
    table = cast(Table, AuditEntry.__table__)
    columns = tuple(column.name for column in table.columns if column.name not in _GENERATED)
    read, fixed = flags.live_on_subjects_sql()
    return f"WITH recorded AS ({json_insert_statement(table, columns, 'entries')})\n{read}", fixed


def record_and_read_live(
    session: Session,
    entries: list[dict[str, Any]],
    *,
    subject_keys: Collection[bytes],
    organisation_ids: Collection[uuid.UUID],
    now: datetime,
) -> dict[tuple[bytes, uuid.UUID], list[LiveFlag]]:
    """Write ``entries`` (made by ``audit.new_entry``) and read the live flags on the subjects.

    In the session's transaction, by the audit's and the flags' own statements; the flags
    come as ``flags.live_on_subjects`` gives them. If the entries cannot be written, nothing
    is read: :class:`AuditUnavailable`.
    """
    audit.write(session, entries)
    return flags.live_on_subjects(
        session, subject_keys=subject_keys, organisation_ids=organisation_ids, now=now
    )


async def record_and_read_live_in_one_statement(
    connection: psycopg.AsyncConnection[tuple[object, ...]],
    entries: list[dict[str, Any]],
    *,
    subject_keys: Collection[bytes],
    organisation_ids: Collection[uuid.UUID],
    now: datetime,
) -> dict[tuple[bytes, uuid.UUID], list[LiveFlag]]:
    """:func:`record_and_read_live` on PostgreSQL, as one statement on an autocommit connection.

    When it returns, the entries are committed.
    """
    if not entries and not subject_keys:
        return {}
    # The entries as one JSON document: the driver's arrays of 22 columns cost about ten
    # times the CPU in Python (docs/benchmarks.md).
    statement, fixed = _record_and_read_statement()
    parameters = {
        **fixed,
        "entries": rows_as_json(entries),
        "subject_keys": list(subject_keys),
        "organisation_ids": list(organisation_ids),
        "now": now,
    }
    try:
        cursor = await connection.execute(statement, parameters)
        return flags.by_subject_and_organisation(await cursor.fetchall())
    except psycopg.OperationalError:
        raise  # the connection, not the entries: the caller reports the storage unavailable
    except psycopg.Error as error:
        raise AuditUnavailable("the audit entries could not be written") from error


def count_checks_today(session: Session, asks: Sequence[DayAsk], *, day: date) -> list[DayPlace]:
    """Add ``asks`` to ``day``'s counts and give each its place, in the session's transaction.

    Members first; a check past its member's daily limit is not added to its team's count.
    An upsert holds its rows until the transaction ends, so processes that count at once
    take turns; the keys go in sorted order, so two groups cannot deadlock.
    """
    return _count(session, DAYS, day, asks)


def count_checks_this_minute(
    session: Session, asks: Sequence[DayAsk], *, minute: datetime
) -> list[DayPlace]:
    """:func:`count_checks_today` for the minute that starts at ``minute`` (the per-minute
    limits shared by every hub process); an ask's ``member_limit`` is its per-minute one."""
    return _count(session, MINUTES, minute, asks)


@dataclass(frozen=True)
class _Counts:
    """A table of counts per period, scope and key."""

    table: str
    period: str  # its period column


DAYS = _Counts("check_day_counts", "day")
MINUTES = _Counts("check_minute_counts", "minute")


def _count(
    session: Session, counts: _Counts, period: date | datetime, asks: Sequence[DayAsk]
) -> list[DayPlace]:
    if not asks:
        return []
    members = _add_to_counts(session, counts, period, "member", Counter(ask.member for ask in asks))
    member_places = places_in_order([ask.member for ask in asks], members)
    within = [
        index
        for index, (ask, place) in enumerate(zip(asks, member_places, strict=True))
        if place <= ask.member_limit
    ]
    teams = _add_to_counts(
        session, counts, period, "team", Counter(asks[index].team for index in within)
    )
    team_places = dict(
        zip(within, places_in_order([asks[index].team for index in within], teams), strict=True)
    )
    return [DayPlace(place, team_places.get(index)) for index, place in enumerate(member_places)]


def _add_to_counts(
    session: Session, counts: _Counts, period: date | datetime, scope: str, added: Counter[str]
) -> dict[str, int]:
    """Raise each key's count by its number in ``added``: key to its count after."""
    if not added:
        return {}
    model = CheckDayCount if counts is DAYS else CheckMinuteCount
    table = cast(Table, model.__table__)
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    rows = [
        {counts.period: period, "scope": scope, "key": key, "count": n}
        for key, n in sorted(added.items())
    ]
    statement = dialect.insert(table).values(rows)
    statement = statement.on_conflict_do_update(
        index_elements=[table.c[counts.period], table.c.scope, table.c.key],
        set_={"count": table.c.count + statement.excluded.count},
    ).returning(table.c.key, table.c.count)
    return {key: count for key, count in session.execute(statement)}


_COUNT = """
WITH asked AS (
    SELECT * FROM json_to_recordset(%(asks)s::json)
        AS asked(position integer, member text, member_limit integer, team text)
), by_member AS (
    SELECT member AS key, count(*)::integer AS n FROM asked GROUP BY member
), members AS (
    INSERT INTO {table} AS counted ({period}, scope, key, count)
    SELECT %(period)s, 'member', key, n FROM by_member ORDER BY key
    ON CONFLICT ({period}, scope, key) DO UPDATE SET count = counted.count + excluded.count
    RETURNING key, count
), member_places AS (
    SELECT asked.*, members.count - by_member.n
        + row_number() OVER (PARTITION BY asked.member ORDER BY asked.position) AS place
    FROM asked
    JOIN by_member ON by_member.key = asked.member
    JOIN members ON members.key = asked.member
), within AS (
    SELECT * FROM member_places WHERE place <= member_limit
), by_team AS (
    SELECT team AS key, count(*)::integer AS n FROM within GROUP BY team
), teams AS (
    INSERT INTO {table} AS counted ({period}, scope, key, count)
    SELECT %(period)s, 'team', key, n FROM by_team ORDER BY key
    ON CONFLICT ({period}, scope, key) DO UPDATE SET count = counted.count + excluded.count
    RETURNING key, count
), team_places AS (
    SELECT within.position, teams.count - by_team.n
        + row_number() OVER (PARTITION BY within.team ORDER BY within.position) AS place
    FROM within
    JOIN by_team ON by_team.key = within.team
    JOIN teams ON teams.key = within.team
)
SELECT member_places.place, team_places.place
FROM member_places LEFT JOIN team_places USING (position)
ORDER BY member_places.position
"""
""":func:`count_checks_today` as one statement: the members' upsert feeds, through the
checks within their member's limit, the teams' upsert (two data-modifying ``WITH``s on
different rows), and each check's places come back in order."""
_COUNT_TODAY = _COUNT.format(table=DAYS.table, period=DAYS.period)
_COUNT_THIS_MINUTE = _COUNT.format(table=MINUTES.table, period=MINUTES.period)


async def count_checks_today_in_one_statement(
    connection: psycopg.AsyncConnection[tuple[object, ...]],
    asks: Sequence[DayAsk],
    *,
    day: date,
) -> list[DayPlace]:
    """:func:`count_checks_today` on PostgreSQL, one statement on an autocommit connection.

    The counts are committed when it returns, before the group's entries are written: a
    group that fails after this has still been counted, which errs towards fewer checks.
    """
    return await _count_in_one_statement(connection, _COUNT_TODAY, asks, day)


async def count_checks_this_minute_in_one_statement(
    connection: psycopg.AsyncConnection[tuple[object, ...]],
    asks: Sequence[DayAsk],
    *,
    minute: datetime,
) -> list[DayPlace]:
    """:func:`count_checks_this_minute` on PostgreSQL, as the day's are counted."""
    return await _count_in_one_statement(connection, _COUNT_THIS_MINUTE, asks, minute)


async def _count_in_one_statement(
    connection: psycopg.AsyncConnection[tuple[object, ...]],
    statement: str,
    asks: Sequence[DayAsk],
    period: date | datetime,
) -> list[DayPlace]:
    if not asks:
        return []
    document = json.dumps(
        [
            {
                "position": position,
                "member": a.member,
                "member_limit": a.member_limit,
                "team": a.team,
            }
            for position, a in enumerate(asks)
        ]
    )
    cursor = await connection.execute(statement, {"asks": document, "period": period})
    places = cast(list[tuple[int, int | None]], await cursor.fetchall())
    return [DayPlace(member, team) for member, team in places]


def forget_day_counts_before(session: Session, day: date) -> None:
    """Delete the counts of the days before ``day``: no limit looks at them again."""
    session.execute(delete(CheckDayCount).where(CheckDayCount.day < day))


def forget_minute_counts_before(session: Session, minute: datetime) -> None:
    """Delete the counts of the minutes before ``minute``."""
    session.execute(delete(CheckMinuteCount).where(CheckMinuteCount.minute < minute))
