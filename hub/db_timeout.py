"""A bound on every wait for PostgreSQL, so that no request hangs with the database.

PostgreSQL ends a statement that runs longer than ``statement_timeout``, libpq gives up
connecting after ``connect_timeout`` and TCP keepalives notice a peer that is gone. None of
them helps when the server is there but does not answer (stopped with ``SIGSTOP``, swapping,
stuck on a full disk): its kernel still acknowledges every packet. So these connections
also stop waiting for an answer after the bound, and close, since the protocol is then in
the middle of a command. The caller gets a ``psycopg.OperationalError`` either way, which
the hub reports as 503 (``api/problems.py``).
"""

from __future__ import annotations

import asyncio
import math
from typing import Any

import psycopg
from psycopg.abc import RV, PQGen
from psycopg.errors import _WaitTimeout  # what Connection.wait raises when its timeout ends
from psycopg.rows import Row, TupleRow

_WAIT_INTERVAL = 0.1
"""psycopg's own: how often a wait wakes up to notice Ctrl-C."""


def bounded_parameters(seconds: float, *, options: str = "") -> dict[str, Any]:
    """libpq parameters that bound connecting and each statement by ``seconds``; ``options``
    are the server options given besides."""
    whole = max(1, math.ceil(seconds))  # libpq takes whole seconds here (and waits at least 2)
    return {
        "connect_timeout": whole,
        "options": f"{options} -c statement_timeout={math.ceil(seconds * 1000)}".strip(),
        "keepalives": 1,
        "keepalives_idle": whole,
        "keepalives_interval": whole,
        "keepalives_count": 3,
        "tcp_user_timeout": math.ceil(seconds * 1000),
    }


class NotReplicated(psycopg.OperationalError):
    """A commit PostgreSQL stopped waiting for its synchronous standby to confirm.

    When the wait is cancelled (``statement_timeout``, a cancel request) the transaction
    is already committed on the primary and PostgreSQL returns success with only a
    warning. Acknowledged, it could be lost with the primary: so the hub treats it as a
    commit that failed and answers 503, as when no answer came at all.
    """


def _watch_replication(connection: psycopg.Connection[Any] | psycopg.AsyncConnection[Any]) -> None:
    """Mark ``connection`` when the server says it stopped waiting for synchronous
    replication (by the function that says it, not by its words, which are translated)."""

    def notice(diagnostic: psycopg.errors.Diagnostic) -> None:
        if diagnostic.source_function == "SyncRepWaitForLSN":
            connection.unreplicated = True  # type: ignore[union-attr]

    connection.add_notice_handler(notice)


class BoundedConnection(psycopg.Connection[Row]):
    """A connection that waits at most ``bound`` seconds for each answer of the server, and
    whose commit fails unless it was replicated as configured (:class:`NotReplicated`)."""

    bound: float | None = None
    unreplicated: bool = False

    def commit(self) -> None:
        self.unreplicated = False
        super().commit()
        if self.unreplicated:
            raise NotReplicated("the commit was not confirmed by the synchronous standby")

    def wait(
        self, gen: PQGen[RV], interval: float = _WAIT_INTERVAL, timeout: float | None = None
    ) -> RV:
        try:
            return super().wait(gen, interval, self.bound if timeout is None else timeout)
        except _WaitTimeout:
            if timeout is not None:  # psycopg's own bound (cancelling): it knows what to do
                raise
            self.pgconn.finish()
            raise _no_answer(self.bound) from None


class BoundedAsyncConnection(psycopg.AsyncConnection[Row]):
    """:class:`BoundedConnection` for the event loop. In autocommit each statement commits:
    its user checks ``unreplicated`` after it (``hub/fastpath/statements.py``)."""

    bound: float | None = None
    unreplicated: bool = False

    async def wait(
        self, gen: PQGen[RV], interval: float = _WAIT_INTERVAL, timeout: float | None = None
    ) -> RV:
        try:
            return await super().wait(gen, interval, self.bound if timeout is None else timeout)
        except _WaitTimeout:
            if timeout is not None:
                raise
            self.pgconn.finish()
            raise _no_answer(self.bound) from None


def connect(
    cargs: tuple[Any, ...], cparams: dict[str, Any], *, seconds: float
) -> BoundedConnection[TupleRow]:
    """What ``psycopg.connect(*cargs, **cparams)`` gives, bounded by ``seconds``."""
    parameters = bounded_parameters(seconds, options=cparams.get("options", ""))
    connection = BoundedConnection.connect(*cargs, **{**cparams, **parameters})
    connection.bound = seconds
    _watch_replication(connection)
    return connection


async def connect_async(
    url: str, *, seconds: float, options: str = "", autocommit: bool = False
) -> BoundedAsyncConnection[TupleRow]:
    """A connection on the event loop, made within ``seconds`` and bounded by them after."""
    parameters = bounded_parameters(seconds, options=options)
    try:
        # libpq's connect_timeout is whole seconds, at least 2; this is the bound itself.
        async with asyncio.timeout(seconds):
            connection = await BoundedAsyncConnection.connect(
                url, autocommit=autocommit, **parameters
            )
    except TimeoutError:
        raise psycopg.OperationalError(f"no connection within {seconds} s") from None
    connection.bound = seconds
    _watch_replication(connection)
    return connection


def is_failover_error(error: BaseException | None) -> bool:
    """The server is there but can no longer take this connection's writes: a primary that
    was demoted (``read_only_sql_transaction``) or is shutting down (``admin_shutdown``,
    ``cannot_connect_now``). A failover is under way; the connection is of no further use,
    and the request is answered 503 like any other unavailability."""
    return isinstance(
        error,
        psycopg.errors.ReadOnlySqlTransaction
        | psycopg.errors.AdminShutdown
        | psycopg.errors.CannotConnectNow,
    )


def _no_answer(seconds: float | None) -> psycopg.OperationalError:
    return psycopg.OperationalError(f"the database did not answer within {seconds} s")
