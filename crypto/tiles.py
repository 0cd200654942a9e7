"""Stored interior nodes of an RFC 9162 tree, laid out as C2SP tlog-tiles, and proofs from them.

A tile of height 8 at level ``L`` and index ``N`` holds up to 256 consecutive hashes of the
tree at height ``8·L``, starting at node ``256·N`` of that height: level 0 holds the leaf
hashes, level 1 the roots of each 256 leaves, level 2 those of each 65,536, and so on. A
full tile has 256 hashes; the last tile of a level (its right edge) may be *partial*, with
``width`` < 256 of them. The nodes between two stored heights are recomputed from the
tile below: at most 255 hashes per tile.

Any perfect subtree of a tree of ``size`` leaves can thus be read from one tile, and every
RFC 9162 proof element (the root of a range ``[start, end)``) from the few tiles of its
perfect-subtree decomposition: an inclusion or consistency proof reads one tile per level
along the proven path and one per level along the right edge, O(log₂₅₆ n) tiles.

:class:`TileBuilder` makes the tiles of a growing tree (the sequencer's appends, a rebuild
of an existing log); :func:`plan_inclusion` / :func:`plan_consistency` say which tiles a
proof needs and :class:`TiledTree` computes it from them. The proofs are exactly those of
:mod:`crypto.merkle` (tests compare them on random sizes). No I/O: the caller fetches.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass

from crypto.merkle import EMPTY_ROOT, HASH_SIZE, NODE_PREFIX

__all__ = [
    "TILE_HEIGHT",
    "TILE_WIDTH",
    "Tile",
    "TileBuilder",
    "TileError",
    "TileFetcher",
    "TileKey",
    "TiledTree",
    "build_tiles",
    "consistency_ranges",
    "edge_tiles",
    "inclusion_ranges",
    "perfect_nodes",
    "plan",
    "plan_consistency",
    "plan_inclusion",
    "subtree_root",
    "tile_path",
]

TILE_HEIGHT = 8
TILE_WIDTH = 1 << TILE_HEIGHT
"""Hashes in a full tile (C2SP tlog-tiles: height 8)."""

TileKey = tuple[int, int]
"""(level, index) of a tile."""


class TileError(ValueError):
    """Stored tiles do not fit the tree they are said to describe."""


@dataclass(frozen=True)
class Tile:
    """One tile: ``width`` hashes at height ``8·level``, concatenated in ``hashes``."""

    level: int
    index: int
    hashes: bytes

    @property
    def width(self) -> int:
        return len(self.hashes) // HASH_SIZE

    @property
    def key(self) -> TileKey:
        return (self.level, self.index)


def tile_path(level: int, index: int, width: int = TILE_WIDTH) -> str:
    """The C2SP tlog-tiles resource name, e.g. ``tile/0/x001/234.p/7`` (for reference)."""
    digits = f"{index:03d}"
    while len(digits) % 3:
        digits = "0" + digits
    parts = [digits[i : i + 3] for i in range(0, len(digits), 3)]
    name = "/".join([*(f"x{part}" for part in parts[:-1]), parts[-1]])
    partial = f".p/{width}" if width < TILE_WIDTH else ""
    return f"tile/{level}/{name}{partial}"


def subtree_root(hashes: bytes) -> bytes:
    """The root of a perfect subtree whose bottom row is ``hashes`` (a power of two of them)."""
    row = [hashes[i : i + HASH_SIZE] for i in range(0, len(hashes), HASH_SIZE)]
    if not row or len(row) & (len(row) - 1):
        raise TileError(f"{len(row)} hashes are not the bottom row of a perfect subtree")
    sha256 = hashlib.sha256
    while len(row) > 1:
        row = [sha256(NODE_PREFIX + row[i] + row[i + 1]).digest() for i in range(0, len(row), 2)]
    return row[0]


def edge_tiles(size: int) -> list[tuple[int, int, int]]:
    """(level, index, width) of the last tile of each level of a tree of ``size`` leaves.

    Level ``L`` stores ``size >> 8L`` nodes; a level with none has no tile.
    """
    edge = []
    level = 0
    while (nodes := size >> (TILE_HEIGHT * level)) > 0:
        index = (nodes - 1) >> TILE_HEIGHT
        edge.append((level, index, nodes - (index << TILE_HEIGHT)))
        level += 1
    return edge


class TileBuilder:
    """Appends leaf hashes to a tree's tiles; says which tiles changed.

    Start it from the edge tiles (:func:`edge_tiles`) of the stored tree, or empty for a
    new one. :meth:`append` returns nothing; :meth:`changed` the tiles written since the
    last call, each with its full contents, for the caller to store. Full tiles leave
    memory once handed out, so building the tiles of a whole log keeps O(log n) tiles.
    """

    def __init__(self, size: int = 0, edge: Mapping[TileKey, bytes] | None = None) -> None:
        self._size = size
        self._open: dict[int, bytearray] = {}
        """Per level, the hashes of its partial (last) tile."""
        self._dirty: set[int] = set()
        self._full: list[Tile] = []
        edge = edge or {}
        for level, index, width in edge_tiles(size):
            if width == TILE_WIDTH:
                continue  # a full edge tile is never written again
            stored = edge.get((level, index))
            if stored is None or len(stored) != width * HASH_SIZE:
                found = "missing" if stored is None else f"{len(stored) // HASH_SIZE} hashes"
                raise TileError(
                    f"tile {level}/{index} should hold {width} hashes for tree size {size}, "
                    f"found {found}"
                )
            self._open[level] = bytearray(stored)

    @property
    def size(self) -> int:
        return self._size

    def append(self, leaf_hash: bytes) -> None:
        if len(leaf_hash) != HASH_SIZE:
            raise TileError(f"a leaf hash must be {HASH_SIZE} bytes")
        node, level, position = leaf_hash, 0, self._size
        while True:
            row = self._open.get(level)
            if row is None:
                row = self._open[level] = bytearray()
            row += node
            if len(row) < TILE_WIDTH * HASH_SIZE:
                self._dirty.add(level)
                break
            full = bytes(row)
            self._full.append(Tile(level, position >> TILE_HEIGHT, full))
            del self._open[level]
            self._dirty.discard(level)
            node, level, position = subtree_root(full), level + 1, position >> TILE_HEIGHT
        self._size += 1

    def extend(self, leaf_hashes: Iterable[bytes]) -> None:
        for leaf_hash in leaf_hashes:
            self.append(leaf_hash)

    def changed(self) -> list[Tile]:
        """The tiles written since the last call, each with its whole contents, in key order."""
        tiles = self._full
        for level in self._dirty:
            nodes = self._size >> (TILE_HEIGHT * level)
            tiles.append(Tile(level, nodes >> TILE_HEIGHT, bytes(self._open[level])))
        self._full, self._dirty = [], set()
        return sorted(tiles, key=lambda tile: tile.key)


# --- which nodes a proof needs --------------------------------------------------------------


def _split(n: int) -> int:
    """The largest power of two smaller than ``n`` (RFC 9162 §2.1.1), for n > 1."""
    return 1 << ((n - 1).bit_length() - 1)


def inclusion_ranges(index: int, size: int) -> list[tuple[int, int]]:
    """The ranges whose roots make PATH(index, D[size]), in proof order."""
    if not 0 <= index < size:
        raise ValueError(f"no leaf {index} in a tree of size {size}")
    ranges: list[tuple[int, int]] = []
    start, end, m = 0, size, index
    while end - start > 1:
        k = _split(end - start)
        if m < k:
            ranges.append((start + k, end))
            end = start + k
        else:
            ranges.append((start, start + k))
            start, m = start + k, m - k
    ranges.reverse()
    return ranges


def consistency_ranges(first: int, second: int) -> list[tuple[int, int]]:
    """The ranges whose roots make PROOF(first, D[second]), in proof order."""
    if not 0 <= first <= second:
        raise ValueError(f"no consistency proof from size {first} to {second}")
    if first in (0, second):
        return []
    ranges: list[tuple[int, int]] = []
    start, end, m, complete = 0, second, first, True
    while m != end - start:
        k = _split(end - start)
        if m <= k:
            ranges.append((start + k, end))
            end = start + k
        else:
            ranges.append((start, start + k))
            start, m, complete = start + k, m - k, False
    if not complete:
        ranges.append((start, end))
    ranges.reverse()
    return ranges


def perfect_nodes(start: int, end: int) -> list[tuple[int, int]]:
    """(height, index) of the perfect subtrees that make up ``[start, end)``, left to right.

    ``start`` must be aligned to the largest of them, as every range of an RFC 9162 proof
    is; their roots folded from the right give the range's root.
    """
    nodes = []
    while start < end:
        height = (end - start).bit_length() - 1
        if start:
            height = min(height, (start & -start).bit_length() - 1)
        nodes.append((height, start >> height))
        start += 1 << height
    return nodes


def _tile_of(height: int, index: int) -> TileKey:
    level = height // TILE_HEIGHT
    below = height - level * TILE_HEIGHT
    return (level, (index << below) >> TILE_HEIGHT)


def plan(ranges: Iterable[tuple[int, int]], *, leaf: int | None = None) -> set[TileKey]:
    """The tiles that hold the nodes of ``ranges`` (and of leaf ``leaf``, if given)."""
    tiles = {_tile_of(h, i) for start, end in ranges for h, i in perfect_nodes(start, end)}
    if leaf is not None:
        tiles.add(_tile_of(0, leaf))
    return tiles


def plan_inclusion(index: int, size: int) -> set[TileKey]:
    return plan(inclusion_ranges(index, size), leaf=index)


def plan_consistency(first: int, second: int) -> set[TileKey]:
    return plan(consistency_ranges(first, second))


# --- computing from tiles -----------------------------------------------------------------


class TiledTree:
    """Roots and proofs of the tree of ``size`` leaves, from its tiles.

    ``tiles`` maps (level, index) to the tile's hashes, e.g. what the caller fetched for
    :func:`plan_inclusion`; a tile that is missing or too narrow for a node the tree needs
    is a :class:`TileError` naming it.
    """

    def __init__(self, size: int, tiles: Mapping[TileKey, bytes]) -> None:
        self.size = size
        self._tiles = tiles
        self._nodes: dict[tuple[int, int], bytes] = {}

    def node(self, height: int, index: int) -> bytes:
        """The root of the perfect subtree of ``height`` at ``index``."""
        if (index + 1) << height > self.size:
            raise ValueError(f"node {height}/{index} lies beyond tree size {self.size}")
        cached = self._nodes.get((height, index))
        if cached is not None:
            return cached
        level = height // TILE_HEIGHT
        below = height - level * TILE_HEIGHT
        first = index << below
        key = (level, first >> TILE_HEIGHT)
        hashes = self._tiles.get(key)
        offset = (first & (TILE_WIDTH - 1)) * HASH_SIZE
        length = HASH_SIZE << below
        if hashes is None or len(hashes) < offset + length:
            raise TileError(f"tile {key[0]}/{key[1]} is missing or too narrow for this tree")
        row = hashes[offset : offset + length]
        value = row if below == 0 else subtree_root(row)
        self._nodes[(height, index)] = value
        return value

    def root(self, start: int = 0, end: int | None = None) -> bytes:
        """MTH of leaves ``[start, end)`` (default: the whole tree)."""
        end = self.size if end is None else end
        if start == end:
            return EMPTY_ROOT
        nodes = [self.node(h, i) for h, i in perfect_nodes(start, end)]
        value = nodes[-1]
        for left in reversed(nodes[:-1]):
            value = hashlib.sha256(NODE_PREFIX + left + value).digest()
        return value

    def leaf_hash(self, index: int) -> bytes:
        return self.node(0, index)

    def inclusion_proof(self, index: int) -> list[bytes]:
        """PATH(index, D[size])."""
        return [self.root(start, end) for start, end in inclusion_ranges(index, self.size)]

    def consistency_proof(self, first: int) -> list[bytes]:
        """PROOF(first, D[size])."""
        return [self.root(start, end) for start, end in consistency_ranges(first, self.size)]

    def compact_range(self, size: int) -> list[bytes]:
        """The perfect subtree roots of leaves ``[0, size)``, largest first."""
        return [self.node(h, i) for h, i in perfect_nodes(0, size)]


def build_tiles(leaf_hashes: Iterable[bytes], *, batch: int = 64) -> Iterator[list[Tile]]:
    """The tiles of a whole tree, in batches of about ``batch`` changed tiles."""
    builder = TileBuilder()
    for count, leaf_hash in enumerate(leaf_hashes, start=1):
        builder.append(leaf_hash)
        if count % (batch * TILE_WIDTH) == 0:
            yield builder.changed()
    last = builder.changed()
    if last:
        yield last


TileFetcher = Callable[[set[TileKey]], Mapping[TileKey, bytes]]
