"""SQL for flags."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from hub.db import insert_new
from hub.flag.models import Flag, FlagStatus
from hub.organisation.models import Team


def add(session: Session, *flags: Flag) -> None:
    insert_new(session, *flags)


def get(session: Session, flag_id: uuid.UUID) -> Flag | None:
    return session.get(Flag, flag_id)


# Built once, with bound parameters: building the statement and its cache key anew for
# every check was a visible share of a check's CPU (docs/benchmarks.md).
_ACTIVE_ON_SUBJECT = (
    select(Flag, Team)
    .join(Team, Team.id == Flag.team_id)
    .where(
        Flag.subject_key == bindparam("subject_key"),
        Flag.status == FlagStatus.ACTIVE,
        Flag.expires_at > bindparam("now"),
        Team.organisation_id == bindparam("organisation_id"),
    )
    .order_by(Flag.registered_at)
)


def active_on_subject(
    session: Session, *, subject_key: bytes, organisation_id: uuid.UUID, now: datetime
) -> Sequence[tuple[Flag, Team]]:
    """Every live flag of one organisation's teams on one subject: the heart of a check.

    Organisations are separate controllers: their flags never meet inside the hub; chain
    cooperation across organisations goes through connectors under a convenant.
    """
    parameters = {"subject_key": subject_key, "now": now, "organisation_id": organisation_id}
    return [(flag, team) for flag, team in session.execute(_ACTIVE_ON_SUBJECT, parameters)]


@dataclass(frozen=True)
class LiveFlag:
    """What an involvement check or a registration needs of a live flag and its team."""

    flag_id: uuid.UUID
    purpose: str
    domain_code: str
    registered_at: datetime
    team_id: uuid.UUID
    team_slug: str
    team_name: str
    organisation_id: uuid.UUID


# Columns, not entities: a group of checks reads many rows and keeps none of them.
_LIVE_ON_SUBJECTS = (
    select(
        Flag.subject_key,
        Flag.id,
        Flag.purpose,
        Flag.domain_code,
        Flag.registered_at,
        Team.id,
        Team.slug,
        Team.name,
        Team.organisation_id,
    )
    .join(Team, Team.id == Flag.team_id)
    .where(
        Flag.subject_key.in_(bindparam("subject_keys", expanding=True)),
        Flag.status == FlagStatus.ACTIVE,
        Flag.expires_at > bindparam("now"),
        Team.organisation_id.in_(bindparam("organisation_ids", expanding=True)),
    )
    .order_by(Flag.registered_at)
)


def live_on_subjects(
    session: Session,
    *,
    subject_keys: Collection[bytes],
    organisation_ids: Collection[uuid.UUID],
    now: datetime,
) -> dict[tuple[bytes, uuid.UUID], list[LiveFlag]]:
    """The live flags on several subjects in one query, by (subject, organisation), oldest first.

    Organisations are separate controllers: a caller takes only its own organisation's
    entry, so flags never meet across organisations inside the hub.
    """
    if not subject_keys or not organisation_ids:
        return {}
    parameters = {
        "subject_keys": list(subject_keys),
        "organisation_ids": list(organisation_ids),
        "now": now,
    }
    return by_subject_and_organisation(session.connection().execute(_LIVE_ON_SUBJECTS, parameters))


def by_subject_and_organisation(
    rows: Iterable[Sequence[Any]],
) -> dict[tuple[bytes, uuid.UUID], list[LiveFlag]]:
    """Rows of :data:`_LIVE_ON_SUBJECTS`' columns as :func:`live_on_subjects` answers them."""
    found: dict[tuple[bytes, uuid.UUID], list[LiveFlag]] = defaultdict(list)
    for row in rows:
        key, flag_id, purpose, domain, registered_at, team_id, slug, name, organisation_id = row
        # A driver's own rows carry the session's time zone; the model's type gives UTC.
        since = registered_at.astimezone(UTC)
        live = LiveFlag(flag_id, purpose, domain, since, team_id, slug, name, organisation_id)
        found[bytes(key), organisation_id].append(live)
    return dict(found)


def list_for_team(
    session: Session, *, team_id: uuid.UUID, status: FlagStatus | None, limit: int, offset: int
) -> Sequence[Flag]:
    statement = select(Flag).where(Flag.team_id == team_id)
    if status is not None:
        statement = statement.where(Flag.status == status)
    statement = statement.order_by(Flag.registered_at.desc(), Flag.id).limit(limit).offset(offset)
    return session.scalars(statement).all()
