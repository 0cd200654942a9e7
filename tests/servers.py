"""Start the hub and the pseudonymiser as real processes on 127.0.0.1, logs to files; find
a process's children."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bench.services import Service, service


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
def hub_and_pseudonymiser(env: dict[str, str], logs: Path) -> Iterator[tuple[Service, Service]]:
    """Both services as the embedded default runs them, each its own process."""
    with (
        service(
            ["pseudonymiser", "serve"], env=env, log=logs / "pseudonymiser.log"
        ) as pseudonymiser,
        service(["serve", "--without-pseudonymiser"], env=env, log=logs / "hub.log") as hub,
    ):
        yield hub, pseudonymiser
