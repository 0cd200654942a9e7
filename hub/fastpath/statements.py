"""PostgreSQL connections on the event loop, for work done in one statement.

A group of involvement checks is one statement (``hub/involvement/repository.py``): in
autocommit that statement is its whole transaction, and its commit is as durable as any. Run
on the event loop with psycopg's async connection, it needs no thread, no session, no
``BEGIN``/``COMMIT`` and no ping: one round trip per group. A connection broken by a
database restart fails its group (503) and is dropped; the next group connects anew.
Connecting and each statement wait at most ``timeout`` seconds (``hub/db_timeout.py``).
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import psycopg
from psycopg.pq import TransactionStatus
from sqlalchemy.engine import make_url

from hub import db_timeout


def libpq_url(sqlalchemy_url: str) -> str | None:
    """The database URL as libpq reads it, for PostgreSQL; None for any other database."""
    url = make_url(sqlalchemy_url)
    if url.get_backend_name() != "postgresql":
        return None
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


_Connection = db_timeout.BoundedAsyncConnection[tuple[object, ...]]


class StatementConnections:
    """Idle autocommit connections per event loop, taken by one group at a time."""

    def __init__(self, url: str, *, timeout: float) -> None:
        self._url = url
        self._timeout = timeout
        self._idle: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, list[_Connection]] = (
            weakref.WeakKeyDictionary()
        )

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[_Connection]:
        idle = self._idle.setdefault(asyncio.get_running_loop(), [])
        connection = idle.pop() if idle else await self._connect()
        connection.unreplicated = False
        try:
            yield connection
            if connection.unreplicated:  # committed here only: not to be acknowledged
                raise db_timeout.NotReplicated("a statement was not confirmed by the standby")
        except psycopg.Error as error:
            if db_timeout.is_failover_error(error):
                await connection.close()  # a demoted primary: the next group connects anew
            raise
        finally:
            if connection.closed or connection.info.transaction_status != TransactionStatus.IDLE:
                await connection.close()  # broken, or left inside a statement: not reused
            else:
                idle.append(connection)

    async def close(self) -> None:
        """Close this event loop's idle connections (when the app stops)."""
        for connection in self._idle.pop(asyncio.get_running_loop(), []):
            await connection.close()

    async def _connect(self) -> _Connection:
        # The statements here are prepared (psycopg prepares a query from its fifth run), and
        # PostgreSQL would still plan them anew on every run, since a plan for the group's
        # actual arrays looks cheaper than a generic one: planning was half of the
        # database's CPU per group (docs/benchmarks.md). Their generic plans are the same
        # index lookups.
        return await db_timeout.connect_async(
            self._url,
            seconds=self._timeout,
            autocommit=True,
            options="-c plan_cache_mode=force_generic_plan",
        )
