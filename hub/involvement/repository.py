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
from hub.fastpath.rows import audit_columns
from hub.flag import repository as flags
from hub.flag.repository import LiveFlag
from hub.involvement.limits import DayAsk, DayPlace, places_in_order
from hub.involvement.models import CheckDayCount, CheckMinuteCount


@functools.cache
def _record_and_read_statement() -> tuple[str, dict[str, Any]]:
    """The group's statement: its entries inserted, and ``flags.live_on_subjects`` read."""
    table = cast(Table, AuditEntry.__table__)
    columns = audit_columns()
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


def _counting(table: str, period: str, *, asked: str, limit: str, prefix: str = "") -> str:
    """The ``WITH`` parts that add the checks of ``asked`` (position, member, team and the
    member's limit in column ``limit``) to ``table``'s counts for ``%(period)s``, their
    members first; the checks within their member's limit then to their teams. Their places
    come out as ``{prefix}member_places`` and ``{prefix}team_places`` (position, place)."""
    return f"""{prefix}by_member AS (
    SELECT member AS key, count(*)::integer AS n FROM {asked} GROUP BY member
), {prefix}members AS (
    INSERT INTO {table} AS counted ({period}, scope, key, count)
    SELECT %({period})s, 'member', key, n FROM {prefix}by_member ORDER BY key
    ON CONFLICT ({period}, scope, key) DO UPDATE SET count = counted.count + excluded.count
    RETURNING key, count
), {prefix}member_places AS (
    SELECT {asked}.*, {prefix}members.count - {prefix}by_member.n
        + row_number() OVER (PARTITION BY {asked}.member ORDER BY {asked}.position) AS place
    FROM {asked}
    JOIN {prefix}by_member ON {prefix}by_member.key = {asked}.member
    JOIN {prefix}members ON {prefix}members.key = {asked}.member
), {prefix}within AS (
    SELECT * FROM {prefix}member_places WHERE place <= {limit}
), {prefix}by_team AS (
    SELECT team AS key, count(*)::integer AS n FROM {prefix}within GROUP BY team
), {prefix}teams AS (
    INSERT INTO {table} AS counted ({period}, scope, key, count)
    SELECT %({period})s, 'team', key, n FROM {prefix}by_team ORDER BY key
    ON CONFLICT ({period}, scope, key) DO UPDATE SET count = counted.count + excluded.count
    RETURNING key, count
), {prefix}team_places AS (
    SELECT {prefix}within.position, {prefix}teams.count - {prefix}by_team.n
        + row_number() OVER (PARTITION BY {prefix}within.team ORDER BY {prefix}within.position)
        AS place
    FROM {prefix}within
    JOIN {prefix}by_team ON {prefix}by_team.key = {prefix}within.team
    JOIN {prefix}teams ON {prefix}teams.key = {prefix}within.team
)"""


_ASKED = """asked AS (
    SELECT * FROM json_to_recordset(%(asks)s::json)
        AS asked(position integer, member text, member_limit integer, team text{more})
)"""


def _count_statement(counts: _Counts) -> str:
    return f"""WITH {_ASKED.format(more="")}, {
        _counting(counts.table, counts.period, asked="asked", limit="member_limit")
    }
SELECT member_places.place, team_places.place
FROM member_places LEFT JOIN team_places USING (position)
ORDER BY member_places.position"""


_COUNT_TODAY = _count_statement(DAYS)
""":func:`count_checks_today` as one statement: the members' upsert feeds, through the
checks within their member's limit, the teams' upsert (two data-modifying ``WITH``s on
different rows), and each check's places come back in order."""
_COUNT_THIS_MINUTE = _count_statement(MINUTES)
_COUNT_THIS_MINUTE_THEN_TODAY = f"""WITH {
    _ASKED.format(more=", minute_limit integer, team_minute_limit integer")
}, {
    _counting(MINUTES.table, MINUTES.period, asked="asked", limit="minute_limit", prefix="m_")
}, kept AS (
    SELECT asked.* FROM asked
    JOIN m_member_places USING (position) JOIN m_team_places USING (position)
    WHERE m_member_places.place <= asked.minute_limit
        AND m_team_places.place <= asked.team_minute_limit
), {_counting(DAYS.table, DAYS.period, asked="kept", limit="member_limit", prefix="d_")}
SELECT m_member_places.place, m_team_places.place, d_member_places.place, d_team_places.place
FROM m_member_places
LEFT JOIN m_team_places USING (position)
LEFT JOIN d_member_places USING (position)
LEFT JOIN d_team_places USING (position)
ORDER BY m_member_places.position"""
""":func:`count_checks_this_minute`, then :func:`count_checks_today` for the checks within
both per-minute limits (as ``DayPlace.limit_reached`` judges them), as one statement: one
round trip fewer for a group of checks when the per-minute limits are shared."""


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
    return await _count_in_one_statement(connection, DAYS, asks, day)


async def count_checks_this_minute_in_one_statement(
    connection: psycopg.AsyncConnection[tuple[object, ...]],
    asks: Sequence[DayAsk],
    *,
    minute: datetime,
) -> list[DayPlace]:
    """:func:`count_checks_this_minute` on PostgreSQL, as the day's are counted."""
    return await _count_in_one_statement(connection, MINUTES, asks, minute)


async def count_minute_then_day_in_one_statement(
    connection: psycopg.AsyncConnection[tuple[object, ...]],
    minute_asks: Sequence[MinuteAsk],
    day_limits: Sequence[int],
    *,
    minute: datetime,
    day: date,
) -> tuple[list[DayPlace], list[DayPlace]]:
    """:func:`count_checks_this_minute_in_one_statement`, then
    :func:`count_checks_today_in_one_statement` for the asks within both per-minute limits
    (``day_limits``: each ask's member's daily limit), as one statement. Returns every
    ask's place in the minute, and the kept asks' places in the day, in order."""
    if not minute_asks:
        return [], []
    document = json.dumps(
        [
            {
                "position": position,
                "member": a.ask.member,
                "minute_limit": a.ask.member_limit,
                "team_minute_limit": a.team_limit,
                "member_limit": day_limit,
                "team": a.ask.team,
            }
            for position, (a, day_limit) in enumerate(zip(minute_asks, day_limits, strict=True))
        ]
    )
    parameters = {"asks": document, "minute": minute, "day": day}
    cursor = await connection.execute(_COUNT_THIS_MINUTE_THEN_TODAY, parameters)
    rows = cast(list[tuple[int, int | None, int | None, int | None]], await cursor.fetchall())
    in_minute = [DayPlace(member, team) for member, team, _, _ in rows]
    in_day = [DayPlace(member, team) for _, _, member, team in rows if member is not None]
    return in_minute, in_day


@dataclass(frozen=True)
class MinuteAsk:
    """A check's ask of the minute's counts, with its team's per-minute limit."""

    ask: DayAsk
    team_limit: int


async def _count_in_one_statement(
    connection: psycopg.AsyncConnection[tuple[object, ...]],
    counts: _Counts,
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
    statement = _COUNT_TODAY if counts is DAYS else _COUNT_THIS_MINUTE
    cursor = await connection.execute(statement, {"asks": document, counts.period: period})
    places = cast(list[tuple[int, int | None]], await cursor.fetchall())
    return [DayPlace(member, team) for member, team in places]


def forget_day_counts_before(session: Session, day: date) -> None:
    """Delete the counts of the days before ``day``: no limit looks at them again."""
    session.execute(delete(CheckDayCount).where(CheckDayCount.day < day))


def forget_minute_counts_before(session: Session, minute: datetime) -> None:
    """Delete the counts of the minutes before ``minute``."""
    session.execute(delete(CheckMinuteCount).where(CheckMinuteCount.minute < minute))
