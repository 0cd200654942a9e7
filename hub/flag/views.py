"""What the flag service hands back.

Kept apart from the service, so that ``schemas.py`` builds its answers from it without
importing the service.
"""

from __future__ import annotations

from dataclasses import dataclass

from hub.flag.models import Flag
from hub.organisation.models import Team
from policies import Decision


@dataclass(frozen=True)
class RegisteredFlag:
    flag: Flag
    team: Team
    decision: Decision
