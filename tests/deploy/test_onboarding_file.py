"""`betrokken admin apply deploy/onboarding.yaml`, the compose job that adds the first
organisation, against a hub process with an empty database: it onboards through the admin
API, and run again changes nothing; a file it cannot use changes nothing either."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from hub.demo import TEAMS
from hub.migrate import upgrade
from testsupport.services import hub_and_pseudonymiser

pytestmark = [pytest.mark.processes, pytest.mark.ha]  # make test-ha: the slow production suite

ONBOARDING = Path(__file__).parents[2] / "deploy" / "onboarding.yaml"


def betrokken(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "api.cli", *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_onboarding_an_empty_hub_twice(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    upgrade(f"sqlite:///{data / 'betrokken.db'}")
    env = {"BETROKKEN_DATA_DIR": str(data), "BETROKKEN_BACKGROUND_JOBS": "false"}
    wanted = yaml.safe_load(ONBOARDING.read_text())
    assert {team["slug"] for team in wanted["teams"]} == {team.slug for team in TEAMS}
    broken = tmp_path / "broken.yaml"
    broken.write_text("teams: [{slug: x}]\n")
    with hub_and_pseudonymiser(env, tmp_path / "logs") as (hub, _):
        operator = ["dev-token", "--member", "ops", "--role", "hub_operator"]
        token = betrokken(*operator, "--organisation", "hub-beheer", env=env).stdout.strip()
        env |= {"BETROKKEN_HUB_URL": hub.url, "BETROKKEN_TOKEN": token}

        refused = betrokken("admin", "apply", str(broken), env=env)
        assert refused.returncode == 1 and "names no organisation" in refused.stderr

        first = betrokken("admin", "apply", str(ONBOARDING), "--json", env=env)
        assert first.returncode == 0, first.stderr
        results = {(d["kind"], d["key"]): d["result"] for d in json.loads(first.stdout)["items"]}
        assert results[("organisation", "gemeente-voorbeeld")] == "created"
        assert {results[("team", team.slug)] for team in TEAMS} == {"created"}
        listed = betrokken("admin", "team", "list", "gemeente-voorbeeld", "--json", env=env)
        teams = json.loads(listed.stdout)["items"]
        assert {(t["slug"], t["domain"]) for t in teams} == {(t.slug, t.domain) for t in TEAMS}

        again = betrokken("admin", "apply", str(ONBOARDING), env=env)
        assert again.returncode == 0, again.stderr
        lines = again.stdout.splitlines()
        assert len(lines) == len(results) and all(line.endswith(": exists") for line in lines)
