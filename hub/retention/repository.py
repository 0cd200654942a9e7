"""SQL for retention: deleting flags with what hangs on them, and empty matches.

Which flags expire, move to the archive or go for good is read by the flag repository.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from hub.contact_request.models import ContactRequest
from hub.flag.models import Flag, FlagDeadline
from hub.match.models import Match, MatchMember


def delete_flags(session: Session, flag_ids: Sequence[uuid.UUID]) -> None:
    """Delete flags with whatever hangs on them (match memberships, contact requests, due
    dates)."""
    if not flag_ids:
        return
    session.execute(delete(MatchMember).where(MatchMember.flag_id.in_(flag_ids)))
    session.execute(delete(ContactRequest).where(ContactRequest.flag_id.in_(flag_ids)))
    session.execute(delete(FlagDeadline).where(FlagDeadline.flag_id.in_(flag_ids)))
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
