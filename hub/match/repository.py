"""SQL for matches."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from hub.db import insert_new
from hub.flag.models import Flag
from hub.flag.repository import is_live
from hub.match.models import Match, MatchMember
from hub.organisation.models import Team


def add(session: Session, *rows: Match | MatchMember) -> None:
    """Write a new match and its members (in that order), a statement per kind of row."""
    insert_new(session, *rows)


def latest_on_subjects(
    session: Session, pairs: Collection[tuple[bytes, uuid.UUID]]
) -> dict[tuple[bytes, uuid.UUID], Match]:
    """The latest match on each of several (subject, organisation) pairs, in one query."""
    if not pairs:
        return {}
    statement = (
        select(Match)
        .where(
            Match.subject_key.in_({key for key, _ in pairs}),
            Match.organisation_id.in_({organisation for _, organisation in pairs}),
        )
        .order_by(Match.created_at)
    )
    latest = {
        (match.subject_key, match.organisation_id): match for match in session.scalars(statement)
    }
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


_LIVE_MEMBERS_OF = (
    select(MatchMember, Flag, Team)
    .join(Flag, Flag.id == MatchMember.flag_id)
    .join(Team, Team.id == MatchMember.team_id)
    .where(
        MatchMember.match_id.in_(bindparam("match_ids", expanding=True)),
        is_live(bindparam("now")),
        Team.active,
    )
    .order_by(MatchMember.joined_at)
)


def live_members_of(
    session: Session, match_ids: Collection[uuid.UUID], *, now: datetime
) -> dict[uuid.UUID, list[tuple[MatchMember, Flag, Team]]]:
    """:func:`live_members` of several matches in one query, by match."""
    found: dict[uuid.UUID, list[tuple[MatchMember, Flag, Team]]] = {
        match_id: [] for match_id in match_ids
    }
    if match_ids:
        rows = session.execute(_LIVE_MEMBERS_OF, {"match_ids": list(match_ids), "now": now})
        for member, flag, team in rows:
            found[member.match_id].append((member, flag, team))
    return found


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
