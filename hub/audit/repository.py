"""SQL for the audit log."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.audit.models import AuditEntry


def add(session: Session, entry: AuditEntry) -> None:
    session.add(entry)
    session.flush()


def list_entries(session: Session, *, limit: int = 100, after_seq: int = 0) -> Sequence[AuditEntry]:
    statement = (
        select(AuditEntry).where(AuditEntry.seq > after_seq).order_by(AuditEntry.seq).limit(limit)
    )
    return session.scalars(statement).all()
