"""Sample the hub's workers with py-spy during a load phase and summarise where CPU goes.

``py-spy record --gil --format raw`` writes folded stacks (``frame;frame;... count``) of the
thread holding the GIL, i.e. where each worker spends its one core. The summary gives the
share of samples per function (self and inclusive) and per area (SQLAlchemy, psycopg,
token validation, FastAPI/Starlette, anyio, uvicorn/h11, pydantic, the hub's own code).
"""

from __future__ import annotations

import shutil
import subprocess
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

AREAS = (
    ("sqlalchemy", "SQLAlchemy"),
    ("psycopg", "psycopg (driver)"),
    ("joserfc", "token validation (joserfc)"),
    ("cryptography", "crypto (cryptography)"),
    ("authlib", "token validation (authlib)"),
    ("pydantic", "pydantic"),
    ("fastapi", "FastAPI"),
    ("starlette", "Starlette"),
    ("anyio", "anyio thread pool"),
    ("uvicorn", "uvicorn"),
    ("h11", "h11 (HTTP parsing)"),
    ("/hub/", "hub (domain code)"),
    ("/api/", "api (routes, deps, auth)"),
    ("/policies/", "policy engine"),
    ("/crypto/", "crypto (ours)"),
    ("asyncio", "asyncio event loop"),
    ("json", "json"),
)


def available() -> bool:
    return _py_spy() is not None


def _py_spy() -> str | None:
    import sys

    beside = Path(sys.executable).with_name("py-spy")
    return str(beside) if beside.exists() else shutil.which("py-spy")


def record(pid: int, *, seconds: float, output: Path, rate: int = 250) -> subprocess.Popen[bytes]:
    """Start sampling ``pid`` and its worker processes; wait on the returned process."""
    binary = _py_spy()
    if binary is None:
        raise RuntimeError("py-spy is not installed: .venv/bin/pip install py-spy")
    output.parent.mkdir(parents=True, exist_ok=True)
    return subprocess.Popen(
        [
            binary,
            "record",
            "--pid",
            str(pid),
            "--subprocesses",
            "--gil",  # only the thread holding the GIL: where the CPU goes
            "--duration",
            str(max(1, round(seconds))),
            "--rate",
            str(rate),
            "--format",
            "raw",
            "--output",
            str(output),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


@dataclass(frozen=True)
class Profile:
    samples: int
    areas: list[tuple[str, float]]  # area, share of samples (inclusive of the leaf frame)
    self_time: list[tuple[str, float]]  # function, share of samples where it is the leaf
    inclusive: list[tuple[str, float]]  # function, share of samples it appears in

    def as_dict(self) -> dict[str, Any]:
        def rows(items: list[tuple[str, float]]) -> list[dict[str, Any]]:
            return [{"name": name, "share": round(share, 4)} for name, share in items]

        return {
            "samples": self.samples,
            "areas": rows(self.areas),
            "self": rows(self.self_time),
            "inclusive": rows(self.inclusive),
        }


def _frame_name(frame: str) -> str:
    """``func (path/to/file.py:12)`` → ``file.py:func`` with a short package hint."""
    name, _, where = frame.partition(" (")
    path = where.rstrip(")").rsplit(":", 1)[0]
    parts = Path(path).parts
    short = "/".join(parts[-2:]) if parts else path
    return f"{short}:{name}"


def _area(frame: str) -> str:
    # py-spy names a file by its path from the import root (``hub/involvement/service.py``) or in
    # full; with a leading "/" either way, "/hub/" finds both.
    name, _, where = frame.partition(" (")
    located = f"{name} (/{where}"
    for needle, label in AREAS:
        if needle in located:
            return label
    return "other"


# Leaf frames of threads that wait (for work, the network or PostgreSQL) rather than run;
# py-spy counts some of them as active, so they are left out of the CPU profile.
WAITING = (
    "Condition.wait",
    "Queue.get",
    "EpollSelector.select",
    "Connection.wait (psycopg",
    "Connection._recv",
    "Event.wait",
    "resource_tracker.py",
)


def summarise(folded: Path | list[Path], *, top: int = 25) -> Profile:
    self_counts: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    areas: Counter[str] = Counter()
    total = 0
    files = folded if isinstance(folded, list) else [folded]
    lines = [line for path in files for line in path.read_text().splitlines()]
    for line in lines:
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = [f for f in stack.split(";") if " (" in f]
        if not frames or any(w in frames[-1] for w in WAITING):
            continue
        total += count
        leaf = frames[-1]
        self_counts[_frame_name(leaf)] += count
        # The area of a sample is the innermost frame that belongs to a known area.
        area = next((a for a in map(_area, reversed(frames)) if a != "other"), "other")
        areas[area] += count
        for name in {_frame_name(f) for f in frames}:
            inclusive[name] += count
    share = (lambda n: n / total) if total else (lambda n: 0.0)
    return Profile(
        samples=total,
        areas=[(name, share(n)) for name, n in areas.most_common()],
        self_time=[(name, share(n)) for name, n in self_counts.most_common(top)],
        inclusive=[(name, share(n)) for name, n in inclusive.most_common(top)],
    )
