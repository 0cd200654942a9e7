"""Tenants, their domains and their teams."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, String, Text, UniqueConstraint, true
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
    # Organisatie-identificatienummer (Logius), 20 digits, when known.
    oin: Mapped[str | None] = mapped_column(String(20))
    # A deactivated organisation's teams are refused and their flags are not shown.
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())


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
    contact_person: Mapped[str | None] = mapped_column(String(200))
    # A deactivated team's members are refused and its flags are not shown; nothing is deleted.
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())


class OrganisationPolicy(Base):
    """One uploaded version of an organisation's DPIA policy (the YAML text as uploaded).

    ``status`` is ``pending`` until the organisation's privacy officer approves or rejects
    it; an approved version is in force from ``active_from`` until a later approved one.
    """

    __tablename__ = "organisation_policies"
    __table_args__ = (UniqueConstraint("organisation_id", "version"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"))
    version: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))  # pending | approved | rejected
    active_from: Mapped[datetime] = mapped_column(UTCDateTime())
    uploaded_by: Mapped[str] = mapped_column(String(200))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime())
    decided_by: Mapped[str | None] = mapped_column(String(200))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Convenant(Base):
    """An agreement between organisations to see each other's involvement.

    Covers ``domains`` and ``purposes`` (space-separated codes) under ``legal_basis``,
    from ``starts_on`` through ``ends_on``; ``ended_at`` is set when it is ended early.
    """

    __tablename__ = "convenants"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    legal_basis: Mapped[str] = mapped_column(String(64))
    domains: Mapped[str] = mapped_column(Text)
    purposes: Mapped[str] = mapped_column(Text)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    responsible: Mapped[str] = mapped_column(String(200))
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ConvenantPartner(Base):
    """A partner organisation of a convenant."""

    __tablename__ = "convenant_partners"

    convenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("convenants.id"), primary_key=True)
    organisation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organisations.id"), primary_key=True
    )
