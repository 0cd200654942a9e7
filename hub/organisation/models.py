"""Tenants, their domains and their teams."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from hub.db import Base, UTCDateTime, utcnow


class Organisation(Base):
    """A municipality or a chain partner (UWV, SVB, Belastingdienst, ...)."""

    __tablename__ = "organisations"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32))  # gemeente | ketenpartner
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Domain(Base):
    """A domain of work, such as ``pw`` (Participatiewet) or ``schuldhulp``."""

    __tablename__ = "domains"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))


class Team(Base):
    """The unit that owns flags and receives contact requests."""

    __tablename__ = "teams"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"))
    domain_code: Mapped[str] = mapped_column(ForeignKey("domains.code"))
    contact_email: Mapped[str | None] = mapped_column(String(200))
    contact_phone: Mapped[str | None] = mapped_column(String(40))
    # Optional signed webhook for the team's notifications (HMAC-SHA256 with this secret).
    webhook_url: Mapped[str | None] = mapped_column(String(500))
    webhook_secret: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
