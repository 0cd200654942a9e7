"""Periodic background work inside a hub process (retention, webhook delivery).

Every job is idempotent and safe to run from several processes at once; ``run_if`` (the
jobs' lock, ``hub/leader.py``) has one process run them at a time.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

log = logging.getLogger("betrokken.scheduler")

STOP_TIMEOUT_SECONDS = 10.0
"""How long :meth:`Scheduler.stop` waits for running jobs: a retention run stops at its
next batch boundary, the other jobs' runs are short."""


def lower_priority(niceness: int) -> None:
    """Run the calling thread ``niceness`` steps nicer (up to 19), so that on a busy
    machine the processes and threads that answer requests get the CPU first. On Linux a
    thread has a priority of its own (threads it starts inherit it); elsewhere this is the
    whole process's, and where neither can be set nothing changes."""
    if niceness <= 0 or not hasattr(os, "setpriority"):
        return
    thread = threading.get_native_id()
    try:
        current = os.getpriority(os.PRIO_PROCESS, thread)
        os.setpriority(os.PRIO_PROCESS, thread, min(19, current + niceness))
    except OSError as error:  # not permitted, or no such task: run at the priority given
        log.warning(
            "could not lower the priority of %s: %s", threading.current_thread().name, error
        )


@dataclass
class PeriodicTask:
    name: str
    interval: float
    job: Callable[[], object]
    run_if: Callable[[], bool] = lambda: True
    niceness: int = 0
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
        lower_priority(self.niceness)
        while not self._stop.wait(self.interval):
            self.run()


class Scheduler:
    def __init__(self, *, run_if: Callable[[], bool] = lambda: True, niceness: int = 0) -> None:
        """``run_if`` is asked before each run: whether this process should run jobs now;
        the jobs' threads run ``niceness`` steps nicer than the process."""
        self.tasks: list[PeriodicTask] = []
        self._run_if = run_if
        self._niceness = niceness
        self.stopping = threading.Event()
        """Set by :meth:`stop`: a long job (retention) looks at it between batches."""

    def every(self, seconds: float, name: str, job: Callable[[], object]) -> None:
        self.tasks.append(
            PeriodicTask(
                name=name,
                interval=seconds,
                job=job,
                run_if=self._run_if,
                niceness=self._niceness,
                _stop=self.stopping,
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
