"""deploy/onboard.sh, the compose job that adds the first organisation, run against a hub
process with an empty database: it onboards through the admin API, and again changes nothing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from hub.demo import TEAMS
from hub.migrate import upgrade
from testsupport.services import hub_and_pseudonymiser

pytestmark = pytest.mark.processes

SCRIPT = Path(__file__).parents[2] / "deploy" / "onboard.sh"
BIN = str(Path(sys.executable).parent)  # where `betrokken` is installed


def run(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    path = f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"
    return subprocess.run(
        args, env={**os.environ, **env, "PATH": path}, capture_output=True, text=True, timeout=120
    )


def test_onboarding_an_empty_hub_twice(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    upgrade(f"sqlite:///{data / 'betrokken.db'}")
    env = {"BETROKKEN_DATA_DIR": str(data), "BETROKKEN_BACKGROUND_JOBS": "false"}
    with hub_and_pseudonymiser(env, tmp_path / "logs") as (hub, _):
        token = run(
            "betrokken",
            "dev-token",
            "--member",
            "ops",
            "--role",
            "hub_operator",
            "--organisation",
            "hub-beheer",
            env=env,
        ).stdout.strip()
        env |= {"BETROKKEN_HUB_URL": hub.url, "BETROKKEN_TOKEN": token}

        first = run("sh", str(SCRIPT), env=env)
        assert first.returncode == 0, first.stderr
        teams = json.loads(
            run(
                "betrokken", "admin", "team", "list", "gemeente-voorbeeld", "--json", env=env
            ).stdout
        )["items"]
        assert {team["slug"] for team in teams} == {team.slug for team in TEAMS}

        again = run("sh", str(SCRIPT), env=env)
        assert again.returncode == 0, again.stderr
        assert "organisation gemeente-voorbeeld exists" in again.stdout
        assert again.stdout.count(" exists") == 1 + 8 + len(TEAMS)  # nothing made twice
