"""SQL for contact requests."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from hub.contact_request.models import ContactRequest, RequestStatus
from hub.db import insert_new
from hub.flag.models import Flag


def add(session: Session, request: ContactRequest) -> None:
    insert_new(session, request)


def get(session: Session, request_id: uuid.UUID) -> ContactRequest | None:
    return session.get(ContactRequest, request_id)


def pending_between(
    session: Session, *, flag_id: uuid.UUID, requester_team_id: uuid.UUID
) -> ContactRequest | None:
    statement = select(ContactRequest).where(
        ContactRequest.flag_id == flag_id,
        ContactRequest.requester_team_id == requester_team_id,
        ContactRequest.status == RequestStatus.PENDING,
    )
    return session.scalars(statement).first()


def list_for_team(
    session: Session, *, team_id: uuid.UUID, direction: str | None, limit: int, offset: int
) -> Sequence[ContactRequest]:
    if direction == "incoming":
        condition = ContactRequest.owner_team_id == team_id
    elif direction == "outgoing":
        condition = ContactRequest.requester_team_id == team_id
    else:
        condition = or_(
            ContactRequest.owner_team_id == team_id, ContactRequest.requester_team_id == team_id
        )
    statement = (
        select(ContactRequest)
        .where(condition)
        .order_by(ContactRequest.created_at.desc(), ContactRequest.id)
        .limit(limit)
        .offset(offset)
    )
    return session.scalars(statement).all()


def overdue(session: Session, *, now: datetime) -> Sequence[ContactRequest]:
    statement = select(ContactRequest).where(
        ContactRequest.status == RequestStatus.PENDING, ContactRequest.expires_at <= now
    )
    return session.scalars(statement).all()


def decided_on_subject(
    session: Session, *, subject_key: bytes
) -> dict[tuple[uuid.UUID, uuid.UUID], str]:
    """The latest decision (accepted or declined) per (owner team, requesting team) on
    any flag on one subject: what a match between the two may show (hub/match/service.py)."""
    statement = (
        select(
            ContactRequest.owner_team_id, ContactRequest.requester_team_id, ContactRequest.status
        )
        .join(Flag, Flag.id == ContactRequest.flag_id)
        .where(
            Flag.subject_key == subject_key,
            ContactRequest.status.in_([RequestStatus.ACCEPTED, RequestStatus.DECLINED]),
        )
        .order_by(ContactRequest.decided_at, ContactRequest.id)
    )
    return {(owner, requester): status for owner, requester, status in session.execute(statement)}
