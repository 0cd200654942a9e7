"""Reports read on a read replica (``BETROKKEN_DATABASE_READ_URL``): a real streaming
standby of the hub's PostgreSQL. What the report shows is the replica's; the report's own
audit entry is written on the primary."""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from api.auth.dev_idp import DevIdentityProvider
from hub.migrate import upgrade
from hub.settings import Settings
from policies import DEMO_POLICY
from tests.conftest import built_web_app
from tests.helpers import auth, check, opaque_pseudonym
from testsupport.postgres import (
    PG_BIN,
    THROWAWAY_SETTINGS,
    PostgresCluster,
    run_as,
    throwaway_postgres,
)

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
def primary() -> Iterator[PostgresCluster]:
    with throwaway_postgres() as cluster:
        admin = create_engine(cluster.admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text("CREATE DATABASE hub"))
        admin.dispose()
        upgrade(cluster.url("hub"))
        yield cluster


@pytest.fixture(scope="module")
def replica(primary: PostgresCluster) -> Iterator[PostgresCluster]:
    """A hot standby streaming from ``primary`` (pg_basebackup -R)."""
    root = Path(tempfile.mkdtemp(prefix="betrokken-replica-"))
    standby = PostgresCluster(root, THROWAWAY_SETTINGS, sync=False)
    root.chmod(0o777)  # the cluster's user writes its data directory here
    base_backup = [str(PG_BIN / "pg_basebackup"), "-D", str(standby.data), "-R", "-X", "stream"]
    base_backup += ["--checkpoint=fast"]  # not wait for the next checkpoint
    run_as(standby.user, [*base_backup, "-h", "127.0.0.1", "-p", str(primary.port)])
    standby.start()
    try:
        yield standby
    finally:
        standby.stop(mode="immediate")
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def database_url(primary: PostgresCluster) -> str:
    return primary.url("hub")


@pytest.fixture
def settings(primary: PostgresCluster, replica: PostgresCluster, tmp_path: Path) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        database_url=primary.url("hub"),
        database_read_url=replica.url("hub"),
        policy_file=DEMO_POLICY,
        background_jobs=False,
        web_dir=built_web_app(tmp_path / "web"),
    )


def audit_count(cluster: PostgresCluster, action: str) -> int:
    engine = create_engine(cluster.url("hub"))
    try:
        with engine.connect() as connection:
            query = text("SELECT count(*) FROM audit_entries WHERE action = :action")
            return int(connection.execute(query, {"action": action}).scalar_one())
    finally:
        engine.dispose()


def caught_up(primary: PostgresCluster, replica: PostgresCluster) -> None:
    deadline = time.monotonic() + 30
    while audit_count(replica, "involvement.check") != audit_count(primary, "involvement.check"):
        assert time.monotonic() < deadline, "the replica did not catch up"
        time.sleep(0.05)


def replay(replica: PostgresCluster, *, paused: bool) -> None:
    engine = create_engine(replica.admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        call = "pg_wal_replay_pause" if paused else "pg_wal_replay_resume"
        connection.execute(text(f"SELECT {call}()"))
    engine.dispose()


def anna_checks(client: TestClient, idp: DevIdentityProvider) -> int:
    answer = client.get(
        "/api/v1/audit/reports/checks-per-member",
        headers=auth(idp, "fenna", None, "privacy_officer"),
    )
    assert answer.status_code == 200, answer.text
    (row,) = [row for row in answer.json()["rows"] if row["member"] == "anna"]
    return int(row["checks"])


def test_reports_read_the_replica_and_audit_on_the_primary(
    client: TestClient,
    idp: DevIdentityProvider,
    primary: PostgresCluster,
    replica: PostgresCluster,
) -> None:
    anna = auth(idp, "anna", "pw-handhaving")
    for n in range(3):
        subject = opaque_pseudonym(f"replica-{n}")
        assert check(client, anna, subject, purpose="rechtmatigheid").status_code == 200
    caught_up(primary, replica)
    assert anna_checks(client, idp) == 3

    replay(replica, paused=True)  # the replica stands still; the primary goes on
    try:
        for n in range(3, 5):
            subject = opaque_pseudonym(f"replica-{n}")
            assert check(client, anna, subject, purpose="rechtmatigheid").status_code == 200
        reports_before = audit_count(primary, "audit.report")
        assert anna_checks(client, idp) == 3  # what the replica holds, not the primary's 5
        assert audit_count(primary, "audit.report") == reports_before + 1
    finally:
        replay(replica, paused=False)
    caught_up(primary, replica)
    assert anna_checks(client, idp) == 5
