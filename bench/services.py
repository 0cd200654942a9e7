"""The hub and the pseudonymiser as real processes on 127.0.0.1, stopped when done."""

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

from bench.postgres import free_port


@dataclass(frozen=True)
class Service:
    url: str
    pid: int
    log: Path


def _wait_healthy(url: str, process: subprocess.Popen[bytes], log: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"service exited: {log.read_text()[-2000:]}")
        try:
            if httpx.get(f"{url}/api/v1/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"service did not become healthy: {log.read_text()[-2000:]}")


@contextmanager
def service(args: list[str], *, env: dict[str, str], log: Path) -> Iterator[Service]:
    """``betrokken <args> --port <free port>``, healthy before it is yielded."""
    port = free_port()
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "api.cli", *args, "--host", "127.0.0.1", "--port", str(port)],
            env={**os.environ, **env},
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            _wait_healthy(url, process, log, timeout=120)
            yield Service(url=url, pid=process.pid, log=log)
        finally:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def hub_env(
    *, data_dir: Path, database_url: str, policy_file: Path, background: bool
) -> dict[str, str]:
    """Settings of the hub under test: PostgreSQL, real tokens (the development provider's
    RS256 keys), the bench policy; development mode, because production requires an OIDC
    issuer, which this machine does not run."""
    return {
        "BETROKKEN_ENV": "development",
        "BETROKKEN_DATA_DIR": str(data_dir),
        "BETROKKEN_DATABASE_URL": database_url,
        "BETROKKEN_POLICY_FILE": str(policy_file),
        "BETROKKEN_BACKGROUND_JOBS": "true" if background else "false",
    }
