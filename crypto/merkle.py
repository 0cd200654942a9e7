"""Merkle tree hashing, proofs and verification per RFC 9162 (RFC 6962 hashing).

Leaves and inner nodes are domain-separated by a one-byte prefix so that a leaf can never
be passed off as an inner node (second-preimage resistance). Proof *generation* takes the
full list of leaf hashes and raises ``ValueError`` on bad arguments; proof *verification*
raises :class:`ProofError` and never returns a bool.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence

__all__ = [
    "EMPTY_ROOT",
    "HASH_SIZE",
    "LEAF_PREFIX",
    "NODE_PREFIX",
    "CompactRange",
    "ProofError",
    "consistency_proof",
    "hash_children",
    "hash_leaf",
    "inclusion_proof",
    "root_from_consistency_proof",
    "root_from_inclusion_proof",
    "root_from_leaf_hashes",
    "verify_consistency",
    "verify_inclusion",
]

LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"
HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()
"""MTH({}): the root of the empty tree is the hash of the empty string."""


class ProofError(Exception):
    """A Merkle inclusion or consistency proof did not verify."""


def hash_leaf(leaf: bytes) -> bytes:
    """MTH({d(0)}) = SHA-256(0x00 || d(0))."""
    return hashlib.sha256(LEAF_PREFIX + leaf).digest()


def hash_children(left: bytes, right: bytes) -> bytes:
    """SHA-256(0x01 || left || right)."""
    return hashlib.sha256(NODE_PREFIX + left + right).digest()


def _largest_power_of_two_below(n: int) -> int:
    """The k of RFC 9162 §2.1.1: the largest power of two smaller than ``n`` (n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


class CompactRange:
    """The compact range [0, size) of an append-only tree: O(log n) subtree roots.

    One perfect subtree root is kept per set bit of ``size``, largest (leftmost) first.
    This is all a log needs to compute the new root after each append, and it fits in a
    database row (see :meth:`to_dict` / :meth:`from_dict`).
    """

    __slots__ = ("_hashes", "_size")

    def __init__(self) -> None:
        self._size = 0
        self._hashes: list[bytes] = []

    @classmethod
    def from_leaf_hashes(cls, leaf_hashes: Iterable[bytes]) -> CompactRange:
        """Build the compact range of a whole tree."""
        compact = cls()
        for leaf_hash in leaf_hashes:
            compact.append(leaf_hash)
        return compact

    @classmethod
    def restore(cls, size: int, hashes: Sequence[bytes]) -> CompactRange:
        """Restore from ``size`` and its subtree roots; raises ``ValueError`` if malformed."""
        if isinstance(size, bool) or not isinstance(size, int) or size < 0:
            raise ValueError("compact range size must be a non-negative integer")
        if len(hashes) != size.bit_count():
            raise ValueError(
                f"compact range of size {size} needs {size.bit_count()} hashes, got {len(hashes)}"
            )
        for subtree_root in hashes:
            _check_hash(subtree_root, "compact range hash", ValueError)
        compact = cls()
        compact._size = size
        compact._hashes = list(hashes)
        return compact

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> CompactRange:
        """Inverse of :meth:`to_dict`; raises ``ValueError`` if malformed."""
        size = data.get("size")
        hashes = data.get("hashes")
        if not isinstance(size, int) or not isinstance(hashes, list):
            raise ValueError("compact range needs an integer 'size' and a list 'hashes'")
        decoded: list[bytes] = []
        for item in hashes:
            if not isinstance(item, str) or len(item) != 2 * HASH_SIZE or item != item.lower():
                raise ValueError("compact range hashes must be 64 lowercase hex characters")
            try:
                decoded.append(bytes.fromhex(item))
            except ValueError:
                raise ValueError(
                    "compact range hashes must be 64 lowercase hex characters"
                ) from None
        return cls.restore(size, decoded)

    def to_dict(self) -> dict[str, int | list[str]]:
        """JSON-ready state: ``{"size": n, "hashes": [hex, ...]}``."""
        return {"size": self._size, "hashes": [h.hex() for h in self._hashes]}

    @property
    def size(self) -> int:
        """Number of leaves appended so far."""
        return self._size

    @property
    def hashes(self) -> tuple[bytes, ...]:
        """The perfect subtree roots, leftmost (largest) first."""
        return tuple(self._hashes)

    def append(self, leaf_hash: bytes) -> None:
        """Append one leaf hash (already ``hash_leaf``-ed)."""
        _check_hash(leaf_hash, "leaf hash", ValueError)
        self._hashes.append(leaf_hash)
        # Each trailing 1-bit of the old size is a perfect subtree that now has a sibling.
        size = self._size
        while size & 1:
            right = self._hashes.pop()
            left = self._hashes.pop()
            self._hashes.append(hash_children(left, right))
            size >>= 1
        self._size += 1

    def extend(self, leaf_hashes: Iterable[bytes]) -> None:
        """Append several leaf hashes in order."""
        for leaf_hash in leaf_hashes:
            self.append(leaf_hash)

    def root(self) -> bytes:
        """MTH of the leaves appended so far."""
        if not self._hashes:
            return EMPTY_ROOT
        root = self._hashes[-1]
        for subtree_root in reversed(self._hashes[:-1]):
            root = hash_children(subtree_root, root)
        return root

    def copy(self) -> CompactRange:
        """An independent copy."""
        return CompactRange.restore(self._size, self._hashes)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, CompactRange):
            return NotImplemented
        return self._size == other._size and self._hashes == other._hashes

    def __repr__(self) -> str:
        return f"CompactRange(size={self._size}, root={self.root().hex()})"


def root_from_leaf_hashes(leaf_hashes: Sequence[bytes]) -> bytes:
    """MTH(D[n]) of RFC 9162 §2.1.1, in O(n) time and O(log n) extra memory."""
    return CompactRange.from_leaf_hashes(leaf_hashes).root()


def inclusion_proof(leaf_hashes: Sequence[bytes], index: int, tree_size: int) -> list[bytes]:
    """PATH(index, D[tree_size]) of RFC 9162 §2.1.3.1, over the first ``tree_size`` leaves."""
    if not 0 <= tree_size <= len(leaf_hashes):
        raise ValueError(f"tree size {tree_size} outside 0..{len(leaf_hashes)}")
    if not 0 <= index < tree_size:
        raise ValueError(f"leaf index {index} outside 0..{tree_size - 1}")
    return _path(leaf_hashes, index, 0, tree_size)


def _path(leaf_hashes: Sequence[bytes], m: int, start: int, end: int) -> list[bytes]:
    n = end - start
    if n == 1:
        return []
    k = _largest_power_of_two_below(n)
    if m < k:
        proof = _path(leaf_hashes, m, start, start + k)
        proof.append(root_from_leaf_hashes(leaf_hashes[start + k : end]))
    else:
        proof = _path(leaf_hashes, m - k, start + k, end)
        proof.append(root_from_leaf_hashes(leaf_hashes[start : start + k]))
    return proof


def consistency_proof(
    leaf_hashes: Sequence[bytes], first_size: int, second_size: int
) -> list[bytes]:
    """PROOF(first_size, D[second_size]) of RFC 9162 §2.1.4.1.

    Empty when ``first_size`` is 0 or equals ``second_size``: nothing needs proving.
    """
    if not 0 <= second_size <= len(leaf_hashes):
        raise ValueError(f"second size {second_size} outside 0..{len(leaf_hashes)}")
    if not 0 <= first_size <= second_size:
        raise ValueError(f"first size {first_size} outside 0..{second_size}")
    if first_size == 0:
        return []
    return _subproof(leaf_hashes, first_size, 0, second_size, True)


def _subproof(
    leaf_hashes: Sequence[bytes], m: int, start: int, end: int, complete: bool
) -> list[bytes]:
    n = end - start
    if m == n:
        return [] if complete else [root_from_leaf_hashes(leaf_hashes[start:end])]
    k = _largest_power_of_two_below(n)
    if m <= k:
        proof = _subproof(leaf_hashes, m, start, start + k, complete)
        proof.append(root_from_leaf_hashes(leaf_hashes[start + k : end]))
    else:
        proof = _subproof(leaf_hashes, m - k, start + k, end, False)
        proof.append(root_from_leaf_hashes(leaf_hashes[start : start + k]))
    return proof


def _check_hash(value: bytes, what: str, error: type[Exception]) -> None:
    if not isinstance(value, bytes) or len(value) != HASH_SIZE:
        raise error(f"{what} must be {HASH_SIZE} bytes")


def _check_proof_hashes(proof: Sequence[bytes]) -> None:
    for position, node in enumerate(proof):
        _check_hash(node, f"proof element {position}", ProofError)


def root_from_inclusion_proof(
    leaf_hash: bytes, index: int, tree_size: int, proof: Sequence[bytes]
) -> bytes:
    """The root implied by an inclusion proof (RFC 9162 §2.1.3.2, steps 1-4 and sn == 0).

    Raises :class:`ProofError` if the proof has the wrong shape for (index, tree_size).
    """
    _check_hash(leaf_hash, "leaf hash", ProofError)
    _check_proof_hashes(proof)
    if index < 0 or index >= tree_size:
        raise ProofError(f"leaf index {index} is not inside a tree of size {tree_size}")
    fn, sn = index, tree_size - 1
    r = leaf_hash
    for p in proof:
        if sn == 0:
            raise ProofError("inclusion proof is too long")
        if fn & 1 or fn == sn:
            r = hash_children(p, r)
            while fn and not fn & 1:
                fn >>= 1
                sn >>= 1
        else:
            r = hash_children(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("inclusion proof is too short")
    return r


def verify_inclusion(
    leaf_hash: bytes, index: int, tree_size: int, proof: Sequence[bytes], root: bytes
) -> None:
    """Check that ``leaf_hash`` is leaf ``index`` of the tree of ``tree_size`` with ``root``.

    Raises :class:`ProofError` on any failure.
    """
    _check_hash(root, "root hash", ProofError)
    calculated = root_from_inclusion_proof(leaf_hash, index, tree_size, proof)
    if calculated != root:
        raise ProofError(
            f"inclusion proof for leaf {index} leads to root {calculated.hex()}, "
            f"expected {root.hex()}"
        )


def root_from_consistency_proof(
    first_size: int, second_size: int, first_root: bytes, proof: Sequence[bytes]
) -> bytes:
    """The second root implied by a consistency proof (RFC 9162 §2.1.4.2).

    Checks that the proof reproduces ``first_root`` and has the right shape; raises
    :class:`ProofError` otherwise. For ``first_size == 0`` or ``first_size == second_size``
    no second root can be derived, so those cases raise ``ValueError``: use
    :func:`verify_consistency`, which handles them.
    """
    _check_hash(first_root, "first root", ProofError)
    _check_proof_hashes(proof)
    if not 0 < first_size < second_size:
        raise ValueError("a second root follows from a proof only when 0 < first < second")
    if not proof:
        raise ProofError("consistency proof is empty")
    path = list(proof)
    # A first tree that is a perfect subtree of the second is not repeated in the proof.
    if first_size & (first_size - 1) == 0:
        path.insert(0, first_root)
    fn, sn = first_size - 1, second_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise ProofError("consistency proof is too long")
        if fn & 1 or fn == sn:
            fr = hash_children(c, fr)
            sr = hash_children(c, sr)
            while fn and not fn & 1:
                fn >>= 1
                sn >>= 1
        else:
            sr = hash_children(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("consistency proof is too short")
    if fr != first_root:
        raise ProofError(
            f"consistency proof leads to first root {fr.hex()}, expected {first_root.hex()}"
        )
    return sr


def verify_consistency(
    first_size: int,
    second_size: int,
    first_root: bytes,
    second_root: bytes,
    proof: Sequence[bytes],
) -> None:
    """Check that the tree (first_size, first_root) is a prefix of (second_size, second_root).

    Raises :class:`ProofError` on any failure, including the edge cases: first > second,
    first == second with different roots or a non-empty proof, and first == 0 with a
    non-empty proof or a first root other than the empty-tree root.
    """
    _check_hash(first_root, "first root", ProofError)
    _check_hash(second_root, "second root", ProofError)
    _check_proof_hashes(proof)
    if first_size < 0 or second_size < 0:
        raise ProofError("tree sizes must not be negative")
    if first_size > second_size:
        raise ProofError(f"first size {first_size} is larger than second size {second_size}")
    if first_size == second_size:
        if proof:
            raise ProofError("consistency proof between equal sizes must be empty")
        if first_root != second_root:
            raise ProofError(f"two different roots for the same tree size {first_size}")
        return
    if first_size == 0:
        if proof:
            raise ProofError("consistency proof from the empty tree must be empty")
        if first_root != EMPTY_ROOT:
            raise ProofError("first root is not the root of the empty tree")
        return
    calculated = root_from_consistency_proof(first_size, second_size, first_root, proof)
    if calculated != second_root:
        raise ProofError(
            f"consistency proof leads to second root {calculated.hex()}, "
            f"expected {second_root.hex()}"
        )
