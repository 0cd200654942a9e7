"""The bench's world can leave a share of its flags due for a retention run."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

from bench.data import World, subjects_for

ANCHOR = datetime(2026, 11, 30, tzinfo=UTC)


def due_kinds(world: World, flags: int) -> Counter[str]:
    """What a retention run at the anchor would do to each of the first ``flags`` flags."""
    kinds: Counter[str] = Counter()
    for _, specs in subjects_for(flags, world):
        for spec in specs:
            if spec.status == "active" and spec.expires_at <= world.anchor:
                kinds["expire"] += 1
            elif spec.status == "withdrawn" and spec.archived_at is None:
                kinds["archive"] += 1
            elif spec.archived_at is not None and spec.archived_at.year < ANCHOR.year - 9:
                kinds["purge"] += 1
            elif spec.status != "active":
                assert spec.archived_at is not None  # every inactive flag is in the archive
    return kinds


def test_without_a_due_share_nothing_is_due() -> None:
    assert due_kinds(World(now=ANCHOR), 5000) == Counter()


def test_a_due_share_is_due_in_three_kinds() -> None:
    kinds = due_kinds(World(now=ANCHOR, due_share=0.05), 20_000)
    assert 800 < kinds.total() < 1200  # 5% of 20,000
    assert kinds["expire"] > kinds["archive"] > 100 and kinds["purge"] > 100


def test_the_due_share_changes_only_the_due_flags() -> None:
    plain, due = World(now=ANCHOR), World(now=ANCHOR, due_share=0.05)
    changed = sum(
        a != b
        for subject in range(3000)
        for a, b in zip(plain.flags(subject), due.flags(subject), strict=True)
    )
    assert 0 < changed < 0.07 * 3000 * 1.3
