"""SQL for flags."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from hub.flag.models import Flag, FlagStatus
from hub.organisation.models import Team


def add(session: Session, flag: Flag) -> None:
    session.add(flag)
    session.flush()


def get(session: Session, flag_id: uuid.UUID) -> Flag | None:
    return session.get(Flag, flag_id)


def find_active(
    session: Session, *, subject_key: bytes, team_id: uuid.UUID, purpose: str, now: datetime
) -> Flag | None:
    statement = select(Flag).where(
        Flag.subject_key == subject_key,
        Flag.team_id == team_id,
        Flag.purpose == purpose,
        Flag.status == FlagStatus.ACTIVE,
    )
    flag = session.scalars(statement).one_or_none()
    return flag if flag is not None and flag.expires_at > now else None


# Built once, with bound parameters: building the statement and its cache key anew for
# every check was a visible share of a check's CPU (docs/benchmarks.md).
_ACTIVE_ON_SUBJECT = (
    select(Flag, Team)
    .join(Team, Team.id == Flag.team_id)
    .where(
        Flag.subject_key == bindparam("subject_key"),
        Flag.status == FlagStatus.ACTIVE,
        Flag.expires_at > bindparam("now"),
        Team.organisation_id == bindparam("organisation_id"),
    )
    .order_by(Flag.registered_at)
)


def active_on_subject(
    session: Session, *, subject_key: bytes, organisation_id: uuid.UUID, now: datetime
) -> Sequence[tuple[Flag, Team]]:
    """Every live flag of one organisation's teams on one subject: the heart of a check.

    Organisations are separate controllers: their flags never meet inside the hub; chain
    cooperation across organisations goes through connectors under a convenant.
    """
    parameters = {"subject_key": subject_key, "now": now, "organisation_id": organisation_id}
    return [(flag, team) for flag, team in session.execute(_ACTIVE_ON_SUBJECT, parameters)]


def list_for_team(
    session: Session, *, team_id: uuid.UUID, status: FlagStatus | None, limit: int, offset: int
) -> Sequence[Flag]:
    statement = select(Flag).where(Flag.team_id == team_id)
    if status is not None:
        statement = statement.where(Flag.status == status)
    statement = statement.order_by(Flag.registered_at.desc(), Flag.id).limit(limit).offset(offset)
    return session.scalars(statement).all()
