"""The retention bench runs end to end on a tiny size: checks before and during a full
retention run, and the mix with the hub's jobs. Figures are checked for presence, never
speed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.run import parse, run
from testsupport.postgres import PostgresCluster

pytestmark = [pytest.mark.bench, pytest.mark.postgres, pytest.mark.processes]


def test_retention_bench_runs_on_a_tiny_size(postgres: PostgresCluster, tmp_path: Path) -> None:
    data = run(
        parse(
            [
                "--flags=2000",
                "--seconds=1",
                "--warmup=0.3",
                "--concurrency=4",
                "--high-concurrency=0",
                "--workers=2",
                "--retention",
                "--retention-batch-size=20",
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
