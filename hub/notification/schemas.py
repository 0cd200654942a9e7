"""The inbox."""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import unquote, unquote_plus, urlsplit

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from hub.fields import refuse_identifier
from hub.flag.schemas import OwnFlagOut
from hub.flag.views import OwnFlag
from hub.notification.models import Notification
from hub.notification.views import InboxItem


class NotificationOut(BaseModel):
    id: uuid.UUID
    kind: str
    created_at: datetime
    read_at: datetime | None
    delivery: str
    payload: dict[str, Any]
    flag: OwnFlagOut | None = Field(
        default=None, description="Your own flag this is about, with your own reference."
    )

    @classmethod
    def of_item(cls, item: InboxItem) -> NotificationOut:
        return cls.of(item.notification, flag=item.flag)

    @classmethod
    def of(cls, notification: Notification, *, flag: OwnFlag | None = None) -> NotificationOut:
        return cls(
            id=notification.id,
            kind=notification.kind,
            created_at=notification.created_at,
            read_at=notification.read_at,
            delivery=notification.delivery,
            payload=json.loads(notification.payload),
            flag=OwnFlagOut.of(flag) if flag else None,
        )


class NotificationListOut(BaseModel):
    items: list[NotificationOut]


def _no_identifier_in_url(url: str) -> str:
    """A webhook URL is the team's to choose, but its path, query and fragment are sent on
    every delivery and kept with the team: no identifier in them, even percent-encoded.
    The host is left alone (an IP address's digits run long)."""
    parts = urlsplit(url)
    for part in (unquote(parts.path), unquote_plus(parts.query), unquote(parts.fragment)):
        refuse_identifier(part)
    refuse_identifier(unquote(parts.netloc).rpartition("@")[0])  # user:password
    return url


class WebhookIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: Annotated[str, AfterValidator(_no_identifier_in_url)] = Field(
        pattern=r"^https?://[^\s]+$", max_length=500
    )


class WebhookOut(BaseModel):
    url: str
    secret: str = Field(description="Shown once: keep it to check Betrokken-Signature.")
