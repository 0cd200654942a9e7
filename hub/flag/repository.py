"""SQL for flags: every read of flags, and the one condition that makes a flag live."""

from __future__ import annotations

import functools
import uuid
from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum
from typing import Any, cast

import psycopg
from sqlalchemy import ColumnElement, Select, and_, any_, bindparam, delete, select
from sqlalchemy.dialects.postgresql.psycopg import dialect as psycopg_dialect
from sqlalchemy.orm import Session

from hub.db import insert_new
from hub.fastpath.rows import Compiled, compiled, entity_columns, entity_reader, width
from hub.flag.models import Flag, FlagDeadline, FlagStatus
from hub.organisation.models import Organisation, Team


def is_live(now: datetime | ColumnElement[Any]) -> ColumnElement[bool]:
    """The flag is live at ``now``: active and not yet expired. The only place this is said.

    (A deactivated team's flags stay live but are not shown: the reads of live flags for
    checks and matches take only active teams.)

    A live flag is what checks see and matches are made of; a flag leaves both the moment
    it expires or is withdrawn, before retention marks it so. ``now`` is a time, or a bound
    parameter for statements built once.
    """
    return and_(Flag.status == FlagStatus.ACTIVE, ~_expiry_passed(now))


def is_overdue(now: datetime | ColumnElement[Any]) -> ColumnElement[bool]:
    """The flag is still marked active but its expiry passed: retention marks it expired."""
    return and_(Flag.status == FlagStatus.ACTIVE, _expiry_passed(now))


def _expiry_passed(now: datetime | ColumnElement[Any]) -> ColumnElement[bool]:
    return Flag.expires_at <= now


def add(session: Session, *flags: Flag) -> None:
    insert_new(session, *flags)


def get(session: Session, flag_id: uuid.UUID) -> Flag | None:
    return session.get(Flag, flag_id)


def of_team(session: Session, *, team_id: uuid.UUID, flag_ids: Collection[uuid.UUID]) -> list[Flag]:
    """Those of ``flag_ids`` that belong to one team (in any state)."""
    if not flag_ids:
        return []
    statement = select(Flag).where(Flag.team_id == team_id, Flag.id.in_(list(flag_ids)))
    return list(session.scalars(statement))


def get_live(session: Session, flag_id: uuid.UUID, *, now: datetime) -> Flag | None:
    """The flag if it is live at ``now``; None if it is missing, withdrawn or expired."""
    return session.scalars(select(Flag).where(Flag.id == flag_id, is_live(now))).one_or_none()


def live_by_ids(
    session: Session, flag_ids: Collection[uuid.UUID], *, now: datetime
) -> dict[uuid.UUID, Flag]:
    """Those of ``flag_ids`` that are live at ``now``, by id, in one query."""
    if not flag_ids:
        return {}
    found = session.scalars(select(Flag).where(Flag.id.in_(list(flag_ids)), is_live(now)))
    return {flag.id: flag for flag in found}


def _live_with_teams(
    subjects: ColumnElement[bool], organisations: ColumnElement[bool]
) -> Select[Flag, Team]:
    return (
        select(Flag, Team)
        .join(Team, Team.id == Flag.team_id)
        .where(subjects, organisations, is_live(bindparam("now")), Team.active)
        .order_by(Flag.registered_at)
    )


@functools.cache
def _live_by_ids_sql() -> Compiled:
    statement = select(*entity_columns(Flag)).where(
        Flag.id == any_(bindparam("ids")), is_live(bindparam("now"))
    )
    return compiled(statement, given=("ids", "now"))


async def live_by_ids_async(
    connection: psycopg.AsyncConnection[Any], flag_ids: Collection[uuid.UUID], *, now: datetime
) -> dict[uuid.UUID, Flag]:
    """:func:`live_by_ids` on the event loop (``hub/fastpath/rows.py``)."""
    if not flag_ids:
        return {}
    sql = _live_by_ids_sql()
    cursor = await connection.execute(sql.text, sql.parameters(ids=list(flag_ids), now=now))
    flag_of = entity_reader(Flag)
    found = [cast(Flag, flag_of(row)) for row in await cursor.fetchall()]
    return {flag.id: flag for flag in found}


def live_on_subjects_with_teams(
    session: Session, *, pairs: Collection[tuple[bytes, uuid.UUID]], now: datetime
) -> dict[tuple[bytes, uuid.UUID], list[tuple[Flag, Team]]]:
    """Every live flag of an organisation's teams on a subject, as ORM objects with their
    teams, oldest first, for several (subject, organisation) pairs in one query.

    Organisations are separate controllers: their flags never meet inside the hub, except
    where a check shows a convenant partner's teams (``hub/involvement/service.py``).
    """
    if not pairs:
        return {}
    statement = _live_with_teams(
        Flag.subject_key.in_({key for key, _ in pairs}),
        Team.organisation_id.in_({organisation for _, organisation in pairs}),
    )
    return _by_pair(pairs, session.execute(statement, {"now": now}).all())


@functools.cache
def _live_with_teams_sql() -> Compiled:
    statement = _live_with_teams(
        Flag.subject_key == any_(bindparam("subject_keys")),
        Team.organisation_id == any_(bindparam("organisation_ids")),
    ).with_only_columns(*entity_columns(Flag), *entity_columns(Team))
    return compiled(statement, given=("subject_keys", "organisation_ids", "now"))


async def live_on_subjects_with_teams_async(
    connection: psycopg.AsyncConnection[Any],
    *,
    pairs: Collection[tuple[bytes, uuid.UUID]],
    now: datetime,
) -> dict[tuple[bytes, uuid.UUID], list[tuple[Flag, Team]]]:
    """:func:`live_on_subjects_with_teams` on the event loop (``hub/fastpath/rows.py``)."""
    if not pairs:
        return {}
    sql = _live_with_teams_sql()
    parameters = sql.parameters(
        subject_keys=list({key for key, _ in pairs}),
        organisation_ids=list({organisation for _, organisation in pairs}),
        now=now,
    )
    rows = await (await connection.execute(sql.text, parameters)).fetchall()
    flag_of, team_of = entity_reader(Flag), entity_reader(Team, width(Flag))
    return _by_pair(pairs, ((flag_of(row), team_of(row)) for row in rows))


def _by_pair(
    pairs: Collection[tuple[bytes, uuid.UUID]], rows: Iterable[tuple[Any, Any]]
) -> dict[tuple[bytes, uuid.UUID], list[tuple[Flag, Team]]]:
    found: dict[tuple[bytes, uuid.UUID], list[tuple[Flag, Team]]] = {pair: [] for pair in pairs}
    for flag, team in rows:
        pair = (flag.subject_key, team.organisation_id)
        if pair in found:
            found[pair].append((flag, team))
    return found


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


def _live_on_subjects(
    subjects: ColumnElement[bool], organisations: ColumnElement[bool]
) -> Select[*tuple[Any, ...]]:
    """Columns, not entities: a group of checks reads many rows and keeps none of them."""
    return (
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
        .where(subjects, is_live(bindparam("now")), organisations, Team.active)
        .order_by(Flag.registered_at)
    )


_LIVE_ON_SUBJECTS = _live_on_subjects(
    Flag.subject_key.in_(bindparam("subject_keys", expanding=True)),
    Team.organisation_id.in_(bindparam("organisation_ids", expanding=True)),
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
    entry, and a partner's only under a convenant in force that covers it (the check asks
    for the partners' organisations too, ``hub/involvement/service.py``).
    """
    if not subject_keys or not organisation_ids:
        return {}
    parameters = {
        "subject_keys": list(subject_keys),
        "organisation_ids": list(organisation_ids),
        "now": now,
    }
    return by_subject_and_organisation(session.connection().execute(_LIVE_ON_SUBJECTS, parameters))


async def live_on_subjects_async(
    connection: psycopg.AsyncConnection[Any],
    *,
    subject_keys: Collection[bytes],
    organisation_ids: Collection[uuid.UUID],
    now: datetime,
) -> dict[tuple[bytes, uuid.UUID], list[LiveFlag]]:
    """:func:`live_on_subjects` on the event loop (``hub/fastpath/rows.py``)."""
    if not subject_keys or not organisation_ids:
        return {}
    statement, fixed = live_on_subjects_sql()
    parameters = {
        **fixed,
        "subject_keys": list(subject_keys),
        "organisation_ids": list(organisation_ids),
        "now": now,
    }
    cursor = await connection.execute(statement, parameters)
    return by_subject_and_organisation(await cursor.fetchall())


@functools.cache
def live_on_subjects_sql() -> tuple[str, dict[str, Any]]:
    """:func:`live_on_subjects`' query as PostgreSQL text for psycopg, with its fixed values.

    For the one-statement path (``hub/involvement/repository.py``), which embeds it after
    its own ``WITH``: the same Core statement, with arrays (``= ANY``) for the subjects
    and organisations, whose parameters are named ``subject_keys``, ``organisation_ids``
    and ``now``.
    """
    statement = _live_on_subjects(
        Flag.subject_key == any_(bindparam("subject_keys")),
        Team.organisation_id == any_(bindparam("organisation_ids")),
    )
    compiled = statement.compile(dialect=psycopg_dialect())  # type: ignore[no-untyped-call]
    fixed = {
        name: value.value if isinstance(value, Enum) else value
        for name, value in compiled.params.items()
        if name not in ("subject_keys", "organisation_ids", "now")
    }
    return str(compiled), fixed


def by_subject_and_organisation(
    rows: Iterable[Sequence[Any]],
) -> dict[tuple[bytes, uuid.UUID], list[LiveFlag]]:
    """Rows of :func:`_live_on_subjects`' columns as :func:`live_on_subjects` answers them."""
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


def of_subject(
    session: Session, *, subject_key: bytes, organisation: str
) -> Sequence[tuple[Flag, Team]]:
    """Every flag one organisation's teams still hold on one subject, in any state, oldest
    first (the inzage shows them; an erasure removes them)."""
    statement = (
        select(Flag, Team)
        .join(Team, Team.id == Flag.team_id)
        .join(Organisation, Organisation.id == Team.organisation_id)
        .where(Flag.subject_key == subject_key, Organisation.slug == organisation)
        .order_by(Flag.registered_at)
    )
    return [(flag, team) for flag, team in session.execute(statement)]


def subjects_of_teams(session: Session, *, team_slugs: Sequence[str]) -> set[tuple[str, bytes]]:
    """(team slug, subject key) for every flag those teams hold, in any state."""
    if not team_slugs:
        return set()
    statement = (
        select(Team.slug, Flag.subject_key)
        .join(Team, Team.id == Flag.team_id)
        .where(Team.slug.in_(team_slugs))
    )
    return {(slug, key) for slug, key in session.execute(statement)}


def add_deadlines(session: Session, deadlines: Sequence[FlagDeadline]) -> None:
    insert_new(session, *deadlines)


def deadlines_of(session: Session, flag_ids: Collection[uuid.UUID]) -> Sequence[FlagDeadline]:
    statement = (
        select(FlagDeadline)
        .where(FlagDeadline.flag_id.in_(list(flag_ids)))
        .order_by(FlagDeadline.flag_id, FlagDeadline.due_at, FlagDeadline.code)
    )
    return session.scalars(statement).all()


def replace_deadlines(
    session: Session, flag_id: uuid.UUID, deadlines: Sequence[FlagDeadline]
) -> None:
    session.execute(delete(FlagDeadline).where(FlagDeadline.flag_id == flag_id))
    session.add_all(deadlines)
    session.flush()


def delete_deadlines(session: Session, flag_ids: Collection[uuid.UUID]) -> None:
    session.execute(delete(FlagDeadline).where(FlagDeadline.flag_id.in_(list(flag_ids))))
