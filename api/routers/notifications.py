"""My team's inbox and its optional webhook."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import ActingTeam, DbSession, Now, References, RuntimeDep, TeamLead, TeamMember
from api.openapi import errors
from hub.fields import MAX_POSITION
from hub.notification import service
from hub.notification.schemas import NotificationListOut, NotificationOut, WebhookIn, WebhookOut

router = APIRouter(tags=["notifications"], responses=errors(503))


@router.get("/notifications", response_model=NotificationListOut)
def list_notifications(
    session: DbSession,
    _: TeamMember,
    team: ActingTeam,
    references: References,
    unread: Annotated[bool, Query()] = False,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_POSITION)] = 0,
) -> NotificationListOut:
    """Your team's inbox, newest first; a notice about one of your flags shows it with your
    own reference."""
    items = service.list_inbox(
        session,
        team=team,
        unread_only=unread,
        limit=limit,
        offset=offset,
        references=references,
    )
    return NotificationListOut(items=[NotificationOut.of_item(item) for item in items])


@router.put(
    "/notifications/{notification_id}/read", response_model=NotificationOut, responses=errors(404)
)
def mark_read(
    notification_id: uuid.UUID, session: DbSession, _: TeamMember, team: ActingTeam, now: Now
) -> NotificationOut:
    """Mark one notification as read."""
    notification = service.mark_read(session, team=team, notification_id=notification_id, now=now)
    return NotificationOut.of(notification)


@router.put("/team/webhook", response_model=WebhookOut, responses=errors(400))
def set_webhook(
    body: WebhookIn,
    session: DbSession,
    actor: TeamLead,
    team: ActingTeam,
    now: Now,
    runtime: RuntimeDep,
) -> WebhookOut:
    """Deliver your team's notifications to a webhook, signed with a fresh secret.

    In production the URL must be https and its host must resolve to global addresses
    only (unless the hub's administrator allows the host); the webhook then says only
    that something waits in the inbox, never its contents.
    """
    secret = service.set_webhook(
        session, actor, team=team, url=body.url, targets=runtime.webhook_targets, now=now
    )
    assert secret is not None
    return WebhookOut(url=body.url, secret=secret)
