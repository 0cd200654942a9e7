"""What the flag service hands back: read by ``hub/flag/schemas.py``, which the service imports."""

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
