"""SQL for notifications."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.db import insert_new
from hub.notification.models import Delivery, Notification


def add(session: Session, *notifications: Notification) -> None:
    insert_new(session, *notifications)


def get_for_team(
    session: Session, notification_id: uuid.UUID, team_id: uuid.UUID
) -> Notification | None:
    statement = select(Notification).where(
        Notification.id == notification_id, Notification.team_id == team_id
    )
    return session.scalars(statement).one_or_none()


def list_for_team(
    session: Session, *, team_id: uuid.UUID, unread_only: bool, limit: int, offset: int
) -> Sequence[Notification]:
    statement = select(Notification).where(Notification.team_id == team_id)
    if unread_only:
        statement = statement.where(Notification.read_at.is_(None))
    statement = statement.order_by(Notification.created_at.desc(), Notification.id)
    return session.scalars(statement.limit(limit).offset(offset)).all()


def due_for_delivery(session: Session, *, now: datetime, limit: int) -> Sequence[Notification]:
    statement = (
        select(Notification)
        .where(Notification.delivery == Delivery.PENDING, Notification.next_attempt_at <= now)
        .order_by(Notification.next_attempt_at)
        .limit(limit)
    )
    if session.bind is not None and session.bind.dialect.name == "postgresql":
        statement = statement.with_for_update(skip_locked=True)
    return session.scalars(statement).all()


def pending_email(session: Session, *, limit: int) -> Sequence[Notification]:
    """Notifications whose e-mail is still to be sent."""
    statement = select(Notification).where(Notification.email == Delivery.PENDING).limit(limit)
    return session.scalars(statement).all()
