"""Rules about teams: which team a caller acts for."""

from __future__ import annotations

from sqlalchemy.orm import Session

from hub.actor import Actor
from hub.errors import Forbidden
from hub.organisation import repository
from hub.organisation.models import Team


def acting_team(session: Session, actor: Actor) -> Team:
    """The team the actor acts for, which must belong to the actor's organisation."""
    if actor.team is None:
        raise Forbidden("this action needs a team, and the caller has none")
    found = repository.get_team_with_organisation_slug(session, actor.team)
    if found is None:
        raise Forbidden("the caller's team is not known to the hub")
    team, organisation_slug = found
    if organisation_slug != actor.organisation:
        raise Forbidden("the caller's team does not belong to the caller's organisation")
    return team
