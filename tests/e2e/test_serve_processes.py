"""``betrokken serve`` and its pseudonymiser as real processes: the child ends with its
parent, however the parent ends, and a port already taken stops a start with one line."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from hub.migrate import upgrade
from testsupport.net import free_port
from testsupport.services import children

STARTUP_SECONDS = 60.0
CHILD_GONE_SECONDS = 5.0

pytestmark = pytest.mark.processes  # betrokken serve and its pseudonymiser


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    data = tmp_path / "data"
    data.mkdir()
    upgrade(f"sqlite:///{data / 'betrokken.db'}")
    return {
        **os.environ,
        "BETROKKEN_DATA_DIR": str(data),
        "BETROKKEN_BACKGROUND_JOBS": "false",
        "BETROKKEN_PSEUDONYMISER_PORT": str(free_port()),
    }


def betrokken(*args: str) -> list[str]:
    return [sys.executable, "-m", "api.cli", *args, "--host", "127.0.0.1"]


@contextmanager
def serving(env: dict[str, str], log: Path) -> Iterator[tuple[subprocess.Popen[bytes], int]]:
    """``betrokken serve`` with both services healthy: the process and the hub's port."""
    port = free_port()
    with log.open("wb") as sink:
        process = subprocess.Popen(
            betrokken("serve", "--port", str(port)), env=env, stdout=sink, stderr=subprocess.STDOUT
        )
    started = [process.pid]
    try:
        for service_port in (port, int(env["BETROKKEN_PSEUDONYMISER_PORT"])):
            wait_healthy(service_port, process, log)
        started += children(process.pid)
        yield process, port
    finally:
        for pid in started:  # an orphan too, should a test fail
            if running(pid):
                os.kill(pid, signal.SIGKILL)
        process.wait()


def wait_healthy(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        assert process.poll() is None, log.read_text()
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"port {port} did not become healthy: {log.read_text()}")


def running(pid: int) -> bool:
    """Whether ``pid`` runs; a zombie (ended, not yet reaped by whoever adopted it) does not."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def port_is_free(port: int) -> bool:
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGTERM], ids=["kill-9", "kill"])
def test_the_pseudonymiser_ends_with_serve(
    env: dict[str, str], tmp_path: Path, how: signal.Signals
) -> None:
    pseudonymiser_port = int(env["BETROKKEN_PSEUDONYMISER_PORT"])
    with serving(env, tmp_path / "serve.log") as (process, _):
        [pseudonymiser] = children(process.pid)
        os.kill(process.pid, how)
        process.wait(timeout=30)
        deadline = time.monotonic() + CHILD_GONE_SECONDS
        while running(pseudonymiser) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not running(pseudonymiser), "the pseudonymiser outlived betrokken serve"
        assert port_is_free(pseudonymiser_port)


def test_a_second_instance_names_the_taken_port_and_fails(
    env: dict[str, str], tmp_path: Path
) -> None:
    pseudonymiser_port = env["BETROKKEN_PSEUDONYMISER_PORT"]
    with serving(env, tmp_path / "first.log") as (_, hub_port):
        second = [
            # the hub's port is free, the pseudonymiser's is not: never use the one running
            (betrokken("serve", "--port", str(free_port())), pseudonymiser_port),
            (betrokken("pseudonymiser", "serve"), pseudonymiser_port),
            (betrokken("serve", "--port", str(hub_port), "--without-pseudonymiser"), hub_port),
        ]
        for command, port in second:
            result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=30)
            output = (result.stdout + result.stderr).strip()
            assert result.returncode != 0, output
            assert output.count("\n") == 0 and f"port {port}" in output, output
            assert "in use" in output
        answer = httpx.get(f"http://127.0.0.1:{pseudonymiser_port}/api/v1/health", timeout=5)
        assert answer.status_code == 200  # the first instance's pseudonymiser was left alone
