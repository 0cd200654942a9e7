"""The profile summary finds the hub's own frames whichever way py-spy names their files."""

from __future__ import annotations

from pathlib import Path

from bench.profile import summarise


def test_areas_by_relative_and_absolute_paths(tmp_path: Path) -> None:
    folded = tmp_path / "profile.folded"
    folded.write_text(
        "run (uvicorn/server.py:1);check_group (hub/involvement/service.py:9) 3\n"
        "run (/srv/app/.venv/uvicorn/server.py:1);decide (/srv/app/policies/engine.py:5) 1\n"
        "run (uvicorn/server.py:1);send (uvicorn/protocols/http/httptools_impl.py:2) 1\n"
    )
    areas = dict(summarise(folded).areas)
    assert areas == {"hub (domain code)": 0.6, "policy engine": 0.2, "uvicorn": 0.2}
