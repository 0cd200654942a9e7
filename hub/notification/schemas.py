"""The inbox."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class NotificationOut(BaseModel):
    id: uuid.UUID
    kind: str
    created_at: datetime
    read_at: datetime | None
    delivery: str
    payload: dict[str, Any]


class NotificationListOut(BaseModel):
    items: list[NotificationOut]


class WebhookIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str = Field(pattern=r"^https?://[^\s]+$", max_length=500)


class WebhookOut(BaseModel):
    url: str
    secret: str = Field(description="Shown once: keep it to check Betrokken-Signature.")
