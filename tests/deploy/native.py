"""deploy/compose.yaml run with native processes, for a machine that cannot pull images.

Every service built from our Dockerfile runs its own command, in compose's start order, with
what compose gives it (the image's ENV, the env file, its environment). Only the addresses
change: the compose network's names become 127.0.0.1 and free ports, each volume a folder,
and the two services from other images get native stand-ins: PostgreSQL for ``db``, the
tests' certified OpenID provider for ``keycloak``.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from testsupport.net import free_port
from testsupport.services import jobs_process, running

REPOSITORY = Path(__file__).parents[2]
DEPLOY = REPOSITORY / "deploy"
IMAGE_APP = "/srv/betrokken/app"
BIN = str(Path(sys.executable).parent)  # where `betrokken` is installed
_HEALTH_URL = re.compile(r"http://127\.0\.0\.1:(\d+)(/[\w/]+)")


def image_environment() -> dict[str, str]:
    """The final stage's ``ENV`` of deploy/Dockerfile."""
    text = (DEPLOY / "Dockerfile").read_text().replace("\\\n", " ")
    final = text.rsplit("\nFROM ", 1)[-1]
    found: dict[str, str] = {}
    for line in final.splitlines():
        if line.startswith("ENV "):
            found |= dict(pair.split("=", 1) for pair in shlex.split(line[4:]))
    return found


def env_file(path: Path) -> dict[str, str]:
    lines = path.read_text().splitlines()
    return dict(line.split("=", 1) for line in lines if line and not line.startswith("#"))


def start_order(services: Mapping[str, Any]) -> list[str]:
    """Each service after everything it depends on (compose's order)."""
    order: list[str] = []

    def visit(name: str) -> None:
        if name not in order:
            for needed in services[name].get("depends_on", {}):
                visit(needed)
            order.append(name)

    for name in services:
        visit(name)
    return order


@dataclass
class Topology:
    """Where compose's names are on this machine."""

    root: Path
    database_url: str
    issuer: str
    secrets: dict[str, str] = field(default_factory=dict)  # compose's value → the stand-in's
    ports: dict[int, int] = field(default_factory=dict)  # container port → a free port
    jobs: dict[str, subprocess.CompletedProcess[str]] = field(default_factory=dict)

    def url(self, service: str, port: int) -> str:
        return f"http://127.0.0.1:{self.ports.setdefault(port, free_port())}"

    def environment(self, name: str, service: dict[str, Any]) -> dict[str, str]:
        given = image_environment() | env_file(DEPLOY / service["env_file"])
        given |= {k: str(v) for k, v in service.get("environment", {}).items()}
        volumes = [volume.split(":") for volume in service.get("volumes", [])]
        # The data directory: its volume's folder, else the container's own (thrown away).
        mounted = [volume for volume, mount in volumes if mount == given["BETROKKEN_DATA_DIR"]]
        data = self.root / ("volumes" if mounted else "containers") / (mounted or [name])[0]
        local = {"BETROKKEN_HOST": "127.0.0.1", "BETROKKEN_DATA_DIR": str(data)}
        for key, value in given.items():
            if key in local:
                continue
            if key == "BETROKKEN_DATABASE_URL":
                local[key] = self.database_url
            elif key == "BETROKKEN_OIDC_ISSUER":
                local[key] = self.issuer
            elif value.startswith(IMAGE_APP):
                local[key] = str(REPOSITORY / value.removeprefix(IMAGE_APP + "/"))
            elif value in self.secrets:
                local[key] = self.secrets[value]
            else:
                local[key] = re.sub(
                    r"http://(hub|pseudonymiser):(\d+)",
                    lambda m: self.url(m.group(1), int(m.group(2))),
                    value,
                )
        local["BETROKKEN_PORT"] = str(self.ports.setdefault(8000, free_port()))
        local["BETROKKEN_PSEUDONYMISER_PORT"] = str(self.ports.setdefault(8001, free_port()))
        for key, value in list(local.items()):  # the published ports, as the browser sees them
            local[key] = re.sub(
                r"http://127\.0\.0\.1:(8000|8001)\b",
                lambda m: self.url("", int(m.group(1))),
                value,
            )
        data.mkdir(parents=True, exist_ok=True)
        clean = {k: v for k, v in os.environ.items() if not k.startswith("BETROKKEN_")}
        path = f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"
        return clean | local | {"PATH": path, "PYTHONPATH": str(REPOSITORY)}  # this checkout

    def command(self, service: dict[str, Any]) -> list[str]:
        command = service["command"]
        argv = shlex.split(command) if isinstance(command, str) else list(command)
        argv = ["127.0.0.1" if arg == "0.0.0.0" else arg for arg in argv]
        return [arg.replace(IMAGE_APP, str(REPOSITORY)) for arg in argv]

    def health_url(self, service: dict[str, Any]) -> str:
        test = " ".join(service["healthcheck"]["test"])
        found = _HEALTH_URL.search(test)
        assert found, f"no HTTP health check in {test}"
        return self.url("", int(found.group(1))) + found.group(2)


@contextmanager
def native_compose(topology: Topology, stand_ins: set[str]) -> Iterator[Topology]:
    """Run compose's own services natively in start order; one-shot jobs must succeed,
    services must pass their health check before what depends on them starts, and
    ``betrokken jobs`` must have its jobs on their schedule."""
    services = yaml.safe_load((DEPLOY / "compose.yaml").read_text())["services"]
    logs = topology.root / "logs"
    with ExitStack() as stack:
        for name in start_order(services):
            service = services[name]
            if name in stand_ins:
                continue
            env = topology.environment(name, service)
            argv = topology.command(service)
            if argv[1:] == ["jobs"]:  # `betrokken jobs`: runs until stopped, serves nothing
                stack.enter_context(
                    jobs_process(env, log=logs / f"{name}.log", timeout=120, cwd=REPOSITORY)
                )
                continue
            if "healthcheck" not in service:  # a one-shot job
                done = subprocess.run(
                    argv, env=env, cwd=REPOSITORY, capture_output=True, text=True, timeout=180
                )
                topology.jobs[name] = done
                assert done.returncode == 0, f"{name}: {done.stdout}\n{done.stderr}"
                continue
            stack.enter_context(
                running(
                    argv,
                    name=name,
                    ready=topology.health_url(service),
                    log=logs / f"{name}.log",
                    timeout=120,
                    env=env,
                    cwd=REPOSITORY,
                )
            )
        yield topology
