"""Several hub processes append to one tree: no gaps, no duplicates, one consistent root."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable

from sqlalchemy import select

from crypto.checkpoint import verify_checkpoint
from crypto.merkle import hash_leaf, root_from_leaf_hashes
from hub.audit import repository
from hub.audit.models import AuditEntry
from hub.background import sequencer_job
from hub.db import make_engine, make_sessionmaker
from hub.runtime import Runtime
from tests.audit.builders import member, write_entries

WRITERS_PER_PROCESS = 3
ENTRIES_PER_WRITER = 15


def as_process(runtime: Runtime) -> Runtime:
    """The same configuration with its own engine and pool, as a second hub process has."""
    engine = make_engine(runtime.settings.sqlalchemy_url)
    return dataclasses.replace(runtime, sessions=make_sessionmaker(engine))


def run_all(jobs: list[Callable[[], object]]) -> None:
    failures: list[BaseException] = []

    def guarded(job: Callable[[], object]) -> None:
        try:
            job()
        except BaseException as error:  # surfaced below, in the test's thread
            failures.append(error)

    threads = [threading.Thread(target=guarded, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not failures, failures


def test_concurrent_writers_and_sequencers_build_one_tree(runtime: Runtime) -> None:
    processes = [as_process(runtime), as_process(runtime)]
    writing = threading.Event()
    writing.set()
    finished = threading.Semaphore(0)

    def writer(process: Runtime, name: str) -> Callable[[], None]:
        def job() -> None:
            for _ in range(ENTRIES_PER_WRITER):
                write_entries(process, 1, actor=member(name))
            finished.release()

        return job

    def sequencer(process: Runtime) -> Callable[[], None]:
        def job() -> None:
            while writing.is_set():
                sequencer_job(process)

        return job

    writers = [
        writer(process, f"member-{p}-{w}")
        for p, process in enumerate(processes)
        for w in range(WRITERS_PER_PROCESS)
    ]

    def stop_when_written() -> None:
        for _ in writers:
            finished.acquire(timeout=120)
        writing.clear()

    run_all([*writers, *(sequencer(p) for p in processes), stop_when_written])
    sequencer_job(processes[0], force_checkpoint=True)

    total = 2 * WRITERS_PER_PROCESS * ENTRIES_PER_WRITER
    with runtime.sessions() as session:
        rows = session.execute(
            select(AuditEntry.leaf_index, AuditEntry.leaf).order_by(AuditEntry.leaf_index)
        ).all()
        latest = repository.latest_checkpoint(session)
    assert [index for index, _ in rows] == list(range(total))
    assert latest is not None and latest.size == total
    checkpoint = verify_checkpoint(latest.note, runtime.audit_signer.verifier_key())
    assert checkpoint.root_hash == root_from_leaf_hashes(
        [hash_leaf(leaf.encode()) for _, leaf in rows]
    )
    for process in processes:
        process.sessions.kw["bind"].dispose()
