"""SQL for organisations' policy versions."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.organisation.models import Organisation, OrganisationPolicy


def versions_of(session: Session, organisation_id: uuid.UUID) -> Sequence[OrganisationPolicy]:
    return session.scalars(
        select(OrganisationPolicy)
        .where(OrganisationPolicy.organisation_id == organisation_id)
        .order_by(OrganisationPolicy.uploaded_at, OrganisationPolicy.version)
    ).all()


def get_version(
    session: Session, organisation_id: uuid.UUID, version: str
) -> OrganisationPolicy | None:
    """One version by its hash, or by a prefix of it (at least 8 characters) if unambiguous."""
    rows = session.scalars(
        select(OrganisationPolicy).where(
            OrganisationPolicy.organisation_id == organisation_id,
            OrganisationPolicy.version.startswith(version, autoescape=True),
        )
    ).all()
    exact = [row for row in rows if row.version == version]
    if exact:
        return exact[0]
    return rows[0] if len(rows) == 1 and len(version) >= 8 else None


def approved(session: Session) -> list[tuple[str, OrganisationPolicy]]:
    """Every approved version of every active organisation, with its organisation's slug."""
    rows = session.execute(
        select(Organisation.slug, OrganisationPolicy)
        .join(Organisation, Organisation.id == OrganisationPolicy.organisation_id)
        .where(OrganisationPolicy.status == "approved")
        .order_by(OrganisationPolicy.active_from, OrganisationPolicy.decided_at)
    ).all()
    return [(slug, row) for slug, row in rows]


def add(session: Session, row: OrganisationPolicy) -> None:
    session.add(row)
    session.flush()
