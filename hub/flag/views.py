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
from hub.references import ReferenceSealer
from policies import Decision


@dataclass(frozen=True)
class RegisteredFlag:
    flag: Flag
    team: Team
    decision: Decision
    reference: str | None = None
    label: str | None = None


@dataclass(frozen=True)
class OwnFlag:
    """One of a team's own flags as only that team sees it, with its own reference and
    label (opened from their seals), so it can tell which of its clients a notice is about."""

    flag: Flag
    reference: str | None = None
    label: str | None = None

    @classmethod
    def of(cls, flag: Flag, *, references: ReferenceSealer) -> OwnFlag:
        """``flag`` with its own words opened. Only ever for the owner team: every caller
        passes a flag of the acting team."""

        def opened(sealed: bytes | None) -> str | None:
            if sealed is None:
                return None
            return references.open(sealed, team=flag.team_id, row=flag.id)

        return cls(flag=flag, reference=opened(flag.own_reference), label=opened(flag.own_label))

    @property
    def id(self) -> uuid.UUID:
        return self.flag.id

    @property
    def purpose(self) -> str:
        return self.flag.purpose

    @property
    def registered_at(self) -> datetime:
        return self.flag.registered_at

    @property
    def expires_at(self) -> datetime:
        return self.flag.expires_at
