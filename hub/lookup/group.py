"""Group commit for involvement checks: the checks waiting at one moment share one transaction.

A check writes nothing but its audit entry, and its answer may only leave once that entry is
committed (DESIGN.md §3). Committing each check on its own costs a thread hop, a pool
checkout and a durable commit per check. Here the checks that arrive while a group is being
written queue up, and the next group runs them all in one transaction on one thread, with
one commit; each answer is released only after that commit. Up to ``WRITERS`` groups per
process are in flight at once, so a new group is read while another waits on its commit.

A refusal (rate limit, policy) is audited in the same transaction as the group's other
entries. If anything in the group cannot be written, every check in it fails with 503:
none is answered without its entry.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy.exc import SQLAlchemyError

from hub.errors import AuditUnavailable, StorageUnavailable
from hub.lookup.service import CheckRequest, Involvement, check_group

if TYPE_CHECKING:
    from hub.runtime import Runtime

log = logging.getLogger(__name__)

MAX_GROUP = 64
"""Checks per transaction at most; more waiting go into the next group."""
WRITERS = 2
"""Groups in flight at once per event loop: one is built while another waits on its commit."""

Outcome = Involvement | BaseException


@dataclass
class _Queue:
    """The checks waiting on one event loop, and the tasks writing them."""

    waiting: list[tuple[CheckRequest, asyncio.Future[Involvement]]] = field(default_factory=list)
    writers: set[asyncio.Task[None]] = field(default_factory=set)
    starting: bool = False
    """A writer is on its way and will take everything waiting when it runs."""


class CheckGroups:
    """Answers involvement checks in groups of one transaction each."""

    def __init__(
        self, runtime: Runtime, *, max_group: int = MAX_GROUP, writers: int = WRITERS
    ) -> None:
        self._runtime = runtime
        self._max_group = max_group
        self._writers = writers
        # Per event loop: a test client may run each request on a loop of its own.
        self._queues: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Queue] = (
            weakref.WeakKeyDictionary()
        )

    async def check(self, request: CheckRequest) -> Involvement:
        """The check's answer, once its audit entry is committed; or its error."""
        loop = asyncio.get_running_loop()
        queue = self._queues.get(loop)
        if queue is None:
            queue = self._queues[loop] = _Queue()
        future: asyncio.Future[Involvement] = loop.create_future()
        queue.waiting.append((request, future))
        if not queue.starting and len(queue.writers) < self._writers:
            queue.starting = True
            writer = loop.create_task(self._write_groups(loop, queue))
            queue.writers.add(writer)
            writer.add_done_callback(queue.writers.discard)
        return await future

    async def _write_groups(self, loop: asyncio.AbstractEventLoop, queue: _Queue) -> None:
        queue.starting = False
        while queue.waiting:
            group = queue.waiting[: self._max_group]
            del queue.waiting[: self._max_group]
            requests = [request for request, _ in group]
            try:
                outcomes = await loop.run_in_executor(None, self.run_group, requests)
            except asyncio.CancelledError:  # the hub is stopping
                for _, future in group + queue.waiting:
                    if not future.done():
                        future.set_exception(StorageUnavailable("the hub is stopping"))
                queue.waiting.clear()
                raise
            except Exception:  # a bug: this group fails, the next ones are still served
                log.exception("a group of %d checks failed", len(requests))
                outcomes = [StorageUnavailable("the check could not be stored") for _ in group]
            for (_, future), outcome in zip(group, outcomes, strict=True):
                if future.done():
                    continue  # the caller went away; its check is audited all the same
                if isinstance(outcome, BaseException):
                    future.set_exception(outcome)
                else:
                    future.set_result(outcome)

    def run_group(self, requests: list[CheckRequest]) -> list[Outcome]:
        """Run ``requests`` in one transaction; an answer or an error for each, in order."""
        try:
            with self._runtime.sessions() as session:
                outcomes: list[Outcome] = []
                outcomes += check_group(session, requests, runtime=self._runtime)
                session.commit()
        except AuditUnavailable:
            log.exception("a group of %d checks could not be audited", len(requests))
            return [AuditUnavailable("the audit entry could not be written") for _ in requests]
        except SQLAlchemyError:
            log.exception("a group of %d checks could not be stored", len(requests))
            return [StorageUnavailable("the check could not be stored") for _ in requests]
        return outcomes
