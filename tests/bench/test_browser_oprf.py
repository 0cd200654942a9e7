"""The browser's pseudonymisation figure runs end to end on a few identifiers: both clients'
pseudonyms are checked against the PRF inside it, and every figure is there. Nothing is
asserted about speed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.browser_oprf import main

pytestmark = [pytest.mark.bench, pytest.mark.browser]


def test_browser_figure_runs(tmp_path: Path) -> None:
    # a Chromium of its own, closed at the end (see the browser fixture in tests/web)
    data = main(["--identifiers", "5", "--rounds", "1", "--results-dir", str(tmp_path)])
    saved = json.loads(Path(data["result_file"]).read_text())
    assert saved["pseudonyms_equal"] is True
    for side in ("browser", "python"):
        figures = saved["figures"][side]
        assert figures["blind_us"] > 0 and figures["verify_finalize_us"] > 0
        assert len(figures["rounds_total_us"]) == 1
    assert saved["figures"]["ratio_browser_to_python"] > 0
