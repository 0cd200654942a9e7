"""What the contact request service hands back.

Kept apart from the service, so that ``schemas.py`` builds its answers from it without
importing the service.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hub.contact_request.models import ContactRequest
from hub.flag.views import OwnFlag
from hub.organisation.models import Team


@dataclass(frozen=True)
class RequestView:
    """A request as one side sees it: the other side's contact only once accepted."""

    request: ContactRequest
    direction: str  # incoming | outgoing
    owner_team: Team
    requester_team: Team
    domain: str
    other_contact: dict[str, Any] | None
    case_ref: str | None = None
    """The requester's case reference, if it shared it; both sides see it."""
    flag: OwnFlag | None = None
    """Which of the owner's flags the request is about; for the owner only."""
