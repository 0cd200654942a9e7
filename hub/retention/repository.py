"""SQL for retention: which flags expire, move to the archive, or go for good."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from hub.contact_request.models import ContactRequest
from hub.flag.models import Flag, FlagStatus
from hub.match.models import Match, MatchMember
from hub.organisation.models import Organisation, Team


def overdue_active(session: Session, *, now: datetime) -> Sequence[Flag]:
    statement = select(Flag).where(Flag.status == FlagStatus.ACTIVE, Flag.expires_at <= now)
    return session.scalars(statement).all()


def withdrawn_unarchived(session: Session) -> Sequence[Flag]:
    statement = select(Flag).where(Flag.status == FlagStatus.WITHDRAWN, Flag.archived_at.is_(None))
    return session.scalars(statement).all()


def archived(session: Session) -> Sequence[Flag]:
    return session.scalars(select(Flag).where(Flag.archived_at.is_not(None))).all()


def flags_of_subject(session: Session, subject_key: bytes, *, organisation: str) -> Sequence[Flag]:
    """The subject's flags held by teams of one organisation."""
    statement = (
        select(Flag)
        .join(Team, Team.id == Flag.team_id)
        .join(Organisation, Organisation.id == Team.organisation_id)
        .where(Flag.subject_key == subject_key, Organisation.slug == organisation)
    )
    return session.scalars(statement).all()


def delete_flags(session: Session, flag_ids: Sequence[uuid.UUID]) -> None:
    """Delete flags with whatever hangs on them (match memberships, contact requests)."""
    if not flag_ids:
        return
    session.execute(delete(MatchMember).where(MatchMember.flag_id.in_(flag_ids)))
    session.execute(delete(ContactRequest).where(ContactRequest.flag_id.in_(flag_ids)))
    session.execute(delete(Flag).where(Flag.id.in_(flag_ids)))
    session.flush()


def delete_empty_matches(session: Session) -> int:
    empty = select(Match.id).where(
        ~select(MatchMember.id).where(MatchMember.match_id == Match.id).exists()
    )
    ids = list(session.scalars(empty))
    if ids:
        session.execute(delete(Match).where(Match.id.in_(ids)))
        session.flush()
    return len(ids)
