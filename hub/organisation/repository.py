"""SQL for organisations, domains and teams."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass

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
    """The team and its organisation's slug, in one query (every team-bound request asks).

    One slug by ``=``: an expanding ``IN`` is rendered anew on every execution, which made
    single requests about a tenth slower (docs/benchmarks.md).
    """
    row = session.execute(_TEAM_WITH_ORGANISATION_SLUG, {"slug": slug}).one_or_none()
    return (row[0], row[1]) if row is not None else None


_TEAMS_WITH_ORGANISATION_SLUG_ORM = (
    select(Team, Organisation.slug)
    .join(Organisation, Organisation.id == Team.organisation_id)
    .where(Team.slug.in_(bindparam("slugs", expanding=True)))
)


def team_objects_with_organisation_slug(
    session: Session, slugs: Collection[str]
) -> dict[str, tuple[Team, str]]:
    """Teams (as ORM objects) with their organisations' slugs in one query, by team slug."""
    if not slugs:
        return {}
    rows = session.execute(_TEAMS_WITH_ORGANISATION_SLUG_ORM, {"slugs": list(slugs)})
    return {team.slug: (team, organisation) for team, organisation in rows}


@dataclass(frozen=True)
class TeamRef:
    """A team as a request acts for it: what rules and queries need, without the ORM."""

    id: uuid.UUID
    slug: str
    organisation_id: uuid.UUID
    domain_code: str


# Columns through the Core connection: a group of checks reads its teams on every group.
_TEAMS_WITH_ORGANISATION_SLUG = (
    select(Team.id, Team.slug, Team.organisation_id, Team.domain_code, Organisation.slug)
    .join(Organisation, Organisation.id == Team.organisation_id)
    .where(Team.slug.in_(bindparam("slugs", expanding=True)))
)


def teams_with_organisation_slug(
    session: Session, slugs: Collection[str]
) -> dict[str, tuple[TeamRef, str]]:
    """Several teams with their organisations' slugs in one query, by team slug."""
    if not slugs:
        return {}
    rows = session.connection().execute(_TEAMS_WITH_ORGANISATION_SLUG, {"slugs": list(slugs)})
    return {
        slug: (TeamRef(team_id, slug, organisation_id, domain_code), organisation)
        for team_id, slug, organisation_id, domain_code, organisation in rows
    }


def get_organisation(session: Session, slug: str) -> Organisation | None:
    return session.scalars(select(Organisation).where(Organisation.slug == slug)).one_or_none()


def list_teams(session: Session) -> Sequence[Team]:
    return session.scalars(select(Team).order_by(Team.slug)).all()


def get_domain(session: Session, code: str) -> Domain | None:
    return session.get(Domain, code)


def add(session: Session, *rows: Organisation | Domain | Team) -> None:
    session.add_all(rows)
    session.flush()
