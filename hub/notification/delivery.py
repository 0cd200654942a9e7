"""Signed webhook delivery with retries and exponential backoff.

Each POST carries ``Betrokken-Signature: t=<unix time>,v1=<hex HMAC-SHA256>`` over
``"<t>." + body`` with the team's webhook secret, so a receiver can check origin and
freshness. A failed delivery is retried later; the inbox keeps the notification anyway.

The body says only that something waits in the team's inbox (:func:`webhook_body`): a
webhook leaves the hub for a system the policy knows nothing about, so the contact
details stay behind the inbox's login. Before each POST the URL is checked again
(``targets.py``), since what its host resolves to may have changed since it was set.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
from opentelemetry.propagate import inject
from opentelemetry.trace import SpanKind, Tracer
from sqlalchemy.orm import Session, sessionmaker

from hub.clock import Clock
from hub.errors import WebhookTargetRefused
from hub.notification import repository
from hub.notification.models import Delivery, Notification
from hub.notification.targets import WebhookTargets
from hub.organisation import repository as organisations
from hub.organisation.models import Team
from hub.transactions import transaction

SIGNATURE_HEADER = "Betrokken-Signature"
DELIVERY_HEADER = "Betrokken-Delivery"
BASE_DELAY = timedelta(seconds=2)
MAX_DELAY = timedelta(hours=1)
MAX_ATTEMPTS = 12


@dataclass(frozen=True)
class DeliveryRun:
    delivered: int
    retried: int
    failed: int


def sign(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def backoff(attempts: int) -> timedelta:
    """2 s, 4 s, 8 s, ... capped at an hour."""
    delay: timedelta = BASE_DELAY * 2 ** max(attempts - 1, 0)
    return min(delay, MAX_DELAY)


def webhook_body(notification: Notification, team: Team) -> bytes:
    """What kind of news, for which team, when: never the payload, which
    ``GET /api/v1/notifications`` shows behind a login."""
    document = {
        "id": str(notification.id),
        "kind": notification.kind,
        "team": team.slug,
        "created_at": notification.created_at.isoformat(),
    }
    return json.dumps(document, sort_keys=True).encode()


def deliver_due(
    sessions: sessionmaker[Session],
    *,
    clock: Clock,
    http: httpx.Client,
    targets: WebhookTargets,
    batch: int = 50,
    tracer: Tracer | None = None,
) -> DeliveryRun:
    """Try every delivery that is due once; safe to run from several processes.

    A URL that ``targets`` refuses now is not called: the attempt fails and is retried.
    With a ``tracer`` each call is a client span whose ``traceparent`` the receiver gets.
    """
    delivered = retried = failed = 0
    with transaction(sessions) as session:
        now = clock.now()
        for notification in repository.due_for_delivery(session, now=now, limit=batch):
            team = organisations.get_team_by_id(session, notification.team_id)
            if team is None or not team.webhook_url or not team.webhook_secret:
                notification.delivery = Delivery.NONE
                continue
            with _client_span(tracer):
                outcome = _attempt(notification, team, http=http, targets=targets, now=now)
            delivered += outcome == Delivery.DELIVERED
            failed += outcome == Delivery.FAILED
            retried += outcome == Delivery.PENDING
    return DeliveryRun(delivered=delivered, retried=retried, failed=failed)


def _client_span(tracer: Tracer | None) -> AbstractContextManager[object]:
    if tracer is None:
        return nullcontext()
    return tracer.start_as_current_span("webhook delivery", kind=SpanKind.CLIENT)


def _attempt(
    notification: Notification,
    team: Team,
    *,
    http: httpx.Client,
    targets: WebhookTargets,
    now: datetime,
) -> str:
    assert team.webhook_url and team.webhook_secret
    body = webhook_body(notification, team)
    headers = {
        "Content-Type": "application/json",
        SIGNATURE_HEADER: sign(team.webhook_secret, int(now.timestamp()), body),
        DELIVERY_HEADER: str(notification.id),
    }
    inject(headers)  # the current span's traceparent, if there is one
    notification.attempts += 1
    try:
        targets.require_allowed(team.webhook_url)
        response = http.post(team.webhook_url, content=body, headers=headers)
        error = None if response.is_success else f"HTTP {response.status_code}"
    except WebhookTargetRefused as refused:
        error = f"not called: {refused.detail}"[:200]
    except httpx.HTTPError as exc:
        error = type(exc).__name__
    if error is None:
        notification.delivery = Delivery.DELIVERED
        notification.delivered_at = now
        notification.next_attempt_at = None
        notification.last_error = None
    elif notification.attempts >= MAX_ATTEMPTS:
        notification.delivery = Delivery.FAILED
        notification.next_attempt_at = None
        notification.last_error = error
    else:
        notification.next_attempt_at = now + backoff(notification.attempts)
        notification.last_error = error
    return notification.delivery
