"""Tiles (C2SP tlog-tiles layout) and proofs from them: the same answers as RFC 9162 over
all the leaves, on random sizes (most not multiples of 256) and against older sizes."""

from __future__ import annotations

import random
from functools import cache

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crypto.merkle import (
    CompactRange,
    consistency_proof,
    hash_leaf,
    inclusion_proof,
    root_from_leaf_hashes,
)
from crypto.tiles import (
    TILE_WIDTH,
    TileBuilder,
    TiledTree,
    TileError,
    build_tiles,
    edge_tiles,
    plan_consistency,
    plan_inclusion,
    tile_path,
)

LARGEST = 3 * TILE_WIDTH * TILE_WIDTH + 1234  # three levels of tiles


@cache
def leaves(n: int = LARGEST) -> list[bytes]:
    return [hash_leaf(n.to_bytes(4, "big")) for n in range(n)]


def stored_tiles(size: int, batches: list[int]) -> dict[tuple[int, int], bytes]:
    """Tiles as a sequencer stores them: appended in batches, each pass restarting from the
    stored edge tiles, later tiles overwriting earlier versions."""
    store: dict[tuple[int, int], bytes] = {}
    done = 0
    for batch in [*batches, size]:
        step = min(batch, size - done)
        builder = TileBuilder(done, store)
        builder.extend(leaves()[done : done + step])
        store.update({tile.key: tile.hashes for tile in builder.changed()})
        done += step
        if done == size:
            break
    return store


@cache
def whole(size: int) -> dict[tuple[int, int], bytes]:
    return {tile.key: tile.hashes for batch in build_tiles(leaves()[:size]) for tile in batch}


@settings(max_examples=60, deadline=None)
@given(
    size=st.integers(min_value=1, max_value=LARGEST),
    batches=st.lists(st.integers(min_value=1, max_value=5000), max_size=6),
    picks=st.lists(st.integers(min_value=0, max_value=2**40), min_size=4, max_size=4),
)
def test_proofs_from_tiles_are_the_rfc_proofs(
    size: int, batches: list[int], picks: list[int]
) -> None:
    hashes = leaves()[:size]
    store = stored_tiles(size, batches)
    assert store == whole(size)  # however the leaves came in, the same tiles
    older = 1 + picks[0] % size  # a checkpoint signed earlier
    for tree_size in (size, older):
        index = picks[1] % tree_size
        needed = plan_inclusion(index, tree_size)
        tiled = TiledTree(tree_size, {key: store[key] for key in needed})  # only what it plans
        assert tiled.inclusion_proof(index) == inclusion_proof(hashes, index, tree_size)
        assert tiled.leaf_hash(index) == hashes[index]
    first = picks[2] % (older + 1)
    tiled = TiledTree(size, {key: store[key] for key in plan_consistency(first, size)})
    assert tiled.consistency_proof(first) == consistency_proof(hashes, first, size)
    assert TiledTree(size, store).root() == root_from_leaf_hashes(hashes)
    assert TiledTree(size, store).compact_range(older) == list(
        CompactRange.from_leaf_hashes(hashes[:older]).hashes
    )


def test_every_small_size_and_edge() -> None:
    for size in [*range(1, 40), 255, 256, 257, 511, 512, 513, 65535, 65536, 65537]:
        hashes = leaves()[:size]
        tiled = TiledTree(size, whole(size))
        for index in {0, size // 2, size - 1}:
            assert tiled.inclusion_proof(index) == inclusion_proof(hashes, index, size)
        for first in {0, 1, size // 3, size - 1, size}:
            assert tiled.consistency_proof(first) == consistency_proof(hashes, first, size)


def test_a_proof_reads_one_tile_per_level_on_its_path_and_the_right_edge() -> None:
    rng = random.Random(7)
    for size in (10**3, 10**5, 10**7, 10**9):
        levels = len(edge_tiles(size))
        for _ in range(200):
            index = rng.randrange(size)
            assert len(plan_inclusion(index, size)) <= 2 * levels
            first = rng.randrange(1, size)
            assert len(plan_consistency(first, size)) <= 2 * levels
    assert len(edge_tiles(10**7)) == 3  # so six tiles at most at ten million entries


def test_a_builder_refuses_edge_tiles_that_do_not_fit() -> None:
    store = whole(1000)
    TileBuilder(1000, store)
    with pytest.raises(TileError, match="tile 0/3 should hold 232 hashes"):
        TileBuilder(1000, {**store, (0, 3): store[(0, 3)][:-32]})
    with pytest.raises(TileError, match="found missing"):
        TileBuilder(1000, {})
    with pytest.raises(TileError, match="missing or too narrow"):
        TiledTree(1000, {}).inclusion_proof(5)


def test_tile_names_follow_c2sp() -> None:
    assert tile_path(0, 1234067, 7) == "tile/0/x001/x234/067.p/7"
    assert tile_path(1, 5) == "tile/1/005"
    assert edge_tiles(70_000) == [(0, 273, 112), (1, 1, 17), (2, 0, 1)]
