"""PolicyFile picks up a changed file and keeps the last good policy when it breaks."""

from __future__ import annotations

import copy
import os
from pathlib import Path

import pytest

from policies import PolicyError, PolicyFile
from tests.policies.builders import dump, small_policy


class ManualClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def write(path: Path, text: str, *, tick: int) -> None:
    """Write and give the file a distinct mtime, as a later edit would have."""
    path.write_text(text, encoding="utf-8")
    os.utime(path, ns=(tick * 10**9, tick * 10**9))


def test_reload_keeps_last_good_policy(tmp_path: Path) -> None:
    path = tmp_path / "policy.yaml"
    first = small_policy()
    write(path, dump(first), tick=1)
    clock = ManualClock()
    source = PolicyFile(path, clock=clock)
    v1 = source.load_strict().version

    second = copy.deepcopy(first)
    second["rules"].pop()
    write(path, dump(second), tick=2)
    assert source.current().version == v1  # checked less than a second ago
    clock.now += 1.5
    v2 = source.current().version
    assert v2 != v1 and source.error is None

    write(
        path,
        dump(second).replace("- pw_art_64", "- pw_art_99", 1),
        tick=3,
    )
    clock.now += 1.5
    assert source.current().version == v2
    assert source.error is not None and "unknown legal basis 'pw_art_99'" in str(source.error)
    assert str(source.error).startswith(f"{path}:")

    write(path, dump(first), tick=4)
    clock.now += 1.5
    assert source.current().version == v1
    assert source.error is None
    assert set(source.versions) == {v1, v2}


def test_deleted_file_keeps_serving(tmp_path: Path) -> None:
    path = tmp_path / "policy.yaml"
    write(path, dump(small_policy()), tick=1)
    source = PolicyFile(path, min_interval=0.0)
    version = source.current().version  # first use loads strictly
    path.unlink()
    assert source.current().version == version
    assert source.error is not None and source.error.line is None


def test_load_strict_raises_for_a_broken_file(tmp_path: Path) -> None:
    path = tmp_path / "policy.yaml"
    write(path, "rules: [\n", tick=1)
    source = PolicyFile(path)
    with pytest.raises(PolicyError) as caught:
        source.load_strict()
    assert caught.value.source == str(path) and caught.value.line == 2
    with pytest.raises(PolicyError):
        source.current()
