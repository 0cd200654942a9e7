"""Reading the tree: checkpoints, inclusion and consistency proofs, and the offline export.

The tree's leaves are the entries' ``leaf_hash`` in ``leaf_index`` order; its interior
nodes are stored as C2SP tlog-tiles (``audit_tiles``, written by the sequencer,
``tiles.py``). A proof reads the handful of tiles on its path and on the right edge (one
statement, O(log n) rows: six tiles at ten million entries), never the leaves.

Before a proof leaves, it is verified against the signed root(s) it refers to, and the
proven entry's leaf must hash to the leaf hash its tile holds; a tile altered on the path
therefore shows as :class:`AuditLogCompromised` (409), never as a proof that cannot
verify or a 500. Faults elsewhere in the log are found by the whole-log check
(``log_check.py``), which compares every tile with the leaves; while the verdict it (or
a read) recorded names a fault of the tree itself, proofs and exports are refused with
those faults.

The export (:func:`stream_export`) is written as it is read: O(log n) memory whatever
the log's size. It recomputes the compact range from the exported leaves and compares it
with every signed root it passes, so a missing, altered or rewritten leaf is named there.

:class:`SubtreeHashes` is the in-memory computation over a list of leaf hashes that
proofs used before tiles; it stays as the reference the tests compare the tiles with.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from itertools import pairwise
from typing import Any

from sqlalchemy.orm import Session

from crypto.audit_verify import EXPORT_FORMAT
from crypto.checkpoint import CheckpointError, parse_signed_checkpoint, verify_checkpoint
from crypto.merkle import (
    EMPTY_ROOT,
    HASH_SIZE,
    CompactRange,
    ProofError,
    hash_children,
    hash_leaf,
    verify_consistency,
    verify_inclusion,
)
from crypto.tiles import TileError, plan, plan_consistency, plan_inclusion
from hub.audit import integrity, repository
from hub.audit.integrity import TREE_PROBLEMS, Fault, Problem
from hub.audit.models import AuditCheckpoint
from hub.audit.tiles import TileReader
from hub.audit.views import ConsistencyProof, InclusionProof
from hub.errors import AuditLogCompromised, InvalidInput, NotFound

_MEMO_MIN_SIZE = 16  # smaller subtrees are cheaper to rehash than to keep


def _split(n: int) -> int:
    """The largest power of two smaller than ``n`` (RFC 9162 §2.1.1), for n > 1."""
    return 1 << ((n - 1).bit_length() - 1)


class SubtreeHashes:
    """MTH over ranges of a fixed list of leaf hashes, memoising perfect subtrees."""

    def __init__(self, leaf_hashes: Sequence[bytes]) -> None:
        self._leaves = leaf_hashes
        self._memo: dict[tuple[int, int], bytes] = {}

    @property
    def size(self) -> int:
        return len(self._leaves)

    @property
    def leaves(self) -> Sequence[bytes]:
        return self._leaves

    def root(self, start: int, end: int) -> bytes:
        n = end - start
        if n == 0:
            return EMPTY_ROOT
        if n == 1:
            return self._leaves[start]
        cached = self._memo.get((start, end))
        if cached is not None:
            return cached
        k = _split(n)
        value = hash_children(self.root(start, start + k), self.root(start + k, end))
        if n & (n - 1) == 0 and n >= _MEMO_MIN_SIZE:
            self._memo[(start, end)] = value
        return value

    def inclusion_proof(self, index: int, size: int) -> list[bytes]:
        """PATH(index, D[size])."""
        if not 0 <= index < size <= self.size:
            raise ValueError(f"no leaf {index} in a tree of size {size}")
        return self._path(index, 0, size)

    def _path(self, m: int, start: int, end: int) -> list[bytes]:
        n = end - start
        if n == 1:
            return []
        k = _split(n)
        if m < k:
            return [*self._path(m, start, start + k), self.root(start + k, end)]
        return [*self._path(m - k, start + k, end), self.root(start, start + k)]

    def consistency_proof(self, first: int, second: int) -> list[bytes]:
        """PROOF(first, D[second]); empty when first is 0 or equals second."""
        if not 0 <= first <= second <= self.size:
            raise ValueError(f"no consistency proof from size {first} to {second}")
        if first in (0, second):
            return []
        return self._subproof(first, 0, second, True)

    def _subproof(self, m: int, start: int, end: int, complete: bool) -> list[bytes]:
        n = end - start
        if m == n:
            return [] if complete else [self.root(start, end)]
        k = _split(n)
        if m <= k:
            return [*self._subproof(m, start, start + k, complete), self.root(start + k, end)]
        return [*self._subproof(m - k, start + k, end, False), self.root(start, start + k)]


def latest_checkpoint(session: Session) -> AuditCheckpoint:
    checkpoint = repository.latest_checkpoint(session)
    if checkpoint is None:
        raise NotFound("no checkpoint has been signed yet")
    return checkpoint


def _checkpoint(session: Session, size: int | None) -> AuditCheckpoint:
    if size is None:
        return latest_checkpoint(session)
    checkpoint = repository.checkpoint_at(session, size)
    if checkpoint is None:
        raise NotFound(f"no signed checkpoint at tree size {size}")
    return checkpoint


def compromised(faults: list[Fault]) -> AuditLogCompromised:
    """The error that names where the log no longer matches what was signed."""
    listed = [fault.to_dict() for fault in faults[: integrity.MAX_LISTED_FAULTS]]
    return AuditLogCompromised(integrity.summary(faults), faults=listed)


def _signed_root(checkpoint: AuditCheckpoint) -> bytes | None:
    """The root its note signs, if the note parses and agrees with the checkpoint's row."""
    try:
        signed, _ = parse_signed_checkpoint(checkpoint.note)
    except CheckpointError:
        return None
    if signed.size != checkpoint.size or signed.root_hash != checkpoint.root_hash:
        return None
    return signed.root_hash


def _known_faults(session: Session) -> list[Fault]:
    """The faults of the tree itself in the recorded verdict (one row): a check or a read
    found them, and until a check finds the log intact again nothing is proven from it."""
    state = repository.integrity_state(session)
    if state is None or state.status != "compromised":
        return []
    recorded = [Fault.from_dict(item) for item in json.loads(state.faults)]
    return [fault for fault in recorded if fault.problem in TREE_PROBLEMS]


def _refuse_if_known(session: Session) -> None:
    if faults := _known_faults(session):
        raise compromised(faults)


def _root_of(checkpoint: AuditCheckpoint) -> bytes:
    root = _signed_root(checkpoint)
    if root is None:
        raise compromised([Fault(Problem.CHECKPOINT_INVALID, size=checkpoint.size)])
    return root


def checkpoint_faults(
    session: Session, checkpoint: AuditCheckpoint, *, verifier_key: str
) -> list[Fault]:
    """Where the stored log no longer matches ``checkpoint``; empty when it does.

    Its note must verify with the log's key and agree with its row; no leaf below its size
    may be missing (one count, and only on a mismatch the indexes that name the gap); the
    stored tiles must reproduce its signed root (O(log n) rows). The leaves against the
    tiles, leaf by leaf, are the whole-log check's (``log_check.py``), whose verdict the
    caller shows beside this.
    """
    try:
        verify_checkpoint(checkpoint.note, verifier_key)
    except CheckpointError:
        return [Fault(Problem.CHECKPOINT_INVALID, size=checkpoint.size)]
    root = _signed_root(checkpoint)
    if root is None:
        return [Fault(Problem.CHECKPOINT_INVALID, size=checkpoint.size)]
    if repository.count_leaves(session, size=checkpoint.size) != checkpoint.size:
        indexes = [index for index, _ in repository.leaf_hashes(session, size=checkpoint.size)]
        return integrity.missing_leaves(indexes, checkpoint.size)
    try:
        tiled = TileReader(session).tree(checkpoint.size, plan([(0, checkpoint.size)]))
        stored = CompactRange.restore(checkpoint.size, tiled.compact_range(checkpoint.size))
    except TileError:
        return [Fault(Problem.TILE_ALTERED, size=checkpoint.size)]
    if stored.root() != root:
        return [Fault(Problem.TILE_ALTERED, size=checkpoint.size)]
    return []


def inclusion(
    session: Session, *, index: int, size: int | None, organisation: str | None = None
) -> InclusionProof:
    """Inclusion of leaf ``index`` in the signed tree of ``size`` (default: the latest).

    With ``organisation``, only for an entry by that organisation's members (as its signed
    leaf says): the proof shows the leaf. Reads the checkpoint, the verdict row, the tiles
    of :func:`crypto.tiles.plan_inclusion` (one statement) and the entry.
    """
    checkpoint = _checkpoint(session, size)
    if not 0 <= index < checkpoint.size:
        raise InvalidInput(f"leaf index must lie in 0..{checkpoint.size - 1}")
    root = _root_of(checkpoint)
    _refuse_if_known(session)
    tiled = TileReader(session).tree(checkpoint.size, plan_inclusion(index, checkpoint.size))
    entry = repository.entry_at(session, index)
    if entry is None:
        raise compromised([Fault(Problem.MISSING, leaf_index=index)])
    path_fault = Fault(Problem.TILE_ALTERED, leaf_index=index, size=checkpoint.size)
    try:
        proof = tiled.inclusion_proof(index)
        tile_leaf_hash = tiled.leaf_hash(index)
        verify_inclusion(tile_leaf_hash, index, checkpoint.size, proof, root)
    except (TileError, ProofError):
        raise compromised([path_fault]) from None
    if (
        hash_leaf(entry.leaf.encode("utf-8")) != entry.leaf_hash
        or entry.leaf_hash != tile_leaf_hash
    ):
        raise compromised([Fault(Problem.LEAF_ALTERED, leaf_index=index)])
    if organisation not in (None, integrity.signed(entry).actor_organisation):
        raise NotFound(f"no entry at leaf index {index}")
    return InclusionProof(index=index, entry=entry, checkpoint=checkpoint, proof=proof)


def consistency(session: Session, *, first: int, second: int | None) -> ConsistencyProof:
    """Consistency between two signed checkpoints (second default: the latest).

    Reads the two checkpoints, the verdict row and the tiles of
    :func:`crypto.tiles.plan_consistency` (one statement).
    """
    older = _checkpoint(session, first)
    newer = _checkpoint(session, second)
    if older.size > newer.size:
        raise InvalidInput("the first size must not exceed the second")
    _refuse_if_known(session)
    proof = _consistency_proof(TileReader(session), older, newer)
    return ConsistencyProof(first=older, second=newer, proof=proof)


def _consistency_proof(
    reader: TileReader, older: AuditCheckpoint, newer: AuditCheckpoint
) -> list[bytes]:
    """PROOF(older, newer) from tiles, once it links the two signed roots."""
    first_root, second_root = _root_of(older), _root_of(newer)
    try:
        tiled = reader.tree(newer.size, plan_consistency(older.size, newer.size))
        proof = tiled.consistency_proof(older.size)
        verify_consistency(older.size, newer.size, first_root, second_root, proof)
    except (TileError, ProofError):
        raise compromised([Fault(Problem.TILE_ALTERED, size=newer.size)]) from None
    return proof


_ENTRIES_PER_CHUNK = 1000
_MAX_KEPT_FAULTS = 10_000


def stream_export(session: Session, *, origin: str, start: int = 0) -> Iterator[str]:
    """The export document (docs/audit.md §3) from ``start`` up to the latest checkpoint,
    as text chunks to write one after the other: O(log n) memory for any size.

    Everything but the entries is checked before the first chunk: each checkpoint's note,
    each consistency proof against the two signed roots, the prefix (from tiles). Then the
    entries stream, one line each, in ``leaf_index`` order; a gap, a leaf that does not
    match its hash or leaves that do not reproduce a signed root are collected, and
    :class:`AuditLogCompromised` is raised *before the closing bracket*, so a refused
    export is never a valid document: write to a temporary file and keep it only if the
    generator finished. Run the sequencer with ``force_checkpoint`` first so the newest
    entries are covered.
    """
    latest = latest_checkpoint(session)
    if not 0 <= start <= latest.size:
        raise InvalidInput(f"start must lie in 0..{latest.size}")
    _refuse_if_known(session)
    signed = list(repository.checkpoints(session, min_size=start))
    roots = {checkpoint.size: _root_of(checkpoint) for checkpoint in signed}
    reader = TileReader(session)
    consistency_proofs = [
        {
            "first": older.size,
            "second": newer.size,
            "proof": [node.hex() for node in _consistency_proof(reader, older, newer)],
        }
        for older, newer in pairwise(signed)
    ]
    try:
        prefix = reader.tree(start, plan([(0, start)])).compact_range(start)
    except TileError:
        raise compromised([Fault(Problem.TILE_ALTERED, size=signed[0].size)]) from None
    header = {
        "format": EXPORT_FORMAT,
        "origin": origin,
        "start": start,
        "prefix": [node.hex() for node in prefix],
        "checkpoints": [checkpoint.note for checkpoint in signed],
        "consistency": consistency_proofs,
    }
    # The header's members, then "entries" last: a verifier reads the signed roots first
    # and checks the entries as they stream past (crypto/audit_verify.py).
    opening = json.dumps(header, ensure_ascii=False, indent=1)
    yield opening[: opening.rindex("}")].rstrip() + ',\n "entries": [\n'

    compact = CompactRange.restore(start, prefix)
    faults: list[Fault] = []
    reproducible, verified, expected = True, start, start
    if start in roots and compact.root() != roots[start]:
        faults.append(Fault(Problem.ROOT_MISMATCH, leaf_index=0, last_index=start - 1, size=start))
        reproducible = False
    dumps = json.dumps
    lines: list[str] = []
    first_chunk = True
    for index, leaf, leaf_hash in repository.export_rows(session, start=start, stop=latest.size):
        if index != expected:
            last = index - 1 if index - 1 > expected else None
            faults.append(Fault(Problem.MISSING, leaf_index=expected, last_index=last))
            reproducible = False
        expected = index + 1
        if len(leaf_hash) != HASH_SIZE or hash_leaf(leaf.encode("utf-8")) != leaf_hash:
            faults.append(Fault(Problem.LEAF_ALTERED, leaf_index=index))
        lines.append(
            f'  {{"index": {index}, "leaf": {dumps(leaf, ensure_ascii=False)}, '
            f'"leaf_hash": "{leaf_hash.hex()}"}}'
        )
        if reproducible and len(leaf_hash) == HASH_SIZE:
            compact.append(leaf_hash)
            root = roots.get(compact.size)
            if root is not None:
                if compact.root() != root:
                    faults.append(
                        Fault(
                            Problem.ROOT_MISMATCH,
                            leaf_index=verified,
                            last_index=compact.size - 1,
                            size=compact.size,
                        )
                    )
                    reproducible = False
                verified = compact.size
        else:
            reproducible = False
        if len(faults) > _MAX_KEPT_FAULTS:
            break
        if len(lines) == _ENTRIES_PER_CHUNK:
            yield ("" if first_chunk else ",\n") + ",\n".join(lines)
            lines, first_chunk = [], False
    if expected < latest.size and len(faults) <= _MAX_KEPT_FAULTS:
        last = latest.size - 1 if latest.size - 1 > expected else None
        faults.append(Fault(Problem.MISSING, leaf_index=expected, last_index=last))
    if faults:
        raise compromised(sorted(faults, key=lambda fault: fault.leaf_index or 0))
    if lines:
        yield ("" if first_chunk else ",\n") + ",\n".join(lines)
    yield "\n ]\n}\n"


def build_export(session: Session, *, origin: str, start: int = 0) -> dict[str, Any]:
    """The export document (docs/audit.md) from ``start`` up to the latest checkpoint, parsed.

    The same document as :func:`stream_export` writes, held in memory: for small ranges
    (a download); ``betrokken audit export`` streams. Refused
    (:class:`AuditLogCompromised`) when the stored log no longer reproduces what was signed.
    """
    text = "".join(stream_export(session, origin=origin, start=start))
    document: dict[str, Any] = json.loads(text)
    return document
