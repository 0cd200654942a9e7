"""Merkle tree, proofs and compact range: RFC 6962 vectors and properties."""

from __future__ import annotations

import hashlib
import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crypto.merkle import (
    EMPTY_ROOT,
    CompactRange,
    ProofError,
    consistency_proof,
    hash_children,
    hash_leaf,
    inclusion_proof,
    root_from_leaf_hashes,
    verify_consistency,
    verify_inclusion,
)

MAX_SIZE = 300
VECTOR_FILE = Path(__file__).resolve().parents[1] / "vectors" / "rfc6962-merkle.json"


def _load_vectors() -> dict[str, Any]:
    with VECTOR_FILE.open(encoding="utf-8") as handle:
        vectors: dict[str, Any] = json.load(handle)
    return vectors


VECTORS = _load_vectors()
VECTOR_LEAF_HASHES = [hash_leaf(bytes.fromhex(leaf)) for leaf in VECTORS["leaves"]]


def _vector_root(size: int) -> bytes:
    return bytes.fromhex(VECTORS["roots_by_size"][str(size)])


def _reference_root(leaf_hashes: list[bytes]) -> bytes:
    """MTH written literally as the recursive definition of RFC 9162 §2.1.1."""
    n = len(leaf_hashes)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return leaf_hashes[0]
    k = 1
    while k * 2 < n:
        k *= 2
    return hash_children(_reference_root(leaf_hashes[:k]), _reference_root(leaf_hashes[k:]))


@cache
def _leaf_hashes(size: int) -> tuple[bytes, ...]:
    return tuple(hash_leaf(f"audit entry {i}".encode()) for i in range(size))


@cache
def _root(size: int) -> bytes:
    return root_from_leaf_hashes(_leaf_hashes(size))


OTHER_HASH = hashlib.sha256(b"not in the tree").digest()


# --- RFC 6962 vectors ---------------------------------------------------------------------


def test_empty_tree_root_is_hash_of_empty_string() -> None:
    assert root_from_leaf_hashes([]) == EMPTY_ROOT
    assert EMPTY_ROOT.hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


@pytest.mark.parametrize("size", sorted(int(size) for size in VECTORS["roots_by_size"]))
def test_vector_roots(size: int) -> None:
    assert root_from_leaf_hashes(VECTOR_LEAF_HASHES[:size]) == _vector_root(size)
    compact = CompactRange.from_leaf_hashes(VECTOR_LEAF_HASHES[:size])
    assert compact.root() == _vector_root(size)


@pytest.mark.parametrize(
    "vector", VECTORS["inclusion_proofs"], ids=lambda v: f"{v['leaf_index']}-{v['tree_size']}"
)
def test_vector_inclusion_proofs(vector: dict[str, Any]) -> None:
    index, size = vector["leaf_index"], vector["tree_size"]
    expected = [bytes.fromhex(node) for node in vector["path"]]
    assert inclusion_proof(VECTOR_LEAF_HASHES, index, size) == expected
    verify_inclusion(VECTOR_LEAF_HASHES[index], index, size, expected, _vector_root(size))


@pytest.mark.parametrize(
    "vector", VECTORS["consistency_proofs"], ids=lambda v: f"{v['first']}-{v['second']}"
)
def test_vector_consistency_proofs(vector: dict[str, Any]) -> None:
    first, second = vector["first"], vector["second"]
    expected = [bytes.fromhex(node) for node in vector["path"]]
    assert consistency_proof(VECTOR_LEAF_HASHES, first, second) == expected
    verify_consistency(first, second, _vector_root(first), _vector_root(second), expected)


def test_all_inclusion_and_consistency_proofs_of_the_vector_tree() -> None:
    for size in range(1, len(VECTOR_LEAF_HASHES) + 1):
        for index in range(size):
            proof = inclusion_proof(VECTOR_LEAF_HASHES, index, size)
            verify_inclusion(VECTOR_LEAF_HASHES[index], index, size, proof, _vector_root(size))
        for first in range(1, size + 1):
            proof = consistency_proof(VECTOR_LEAF_HASHES, first, size)
            verify_consistency(first, size, _vector_root(first), _vector_root(size), proof)


# --- roots and the compact range -----------------------------------------------------------


@given(st.integers(min_value=0, max_value=MAX_SIZE))
def test_root_matches_recursive_definition(size: int) -> None:
    assert root_from_leaf_hashes(_leaf_hashes(size)) == _reference_root(list(_leaf_hashes(size)))


def test_compact_range_root_after_every_append() -> None:
    compact = CompactRange()
    assert compact.root() == EMPTY_ROOT
    for size, leaf_hash in enumerate(_leaf_hashes(MAX_SIZE), start=1):
        compact.append(leaf_hash)
        assert compact.size == size
        assert len(compact.hashes) == size.bit_count()
        assert compact.root() == _reference_root(list(_leaf_hashes(size)))


@given(st.integers(min_value=0, max_value=MAX_SIZE), st.integers(min_value=0, max_value=40))
def test_compact_range_survives_serialisation(size: int, more: int) -> None:
    compact = CompactRange.from_leaf_hashes(_leaf_hashes(size))
    state = json.loads(json.dumps(compact.to_dict()))
    restored = CompactRange.from_dict(state)
    assert restored == compact
    assert restored.root() == _root(size)
    # A restored range keeps growing exactly like one that never left memory.
    restored.extend(_leaf_hashes(size + more)[size:])
    assert restored.root() == _root(size + more)
    assert CompactRange.restore(size, compact.hashes) == compact


def test_compact_range_copy_is_independent() -> None:
    compact = CompactRange.from_leaf_hashes(_leaf_hashes(5))
    copy = compact.copy()
    copy.append(_leaf_hashes(6)[5])
    assert compact.size == 5
    assert copy.root() == _root(6)


@pytest.mark.parametrize(
    "state",
    [
        {"size": 3, "hashes": [OTHER_HASH.hex()]},  # size 3 needs two subtree roots
        {"size": -1, "hashes": []},
        {"size": 1, "hashes": [OTHER_HASH.hex()[:-2]]},
        {"size": 1, "hashes": [OTHER_HASH.hex().upper()]},
        {"size": 1, "hashes": ["zz" * 32]},
        {"size": "1", "hashes": [OTHER_HASH.hex()]},
        {"hashes": []},
    ],
)
def test_compact_range_rejects_malformed_state(state: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        CompactRange.from_dict(state)


def test_compact_range_rejects_short_leaf_hash() -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        CompactRange().append(b"short")


# --- inclusion proofs -------------------------------------------------------------------------


@st.composite
def _size_and_index(draw: st.DrawFn) -> tuple[int, int]:
    size = draw(st.integers(min_value=1, max_value=MAX_SIZE))
    return size, draw(st.integers(min_value=0, max_value=size - 1))


@given(_size_and_index())
def test_inclusion_proofs_verify(size_index: tuple[int, int]) -> None:
    size, index = size_index
    leaves = _leaf_hashes(size)
    proof = inclusion_proof(leaves, index, size)
    verify_inclusion(leaves[index], index, size, proof, _root(size))


@given(_size_and_index(), st.data())
def test_inclusion_proof_against_wrong_inputs_fails(
    size_index: tuple[int, int], data: st.DataObject
) -> None:
    size, index = size_index
    leaves = _leaf_hashes(size)
    proof = inclusion_proof(leaves, index, size)
    root = _root(size)

    with pytest.raises(ProofError):
        verify_inclusion(OTHER_HASH, index, size, proof, root)
    with pytest.raises(ProofError):
        verify_inclusion(leaves[index], index, size, proof, OTHER_HASH)
    with pytest.raises(ProofError):
        verify_inclusion(leaves[index], index, size, [*proof, OTHER_HASH], root)
    if size > 1:
        wrong_index = data.draw(
            st.integers(min_value=0, max_value=size - 1).filter(lambda i: i != index)
        )
        with pytest.raises(ProofError):
            verify_inclusion(leaves[index], wrong_index, size, proof, root)
    if proof:
        with pytest.raises(ProofError):
            verify_inclusion(leaves[index], index, size, proof[:-1], root)
        position = data.draw(st.integers(min_value=0, max_value=len(proof) - 1))
        tampered = [*proof]
        tampered[position] = OTHER_HASH
        with pytest.raises(ProofError):
            verify_inclusion(leaves[index], index, size, tampered, root)


def test_inclusion_proof_for_a_leaf_in_a_later_tree_size_fails() -> None:
    leaves = _leaf_hashes(10)
    proof = inclusion_proof(leaves, 3, 8)
    with pytest.raises(ProofError):
        verify_inclusion(leaves[3], 3, 10, proof, _root(10))


@pytest.mark.parametrize(("index", "size"), [(0, 0), (5, 5), (6, 5), (-1, 5)])
def test_inclusion_index_outside_tree_fails(index: int, size: int) -> None:
    with pytest.raises(ProofError, match="not inside a tree"):
        verify_inclusion(OTHER_HASH, index, size, [], OTHER_HASH)


def test_single_leaf_tree_needs_an_empty_inclusion_proof() -> None:
    (leaf,) = _leaf_hashes(1)
    verify_inclusion(leaf, 0, 1, [], leaf)
    with pytest.raises(ProofError, match="too long"):
        verify_inclusion(leaf, 0, 1, [OTHER_HASH], hash_children(leaf, OTHER_HASH))


def test_inclusion_proof_messages_name_the_problem() -> None:
    leaves = _leaf_hashes(7)
    proof = inclusion_proof(leaves, 2, 7)
    with pytest.raises(ProofError, match="too short"):
        verify_inclusion(leaves[2], 2, 7, proof[:-1], _root(7))
    with pytest.raises(ProofError, match="too long"):
        verify_inclusion(leaves[2], 2, 7, [*proof, OTHER_HASH], _root(7))
    with pytest.raises(ProofError, match="expected"):
        verify_inclusion(leaves[2], 2, 7, proof, OTHER_HASH)
    with pytest.raises(ProofError, match="proof element 1"):
        verify_inclusion(leaves[2], 2, 7, [proof[0], b"short", proof[2]], _root(7))


@pytest.mark.parametrize(("index", "size"), [(0, 0), (3, 3), (-1, 3), (0, 4)])
def test_inclusion_proof_generation_rejects_bad_arguments(index: int, size: int) -> None:
    with pytest.raises(ValueError):
        inclusion_proof(_leaf_hashes(3), index, size)


# --- consistency proofs -----------------------------------------------------------------------


@st.composite
def _first_and_second(draw: st.DrawFn) -> tuple[int, int]:
    second = draw(st.integers(min_value=0, max_value=MAX_SIZE))
    return draw(st.integers(min_value=0, max_value=second)), second


@given(_first_and_second())
def test_consistency_proofs_verify(sizes: tuple[int, int]) -> None:
    first, second = sizes
    proof = consistency_proof(_leaf_hashes(second), first, second)
    verify_consistency(first, second, _root(first), _root(second), proof)


@given(_first_and_second(), st.data())
def test_consistency_proof_against_wrong_inputs_fails(
    sizes: tuple[int, int], data: st.DataObject
) -> None:
    first, second = sizes
    proof = consistency_proof(_leaf_hashes(second), first, second)
    first_root, second_root = _root(first), _root(second)

    with pytest.raises(ProofError):
        verify_consistency(first, second, OTHER_HASH, second_root, proof)
    if first > 0:  # every tree extends the empty one, whatever its root
        with pytest.raises(ProofError):
            verify_consistency(first, second, first_root, OTHER_HASH, proof)
    with pytest.raises(ProofError):
        verify_consistency(first, second, first_root, second_root, [*proof, OTHER_HASH])
    if proof:
        with pytest.raises(ProofError):
            verify_consistency(first, second, first_root, second_root, proof[:-1])
        position = data.draw(st.integers(min_value=0, max_value=len(proof) - 1))
        tampered = [*proof]
        tampered[position] = OTHER_HASH
        with pytest.raises(ProofError):
            verify_consistency(first, second, first_root, second_root, tampered)
    if first < second:
        with pytest.raises(ProofError, match="larger"):
            verify_consistency(second, first, second_root, first_root, proof)


@settings(max_examples=50)
@given(_first_and_second())
def test_consistency_with_a_rewritten_leaf_fails(sizes: tuple[int, int]) -> None:
    first, second = sizes
    if first == 0:
        return
    rewritten = list(_leaf_hashes(second))
    rewritten[first - 1] = OTHER_HASH  # history changed inside the first tree
    proof = consistency_proof(rewritten, first, second)
    with pytest.raises(ProofError):
        verify_consistency(first, second, _root(first), root_from_leaf_hashes(rewritten), proof)


def test_consistency_edge_cases() -> None:
    root5 = _root(5)
    verify_consistency(5, 5, root5, root5, [])
    with pytest.raises(ProofError, match="must be empty"):
        verify_consistency(5, 5, root5, root5, [OTHER_HASH])
    with pytest.raises(ProofError, match="different roots"):
        verify_consistency(5, 5, root5, OTHER_HASH, [])
    verify_consistency(0, 5, EMPTY_ROOT, root5, [])
    verify_consistency(0, 0, EMPTY_ROOT, EMPTY_ROOT, [])
    with pytest.raises(ProofError, match="empty tree"):
        verify_consistency(0, 5, OTHER_HASH, root5, [])
    with pytest.raises(ProofError, match="must be empty"):
        verify_consistency(0, 5, EMPTY_ROOT, root5, [OTHER_HASH])
    with pytest.raises(ProofError, match="empty"):
        verify_consistency(3, 5, _root(3), root5, [])
    with pytest.raises(ProofError, match="negative"):
        verify_consistency(-1, 5, EMPTY_ROOT, root5, [])
    with pytest.raises(ProofError, match="second root must be 32 bytes"):
        verify_consistency(3, 5, _root(3), b"", [])


def test_consistency_proof_messages_name_the_problem() -> None:
    proof = consistency_proof(_leaf_hashes(7), 3, 7)
    args = (3, 7, _root(3), _root(7))
    with pytest.raises(ProofError, match="too short"):
        verify_consistency(*args, proof[:-1])
    with pytest.raises(ProofError, match="too long"):
        verify_consistency(*args, [*proof, OTHER_HASH])
    with pytest.raises(ProofError, match="first root"):
        verify_consistency(3, 7, OTHER_HASH, _root(7), proof)
    with pytest.raises(ProofError, match="second root"):
        verify_consistency(3, 7, _root(3), OTHER_HASH, proof)


@pytest.mark.parametrize(("first", "second"), [(4, 3), (-1, 3), (0, 4)])
def test_consistency_proof_generation_rejects_bad_arguments(first: int, second: int) -> None:
    with pytest.raises(ValueError):
        consistency_proof(_leaf_hashes(3), first, second)
