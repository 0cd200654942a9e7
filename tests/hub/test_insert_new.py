"""``insert_new`` writes what the caller set, lets the table's defaults fill the rest."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import select

from hub.db import insert_new
from hub.notification.models import Delivery, Notification
from hub.organisation.models import Team
from hub.runtime import Runtime
from hub.transactions import transaction

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def test_insert_new_writes_one_row_outside_the_session(runtime: Runtime) -> None:
    with transaction(runtime.sessions) as session:
        team = session.scalars(select(Team).where(Team.slug == "schuldhulp")).one()
        notification = Notification(
            id=uuid.uuid4(), team_id=team.id, kind="test", payload="{}", created_at=NOW
        )
        insert_new(session, notification)
        assert notification not in session
        stored = session.get(Notification, notification.id)
        assert stored is not None and stored is not notification
        assert (stored.team_id, stored.kind, stored.created_at) == (team.id, "test", NOW)
        assert stored.attempts == 0 and stored.delivery == Delivery.NONE  # column defaults
        assert stored.read_at is None

    with runtime.sessions() as session:  # committed with the transaction
        assert session.get(Notification, notification.id) is not None


def test_insert_new_writes_several_rows_each_with_what_was_set(runtime: Runtime) -> None:
    with transaction(runtime.sessions) as session:
        team = session.scalars(select(Team).where(Team.slug == "schuldhulp")).one()
        read = [
            Notification(
                id=uuid.uuid4(), team_id=team.id, kind=f"read-{i}", payload="{}", created_at=NOW
            )
            for i in range(3)
        ]
        for notification in read:
            notification.read_at = NOW
        unread = Notification(
            id=uuid.uuid4(), team_id=team.id, kind="unread", payload="{}", created_at=NOW
        )
        insert_new(session, read[0], unread, *read[1:])

    with runtime.sessions() as session:
        stored = {n.kind: n for n in session.scalars(select(Notification))}
        assert sorted(stored) == ["read-0", "read-1", "read-2", "unread"]
        assert all(stored[f"read-{i}"].read_at == NOW for i in range(3))
        assert stored["unread"].read_at is None
        assert {n.id for n in stored.values()} == {n.id for n in [*read, unread]}
