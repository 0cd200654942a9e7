"""SQL for convenants and their partners."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from hub.flag.models import Flag
from hub.flag.repository import is_live
from hub.organisation.models import Convenant, ConvenantPartner, Organisation


def get(session: Session, slug: str) -> Convenant | None:
    return session.scalars(select(Convenant).where(Convenant.slug == slug)).one_or_none()


def partners(session: Session, convenant_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[str]]:
    """The partner organisations' slugs per convenant."""
    found: dict[uuid.UUID, list[str]] = {each: [] for each in convenant_ids}
    if not convenant_ids:
        return found
    rows = session.execute(
        select(ConvenantPartner.convenant_id, Organisation.slug)
        .join(Organisation, Organisation.id == ConvenantPartner.organisation_id)
        .where(ConvenantPartner.convenant_id.in_(list(convenant_ids)))
        .order_by(Organisation.slug)
    )
    for convenant_id, slug in rows:
        found[convenant_id].append(slug)
    return found


def listed(session: Session, *, organisation_id: uuid.UUID | None = None) -> Sequence[Convenant]:
    """Every convenant, or those ``organisation_id`` is a partner of."""
    query = select(Convenant).order_by(Convenant.starts_on, Convenant.slug)
    if organisation_id is not None:
        query = query.join(ConvenantPartner, ConvenantPartner.convenant_id == Convenant.id).where(
            ConvenantPartner.organisation_id == organisation_id
        )
    return session.scalars(query).all()


def not_ended(session: Session) -> list[tuple[Convenant, list[tuple[uuid.UUID, str]]]]:
    """Convenants not ended early, each with its active partners (id, slug)."""
    convenants = session.scalars(select(Convenant).where(Convenant.ended_at.is_(None))).all()
    rows = session.execute(
        select(ConvenantPartner.convenant_id, Organisation.id, Organisation.slug)
        .join(Organisation, Organisation.id == ConvenantPartner.organisation_id)
        .where(Organisation.active)
    )
    members: dict[uuid.UUID, list[tuple[uuid.UUID, str]]] = {}
    for convenant_id, organisation_id, slug in rows:
        members.setdefault(convenant_id, []).append((organisation_id, slug))
    return [(each, members.get(each.id, [])) for each in convenants]


def add(session: Session, convenant: Convenant, organisation_ids: Sequence[uuid.UUID]) -> None:
    session.add(convenant)
    session.flush()
    session.add_all(
        ConvenantPartner(convenant_id=convenant.id, organisation_id=each)
        for each in organisation_ids
    )
    session.flush()


def expire_flags(session: Session, convenant_id: uuid.UUID, *, now: datetime) -> int:
    """Let every live flag registered under the convenant expire now; how many did."""
    result = session.execute(
        update(Flag)
        .where(Flag.convenant_id == convenant_id, is_live(now))
        .values(expires_at=now)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
