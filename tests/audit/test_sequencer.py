"""The sequencer numbers entries gap-free, keeps the compact range and signs checkpoints."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, update

from crypto.checkpoint import verify_checkpoint
from crypto.merkle import (
    CompactRange,
    consistency_proof,
    hash_leaf,
    inclusion_proof,
    root_from_leaf_hashes,
    verify_consistency,
    verify_inclusion,
)
from hub.audit import repository, tree
from hub.audit.models import AuditCheckpoint, AuditEntry, AuditTree
from hub.audit.sequencer import AuditTreeError
from hub.background import sequencer_job
from hub.clock import FixedClock
from hub.runtime import Runtime
from tests.audit.builders import write_entries


def leaf_hashes(runtime: Runtime) -> list[bytes]:
    with runtime.sessions() as session:
        rows = session.execute(
            select(AuditEntry.leaf_index, AuditEntry.leaf).order_by(AuditEntry.leaf_index)
        ).all()
    assert [index for index, _ in rows] == list(range(len(rows))), "gap or unsequenced entry"
    return [hash_leaf(leaf.encode()) for _, leaf in rows]


def test_entries_get_gap_free_indexes_and_the_row_keeps_the_compact_range(
    runtime: Runtime,
) -> None:
    write_entries(runtime, 5)
    first = sequencer_job(runtime)
    assert (first.appended, first.size) == (5, 5)
    write_entries(runtime, 3)
    second = sequencer_job(runtime)
    assert (second.appended, second.size) == (3, 8)
    assert sequencer_job(runtime).appended == 0  # idempotent

    hashes = leaf_hashes(runtime)
    assert second.root == root_from_leaf_hashes(hashes)
    with runtime.sessions() as session:
        row = session.get(AuditTree, 1)
        assert row is not None and row.size == 8
        assert CompactRange.from_dict(json.loads(row.compact_range)).root() == second.root


def test_checkpoints_follow_the_entry_and_time_policy(runtime: Runtime, clock: FixedClock) -> None:
    runtime.settings.audit_checkpoint_every_entries = 4
    write_entries(runtime, 1)
    assert sequencer_job(runtime).checkpoint is not None  # the first leaf anchors the log
    write_entries(runtime, 2)
    assert sequencer_job(runtime).checkpoint is None  # 2 < 4 new entries, no time passed
    write_entries(runtime, 2)
    signed = sequencer_job(runtime).checkpoint
    assert signed is not None and signed.size == 5
    write_entries(runtime, 1)
    clock.advance(timedelta(seconds=runtime.settings.audit_checkpoint_every_seconds))
    signed = sequencer_job(runtime).checkpoint
    assert signed is not None and signed.size == 6
    clock.advance(timedelta(hours=1))
    assert sequencer_job(runtime).checkpoint is None  # nothing new: nothing to sign
    write_entries(runtime, 1)
    forced = sequencer_job(runtime, force_checkpoint=True).checkpoint
    assert forced is not None and forced.size == 7

    key = runtime.audit_signer.verifier_key()
    with runtime.sessions() as session:
        notes = session.scalars(select(AuditCheckpoint).order_by(AuditCheckpoint.size)).all()
    assert [c.size for c in notes] == [1, 5, 6, 7]
    hashes = leaf_hashes(runtime)
    for stored in notes:
        checkpoint = verify_checkpoint(stored.note, key, expected_origin="betrokken.local/audit")
        assert checkpoint.root_hash == root_from_leaf_hashes(hashes[: stored.size])


def test_a_leaf_altered_before_sequencing_stops_the_sequencer(runtime: Runtime) -> None:
    entries = write_entries(runtime, 2)
    with runtime.sessions() as session, session.begin():
        session.execute(
            update(AuditEntry)
            .where(AuditEntry.seq == entries[1].seq)
            .values(leaf=entries[1].leaf.replace("ZAAK-1", "ZAAK-X"))
        )
    with pytest.raises(AuditTreeError, match=f"audit entry {entries[1].seq}"):
        sequencer_job(runtime)
    with runtime.sessions() as session:  # nothing was numbered: the pass rolled back
        assert session.scalar(select(AuditTree.size)) == 0


def test_subtree_cache_gives_the_rfc_proofs() -> None:
    hashes = [hash_leaf(bytes([n])) for n in range(45)]
    cache = tree.SubtreeHashes(hashes)
    for size in range(1, 46):
        for index in range(size):
            assert cache.inclusion_proof(index, size) == inclusion_proof(hashes, index, size)
        for first in range(size + 1):
            assert cache.consistency_proof(first, size) == consistency_proof(hashes, first, size)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    batches=st.lists(st.integers(min_value=0, max_value=9), min_size=1, max_size=3),
    picks=st.tuples(*[st.integers(min_value=0, max_value=10**6)] * 3),
)
def test_proofs_verify_for_random_sizes(
    runtime: Runtime, batches: list[int], picks: tuple[int, int, int]
) -> None:
    """Through the real sequencer: every example grows the same log by random batches,
    signs a checkpoint after each, and checks proofs between random checkpoints."""
    for count in batches:
        write_entries(runtime, count)
        sequencer_job(runtime, force_checkpoint=True)
    with runtime.sessions() as session:
        signed = [(c.size, c.root_hash) for c in repository.checkpoints(session)]
        nonempty = [(size, root) for size, root in signed if size]
        if not nonempty:
            return
        size, root = nonempty[picks[0] % len(nonempty)]
        index = picks[1] % size
        proof = tree.inclusion(session, index=index, size=size)
        verify_inclusion(proof.entry.leaf_hash, index, size, proof.proof, root)
        first_size, first_root = signed[picks[2] % len(signed)]
        if first_size > size:
            (first_size, first_root), (size, root) = (size, root), (first_size, first_root)
        linked = tree.consistency(session, first=first_size, second=size)
        verify_consistency(first_size, size, first_root, root, linked.proof)
