"""Start the hub and the pseudonymiser as real processes on 127.0.0.1, logs to files."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bench.services import Service, service


@contextmanager
def hub_and_pseudonymiser(env: dict[str, str], logs: Path) -> Iterator[tuple[Service, Service]]:
    """Both services as the embedded default runs them, each its own process."""
    with (
        service(
            ["pseudonymiser", "serve"], env=env, log=logs / "pseudonymiser.log"
        ) as pseudonymiser,
        service(["serve", "--without-pseudonymiser"], env=env, log=logs / "hub.log") as hub,
    ):
        yield hub, pseudonymiser
