"""The README's worked example, run as written against both services as real processes."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass
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


@dataclass
class Step:
    """One line of the worked example: a token to take, or a command to run."""

    args: list[str]
    env: dict[str, str]
    token: bool  # ``export BETROKKEN_TOKEN=$(... dev-token ...)``


COMMAND = re.compile(r"^(?:(?P<env>(?:[A-Z_]+=\S+ )*))\.venv/bin/betrokken (?P<args>.+)$")


def readme_steps() -> list[Step]:
    """The worked example's shell lines in order, as written."""
    section = README.read_text().split("## Worked example", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```sh\n(.*?)```", section, flags=re.DOTALL)
    steps = []
    for line in (line for block in blocks for line in block.splitlines()):
        token = re.fullmatch(r"export BETROKKEN_TOKEN=\$\(\.venv/bin/betrokken (.+)\)", line)
        if token:
            steps.append(Step(shlex.split(token[1]), {}, token=True))
            continue
        command = COMMAND.match(line)
        assert command, f"not a betrokken command: {line}"
        env = dict(pair.split("=", 1) for pair in command["env"].split())
        steps.append(Step(shlex.split(command["args"]), env, token=False))
    return steps


UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


@pytest.mark.slow
def test_worked_example_a_full_day_through_the_cli(tmp_path: Path) -> None:
    data = tmp_path / "data"
    env = {"BETROKKEN_DATA_DIR": str(data)}
    data.mkdir()
    upgrade(f"sqlite:///{data / 'betrokken.db'}")
    assert betrokken("demo", "seed", env=env).returncode == 0
    steps = readme_steps()
    outputs: list[tuple[list[str], str]] = []
    placeholders: dict[str, str] = {}
    with hub_and_pseudonymiser(env, tmp_path / "logs") as (hub, pseudonymiser):
        env |= {"BETROKKEN_HUB_URL": hub.url, "BETROKKEN_PSEUDONYMISER_URL": pseudonymiser.url}
        token = ""
        for step in steps:
            if step.token:
                made = betrokken(*step.args, env=env)
                assert made.returncode == 0, made.stderr
                token = made.stdout.strip()
                continue
            args = [placeholders.get(arg, arg) for arg in step.args]
            done = betrokken(*args, env=env | step.env | {"BETROKKEN_TOKEN": token})
            assert done.returncode == 0, f"{step.args}: {done.stderr}"
            outputs.append((step.args, done.stdout))
            # What the next commands refer to: the latest handle, request and own flag.
            if handle := re.search(r"handle: (\S+)", done.stdout):
                placeholders["HANDLE"] = handle[1]
            if request := re.search(rf"^request ({UUID})", done.stdout, flags=re.MULTILINE):
                placeholders["REQUEST"] = request[1]
            if step.args[:2] == ["flag", "register"] and "FLAG" not in placeholders:
                placeholders["FLAG"] = re.findall(rf"flag ({UUID})", done.stdout)[0]

        def said(*command: str) -> list[str]:
            return [out for args, out in outputs if args[: len(command)] == list(command)]

        registered, _ = said("flag", "register")
        assert "decision: rule schuldhulp-register, grondslag wgs_art_5" in registered
        assert "[SHV-2026-113, gezin De V.]" in registered
        checked, _ = said("check")
        assert "involved: Schuldhulpverlening (schuldhulp" in checked
        assert "grondslag pw_art_64" in checked
        [incoming] = said("contact", "list", "--direction")
        assert "requester's case reference: PW-2026-042" in incoming
        assert "[SHV-2026-113, gezin De V.]" in incoming
        assert "grondslag pw_art_64" in incoming
        [declined] = said("contact", "decline")
        assert "declined: not_relevant" in declined
        anna_inbox, bram_inbox = said("inbox")
        assert "Schuldhulpverlening (schuldhulp): no contact (declined)" in anna_inbox
        assert "SHV-2026-113" not in anna_inbox  # the reference is for Bram's team only
        [accepted] = said("contact", "accept")
        assert "accepted" in accepted
        [wims] = [out for args, out in outputs if args == ["contact", "list"]]
        assert "contact: Schuldhulpverlening: Bram Bakker" in wims
        [retention] = said("retention", "run")
        assert "warned 2 owners" in retention  # Bram's flag and Anna's
        assert "flag.expiring about your flag" in bram_inbox
        assert "[SHV-2026-113, gezin De V.]" in bram_inbox
        [renewed] = said("flag", "renew")
        assert placeholders["FLAG"] in renewed

        pw_token = next(
            betrokken(*step.args, env=env).stdout.strip()
            for step in steps
            if step.token and "anna" in step.args
        )
        check = next(args for args, _ in outputs if args[0] == "check")
        wrong = [arg if arg != "999990019" else "123456789" for arg in check]
        refused = betrokken(*wrong, env=env | {"BETROKKEN_TOKEN": pw_token})
        assert refused.returncode != 0 and "elfproef" in refused.stderr
        assert "123456789" not in refused.stderr
        invalid = betrokken(
            "contact",
            "request",
            "--handle",
            "x" * 30,
            "--purpose",
            "NOT A CODE",
            env=env | {"BETROKKEN_TOKEN": pw_token},
        )
        assert invalid.returncode != 0
        assert "422 invalid_payload" in invalid.stderr and "purpose:" in invalid.stderr
    for log in ("pseudonymiser.log", "hub.log"):
        path = tmp_path / "logs" / log
        if path.exists():
            assert "999990019" not in path.read_text() and "123456789" not in path.read_text()


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
