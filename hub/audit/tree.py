"""Reading the tree: checkpoints, inclusion and consistency proofs, and the offline export.

The tree's leaves are the entries' ``leaf_hash`` in ``leaf_index`` order. Proofs are
computed from those leaf hashes, read from the database for each request (one indexed
scan of 32-byte values: about 30 MB and well under a second per million entries). The
next step when that grows too slow is storing interior nodes (tiles, as C2SP
tlog-tiles does) next to the compact range.

:class:`SubtreeHashes` memoises perfect subtrees, so an export with K checkpoints costs
O(n + K log² n) hashes rather than K full recomputations. Its proofs are the RFC 9162
PATH and PROOF, the same as :mod:`crypto.merkle` produces (a test checks that).

Before a proof or an export leaves, the stored leaves must still reproduce the signed
roots it refers to: a missing row, a leaf that no longer matches its hash or a root that
is not reproduced is :class:`AuditLogCompromised` (409) naming the leaf index, never a
proof that cannot verify or a 500. The memoised subtrees make that check nearly free.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise
from typing import Any

from sqlalchemy.orm import Session

from crypto.audit_verify import EXPORT_FORMAT
from crypto.checkpoint import CheckpointError, parse_signed_checkpoint, verify_checkpoint
from crypto.merkle import EMPTY_ROOT, HASH_SIZE, CompactRange, hash_children, hash_leaf
from hub.audit import integrity, repository
from hub.audit.integrity import Fault, Problem
from hub.audit.models import AuditCheckpoint
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


def _leaves_or_faults(session: Session, size: int) -> SubtreeHashes | list[Fault]:
    """The leaf hashes below ``size``, or where some are missing or malformed."""
    rows = repository.leaf_hashes(session, size=size)
    faults = integrity.missing_leaves([index for index, _ in rows], size)
    faults += [
        Fault(Problem.LEAF_ALTERED, leaf_index=index)
        for index, leaf_hash in rows
        if len(leaf_hash) != HASH_SIZE
    ]
    if faults:
        return sorted(faults, key=lambda fault: fault.leaf_index or 0)
    return SubtreeHashes([leaf_hash for _, leaf_hash in rows])


def _stored_leaves(session: Session, size: int) -> SubtreeHashes:
    """The leaf hashes below ``size``; a missing or malformed one is named, not skipped."""
    found = _leaves_or_faults(session, size)
    if isinstance(found, list):
        raise compromised(found)
    return found


def _root_faults(hashes: SubtreeHashes, checkpoints: Sequence[AuditCheckpoint]) -> list[Fault]:
    """The first checkpoint (by size) whose signed root the leaves do not reproduce."""
    verified = 0
    for checkpoint in sorted(checkpoints, key=lambda c: c.size):
        root = _signed_root(checkpoint)
        if root is None:
            return [Fault(Problem.CHECKPOINT_INVALID, size=checkpoint.size)]
        if hashes.root(0, checkpoint.size) != root:
            return [
                Fault(
                    Problem.ROOT_MISMATCH,
                    leaf_index=verified,
                    last_index=checkpoint.size - 1,
                    size=checkpoint.size,
                )
            ]
        verified = checkpoint.size
    return []


def _reproduced(session: Session, *checkpoints: AuditCheckpoint) -> SubtreeHashes:
    """The stored leaves, once they reproduce the signed roots of ``checkpoints``."""
    hashes = _stored_leaves(session, max(checkpoint.size for checkpoint in checkpoints))
    faults = _root_faults(hashes, checkpoints)
    if faults:
        raise compromised(faults)
    return hashes


def checkpoint_faults(
    session: Session, checkpoint: AuditCheckpoint, *, verifier_key: str
) -> list[Fault]:
    """Where the stored log no longer matches ``checkpoint``: its note must verify with the
    log's key and agree with its row, and the stored leaf hashes must be gap-free and
    reproduce its signed root. Empty when it matches (the leaf texts are the whole-log
    check's, ``log_check.py``)."""
    try:
        verify_checkpoint(checkpoint.note, verifier_key)
    except CheckpointError:
        return [Fault(Problem.CHECKPOINT_INVALID, size=checkpoint.size)]
    found = _leaves_or_faults(session, checkpoint.size)
    if isinstance(found, list):
        return found
    return _root_faults(found, [checkpoint])


def inclusion(
    session: Session, *, index: int, size: int | None, organisation: str | None = None
) -> InclusionProof:
    """Inclusion of leaf ``index`` in the signed tree of ``size`` (default: the latest).

    With ``organisation``, only for an entry by that organisation's members (as its signed
    leaf says): the proof shows the leaf.
    """
    checkpoint = _checkpoint(session, size)
    if not 0 <= index < checkpoint.size:
        raise InvalidInput(f"leaf index must lie in 0..{checkpoint.size - 1}")
    hashes = _reproduced(session, checkpoint)
    entry = repository.entry_at(session, index)
    if entry is None or organisation not in (None, integrity.signed(entry).actor_organisation):
        raise NotFound(f"no entry at leaf index {index}")
    if hash_leaf(entry.leaf.encode("utf-8")) != entry.leaf_hash:
        raise compromised([Fault(Problem.LEAF_ALTERED, leaf_index=index)])
    return InclusionProof(
        index=index,
        entry=entry,
        checkpoint=checkpoint,
        proof=hashes.inclusion_proof(index, checkpoint.size),
    )


def consistency(session: Session, *, first: int, second: int | None) -> ConsistencyProof:
    """Consistency between two signed checkpoints (second default: the latest)."""
    older = _checkpoint(session, first)
    newer = _checkpoint(session, second)
    if older.size > newer.size:
        raise InvalidInput("the first size must not exceed the second")
    hashes = _reproduced(session, older, newer)
    return ConsistencyProof(
        first=older, second=newer, proof=hashes.consistency_proof(older.size, newer.size)
    )


def build_export(session: Session, *, origin: str, start: int = 0) -> dict[str, Any]:
    """The export document (docs/audit.md) from ``start`` up to the latest checkpoint.

    Run the sequencer with ``force_checkpoint`` first so the newest entries are covered.
    Refused (:class:`AuditLogCompromised`) when the stored leaves no longer reproduce every
    signed checkpoint, or an exported leaf no longer matches its hash.
    """
    latest = latest_checkpoint(session)
    if not 0 <= start <= latest.size:
        raise InvalidInput(f"start must lie in 0..{latest.size}")
    hashes = _reproduced(session, *repository.checkpoints(session))
    signed = list(repository.checkpoints(session, min_size=start))
    prefix = CompactRange.from_leaf_hashes(hashes.leaves[:start]).hashes
    consistency_proofs = [
        {
            "first": older.size,
            "second": newer.size,
            "proof": [node.hex() for node in hashes.consistency_proof(older.size, newer.size)],
        }
        for older, newer in pairwise(signed)
    ]
    entries = []
    altered = []
    for entry in repository.entries_in_tree(session, start=start, stop=latest.size):
        if hash_leaf(entry.leaf.encode("utf-8")) != entry.leaf_hash:
            altered.append(Fault(Problem.LEAF_ALTERED, leaf_index=entry.leaf_index))
        entries.append(
            {"index": entry.leaf_index, "leaf": entry.leaf, "leaf_hash": entry.leaf_hash.hex()}
        )
    if altered:
        raise compromised(altered)
    return {
        "format": EXPORT_FORMAT,
        "origin": origin,
        "start": start,
        "prefix": [node.hex() for node in prefix],
        "entries": entries,
        "checkpoints": [checkpoint.note for checkpoint in signed],
        "consistency": consistency_proofs,
    }
