"""Telling teams: an inbox row per recipient team, plus webhook delivery when configured."""

from __future__ import annotations

import json
import secrets
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from hub.actor import Actor
from hub.audit import service as audit
from hub.audit.vocabulary import Action, AuditRecord, Outcome
from hub.errors import InvalidInput, NotFound, WebhookTargetRefused
from hub.flag import repository as flags
from hub.flag.views import OwnFlag
from hub.notification import repository
from hub.notification.models import Delivery, Notification
from hub.notification.targets import WebhookTargets
from hub.notification.views import InboxItem
from hub.organisation import repository as organisations
from hub.organisation.models import Team
from hub.organisation.repository import TeamRef
from hub.references import ReferenceSealer


def notify(
    session: Session,
    *,
    team: Team,
    kind: str,
    payload: dict[str, Any],
    now: datetime,
) -> Notification:
    """Put a notification in ``team``'s inbox; queue a webhook delivery if it has one."""
    notification = new_notification(team=team, kind=kind, payload=payload, now=now)
    repository.add(session, notification)
    return notification


def new_notification(
    *, team: Team, kind: str, payload: dict[str, Any], now: datetime
) -> Notification:
    """A notification for ``team``'s inbox, not yet written (``repository.add`` several at once).

    ``payload`` holds team names and contact details only, never a subject.
    """
    return Notification(
        id=uuid.uuid4(),
        team_id=team.id,
        kind=kind,
        payload=json.dumps(payload, sort_keys=True, default=str),
        created_at=now,
        delivery=Delivery.PENDING if team.webhook_url else Delivery.NONE,
        next_attempt_at=now if team.webhook_url else None,
        email=Delivery.PENDING if team.contact_email else Delivery.NONE,
    )


def list_inbox(
    session: Session,
    *,
    team: TeamRef,
    unread_only: bool,
    limit: int,
    offset: int,
    references: ReferenceSealer,
) -> Sequence[InboxItem]:
    """The team's inbox, newest first; a notice about one of the team's flags shows that
    flag with the team's own reference (opened now: the stored notice holds only its id)."""
    if not 1 <= limit <= 500 or offset < 0:
        raise InvalidInput("limit must be 1..500 and offset non-negative")
    notifications = repository.list_for_team(
        session, team_id=team.id, unread_only=unread_only, limit=limit, offset=offset
    )
    about = {n.id: flag_id for n in notifications if (flag_id := _flag_of(n)) is not None}
    own = {
        flag.id: OwnFlag.of(flag, references=references)
        for flag in flags.of_team(session, team_id=team.id, flag_ids=set(about.values()))
    }
    return [InboxItem(n, own.get(about[n.id]) if n.id in about else None) for n in notifications]


def _flag_of(notification: Notification) -> uuid.UUID | None:
    flag_id = json.loads(notification.payload).get("flag")
    return uuid.UUID(flag_id) if isinstance(flag_id, str) else None


def mark_read(
    session: Session, *, team: TeamRef, notification_id: uuid.UUID, now: datetime
) -> Notification:
    notification = repository.get_for_team(session, notification_id, team.id)
    if notification is None:
        raise NotFound("no such notification in your team's inbox")
    if notification.read_at is None:
        notification.read_at = now
        session.flush()
    return notification


def set_webhook(
    session: Session,
    actor: Actor,
    *,
    team: TeamRef,
    url: str | None,
    targets: WebhookTargets,
    now: datetime,
) -> str | None:
    """Set (or clear) the team's webhook; returns the new signing secret, shown once.

    A URL ``targets`` refuses (in production: not https, or the hub's own network) is
    refused, and the refusal audited.
    """
    if url is not None:
        try:
            targets.require_allowed(url)
        except WebhookTargetRefused as refusal:
            raise WebhookTargetRefused(
                refusal.detail,
                audit=AuditRecord(
                    action=Action.TEAM_WEBHOOK,
                    outcome=Outcome.REFUSED,
                    object_id=team.slug,
                    reason="webhook target refused",
                ),
            ) from None
    row = organisations.get_team_by_id(session, team.id)
    assert row is not None  # the acting team was just read
    row.webhook_url = url
    row.webhook_secret = secrets.token_urlsafe(32) if url else None
    session.flush()
    audit.record(
        session,
        actor,
        AuditRecord(
            action=Action.TEAM_WEBHOOK,
            outcome=Outcome.ALLOWED,
            object_id=team.slug,
            reason="webhook set" if url else "webhook cleared",
        ),
        at=now,
    )
    return row.webhook_secret
