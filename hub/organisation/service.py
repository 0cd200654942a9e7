"""Rules about teams: which team a caller acts for."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar

from sqlalchemy.orm import Session

from hub.actor import Actor
from hub.errors import Forbidden
from hub.organisation import repository
from hub.organisation.models import Team
from hub.organisation.repository import TeamRef

AnyTeam = TypeVar("AnyTeam", Team, TeamRef)


def acting_team(session: Session, actor: Actor) -> Team:
    """The team the actor acts for, which must belong to the actor's organisation."""
    team = actor.team
    found = repository.get_team_with_organisation_slug(session, team) if team is not None else None
    return acting_team_among(found, actor)


def acting_team_objects(session: Session, actors: Iterable[Actor]) -> dict[str, tuple[Team, str]]:
    """The teams several actors act for, read at once, as ORM objects with their organisations'
    slugs; pick each with :func:`acting_team_among`. Checks keep theirs (``cache.py``)."""
    return repository.team_objects_with_organisation_slug(
        session, {actor.team for actor in actors if actor.team is not None}
    )


def acting_team_among(found: tuple[AnyTeam, str] | None, actor: Actor) -> AnyTeam:
    """The actor's team as read (with its organisation's slug): known, and of their organisation."""
    if actor.team is None:
        raise Forbidden("this action needs a team, and the caller has none")
    if found is None:
        raise Forbidden("the caller's team is not known to the hub")
    team, organisation_slug = found
    if organisation_slug != actor.organisation:
        raise Forbidden("the caller's team does not belong to the caller's organisation")
    return team
