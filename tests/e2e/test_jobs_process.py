"""``betrokken jobs`` as real processes: it runs the jobs with ``BETROKKEN_BACKGROUND_JOBS``
off, stops cleanly on SIGTERM, and of two such processes one runs the jobs, the other
taking over when the first stops."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text

from hub.audit.models import AuditEntry
from hub.leader import LOCK_KEY
from hub.runtime import Runtime
from hub.settings import Settings
from tests.audit.builders import cli_env, write_entries
from testsupport.services import jobs_process

pytestmark = pytest.mark.processes  # betrokken jobs

WAIT_SECONDS = 30.0
STOP_SECONDS = 5.0
TOOK_THE_LOCK = "took the lock"


def jobs_env(settings: Settings) -> dict[str, str]:
    """The serving processes' setting (jobs off) and a quick sequencer."""
    return {
        **os.environ,
        **cli_env(settings),
        "BETROKKEN_POLICY_FILE": str(settings.policy_file),
        "BETROKKEN_BACKGROUND_JOBS": "false",
        "BETROKKEN_AUDIT_SEQUENCER_INTERVAL_SECONDS": "0.2",
    }


def wait_for(condition: Callable[[], bool], what: str, *logs: Path) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: {[log.read_text() for log in logs]}")
        time.sleep(0.1)


def unsequenced(runtime: Runtime) -> int:
    with runtime.sessions() as session:
        return session.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.leaf_index.is_(None))
        )


def stop(process: subprocess.Popen[bytes], log: Path) -> None:
    """SIGTERM; the process must end by itself, promptly and with status 0."""
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=STOP_SECONDS) == 0, log.read_text()
    assert "background jobs: stopped" in log.read_text()


def test_jobs_sequence_the_log_and_stop_on_sigterm(
    runtime: Runtime, settings: Settings, tmp_path: Path
) -> None:
    write_entries(runtime, 3)
    assert unsequenced(runtime) == 3
    log = tmp_path / "jobs.log"
    with jobs_process(jobs_env(settings), log=log) as process:
        wait_for(lambda: unsequenced(runtime) == 0, "the entries were not sequenced", log)
        stop(process, log)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_once_runs_every_job_and_exits(runtime: Runtime, settings: Settings) -> None:
    write_entries(runtime, 2)
    done = subprocess.run(
        [sys.executable, "-m", "api.cli", "jobs", "--once"],
        env=jobs_env(settings),
        capture_output=True,
        text=True,
        timeout=WAIT_SECONDS,
    )
    assert done.returncode == 0, done.stderr
    assert "each run once" in done.stderr
    assert unsequenced(runtime) == 0


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_of_two_jobs_processes_one_leads_and_the_other_takes_over(
    runtime: Runtime, settings: Settings, database_url: str, tmp_path: Path
) -> None:
    logs = [tmp_path / "first.log", tmp_path / "second.log"]
    with ExitStack() as stack:
        processes = [stack.enter_context(jobs_process(jobs_env(settings), log=log)) for log in logs]

        def leaders() -> list[int]:
            return [n for n, log in enumerate(logs) if TOOK_THE_LOCK in log.read_text()]

        wait_for(lambda: len(leaders()) == 1, "nobody took the lock", *logs)
        [leader] = leaders()
        standby = 1 - leader
        time.sleep(1.0)  # the standby asked several times meanwhile
        assert leaders() == [leader], "both processes took the lock"
        assert lock_holders(database_url) == 1
        write_entries(runtime, 2)
        wait_for(lambda: unsequenced(runtime) == 0, "the leader does not sequence", *logs)

        stop(processes[leader], logs[leader])  # releases the lock: taken over at once
        wait_for(lambda: TOOK_THE_LOCK in logs[standby].read_text(), "no takeover", *logs)
        write_entries(runtime, 2)
        wait_for(lambda: unsequenced(runtime) == 0, "the successor does not sequence", *logs)
        stop(processes[standby], logs[standby])
    assert lock_holders(database_url) == 0


def lock_holders(database_url: str) -> int:
    """Sessions holding the jobs' lock, as the server sees them (a bigint advisory key is
    shown in two halves)."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            return connection.scalar(
                text(
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted"
                    " AND classid = :high AND objid = :low AND objsubid = 1 AND database ="
                    " (SELECT oid FROM pg_database WHERE datname = current_database())"
                ),
                {"high": LOCK_KEY >> 32, "low": LOCK_KEY & 0xFFFFFFFF},
            )
    finally:
        engine.dispose()
