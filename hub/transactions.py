"""Who commits: the one rule for transactions, and the helpers that carry it out.

Services and repositories never commit; they only ``flush()``. A unit of work is owned by
exactly one of three mechanisms:

1. **A request** reads and writes through the request's session dependency
   (``api.deps.DbSession``): the route works in the session, the dependency commits after
   the route returns (:func:`commit_and_close`) or rolls back when it raised
   (:func:`roll_back_and_close`). A GET writes only the audit entries of what it showed.
2. **The busy writes** (involvement checks, registrations) go through a group commit
   (``hub/fastpath/groups.py``): the requests waiting at one moment share one transaction,
   or one statement on PostgreSQL, and no answer leaves before its commit.
3. **Jobs and the CLI** (retention, sequencing, alerts, delivery, seeding) take
   :func:`transaction`: commit on success, roll back on error.

A refusal that carries an audit record is audited on every path (``audit.refusal_rows``):
in the group's own statement by the busy writes, and in a transaction of its own
(:func:`record_refusal`) when a request's transaction rolls back, so a denied request
leaves its trace although its work does not.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from hub.actor import Actor
from hub.audit import service as audit
from hub.errors import AuditUnavailable, HubError, StorageUnavailable


@contextmanager
def transaction(sessions: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work outside a request: commit on success, roll back on error."""
    with sessions() as session, session.begin():
        yield session


def commit_and_close(session: Session) -> None:
    """End a request's transaction that went well; a failed commit stored nothing."""
    try:
        session.commit()
    except SQLAlchemyError as error:
        session.rollback()
        raise StorageUnavailable("the change could not be stored") from error
    finally:
        session.close()


def roll_back_and_close(
    session: Session,
    error: BaseException,
    *,
    actor: Actor | None,
    sessions: sessionmaker[Session],
    now: datetime,
) -> None:
    """End a request's transaction that raised ``error``; audit it if it is a refusal."""
    try:
        session.rollback()
    finally:
        session.close()
    if isinstance(error, HubError) and actor is not None:
        record_refusal(sessions, actor, error, at=now)


def record_refusal(
    sessions: sessionmaker[Session], actor: Actor, refusal: HubError, *, at: datetime
) -> None:
    """Audit ``refusal`` in a transaction of its own (nothing if it carries no record)."""
    rows = audit.refusal_rows(actor, refusal, at=at)
    if not rows:
        return
    try:
        with transaction(sessions) as session:
            audit.write(session, rows)
    except (SQLAlchemyError, AuditUnavailable) as failure:
        raise AuditUnavailable("the refusal could not be audited") from failure
