"""The README's worked example, run as written against both services as real processes."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from hub.migrate import upgrade
from testsupport.services import hub_and_pseudonymiser

pytestmark = pytest.mark.processes  # the hub and the pseudonymiser as processes

README = Path(__file__).resolve().parents[2] / "README.md"


def betrokken(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "api.cli", *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def readme_commands() -> list[list[str]]:
    """The `.venv/bin/betrokken ...` lines of the worked example, split into arguments."""
    section = README.read_text().split("## Worked example", 1)[1].split("\n## ", 1)[0]
    lines = re.findall(r"^\.venv/bin/betrokken (.+)$", section, flags=re.MULTILINE)
    tokens = re.findall(r"betrokken dev-token ([^)]+)\)", section)
    return [line.split() for line in tokens] + [line.split() for line in lines]


def test_worked_example(tmp_path: Path) -> None:
    data = tmp_path / "data"
    env = {"BETROKKEN_DATA_DIR": str(data)}
    data.mkdir()
    upgrade(f"sqlite:///{data / 'betrokken.db'}")
    assert betrokken("demo", "seed", env=env).returncode == 0
    [schuldhulp_token, pw_token], [register, check] = (
        readme_commands()[:2],
        readme_commands()[2:],
    )
    with hub_and_pseudonymiser(env, tmp_path / "logs") as (hub, pseudonymiser):
        env |= {"BETROKKEN_HUB_URL": hub.url, "BETROKKEN_PSEUDONYMISER_URL": pseudonymiser.url}
        token = betrokken("dev-token", *schuldhulp_token, env=env).stdout.strip()
        registered = betrokken(*register, env=env | {"BETROKKEN_TOKEN": token})
        assert registered.returncode == 0, registered.stderr
        assert json.loads(registered.stdout)["decision"]["rule_id"] == "schuldhulp-register"

        token = betrokken("dev-token", *pw_token, env=env).stdout.strip()
        checked = betrokken(*check, env=env | {"BETROKKEN_TOKEN": token})
        assert checked.returncode == 0, checked.stderr
        answer = json.loads(checked.stdout)
        assert [t["team"] for t in answer["involved"]] == ["schuldhulp"]
        assert answer["decision"]["legal_basis"] == "pw_art_64"

        wrong = [arg if arg != "999990019" else "123456789" for arg in check]
        refused = betrokken(*wrong, env=env | {"BETROKKEN_TOKEN": token})
        assert refused.returncode != 0 and "elfproef" in refused.stderr
        assert "123456789" not in refused.stderr
    assert "123456789" not in (tmp_path / "logs" / "pseudonymiser.log").read_text()


@pytest.mark.parametrize(
    "extra",
    [
        {},
        {
            "BETROKKEN_DATABASE_URL": "sqlite:////nonexistent/x.db",
            "BETROKKEN_OIDC_ISSUER": "https://idp.invalid",
        },
    ],
)
def test_dev_tokens_are_refused_in_production(tmp_path: Path, extra: dict[str, str]) -> None:
    env = {"BETROKKEN_DATA_DIR": str(tmp_path), "BETROKKEN_ENV": "production", **extra}
    result = betrokken("dev-token", "--member", "anna", "--role", "professional", env=env)
    assert result.returncode != 0
    assert result.stdout == ""
    assert "production" in result.stderr
