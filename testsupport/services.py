"""Processes the tests and the bench start: the hub and the pseudonymiser on 127.0.0.1, any
server that says when it is ready over HTTP (the tests' OpenID provider), and ``betrokken
jobs``, which serves nothing and says so in its log. Each is stopped when done."""

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

from testsupport.net import free_port


@dataclass(frozen=True)
class Service:
    url: str
    pid: int
    log: Path


@contextmanager
def running(
    argv: list[str],
    *,
    name: str,
    ready: str,
    log: Path,
    timeout: float,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
) -> Iterator[subprocess.Popen[bytes]]:
    """``argv`` as a process, its output to ``log``; yielded once GET ``ready`` answers 200,
    terminated (killed if it must) when done. ``name`` is what errors call it."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as sink:
        process = subprocess.Popen(argv, cwd=cwd, env=env, stdout=sink, stderr=subprocess.STDOUT)
        try:
            wait_ready(ready, process, name=name, log=log, timeout=timeout)
            yield process
        finally:
            stop(process)


def stop(process: subprocess.Popen[bytes], timeout: float = 20) -> None:
    """Terminate ``process`` unless it has ended, and kill it if it is still there after
    ``timeout`` seconds."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def wait_ready(
    url: str, process: subprocess.Popen[bytes], *, name: str, log: Path, timeout: float
) -> None:
    """Return once GET ``url`` answers 200; raise if the process exits or time runs out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited: {log.read_text()[-2000:]}")
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"{name} did not start: {log.read_text()[-2000:]}")


JOBS_READY = "on their schedule"
"""What ``betrokken jobs`` logs once its jobs are scheduled (``api/cli/jobs.py``)."""


@contextmanager
def jobs_process(
    env: dict[str, str], *, log: Path, timeout: float = 120, cwd: Path | None = None
) -> Iterator[subprocess.Popen[bytes]]:
    """``betrokken jobs`` with ``env`` (the whole environment), its output to ``log``;
    yielded once its jobs are on their schedule, stopped with SIGTERM (killed if it must)
    when done unless it has ended."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "api.cli", "jobs"],
            cwd=cwd,
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + timeout
        while JOBS_READY not in log.read_text():
            if process.poll() is not None:
                raise RuntimeError(f"betrokken jobs exited: {log.read_text()[-2000:]}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"betrokken jobs did not start: {log.read_text()[-2000:]}")
            time.sleep(0.05)
        yield process
    finally:
        stop(process)


def children(parent: int) -> list[int]:
    """The processes whose parent is ``parent``, from /proc."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue  # ended meanwhile
        # pid (comm) state ppid ...: comm may hold spaces and parentheses, so split after it
        if int(stat.rsplit(")", 1)[1].split()[1]) == parent:
            found.append(int(entry.name))
    return found


@contextmanager
def service(
    args: list[str], *, env: dict[str, str], log: Path, port: int | None = None
) -> Iterator[Service]:
    """``betrokken <args> --port <port>`` (a free one unless given), healthy before it is
    yielded."""
    port = port or free_port()
    url = f"http://127.0.0.1:{port}"
    with running(
        [sys.executable, "-m", "api.cli", *args, "--host", "127.0.0.1", "--port", str(port)],
        name=f"betrokken {' '.join(args)}",
        ready=f"{url}/api/v1/health",
        log=log,
        timeout=120,
        env={**os.environ, **env},
    ) as process:
        yield Service(url=url, pid=process.pid, log=log)


@contextmanager
def hub_and_pseudonymiser(
    env: dict[str, str], logs: Path, *, hub_port: int | None = None
) -> Iterator[tuple[Service, Service]]:
    """Both services as the embedded default runs them, each its own process. The hub is
    told where the pseudonymiser is (what it tells the web app). ``hub_port`` fixes the
    hub's port, for settings that must name the hub's origin before it starts (the
    pseudonymiser's ``BETROKKEN_WEB_ORIGINS``)."""
    with service(
        ["pseudonymiser", "serve"], env=env, log=logs / "pseudonymiser.log"
    ) as pseudonymiser:
        hub_env = {"BETROKKEN_PSEUDONYMISER_URL": pseudonymiser.url, **env}
        with service(
            ["serve", "--without-pseudonymiser"], env=hub_env, log=logs / "hub.log", port=hub_port
        ) as hub:
            yield hub, pseudonymiser
