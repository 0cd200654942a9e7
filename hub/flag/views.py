"""What the flag service hands back.

Kept apart from the service, so that ``schemas.py`` builds its answers from it without
importing the service.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from hub.flag.models import Flag
from hub.organisation.models import Team
from policies import Decision


@dataclass(frozen=True)
class RegisteredFlag:
    flag: Flag
    team: Team
    decision: Decision


@dataclass(frozen=True)
class OwnFlag:
    """One of a team's own flags as only that team sees it, with its own reference and
    label (opened from their seals), so it can tell which of its clients a notice is about."""

    id: uuid.UUID
    purpose: str
    registered_at: datetime
    expires_at: datetime
    reference: str | None = None
    label: str | None = None
