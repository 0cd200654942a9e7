"""The stored tiles of the tree (``audit_tiles``): written as the tree grows, read by proofs.

The sequencer appends each pass's leaf hashes to the tiles in the transaction that
advances the tree (:func:`append`), so tiles always describe exactly the sequenced tree.
Proofs and exports read the few tiles they need through a :class:`TileReader`, which
keeps the tiles it fetched so an export's many consistency proofs share them.

:func:`rebuild_tiles` makes them again from the stored leaf hashes: migration 0012 runs it
for a log that existed before tiles, and ``betrokken audit tiles rebuild`` runs it on
demand (idempotent: the same leaves give the same tiles). It refuses leaves that have a
gap or do not reproduce the sequencer's compact range: tiles must describe the signed
tree, not whatever the table holds now.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from sqlalchemy.orm import Session

from crypto.merkle import HASH_SIZE, CompactRange
from crypto.tiles import (
    TILE_WIDTH,
    TileBuilder,
    TiledTree,
    TileKey,
    edge_tiles,
    plan,
)
from hub.audit import repository

_REBUILD_BATCH = 64
"""Tiles written per statement by a rebuild (half a megabyte of hashes)."""


def append(session: Session, *, size: int, leaf_hashes: Iterable[bytes]) -> None:
    """Add ``leaf_hashes`` (leaves ``size``, ``size + 1``, …) to the stored tiles.

    Reads the partial edge tile of each level and writes every tile that changed; raises
    :class:`crypto.tiles.TileError` when the stored edge does not fit ``size``.
    """
    partial = {(level, index) for level, index, width in edge_tiles(size) if width < TILE_WIDTH}
    builder = TileBuilder(size, repository.tiles(session, partial))
    builder.extend(leaf_hashes)
    repository.store_tiles(session, builder.changed())


class TileReader:
    """Fetches tiles for proofs, keeping up to ``keep`` of them for the next proof.

    A proof needs one tile per level along its path and along the right edge; the tiles of
    the upper levels are the same for every proof, so an export's proofs mostly hit.
    """

    def __init__(self, session: Session, *, keep: int = 256) -> None:
        self._session = session
        self._keep = keep
        self._cache: OrderedDict[TileKey, bytes] = OrderedDict()
        self.fetched = 0
        """Tiles read from the database so far."""

    def tree(self, size: int, keys: set[TileKey]) -> TiledTree:
        """The tree of ``size`` leaves with the tiles ``keys`` loaded."""
        return TiledTree(size, self.fetch(keys))

    def fetch(self, keys: set[TileKey]) -> Mapping[TileKey, bytes]:
        found = {key: self._cache[key] for key in keys if key in self._cache}
        missing = keys - found.keys()
        if missing:
            fetched = repository.tiles(self._session, missing)
            self.fetched += len(fetched)
            found.update(fetched)
            self._cache.update(fetched)
        for key in found:
            self._cache.move_to_end(key)
        while len(self._cache) > self._keep:
            self._cache.popitem(last=False)
        return found


@dataclass(frozen=True)
class TilesRebuilt:
    size: int
    tiles: int
    problem: str | None = None
    """Why nothing was written, if so."""


def rebuild_tiles(session: Session) -> TilesRebuilt:
    """Replace the stored tiles by those of the sequenced tree's leaves (never commits).

    Takes the tree lock, so no sequencer appends meanwhile; one pass over the leaf hashes,
    O(log n) memory.
    """
    size, compact_range = repository.lock_tree_state(session)
    builder = TileBuilder()
    written = 0
    repository.delete_tiles(session)
    expected = 0
    for index, leaf_hash in repository.leaf_hash_rows(session, stop=size):
        if index != expected or len(leaf_hash) != HASH_SIZE:
            return _refused(session, size, f"leaf index {expected} is missing or malformed")
        expected += 1
        builder.append(leaf_hash)
        if expected % (_REBUILD_BATCH * TILE_WIDTH) == 0:
            batch = builder.changed()
            repository.store_tiles(session, batch)
            written += len(batch)
    if expected != size:
        return _refused(session, size, f"leaf index {expected} is missing")
    batch = builder.changed()
    repository.store_tiles(session, batch)
    written += len(batch)
    stored = CompactRange.from_dict(json.loads(compact_range))
    tiled = TiledTree(size, repository.tiles(session, plan([(0, size)])))
    if list(stored.hashes) != tiled.compact_range(size):
        return _refused(session, size, "the leaves do not reproduce the sequencer's tree state")
    return TilesRebuilt(size=size, tiles=written)


def _refused(session: Session, size: int, problem: str) -> TilesRebuilt:
    repository.delete_tiles(session)
    return TilesRebuilt(size=size, tiles=0, problem=problem)
