"""A team's inbox: every notification stays here, whatever happens to its webhook delivery."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hub.db import Base, UTCDateTime


class Delivery(StrEnum):
    NONE = "none"  # the team has no webhook
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"  # gave up after the last retry; the inbox still holds it


class Notification(Base):
    __tablename__ = "notifications"
    __table_args__ = (
        Index("ix_notifications_team_id_created_at", "team_id", "created_at"),
        Index("ix_notifications_delivery_next_attempt_at", "delivery", "next_attempt_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    team_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("teams.id"))
    kind: Mapped[str] = mapped_column(String(64))
    # JSON with team names and contact details only: never a pseudonym or identifier.
    payload: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    delivery: Mapped[str] = mapped_column(String(16), default=Delivery.NONE)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(String(200))
    # E-mail says only that something is waiting in the inbox: no names, no subject.
    email: Mapped[str] = mapped_column(String(16), default=Delivery.NONE)
