"""One process at a time runs the background jobs (``hub/leader.py``); another takes over
when the leader's session ends, whether it stops, dies or loses its connection."""

from __future__ import annotations

import os
import sys
import threading
import time

import pytest
from sqlalchemy import create_engine, text

from hub.fastpath.statements import libpq_url
from hub.leader import Leadership
from hub.scheduler import Scheduler
from hub.settings import Settings

pytestmark = pytest.mark.postgres


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_one_leader_and_a_successor(database_url: str) -> None:
    url = libpq_url(database_url)
    first, second, third = (Leadership(url, timeout=2.0, key=4242) for _ in range(3))
    try:
        assert first.holds() and first.role == "leader"
        assert not second.holds() and second.role == "standby"
        assert not third.holds()
        assert first.holds(), "the leader stays the leader"

        # The leader's session ends as a crash or a failover ends it.
        admin = create_engine(database_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            ended = connection.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_locks"
                    " WHERE locktype = 'advisory' AND granted AND objid = 4242"
                )
            ).all()
        admin.dispose()
        assert len(ended) == 1
        assert not first.holds(), "a broken session is no longer the leader"
        # The lock goes when the ended backend has exited: soon, not at once.
        deadline = time.monotonic() + 10
        while not second.holds():
            assert time.monotonic() < deadline, "nobody took over"
            time.sleep(0.05)
        assert not third.holds() and not first.holds()

        second.release()  # a process that stops hands over at once
        assert third.holds()
        assert not first.holds() and not second.holds()
    finally:
        for leadership in (first, second, third):
            leadership.release()


def test_sqlite_is_always_the_leader() -> None:
    assert Leadership(None, timeout=1.0).holds()


def test_the_scheduler_runs_jobs_only_while_leading() -> None:
    runs: list[float] = []
    leading = threading.Event()
    scheduler = Scheduler(run_if=leading.is_set)
    scheduler.every(0.01, "job", lambda: runs.append(time.monotonic()))
    scheduler.start()
    try:
        time.sleep(0.2)
        assert runs == [], "a standby ran a job"
        leading.set()
        deadline = time.monotonic() + 5
        while len(runs) < 3:
            assert time.monotonic() < deadline, "the leader does not run its jobs"
            time.sleep(0.01)
    finally:
        scheduler.stop()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="a thread's own priority")
def test_the_jobs_run_nicer_than_the_threads_that_serve() -> None:
    """On a busy machine the requests get the CPU first: the jobs' threads are niced, the
    rest of the process is not."""
    own = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    seen: list[int] = []
    scheduler = Scheduler(niceness=7)
    scheduler.every(
        0.01, "job", lambda: seen.append(os.getpriority(os.PRIO_PROCESS, threading.get_native_id()))
    )
    scheduler.start()
    try:
        deadline = time.monotonic() + 5
        while not seen:
            assert time.monotonic() < deadline, "the job did not run"
            time.sleep(0.01)
    finally:
        scheduler.stop()
    assert seen[0] == min(19, own + 7)
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == own
    assert Settings().jobs_niceness == 10  # the default a jobs process runs its jobs with
