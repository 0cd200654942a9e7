"""CPU time per process group during a phase, so a noisy machine shows in the figures.

On a shared 2-core machine, anything else that runs (a test suite, a build) takes cores
from the hub and from pgbench alike. Each phase records how many cores the hub, the
database, the load generator and everything else used on average.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

_TICK = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> tuple[int, float] | None:
    """(parent pid, CPU seconds) of a process, or None if it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    # utime + stime, plus cutime + cstime: the time of children it has reaped (a postgres
    # backend that ended, a finished pgbench), so short-lived processes are counted too.
    return int(fields[1]), sum(int(value) for value in fields[11:15]) / _TICK


def _snapshot() -> dict[int, tuple[int, float]]:
    out = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            found = _stat(int(entry))
            if found is not None:
                out[int(entry)] = found
    return out


def _descendants(roots: Iterable[int], parents: dict[int, int]) -> set[int]:
    family = set(roots)
    grew = True
    while grew:
        grew = False
        for pid, parent in parents.items():
            if parent in family and pid not in family:
                family.add(pid)
                grew = True
    return family


@dataclass
class CpuMeter:
    """Cores used per group between ``start()`` and ``stop()``.

    Groups are given by root pids (a process and all its children); everything not in a
    group is ``other``. A process that ended during the phase counts in its parent.
    """

    groups: dict[str, list[int]]

    def start(self) -> None:
        self._before = _snapshot()
        self._started = time.monotonic()

    def stop(self) -> dict[str, float]:
        after = _snapshot()
        seconds = max(1e-6, time.monotonic() - self._started)
        parents = {pid: parent for pid, (parent, _) in after.items()}
        members = {name: _descendants(roots, parents) for name, roots in self.groups.items()}
        used = dict.fromkeys([*self.groups, "other"], 0.0)
        for pid, (_, cpu) in after.items():
            delta = cpu - self._before.get(pid, (0, 0.0))[1]
            group = next((name for name, pids in members.items() if pid in pids), "other")
            used[group] += max(0.0, delta)
        return {name: round(value / seconds, 2) for name, value in used.items()}


def postmaster_pid(data_dir: Path) -> int | None:
    """The pid of the cluster's postmaster (its backends are its children)."""
    try:
        return int((data_dir / "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None
