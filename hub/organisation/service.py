"""Rules about teams: which team a caller acts for."""

from __future__ import annotations

from hub.actor import Actor
from hub.errors import Forbidden
from hub.organisation.repository import TeamRef


def acting_team_among(found: tuple[TeamRef, str] | None, actor: Actor) -> TeamRef:
    """The actor's team as read (with its organisation's slug): known, and of their organisation.

    The teams themselves are read and kept by ``ActingTeams`` (``cache.py``).
    """
    if actor.team is None:
        raise Forbidden("this action needs a team, and the caller has none")
    if found is None:
        raise Forbidden("the caller's team is not known to the hub")
    team, organisation_slug = found
    if organisation_slug != actor.organisation:
        raise Forbidden("the caller's team does not belong to the caller's organisation")
    if not team.active:
        raise Forbidden("the caller's team (or its organisation) has been deactivated")
    return team
