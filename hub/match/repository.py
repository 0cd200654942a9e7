"""SQL for matches."""

from __future__ import annotations

import functools
import uuid
from collections.abc import Collection, Iterable, Sequence
from datetime import datetime
from typing import Any, cast

import psycopg
from sqlalchemy import ColumnElement, Select, any_, bindparam, select
from sqlalchemy.orm import Session

from hub.db import insert_new
from hub.fastpath.rows import Compiled, compiled, entity_columns, entity_reader, width
from hub.flag.models import Flag
from hub.flag.repository import is_live
from hub.match.models import Match, MatchMember
from hub.organisation.models import Team


def add(session: Session, *rows: Match | MatchMember) -> None:
    """Write a new match and its members (in that order), a statement per kind of row."""
    insert_new(session, *rows)


def _latest(
    subjects: ColumnElement[bool], organisations: ColumnElement[bool]
) -> Select[*tuple[Any, ...]]:
    return select(Match).where(subjects, organisations).order_by(Match.created_at)


def latest_on_subjects(
    session: Session, pairs: Collection[tuple[bytes, uuid.UUID]]
) -> dict[tuple[bytes, uuid.UUID], Match]:
    """The latest match on each of several (subject, organisation) pairs, in one query."""
    if not pairs:
        return {}
    statement = _latest(
        Match.subject_key.in_({key for key, _ in pairs}),
        Match.organisation_id.in_({organisation for _, organisation in pairs}),
    )
    return _latest_by_pair(pairs, session.scalars(statement))


@functools.cache
def _latest_sql() -> Compiled:
    statement = _latest(
        Match.subject_key == any_(bindparam("subject_keys")),
        Match.organisation_id == any_(bindparam("organisation_ids")),
    ).with_only_columns(*entity_columns(Match))
    return compiled(statement, given=("subject_keys", "organisation_ids"))


def _latest_by_pair(
    pairs: Collection[tuple[bytes, uuid.UUID]], matches: Iterable[Match]
) -> dict[tuple[bytes, uuid.UUID], Match]:
    latest = {(match.subject_key, match.organisation_id): match for match in matches}
    return {pair: match for pair, match in latest.items() if pair in pairs}


def get(session: Session, match_id: uuid.UUID) -> Match | None:
    return session.get(Match, match_id)


_LIVE_MEMBERS = (
    select(MatchMember, Flag, Team)
    .join(Flag, Flag.id == MatchMember.flag_id)
    .join(Team, Team.id == MatchMember.team_id)
    .where(
        MatchMember.match_id == bindparam("match_id"),
        is_live(bindparam("now")),
        Team.active,  # a deactivated team's flags are not shown, in matches neither
    )
    .order_by(MatchMember.joined_at)
)


def live_members(
    session: Session, match_id: uuid.UUID, *, now: datetime
) -> Sequence[tuple[MatchMember, Flag, Team]]:
    """Members whose flag is still active: an expired or withdrawn flag, or one of a
    deactivated team, leaves the match."""
    rows = session.execute(_LIVE_MEMBERS, {"match_id": match_id, "now": now})
    return [(member, flag, team) for member, flag, team in rows]


def _live_members_of(matches: ColumnElement[bool]) -> Select[*tuple[Any, ...]]:
    return (
        select(MatchMember, Flag, Team)
        .join(Flag, Flag.id == MatchMember.flag_id)
        .join(Team, Team.id == MatchMember.team_id)
        .where(matches, is_live(bindparam("now")), Team.active)
        .order_by(MatchMember.joined_at)
    )


_LIVE_MEMBERS_OF = _live_members_of(
    MatchMember.match_id.in_(bindparam("match_ids", expanding=True))
)


def live_members_of(
    session: Session, match_ids: Collection[uuid.UUID], *, now: datetime
) -> dict[uuid.UUID, list[tuple[MatchMember, Flag, Team]]]:
    """:func:`live_members` of several matches in one query, by match."""
    if not match_ids:
        return {}
    rows = session.execute(_LIVE_MEMBERS_OF, {"match_ids": list(match_ids), "now": now})
    return _members_by_match(match_ids, rows)


@functools.cache
def _live_members_of_sql() -> Compiled:
    statement = _live_members_of(MatchMember.match_id == any_(bindparam("match_ids")))
    columns = (*entity_columns(MatchMember), *entity_columns(Flag), *entity_columns(Team))
    return compiled(statement.with_only_columns(*columns), given=("match_ids", "now"))


def _members_by_match(
    match_ids: Collection[uuid.UUID], rows: Iterable[tuple[MatchMember, Flag, Team]]
) -> dict[uuid.UUID, list[tuple[MatchMember, Flag, Team]]]:
    found: dict[uuid.UUID, list[tuple[MatchMember, Flag, Team]]] = {
        match_id: [] for match_id in match_ids
    }
    for member, flag, team in rows:
        found[member.match_id].append((member, flag, team))
    return found


async def latest_and_members_async(
    connection: psycopg.AsyncConnection[Any],
    pairs: Collection[tuple[bytes, uuid.UUID]],
    *,
    now: datetime,
) -> tuple[
    dict[tuple[bytes, uuid.UUID], Match], dict[uuid.UUID, list[tuple[MatchMember, Flag, Team]]]
]:
    """:func:`latest_on_subjects` and :func:`live_members_of` those matches, on the event
    loop (``hub/fastpath/rows.py``)."""
    if not pairs:
        return {}, {}
    sql = _latest_sql()
    parameters = sql.parameters(
        subject_keys=list({key for key, _ in pairs}),
        organisation_ids=list({organisation for _, organisation in pairs}),
    )
    rows = await (await connection.execute(sql.text, parameters)).fetchall()
    match_of = entity_reader(Match)
    latest = _latest_by_pair(pairs, (cast(Match, match_of(row)) for row in rows))
    match_ids = [match.id for match in latest.values()]
    if not match_ids:
        return latest, {}
    sql = _live_members_of_sql()
    parameters = sql.parameters(match_ids=match_ids, now=now)
    rows = await (await connection.execute(sql.text, parameters)).fetchall()
    member_of = entity_reader(MatchMember)
    flag_of = entity_reader(Flag, width(MatchMember))
    team_of = entity_reader(Team, width(MatchMember) + width(Flag))
    members = ((member_of(row), flag_of(row), team_of(row)) for row in rows)
    return latest, _members_by_match(match_ids, cast(Any, members))


def matches_of_team(session: Session, team_id: uuid.UUID, *, now: datetime) -> Sequence[Match]:
    statement = (
        select(Match)
        .join(MatchMember, MatchMember.match_id == Match.id)
        .join(Flag, Flag.id == MatchMember.flag_id)
        .where(MatchMember.team_id == team_id, is_live(now))
        .order_by(Match.created_at.desc())
        .distinct()
    )
    return session.scalars(statement).all()
