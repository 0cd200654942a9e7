"""SQL for organisations, domains and teams."""

from __future__ import annotations

import functools
import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

import psycopg
from sqlalchemy import ColumnElement, Select, any_, bindparam, select
from sqlalchemy.orm import Session

from hub.fastpath.rows import Compiled, compiled
from hub.organisation.models import Domain, Organisation, Team


def get_team(session: Session, slug: str) -> Team | None:
    return session.scalars(select(Team).where(Team.slug == slug)).one_or_none()


def get_team_by_id(session: Session, team_id: uuid.UUID) -> Team | None:
    return session.get(Team, team_id)


def teams_by_id(session: Session, team_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, Team]:
    """Teams (as ORM objects, for their contact details and webhook) in one query, by id."""
    if not team_ids:
        return {}
    found = session.scalars(select(Team).where(Team.id.in_(list(team_ids))))
    return {team.id: team for team in found}


def team_rows(session: Session, team_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, Team]:
    """:func:`teams_by_id` as objects of no session, from the table's columns: to be kept
    between transactions and read by any thread (``cache.py``)."""
    if not team_ids:
        return {}
    columns = Team.__table__.columns
    rows = session.execute(select(*columns).where(Team.id.in_(list(team_ids))))
    return {row.id: Team(**row._asdict()) for row in rows}


@dataclass(frozen=True)
class TeamRef:
    """A team as a request acts for it: what rules and queries need, without the ORM."""

    id: uuid.UUID
    slug: str
    organisation_id: uuid.UUID
    domain_code: str
    active: bool = True


# Columns through the Core connection: read for every team not kept (``cache.py``).
_TEAMS_WITH_ORGANISATION_SLUG = (
    select(
        Team.id,
        Team.slug,
        Team.organisation_id,
        Team.domain_code,
        Organisation.slug,
        Team.active & Organisation.active,
    )
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
        slug: (TeamRef(team_id, slug, organisation_id, domain_code, bool(active)), organisation)
        for team_id, slug, organisation_id, domain_code, organisation, active in rows
    }


def teams_in_organisation(
    session: Session, slugs: Collection[str], *, organisation: str
) -> list[tuple[Team, str]]:
    """The teams of ``slugs`` that belong to ``organisation`` (by slug), each with its
    domain's name, in the order of ``slugs``."""
    if not slugs:
        return []
    rows = session.execute(
        select(Team, Domain.name)
        .join(Organisation, Organisation.id == Team.organisation_id)
        .join(Domain, Domain.code == Team.domain_code)
        .where(Team.slug.in_(list(slugs)), Organisation.slug == organisation)
    ).all()
    found = {team.slug: (team, domain_name) for team, domain_name in rows}
    return [found[slug] for slug in dict.fromkeys(slugs) if slug in found]


def get_organisation(session: Session, slug: str) -> Organisation | None:
    return session.scalars(select(Organisation).where(Organisation.slug == slug)).one_or_none()


def list_teams(session: Session) -> Sequence[Team]:
    return session.scalars(select(Team).order_by(Team.slug)).all()


def get_domain(session: Session, code: str) -> Domain | None:
    return session.get(Domain, code)


def add(session: Session, *rows: Organisation | Domain | Team) -> None:
    session.add_all(rows)
    session.flush()


def list_organisations(
    session: Session, *, slugs: Collection[str] | None = None
) -> Sequence[Organisation]:
    query = select(Organisation).order_by(Organisation.slug)
    if slugs is not None:
        query = query.where(Organisation.slug.in_(list(slugs)))
    return session.scalars(query).all()


def teams_of(session: Session, organisation_id: uuid.UUID) -> Sequence[Team]:
    return session.scalars(
        select(Team).where(Team.organisation_id == organisation_id).order_by(Team.slug)
    ).all()


def organisation_of_team(session: Session, team: Team) -> Organisation:
    found = session.get(Organisation, team.organisation_id)
    assert found is not None  # a foreign key
    return found


def list_domains(session: Session) -> Sequence[Domain]:
    return session.scalars(select(Domain).order_by(Domain.code)).all()


def _organisation_slugs(teams: ColumnElement[bool]) -> Select[uuid.UUID, str]:
    return (
        select(Team.id, Organisation.slug)
        .join(Organisation, Organisation.id == Team.organisation_id)
        .where(teams)
    )


def organisation_slugs_of_teams(
    session: Session, team_ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, str]:
    """Each team's organisation's slug, by team id, in one query."""
    if not team_ids:
        return {}
    rows = session.execute(_organisation_slugs(Team.id.in_(list(team_ids))))
    return {team_id: slug for team_id, slug in rows}


@functools.cache
def _organisation_slugs_sql() -> Compiled:
    return compiled(_organisation_slugs(Team.id == any_(bindparam("ids"))), given=("ids",))


async def organisation_slugs_of_teams_async(
    connection: psycopg.AsyncConnection[Any], team_ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, str]:
    """:func:`organisation_slugs_of_teams` on the event loop (``hub/fastpath/rows.py``)."""
    if not team_ids:
        return {}
    sql = _organisation_slugs_sql()
    cursor = await connection.execute(sql.text, sql.parameters(ids=list(team_ids)))
    return {team_id: slug for team_id, slug in await cursor.fetchall()}
