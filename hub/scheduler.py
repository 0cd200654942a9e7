"""Periodic background work inside a hub process (retention, webhook delivery).

Every job is idempotent and safe to run from several processes at once; ``run_if`` (the
jobs' lock, ``hub/leader.py``) has one process run them at a time.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

log = logging.getLogger("betrokken.scheduler")

STOP_TIMEOUT_SECONDS = 10.0
"""How long :meth:`Scheduler.stop` waits for running jobs: a retention run stops at its
next batch boundary, the other jobs' runs are short."""


@dataclass
class PeriodicTask:
    name: str
    interval: float
    job: Callable[[], object]
    run_if: Callable[[], bool] = lambda: True
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name=self.name, daemon=True)
        self._thread.start()

    def join(self, timeout: float) -> bool:
        """Wait for the loop to end; False if it still runs after ``timeout`` seconds."""
        if self._thread is not None:
            self._thread.join(timeout)
            return not self._thread.is_alive()
        return True

    def run(self) -> bool:
        """One run now, if ``run_if`` allows; False if the job raised (logged)."""
        try:
            if self.run_if():
                self.job()
        except Exception:  # keep the schedule alive; the next run retries
            log.exception("background job %s failed", self.name)
            return False
        return True

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            self.run()


class Scheduler:
    def __init__(self, *, run_if: Callable[[], bool] = lambda: True) -> None:
        """``run_if`` is asked before each run: whether this process should run jobs now."""
        self.tasks: list[PeriodicTask] = []
        self._run_if = run_if
        self.stopping = threading.Event()
        """Set by :meth:`stop`: a long job (retention) looks at it between batches."""

    def every(self, seconds: float, name: str, job: Callable[[], object]) -> None:
        self.tasks.append(
            PeriodicTask(
                name=name, interval=seconds, job=job, run_if=self._run_if, _stop=self.stopping
            )
        )

    def start(self) -> None:
        for task in self.tasks:
            task.start()

    def run_once(self) -> list[str]:
        """Run every job once, in order, where ``run_if`` allows; the names of those that
        failed."""
        return [task.name for task in self.tasks if not task.run()]

    def stop(self, timeout: float = STOP_TIMEOUT_SECONDS) -> list[str]:
        """Stop every loop at once and wait up to ``timeout`` seconds in all for running
        jobs; the names of those still running (their threads end with the process, and a
        job's open transaction is rolled back)."""
        self.stopping.set()
        deadline = time.monotonic() + timeout
        return [
            task.name for task in self.tasks if not task.join(max(0.0, deadline - time.monotonic()))
        ]
