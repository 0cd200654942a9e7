"""The retention bench runs end to end on a tiny size: checks before and during a full
retention run, and the mix with the hub's jobs. Figures are checked for presence, never
speed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import psycopg
import pytest

from bench.postgres import Database
from bench.run import DATABASE, parse, run
from testsupport.postgres import PostgresCluster

pytestmark = [pytest.mark.bench, pytest.mark.postgres, pytest.mark.processes]


def _tiny_run_with_jobs(postgres: PostgresCluster, tmp_path: Path, *options: str) -> dict[str, Any]:
    """The bench on 2,000 flags, checks and the mix with `betrokken jobs` (``options``
    added), a second a phase, on the tests' server."""
    return run(
        parse(
            [
                "--flags=2000",
                "--seconds=1",
                "--warmup=0.3",
                "--concurrency=4",
                "--high-concurrency=0",
                "--workers=2",
                *options,
                "--mix-with-jobs",
                "--jobs-interval=0.5",
                "--no-profile",
                *(f"--skip={part}" for part in ("pgbench", "registrations", "contact_requests")),
                "--skip=pseudonymiser",
                f"--database-url={postgres.admin_url}",
                f"--work-dir={tmp_path / 'work'}",
                f"--results-dir={tmp_path / 'results'}",
                "--quiet",
            ]
        )
    )


def test_retention_bench_runs_on_a_tiny_size(postgres: PostgresCluster, tmp_path: Path) -> None:
    data = _tiny_run_with_jobs(postgres, tmp_path, "--retention", "--retention-batch-size=20")

    saved = json.loads(Path(data["result_file"]).read_text())
    retention = saved["hub"]["retention"]
    assert retention["flags"] > 50  # 5% of 2,000 due by default
    assert retention["run"]["batches"] > retention["flags"] / 20
    assert retention["wall_seconds"] > 0 and retention["checks_p99_ms_during"] > 0
    for phase in ("checks_before_retention", "checks_during_retention"):
        figures = saved["phases"][phase]["kinds"]["check"]
        assert figures["ok"] > 0 and figures["error_rate"] == 0, phase
    with_jobs = saved["hub"]["mix_with_jobs"]
    assert with_jobs["jobs_process_cpu_seconds"] > 0  # betrokken jobs ran beside the hubs
    assert saved["phases"]["mix_with_jobs"]["cores_used"]["jobs"] >= 0
    for kind in ("check", "register", "contact"):
        figures = with_jobs["kinds"][kind]
        assert figures["ok"] > 0 and figures["error_rate"] == 0, kind


def test_the_phases_write_on_a_seeded_audit_log(postgres: PostgresCluster, tmp_path: Path) -> None:
    """``--audit-entries``: the hub's entries follow the seeded log's, and the jobs sequence
    them onto its tree."""
    data = _tiny_run_with_jobs(postgres, tmp_path, "--audit-entries=20000")

    saved = json.loads(Path(data["result_file"]).read_text())
    assert saved["seeding"]["audit_entries"] == 20000
    for kind in ("check", "register", "contact"):
        figures = saved["hub"]["mix_with_jobs"]["kinds"][kind]
        assert figures["ok"] > 0 and figures["error_rate"] == 0, kind
    bench = Database.from_url(postgres.admin_url).sibling(DATABASE)
    with psycopg.connect(bench.libpq_url) as connection:
        size, leaves, latest = connection.execute(
            "SELECT (SELECT size FROM audit_tree), count(leaf_index), max(leaf_index) "
            "FROM audit_entries"
        ).fetchone()
    assert size > 20000  # the hub's own entries were sequenced onto the seeded tree
    assert leaves == size and latest == size - 1  # every leaf once, none skipped
