"""SQL for matches."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
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


# Built once, with bound parameters: a registration that makes a match asks both, and
# building a statement is a good part of its cost (docs/benchmarks.md).
_LATEST_ON_SUBJECT = (
    select(Match)
    .where(
        Match.subject_key == bindparam("subject_key"),
        Match.organisation_id == bindparam("organisation_id"),
    )
    .order_by(Match.created_at.desc())
    .limit(1)
)


def latest_on_subject(
    session: Session, subject_key: bytes, organisation_id: uuid.UUID
) -> Match | None:
    parameters = {"subject_key": subject_key, "organisation_id": organisation_id}
    return session.scalars(_LATEST_ON_SUBJECT, parameters).first()


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
