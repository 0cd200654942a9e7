"""SQL for organisations, domains and teams."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from hub.organisation.models import Domain, Organisation, Team


def get_team(session: Session, slug: str) -> Team | None:
    return session.scalars(select(Team).where(Team.slug == slug)).one_or_none()


# Built once: every team-bound request asks (see hub/flag/repository.py).
_TEAM_WITH_ORGANISATION_SLUG = (
    select(Team, Organisation.slug)
    .join(Organisation, Organisation.id == Team.organisation_id)
    .where(Team.slug == bindparam("slug"))
)


def get_team_with_organisation_slug(session: Session, slug: str) -> tuple[Team, str] | None:
    """The team and its organisation's slug, in one query (every team-bound request asks)."""
    row = session.execute(_TEAM_WITH_ORGANISATION_SLUG, {"slug": slug}).one_or_none()
    return (row[0], row[1]) if row is not None else None


def get_organisation(session: Session, slug: str) -> Organisation | None:
    return session.scalars(select(Organisation).where(Organisation.slug == slug)).one_or_none()


def list_teams(session: Session) -> Sequence[Team]:
    return session.scalars(select(Team).order_by(Team.slug)).all()


def get_domain(session: Session, code: str) -> Domain | None:
    return session.get(Domain, code)


def add(session: Session, *rows: Organisation | Domain | Team) -> None:
    session.add_all(rows)
    session.flush()
