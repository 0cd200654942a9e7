"""What the involvement check hands back.

Kept apart from the service, so that ``schemas.py`` builds its answers from it without
importing the service.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from policies import Decision


@dataclass(frozen=True)
class InvolvedTeam:
    domain: str
    team: str
    team_name: str
    since: date
    handle: str
    organisation: str | None = None
    """A convenant partner's slug; None for a team of the checker's own organisation."""


@dataclass(frozen=True)
class Involvement:
    check_id: uuid.UUID
    own_team_involved: bool
    involved: list[InvolvedTeam]
    decision: Decision
