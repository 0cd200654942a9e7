"""Periodic background work inside a hub process (retention, webhook delivery).

Every job is idempotent and safe to run from several processes at once; ``run_if`` (the
jobs' lock, ``hub/leader.py``) has one process run them at a time.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

log = logging.getLogger("betrokken.scheduler")


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

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                if self.run_if():
                    self.job()
            except Exception:  # keep the schedule alive; the next run retries
                log.exception("background job %s failed", self.name)


class Scheduler:
    def __init__(self, *, run_if: Callable[[], bool] = lambda: True) -> None:
        """``run_if`` is asked before each run: whether this process should run jobs now."""
        self.tasks: list[PeriodicTask] = []
        self._run_if = run_if

    def every(self, seconds: float, name: str, job: Callable[[], object]) -> None:
        self.tasks.append(PeriodicTask(name=name, interval=seconds, job=job, run_if=self._run_if))

    def start(self) -> None:
        for task in self.tasks:
            task.start()

    def stop(self) -> None:
        for task in self.tasks:
            task.stop()
