"""Which hub process runs the background jobs: one at a time, by a PostgreSQL advisory lock.

Every job is safe to run from several processes at once (the sequencer takes the tree's row
lock, retention and delivery are idempotent), so the lock is not what keeps the log whole;
it keeps n replicas from doing the same work n times, and makes "the sequencer" one
process whose log tells what it did. The lock is session-level, held by a connection of its
own: when the process dies, or its connection or the primary does (a failover), the server
forgets the lock and another process takes it on its next try. A process that finds its
connection broken stops counting itself the leader before it runs another job.

On SQLite (one process, the embedded default) the process is always the leader.
"""

from __future__ import annotations

import logging
import threading
from contextlib import suppress
from typing import Literal

import psycopg

from hub import db_timeout

log = logging.getLogger("betrokken.leader")

LOCK_KEY = 0x6265_7472_6F6B_6B  # "betrokk": the advisory lock of the background jobs
Role = Literal["leader", "standby"]


class Leadership:
    """Whether this process holds the jobs' lock; :meth:`holds` asks (and tries to take it)."""

    def __init__(self, url: str | None, *, timeout: float, key: int = LOCK_KEY) -> None:
        """``url``: the database as libpq reads it, None where there is one process (SQLite)."""
        self._url = url
        self._timeout = timeout
        self._key = key
        self._connection: psycopg.Connection[tuple[object, ...]] | None = None
        self._leader = url is None
        self._lock = threading.Lock()

    @property
    def role(self) -> Role:
        """What this process was when it last asked."""
        return "leader" if self._leader else "standby"

    def holds(self) -> bool:
        """True if this process holds the lock now: its connection answers and holds it, or
        it has just taken it. Costs one round trip; never raises."""
        if self._url is None:
            return True
        with self._lock:
            try:
                self._leader = self._ask()
            except psycopg.Error as error:
                if self._leader:
                    log.warning("background jobs: lost the lock (%s)", type(error).__name__)
                self._leader = False
                self._drop()
            return self._leader

    def release(self) -> None:
        """Give the lock up (the process stops): another process takes it at once."""
        with self._lock:
            if self._leader and self._connection is not None and not self._connection.closed:
                # Unlocked now, not when the server notices the closed connection.
                with suppress(psycopg.Error):
                    self._connection.execute("SELECT pg_advisory_unlock(%s)", (self._key,))
            self._drop()
            self._leader = self._url is None

    def _ask(self) -> bool:
        if self._connection is None or self._connection.closed:
            self._connection = db_timeout.connect(
                (self._url,), {"autocommit": True}, seconds=self._timeout
            )
        if self._leader:
            # Still ours while the session lives, on a primary: one round trip says so.
            row = self._connection.execute("SELECT pg_is_in_recovery()").fetchone()
            if row and row[0]:  # a primary demoted under a connection that survived
                raise psycopg.errors.ReadOnlySqlTransaction("the server is a standby now")
            return True
        row = self._connection.execute(
            "SELECT pg_try_advisory_lock(%s) AND NOT pg_is_in_recovery()", (self._key,)
        ).fetchone()
        taken = bool(row and row[0])
        if taken:
            log.info("background jobs: this process took the lock and runs them")
        return taken

    def _drop(self) -> None:
        if self._connection is not None:
            with suppress(psycopg.Error):
                self._connection.close()
            self._connection = None
