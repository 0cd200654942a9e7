"""Every connection the hub makes to PostgreSQL carries the database timeout.

The server's ``statement_timeout`` is checked here; the bound on a server that does not
answer at all, in tests/api/test_database_faults.py.
"""

from __future__ import annotations

import asyncio
import time

import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from hub.db import make_engine
from hub.fastpath.statements import StatementConnections, libpq_url
from testsupport.postgres import PostgresCluster

TIMEOUT = 0.5


def test_engine_sessions_are_bounded(postgres: PostgresCluster) -> None:
    engine = make_engine(postgres.admin_url, timeout=TIMEOUT)
    try:
        with engine.connect() as connection:
            assert connection.execute(text("SHOW statement_timeout")).scalar() == "500ms"
        assert engine.pool.timeout() == TIMEOUT  # type: ignore[attr-defined]
        started = time.monotonic()
        with pytest.raises(OperationalError), engine.connect() as connection:
            connection.execute(text("SELECT pg_sleep(5)"))
        assert time.monotonic() - started < TIMEOUT + 1
    finally:
        engine.dispose()


def test_statement_connections_are_bounded(postgres: PostgresCluster) -> None:
    url = libpq_url(postgres.admin_url)
    assert url is not None
    statements = StatementConnections(url, timeout=TIMEOUT)

    async def sleep_longer_than_the_timeout() -> float:
        try:
            async with statements.connection() as connection:
                cursor = await connection.execute("SHOW statement_timeout")
                assert await cursor.fetchone() == ("500ms",)
                started = time.monotonic()
                with pytest.raises(psycopg.OperationalError):
                    await connection.execute("SELECT pg_sleep(5)")
                return time.monotonic() - started
        finally:
            await statements.close()

    assert asyncio.run(sleep_longer_than_the_timeout()) < TIMEOUT + 1
