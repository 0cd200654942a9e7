"""SQL for contact requests."""

from __future__ import annotations

import functools
import uuid
from collections.abc import Collection, Iterable, Sequence
from datetime import datetime
from typing import Any

import psycopg
from sqlalchemy import ColumnElement, Select, any_, bindparam, or_, select, union_all
from sqlalchemy.orm import Session, aliased

from hub.contact_request.models import ContactRequest, RequestStatus
from hub.db import insert_new
from hub.fastpath.rows import Compiled, compiled
from hub.flag.models import Flag
from hub.organisation.models import Team


def add(session: Session, *requests: ContactRequest) -> None:
    insert_new(session, *requests)


def get(session: Session, request_id: uuid.UUID) -> ContactRequest | None:
    return session.get(ContactRequest, request_id)


def _pending(flags: ColumnElement[bool]) -> Select[uuid.UUID, uuid.UUID]:
    return select(ContactRequest.flag_id, ContactRequest.requester_team_id).where(
        flags, ContactRequest.status == RequestStatus.PENDING
    )


def pending_pairs(
    session: Session, *, pairs: Collection[tuple[uuid.UUID, uuid.UUID]]
) -> set[tuple[uuid.UUID, uuid.UUID]]:
    """Those (flag, requesting team) of ``pairs`` with a pending request, in one query."""
    if not pairs:
        return set()
    statement = _pending(ContactRequest.flag_id.in_(list({flag_id for flag_id, _ in pairs})))
    found = {(flag_id, team_id) for flag_id, team_id in session.execute(statement)}
    return found & set(pairs)


@functools.cache
def _pending_sql() -> Compiled:
    return compiled(_pending(ContactRequest.flag_id == any_(bindparam("ids"))), given=("ids",))


async def pending_pairs_async(
    connection: psycopg.AsyncConnection[Any], *, pairs: Collection[tuple[uuid.UUID, uuid.UUID]]
) -> set[tuple[uuid.UUID, uuid.UUID]]:
    """:func:`pending_pairs` on the event loop (``hub/fastpath/rows.py``)."""
    if not pairs:
        return set()
    sql = _pending_sql()
    ids = list({flag_id for flag_id, _ in pairs})
    cursor = await connection.execute(sql.text, sql.parameters(ids=ids))
    found = {(flag_id, team_id) for flag_id, team_id in await cursor.fetchall()}
    return found & set(pairs)


def list_for_team(
    session: Session, *, team_id: uuid.UUID, direction: str | None, limit: int, offset: int
) -> Sequence[tuple[ContactRequest, Flag, Team, Team]]:
    """One page of a team's requests, each with its flag, owner team and requester team.

    One statement for any page: the listing used to load the flag and both teams per
    request (2 + 3 per request before the identity map helped).
    """
    incoming = ContactRequest.owner_team_id == team_id
    outgoing = ContactRequest.requester_team_id == team_id
    if direction == "incoming":
        condition = incoming
    elif direction == "outgoing":
        condition = outgoing
    else:
        # Both directions as two ordered index scans merged (a team is never on both sides
        # of one request), not an OR that sorts all of a busy team's requests for one page.
        both = union_all(
            select(ContactRequest.id, ContactRequest.created_at).where(incoming),
            select(ContactRequest.id, ContactRequest.created_at).where(outgoing),
        ).subquery()
        condition = ContactRequest.id.in_(
            select(both.c.id).order_by(both.c.created_at.desc(), both.c.id).limit(limit + offset)
        )
    owner = aliased(Team, name="owner_team")
    requester = aliased(Team, name="requester_team")
    statement = (
        select(ContactRequest, Flag, owner, requester)
        .join(Flag, Flag.id == ContactRequest.flag_id)
        .join(owner, owner.id == ContactRequest.owner_team_id)
        .join(requester, requester.id == ContactRequest.requester_team_id)
        .where(condition)
        .order_by(ContactRequest.created_at.desc(), ContactRequest.id)
        .limit(limit)
        .offset(offset)
    )
    return [(row[0], row[1], row[2], row[3]) for row in session.execute(statement)]


def overdue(
    session: Session, *, now: datetime, limit: int | None = None
) -> Sequence[ContactRequest]:
    """Pending requests past their date, oldest first
    (``ix_contact_requests_status_expires_at``)."""
    statement = (
        select(ContactRequest)
        .where(ContactRequest.status == RequestStatus.PENDING, ContactRequest.expires_at <= now)
        .order_by(ContactRequest.expires_at, ContactRequest.id)
        .limit(limit)
    )
    return session.scalars(statement).all()


def decided_on_subject(
    session: Session, *, subject_key: bytes
) -> dict[tuple[uuid.UUID, uuid.UUID], str]:
    """The latest decision (accepted or declined) per (owner team, requesting team) on
    any flag on one subject: what a match between the two may show (hub/match/service.py)."""
    statement = (
        select(
            ContactRequest.owner_team_id, ContactRequest.requester_team_id, ContactRequest.status
        )
        .join(Flag, Flag.id == ContactRequest.flag_id)
        .where(
            Flag.subject_key == subject_key,
            ContactRequest.status.in_([RequestStatus.ACCEPTED, RequestStatus.DECLINED]),
        )
        .order_by(ContactRequest.decided_at, ContactRequest.id)
    )
    return {(owner, requester): status for owner, requester, status in session.execute(statement)}


def _decided(subjects: ColumnElement[bool]) -> Select[*tuple[Any, ...]]:
    return (
        select(
            Flag.subject_key,
            ContactRequest.owner_team_id,
            ContactRequest.requester_team_id,
            ContactRequest.status,
        )
        .join(Flag, Flag.id == ContactRequest.flag_id)
        .where(
            subjects,
            or_(  # not ``IN``: the statement is compiled for psycopg too
                ContactRequest.status == RequestStatus.ACCEPTED,
                ContactRequest.status == RequestStatus.DECLINED,
            ),
        )
        .order_by(ContactRequest.decided_at, ContactRequest.id)
    )


def decided_on_subjects(
    session: Session, *, subject_keys: Collection[bytes]
) -> dict[bytes, dict[tuple[uuid.UUID, uuid.UUID], str]]:
    """:func:`decided_on_subject` for several subjects in one query, by subject."""
    if not subject_keys:
        return {}
    rows = session.execute(_decided(Flag.subject_key.in_(list(subject_keys))))
    return _decided_by_subject(subject_keys, rows)


@functools.cache
def _decided_sql() -> Compiled:
    return compiled(_decided(Flag.subject_key == any_(bindparam("keys"))), given=("keys",))


async def decided_on_subjects_async(
    connection: psycopg.AsyncConnection[Any], *, subject_keys: Collection[bytes]
) -> dict[bytes, dict[tuple[uuid.UUID, uuid.UUID], str]]:
    """:func:`decided_on_subjects` on the event loop (``hub/fastpath/rows.py``)."""
    if not subject_keys:
        return {}
    sql = _decided_sql()
    cursor = await connection.execute(sql.text, sql.parameters(keys=list(subject_keys)))
    return _decided_by_subject(subject_keys, await cursor.fetchall())


def _decided_by_subject(
    subject_keys: Collection[bytes], rows: Iterable[Sequence[Any]]
) -> dict[bytes, dict[tuple[uuid.UUID, uuid.UUID], str]]:
    found: dict[bytes, dict[tuple[uuid.UUID, uuid.UUID], str]] = {key: {} for key in subject_keys}
    for key, owner, requester, status in rows:
        found[bytes(key)][(owner, requester)] = status
    return found
