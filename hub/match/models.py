"""A match: flags of several teams on one subject. Every member team may learn the others."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, LargeBinary, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hub.db import Base, UTCDateTime


class Match(Base):
    __tablename__ = "matches"
    __table_args__ = (Index("ix_matches_subject_key", "subject_key"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    subject_key: Mapped[bytes] = mapped_column(LargeBinary(32))
    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    regie_team_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("teams.id"))
    regie_set_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class MatchMember(Base):
    """One team's flag in a match; it leaves with the flag."""

    __tablename__ = "match_members"
    __table_args__ = (
        UniqueConstraint("match_id", "flag_id", name="uq_match_members_match_flag"),
        Index("ix_match_members_team_id", "team_id"),
        # A purged flag's memberships, found without scanning them all.
        Index("ix_match_members_flag_id", "flag_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    match_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("matches.id", ondelete="CASCADE"))
    team_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("teams.id"))
    flag_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("flags.id", ondelete="CASCADE"))
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime())
    already_in_contact_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
