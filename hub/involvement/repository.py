"""SQL for involvement checks: a group's audit entries and the live flags on its subjects.

On PostgreSQL both go in one statement: the entries are inserted by a data-modifying
``WITH`` from one JSON document (one parameter whatever the group's size, so the statement
is prepared once), and the same statement reads the flags. On an autocommit connection
(``hub/fastpath/statements.py``) that statement is the whole transaction: one round trip, its commit
durable before any answer leaves. Elsewhere (SQLite) the entries are inserted and the flags
read by the audit's and the flags' own statements, in the caller's transaction.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Collection
from datetime import datetime
from typing import Any, cast

import psycopg
from sqlalchemy import Table
from sqlalchemy.orm import Session

from hub.audit import service as audit
from hub.audit.models import AuditEntry
from hub.db import json_insert_statement, rows_as_json
from hub.errors import AuditUnavailable
from hub.flag import repository as flags
from hub.flag.repository import LiveFlag

_GENERATED = {"seq", "leaf_index"}
"""Audit columns the database fills (the sequence) or the sequencer sets later."""


@functools.cache
def _record_and_read_statement() -> tuple[str, dict[str, Any]]:
    """The group's statement: its entries inserted, and ``flags.live_on_subjects`` read."""
    table = cast(Table, AuditEntry.__table__)
    columns = tuple(column.name for column in table.columns if column.name not in _GENERATED)
    read, fixed = flags.live_on_subjects_sql()
    return f"WITH recorded AS ({json_insert_statement(table, columns, 'entries')})\n{read}", fixed


def record_and_read_live(
    session: Session,
    entries: list[dict[str, Any]],
    *,
    subject_keys: Collection[bytes],
    organisation_ids: Collection[uuid.UUID],
    now: datetime,
) -> dict[tuple[bytes, uuid.UUID], list[LiveFlag]]:
    """Write ``entries`` (made by ``audit.new_entry``) and read the live flags on the subjects.

    In the session's transaction, by the audit's and the flags' own statements; the flags
    come as ``flags.live_on_subjects`` gives them. If the entries cannot be written, nothing
    is read: :class:`AuditUnavailable`.
    """
    audit.write(session, entries)
    return flags.live_on_subjects(
        session, subject_keys=subject_keys, organisation_ids=organisation_ids, now=now
    )


async def record_and_read_live_in_one_statement(
    connection: psycopg.AsyncConnection[tuple[object, ...]],
    entries: list[dict[str, Any]],
    *,
    subject_keys: Collection[bytes],
    organisation_ids: Collection[uuid.UUID],
    now: datetime,
) -> dict[tuple[bytes, uuid.UUID], list[LiveFlag]]:
    """:func:`record_and_read_live` on PostgreSQL, as one statement on an autocommit connection.

    When it returns, the entries are committed.
    """
    if not entries and not subject_keys:
        return {}
    # The entries as one JSON document: the driver's arrays of 22 columns cost about ten
    # times the CPU in Python (docs/benchmarks.md).
    statement, fixed = _record_and_read_statement()
    parameters = {
        **fixed,
        "entries": rows_as_json(entries),
        "subject_keys": list(subject_keys),
        "organisation_ids": list(organisation_ids),
        "now": now,
    }
    try:
        cursor = await connection.execute(statement, parameters)
        return flags.by_subject_and_organisation(await cursor.fetchall())
    except psycopg.OperationalError:
        raise  # the connection, not the entries: the caller reports the storage unavailable
    except psycopg.Error as error:
        raise AuditUnavailable("the audit entries could not be written") from error
