"""The LAA import bench runs end to end on a tiny size. Figures are checked for presence,
never speed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.laa_import import parse, run
from testsupport.postgres import PostgresCluster

pytestmark = [pytest.mark.bench, pytest.mark.postgres, pytest.mark.processes]


def test_the_laa_bench_runs_on_a_tiny_size(postgres: PostgresCluster, tmp_path: Path) -> None:
    data = run(
        parse(
            [
                "--signals=150",
                "--baseline=100",
                f"--database-url={postgres.admin_url}",
                f"--work-dir={tmp_path / 'work'}",
                f"--results-dir={tmp_path / 'results'}",
                "--quiet",
            ]
        )
    )
    saved = json.loads(Path(data["result_file"]).read_text())
    assert saved["signals"] == 150
    for figure in (
        "baseline_registrations_per_second",
        "baseline_pseudonyms_per_second",
        "import_signals_per_second",
        "reimport_seconds",
        "import_vs_baseline_registrations",
    ):
        assert saved[figure] > 0, figure
    assert {"hub", "pseudonymiser", "connector"} <= saved["import_cpu_ms_per_signal"].keys()
