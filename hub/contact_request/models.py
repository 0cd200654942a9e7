"""A contactverzoek: one team asks the owner of a flag to get in touch."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, ForeignKey, Index, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from hub.db import Base, UTCDateTime


class RequestStatus(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    EXPIRED = "expired"
    WITHDRAWN = "withdrawn"


class DeclineReason(StrEnum):
    """Codes, not free text: a reason must not become case content."""

    ALREADY_IN_CONTACT = "already_in_contact"
    NO_LEGAL_GROUND = "no_legal_ground"
    NOT_RELEVANT = "not_relevant"
    CASE_CLOSED = "case_closed"
    OTHER = "other"


class ContactRequest(Base):
    __tablename__ = "contact_requests"
    __table_args__ = (
        # A team's page of requests, newest first, read in index order (migration 0013).
        Index("ix_contact_requests_owner_team_created", "owner_team_id", "created_at"),
        Index("ix_contact_requests_requester_team_created", "requester_team_id", "created_at"),
        Index("ix_contact_requests_status_expires_at", "status", "expires_at"),
        # A flag's requests: the pending one between a flag and a team, the cascade when a
        # flag is purged, the decisions on a subject's flags (migration 0013).
        Index("ix_contact_requests_flag_requester", "flag_id", "requester_team_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    flag_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("flags.id", ondelete="CASCADE"))
    owner_team_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("teams.id"))
    requester_team_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("teams.id"))
    requester_sub: Mapped[str] = mapped_column(String(200))
    requester_name: Mapped[str] = mapped_column(String(200))
    requester_email: Mapped[str | None] = mapped_column(String(200))
    requester_phone: Mapped[str | None] = mapped_column(String(40))
    purpose: Mapped[str] = mapped_column(String(64))
    # The requester's own case reference, if it chose to share it with the owner: sealed
    # (hub/references.py), bound to the requesting team and this request.
    requester_case_ref: Mapped[bytes | None] = mapped_column(LargeBinary)
    status: Mapped[str] = mapped_column(String(16), default=RequestStatus.PENDING)
    requires_approval: Mapped[bool] = mapped_column(Boolean, default=True)
    decline_reason: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_by: Mapped[str | None] = mapped_column(String(200))
    rule_id: Mapped[str] = mapped_column(String(64))
    legal_basis: Mapped[str] = mapped_column(String(64))
    policy_version: Mapped[str] = mapped_column(String(64))
