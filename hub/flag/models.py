"""The flag: "team T is involved with subject S for purpose P under grondslag G, until D"."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, LargeBinary, String, text
from sqlalchemy.orm import Mapped, mapped_column

from hub.db import Base, UTCDateTime, utcnow


class FlagStatus(StrEnum):
    ACTIVE = "active"
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"


class Flag(Base):
    """Codes only: no free text about the case (docs/design.md invariant 3)."""

    __tablename__ = "flags"
    __table_args__ = (
        Index("ix_flags_subject_key", "subject_key"),
        Index("ix_flags_team_id", "team_id"),
        # One active flag per team, subject and purpose.
        Index(
            "uq_flags_active_subject_team_purpose",
            "subject_key",
            "team_id",
            "purpose",
            unique=True,
            sqlite_where=text("status = 'active'"),
            postgresql_where=text("status = 'active'"),
        ),
        # Retention's batches, each read in index order (hub/retention/repository.py):
        # live flags by expiry (warnings, expiry), withdrawn ones not yet archived, and
        # archived ones by team and archive date (the purge).
        Index(
            "ix_flags_active_expires_at",
            "expires_at",
            sqlite_where=text("status = 'active'"),
            postgresql_where=text("status = 'active'"),
        ),
        Index(
            "ix_flags_withdrawn_unarchived",
            "withdrawn_at",
            sqlite_where=text("status = 'withdrawn' AND archived_at IS NULL"),
            postgresql_where=text("status = 'withdrawn' AND archived_at IS NULL"),
        ),
        Index(
            "ix_flags_team_archived_at",
            "team_id",
            "archived_at",
            sqlite_where=text("archived_at IS NOT NULL"),
            postgresql_where=text("archived_at IS NOT NULL"),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    # The hub's keyed layer over the client's pseudonym; never the pseudonym itself.
    subject_key: Mapped[bytes] = mapped_column(LargeBinary(32))
    identifier_kind: Mapped[str] = mapped_column(String(16))
    subject_type: Mapped[str] = mapped_column(String(16))
    team_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("teams.id"))
    domain_code: Mapped[str] = mapped_column(ForeignKey("domains.code"))
    purpose: Mapped[str] = mapped_column(String(64))
    legal_basis: Mapped[str] = mapped_column(String(64))
    contact_name: Mapped[str] = mapped_column(String(200))
    contact_email: Mapped[str | None] = mapped_column(String(200))
    contact_phone: Mapped[str | None] = mapped_column(String(40))
    registered_by: Mapped[str] = mapped_column(String(200))
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(16), default=FlagStatus.ACTIVE)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    renewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # When the owner was warned that this expiry is near; a renewal clears it, so the new
    # expiry is warned of again (hub/retention/service.py).
    expiry_warned_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Set when an expired or withdrawn flag moves to the archive; deleted after the archive period.
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    rule_id: Mapped[str] = mapped_column(String(64))
    policy_version: Mapped[str] = mapped_column(String(64))
    # The owner team's own case reference and short label, sealed for that team and this
    # flag (hub/references.py): the hub's words are codes, the team's own words stay sealed.
    own_reference: Mapped[bytes | None] = mapped_column(LargeBinary)
    own_label: Mapped[bytes | None] = mapped_column(LargeBinary)
    # The convenant the flag was registered under, if any: it expires when that ends.
    convenant_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("convenants.id"))


class FlagDeadline(Base):
    """A due date of a flag (an LAA signal's 4-week and 6-month deadlines): a code and a
    moment, no content. The owner team is warned before it, once (``warned_at``)."""

    __tablename__ = "flag_deadlines"

    flag_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("flags.id"), primary_key=True)
    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    warned_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
