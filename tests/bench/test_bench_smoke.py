"""The benchmark runs end to end on a tiny size. Figures are checked for presence, never speed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.run import parse, run
from testsupport.postgres import PostgresCluster

pytestmark = [pytest.mark.bench, pytest.mark.postgres, pytest.mark.processes]


def test_bench_runs_on_a_tiny_size(postgres: PostgresCluster, tmp_path: Path) -> None:
    data = run(
        parse(
            [
                "--flags=2000",
                "--seconds=1",
                "--warmup=0.3",
                "--concurrency=4",
                "--high-concurrency=6",
                "--workers=2",
                f"--database-url={postgres.admin_url}",
                f"--work-dir={tmp_path / 'work'}",
                f"--results-dir={tmp_path / 'results'}",
                "--quiet",
            ]
        )
    )

    saved = json.loads(Path(data["result_file"]).read_text())
    assert saved["seeding"]["flags"] == 2000
    assert saved["seeding"]["subjects"] > 1500  # about a fifth of subjects have 2+ flags
    assert saved["hub"]["sanity_hits"] > 0  # the hub finds the seeded flags
    for script in ("select_insert", "select_only", "contact_request", "select_insert_high"):
        assert saved["pgbench"][script]["transactions"] > 0
    assert saved["pgbench"]["select_insert_high"]["clients"] == 6
    expected = {
        "checks": "check",
        "checks_high": "check",
        "registrations": "register",
        "contact_requests": "contact",
        "mix": "all",
    }
    for phase, kind in expected.items():
        figures = saved["phases"][phase]["kinds"][kind]
        assert figures["ok"] > 0, phase
        assert figures["error_rate"] == 0, (phase, figures["statuses"])
        assert {"per_second", "p50_ms", "p95_ms", "p99_ms"} <= figures.keys()
    assert saved["ratios"]["checks_vs_pgbench_select_insert"] is not None
    assert saved["ratios"]["checks_high_vs_pgbench_select_insert_high"] is not None
    assert saved["ratios"]["contact_requests_vs_pgbench_contact_request"] is not None
    assert saved["ratios"]["pseudonymiser_vs_raw_oprf"] is not None
    assert saved["pseudonymiser"]["raw_evaluations_per_second_one_core"] > 0
