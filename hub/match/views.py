"""What the match service hands back.

Kept apart from the service, so that ``schemas.py`` builds its answers from it without
importing the service.
"""

from __future__ import annotations

from dataclasses import dataclass

from hub.flag.models import Flag
from hub.flag.views import OwnFlag
from hub.match.models import Match, MatchMember
from hub.organisation.models import Team


@dataclass(frozen=True)
class Participant:
    team: Team
    flag: Flag
    member: MatchMember
    contact_details: str = "shown"
    """``shown``, or why the contact person is not (``declined``, ``on_request``, ``never``)."""


@dataclass(frozen=True)
class MatchView:
    match: Match
    own: Participant
    others: list[Participant]
    regie_team: str | None
    own_flag: OwnFlag | None = None
    """The team's own flag in the match, with its own reference (the team's view only)."""
