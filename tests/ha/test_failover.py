"""The primary's postmaster killed (``kill -9``) under load: Patroni promotes the synchronous
replica, the hub answers 503 with ``Retry-After`` meanwhile (never a 500, never a hang),
nothing it acknowledged is lost, and the audit export verifies against a checkpoint kept
outside the database before the failure.

The cluster is ``testsupport.ha``'s: etcd, two Patroni nodes in synchronous mode and
HAProxy, which the hub connects through. The time without service is printed (``-s``) and
recorded in docs/operations.md.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import create_engine, text

from tests.ha.driver import (
    Answer,
    Load,
    create_database,
    dev_idp,
    hub_env,
    hubs,
    officer,
    run_cli,
)
from testsupport.ha import HaCluster, ha_cluster

pytestmark = [pytest.mark.ha, pytest.mark.postgres, pytest.mark.processes]

BOUND = 8.0
"""The longest any answer may take during the failover: the hub's database timeout (2 s)
for a pooled connection's ping and a new connection, and a margin for this busy machine."""
FAILOVER_DEADLINE = 60.0
"""Patroni promotes within ttl + loop_wait (11 s here) at worst; a minute is a failure."""


@pytest.fixture(scope="module")
def cluster() -> Iterator[HaCluster]:
    with ha_cluster(nodes=2) as started:
        yield started


def test_kill_primary_loses_nothing_acknowledged(
    cluster: HaCluster, tmp_path_factory: pytest.TempPathFactory
) -> None:
    root = tmp_path_factory.mktemp("failover")
    url = cluster.url("betrokken")
    create_database(cluster.url("postgres"), url)
    data = root / "data"
    idp = dev_idp(data)
    env = hub_env(data, url)
    with hubs(env, root / "logs", 1) as (hub,):
        load = Load([hub.url], idp)
        load.start()
        _wait_for(lambda: _acknowledged(load.snapshot()) >= 40, 60, "the load to get going")

        # A checkpoint the officer keeps outside the database, before the failure.
        time.sleep(1.5)  # the sequencer signs one a second under load
        latest = httpx.get(
            f"{hub.url}/api/v1/audit/checkpoints/latest", headers=officer(idp), timeout=10
        )
        assert latest.status_code == 200, latest.text
        kept = root / "kept-checkpoint.txt"
        kept.write_text(latest.json()["note"])
        key = httpx.get(f"{hub.url}/api/v1/audit/public-key", timeout=10).json()["verifier_key"]

        old = cluster.primary()
        assert old is not None
        killed_at = time.monotonic()
        old.kill_postmaster()
        new = cluster.wait_primary(timeout=FAILOVER_DEADLINE, other_than=old)
        promoted_at = time.monotonic()
        _wait_for(
            lambda: _acknowledged(load.snapshot(), after=promoted_at) >= 20,
            FAILOVER_DEADLINE,
            "writes to succeed after the promotion",
        )
        answers = load.stop()

    # During the switch: 503 with Retry-After as problem+json, or a success; nothing else.
    for answer in answers:
        assert answer.status is not None, f"{answer.kind}: no answer: {answer.failure}"
        assert answer.seconds < BOUND, f"{answer.kind} took {answer.seconds:.1f} s"
        if answer.status >= 300:
            assert answer.status == 503, f"{answer.kind}: {answer.status} {answer.failure}"
            assert answer.retry_after and int(answer.retry_after) >= 1
            assert answer.content_type == "application/problem+json"
    refused = [a for a in answers if a.status == 503]

    # Nothing acknowledged is lost: every flag and every check's audit entry is on the new
    # primary, read there directly.
    flags = {a.acknowledged for a in answers if a.kind == "registration" and a.acknowledged}
    checks = {a.acknowledged for a in answers if a.kind == "check" and a.acknowledged}
    engine = create_engine(cluster.node_url(new, "betrokken"))
    with engine.connect() as connection:
        stored_flags = {
            str(row[0]) for row in connection.execute(text("SELECT id FROM flags")).all()
        }
        registered = {
            row[0]
            for row in connection.execute(
                text("SELECT object_id FROM audit_entries WHERE action = 'flag.register'")
            ).all()
        }
        entries = {
            str(row[0])
            for row in connection.execute(
                text("SELECT id FROM audit_entries WHERE action = 'involvement.check'")
            ).all()
        }
        in_recovery = connection.execute(text("SELECT pg_is_in_recovery()")).scalar_one()
    engine.dispose()
    assert not in_recovery
    assert flags - stored_flags == set(), "acknowledged registrations lost"
    assert flags - registered == set(), "acknowledged registrations' audit entries lost"
    assert checks - entries == set(), "acknowledged checks' audit entries lost"

    # The audit log, exported from the new primary, verifies against the kept checkpoint.
    export = root / "export.json"
    run_cli(["audit", "export", "--out", str(export)], env)
    verified = run_cli(
        ["audit", "verify", str(export), "--public-key", key, "--trusted-checkpoint", str(kept)],
        env,
    )
    exported = json.loads(export.read_text())
    kept_size = int(kept.read_text().splitlines()[1])
    assert len(exported["entries"]) >= kept_size

    before = [a.ended for a in answers if a.acknowledged and a.ended < killed_at]
    after = [a.ended for a in answers if a.acknowledged and a.started > killed_at]
    without_service = min(after) - killed_at
    print(
        f"\nfailover: promoted {promoted_at - killed_at:.1f} s after the kill; "
        f"first acknowledged write {without_service:.1f} s after it "
        f"(last before it {killed_at - max(before):.2f} s before); "
        f"{len(refused)} answers 503, longest answer {max(a.seconds for a in answers):.2f} s; "
        f"{len(flags)} registrations and {len(checks)} checks acknowledged, none lost; "
        f"export of {len(exported['entries'])} entries verifies against the kept checkpoint "
        f"of size {kept_size}: {verified.strip()}"
    )
    assert without_service < FAILOVER_DEADLINE


def _acknowledged(answers: list[Answer], *, after: float = 0.0) -> int:
    return sum(1 for a in answers if a.acknowledged and a.started > after)


def _wait_for(condition: object, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def test_the_old_primary_rejoins_as_a_replica(cluster: HaCluster) -> None:
    """After the failover above, Patroni brings the killed node back as a replica
    (pg_rewind if needed), so the cluster is synchronous again."""
    cluster.wait_replicas_streaming(count=1, timeout=120)
    roles = sorted(str(node.role()) for node in cluster.nodes)
    assert roles == ["primary", "replica"], roles
