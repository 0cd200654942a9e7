"""What the inbox hands back.

Kept apart from the service, so that ``schemas.py`` builds its answers from it without
importing the service.
"""

from __future__ import annotations

from dataclasses import dataclass

from hub.flag.views import OwnFlag
from hub.notification.models import Notification


@dataclass(frozen=True)
class InboxItem:
    notification: Notification
    flag: OwnFlag | None = None
    """The team's own flag the notice is about, with its own reference, if it names one."""
