"""Three hub processes on one PostgreSQL, asked in turn as a load balancer would: a member's
per-minute limit holds across them (not three times over), one process runs the background
jobs (the audit sequencer among them), and another takes over when it is killed."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest
from sqlalchemy import create_engine, text

from tests.ha.driver import create_database, dev_idp, hub_env, hubs
from tests.helpers import auth, opaque_pseudonym
from testsupport.postgres import PostgresCluster, throwaway_postgres
from testsupport.services import Service

pytestmark = [pytest.mark.ha, pytest.mark.postgres, pytest.mark.processes]

PER_MINUTE = 30
"""A professional's per-minute limit in the demo policy."""
TAKEOVER_DEADLINE = 20.0


@pytest.fixture(scope="module")
def cluster() -> Iterator[PostgresCluster]:
    with throwaway_postgres() as server:
        yield server


def test_three_replicas_share_the_limit_and_one_leader(
    cluster: PostgresCluster, tmp_path_factory: pytest.TempPathFactory
) -> None:
    root = tmp_path_factory.mktemp("replicas")
    url = cluster.url("betrokken")
    create_database(cluster.admin_url, url)
    data = root / "data"
    idp = dev_idp(data)
    with hubs(hub_env(data, url), root / "logs", 3) as replicas:
        leader = _wait_for_one_leader(replicas)

        # One member's checks, round-robin over the three: the limit holds in total.
        anna = auth(idp, "anna-replicas", "pw-handhaving")
        _not_near_the_end_of_a_minute()
        answers = [_check(replicas[i % 3], anna, f"replica-{i}") for i in range(PER_MINUTE + 15)]
        statuses = [answer.status_code for answer in answers]
        assert statuses.count(200) == PER_MINUTE, statuses
        assert statuses.count(429) == 15, statuses
        refused = [answer for answer in answers if answer.status_code == 429]
        assert all(1 <= int(answer.headers["Retry-After"]) <= 60 for answer in refused)
        assert {answer.json()["code"] for answer in refused} == {"rate_limited"}

        # The leader dies: another process takes the jobs over and sequences new entries.
        os.kill(leader.pid, signal.SIGKILL)
        survivors = [replica for replica in replicas if replica is not leader]
        successor = _wait_for_one_leader(survivors)
        bram = auth(idp, "bram-replicas", "pw-handhaving")
        for i in range(5):
            assert _check(survivors[i % 2], bram, f"after-{i}").status_code == 200
        deadline = time.monotonic() + TAKEOVER_DEADLINE
        while _unsequenced(url):
            assert time.monotonic() < deadline, f"{successor.url}: the new leader does not sequence"
            time.sleep(0.2)
        print(
            f"\nreplicas: {statuses.count(200)} allowed, {statuses.count(429)} refused of "
            f"{len(statuses)} checks over 3 processes; jobs taken over by another process"
        )


def _check(hub: Service, headers: dict[str, str], label: str) -> httpx.Response:
    body = {
        "subject": {"kind": "bsn", "pseudonym": opaque_pseudonym(label)},
        "purpose": "rechtmatigheid",
        "case_ref": "PW-2026-042",
    }
    return httpx.post(
        f"{hub.url}/api/v1/involvement-checks", json=body, headers=headers, timeout=30
    )


def _roles(replicas: list[Service]) -> list[str | None]:
    roles = []
    for replica in replicas:
        try:
            roles.append(
                httpx.get(f"{replica.url}/api/v1/health", timeout=2).json()["background_jobs"]
            )
        except httpx.HTTPError:
            roles.append(None)
    return roles


def _wait_for_one_leader(replicas: list[Service]) -> Service:
    deadline = time.monotonic() + TAKEOVER_DEADLINE
    while True:
        roles = _roles(replicas)
        if roles.count("leader") == 1 and roles.count("standby") == len(replicas) - 1:
            return replicas[roles.index("leader")]
        assert time.monotonic() < deadline, f"no single leader: {roles}"
        time.sleep(0.2)


def _unsequenced(url: str) -> int:
    """Audit entries without a leaf index: the sequencer's queue, read past every hub."""
    engine = create_engine(url)
    with engine.connect() as connection:
        count = connection.execute(
            text("SELECT count(*) FROM audit_entries WHERE leaf_index IS NULL")
        ).scalar_one()
    engine.dispose()
    return int(count)


def _not_near_the_end_of_a_minute() -> None:
    """The limit counts per minute (UTC): start its checks early in one."""
    second = datetime.now(UTC).second
    if second > 40:
        time.sleep(61 - second)
