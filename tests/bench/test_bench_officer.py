"""The officer bench runs end to end on a tiny log: every figure is there, none is judged."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.officer import parse, run
from testsupport.postgres import PostgresCluster

pytestmark = [pytest.mark.bench, pytest.mark.postgres, pytest.mark.processes]


def test_officer_bench_runs_on_a_tiny_log(postgres: PostgresCluster, tmp_path: Path) -> None:
    data = run(
        parse(
            [
                "--entries=20000",
                "--members=200",
                "--rounds=1",
                f"--database-url={postgres.admin_url}",
                f"--work-dir={tmp_path / 'work'}",
                f"--results-dir={tmp_path / 'results'}",
                "--quiet",
            ]
        )
    )
    saved = json.loads(Path(data["result_file"]).read_text())
    assert saved["seeding"]["entries"] == 20000
    sizes = saved["sizes"]
    assert sizes["hour_count_rows"] > 0 and sizes["bytes_per_entry"]["audit_hour_counts"] > 0
    queries = saved["queries"]
    names = list(queries)
    assert len(names) == 4 + 12 + 3  # searches, six reports twice, inzage, alerts twice
    for name in names:
        assert queries[name]["hub"]["median_ms"] > 0 and queries[name]["plain_sql"]["max_ms"] > 0
