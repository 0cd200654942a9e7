"""A commit whose wait for the synchronous standby is cancelled is committed on the primary
only, and PostgreSQL reports success with a warning. The hub must not acknowledge it: a
registration or a check whose commit was not confirmed answers 503, as if it had failed,
since the primary could die with it (docs/operations.md §1).

A cluster of this module's own, told to wait for a standby that never comes
(``synchronous_standby_names``); each waiting commit is cancelled from another session,
as ``statement_timeout`` would cancel it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, text

from api.app import create_app
from hub.runtime import Runtime, build_runtime
from hub.settings import DEMO_POLICY, Settings
from tests.ha.driver import create_database, dev_idp
from tests.helpers import auth, check, opaque_pseudonym, register
from testsupport.postgres import PostgresCluster, throwaway_postgres

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
def cluster() -> Iterator[PostgresCluster]:
    with throwaway_postgres() as server:
        yield server


@pytest.fixture
def runtime(cluster: PostgresCluster, tmp_path: Path) -> Iterator[Runtime]:
    url = cluster.url("unreplicated")
    create_database(cluster.admin_url, url)
    settings = Settings(
        data_dir=tmp_path / "data",
        database_url=url,
        policy_file=DEMO_POLICY,
        background_jobs=False,
        database_timeout_seconds=10,  # the cancel below comes first
    )
    built = build_runtime(settings)
    yield built
    built.sessions.kw["bind"].dispose()


def _wait_for_standby(admin: Engine, on: bool) -> None:
    with admin.connect() as connection:
        value = "'nobody'" if on else "''"
        connection.execute(text(f"ALTER SYSTEM SET synchronous_standby_names = {value}"))
        connection.execute(text("SELECT pg_reload_conf()"))
    time.sleep(0.5)  # the backends read the reloaded file at their next command


def _cancel_waiting_commits(admin: Engine, stop: threading.Event) -> None:
    while not stop.is_set():
        with admin.connect() as connection:
            connection.execute(
                text(
                    "SELECT pg_cancel_backend(pid) FROM pg_stat_activity"
                    " WHERE wait_event = 'SyncRep'"
                )
            )
        time.sleep(0.05)


def test_a_commit_not_confirmed_by_the_standby_is_not_acknowledged(
    cluster: PostgresCluster, runtime: Runtime
) -> None:
    idp = dev_idp(runtime.settings.data_dir)
    bram = auth(idp, "bram", "schuldhulp")
    anna = auth(idp, "anna", "pw-handhaving")
    admin = create_engine(cluster.admin_url, isolation_level="AUTOCOMMIT")
    stop = threading.Event()
    canceller = threading.Thread(target=_cancel_waiting_commits, args=(admin, stop))
    with TestClient(create_app(runtime=runtime)) as client:
        subject = opaque_pseudonym("unreplicated-1")
        assert register(client, bram, subject, purpose="schuldhulpverlening").status_code == 201
        assert check(client, anna, subject, purpose="rechtmatigheid").status_code == 200

        _wait_for_standby(admin, True)
        canceller.start()
        try:
            answers: dict[str, Any] = {
                "registration": register(
                    client, bram, opaque_pseudonym("unreplicated-2"), purpose="schuldhulpverlening"
                ),
                "check": check(client, anna, subject, purpose="rechtmatigheid"),
            }
        finally:
            stop.set()
            canceller.join(10)
            _wait_for_standby(admin, False)
        for name, answer in answers.items():
            assert answer.status_code == 503, f"{name}: {answer.status_code} {answer.text}"
            assert answer.headers["content-type"] == "application/problem+json", name
            assert int(answer.headers["Retry-After"]) >= 1, name

        again = register(
            client, bram, opaque_pseudonym("unreplicated-3"), purpose="schuldhulpverlening"
        )
        assert again.status_code == 201, again.text
        assert check(client, anna, subject, purpose="rechtmatigheid").status_code == 200
    admin.dispose()
