"""The audit bench runs end to end on a tiny log: every figure is there, none is judged."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.audit import parse, run
from testsupport.postgres import PostgresCluster

pytestmark = [pytest.mark.bench, pytest.mark.postgres, pytest.mark.processes]


def test_audit_bench_runs_on_a_tiny_log(postgres: PostgresCluster, tmp_path: Path) -> None:
    data = run(
        parse(
            [
                "--entries=70000",  # more than one chunk of 65,536: three levels of tiles
                "--export-entries=3000",
                "--proofs=20",
                "--rounds=1",
                "--baseline-size=5000",
                f"--database-url={postgres.admin_url}",
                f"--work-dir={tmp_path / 'work'}",
                f"--results-dir={tmp_path / 'results'}",
                "--quiet",
            ]
        )
    )
    saved = json.loads(Path(data["result_file"]).read_text())
    assert saved["seeding"]["entries"] == 70000
    assert saved["seeding"]["tiles"] == 274 + 2 + 1  # levels 0, 1 and 2
    [round_] = saved["rounds"]
    for kind in ("inclusion", "inclusion_plain_sql", "consistency", "consistency_plain_sql"):
        assert round_["proofs"][kind]["count"] == 20
        assert round_["proofs"][kind]["median_ms"] > 0
    assert round_["proofs"]["before_tiles"]["size"] == 5000
    for kind in ("export", "verify", "verify_parsed_whole"):
        assert round_["export"][kind]["peak_rss_mb"] > 0
    assert "3001 entries" in round_["export"]["verify"]["output"]  # and the export's own
