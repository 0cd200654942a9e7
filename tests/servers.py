"""Start the hub and the pseudonymiser as real processes on 127.0.0.1, logs to files."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.pg import free_port


@dataclass
class RunningService:
    url: str
    log: Path
    process: subprocess.Popen[bytes]


def _wait_healthy(service: RunningService, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if service.process.poll() is not None:
            raise RuntimeError(f"service exited: {service.log.read_text()[-2000:]}")
        try:
            if httpx.get(f"{service.url}/api/v1/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"service did not become healthy: {service.log.read_text()[-2000:]}")


@contextmanager
def run_service(
    args: list[str], *, env: dict[str, str], log: Path, port: int
) -> Iterator[RunningService]:
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "api.cli", *args, "--port", str(port)],
            env={**os.environ, **env},
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
        service = RunningService(url=f"http://127.0.0.1:{port}", log=log, process=process)
        try:
            _wait_healthy(service)
            yield service
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


@contextmanager
def hub_and_pseudonymiser(
    env: dict[str, str], logs: Path
) -> Iterator[tuple[RunningService, RunningService]]:
    """Both services as the embedded default runs them, each its own process."""
    logs.mkdir(parents=True, exist_ok=True)
    with (
        run_service(
            ["pseudonymiser", "serve"], env=env, log=logs / "pseudonymiser.log", port=free_port()
        ) as pseudonymiser,
        run_service(
            ["serve", "--without-pseudonymiser"], env=env, log=logs / "hub.log", port=free_port()
        ) as hub,
    ):
        yield hub, pseudonymiser
