"""Group commit: requests waiting at one moment share one transaction and one commit.

A request's answer may only leave once what it wrote (its audit entry at least) is
committed (docs/design.md §3). Committing each request on its own costs a thread hop, a pool
checkout and a durable commit per request. Here the requests that arrive while a group is
being written queue up, and the next group runs them all in one transaction on one thread,
with one commit; each answer is released only after that commit. Work that is one
statement (checks on PostgreSQL) runs on the event loop instead of a thread.

The group's work gives an answer or a refusal per request; refusals are audited in the
same transaction as the others' entries. If the group cannot be written, every request in
it fails with 503: none is answered without its entry. A broken constraint (two processes
registering the same flag at once) fails the group; its requests are then run again, each
alone, so only the one that broke it is refused (a group on the event loop is run again in
a session for that).
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import Awaitable, Callable, Sequence
from contextvars import Context
from dataclasses import dataclass, field
from typing import Generic, TypeVar

import psycopg
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from hub.errors import AuditUnavailable, HubError, StorageUnavailable
from hub.metrics import GROUP_COMMIT_SIZE

log = logging.getLogger(__name__)

MAX_GROUP = 64
"""Requests per transaction at most; more waiting go into the next group."""
WRITERS = 1
"""Groups in flight at once per event loop. With one, the next group takes everything that
arrived while this one was written, so groups grow with the load and the database does
fewer statements and commits per request; a second writer made groups smaller and cost
more CPU per request than its overlap saved (docs/benchmarks.md)."""

Request = TypeVar("Request")
Answer = TypeVar("Answer")
Work = Callable[[Session, Sequence[Request]], list[Answer | HubError]]
"""Runs a group's requests in the given transaction: an answer or a refusal each, in order."""
LoopWork = Callable[[Sequence[Request]], Awaitable[list[Answer | HubError]]]
"""Runs a group's requests on the event loop, committed when it returns (one statement)."""


@dataclass
class _Queue(Generic[Request, Answer]):
    """The requests waiting on one event loop, and the tasks writing them."""

    waiting: list[tuple[Request, asyncio.Future[Answer]]] = field(default_factory=list)
    writers: set[asyncio.Task[None]] = field(default_factory=set)
    starting: bool = False
    """A writer is on its way and will take everything waiting when it runs."""


class GroupCommit(Generic[Request, Answer]):
    """Runs requests of one kind in groups of one transaction each."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        work: Work[Request, Answer],
        *,
        what: str,
        on_loop: LoopWork[Request, Answer] | None = None,
        max_group: int = MAX_GROUP,
        writers: int = WRITERS,
    ) -> None:
        """``work`` runs each group in a session in a thread, unless ``on_loop`` is given."""
        self._sessions = sessions
        self._work = work
        self._on_loop = on_loop
        self._what = what
        self._max_group = max_group
        self._writers = writers
        self._sizes = GROUP_COMMIT_SIZE.labels(what)
        # Per event loop: a test client may run each request on a loop of its own.
        self._queues: weakref.WeakKeyDictionary[
            asyncio.AbstractEventLoop, _Queue[Request, Answer]
        ] = weakref.WeakKeyDictionary()

    async def submit(self, request: Request) -> Answer:
        """The request's answer, once what it wrote is committed; or its refusal."""
        loop = asyncio.get_running_loop()
        queue = self._queues.get(loop)
        if queue is None:
            queue = self._queues[loop] = _Queue()
        future: asyncio.Future[Answer] = loop.create_future()
        queue.waiting.append((request, future))
        # A writer whose loop has ended is done at once, but leaves ``writers`` only when the
        # event loop runs its callback: a request queued in between would wait for nobody.
        writing = sum(1 for writer in queue.writers if not writer.done())
        if not queue.starting and writing < self._writers:
            queue.starting = True
            # A context of its own: the group serves many requests, not the first one's.
            writer = loop.create_task(self._write_groups(loop, queue), context=Context())
            queue.writers.add(writer)
            writer.add_done_callback(queue.writers.discard)
        return await future

    async def _write_groups(
        self, loop: asyncio.AbstractEventLoop, queue: _Queue[Request, Answer]
    ) -> None:
        queue.starting = False
        while queue.waiting:
            group = queue.waiting[: self._max_group]
            del queue.waiting[: self._max_group]
            requests = [request for request, _ in group]
            self._sizes.observe(len(requests))
            try:
                outcomes = await self.run(requests)
            except asyncio.CancelledError:  # the hub is stopping
                for _, future in group + queue.waiting:
                    if not future.done():
                        future.set_exception(StorageUnavailable("the hub is stopping"))
                queue.waiting.clear()
                raise
            except Exception:  # a bug: this group fails, the next ones are still served
                log.exception("a group of %d %ss failed", len(requests), self._what)
                outcomes = [self._unstored() for _ in group]
            for (_, future), outcome in zip(group, outcomes, strict=True):
                if future.done():
                    continue  # the caller went away; what it asked is done all the same
                if isinstance(outcome, BaseException):
                    future.set_exception(outcome)
                else:
                    future.set_result(outcome)

    async def run(self, requests: list[Request]) -> list[Answer | BaseException]:
        """Run one group: on the event loop if it can, else in a thread."""
        if self._on_loop is None:
            return await asyncio.get_running_loop().run_in_executor(None, self.run_group, requests)
        try:
            return list(await self._on_loop(requests))
        except AuditUnavailable:
            return self._unaudited(requests)
        except psycopg.IntegrityError:  # nothing written: in a session, one by one if need be
            return await asyncio.get_running_loop().run_in_executor(None, self.run_group, requests)
        except (psycopg.Error, SQLAlchemyError):
            return self._not_stored(requests)

    def run_group(self, requests: list[Request]) -> list[Answer | BaseException]:
        """Run ``requests`` in one transaction; an answer or an error for each, in order."""
        try:
            with self._sessions() as session:
                outcomes: list[Answer | BaseException] = []
                outcomes += self._work(session, requests)
                session.commit()
        except AuditUnavailable:
            return self._unaudited(requests)
        except IntegrityError:
            if len(requests) > 1:  # one of them broke a constraint: find out which, alone
                return [outcome for request in requests for outcome in self.run_group([request])]
            log.exception("a %s broke a constraint when run alone", self._what)
            return [self._unstored()]
        except SQLAlchemyError:
            return self._not_stored(requests)
        return outcomes

    def _unaudited(self, requests: list[Request]) -> list[Answer | BaseException]:
        log.exception("a group of %d %ss could not be audited", len(requests), self._what)
        return [AuditUnavailable("the audit entry could not be written") for _ in requests]

    def _not_stored(self, requests: list[Request]) -> list[Answer | BaseException]:
        log.exception("a group of %d %ss could not be stored", len(requests), self._what)
        return [self._unstored() for _ in requests]

    def _unstored(self) -> StorageUnavailable:
        return StorageUnavailable(f"the {self._what} could not be stored")
